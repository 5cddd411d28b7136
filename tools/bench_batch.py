"""Benchmark: shots per minute for a batch bake on this machine.

    .venv/bin/python tools/bench_batch.py                # 10 shots of 30 s, bake only
    .venv/bin/python tools/bench_batch.py --render       # + 48 frames of each, 320x180 Workbench

Builds the default Duet pair in a .blend, writes N deterministic two-voice
takes of S seconds (alternating turns of synthetic voiced speech: the timing
of a bake does not depend on what is said), writes a job file and runs
``duet batch`` on it in this process, as ``blender -b -c duet batch`` would.
Prints shots per minute, the mean seconds per stage and the peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="duet-bench-batch-"))

RATE = 16000


def two_voice_take(seconds: float, seed: int) -> np.ndarray:
    """Mono mix of two alternating synthetic voices (different pitch), with pauses."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    out = np.zeros(n)
    position, speaker = 0, 0
    while position < n:
        turn = int(rng.uniform(1.5, 4.0) * RATE)
        end = min(position + turn, n)
        tt = t[position:end]
        f0 = (115 if speaker == 0 else 205) * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * tt))
        phase = 2 * np.pi * np.cumsum(f0) / RATE
        syllables = np.sin(2 * np.pi * rng.uniform(3.5, 5.0) * tt) > -0.3
        out[position:end] = 0.3 * np.sign(np.sin(phase)) * syllables
        position = end + int(rng.uniform(0.2, 0.8) * RATE)
        speaker = 1 - speaker
    out += 0.005 * rng.standard_normal(n)
    return out


def write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def prepare(folder: Path, shots: int, seconds: float, render_frames: int) -> Path:
    import bpy

    from duet.addon import stage

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    stage.build_dialogue_pair(scene)
    scene.render.fps = 24
    scene.render.engine = "BLENDER_WORKBENCH"
    (folder / "in").mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(folder / "in" / "pair.blend"), check_existing=False)
    for i in range(shots):
        write_wav(folder / "in" / f"shot{i:02d}.wav", two_voice_take(seconds, seed=i))
    lines = [
        "[defaults]",
        'blend = "in/pair.blend"',
        'audio = "in/{shot}.wav"',
        'out = "out/{shot}.blend"',
    ]
    if render_frames:
        lines.append(
            'render = { dir = "out/renders/{shot}", resolution = "320x180", engine = "workbench", '
            f'frames = "1-{render_frames}" }}'
        )
    lines += [f"[shots.shot{i:02d}]\nseed = {i}" for i in range(shots)]
    job = folder / "jobs.toml"
    job.write_text("\n".join(lines) + "\n")
    return job


def choose_weights(path: Path | None, folder: Path) -> tuple[Path, str]:
    """The weights to time: given, shipped, or (before the first training run)
    freshly initialised weights of the default network, which cost the same."""
    from duet.model import weights

    if path is not None:
        return path, "given"
    if weights.DEFAULT_WEIGHTS.is_file():
        return weights.DEFAULT_WEIGHTS, "shipped"
    try:
        config, arrays = weights.random_weights(seed=0)
    except ImportError:
        tiny = Path(__file__).resolve().parent.parent / "tests" / "data" / "model" / "tiny_weights.npz"
        return tiny, "tiny test weights (no torch to build the default network): NOT representative"
    out = folder / "untrained_default.npz"
    weights.save(out, config, arrays)
    return out, "untrained default network (no shipped weights yet): same cost as trained"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--render", action="store_true", help="also render each shot (320x180, Workbench)")
    parser.add_argument(
        "--render-frames", type=int, default=48, help="frames rendered per shot with --render (default 48)"
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    parser.add_argument("--weights", type=Path, help="model weights (default: shipped, else untrained)")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="duet-bench-batch-"))
    folder.mkdir(parents=True, exist_ok=True)
    from duet.model import weights

    weights_path, weights_note = choose_weights(args.weights, folder)
    weights.DEFAULT_WEIGHTS = weights_path  # what bake_shot's generate() loads
    t0 = time.perf_counter()
    job = prepare(folder, args.shots, args.seconds, args.render_frames if args.render else 0)
    prepare_s = time.perf_counter() - t0

    from duet.addon import commands

    summary_path = folder / "out" / "summary.json"
    started = time.perf_counter()
    code = commands.cli_command(["batch", str(job), "--quiet", "--summary", str(summary_path)])
    wall = time.perf_counter() - started
    summary = json.loads(summary_path.read_text())
    ok = [s for s in summary["shots"] if s["status"] == "ok"]
    stages: dict[str, list[float]] = {}
    for shot in ok:
        for stage_name, value in shot["seconds"].items():
            stages.setdefault(stage_name, []).append(value)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    import bpy

    rendered = f"{args.render_frames} frames each at 320x180" if args.render else "no"
    print(f"duet batch benchmark: {args.shots} shots of {args.seconds:.0f} s, render: {rendered}")
    print(f"  Blender {bpy.app.version_string}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"  weights: {weights_note}")
    print(f"  set-up (pair .blend, audio): {prepare_s:.1f} s (not timed below)")
    print(f"  exit code {code}: {len(ok)}/{args.shots} shots ok in {wall:.1f} s")
    if ok:
        print(f"  shots per minute: {60.0 * len(ok) / wall:.2f}")
        print(f"  seconds of voice-over baked per second: {len(ok) * args.seconds / wall:.2f}")
        for stage_name, values in stages.items():
            print(f"  mean {stage_name:>8}: {np.mean(values):6.2f} s  (max {np.max(values):.2f})")
    for shot in summary["shots"]:
        if shot["status"] != "ok":
            print(f"  {shot['name']}: {shot['status']}: {shot['error']}")
    print(f"  peak memory (RSS): {peak_mib:.0f} MiB")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
