"""Script files of a job (key ``script``, ``duet bake --script``): read and checked as the bake
reads and checks them.

The bake (addon/headless/shot_bake.py) and the job check (batch.jobfile's ScriptCheck) both call
``read_script``, so ``--check`` refuses exactly what the bake would: a file the importers
cannot read (a folder, binary data, over 5 MB, a subtitle cue with no speaker) and script
text with errors for the shot's characters, each with the file, line and column
(``'/proj/scene12.srt' line 3, col 1: cue 1 has no speaker: ...``). The format is
docs/SCRIPT.md; plain text, Fountain, SubRip and WebVTT are told apart by the extension
and the content (duet.model.script.load_script_file).

The parser is pure Python, but importing duet.model pulls in numpy, so the job check gets
``script_problems`` passed in (as it gets the staging check) and this module imports the
parser only when it runs.
"""

from __future__ import annotations

import os
from pathlib import Path

# Checked scripts, per file state and character names: shots sharing one script parse it once.
_checked: dict[tuple, tuple[str, ...]] = {}
_MAX_CACHED = 4096


def _where(path: Path, issue) -> str:
    return f"'{path}'" + ("" if issue.line == 0 else f" line {issue.line}, col {issue.column}")


def read_script(path: Path, names: dict[str, str] | None) -> tuple[str | None, list[str]]:
    """(the plain script text to give generate(), every problem as a sentence naming the
    file, line and column). The text is None when the file cannot be read at all; problems
    empty when the bake takes it. ``names``: the characters ({"A": ..., "B": ...}) the lines
    may name, None to take the names the text uses (docs/SCRIPT.md, Characters)."""
    from ..model.script import ScriptError, load_script_file, parse_script

    try:
        text, _kind = load_script_file(path)
    except ScriptError as exc:  # the file itself, or what its format cannot express
        return None, [f"{_where(path, issue)}: {issue.message}" for issue in exc.errors]
    except (OSError, ValueError) as exc:  # what the importer does not name itself
        return None, [f"'{path}': the script file could not be read ({exc})"]
    try:
        # An empty file is refused too ("no spoken lines"): a job that names a script means one.
        parse_script(text, names=names or None, source=path.name)
    except ScriptError as exc:
        return text, [f"{_where(path, issue)}: {issue.message}" for issue in exc.errors]
    return text, []


def script_problems(path: Path, names: dict[str, str] | None) -> list[str]:
    """What a bake would reject in the script file ``path`` for characters ``names`` (None:
    the job leaves them to the .blend's Duet pair, so the text's own names are taken), as
    sentences naming the file, line and column; empty when it would take it. The job check's
    ScriptCheck. Remembered per file state and names: 5,000 shots sharing one script parse
    it once."""
    try:
        state = os.stat(path)
    except OSError as exc:
        return [f"'{path}': the script file cannot be read ({exc.strerror or exc})"]
    key = (str(path), state.st_size, state.st_mtime_ns, tuple(sorted((names or {}).items())))
    found = _checked.get(key)
    if found is None:
        found = tuple(read_script(path, names)[1])
        if len(_checked) >= _MAX_CACHED:
            _checked.clear()
        _checked[key] = found
    return list(found)


__all__ = ["read_script", "script_problems"]
