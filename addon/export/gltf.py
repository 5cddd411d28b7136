"""Takes leave Blender: glTF export of Duet takes (plain_actions.py bakes them for other exporters).

Blender's own glTF exporter (io_scene_gltf2) writes the file; this module decides
what it sees. Shape-key curves become morph-target ``weights`` channels on the
head mesh nodes and bone rotations become ``rotation`` channels on the bone nodes.

Every exported take is first sampled into a temporary action (one key per frame
per channel, LINEAR; two keys for a target that does not move; see
export_sampling), which the exporter reads as it is instead of sampling the scene
frame by frame. Modes:

- ``NLA``: the temporary actions go on temporary NLA tracks, every other strip and
  the active actions set aside; the exporter reads the strips' actions, one glTF
  animation per take. With no take named, every NLA track with strips becomes an
  animation named after the track (each take, muted ones too, and the animator's
  own tracks that hold one plain strip per ID; others are left out and named in
  the report).
- ``ACTIONS``: the take's temporary action becomes the active action of each ID,
  NLA off, as an exporter that ignores the NLA sees it; one animation named after
  the take. ``bake_take_to_actions`` makes such plain actions (with the take's own
  keys) for other exporters.

Nothing is left changed: the temporary actions and tracks are removed, and every
flag, name, active action and selection state touched is put back in a ``finally``
block. The file is written into a hidden folder beside the destination and moved
into place only once complete.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from . import sampled_actions as export_sampling
from .plain_actions import (  # noqa: F401
    BAKED_PROP,
    RESTORE_PROP,
    STASH_PREFIX,
    BakedActions,
    bake_take_to_actions,
    restore_baked_actions,
)
from .sampled_actions import Part

# The export's public names (and the bake's) are importable from here, as before they moved.
from .scope import (  # noqa: F401
    ExportError,
    active_take,
    animated_ids,
    character_objects,
    check_not_tweaking,
    check_timing,
    default_selection,
    id_names,
    list_takes,
    require_take,
    take_for_choice,
    take_strip,
)

FORMATS = {".glb": "GLB", ".gltf": "GLTF_SEPARATE"}  # file ending -> the exporter's export_format
MODES = ("NLA", "ACTIONS")


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
    left_out: list[str] = field(default_factory=list)  # NLA tracks not exported, each with why

    @property
    def summary(self) -> str:
        names = ", ".join(self.animations) or "none"
        text = f"Exported {len(self.objects)} objects with animation {names} to {self.path.name}"
        if self.left_out:
            text += f"; left out: {', '.join(self.left_out)}"
        return text


def path_for_format(path: str, file_format: str) -> str:
    """The path with the ending of the format (GLB or GLTF), replacing a glTF ending it had."""
    ending = {"GLB": ".glb", "GLTF": ".gltf"}[file_format]
    stem, old = os.path.splitext(path)
    return (stem if old.lower() in FORMATS else path) + ending


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


def _check_animated(document: dict, names: list[str]) -> None:
    """Every take sent out must come back animated; an export without it is a failure, not a file."""
    animations = [a for a in document.get("animations", []) if a.get("channels")]
    written = {a.get("name") for a in animations}
    for take in names:
        if take not in written:
            got = ", ".join(f"'{a.get('name', '')}'" for a in animations) or "none"
            raise ExportError(
                f"Blender's glTF exporter wrote no animation for take '{take}' (animations it wrote: "
                f"{got}), so no file was written: check that the take's strips hold keys in the NLA editor"
            )


def _gltf_exporter_ready() -> None:
    if "io_scene_gltf2" not in bpy.context.preferences.addons:
        raise ExportError(
            "Blender's glTF exporter is disabled: enable 'Import-Export: glTF 2.0 format' "
            "in Preferences > Add-ons"
        )
    options = bpy.ops.export_scene.gltf.get_rna_type().properties.keys()
    if "export_try_sparse_sk" not in options:  # present in bpy 4.5 and 5.2; always passed
        raise ExportError(
            "this Blender's glTF exporter has no sparse shape-key option (export_try_sparse_sk): "
            "use Blender 4.5 or later"
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


def _take_parts(ids: list[bpy.types.ID], take: str) -> list[Part]:
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


def _track_parts(ids: list[bpy.types.ID]) -> tuple[dict[str, list[Part]], list[str]]:
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
            elif reason := export_sampling.strip_problem(strips[0]):
                problem = f"its strip on '{id_data.name}' {reason}"
            if problem:
                problems.setdefault(track.name, []).append(problem)
            else:
                found.setdefault(track.name, []).append(Part(id_data, strips[0]))
    left_out = [f"'{name}' ({'; '.join(why)})" for name, why in problems.items()]
    return {name: parts for name, parts in found.items() if name not in problems}, left_out


def _claim_name(changes: _Changes, action: bpy.types.Action, name: str) -> None:
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


def _add_track(changes: _Changes, ad, action, slot, part: Part) -> None:
    """A temporary NLA track whose one strip plays the part's sampled slot over the part's frames."""
    frames = export_sampling.strip_frames(part.strip)
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


def _assign(changes: _Changes, ad, action, slot) -> None:
    previous = ad.action

    def undo() -> None:
        if ad.action is not previous:
            ad.action = None

    changes.add(undo)
    ad.action = action
    ad.action_slot = slot
    changes.set(ad, "action_blend_type", "REPLACE")
    changes.set(ad, "action_influence", 1.0)


def _arrange(changes: _Changes, ids: list[bpy.types.ID], plan: dict[str, list[Part]], mode: str) -> None:
    """Set what the exporter sees: per take a sampled action, on temporary NLA tracks (NLA) or
    as the active actions (ACTIONS); the animator's active actions and strips set aside."""
    sampled = []
    for name, parts in plan.items():
        action, slots, keys = export_sampling.sampled_action(name, parts)
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


def _exporter_options(mode: str, take: str | None, dense_shape_keys: bool = False) -> dict:
    common = {
        # Sparse morph-target accessors are smaller, but Godot 3 misreads them (vertices thrown
        # metres away): dense ones are written in full for engines like it.
        "export_try_sparse_sk": not dense_shape_keys,
        "use_selection": True,
        "export_animations": True,
        "export_force_sampling": False,  # the sampled actions' keys are read as they are
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
    # One sampled action per take, its slots on the rig and the shape keys: one animation each.
    return {**common, "export_animation_mode": "ACTIONS", "export_merge_animation": "ACTION"}


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
    dense_shape_keys: bool = False,
) -> ExportReport:
    """Write Duet animation to a .glb or .gltf file with Blender's glTF exporter.

    ``take``: a take's name, or None: in NLA mode every NLA track becomes an animation,
    in ACTIONS mode the active take is baked. ``mode``: NLA or ACTIONS (see the module
    doc). ``selection``: the objects to export; by default the Duet characters.
    ``dense_shape_keys``: write morph targets in full instead of as sparse accessors, for
    engines that misread sparse ones (Godot 3); the file grows (docs/EXPORT.md).
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
        take = require_take(ids, take)
    elif mode == "ACTIONS":
        take = active_take(ids)
        if take is None:
            raise ExportError(
                f"no Duet take is active on {id_names(ids)}: unmute a take or name one to export"
            )
    for id_data in ids:
        if id_data.animation_data is not None:
            check_not_tweaking(id_data.animation_data, id_data)
    if take is None:
        plan, left_out = _track_parts(ids)
        if not plan:
            why = f" (left out: {', '.join(left_out)})" if left_out else ""
            raise ExportError(f"{id_names(ids)} have no NLA tracks to export{why}: generate a take first")
    else:
        plan, left_out = {take: _take_parts(ids, take)}, []

    view_layer = bpy.context.view_layer if scene == bpy.context.scene else scene.view_layers[0]
    staging = Path(tempfile.mkdtemp(prefix=".duet-export-", dir=target.parent))
    changes = _Changes()
    frame = scene.frame_current
    try:
        try:
            _select_only(changes, view_layer, objects)
            _arrange(changes, ids, plan, mode)
            options = {**_exporter_options(mode, take, dense_shape_keys), "export_format": file_format}
            _run_exporter(scene, view_layer, staging / target.name, options)
        finally:
            changes.undo_all()
            if scene.frame_current != frame:
                scene.frame_set(frame)
        main = staging / target.name
        if not main.is_file():
            raise ExportError("Blender's glTF exporter wrote no file; see the console for its messages")
        document = _read_gltf_json(main)
        _check_animated(document, list(plan))
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
        left_out=left_out,
    )
