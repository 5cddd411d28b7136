"""Script-assisted takes: the dialogue's spoken lines, parsed and imported.

    script = parse_script("Mara: Hello.\\nTheo: Hi (laughs).", names={"A": "Mara", "B": "Theo"})
    script.lines[1].role, script.lines[1].words     # "B", ("Hi",)
    text, kind = load_script_file("scene12.srt")    # any format -> plain script text
    script = parse_script(text, source="scene12.srt")
    errors, warnings = validate_script(text)        # for live checking, never raises

The format is documented in docs/SCRIPT.md. Pure Python (stdlib only).
"""

from __future__ import annotations

from .errors import ScriptError, ScriptIssue
from .importers import from_fountain, from_srt, from_vtt, load_script_file
from .text import Script, ScriptLine, parse_script, validate_script

__all__ = [
    "Script",
    "ScriptError",
    "ScriptIssue",
    "ScriptLine",
    "from_fountain",
    "from_srt",
    "from_vtt",
    "load_script_file",
    "parse_script",
    "validate_script",
]
