"""What an export or a bake covers, and the error both raise: the characters' objects and the
IDs that hold takes, the take, and each ID's NLA strip of it (a ``Part``), checked to be one
plain strip whose keys a plain action can hold.

Shared by gltf.py (glTF export) and plain_actions.py (baking a take into plain actions);
every lookup of a take goes through takes.is_take_track.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import bpy

from .. import takes


class ExportError(ValueError):
    """A problem the user can fix; the message says what and how."""


@dataclass
class Part:
    """One ID's share of an exported take: the NLA strip whose keys go out."""

    id_data: bpy.types.ID
    strip: bpy.types.NlaStrip


def strip_problem(strip: bpy.types.NlaStrip) -> str | None:
    """Why a strip's keys cannot stand for it in a plain action, or None. Moved and scaled
    strips are fine: their keys are mapped through the strip's timing."""
    problems = []
    if abs(strip.repeat - 1.0) > 1e-6:
        problems.append(f"repeats {strip.repeat:g} times")
    if strip.use_reverse:
        problems.append("plays reversed")
    if strip.blend_type != "REPLACE":
        problems.append(f"blends by {strip.blend_type.lower()}")
    if strip.use_animated_influence:  # the influence value only counts when animated
        problems.append("has an animated influence")
    return " and ".join(problems) or None


def _armature_of(obj: bpy.types.Object) -> bpy.types.Object | None:
    if obj.type == "ARMATURE":
        return obj
    if obj.parent is not None and obj.parent.type == "ARMATURE":
        return obj.parent
    for mod in getattr(obj, "modifiers", ()):
        if mod.type == "ARMATURE" and mod.object is not None:
            return mod.object
    return None


def character_objects(roots: Iterable[bpy.types.Object]) -> list[bpy.types.Object]:
    """Each character's armature (if any) with everything parented under it, and the picked objects."""
    out: dict[int, bpy.types.Object] = {}
    for root in roots:
        for top in (_armature_of(root), root):
            if top is None:
                continue
            for obj in (top, *top.children_recursive):
                if obj.type in {"MESH", "ARMATURE", "EMPTY"}:
                    out.setdefault(obj.as_pointer(), obj)
    return list(out.values())


def default_selection(scene: bpy.types.Scene) -> list[bpy.types.Object]:
    """The characters picked in the Duet panel, else the scene's most recent Duet pair."""
    settings = getattr(scene, "duet", None)
    roots = []
    if settings is not None and settings.character_a is not None and settings.character_b is not None:
        roots = [settings.character_a, settings.character_b]
    else:
        from ..stage import find_pairs

        pairs = find_pairs(scene)
        if pairs:
            roots = list(pairs[-1].values())
    if not roots:
        raise ExportError(
            f"scene '{scene.name}' has no Duet characters to export: add a Dialogue Pair "
            "(Add > Dialogue Pair) or pick characters A and B in the Duet panel"
        )
    return character_objects(roots)


def animated_ids(items: Iterable[bpy.types.ID]) -> list[bpy.types.ID]:
    """The IDs whose NLA holds takes: objects themselves and their meshes' shape-key datablocks.
    An armature brings the shape keys of the meshes parented under it."""
    out: dict[int, bpy.types.ID] = {}
    for item in items:
        if isinstance(item, bpy.types.Object):
            members = [item, *item.children_recursive] if item.type == "ARMATURE" else [item]
            out.setdefault(item.as_pointer(), item)
            for obj in members:
                if obj.type == "MESH" and obj.data is not None and obj.data.shape_keys is not None:
                    out.setdefault(obj.data.shape_keys.as_pointer(), obj.data.shape_keys)
        else:
            out.setdefault(item.as_pointer(), item)
    return list(out.values())


def list_takes(ids: Iterable[bpy.types.ID]) -> list[str]:
    """Full names of the Duet takes on these IDs ("Duet Take 1: seed 0"), oldest first."""
    return takes.take_names(list(ids))


def active_take(ids: Iterable[bpy.types.ID]) -> str | None:
    """The take you see: the newest Duet take with an unmuted track, by its full name."""
    best: tuple[int, str] | None = None
    for id_data in ids:
        ad = id_data.animation_data
        if ad is None:
            continue
        for track in ad.nla_tracks:
            number = takes.take_number(track.name)
            if number is not None and not track.mute and (best is None or number > best[0]):
                best = (number, track.name)
    return None if best is None else best[1]


def take_for_choice(scene: bpy.types.Scene, choice: str, mode: str = "NLA") -> str | None:
    """The export panel's take choice: ALL (every NLA track: None), ACTIVE, or a take's name."""
    if choice == "ALL":
        if mode == "ACTIONS":
            raise ExportError("Baked Actions exports one take: choose Active Take or a take by name")
        return None
    ids = animated_ids(default_selection(scene))
    if choice == "ACTIVE":
        name = active_take(ids)
        if name is None:
            raise ExportError("no Duet take is active (all are muted or none exist): unmute one or pick it")
        return name
    return choice


def id_names(ids: Iterable[bpy.types.ID]) -> str:
    return ", ".join(f"'{i.name}'" for i in ids)


def require_take(ids: list[bpy.types.ID], take: str) -> str:
    """The take's full name (its tracks' name); an error naming the takes there if it is missing."""
    name = takes.full_take_name(ids, take)
    if name is None:
        found = list_takes(ids)
        here = ", ".join(found) if found else "none"
        raise ExportError(f"take '{take}' is not on {id_names(ids)} (takes here: {here}); pick one of those")
    return name


def check_not_tweaking(ad: bpy.types.AnimData, id_data: bpy.types.ID) -> None:
    if ad.use_tweak_mode:
        raise ExportError(
            f"'{id_data.name}' is in NLA tweak mode: leave tweak mode (Tab in the NLA editor) first"
        )


def take_strip(id_data: bpy.types.ID, ad: bpy.types.AnimData, take: str) -> bpy.types.NlaStrip | None:
    strips = [s for t in takes.take_tracks(ad, take) for s in t.strips if s.action is not None]
    if not strips:
        return None
    if len(strips) > 1:
        raise ExportError(
            f"take '{take}' on '{id_data.name}' has {len(strips)} strips; a take has one strip per "
            "track: merge them (NLA > Bake Action) or remove the extra ones"
        )
    strip = strips[0]
    if strip.action_slot is None:
        raise ExportError(
            f"take '{take}' on '{id_data.name}' has a strip with no action slot: assign its slot"
        )
    return strip


def check_timing(id_data: bpy.types.ID, take: str, strip: bpy.types.NlaStrip) -> None:
    problem = strip_problem(strip)
    if problem:
        raise ExportError(
            f"take '{take}' on '{id_data.name}' {problem}, which a plain action cannot "
            "hold: set the strip back (Replace, no animated influence, one repeat) or bake it with "
            "NLA > Bake Action"
        )


def take_parts(ids: list[bpy.types.ID], take: str) -> list[Part]:
    """Each ID's strip of the take (checked: one per ID, timing a plain action can hold)."""
    parts = []
    for id_data in ids:
        ad = id_data.animation_data
        strip = take_strip(id_data, ad, take) if ad is not None else None
        if strip is not None:
            check_timing(id_data, take, strip)
            parts.append(Part(id_data, strip))
    if not parts:
        raise ExportError(
            f"take '{take}' has no strips with an action on {id_names(ids)}: generate the take again"
        )
    return parts


def track_parts(ids: list[bpy.types.ID]) -> tuple[dict[str, list[Part]], list[str]]:
    """Every NLA track with strips, by name (a take's tracks share one), and the tracks left
    out, each with why: Blender's stash tracks, and tracks that are not one plain strip per ID."""
    found: dict[str, list[Part]] = {}
    problems: dict[str, list[str]] = {}
    for id_data in ids:
        ad = id_data.animation_data
        for track in ad.nla_tracks if ad is not None else ():
            strips = [s for s in track.strips if s.action is not None]
            if not strips or track.name.startswith("[Action Stash]"):
                continue
            problem = None
            if len(strips) > 1:
                problem = f"{len(strips)} strips on '{id_data.name}'"
            elif strips[0].action_slot is None:
                problem = f"a strip with no action slot on '{id_data.name}'"
            elif reason := strip_problem(strips[0]):
                problem = f"its strip on '{id_data.name}' {reason}"
            if problem:
                problems.setdefault(track.name, []).append(problem)
            else:
                found.setdefault(track.name, []).append(Part(id_data, strips[0]))
    left_out = [f"'{name}' ({'; '.join(why)})" for name, why in problems.items()]
    return {name: parts for name, parts in found.items() if name not in problems}, left_out
