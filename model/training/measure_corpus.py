"""Corpus measures: generation speed and the teacher / turn-taking statistics beside their aims.

    python -m duet.model.training measure --minutes 5 --seed 7

Builds a corpus of `--minutes` with the real pipeline (worker processes, shards,
manifest) into a temporary folder (or `--keep DIR`), times it, reads every clip back,
re-runs the teacher from the shard contents (checking that it reproduces the stored
targets) to get its event statistics, and prints:
- speed: seconds of dialogue per second of wall time (aim >= 30x on 2 cores);
- the teacher checks (p/b/m closure, gaze fractions, blink rates, staging holds), each
  beside the published value it aims for;
- overlap fraction (both speak / anyone speaks; aim 5-15 %);
- the floor-transfer (gap) distribution (Stivers et al. 2009: mode near +200 ms);
- clip lengths, languages and how many clips carry staging.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from .composer import overlap_fraction, transfer_offsets
from .corpus import CorpusError, build_corpus, default_workers
from .corpus_read import iter_clips

SPEED_AIM = 30.0
OVERLAP_AIM = (0.05, 0.15)
FTO_MEDIAN_AIM_S = 0.2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Generate a small corpus and print speed and teacher statistics beside their aims."
    parser.add_argument("--minutes", type=float, default=5.0, help="minutes to generate (default 5)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the corpus here instead of a temp folder"
    )


def _histogram(values: np.ndarray, lo: float, hi: float, step: float, width: int = 40) -> list[str]:
    edges = np.arange(lo, hi + step / 2, step)
    clipped = np.clip(values, lo, hi - 1e-9)
    counts, _ = np.histogram(clipped, bins=edges)
    top = max(1, counts.max())
    rows = []
    for k, c in enumerate(counts):
        a, b = edges[k], edges[k + 1]
        label = f"{a * 1000:+6.0f}..{b * 1000:+5.0f} ms"
        if k == 0:
            label = f"  <= {b * 1000:+5.0f} ms    "
        if k == len(counts) - 1:
            label = f"  >= {a * 1000:+5.0f} ms    "
        rows.append(f"  {label} {c:4d} {'#' * int(round(width * c / top))}")
    return rows


def measure(corpus_dir: Path, minutes: float, seed: int, workers: int) -> str:
    """Build, read back and report (returns the printed text)."""
    from .teacher import combine, format_checks, teach, teacher_checks

    lines: list[str] = []
    say = lines.append
    t0 = time.perf_counter()
    report = build_corpus(
        corpus_dir,
        minutes=minutes,
        seed=seed,
        workers=workers,
        command=f"measure --minutes {minutes:g} --seed {seed}",
        log=lambda _msg: None,
    )
    wall = time.perf_counter() - t0
    total = report.total_seconds
    say(f"corpus: {total / 60:.2f} min of dialogue in {sum(report.clips.values())} clips, seed {seed}")
    say(
        f"speed: {total / wall:.1f}x real time on {workers} worker processes "
        f"({wall:.1f} s wall; aim >= {SPEED_AIM:.0f}x); per worker {total / report.clip_wall:.1f}x"
    )
    load = os.getloadavg()[0]
    say(
        f"  CPU: {report.cpu:.1f} s, {total / max(report.cpu, 1e-9):.1f}x real time per CPU second, so "
        f"{workers * total / max(report.cpu, 1e-9):.0f}x on {workers} otherwise idle cores "
        f"(load average during the run: {load:.1f} on {os.cpu_count()} cores)"
    )

    per_clip = []
    ftos: list[float] = []
    both = anyone = 0
    durations, languages, staged = [], Counter(), 0
    reproduced = True
    teach_wall = 0.0
    kinds: Counter = Counter()
    for clip in iter_clips(corpus_dir):
        a, b = clip.role_speech(0), clip.role_speech(1)
        t1 = time.perf_counter()
        out = teach(
            a, b, n_frames=clip.n_frames, conditioning=clip.conditioning, seed=clip.info["teacher_seed"]
        )
        teach_wall += time.perf_counter() - t1
        reproduced &= bool(np.array_equal(out.blendshapes.astype(np.float32), clip.blendshapes))
        per_clip.append(teacher_checks(out, a, b, clip.conditioning))
        ftos += list(transfer_offsets(clip.segments))
        n_both, n_any = overlap_fraction(clip.speaking)
        both, anyone = both + n_both, anyone + n_any
        durations.append(clip.seconds)
        languages[clip.language] += clip.seconds
        staged += int(bool(clip.staging))
        for r in range(2):
            kinds.update(k for _, _, k in clip.segments[r])
    say(
        f"teacher alone: {total / teach_wall:.0f}x real time (one core); re-run from shards reproduces "
        f"the stored targets: {'yes' if reproduced else 'NO'}"
    )
    say("")
    say("teacher checks (pooled over all clips and both roles):")
    say(format_checks(combine(per_clip)))
    say("")
    frac = both / anyone if anyone else float("nan")
    say(
        f"overlap: both speak {frac * 100:.1f} % of the time anyone speaks "
        f"(aim {OVERLAP_AIM[0] * 100:.0f}-{OVERLAP_AIM[1] * 100:.0f} %)"
    )
    f = np.asarray(ftos)
    if len(f):
        q = np.percentile(f, [10, 25, 50, 75, 90])
        say(
            f"floor transfers: {len(f)}; median {q[2] * 1000:+.0f} ms "
            f"(aim ~+{FTO_MEDIAN_AIM_S * 1000:.0f} ms, "
            f"Stivers et al. 2009); quartiles {q[1] * 1000:+.0f} / {q[3] * 1000:+.0f} ms; "
            f"10-90 % {q[0] * 1000:+.0f} / {q[4] * 1000:+.0f} ms"
        )
        say(
            f"  overlapping transitions (< 0): {np.mean(f < 0) * 100:.0f} %; gaps over 1 s: "
            f"{np.mean(f > 1.0) * 100:.0f} %"
        )
        lines.extend(_histogram(f, -1.0, 2.0, 0.2))
    d = np.asarray(durations)
    say("")
    say(
        f"clip lengths: median {np.median(d):.1f} s, 10-90 % {np.percentile(d, 10):.1f}-"
        f"{np.percentile(d, 90):.1f} s, min {d.min():.1f} s, max {d.max():.1f} s"
    )
    say(
        "languages (share of audio): "
        + ", ".join(f"{k} {v / total * 100:.0f} %" for k, v in languages.most_common())
    )
    say("segments: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    say(f"clips with staging: {staged} of {len(d)}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if not args.minutes > 0:
        print("error: --minutes must be positive", file=sys.stderr)
        return 2
    try:
        if args.keep is not None:
            text = measure(args.keep, args.minutes, args.seed, args.workers)
        else:
            with tempfile.TemporaryDirectory(prefix="duet-measure-") as tmp:
                text = measure(Path(tmp), args.minutes, args.seed, args.workers)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(text)
    return 0
