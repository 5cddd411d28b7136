"""The bundled example's script (assets/example_dialogue_script.txt) is the one
tools/make_example.py writes from its SCRIPT, and it parses with the example's names."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import make_example  # noqa: E402 - tools/ is not a package

from duet.model.script import parse_script  # noqa: E402

COMMITTED = ROOT / "assets" / "example_dialogue_script.txt"


def test_committed_script_is_what_make_example_writes() -> None:
    assert make_example.script_text() == COMMITTED.read_text(encoding="utf-8")


def test_example_script_follows_the_dialogue() -> None:
    script = parse_script(COMMITTED.read_text(encoding="utf-8"), names=make_example.NAMES)
    assert not script.warnings
    assert [(x.role, x.text) for x in script.lines] == [(x.role, x.text) for x in make_example.SCRIPT]
    assert script.names == {"A": "Mara", "B": "Theo"}
