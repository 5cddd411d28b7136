"""Preview renders: the whole stage from its camera, and a sheet of each head's main
speech and eye shapes in 3/4 close-up, so a person can judge them by eye.

Command line: ``python -m duet preview --out DIR [--blend FILE]``.
Renders with Workbench (fast, no GPU needed); every scene setting it touches
is put back afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix, Vector

from .. import stage
from . import sheet_image

SHEET_SHAPES: tuple[tuple[str, dict[str, float]], ...] = (
    ("neutral", {}),
    ("jawOpen", {"jawOpen": 1.0}),
    ("mouthClose+jaw", {"jawOpen": 0.7, "mouthClose": 0.7}),
    ("mouthFunnel", {"mouthFunnel": 1.0}),
    ("mouthPucker", {"mouthPucker": 1.0}),
    ("mouthSmile L+R", {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0}),
    ("eyeBlink L+R", {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0}),
)


@contextlib.contextmanager
def _saved(obj, *names: str) -> Iterator[None]:
    """Restore these attributes of obj on exit."""
    values = {n: getattr(obj, n) for n in names}
    try:
        yield
    finally:
        for n, v in values.items():
            setattr(obj, n, v)


@contextlib.contextmanager
def _workbench(scene: bpy.types.Scene, width: int, height: int) -> Iterator[None]:
    render, shading, display = scene.render, scene.display.shading, scene.display
    with contextlib.ExitStack() as stack:
        stack.enter_context(_saved(render, "engine", "resolution_x", "resolution_y", "resolution_percentage"))
        stack.enter_context(_saved(render, "filepath", "film_transparent"))
        stack.enter_context(_saved(render.image_settings, "file_format", "color_mode"))
        stack.enter_context(
            _saved(
                shading, "light", "color_type", "show_cavity", "show_specular_highlight", "background_type"
            )
        )
        stack.enter_context(_saved(shading, "background_color", "show_object_outline"))
        stack.enter_context(_saved(display, "render_aa"))
        render.engine = "BLENDER_WORKBENCH"
        render.resolution_x, render.resolution_y, render.resolution_percentage = width, height, 100
        render.film_transparent = False
        render.image_settings.file_format = "PNG"
        render.image_settings.color_mode = "RGB"
        shading.light = "STUDIO"
        shading.color_type = "MATERIAL"
        shading.show_cavity = True
        shading.show_specular_highlight = True
        shading.show_object_outline = False
        shading.background_type = "VIEWPORT"
        shading.background_color = (0.16, 0.165, 0.18)
        display.render_aa = "8"
        yield


def _render_to(scene: bpy.types.Scene, path: Path) -> None:
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True, scene=scene.name)


def _read_png(path: Path) -> np.ndarray:
    """Pixels of a PNG as float RGB, top row first."""
    image = bpy.data.images.load(str(path), check_existing=False)
    try:
        w, h = image.size
        pixels = np.empty(w * h * 4, dtype=np.float32)
        image.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(image)
    return pixels.reshape(h, w, 4)[::-1, :, :3]


def render_stage(scene: bpy.types.Scene, path: str | Path, width: int = 640, height: int = 360) -> Path:
    """Render the scene camera's view to a PNG."""
    if scene.camera is None:
        raise ValueError("the scene has no camera; add a Dialogue Pair first (it brings one)")
    path = Path(path)
    with _workbench(scene, width, height):
        _render_to(scene, path)
    return path


@contextlib.contextmanager
def _muted_animation(idblock) -> Iterator[None]:
    """Let hand-set shape-key values show, even on a baked take."""
    anim = idblock.animation_data
    if anim is None:
        yield
        return
    saved_action = anim.action
    saved_slot = getattr(anim, "action_slot", None)
    saved_nla = anim.use_nla
    try:
        anim.action = None
        anim.use_nla = False
        yield
    finally:
        anim.action = saved_action
        if saved_action is not None and saved_slot is not None:
            anim.action_slot = saved_slot
        anim.use_nla = saved_nla


def _face_frame(rig: bpy.types.Object) -> tuple[Vector, Vector]:
    """World position between the eyes and the forward direction of a head at rest."""
    eyes = [rig.matrix_world @ rig.data.bones[b].head_local for b in ("eye.L", "eye.R")]
    forward = (rig.matrix_world.to_3x3() @ Vector((0.0, -1.0, 0.0))).normalized()
    return (eyes[0] + eyes[1]) / 2, forward


CLOSEUP_YAW_DEG = 32.0  # 3/4 view: this far off the face's forward direction
CLOSEUP_DISTANCE = 0.63  # metres from the point between the eyes
CLOSEUP_AIM = (0.0, 0.0, -0.012)  # offset of the aim point from the point between the eyes


def _closeup_camera(scene: bpy.types.Scene, rig: bpy.types.Object, toward: Vector | None) -> bpy.types.Object:
    """A 3/4 portrait camera for one head, turned to the side nearer `toward` (the stage camera)."""
    centre, forward = _face_frame(rig)
    best = None
    for sign in (1.0, -1.0):
        direction = Matrix.Rotation(sign * math.radians(CLOSEUP_YAW_DEG), 3, "Z") @ forward
        location = centre + direction * CLOSEUP_DISTANCE + Vector((0.0, 0.0, 0.03))
        score = 0.0 if toward is None else (location - toward).length
        if best is None or score < best[0]:
            best = (score, location)
    cam_data = bpy.data.cameras.new("Duet preview camera")
    cam_data.lens = 80.0
    cam_data.sensor_width = 36.0
    cam_data.clip_start = 0.05
    cam = bpy.data.objects.new("Duet preview camera", cam_data)
    scene.collection.objects.link(cam)
    target = centre + Vector(CLOSEUP_AIM)
    cam.location = best[1]
    cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
    return cam


def _head_mesh(rig: bpy.types.Object) -> bpy.types.Object:
    for child in rig.children:
        if child.get(stage.PART_PROP) == "head":
            return child
    raise ValueError(f"{rig.name} has no Duet head mesh; rebuild the pair with Add > Dialogue Pair")


def render_shape_sheet(
    scene: bpy.types.Scene,
    path: str | Path,
    rigs: dict[str, bpy.types.Object] | None = None,
    cell: int = 220,
    shapes: tuple[tuple[str, dict[str, float]], ...] = SHEET_SHAPES,
) -> Path:
    """Render every head in every shape of `shapes` and compose them into one labelled PNG."""
    if rigs is None:
        pairs = stage.find_pairs(scene)
        if not pairs:
            raise ValueError("no Duet pair in this scene; add one with Add > Dialogue Pair")
        rigs = pairs[0]
    path = Path(path)
    toward = scene.camera.matrix_world.translation.copy() if scene.camera else None
    rows, labels = [], []
    with tempfile.TemporaryDirectory(prefix="duet-preview-") as tmp, _workbench(scene, cell, cell):
        saved_camera = scene.camera
        try:
            for role in sorted(rigs):
                rig = rigs[role]
                body = _head_mesh(rig)
                key = body.data.shape_keys
                blocks = key.key_blocks
                saved_values = {b.name: b.value for b in blocks}
                cam = _closeup_camera(scene, rig, toward)
                scene.camera = cam
                cells = []
                try:
                    with _muted_animation(key), _saved(rig.data, "pose_position"):
                        rig.data.pose_position = "REST"
                        for k, (_label, values) in enumerate(shapes):
                            for b in blocks[1:]:
                                b.value = 0.0
                            for name, value in values.items():
                                blocks[name].value = value
                            frame = Path(tmp) / f"{role}_{k}.png"
                            _render_to(scene, frame)
                            cells.append(_read_png(frame))
                finally:
                    for name, value in saved_values.items():
                        blocks[name].value = value
                    cam_data = cam.data
                    bpy.data.objects.remove(cam)
                    bpy.data.cameras.remove(cam_data)
                rows.append(cells)
                labels.append(f"{role} {rig.get('duet_character', '')}".strip())
        finally:
            scene.camera = saved_camera
    image = sheet_image.compose_grid(
        rows, labels, [label for label, _ in shapes], title="Duet dialogue pair: ARKit shape keys at 1.0"
    )
    sheet_image.write_png(path, image)
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="folder for preview_stage.png and preview_sheet.png")
    parser.add_argument("--blend", help="a .blend with a Duet pair (default: build a new pair)")
    parser.add_argument("--cell", type=int, default=220, help="sheet cell size in pixels (default 220)")
    parser.add_argument("--width", type=int, default=640, help="stage render width (height is 9/16)")


def render_previews(scene: bpy.types.Scene, out: Path, cell: int = 220, width: int = 640) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [
        render_stage(scene, out / "preview_stage.png", width, width * 9 // 16),
        render_shape_sheet(scene, out / "preview_sheet.png", cell=cell),
    ]


def run(args: argparse.Namespace) -> int:
    if args.cell < 32 or args.width < 64:
        print("error: --cell must be at least 32 and --width at least 64 pixels", file=sys.stderr)
        return 2
    if args.blend:
        blend = Path(args.blend)
        if not blend.is_file():
            print(f"error: {blend} does not exist; pass a saved .blend with a Duet pair", file=sys.stderr)
            return 2
        bpy.ops.wm.open_mainfile(filepath=str(blend))
    else:
        bpy.ops.wm.read_homefile(use_empty=True)
        stage.build_dialogue_pair(bpy.context.scene)
    scene = bpy.context.scene
    try:
        paths = render_previews(scene, Path(args.out), args.cell, args.width)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0
