"""Scripts that do not fit the take: a clear message or a note, never a traceback, and the take
still generates where it can (issue 12, "Bad input")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from duet.model import generate
from duet.model.errors import InputError

TINY = Path(__file__).parent / "data" / "model" / "tiny_weights.npz"


def _buzz_dialogue(seconds: float, rate: int = 16000) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * rate)) / rate
    x = np.zeros_like(t)
    for k, start in enumerate(np.arange(0.5, seconds - 0.5, 2.0)):
        seg = (t >= start) & (t < start + 1.6)
        x[seg] = 0.2 * np.sign(np.sin(2 * np.pi * (110.0 if k % 2 == 0 else 220.0) * t[seg]))
    return (x + rng.normal(scale=1e-3, size=len(x))).astype(np.float32)


AUDIO = _buzz_dialogue(10.0)


@pytest.mark.parametrize(
    "script",
    [
        "\ufeffA: Hello there.\r\nB: Hi.\r\n",  # Notepad: BOM and Windows line ends
        "A: Hello there.\rB: Hi.\r",  # old Mac line ends
        "A: שלום לך\nB: مرحبا بك يا صديقي\n",  # right-to-left scripts
        "A: (laughs)\nB: Hi.\n",  # a line with nothing spoken
        "A: Hi\x00 there.\nB: ok\n",  # control characters
        "".join(f"{'AB'[k % 2]}: line number {k} says a few words here.\n" for k in range(1000)),
    ],
    ids=["bom-crlf", "cr", "rtl", "parenthetical", "control", "1000-lines"],
)
def test_odd_scripts_generate_with_notes(script: str) -> None:
    perf = generate(AUDIO, 16000, script=script, weights=TINY, fps=24)
    perf.validate()
    assert len(perf.notes) <= 14  # capped: a 1,000-line script does not flood the report
    for note in perf.notes:
        assert note.isprintable() and "Traceback" not in note


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("# only a comment\n\n", r"line 1, col 1: the script has no spoken lines"),
        ("Mara: Hi.\nTheo: Hey.\nZed: Yo.\n", r"line 3, col 1: unknown character 'Zed'"),
        ("[0:05] A: Hi.\n[0:02] B: Hey.\n", r"line 2, col 1: the time hint 0:02"),
    ],
)
def test_script_mistakes_name_line_and_column(script: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        generate(AUDIO, 16000, script=script, weights=TINY)


def test_lines_in_silence_are_named_not_found() -> None:
    perf = generate(np.zeros(3 * 16000, np.float32), 16000, script="A: Yes.\nB: No.", weights=TINY, fps=24)
    assert perf.lines == ()
    assert perf.notes[0].startswith("no voice was found in the voice-over")
    assert [n[:13] for n in perf.notes[1:]] == ["script line 1", "script line 2"]
    assert all("not found in the audio" in n for n in perf.notes[1:])


@pytest.mark.parametrize("seconds", [0.02, 0.1, 0.3])
def test_a_script_on_a_very_short_clip(seconds: float) -> None:
    x = _buzz_dialogue(1.5)[int(0.5 * 16000) : int((0.5 + seconds) * 16000)]
    perf = generate(x, 16000, script="A: Yes.", weights=TINY, fps=24)
    perf.validate()


def test_one_note_per_line() -> None:
    """A line placed with low confidence whose words did not align gets one note, not two."""
    perf = generate(AUDIO, 16000, script="A: Hello there.\nB: Hi.\n", weights=TINY, fps=24)
    per_line = [n.split(" (")[0] for n in perf.notes if n.startswith("script line")]
    assert len(per_line) == len(set(per_line))
