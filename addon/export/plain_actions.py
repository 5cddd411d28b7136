"""Baking a take into plain actions, for exporters that ignore the NLA (FBX, USD, engines' importers).

``bake_take_to_actions`` copies the take's keys and handles, in scene time, into
new actions (one per character, one slot per animated ID) and makes them the
active actions; ``restore_baked_actions`` undoes that from the data alone.
"""

from __future__ import annotations

from collections.abc import Iterable

import bpy
import numpy as np

from .sampled_actions import channelbags as _channelbags
from .scope import (
    ExportError,
    active_take,
    animated_ids,
    check_not_tweaking,
    check_timing,
    id_names,
    require_take,
    take_strip,
)

BAKED_PROP = "duet_baked_take"  # on actions made by bake_take_to_actions: the take's name
RESTORE_PROP = "duet_restore"  # on those actions, per slot: the ID's blend settings before the bake
STASH_PREFIX = "[Action Stash] Duet: "  # muted track holding the animator's action during a bake

_KEY_FLOAT2 = ("co", "handle_left", "handle_right")
_KEY_ENUMS = ("interpolation", "handle_left_type", "handle_right_type", "easing", "type")
_KEY_FLOATS = ("back", "amplitude", "period")


class BakedActions(list):
    """The new actions (a list of bpy.types.Action) holding a baked take, and how to undo the bake."""

    def __init__(self, take: str, ids: list[bpy.types.ID], actions: list[bpy.types.Action]) -> None:
        super().__init__(actions)
        self.take = take
        self.ids = ids

    def restore(self, *, remove_actions: bool = True) -> int:
        """Give every ID its previous active action back; see restore_baked_actions."""
        return restore_baked_actions(self.ids, remove_actions=remove_actions)


def _copy_curve(src: bpy.types.FCurve, bag, groups: dict, offset: float, scale: float) -> None:
    fcurve = bag.fcurves.new(src.data_path, index=src.array_index)
    if src.group is not None:
        group = groups.get(src.group.name)
        if group is None:
            group = groups[src.group.name] = bag.groups.new(src.group.name)
        fcurve.group = group
    n = len(src.keyframe_points)
    points = fcurve.keyframe_points
    points.add(n)
    for prop in _KEY_FLOAT2:
        values = np.empty(2 * n, dtype=np.float32)
        src.keyframe_points.foreach_get(prop, values)
        values = values.reshape(n, 2)
        values[:, 0] = offset + values[:, 0] * scale  # the strip's action time -> scene time
        points.foreach_set(prop, values.ravel())
    for prop in _KEY_ENUMS:
        values = np.empty(n, dtype=np.int32)
        src.keyframe_points.foreach_get(prop, values)
        points.foreach_set(prop, values)
    for prop in _KEY_FLOATS:
        values = np.empty(n, dtype=np.float32)
        src.keyframe_points.foreach_get(prop, values)
        points.foreach_set(prop, values)
    fcurve.extrapolation = src.extrapolation
    fcurve.auto_smoothing = src.auto_smoothing
    fcurve.mute = src.mute
    fcurve.update()


def _stash_active_action(ad: bpy.types.AnimData) -> None:
    """Push the animator's active action onto a muted track of its own, slot and range kept."""
    action, slot = ad.action, ad.action_slot
    track = ad.nla_tracks.new()
    track.name = (STASH_PREFIX + action.name)[:63]
    start, end = (float(v) for v in action.frame_range)
    strip = track.strips.new(action.name[:63], int(np.floor(start)), action)
    if slot is not None:
        strip.action_slot = slot
    strip.action_frame_start = start
    strip.action_frame_end = max(end, start + 1.0)
    strip.frame_start = start
    strip.frame_end = max(end, start + 1.0)
    track.mute = True
    track.lock = True


def _stash_track(ad: bpy.types.AnimData) -> bpy.types.NlaTrack | None:
    found = [t for t in ad.nla_tracks if t.name.startswith(STASH_PREFIX)]
    return found[-1] if found else None


def bake_take_to_actions(items: Iterable[bpy.types.ID], take: str | None = None) -> BakedActions:
    """Bake a take into new plain actions and make them the active actions.

    ``items``: characters (armatures, meshes) or IDs (objects, shape-key datablocks).
    ``take``: a take's name; None bakes the active take (the one you see).
    One new action per take action (per character), one slot per ID, holding copies
    of the take's keys in scene time. Existing actions are never modified: an action
    the animator had active is first stashed on a muted NLA track. ``restore()`` on
    the result (or ``restore_baked_actions``) undoes the assignment.
    """
    ids = animated_ids(items)
    name = take or active_take(ids)
    if name is None:
        raise ExportError(f"no Duet take is active on {id_names(ids)}: generate a take or name one to bake")
    name = require_take(ids, name)

    plan = []
    for id_data in ids:
        ad = id_data.animation_data
        if ad is None:
            continue
        strip = take_strip(id_data, ad, name)
        if strip is None:
            continue
        check_not_tweaking(ad, id_data)
        check_timing(id_data, name, strip)
        plan.append((id_data, ad, strip))
    bags = [bag for _id, _ad, strip in plan for bag in _channelbags(strip.action, strip.action_slot)]
    if not any(len(bag.fcurves) for bag in bags):
        raise ExportError(
            f"take '{name}' holds no keys on {id_names(ids)}: its strips' actions are empty; "
            "generate the take again"
        )

    made: dict[int, bpy.types.Action] = {}
    assignments = []
    try:
        for id_data, ad, strip in plan:
            source = strip.action
            action = made.get(source.as_pointer())
            if action is None:
                action = bpy.data.actions.new(f"{source.name} (baked)"[:63])
                action[BAKED_PROP] = name
                action.layers.new("Baked").strips.new(type="KEYFRAME")
                made[source.as_pointer()] = action
            slot = action.slots.new(id_type=id_data.id_type, name=id_data.name)
            bag = action.layers[0].strips[0].channelbag(slot, ensure=True)
            offset = strip.frame_start - strip.action_frame_start * strip.scale
            groups: dict = {}
            for source_bag in _channelbags(source, strip.action_slot):
                for fcurve in source_bag.fcurves:
                    _copy_curve(fcurve, bag, groups, offset, strip.scale)
            assignments.append((id_data, ad, action, slot))
    except BaseException:
        for action in made.values():  # nothing half-made stays behind
            bpy.data.actions.remove(action)
        raise

    restore_info: dict[int, dict] = {}
    for _id_data, ad, action, slot in assignments:
        previous = ad.action
        if previous is not None and BAKED_PROP in previous:
            # Baked again over an earlier bake: keep the first stash and the settings from before it.
            old = previous.get(RESTORE_PROP, {}).get(ad.action_slot.identifier if ad.action_slot else "", {})
            settings = {k: old[k] for k in old}
        else:
            if previous is not None:
                _stash_active_action(ad)
            settings = {"influence": float(ad.action_influence), "blend": ad.action_blend_type}
        restore_info.setdefault(action.as_pointer(), {})[slot.identifier] = settings
        ad.action_blend_type = "REPLACE"
        ad.action_influence = 1.0
        ad.action = action
        ad.action_slot = slot
    for action in made.values():
        action[RESTORE_PROP] = restore_info.get(action.as_pointer(), {})
    return BakedActions(name, ids, list(made.values()))


def restore_baked_actions(items: Iterable[bpy.types.ID], *, remove_actions: bool = True) -> int:
    """Undo bake_take_to_actions on these IDs: the stashed action (and slot, blend, influence)
    becomes active again and its stash track goes. Works from the data alone, so also after
    saving and reopening the file. Returns how many IDs were restored."""
    restored = 0
    baked: dict[int, bpy.types.Action] = {}
    for id_data in animated_ids(items):
        ad = id_data.animation_data
        if ad is None or ad.action is None or BAKED_PROP not in ad.action:
            continue
        action, slot = ad.action, ad.action_slot
        baked[action.as_pointer()] = action
        settings = action.get(RESTORE_PROP, {}).get(slot.identifier if slot else "", {})
        stash = _stash_track(ad)
        strip = stash.strips[0] if stash is not None and len(stash.strips) else None
        if strip is not None and strip.action is not None:
            ad.action = strip.action
            if strip.action_slot is not None:
                ad.action_slot = strip.action_slot
        else:
            ad.action = None
        if "blend" in settings:
            ad.action_blend_type = settings["blend"]
        if "influence" in settings:
            ad.action_influence = settings["influence"]
        if stash is not None:
            ad.nla_tracks.remove(stash)
        restored += 1
    if remove_actions:
        for action in baked.values():
            if action.users == 0:
                bpy.data.actions.remove(action)
    return restored
