"""`python -m duet.model.training corpus --out DIR --minutes M --seed S`: build the corpus."""

from __future__ import annotations

import argparse
import dataclasses
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
    real = parser.add_argument_group("real voices (docs/CORPUS.md, 'Real voices'; training only)")
    real.add_argument(
        "--real-voices",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="share of the train/validation minutes made of real-voice conversations (0-1; 1 = only "
        "real voices; the test split stays synthetic). Default 0: the synthetic corpus alone",
    )
    real.add_argument(
        "--librispeech",
        type=Path,
        default=None,
        help="librispeech_voices/ folder (default ../shared/data/librispeech_voices); only "
        "train-clean-100 is read, test-other is refused",
    )
    real.add_argument(
        "--fillets",
        type=Path,
        default=None,
        help="Fish Fillets data (default /usr/share/games/fillets-ng; apt-get install fillets-ng-data "
        "fillets-ng-data-cs fillets-ng-data-nl)",
    )
    real.add_argument(
        "--real-kinds",
        default="librispeech,fillets",
        help="which real sources to compose from (librispeech, fillets; comma-separated)",
    )
    real.add_argument(
        "--real-alignments",
        type=Path,
        default=None,
        help="pocketsphinx alignments of the LibriSpeech readings (JSON cache; made when missing, "
        "default OUT/real_alignments.json)",
    )


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--real-voices takes a share between 0 and 1 (got {text!r})"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"--real-voices takes a share between 0 and 1 (got {text!r})")
    return value


def _real_config(args: argparse.Namespace):
    from .real_voices import REAL_KINDS, RealVoiceConfig

    kinds = tuple(k.strip() for k in str(args.real_kinds).split(",") if k.strip())
    unknown = [k for k in kinds if k not in REAL_KINDS]
    if unknown or not kinds:
        raise CorpusError(f"--real-kinds takes {', '.join(REAL_KINDS)} (got {args.real_kinds!r})")
    config = RealVoiceConfig(kinds=kinds, alignment_cache=args.real_alignments)
    if args.librispeech is not None:
        config = dataclasses.replace(config, librispeech_root=args.librispeech)
    if args.fillets is not None:
        config = dataclasses.replace(config, fillets_root=args.fillets)
    return config


def run(args: argparse.Namespace) -> int:
    command = "python -m duet.model.training corpus " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if not args.shard_minutes > 0:
        print("error: --shard-minutes must be positive", file=sys.stderr)
        return 2
    try:
        real_config = _real_config(args) if args.real_voices > 0 else None
        report = build_corpus(
            args.out,
            minutes=args.minutes,
            seed=args.seed,
            workers=args.workers,
            fractions=args.fractions,
            shard_seconds=args.shard_minutes * 60.0,
            command=command,
            real_share=args.real_voices,
            real_config=real_config,
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
