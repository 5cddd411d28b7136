"""What Blender's glTF exporter sees during one export, set up so that all of it can be undone.

Per exported take a sampled action (sampled_actions.py) goes on temporary NLA tracks (NLA mode) or
becomes the active action of each ID (ACTIONS mode); the animator's active actions and strips are set
aside and only the exported objects are selected. Every change is recorded in a ``Changes`` log and
undone, newest first, once the exporter has run (gltf.export_gltf does that in a ``finally`` block).
"""

from __future__ import annotations

from collections.abc import Callable

import bpy

from . import sampled_actions
from .scope import ExportError, Part, id_names


class Changes:
    """Temporary changes, each recorded with how to undo it; undone newest first."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def set(self, owner, attr: str, value) -> None:
        old = getattr(owner, attr)
        if old == value:
            return
        self._undo.append(lambda: setattr(owner, attr, old))
        setattr(owner, attr, value)

    def unassign_action(self, ad: bpy.types.AnimData) -> None:
        action, slot = ad.action, ad.action_slot
        if action is None:
            return

        def undo() -> None:
            ad.action = action
            if slot is not None:
                ad.action_slot = slot

        self._undo.append(undo)
        ad.action = None

    def add(self, undo: Callable[[], None]) -> None:
        self._undo.append(undo)

    def undo_all(self) -> None:
        failures = []
        while self._undo:
            try:
                self._undo.pop()()
            except (RuntimeError, ReferenceError, AttributeError, TypeError) as exc:  # keep undoing the rest
                failures.append(str(exc))
        if failures:
            raise ExportError("could not put back everything after the export: " + "; ".join(failures))


def select_only(changes: Changes, view_layer: bpy.types.ViewLayer, objects: list[bpy.types.Object]) -> None:
    wanted = {o.as_pointer() for o in objects}
    in_layer = {o.as_pointer() for o in view_layer.objects}
    missing = [o.name for o in objects if o.as_pointer() not in in_layer]
    if missing:
        raise ExportError(
            f"{', '.join(missing)} not in view layer '{view_layer.name}': link them to the scene "
            "or export from the scene that holds them"
        )
    states = [(o, o.select_get(view_layer=view_layer)) for o in view_layer.objects]

    def undo() -> None:
        for obj, selected in states:
            obj.select_set(selected, view_layer=view_layer)

    changes.add(undo)
    for obj in view_layer.objects:
        obj.select_set(obj.as_pointer() in wanted, view_layer=view_layer)


def _claim_name(changes: Changes, action: bpy.types.Action, name: str) -> None:
    """Name the temporary action exactly `name` (the glTF animation's name), lending the name
    from an action that has it for the length of the export."""
    if action.name == name:
        return
    holder = bpy.data.actions.get(name)
    if holder is not None:
        holder.name = f"{name[:40]} (renamed for export)"

        def undo() -> None:
            action.name = f"{name[:40]} (exported)"  # free the name before handing it back
            holder.name = name

        changes.add(undo)
    action.name = name
    if action.name != name:
        raise ExportError(f"could not name the export's animation '{name}': rename that NLA track")


def _add_track(changes: Changes, ad, action, slot, part: Part) -> None:
    """A temporary NLA track whose one strip plays the part's sampled slot over the part's frames."""
    frames = sampled_actions.strip_frames(part.strip)
    first, last = float(frames[0]), float(frames[-1])
    track = ad.nla_tracks.new()
    changes.add(lambda: ad.nla_tracks.remove(track))
    track.name = "Duet export"
    strip = track.strips.new(action.name[:63], int(first), action)
    strip.action_slot = slot  # a multi-slot action gives the strip no slot and a 1-frame range
    strip.action_frame_start = first
    strip.action_frame_end = last
    strip.frame_start = first
    strip.frame_end = last


def _assign(changes: Changes, ad, action, slot) -> None:
    previous = ad.action

    def undo() -> None:
        if ad.action is not previous:
            ad.action = None

    changes.add(undo)
    ad.action = action
    ad.action_slot = slot
    changes.set(ad, "action_blend_type", "REPLACE")
    changes.set(ad, "action_influence", 1.0)


def arrange_takes(changes: Changes, ids: list[bpy.types.ID], plan: dict[str, list[Part]], mode: str) -> None:
    """Set what the exporter sees: per take a sampled action, on temporary NLA tracks (NLA) or
    as the active actions (ACTIONS); the animator's active actions and strips set aside."""
    sampled = []
    for name, parts in plan.items():
        action, slots, keys = sampled_actions.sampled_action(name, parts)
        changes.add(lambda action=action: bpy.data.actions.remove(action))
        _claim_name(changes, action, name)
        if keys == 0:
            raise ExportError(f"take '{name}' holds no keys on {id_names(ids)}: generate the take again")
        sampled.append((action, parts, slots))
    for id_data in ids:
        ad = id_data.animation_data
        if ad is None:
            continue
        changes.unassign_action(ad)
        if mode == "NLA":
            for track in ad.nla_tracks:
                for strip in track.strips:
                    changes.set(strip, "mute", True)
        else:
            changes.set(ad, "use_nla", False)  # what an exporter that ignores the NLA sees
    for action, parts, slots in sampled:
        for part, slot in zip(parts, slots, strict=True):
            ad = part.id_data.animation_data
            if mode == "NLA":
                _add_track(changes, ad, action, slot, part)
            else:
                _assign(changes, ad, action, slot)
