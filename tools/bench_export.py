"""Time to export a 60 s Duet take to glTF, in every export mode.

    .venv/bin/python tools/bench_export.py [--seconds 60] [--repeats 1] [--weights assets/duet_model.npz]

The scene is the default pair at 24 fps with two labelled takes ("Duet Take 1:
seed 0", "Duet Take 2: seed 1", as the demo makes them), generated from the
bundled example dialogue (assets/example_dialogue.flac, 27 s) repeated to
--seconds, with its staging text, and baked by generate_flow.bake as the Generate button
bakes them (reduced keys). --seconds 27 is the demo's take.

Prints, for each mode of duet.addon.export.export_gltf, the wall seconds and
this process's CPU seconds (best of --repeats: other work on a shared machine
only ever adds time; the export runs on one core, so on a busy machine the CPU
seconds are what it costs), the .glb size and the glTF animations written with
their channel counts:
- NLA, one take (the active take);
- Baked Actions, one take (the active take);
- NLA, all takes (take=None).
Each export is also checked to leave the scene's actions and NLA as they were.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

FPS = 24
TARGET_SECONDS = 5.0  # the aim for a 60 s take, in every mode


def _write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


@contextlib.contextmanager
def _quiet():
    """Keep the glTF exporter's log lines (written to the process's stdout/stderr) off the figures."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def _scene_state(bpy) -> tuple:
    """The scene's actions and every ID's animation data: what an export must leave alone."""
    actions = tuple(sorted(a.name for a in bpy.data.actions))
    anim = []
    for coll in (bpy.data.objects, bpy.data.shape_keys):
        for id_data in coll:
            ad = id_data.animation_data
            if ad is None:
                continue
            tracks = tuple(
                (t.name, t.mute, tuple((s.name, s.mute, getattr(s.action, "name", None)) for s in t.strips))
                for t in ad.nla_tracks
            )
            anim.append((id_data.name, ad.action.name if ad.action else None, ad.use_nla, tracks))
    return actions, tuple(anim)


def _build_scene(seconds: float, weights: Path | None):
    """The default pair with two labelled takes of `seconds`; returns the scene."""
    import bpy

    from duet.addon import audio as audio_io
    from duet.addon import generate_flow, rigs, stage
    from duet.addon.generate_request import GenerationRequest
    from duet.addon.headless import demo
    from duet.model import generate

    voice = audio_io.read_audio(demo.EXAMPLE_AUDIO, channels=1)
    samples = np.resize(voice.samples, int(seconds * voice.sample_rate)).astype(np.float32)
    staging = demo.EXAMPLE_STAGING.read_text(encoding="utf-8")
    wav = Path(tempfile.mkdtemp(prefix="duet-bench-export-")) / "dialogue.wav"
    _write_wav(wav, samples, voice.sample_rate)
    names = {"A": "Mara", "B": "Theo"}

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    pair = stage.build_dialogue_pair(scene)
    characters = rigs.pair_from_objects(pair.characters["A"].rig, pair.characters["B"].rig)
    for seed in (0, 1):
        performance = generate(
            samples,
            voice.sample_rate,
            staging=staging,
            fps=FPS,
            runtime="numpy",
            seed=seed,
            names=names,
            first_frame=1,
            weights=weights,
        )
        request = GenerationRequest(
            samples, voice.sample_rate, False, staging, float(FPS), seed, False, names, first_frame=1
        )
        plan = generate_flow.Plan(
            request=request,
            characters=characters,
            audio_paths=[wav],
            frame_start=1,
            bake_range=None,
            key_mode="SPARSE",
            key_tolerance=0.01,
            head_strength=1.0,
            eye_strength=1.0,
            take_label=f"seed {seed}",
        )
        generate_flow.bake(scene, plan, performance)
    scene.frame_end = max(scene.frame_end, int(seconds * FPS))
    return scene


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the takes (default 60)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per mode; the best is shown (default 1)")
    parser.add_argument("--weights", type=Path, default=None, help="weights .npz (default: shipped model)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.repeats < 1:
        parser.error("--seconds must be positive and --repeats at least 1")

    import bpy

    from duet.addon import export

    t0 = time.perf_counter()
    with _quiet():
        scene = _build_scene(args.seconds, args.weights)
    ids = export.animated_ids(export.default_selection(scene))
    active = export.active_take(ids)
    print(
        f"Duet export benchmark: two {args.seconds:.0f} s takes at {FPS} fps on the default pair "
        f"(built in {time.perf_counter() - t0:.1f} s; takes: {', '.join(export.list_takes(ids))})\n"
        f"bpy {bpy.app.version_string}, numpy {np.__version__}, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    out = Path(tempfile.mkdtemp(prefix="duet-bench-export-"))
    cases = [
        ("NLA, one take (active)", {"take": active, "mode": "NLA"}),
        ("Baked Actions, one take (active)", {"take": None, "mode": "ACTIONS"}),
        ("NLA, all takes", {"take": None, "mode": "NLA"}),
    ]
    worst = worst_cpu = 0.0
    for label, kwargs in cases:
        best, best_cpu, report = float("inf"), float("inf"), None
        for _ in range(args.repeats):
            before = _scene_state(bpy)
            t0, c0 = time.perf_counter(), time.process_time()
            with _quiet():
                report = export.export_gltf(scene, out / "take.glb", **kwargs)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, time.process_time() - c0)
            if _scene_state(bpy) != before:
                print(f"  {label}: the export left the scene's actions or NLA changed", file=sys.stderr)
                return 1
        worst = max(worst, best)
        size = report.path.stat().st_size / 1e6
        animations = ", ".join(f"'{name}' ({n} channels)" for name, n in report.animations.items())
        worst_cpu = max(worst_cpu, best_cpu)
        print(f"{label}: {best:.2f} s (CPU {best_cpu:.2f} s), {size:.1f} MB")
        print(f"    animations: {animations or 'none'}")
    verdict = "within" if worst <= TARGET_SECONDS else "over"
    print(
        f"slowest mode: {worst:.2f} s, CPU {worst_cpu:.2f} s "
        f"(wall time {verdict} the {TARGET_SECONDS:.0f} s aim for a 60 s take)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
