"""`python -m duet.model.training corpus --out DIR --minutes M --seed S`: build the corpus."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .corpus import DEFAULT_FRACTIONS, SHARD_SECONDS, SPLITS, CorpusError, build_corpus, default_workers


def _fractions(text: str) -> dict[str, float]:
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--fractions takes three numbers like 0.9,0.05,0.05 (got {text!r})"
        ) from None
    if len(values) != len(SPLITS) or any(v < 0 for v in values) or sum(values) <= 0:
        raise argparse.ArgumentTypeError(
            f"--fractions takes {len(SPLITS)} non-negative numbers for {'/'.join(SPLITS)} (got {text!r})"
        )
    return dict(zip(SPLITS, values, strict=True))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Synthesise the two-speaker dialogue corpus into npz shards (docs/CORPUS.md)."
    parser.add_argument("--out", type=Path, required=True, help="output folder (new or empty)")
    parser.add_argument("--minutes", type=float, required=True, help="minutes of dialogue over all splits")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (same seed, same bytes)")
    parser.add_argument("--workers", type=int, default=default_workers(), help="worker processes (default 2)")
    parser.add_argument(
        "--fractions",
        type=_fractions,
        default=DEFAULT_FRACTIONS,
        help="train,validation,test shares of the minutes (default 0.9,0.05,0.05)",
    )
    parser.add_argument(
        "--shard-minutes", type=float, default=SHARD_SECONDS / 60.0, help="audio per shard (default 10)"
    )


def run(args: argparse.Namespace) -> int:
    command = "python -m duet.model.training corpus " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if not args.shard_minutes > 0:
        print("error: --shard-minutes must be positive", file=sys.stderr)
        return 2
    try:
        report = build_corpus(
            args.out,
            minutes=args.minutes,
            seed=args.seed,
            workers=args.workers,
            fractions=args.fractions,
            shard_seconds=args.shard_minutes * 60.0,
            command=command,
        )
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for split, secs in report.seconds.items():
        print(f"{split:>10}: {report.clips[split]} clips, {secs / 60:.1f} min")
    print(
        f"total {report.total_seconds / 60:.1f} min in {report.wall:.0f} s wall: "
        f"{report.total_seconds / max(report.wall, 1e-9):.0f}x real time with {args.workers} workers "
        f"({report.total_seconds / max(report.clip_wall, 1e-9):.0f}x per worker)"
    )
    print(
        f"CPU: {report.cpu:.0f} s, {report.total_seconds / max(report.cpu, 1e-9):.0f}x real time per CPU "
        "second (what an otherwise idle core achieves)"
    )
    print(f"wrote {args.out}/manifest.json")
    return 0
