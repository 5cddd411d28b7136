"""Benchmark of the bake's pure-numpy steps: retargeting, key reduction, head rotations.

    .venv/bin/python tools/bench_keyframes.py [--seconds 36] [--repeats 7]

Input: the procedural teacher's curves for a synthetic two-role dialogue at the
native 50 fps (36 s = 1800 frames per character), the closest stand-in for
model output that needs no weights. Prints wall and CPU time (best of the
repeats, and the median), key counts and the worst error of the reduced keys
evaluated as Blender does. Targets: retargeting 2 characters x 1800 frames well
under 50 ms; reducing all 2 x 52 curves x 1800 frames under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np

from duet.model import keyframes, pose, retarget
from duet.model.spec import ARKIT_NAMES, NATIVE_FPS
from duet.model.training.teacher import teach
from duet.model.training.teacher.synthetic import synthetic_dialogue

RIGS = {
    "ARKit 52 (linear)": list(ARKIT_NAMES),
    "Meta visemes (15, solved)": [
        f"viseme_{v}" for v in "sil PP FF TH DD kk CH SS nn RR aa E ih oh ou".split()
    ],
    "VRM 1.0 (solved + linear)": ["aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy"],
    "Rhubarb A-H,X (solved)": list("ABCDEFGHX"),
}


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """(best wall, median wall, best CPU) seconds of fn over repeats, after one warm-up call."""
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), float(np.median(walls)), min(cpus)


def ms(t: tuple[float, float, float]) -> str:
    return f"best {1000 * t[0]:7.1f} ms, median {1000 * t[1]:7.1f} ms (cpu {1000 * t[2]:7.1f} ms)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=36.0)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    a, b, n = synthetic_dialogue(seed=5, seconds=args.seconds, with_stems=False)
    out = teach(a, b, n_frames=n, seed=0)
    bs = [np.ascontiguousarray(out.blendshapes[:, r]) for r in range(2)]
    print(
        f"input: teacher curves, 2 characters x {n} frames at {NATIVE_FPS:.0f} fps ({n / NATIVE_FPS:.0f} s)"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, numpy {np.__version__}")

    print("\nretarget.apply, both characters:")
    for label, keys in RIGS.items():
        m = retarget.RetargetMap.default_for(retarget.detect(keys))
        t = timed(lambda m=m: [retarget.apply(m, y) for y in bs], args.repeats)
        print(f"  {label:28s} {ms(t)}")

    values = np.concatenate(bs, axis=1)  # (T, 104)
    frames = np.arange(n, dtype=np.float64)
    print(f"\nkeyframes.reduce_keys_many, {values.shape[1]} curves x {n} frames:")
    for tol in (0.001, 0.005, 0.01, 0.02):
        t = timed(lambda tol=tol: keyframes.reduce_keys_many(frames, values, tol, (0.0, 1.0)), args.repeats)
        keys = keyframes.reduce_keys_many(frames, values, tol, (0.0, 1.0))
        count = sum(len(k[0]) for k in keys)
        worst = max(
            float(np.abs(keyframes.evaluate_bezier(*k, frames) - values[:, j]).max())
            for j, k in enumerate(keys)
        )
        print(
            f"  tolerance {tol:<6} {ms(t)}  keys {count:6d} / {values.size} "
            f"({100 * count / values.size:4.1f}%), worst error {worst:.5f}"
        )
    t = timed(lambda: [keyframes.reduce_keys(frames, values[:, j], 0.005) for j in range(values.shape[1])], 3)
    print(f"  one curve at a time (tolerance 0.005): {ms(t)}")
    t = timed(lambda: [keyframes.dense_keys(frames, values[:, j]) for j in range(values.shape[1])], 3)
    print(f"  dense_keys, one curve at a time:        {ms(t)}")

    ypr = out.head[:, 0]
    fwd, left, up = np.array([0.0, 0, 1]), np.array([1.0, 0, 0]), np.array([0.0, 1, 0])  # a head bone's axes
    t = timed(lambda: pose.continuous(pose.character_rotation(ypr, fwd, left, up)), args.repeats)
    print(f"\npose.character_rotation + continuous, {n} frames: {ms(t)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
