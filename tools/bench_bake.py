"""Time to generate and bake a 60 s take on the default pair, numpy runtime.

    .venv/bin/python tools/bench_bake.py [--weights assets/duet_model.npz] [--seconds 60] [--repeats 3]

The voice-over is the bundled example dialogue (assets/example_dialogue.flac,
27 s, read with Blender's aud as the Generate button reads it) repeated to
--seconds, with its staging text; the scene is the default pair at 24 fps.
Prints, best of --repeats (other work on a shared machine only ever adds time):
- generate: duet.model.generate with the numpy runtime (features, network,
  staging solve, resampling to 24 fps), weights already loaded;
- bake: generate_flow.bake as the operator runs it (retarget, head/neck/eye solve, key
  reduction, curves written with foreach_set into a new take on NLA tracks,
  markers, sound strip), with reduced keys (the panel's default) and with a key
  on every frame;
- peak memory: Python/numpy allocations traced during one generate + bake
  (tracemalloc), and the process's peak RSS (Blender's own memory included).
Without trained weights it runs the default network with random weights
(needs torch; the speed is the same).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FPS = 24


def _weights(path: Path | None) -> tuple[Path, str]:
    from duet.model import weights

    path = path or weights.DEFAULT_WEIGHTS
    if path.is_file():
        return path, ""
    config, arrays = weights.random_weights()
    path = Path(tempfile.mkdtemp(prefix="duet-bench-")) / "random.npz"
    weights.save(path, config, arrays)
    return path, " (random weights: no trained model found)"


def _write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import bpy

    from duet.addon import audio as audio_io
    from duet.addon import generate_flow, rigs, stage
    from duet.addon.generate_request import GenerationRequest
    from duet.addon.headless import demo
    from duet.model import generate

    weights_path, note = _weights(args.weights)
    t0 = time.perf_counter()
    voice = audio_io.read_audio(demo.EXAMPLE_AUDIO, channels=1)
    t_read = time.perf_counter() - t0
    n = int(args.seconds * voice.sample_rate)
    samples = np.resize(voice.samples, n).astype(np.float32)  # the dialogue again and again
    staging = demo.EXAMPLE_STAGING.read_text(encoding="utf-8")
    tmp = Path(tempfile.mkdtemp(prefix="duet-bench-"))
    wav = tmp / "dialogue.wav"
    _write_wav(wav, samples, voice.sample_rate)
    names = {"A": "Mara", "B": "Theo"}

    def gen(seed: int = 0):
        return generate(
            samples,
            voice.sample_rate,
            staging=staging,
            fps=FPS,
            runtime="numpy",
            seed=seed,
            names=names,
            first_frame=1,
            weights=weights_path,
        )

    def fresh_plan(key_mode: str) -> tuple[bpy.types.Scene, generate_flow.Plan]:
        bpy.ops.wm.read_homefile(use_empty=True)
        scene = bpy.context.scene
        scene.render.fps, scene.render.fps_base = FPS, 1.0
        pair = stage.build_dialogue_pair(scene)
        characters = rigs.pair_from_objects(pair.characters["A"].rig, pair.characters["B"].rig)
        request = GenerationRequest(
            samples, voice.sample_rate, False, staging, float(FPS), 0, False, names, 1
        )
        plan = generate_flow.Plan(
            request=request,
            characters=characters,
            audio_paths=[wav],
            frame_start=1,
            bake_range=None,
            key_mode=key_mode,
            key_tolerance=0.01,
            head_strength=1.0,
            eye_strength=1.0,
        )
        return scene, plan

    print(
        f"Duet bake benchmark: {args.seconds:.0f} s take at {FPS} fps on the default pair, numpy runtime\n"
        f"weights: {weights_path}{note}\n"
        f"bpy {bpy.app.version_string}, numpy {np.__version__}, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    t0 = time.perf_counter()
    performance = gen()
    first = time.perf_counter() - t0
    best_gen = min(_timed(gen)[0] for _ in range(args.repeats))
    bakes = {}
    for mode in ("SPARSE", "DENSE"):
        times, keys = [], 0
        for _ in range(args.repeats):
            scene, plan = fresh_plan(mode)
            t0 = time.perf_counter()
            summary = generate_flow.bake(scene, plan, performance)
            times.append(time.perf_counter() - t0)
            keys = summary.keys
        bakes[mode] = (min(times), keys)

    scene, plan = fresh_plan("SPARSE")
    tracemalloc.start()
    generate_flow.bake(scene, plan, gen(1))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3

    print(f"read voice-over (aud, {voice.seconds:.0f} s flac): {t_read:.3f} s")
    print(
        f"generate: {best_gen:.3f} s = {args.seconds / best_gen:.0f}x real time "
        f"(first call, loading weights: {first:.2f} s)"
    )
    for mode, label in (("SPARSE", "reduced keys (tolerance 0.01)"), ("DENSE", "a key on every frame")):
        t, keys = bakes[mode]
        print(f"bake, {label}: {t:.3f} s, {keys} keys")
    total = best_gen + bakes["SPARSE"][0]
    verdict = "within" if total <= 3.0 else "over"
    print(f"generate + bake (reduced keys): {total:.3f} s ({verdict} the 3 s aim)")
    print(
        f"peak memory: {peak / 1e6:.0f} MB traced (Python/numpy) during generate + bake; "
        f"process peak RSS {rss:.0f} MB"
    )
    return 0


def _timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


if __name__ == "__main__":
    raise SystemExit(main())
