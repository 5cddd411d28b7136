"""Takes leave Blender: glTF export of Duet takes, and baking a take into plain actions.

Blender's own glTF exporter (io_scene_gltf2) writes the file; this module decides
what it sees. Shape-key curves become morph-target ``weights`` channels on the
head mesh nodes and bone rotations become ``rotation`` channels on the bone nodes.

Modes:

- ``NLA``: the exporter reads the NLA. With no take named, every NLA track with
  strips becomes one glTF animation named after the track (each take, and the
  animator's own named tracks). With a take named, only that take's strips are
  exported: every other strip and the active actions are set aside while the
  exporter runs (it reads the take's strips as actions, merged by track name).
- ``ACTIONS``: the take is baked into new plain actions (``bake_take_to_actions``),
  assigned as the active actions, exported as one animation named after the
  take, and the scene is put back. The same bake serves exporters that ignore the NLA.

Nothing is left changed: every flag, active action and selection state touched is
put back in a ``finally`` block, and the file is written into a hidden folder
beside the destination and moved into place only once complete.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import bpy
import numpy as np

from . import takes

FORMATS = {".glb": "GLB", ".gltf": "GLTF_SEPARATE"}  # file ending -> the exporter's export_format
MODES = ("NLA", "ACTIONS")
BAKED_PROP = "duet_baked_take"  # on actions made by bake_take_to_actions: the take's name
RESTORE_PROP = "duet_restore"  # on those actions, per slot: the ID's blend settings before the bake
STASH_PREFIX = "[Action Stash] Duet: "  # muted track holding the animator's action during a bake

_KEY_FLOAT2 = ("co", "handle_left", "handle_right")
_KEY_ENUMS = ("interpolation", "handle_left_type", "handle_right_type", "easing", "type")
_KEY_FLOATS = ("back", "amplitude", "period")


class ExportError(ValueError):
    """A problem the user can fix; the message says what and how."""


@dataclass
class ExportReport:
    path: Path
    files: list[Path]  # everything written (.gltf with its .bin, or one .glb)
    file_format: str  # the exporter's export_format: GLB or GLTF_SEPARATE
    mode: str
    take: str | None  # None: every NLA track
    animations: dict[str, int]  # glTF animation name -> number of channels, read back from the file
    objects: list[str]
    seconds: float

    @property
    def summary(self) -> str:
        names = ", ".join(self.animations) or "none"
        return f"Exported {len(self.objects)} objects with animation {names} to {self.path.name}"


# --- what to export -----------------------------------------------------------------------------


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
        from .stage import find_pairs

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


def path_for_format(path: str, file_format: str) -> str:
    """The path with the ending of the format (GLB or GLTF), replacing a glTF ending it had."""
    ending = {"GLB": ".glb", "GLTF": ".gltf"}[file_format]
    stem, old = os.path.splitext(path)
    return (stem if old.lower() in FORMATS else path) + ending


def _names(ids: Iterable[bpy.types.ID]) -> str:
    return ", ".join(f"'{i.name}'" for i in ids)


def _require_take(ids: list[bpy.types.ID], take: str) -> str:
    """The take's full name (its tracks' name); an error naming the takes there if it is missing."""
    name = takes.full_take_name(ids, take)
    if name is None:
        found = list_takes(ids)
        here = ", ".join(found) if found else "none"
        raise ExportError(f"take '{take}' is not on {_names(ids)} (takes here: {here}); pick one of those")
    return name


# --- putting things back ------------------------------------------------------------------------


class _Changes:
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


def _check_not_tweaking(ad: bpy.types.AnimData, id_data: bpy.types.ID) -> None:
    if ad.use_tweak_mode:
        raise ExportError(
            f"'{id_data.name}' is in NLA tweak mode: leave tweak mode (Tab in the NLA editor) first"
        )


# --- baking a take into plain actions -----------------------------------------------------------


class BakedActions(list):
    """The new actions (a list of bpy.types.Action) holding a baked take, and how to undo the bake."""

    def __init__(self, take: str, ids: list[bpy.types.ID], actions: list[bpy.types.Action]) -> None:
        super().__init__(actions)
        self.take = take
        self.ids = ids

    def restore(self, *, remove_actions: bool = True) -> int:
        """Give every ID its previous active action back; see restore_baked_actions."""
        return restore_baked_actions(self.ids, remove_actions=remove_actions)


def _channelbags(action: bpy.types.Action, slot: bpy.types.ActionSlot) -> list:
    bags = []
    for layer in action.layers:
        for strip in layer.strips:
            bag = strip.channelbag(slot)
            if bag is not None:
                bags.append(bag)
    return bags


def _take_strip(id_data: bpy.types.ID, ad: bpy.types.AnimData, take: str) -> bpy.types.NlaStrip | None:
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


def _check_timing(id_data: bpy.types.ID, take: str, strip: bpy.types.NlaStrip) -> None:
    problems = []
    if abs(strip.repeat - 1.0) > 1e-6:
        problems.append(f"repeats {strip.repeat:g} times")
    if strip.use_reverse:
        problems.append("plays reversed")
    if strip.blend_type != "REPLACE":
        problems.append(f"blends by {strip.blend_type.lower()}")
    if strip.use_animated_influence:  # the influence value only counts when animated
        problems.append("has an animated influence")
    if problems:
        raise ExportError(
            f"take '{take}' on '{id_data.name}' {' and '.join(problems)}, which a plain action cannot "
            "hold: set the strip back (Replace, no animated influence, one repeat) or bake it with "
            "NLA > Bake Action"
        )


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
        raise ExportError(f"no Duet take is active on {_names(ids)}: generate a take or name one to bake")
    name = _require_take(ids, name)

    plan = []
    for id_data in ids:
        ad = id_data.animation_data
        if ad is None:
            continue
        strip = _take_strip(id_data, ad, name)
        if strip is None:
            continue
        _check_not_tweaking(ad, id_data)
        _check_timing(id_data, name, strip)
        plan.append((id_data, ad, strip))
    bags = [bag for _id, _ad, strip in plan for bag in _channelbags(strip.action, strip.action_slot)]
    if not any(len(bag.fcurves) for bag in bags):
        raise ExportError(
            f"take '{name}' holds no keys on {_names(ids)}: its strips' actions are empty; "
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


# --- the export ---------------------------------------------------------------------------------


def _read_gltf_json(path: Path) -> dict:
    """The JSON part of a .gltf or .glb file (for the report)."""
    data = path.read_bytes()
    if data[:4] != b"glTF":
        return json.loads(data.decode("utf-8"))
    chunk_length, chunk_type = struct.unpack_from("<II", data, 12)
    if chunk_type != 0x4E4F534A:  # "JSON"
        raise ExportError(f"'{path.name}' is not a well-formed .glb (its first chunk is not JSON)")
    return json.loads(data[20 : 20 + chunk_length].decode("utf-8"))


def _check_animated(document: dict, take: str | None) -> None:
    """A requested take must come out animated; an export without it is a failure, not a file."""
    animations = [a for a in document.get("animations", []) if a.get("channels")]
    if take is None:
        if not animations:
            raise ExportError(
                "Blender's glTF exporter wrote no animation, so no file was written: check that the "
                "characters' NLA tracks hold strips with keys"
            )
        return
    if not any(a.get("name") == take for a in animations):
        got = ", ".join(f"'{a.get('name', '')}'" for a in animations) or "none"
        raise ExportError(
            f"Blender's glTF exporter wrote no animation for take '{take}' (animations it wrote: {got}), "
            "so no file was written: check that the take's strips hold keys in the NLA editor"
        )


def _gltf_exporter_ready() -> None:
    if "io_scene_gltf2" not in bpy.context.preferences.addons:
        raise ExportError(
            "Blender's glTF exporter is disabled: enable 'Import-Export: glTF 2.0 format' "
            "in Preferences > Add-ons"
        )


def _select_only(changes: _Changes, view_layer: bpy.types.ViewLayer, objects: list[bpy.types.Object]) -> None:
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


def _isolate_take(changes: _Changes, ids: list[bpy.types.ID], take: str) -> None:
    """Leave only the take's strips for the exporter's action reader: every other strip muted,
    the active actions unassigned; the take's own strip unmuted even on a muted track."""
    for id_data in ids:
        ad = id_data.animation_data
        if ad is None:
            continue
        strip = _take_strip(id_data, ad, take)
        if strip is not None:
            _check_not_tweaking(ad, id_data)
            if (
                abs(strip.frame_start - strip.action_frame_start) > 1e-4
                or abs(strip.scale - 1.0) > 1e-6
                or abs(strip.repeat - 1.0) > 1e-6
                or strip.use_reverse
            ):
                raise ExportError(
                    f"take '{take}' on '{id_data.name}' was moved, scaled or repeated in the NLA: "
                    "export it with mode Actions, which bakes it through the strip's timing"
                )
        changes.unassign_action(ad)
        for track in ad.nla_tracks:
            for other in track.strips:
                changes.set(other, "mute", not takes.is_take_track(track.name, take))


def _exporter_options(mode: str, take: str | None) -> dict:
    common = {
        "use_selection": True,
        "export_animations": True,
        "export_force_sampling": True,  # bones and weights sampled once per frame
        "export_frame_range": False,
        "export_anim_slide_to_zero": False,  # glTF time = frame / fps, the same for every take
        "export_morph": True,
        "export_morph_animation": True,
        "export_skins": True,
        "export_apply": False,  # modifiers applied would drop the shape keys
        "export_yup": True,
        "export_cameras": False,
        "export_lights": False,
        "export_def_bones": False,
        "export_anim_single_armature": False,  # never pull in unrelated actions from the file
        "export_current_frame": False,
        "will_save_settings": False,
    }
    if mode == "ACTIONS":
        return {
            **common,
            "export_animation_mode": "ACTIVE_ACTIONS",
            "export_nla_strips_merged_animation_name": take,
        }
    if take is None:
        return {**common, "export_animation_mode": "NLA_TRACKS"}
    return {**common, "export_animation_mode": "ACTIONS", "export_merge_animation": "NLA_TRACK"}


def _run_exporter(
    scene: bpy.types.Scene, view_layer: bpy.types.ViewLayer, filepath: Path, options: dict
) -> None:
    try:
        with bpy.context.temp_override(scene=scene, view_layer=view_layer):
            result = bpy.ops.export_scene.gltf(filepath=str(filepath), **options)
    except RuntimeError as exc:
        raise ExportError(f"Blender's glTF exporter failed: {str(exc).strip()}") from exc
    if "FINISHED" not in result:
        raise ExportError(f"Blender's glTF exporter did not finish ({', '.join(sorted(result))})")


def _check_destination(path: str | os.PathLike) -> tuple[Path, str]:
    target = Path(bpy.path.abspath(str(path))) if str(path).startswith("//") else Path(path)
    file_format = FORMATS.get(target.suffix.lower())
    if file_format is None:
        raise ExportError(
            f"'{target.name}' is not a glTF file name: end it in .glb (one binary file) or "
            ".gltf (JSON with a .bin beside it)"
        )
    if not target.parent.is_dir():
        raise ExportError(f"folder '{target.parent}' does not exist: pick an existing folder")
    if target.is_dir():
        raise ExportError(f"'{target}' is a folder: give a file name ending in .glb or .gltf")
    return target, file_format


def export_gltf(
    scene: bpy.types.Scene,
    path: str | os.PathLike,
    *,
    take: str | None = None,
    mode: str = "NLA",
    selection: Iterable[bpy.types.Object] | None = None,
) -> ExportReport:
    """Write Duet animation to a .glb or .gltf file with Blender's glTF exporter.

    ``take``: a take's name, or None: in NLA mode every NLA track becomes an animation,
    in ACTIONS mode the active take is baked. ``mode``: NLA or ACTIONS (see the module
    doc). ``selection``: the objects to export; by default the Duet characters.
    The format follows the file ending. The scene is left exactly as it was.
    """
    started = time.perf_counter()
    if mode not in MODES:
        raise ExportError(f"export mode '{mode}' is unknown: use NLA or ACTIONS")
    target, file_format = _check_destination(path)
    _gltf_exporter_ready()
    objects = list(selection) if selection is not None else default_selection(scene)
    if not objects:
        raise ExportError("nothing selected to export: pass the characters' objects")
    ids = animated_ids(objects)
    if take is not None:
        take = _require_take(ids, take)
    elif mode == "ACTIONS":
        take = active_take(ids)
        if take is None:
            raise ExportError(f"no Duet take is active on {_names(ids)}: unmute a take or name one to export")
    elif not list_takes(ids) and not any(
        len(t.strips) for i in ids if i.animation_data for t in i.animation_data.nla_tracks
    ):
        raise ExportError(f"{_names(ids)} have no NLA tracks to export: generate a take first")

    view_layer = bpy.context.view_layer if scene == bpy.context.scene else scene.view_layers[0]
    staging = Path(tempfile.mkdtemp(prefix=".duet-export-", dir=target.parent))
    changes = _Changes()
    frame = scene.frame_current
    try:
        try:
            _select_only(changes, view_layer, objects)
            if mode == "ACTIONS":
                baked = bake_take_to_actions(ids, take)
                changes.add(baked.restore)
                for id_data in ids:
                    ad = id_data.animation_data
                    if ad is None:
                        continue
                    if ad.action is None or BAKED_PROP not in ad.action:
                        changes.unassign_action(ad)  # only the take goes out
                    changes.set(ad, "use_nla", False)  # what an exporter that ignores the NLA sees
            elif take is not None:
                _isolate_take(changes, ids, take)
            options = {**_exporter_options(mode, take), "export_format": file_format}
            _run_exporter(scene, view_layer, staging / target.name, options)
        finally:
            changes.undo_all()
            if scene.frame_current != frame:
                scene.frame_set(frame)
        main = staging / target.name
        if not main.is_file():
            raise ExportError("Blender's glTF exporter wrote no file; see the console for its messages")
        document = _read_gltf_json(main)
        _check_animated(document, take)
        produced = sorted(p for p in staging.rglob("*") if p.is_file() and p != main)
        files = []
        for source in [*produced, main]:  # the main file last: it never points at a missing .bin
            destination = target.parent / source.relative_to(staging)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, destination)
            files.append(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    animations = {a.get("name", ""): len(a.get("channels", [])) for a in document.get("animations", [])}
    return ExportReport(
        path=target,
        files=files,
        file_format=file_format,
        mode=mode,
        take=take,
        animations=animations,
        objects=[o.name for o in objects],
        seconds=time.perf_counter() - started,
    )
