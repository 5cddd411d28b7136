"""Previews of a generated take: a sheet of rendered frames and a short video.

Both show each character in the same 3/4 close-up as the shape sheet
(preview.py), at frames of the take as it plays (NLA evaluated), so a
person can judge lip-sync, head turns and gaze by eye. The sheet is a PNG;
the video puts the two close-ups side by side with the voice-over (H.264 +
AAC) through a throw-away scene's sequencer. Workbench renders only; every
setting touched is put back and every helper object removed.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import bpy
import numpy as np

from ...model.performance import Performance
from ...model.spec import ARKIT_INDEX, ROLES
from .. import stage
from . import preview, sheet_image
from .shot_render import mp4_output, video_available

HEADER = 24  # pixels above the video's close-ups for names and the time


def clock(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def pick_frames(
    performance: Performance, frame_start: int, count: int = 8, names: dict[str, str] | None = None
) -> list[tuple[int, str]]:
    """`count` scene frames spread over the take, each at the widest mouth of whoever
    speaks near it (within half a slot), with a label "0:04.2 MARA"."""
    n = performance.n_frames
    count = max(1, min(count, n))
    jaw = ARKIT_INDEX["jawOpen"]
    openness = {r: performance.blendshapes[r][:, jaw] * performance.speaking[r] for r in ROLES}
    score = np.maximum(openness["A"], openness["B"])
    edges = np.linspace(0, n, count + 1).astype(int)
    out = []
    for lo, hi in itertools.pairwise(edges):
        hi = max(hi, lo + 1)
        i = lo + int(np.argmax(score[lo:hi]))
        speakers = [r for r in ROLES if performance.speaking[r][i] >= 0.5]
        who = " ".join((names or {}).get(r, r) for r in speakers) if len(speakers) == 1 else ""
        out.append((frame_start + i, f"{clock(i / performance.fps)} {who}".strip()))
    return out


@contextlib.contextmanager
def _closeups(scene: bpy.types.Scene, rigs: dict[str, bpy.types.Object]) -> Iterator[dict[str, object]]:
    """A 3/4 close-up camera per character (removed afterwards); the scene camera,
    the current frame and pose settings are put back."""
    toward = scene.camera.matrix_world.translation.copy() if scene.camera else None
    saved_camera, saved_frame = scene.camera, scene.frame_current
    cameras: dict[str, object] = {}
    try:
        for role in sorted(rigs):
            cameras[role] = preview._closeup_camera(scene, rigs[role], toward)
        yield cameras
    finally:
        scene.camera = saved_camera
        scene.frame_set(saved_frame)
        for cam in cameras.values():
            data = cam.data
            bpy.data.objects.remove(cam)
            bpy.data.cameras.remove(data)


def _render_cells(
    scene: bpy.types.Scene, cameras: dict[str, object], frame: int, folder: Path
) -> dict[str, np.ndarray]:
    scene.frame_set(frame)
    cells = {}
    for role, cam in cameras.items():
        scene.camera = cam
        path = folder / f"{role}.png"
        preview._render_to(scene, path)
        cells[role] = preview._read_png(path)
    return cells


def _pair_rigs(
    scene: bpy.types.Scene, rigs: dict[str, bpy.types.Object] | None
) -> dict[str, bpy.types.Object]:
    if rigs is not None:
        return rigs
    pairs = stage.find_pairs(scene)
    if not pairs:
        raise ValueError("no Duet pair in this scene; add one with Add > Dialogue Pair")
    return pairs[-1]


def _row_label(role: str, rig: bpy.types.Object) -> str:
    return f"{role} {rig.get('duet_character', '')}".strip()


def render_take_sheet(
    scene: bpy.types.Scene,
    path: str | Path,
    frames: Sequence[tuple[int, str]],
    *,
    rigs: dict[str, bpy.types.Object] | None = None,
    cell: int = 200,
    title: str = "",
) -> Path:
    """Render both characters at each (frame, label) and compose one labelled PNG."""
    rigs = _pair_rigs(scene, rigs)
    path = Path(path)
    rows: dict[str, list[np.ndarray]] = {r: [] for r in sorted(rigs)}
    with (
        tempfile.TemporaryDirectory(prefix="duet-take-") as tmp,
        preview._workbench(scene, cell, cell),
        _closeups(scene, rigs) as cameras,
    ):
        for frame, _label in frames:
            for role, image in _render_cells(scene, cameras, frame, Path(tmp)).items():
                rows[role].append(image)
    image = sheet_image.compose_grid(
        [rows[r] for r in sorted(rigs)],
        [_row_label(r, rigs[r]) for r in sorted(rigs)],
        [label for _frame, label in frames],
        title=title,
    )
    sheet_image.write_png(path, image)
    return path


def _video_frame(cells: dict[str, np.ndarray], names: list[str], time_label: str) -> np.ndarray:
    """The close-ups side by side under a strip with the names and the time."""
    row = np.concatenate([cells[r][..., :3] for r in sorted(cells)], axis=1)
    frame = np.empty((HEADER + row.shape[0], row.shape[1], 3))
    frame[:HEADER] = (0.12, 0.12, 0.13)
    frame[HEADER:] = row
    half = row.shape[1] // len(names)
    for k, name in enumerate(names):
        sheet_image.draw_text(frame, name, k * half + 8, 5, 2)
    x = row.shape[1] // 2 - sheet_image.text_width(time_label) // 2
    sheet_image.draw_text(frame, time_label, x, 5, 2, (0.85, 0.85, 0.85))
    return frame


def _encode(
    frames_dir: Path, count: int, size: tuple[int, int], fps: int, sound: Path | None, out: Path
) -> None:
    """Frames + voice-over -> H.264/AAC MP4 through a throw-away scene's sequencer."""
    tmp_scene = bpy.data.scenes.new("Duet preview video")
    sounds_before = set(bpy.data.sounds)
    try:
        render = tmp_scene.render
        render.resolution_x, render.resolution_y = size
        render.resolution_percentage = 100
        render.fps, render.fps_base = fps, 1.0
        tmp_scene.frame_start, tmp_scene.frame_end = 1, count
        editor = tmp_scene.sequence_editor_create()
        strip = editor.strips.new_image("frames", str(frames_dir / "f_00000.png"), 1, 1)
        for i in range(1, count):
            strip.elements.append(f"f_{i:05d}.png")
        if sound is not None:
            editor.strips.new_sound("voice-over", str(sound), 2, 1)
        mp4_output(tmp_scene, "MONO" if sound is not None else None)
        encoded = out.parent / f".{out.name}.encoding"
        shutil.rmtree(encoded, ignore_errors=True)
        encoded.mkdir(parents=True)
        try:
            render.filepath = str(encoded / "take_")
            bpy.ops.render.render(animation=True, scene=tmp_scene.name)
            produced = [p for p in encoded.iterdir() if p.is_file()]
            if len(produced) != 1:
                raise RuntimeError(f"the video encode wrote {len(produced)} files, expected one")
            os.replace(produced[0], out)
        finally:
            shutil.rmtree(encoded, ignore_errors=True)
    finally:
        bpy.data.scenes.remove(tmp_scene)
        for snd in set(bpy.data.sounds) - sounds_before:
            bpy.data.sounds.remove(snd)


def render_take_video(
    scene: bpy.types.Scene,
    path: str | Path,
    frame_start: int,
    seconds: float,
    *,
    sound: Path | None = None,
    fps: int = 12,
    rigs: dict[str, bpy.types.Object] | None = None,
    cell: int = 240,
    progress: Callable[[float], None] | None = None,
) -> Path:
    """The take from frame_start for `seconds`, both close-ups side by side, at
    `fps` (12: animation "on twos"), with the voice-over from its start."""
    if not video_available():
        raise ValueError("this Blender build has no FFmpeg, so it cannot write a video")
    rigs = _pair_rigs(scene, rigs)
    path = Path(path)
    scene_fps = scene.render.fps / scene.render.fps_base
    count = max(1, int(seconds * fps))
    names = [_row_label(r, rigs[r]) for r in sorted(rigs)]
    with (
        tempfile.TemporaryDirectory(prefix="duet-video-") as tmp,
        preview._workbench(scene, cell, cell),
        _closeups(scene, rigs) as cameras,
    ):
        scene.display.render_aa = "FXAA"  # put back by _workbench
        folder = Path(tmp)
        for i in range(count):
            t = i / fps
            frame = frame_start + int(round(t * scene_fps))
            cells = _render_cells(scene, cameras, frame, folder)
            image = _video_frame(cells, names, clock(t))
            sheet_image.write_png(folder / f"f_{i:05d}.png", image, compression=1)
            if progress is not None:
                progress((i + 1) / count)
        height, width = image.shape[:2]
        _encode(folder, count, (width, height), fps, sound, path)
    return path
