"""Benchmark and statistics of the procedural teacher on synthetic dialogues.

    .venv/bin/python tools/bench_teacher.py [--clips 10] [--seconds 60]

Prints seconds of dialogue taught per second of wall time (one core) and the
teacher checks pooled over the clips, each beside its published target.
"""

from __future__ import annotations

import argparse
import time

from duet.model.training.teacher import combine, format_checks, teach, teacher_checks
from duet.model.training.teacher.synthetic import synthetic_dialogue


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--phones-only", action="store_true", help="no stems: prosody from phones")
    args = parser.parse_args()
    per_clip = []
    wall = []
    for k in range(args.clips):
        a, b, n = synthetic_dialogue(seed=1000 + k, seconds=args.seconds, with_stems=not args.phones_only)
        teach(a, b, n_frames=n, seed=k)  # warm caches (phone table) before timing
        t0 = time.perf_counter()
        out = teach(a, b, n_frames=n, seed=k)
        wall.append(time.perf_counter() - t0)
        per_clip.append(teacher_checks(out, a, b))
    total = args.clips * args.seconds
    print(f"clips: {args.clips} x {args.seconds:.0f} s, stems: {not args.phones_only}")
    print(f"teacher wall time per clip: mean {sum(wall) / len(wall):.3f} s, max {max(wall):.3f} s")
    print(f"speed: {total / sum(wall):.0f}x real time (one core)")
    print(format_checks(combine(per_clip)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
