"""Driving Blender's glTF exporter (io_scene_gltf2) for Duet takes: ``export_gltf``.

The exporter writes the file; exporter_view.py decides what it sees, with each take sampled
into a temporary action (sampled_actions.py: one LINEAR key per frame per channel, two for a
target that does not move) that the exporter reads as it is instead of sampling the scene frame
by frame. Shape-key curves become morph-target ``weights`` channels on the head mesh nodes and
bone rotations become ``rotation`` channels on the bone nodes. Modes:

- ``NLA``: the temporary actions go on temporary NLA tracks, every other strip and
  the active actions set aside; the exporter reads the strips' actions, one glTF
  animation per take. With no take named, every NLA track with strips becomes an
  animation named after the track (each take, muted ones too, and the animator's
  own tracks that hold one plain strip per ID; others are left out and named in
  the report).
- ``ACTIONS``: the take's temporary action becomes the active action of each ID,
  NLA off, as an exporter that ignores the NLA sees it; one animation named after
  the take. ``bake_take_to_actions`` (plain_actions.py) makes such plain actions
  (with the take's own keys) for other exporters.

This module checks the destination and the exporter, passes the options, runs it, reads the
file back (every take must come out animated) and moves it into place: the file is written into
a hidden folder beside the destination and moved only once complete. Nothing in the scene is
left changed: every change exporter_view made is undone in a ``finally`` block.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from .exporter_view import Changes, arrange_takes, select_only
from .scope import (
    ExportError,
    active_take,
    animated_ids,
    check_not_tweaking,
    default_selection,
    id_names,
    require_take,
    take_parts,
    track_parts,
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
        plan, left_out = track_parts(ids)
        if not plan:
            why = f" (left out: {', '.join(left_out)})" if left_out else ""
            raise ExportError(f"{id_names(ids)} have no NLA tracks to export{why}: generate a take first")
    else:
        plan, left_out = {take: take_parts(ids, take)}, []

    view_layer = bpy.context.view_layer if scene == bpy.context.scene else scene.view_layers[0]
    temp_folder = Path(tempfile.mkdtemp(prefix=".duet-export-", dir=target.parent))
    changes = Changes()
    frame = scene.frame_current
    try:
        try:
            select_only(changes, view_layer, objects)
            arrange_takes(changes, ids, plan, mode)
            options = {**_exporter_options(mode, take, dense_shape_keys), "export_format": file_format}
            _run_exporter(scene, view_layer, temp_folder / target.name, options)
        finally:
            changes.undo_all()
            if scene.frame_current != frame:
                scene.frame_set(frame)
        main = temp_folder / target.name
        if not main.is_file():
            raise ExportError("Blender's glTF exporter wrote no file; see the console for its messages")
        document = _read_gltf_json(main)
        _check_animated(document, list(plan))
        produced = sorted(p for p in temp_folder.rglob("*") if p.is_file() and p != main)
        files = []
        for source in [*produced, main]:  # the main file last: it never points at a missing .bin
            destination = target.parent / source.relative_to(temp_folder)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, destination)
            files.append(destination)
    finally:
        shutil.rmtree(temp_folder, ignore_errors=True)

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
