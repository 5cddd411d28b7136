"""Per-frame copies of takes, made for one glTF export and removed after it.

Blender's glTF exporter either samples the scene (a frame change and a full
depsgraph evaluation per frame, per NLA track, per object: 15-70 s for a 27 s
take) or reads F-curves as they are, which it can only do when every channel
of a glTF target (a bone's rotation, all of a mesh's morph weights) has keys
at the same frames with one interpolation. Duet's takes have reduced Bezier
keys, so the exporter sampled them.

This module writes what the exporter can read directly: one temporary action
per exported take, a slot per animated ID, holding each of the take's channels
evaluated (F-curve modifiers included) at every frame of the take's strip in
scene time, with LINEAR keys. A target whose channels do not move over the
take gets two keys instead of one per frame. Channels of a vector property the
take leaves unkeyed (a quaternion with three curves) are filled with the
property's current value, which is what Blender shows while the take plays.
"""

from __future__ import annotations

import bpy
import numpy as np

from .scope import Part

SAMPLED_PROP = "duet_export_sample"  # marks the temporary actions (removed after each export)
MOTION_TOLERANCE = 1e-6  # relative: a target moving less than this over the take gets 2 keys
_WEIGHTS = "weights"  # the group of all shape-key values of a Key: one glTF morph-weights channel


def channelbags(action: bpy.types.Action, slot: bpy.types.ActionSlot) -> list:
    bags = []
    for layer in action.layers:
        for strip in layer.strips:
            bag = strip.channelbag(slot)
            if bag is not None:
                bags.append(bag)
    return bags


def strip_frames(strip: bpy.types.NlaStrip) -> np.ndarray:
    """The whole scene frames the strip covers (at least two)."""
    first = int(np.ceil(strip.frame_start - 1e-4))
    last = int(np.floor(strip.frame_end + 1e-4))
    return np.arange(first, max(last, first + 1) + 1, dtype=np.float64)


def _target(id_data: bpy.types.ID, data_path: str) -> str:
    if id_data.id_type == "KEY" and data_path.startswith("key_blocks[") and data_path.endswith("].value"):
        return _WEIGHTS
    return data_path


def sample_part(part: Part) -> tuple[np.ndarray, dict[str, dict[tuple[str, int], tuple[np.ndarray, str]]]]:
    """The strip's frames, and per glTF target its channels' values at those frames:
    {target: {(data_path, index): (values, F-curve group name)}}."""
    strip = part.strip
    frames = strip_frames(strip)
    times = strip.action_frame_start + (frames - strip.frame_start) / strip.scale
    targets: dict[str, dict[tuple[str, int], tuple[np.ndarray, str]]] = {}
    for bag in channelbags(strip.action, strip.action_slot):
        for fcurve in bag.fcurves:
            if fcurve.mute or not len(fcurve.keyframe_points):
                continue
            evaluate = fcurve.evaluate
            values = np.fromiter((evaluate(t) for t in times), dtype=np.float64, count=len(times))
            group = fcurve.group.name if fcurve.group is not None else ""
            channels = targets.setdefault(_target(part.id_data, fcurve.data_path), {})
            channels[(fcurve.data_path, fcurve.array_index)] = (values, group)
    for target, channels in targets.items():
        if target != _WEIGHTS:
            _fill_unkeyed(part.id_data, target, channels, len(frames))
    return frames, targets


def _fill_unkeyed(id_data: bpy.types.ID, data_path: str, channels: dict, n: int) -> None:
    """Give a vector property's unkeyed components their current value (the exporter needs them all)."""
    try:
        current = id_data.path_resolve(data_path)
        size = len(current)
    except (ValueError, TypeError):  # a path Blender cannot resolve, or a single value
        return
    group = next(iter(channels.values()))[1]
    for index in range(size):
        if (data_path, index) not in channels:
            channels[(data_path, index)] = (np.full(n, float(current[index])), group)


def _write_target(bag, groups: dict, frames: np.ndarray, channels: dict, linear: int) -> int:
    stacked = np.stack([values for values, _ in channels.values()])
    moving = np.ptp(stacked, axis=1).max() > MOTION_TOLERANCE * max(1.0, float(np.abs(stacked).max()))
    keep = np.arange(len(frames)) if moving else np.array([0, len(frames) - 1])
    n = len(keep)
    for (data_path, index), (values, group_name) in sorted(channels.items()):
        fcurve = bag.fcurves.new(data_path, index=index)
        if group_name:
            group = groups.get(group_name)
            if group is None:
                group = groups[group_name] = bag.groups.new(group_name)
            fcurve.group = group
        points = fcurve.keyframe_points
        points.add(n)
        points.foreach_set("co", np.column_stack([frames[keep], values[keep]]).astype(np.float32).ravel())
        points.foreach_set("interpolation", np.full(n, linear, dtype=np.int32))
        fcurve.update()
    return n * len(channels)


def sampled_action(name: str, parts: list[Part]) -> tuple[bpy.types.Action, list[bpy.types.ActionSlot], int]:
    """A new action holding the parts sampled per frame, one slot per part, and its key count.
    The caller removes it after the export."""
    action = bpy.data.actions.new(name)
    action[SAMPLED_PROP] = True
    try:
        keyframes = action.layers.new("Duet export").strips.new(type="KEYFRAME")
        linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
        slots, keys = [], 0
        for part in parts:
            slot = action.slots.new(id_type=part.id_data.id_type, name=part.id_data.name)
            slots.append(slot)
            bag = keyframes.channelbag(slot, ensure=True)
            frames, targets = sample_part(part)
            groups: dict = {}
            for channels in targets.values():
                keys += _write_target(bag, groups, frames, channels, linear)
    except BaseException:
        bpy.data.actions.remove(action)
        raise
    return action, slots, keys
