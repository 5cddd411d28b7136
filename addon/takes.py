"""Write baked curves into new actions on their own NLA tracks ("takes").

One action per character holds all of its channels, one slot per animated
ID (the shape-key datablock and the armature object). Each ID gets a new NLA
track named after the take. Nothing the animator made is modified: existing
actions, keys and tracks stay as they are; earlier Duet takes are only muted
so the new take is the one you see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import bpy
import numpy as np

TAKE_PREFIX = "Duet Take"
_TAKE_RE = re.compile(rf"^{TAKE_PREFIX} (\d+)(?::|$)")  # "Duet Take 3" or "Duet Take 3: label"


@dataclass
class CurveKeys:
    """Keys of one F-curve: frames and values, optionally explicit handles."""

    data_path: str
    index: int
    co: np.ndarray  # (K, 2) frame, value
    handle_left: np.ndarray | None = None  # (K, 2); None lets Blender place AUTO_CLAMPED handles
    handle_right: np.ndarray | None = None
    group: str = ""


@dataclass
class IdCurves:
    """The curves of one animated ID (a shape-key datablock or an object)."""

    id_data: bpy.types.ID
    slot_type: str  # 'KEY' or 'OBJECT'
    curves: list[CurveKeys] = field(default_factory=list)


@dataclass
class Take:
    name: str
    action: bpy.types.Action
    tracks: list[bpy.types.NlaTrack]
    strips: list[bpy.types.NlaStrip]


def _enum_value(struct: type, prop: str, identifier: str) -> int:
    return struct.bl_rna.properties[prop].enum_items[identifier].value


def take_numbers(ids: list[bpy.types.ID]) -> list[int]:
    """Numbers of the Duet takes already on these IDs' NLA tracks."""
    numbers = []
    for id_data in ids:
        ad = id_data.animation_data
        if ad is None:
            continue
        for track in ad.nla_tracks:
            match = _TAKE_RE.match(track.name)
            if match:
                numbers.append(int(match.group(1)))
    return numbers


def take_number(name: str) -> int | None:
    """The N of "Duet Take N" or "Duet Take N: label"; None for other names."""
    match = _TAKE_RE.match(name)
    return int(match.group(1)) if match else None


def is_take_track(track_name: str, take: str) -> bool:
    """Whether an NLA track of this name belongs to the take called ``take``.

    The one rule for finding a take's tracks: the short name "Duet Take 1" finds the
    take's track whatever its label ("Duet Take 1: seed 0"); a full name, and any name
    that is not a Duet take's, finds only the track of exactly that name.
    """
    number = take_number(take)
    if number is None or take != f"{TAKE_PREFIX} {number}":
        return track_name == take
    return take_number(track_name) == number


def take_tracks(ad: bpy.types.AnimData | None, take: str) -> list[bpy.types.NlaTrack]:
    """The NLA tracks of one ID that hold the take (see is_take_track)."""
    if ad is None:
        return []
    return [track for track in ad.nla_tracks if is_take_track(track.name, take)]


def take_names(ids: list[bpy.types.ID]) -> list[str]:
    """The Duet takes on these IDs, oldest first, each by its track's full name
    ("Duet Take 1: seed 0"): the name the take is shown and exported under."""
    names: dict[int, str] = {}
    for id_data in ids:
        ad = id_data.animation_data
        if ad is None:
            continue
        for track in ad.nla_tracks:
            number = take_number(track.name)
            if number is not None:
                names.setdefault(number, track.name)
    return [names[n] for n in sorted(names)]


def full_take_name(ids: list[bpy.types.ID], take: str) -> str | None:
    """The full name of the take on these IDs that ``take`` names (with or without its
    label), or None when no track holds it."""
    for name in take_names(ids):
        if is_take_track(name, take):
            return name
    return None


def next_take_name(ids: list[bpy.types.ID], label: str | None = None) -> str:
    """The next free take name, with an optional label ("Duet Take 3: angry")."""
    name = f"{TAKE_PREFIX} {max(take_numbers(ids), default=0) + 1}"
    return f"{name}: {label}" if label else name


def _write_curve(channelbag: bpy.types.ActionChannelbag, groups: dict, keys: CurveKeys) -> None:
    fcurve = channelbag.fcurves.new(keys.data_path, index=keys.index)
    if keys.group:
        group = groups.get(keys.group)
        if group is None:
            group = groups[keys.group] = channelbag.groups.new(keys.group)
        fcurve.group = group
    n = len(keys.co)
    points = fcurve.keyframe_points
    points.add(n)
    points.foreach_set("co", np.ascontiguousarray(keys.co, dtype=np.float32).ravel())
    bezier = _enum_value(bpy.types.Keyframe, "interpolation", "BEZIER")
    points.foreach_set("interpolation", np.full(n, bezier, dtype=np.int32))
    if keys.handle_left is not None and keys.handle_right is not None:
        free = np.full(n, _enum_value(bpy.types.Keyframe, "handle_left_type", "FREE"), dtype=np.int32)
        points.foreach_set("handle_left_type", free)
        points.foreach_set("handle_right_type", free)
        points.foreach_set("handle_left", np.ascontiguousarray(keys.handle_left, dtype=np.float32).ravel())
        points.foreach_set("handle_right", np.ascontiguousarray(keys.handle_right, dtype=np.float32).ravel())
    else:
        auto = np.full(n, _enum_value(bpy.types.Keyframe, "handle_left_type", "AUTO_CLAMPED"), dtype=np.int32)
        points.foreach_set("handle_left_type", auto)
        points.foreach_set("handle_right_type", auto)
    fcurve.update()


def write_take(character: str, take_name: str, parts: list[IdCurves]) -> Take:
    """Create the character's take action and an NLA track per animated ID."""
    action = bpy.data.actions.new(f"{take_name} · {character}")
    action.use_fake_user = False
    layer = action.layers.new("Duet")
    keyframes = layer.strips.new(type="KEYFRAME")
    first, last = np.inf, -np.inf
    slots = []
    for part in parts:
        slot = action.slots.new(id_type=part.slot_type, name=part.id_data.name)
        slots.append(slot)
        channelbag = keyframes.channelbag(slot, ensure=True)
        groups: dict = {}
        for keys in part.curves:
            if len(keys.co):
                _write_curve(channelbag, groups, keys)
                first = min(first, float(keys.co[0, 0]))
                last = max(last, float(keys.co[-1, 0]))
    if not np.isfinite(first):
        raise ValueError("a take needs at least one key")
    last = max(last, first + 1.0)

    tracks, strips = [], []
    for part, slot in zip(parts, slots, strict=True):
        ad = part.id_data.animation_data or part.id_data.animation_data_create()
        for track in ad.nla_tracks:
            if _TAKE_RE.match(track.name):
                track.mute = True  # earlier takes stay, muted, for comparison
        track = ad.nla_tracks.new()
        track.name = take_name
        strip = track.strips.new(take_name, int(np.floor(first)), action)
        # A multi-slot action gives the strip no slot and a 1-frame range: set both.
        strip.action_slot = slot
        strip.action_frame_start = first
        strip.action_frame_end = last
        strip.frame_start = first
        strip.frame_end = last
        strip.blend_type = "REPLACE"
        strip.extrapolation = "NOTHING"
        tracks.append(track)
        strips.append(strip)
    return Take(name=take_name, action=action, tracks=tracks, strips=strips)
