"""Timeline markers for turns, staging directions and script lines, and the voice-over strip."""

from __future__ import annotations

from pathlib import Path

import bpy
import numpy as np

MARKER_PREFIX = "Duet"
MIN_TURN_SECONDS = 1.0  # shorter bursts (backchannels) get no marker
MARKER_NAME_BYTES = 63  # Blender keeps a marker's name in 64 bytes with its terminating NUL
ELLIPSIS = "…"


def fit_name(name: str, limit: int = MARKER_NAME_BYTES) -> str:
    """The name cut to ``limit`` UTF-8 bytes with '…' at the end, never inside a character
    (Blender would cut it at the byte, leaving half a character)."""
    data = name.encode("utf-8")
    if len(data) <= limit:
        return name
    room = limit - len(ELLIPSIS.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore").rstrip() + ELLIPSIS


def turn_starts(speaking: np.ndarray, fps: float, threshold: float = 0.5) -> list[int]:
    """Frame indices where a turn of at least MIN_TURN_SECONDS starts."""
    active = np.concatenate([[False], speaking >= threshold, [False]])
    edges = np.flatnonzero(np.diff(active.astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    return [int(s) for s, e in zip(starts, ends, strict=True) if (e - s) / fps >= MIN_TURN_SECONDS]


def _marker_prefix(take: str) -> str:
    """Markers of "Duet Take 3" and "Duet Take 3: label" start "Duet 3" (the label stays out)."""
    from .takes import take_number

    number = take_number(take)
    return f"{MARKER_PREFIX} {number if number is not None else take}"


def add_turn_markers(
    scene: bpy.types.Scene,
    take: str,
    speaking: dict[str, np.ndarray],
    names: dict[str, str],
    fps: float,
    offset: int,
) -> int:
    count = 0
    prefix = _marker_prefix(take)
    for role, curve in speaking.items():
        for start in turn_starts(curve, fps):
            scene.timeline_markers.new(fit_name(f"{prefix}: {names[role]} speaks"), frame=offset + start)
            count += 1
    return count


def add_staging_markers(
    scene: bpy.types.Scene, take: str, events: list[tuple[float, str]], fps: float, offset: int
) -> int:
    prefix = _marker_prefix(take)
    for seconds, label in events:
        scene.timeline_markers.new(fit_name(f"{prefix}: {label}"), frame=offset + int(round(seconds * fps)))
    return len(events)


def mood_marker_events(request) -> list[tuple[float, str]]:  # request: job.GenerationRequest
    """(seconds, label) for the moods of a take beyond the staging's own markers: each
    character's default mood at the start ("A is sad at 60% (whole take)") and where each
    timed staged mood ends ("B smiles (ends)"); staged moods' starts are staging markers."""
    from ..model.staging import moods, parse

    out = [
        (0.0, f"{role} is {text} (whole take)")
        for role, text in sorted(moods.describe_defaults(request.moods or {}).items())
    ]
    if request.staging and request.staging.strip():
        script = parse(request.staging, names=request.names, fps=request.fps, first_frame=request.first_frame)
        out += moods.mood_end_events(script)
    return out


def add_mood_markers(scene: bpy.types.Scene, take: str, request, fps: float, offset: int) -> int:
    """Markers for the take's default moods and the ends of its timed moods (mood_marker_events)."""
    return add_staging_markers(scene, take, mood_marker_events(request), fps, offset)


def add_line_markers(scene: bpy.types.Scene, take: str, lines, fps: float, offset: int) -> int:
    """A marker per placed script line (model.performance.TakeLine) at its first frame:
    "Duet 3: Mara: Did you hear the rain last night?" (cut to fit Blender's 63 bytes)."""
    prefix = _marker_prefix(take)
    for line in lines:
        text = " ".join(line.text.split())
        name = fit_name(f"{prefix}: {line.speaker}: {text}")
        scene.timeline_markers.new(name, frame=offset + int(round(line.start * fps)))
    return len(lines)


def ensure_sound_strip(scene: bpy.types.Scene, path: Path, frame_start: int) -> bpy.types.Strip | None:
    """Add the voice-over as a sound strip (once), so it plays and scrubs in sync."""
    editor = scene.sequence_editor or scene.sequence_editor_create()
    target = str(path.resolve())
    for strip in editor.strips:
        if strip.type != "SOUND" or strip.sound is None:
            continue
        same_file = Path(bpy.path.abspath(strip.sound.filepath)).resolve() == Path(target)
        # Blender 5 names the strip's start content_start (frame_start is deprecated there).
        start = strip.content_start if hasattr(strip, "content_start") else strip.frame_start
        if same_file and start == frame_start:
            return strip
    used = {s.channel for s in editor.strips}
    channel = next(c for c in range(1, 129) if c not in used)
    strip = editor.strips.new_sound(f"Duet {path.stem}", target, channel, frame_start)
    scene.use_audio_scrub = True
    scene.sync_mode = "AUDIO_SYNC"
    return strip
