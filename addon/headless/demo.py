"""``python -m duet demo --out DIR``: the whole workflow on the bundled example.

In a fresh file: the dialogue pair (Mara = A, Theo = B), the example
voice-over (assets/example_dialogue.flac), its staging text and its script, set in the
Duet panel's settings exactly as a user would; then two takes generated and
baked through the same plan and bake as the Generate button (seed 0, then
seed 1; the earlier take muted on its NLA track), saved as DIR/duet_demo.blend
with the voice-over packed, markers and sound strip. Previews beside it:
preview_stage.png (the stage at a frame of the take), preview_sheet.png (the
shape keys), take_sheet.png (frames of the active take, both close-ups) and
take_preview.mp4 (the first seconds of the take with the voice-over).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import bpy

from ...model.errors import WeightsError
from ...model.weights import ASSETS
from .. import dialogue_script, generate_flow, stage
from ..generate_request import run_request
from . import preview, take_preview

EXAMPLE_AUDIO = ASSETS / "example_dialogue.flac"
EXAMPLE_STAGING = ASSETS / "example_dialogue_staging.txt"
EXAMPLE_SCRIPT = ASSETS / "example_dialogue_script.txt"
SEEDS = (0, 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="folder for duet_demo.blend and the previews")
    parser.add_argument("--cell", type=int, default=220, help="shape sheet cell size in pixels (default 220)")
    parser.add_argument("--width", type=int, default=640, help="stage render width (default 640)")
    parser.add_argument(
        "--weights", type=Path, default=None, help="weights .npz instead of the shipped assets/duet_model.npz"
    )
    parser.add_argument("--frames", type=int, default=8, help="frames on the take sheet (default 8)")
    parser.add_argument(
        "--video-seconds",
        type=float,
        default=10.0,
        help="length of take_preview.mp4 from the start of the take (default 10; 0: no video)",
    )


@contextlib.contextmanager
def _quiet_renders() -> Iterator[None]:
    """Keep Blender's per-frame render lines (written to the C stdout) off the terminal."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # captured or replaced stdout: leave it
        yield
        return
    saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    try:
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _registered() -> bool:
    return hasattr(bpy.types.Scene, "duet") and hasattr(bpy.types, "DUET_OT_generate")


def build_demo(
    out: Path,
    cell: int = 220,
    width: int = 640,
    *,
    weights: Path | None = None,
    frames: int = 8,
    video_seconds: float = 10.0,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Build, generate, save and render the demo. Returns the files written."""
    for asset in (EXAMPLE_AUDIO, EXAMPLE_STAGING, EXAMPLE_SCRIPT):
        if not asset.is_file():
            raise ValueError(f"the example {asset.name} is missing from {asset.parent}: restore it from git")
    out.mkdir(parents=True, exist_ok=True)
    register = not _registered()
    if register:
        from ... import register as register_duet

        register_duet()
    try:
        return _build(out, cell, width, weights, frames, video_seconds, log)
    finally:
        if register:
            from ... import unregister as unregister_duet

            unregister_duet()


def _build(
    out: Path,
    cell: int,
    width: int,
    weights: Path | None,
    frames: int,
    video_seconds: float,
    log: Callable[[str], None],
) -> list[Path]:
    t0 = time.perf_counter()
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    pair = stage.build_dialogue_pair(scene)
    settings = scene.duet
    generate_flow.assign_scene_pair(scene)  # the panel's Use Scene Pair
    generate_flow.load_example(scene)  # the panel's Load Example Dialogue: voice-over, staging ...
    dialogue_script.load_example_script(scene)  # ... and script
    if weights is not None:
        settings.weights_path = str(Path(weights).resolve())  # the panel's Model
    log(f"stage and settings: {time.perf_counter() - t0:.1f} s")

    performance = None
    for seed in SEEDS:
        settings.seed = seed
        t0 = time.perf_counter()
        plan = generate_flow.plan_from_scene(scene)
        plan.take_label = f"seed {seed}"
        performance = run_request(plan.request)
        t1 = time.perf_counter()
        summary = generate_flow.bake(scene, plan, performance)
        log(
            f"{summary.take}: generated in {t1 - t0:.1f} s, baked in {time.perf_counter() - t1:.1f} s "
            f"({summary.keys} keys, frames {summary.frames[0]}-{summary.frames[1]})"
        )
    assert performance is not None
    scene.frame_end = max(scene.frame_end, scene.frame_start + performance.n_frames - 1)
    for strip in scene.sequence_editor.strips:
        if strip.type == "SOUND" and strip.sound is not None and not strip.sound.packed_file:
            strip.sound.pack()  # the .blend plays anywhere

    names = {role: pair.characters[role].rig.get("duet_character", role) for role in ("A", "B")}
    picks = take_preview.pick_frames(performance, scene.frame_start, frames, names)
    scene.frame_set(picks[len(picks) // 2][0])
    t0 = time.perf_counter()
    blend = out / "duet_demo.blend"
    blend.unlink(missing_ok=True)  # replace an older demo outright (no .blend1 backup beside it)
    # Saving a whole file has no data-API equivalent.
    with _quiet_renders():
        bpy.ops.wm.save_as_mainfile(filepath=str(blend), check_existing=False, compress=True)
    log(f"saved {blend.name}: {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    with _quiet_renders():
        written = [blend, *preview.render_previews(scene, out, cell=cell, width=width)]
        written.append(
            take_preview.render_take_sheet(
                scene,
                out / "take_sheet.png",
                picks,
                cell=200,
                title=f"Duet demo: example dialogue, {summary.take}",
            )
        )
    log(f"stills (stage, shape sheet, take sheet): {time.perf_counter() - t0:.1f} s")
    if video_seconds > 0:
        if not take_preview.video_available():
            log("no video: this Blender build has no FFmpeg")
        else:
            t0 = time.perf_counter()
            seconds = min(video_seconds, performance.n_frames / performance.fps)
            with _quiet_renders():
                written.append(
                    take_preview.render_take_video(
                        scene, out / "take_preview.mp4", scene.frame_start, seconds, sound=EXAMPLE_AUDIO
                    )
                )
            log(f"video ({seconds:.0f} s at 12 fps): {time.perf_counter() - t0:.1f} s")
    return written


def run(args: argparse.Namespace) -> int:
    if args.cell < 32 or args.width < 64:
        print("error: --cell must be at least 32 and --width at least 64 pixels", file=sys.stderr)
        return 2
    if not 1 <= args.frames <= 16 or args.video_seconds < 0:
        print("error: --frames must be 1 to 16 and --video-seconds at least 0", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        paths = build_demo(
            Path(args.out),
            args.cell,
            args.width,
            weights=args.weights,
            frames=args.frames,
            video_seconds=args.video_seconds,
        )
    except (generate_flow.UserError, WeightsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: could not write the demo to {args.out}: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    print(f"demo done in {time.perf_counter() - started:.1f} s")
    return 0
