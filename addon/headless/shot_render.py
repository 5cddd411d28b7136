"""Render a baked shot to an image sequence or a video, headless.

Engine, resolution and frame range come from the .blend unless the job
overrides them; the file itself is never saved. Frames are rendered into a
hidden folder beside the destination and moved into place only when the
render finished, each file with an atomic rename, so an interrupted render
leaves no half-written frame or video behind.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import bpy

from ...batch import interrupts
from ...batch.atomic import TEMP_MARK, fsync_dir, fsync_file, remove_stale_temps
from ...batch.jobfile import RenderJob

ProgressFn = Callable[[str, float], None]


class RenderError(ValueError):
    """A render that cannot run as asked, with what to do about it."""


ENGINE_ALIASES = {
    "workbench": ("BLENDER_WORKBENCH",),
    "cycles": ("CYCLES",),
    # EEVEE is BLENDER_EEVEE_NEXT in Blender 4.2-4.5 and BLENDER_EEVEE again from 5.0.
    "eevee": ("BLENDER_EEVEE_NEXT", "BLENDER_EEVEE"),
}


def set_engine(scene: bpy.types.Scene, engine: str) -> str:
    """Set a job file's engine (alias or identifier) as this Blender names it."""
    for identifier in ENGINE_ALIASES.get(engine.lower(), (engine,)):
        try:
            scene.render.engine = identifier
            return identifier
        except TypeError:  # not an engine of this Blender
            continue
    raise RenderError(
        f"render engine '{engine}' is not available in Blender {bpy.app.version_string}: "
        "use workbench, eevee or cycles"
    )


def video_available() -> bool:
    return bool(getattr(bpy.app.build_options, "codec_ffmpeg", False))


def _image_output(scene: bpy.types.Scene) -> None:
    settings = scene.render.image_settings
    if hasattr(settings, "media_type"):  # Blender 5: the media type picks the format list
        settings.media_type = "IMAGE"
    settings.file_format = "PNG"
    settings.color_mode = "RGBA" if scene.render.film_transparent else "RGB"


def mp4_output(scene: bpy.types.Scene, audio_channels: str | None = "STEREO") -> None:
    """Render the scene to an H.264 MP4; with AAC sound of audio_channels ("STEREO", "MONO"),
    or none when None. The batch render and the demo's take preview share it."""
    settings = scene.render.image_settings
    if hasattr(settings, "media_type"):
        settings.media_type = "VIDEO"
    settings.file_format = "FFMPEG"
    ffmpeg = scene.render.ffmpeg
    ffmpeg.format = "MPEG4"
    ffmpeg.codec = "H264"
    ffmpeg.constant_rate_factor = "MEDIUM"
    ffmpeg.audio_codec = "AAC" if audio_channels is not None else "NONE"
    if audio_channels is not None:
        ffmpeg.audio_channels = audio_channels
    ffmpeg.audio_mixrate = 48000


def _apply_overrides(scene: bpy.types.Scene, job: RenderJob) -> tuple[int, int]:
    if job.engine:
        set_engine(scene, job.engine)
    if job.resolution:
        scene.render.resolution_x, scene.render.resolution_y = job.resolution
        scene.render.resolution_percentage = 100
    if job.frames:
        start, end = job.frames
        scene.frame_start, scene.frame_end = start, end
    if scene.camera is None:
        raise RenderError(f"scene '{scene.name}' has no active camera: add one or set Scene > Camera")
    scene.render.use_overwrite = True
    scene.render.use_placeholder = False
    scene.render.use_file_extension = True
    return scene.frame_start, scene.frame_end


_FRAME_FILE = re.compile(r"^(?P<shot>.+)_(?P<frame>-?\d+)\.png$")


def _move_frames(tmp: Path, folder: Path, shot: str) -> list[Path]:
    produced = sorted(tmp.glob(f"{shot}_*.png"))
    if not produced:
        raise RenderError(f"the render of '{shot}' wrote no frames")
    folder.mkdir(parents=True, exist_ok=True)
    finals = []
    for path in produced:
        fsync_file(path)
        final = folder / path.name
        os.replace(path, final)
        finals.append(final)
    # Frames of an older, longer render of this shot would pose as part of this one.
    keep = {p.name for p in finals}
    for old in folder.glob(f"{shot}_*.png"):
        match = _FRAME_FILE.match(old.name)
        if match and match["shot"] == shot and old.name not in keep:
            old.unlink()
    fsync_dir(folder)
    return finals


def _move_video(tmp: Path, folder: Path, shot: str) -> list[Path]:
    produced = [p for p in tmp.iterdir() if p.is_file()]
    if len(produced) != 1:
        raise RenderError(f"the video render of '{shot}' wrote {len(produced)} files, expected one")
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{shot}.mp4"
    fsync_file(produced[0])
    os.replace(produced[0], final)
    fsync_dir(folder)
    return [final]


def render_baked_shot(
    blend: Path,
    shot: str,
    job: RenderJob,
    *,
    progress: ProgressFn | None = None,
    warn: Callable[[str], None] | None = None,
) -> tuple[list[Path], float]:
    """Open ``blend``, render it as ``job`` says, return (files written, seconds).

    Images are ``DIR/<shot>_####.png``; a video is ``DIR/<shot>.mp4`` (H.264 with
    the voice-over as AAC). Without FFmpeg in this Blender build a video request
    falls back to images and says so through ``warn``.
    """
    started = time.perf_counter()
    if not blend.is_file():
        raise RenderError(f"baked file '{blend}' not found: run the bake stage first")
    with interrupts.deferred("opening the .blend"):  # see addon/headless/shot_bake.py
        bpy.ops.wm.open_mainfile(filepath=str(blend), load_ui=False)
    scene = bpy.context.scene
    start, end = _apply_overrides(scene, job)
    video = job.format == "video"
    if video and not video_available():
        video = False
        if warn:
            warn(f"{shot}: this Blender has no FFmpeg: writing PNG frames instead of a video")
    mp4_output(scene) if video else _image_output(scene)  # the bake's voice-over strip plays in it

    remove_stale_temps(job.dir)
    tmp = job.dir.parent / f".{job.dir.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir(parents=True)
    scene.render.filepath = str(tmp / (f"{shot}_" if video else f"{shot}_####"))
    frames = max(end - start + 1, 1)
    done = [0]

    def frame_done(*_args: object) -> None:
        done[0] += 1
        if progress:
            progress("render", done[0] / frames)

    bpy.app.handlers.render_post.append(frame_done)
    try:
        if progress:
            progress("render", 0.0)
        # Ctrl-C cannot stop Blender's render safely from Python: it stops the batch
        # when the render returns (a second Ctrl-C kills the process).
        with interrupts.deferred("the current render"):
            result = bpy.ops.render.render(animation=True, scene=scene.name)
        if "FINISHED" not in result:
            raise RenderError(f"the render of '{shot}' did not finish ({', '.join(sorted(result))})")
        files = _move_video(tmp, job.dir, shot) if video else _move_frames(tmp, job.dir, shot)
    finally:
        if frame_done in bpy.app.handlers.render_post:
            bpy.app.handlers.render_post.remove(frame_done)
        shutil.rmtree(tmp, ignore_errors=True)
    return files, time.perf_counter() - started
