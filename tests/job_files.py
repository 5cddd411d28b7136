"""Writing job files for the batch tests (test helper)."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_job(folder: Path, text: str, name: str = "jobs.toml") -> Path:
    """`text` (dedented) as the job file `name` in `folder`."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
