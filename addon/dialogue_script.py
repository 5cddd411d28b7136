"""The Script section of the Generate panel: the dialogue's lines as a text block.

Load a script file (plain, Fountain, SubRip, WebVTT) into a text block, check it live
for the panel, keep the lines a take placed on the take itself (so subtitles can be
written after the file is saved and opened again), and write those subtitles.
The format and the importers are the pure core's (duet.model.script, docs/SCRIPT.md).
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bpy

from ..model.performance import TakeLine

SCRIPT_FILE_GLOB = "*.txt;*.fountain;*.spmd;*.srt;*.vtt"
KIND_NAMES = {"plain": "script text", "fountain": "Fountain", "srt": "SubRip", "vtt": "WebVTT"}
LINES_PROP = "duet_script_lines"  # JSON on each action of a script-assisted take
LINES_FORMAT = 1
MAX_SHOWN = 3  # errors quoted in one report line


def _user_error(message: str) -> Exception:
    from .generate_flow import UserError  # generate_flow imports this module

    return UserError(message)


def _issues_text(issues: list, source: str) -> str:
    shown = "; ".join(str(i) for i in issues[:MAX_SHOWN])
    more = f" (+{len(issues) - MAX_SHOWN} more)" if len(issues) > MAX_SHOWN else ""
    return f"{source}: {shown}{more}"


# ----------------------------------------------------------------------------- live check


@dataclass(frozen=True)
class ScriptCheck:
    """What the panel shows about a script text: errors stop Generate, warnings do not."""

    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    summary: str  # "11 spoken lines: Mara 6, Theo 5" when it parses, else ""


_check_cache: dict[int, ScriptCheck] = {}


def check_text(body: str, names: dict[str, str] | None) -> ScriptCheck:
    """Parse script text as Generate will (with the panel's character names), cached."""
    key = hash((body, tuple(sorted((names or {}).items()))))
    if key not in _check_cache:
        from ..model.script import ScriptError, parse_script

        try:
            script = parse_script(body, names=names or None)
        except ScriptError as exc:
            result = ScriptCheck(tuple(map(str, exc.errors)), tuple(map(str, exc.warnings)), "")
        except Exception as exc:  # the panel must draw whatever the parser does
            result = ScriptCheck((f"the script could not be checked: {type(exc).__name__}: {exc}",), (), "")
        else:
            counts = {name: 0 for name in script.names.values()}
            for line in script.lines:
                counts[line.speaker] = counts.get(line.speaker, 0) + 1
            per = ", ".join(f"{name} {n}" for name, n in counts.items())
            summary = f"{len(script.lines)} spoken lines: {per}"
            result = ScriptCheck((), tuple(map(str, script.warnings)), summary)
        if len(_check_cache) > 64:
            _check_cache.clear()
        _check_cache[key] = result
    return _check_cache[key]


def panel_names(settings) -> dict[str, str]:
    """The characters' names as the panel shows them (the names a script may use)."""
    names = {}
    for role, obj in (("A", settings.character_a), ("B", settings.character_b)):
        if obj is not None:
            names[role] = str(obj.get("duet_character") or obj.name)
    return names


def check_script(text: str | None, names: dict[str, str] | None, source: str) -> None:
    """Raise UserError naming the script's errors (line, column, fix); nothing for none."""
    if not text or not text.strip():
        return
    from ..model.script import ScriptError, parse_script

    try:
        parse_script(text, names=names or None)
    except ScriptError as exc:
        raise _user_error("script " + _issues_text(exc.errors, f"'{source}' has errors")) from exc


# ----------------------------------------------------------------------------- loading


def load_script(scene: bpy.types.Scene, path: str) -> tuple[bpy.types.Text, str]:
    """Import a script file into a new text block named after the file and use it;
    returns (text block, kind). A bad file raises UserError with the importer's message."""
    from ..model.script import ScriptError, load_script_file

    target = bpy.path.abspath(path) if path else ""
    try:
        body, kind = load_script_file(target)
    except ScriptError as exc:
        raise _user_error(_issues_text(exc.errors, exc.source)) from exc
    except (OSError, ValueError) as exc:  # what the importer does not name itself
        raise _user_error(f"the script file '{target}' could not be read: {exc}") from exc
    text = bpy.data.texts.new(os.path.basename(target) or "Duet Script")
    text.from_string(body)
    scene.duet.script_text = text
    return text, kind


def load_example_script(scene: bpy.types.Scene) -> bpy.types.Text:
    """The bundled example's script (Mara and Theo) as the Script text block."""
    from ..model.weights import ASSETS

    source = ASSETS / "example_dialogue_script.txt"
    if not source.is_file():
        raise _user_error(f"the example dialogue's script is missing from {ASSETS}: reinstall Duet")
    name = "Duet Script: example"
    text = bpy.data.texts.get(name) or bpy.data.texts.new(name)
    text.from_string(source.read_text(encoding="utf-8"))
    scene.duet.script_text = text
    return text


# ----------------------------------------------------------------------------- lines on the take


def _take_actions(characters, take: str) -> list[bpy.types.Action]:
    actions: list[bpy.types.Action] = []
    for rig in characters.values():
        for id_data in rig.ids:
            ad = id_data.animation_data
            for track in ad.nla_tracks if ad is not None else ():
                if track.name != take:
                    continue
                for strip in track.strips:
                    if strip.action is not None and strip.action not in actions:
                        actions.append(strip.action)
    return actions


def store_take_lines(characters, take: str, lines: tuple[TakeLine, ...], notes: tuple[str, ...]) -> int:
    """Keep the placed lines (and the take's notes) on the take's actions, where they live
    and die with the take and are saved with the file. Returns the actions written."""
    payload = json.dumps(
        {
            "format": LINES_FORMAT,
            "take": take,
            "notes": list(notes),
            "lines": [
                [x.role, x.speaker, x.text, x.start, x.end, x.source_line, x.confidence] for x in lines
            ],
        },
        ensure_ascii=False,
    )
    actions = _take_actions(characters, take)
    for action in actions:
        action[LINES_PROP] = payload
    return len(actions)


@dataclass(frozen=True)
class StoredTake:
    take: str
    lines: tuple[TakeLine, ...]
    notes: tuple[str, ...]


@functools.lru_cache(maxsize=32)
def _parsed(payload: str) -> Any:
    """The stored JSON, parsed once per payload text: the Script panel reads it on every redraw."""
    return json.loads(payload)


def _decode(payload: object, action_name: str) -> StoredTake:
    bad = f"the script lines stored on action '{action_name}' cannot be read"
    try:
        data = _parsed(str(payload))
        take = str(data["take"])
        lines = []
        for role, speaker, text, start, end, source_line, confidence in data["lines"]:
            start, end = float(start), float(end)
            if not (math.isfinite(start) and math.isfinite(end)):
                raise ValueError("time")
            lines.append(
                TakeLine(str(role), str(speaker), str(text), start, end, int(source_line), float(confidence))
            )
        notes = tuple(str(n) for n in data.get("notes", ()))
    except (TypeError, ValueError, KeyError) as exc:
        raise _user_error(f"{bad} ({exc}): generate the take again") from None
    return StoredTake(take, tuple(lines), notes)


def _take_order(take: str) -> tuple[int, str]:
    from .takes import take_number

    number = take_number(take)
    return (number if number is not None else -1, take)


def stored_takes() -> list[str]:
    """Names of the takes in this file that hold placed script lines, newest first."""
    names = {_stored_name(action) for action in bpy.data.actions if LINES_PROP in action and action.users > 0}
    names.discard(None)
    return sorted(names, key=_take_order, reverse=True)  # type: ignore[arg-type]


def _stored_name(action: bpy.types.Action) -> str | None:
    try:
        return str(_parsed(str(action[LINES_PROP]))["take"])
    except (TypeError, ValueError, KeyError):
        return None


def take_lines(take: str) -> StoredTake:
    """The placed lines of one take, from its actions; UserError when it has none."""
    for action in bpy.data.actions:
        if LINES_PROP in action and action.users > 0 and _stored_name(action) == take:
            return _decode(action[LINES_PROP], action.name)
    raise _user_error(f"'{take}' has no script lines: generate a take with a script (the Script panel) first")


# ----------------------------------------------------------------------------- subtitles


def subtitle_file_name(take: str, suffix: str = ".srt") -> str:
    """'<blend name>_<take>.srt' ('untitled' before the file is saved)."""
    blend = Path(bpy.data.filepath).stem if bpy.data.filepath else "untitled"
    slug = re.sub(r"[^\w.-]+", "_", take).strip("_") or "take"
    return f"{blend}_{slug}{suffix}"


def write_subtitles(take: str, path: str) -> tuple[Path, int]:
    """Write the take's placed lines as subtitles (.srt, or .vtt by the file's ending);
    returns (file, cues)."""
    from ..model.script.subtitles import FORMATS, subtitles_for

    stored = take_lines(take)
    target = Path(bpy.path.abspath(path)) if path else Path()
    if not target.name or target.is_dir():
        raise _user_error("no subtitle file chosen: pick a file name ending in .srt or .vtt")
    if target.suffix.lower() not in FORMATS:
        target = target.with_name(target.name + ".srt")
    body = subtitles_for(target.suffix, stored.lines)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise _user_error(f"could not write the subtitles to '{target}': {exc.strerror or exc}") from exc
    return target, len(stored.lines)
