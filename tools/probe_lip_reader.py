"""Lips with and without the lip reader, on real readers (silver phones), for choosing weights.

    python tools/probe_lip_reader.py                       # the shipped lip reader, dev readers
    python tools/probe_lip_reader.py --weights runs/lr1/lip_reader_3000.npz --held-out
    python tools/probe_lip_reader.py --weights runs/lr5/lip_reader_4000.npz --pbm-weight 5
    python tools/probe_lip_reader.py --unseen corpus/real --closed-weight 1   # decoding constants
    python tools/probe_lip_reader.py --unseen corpus/real --channel 1         # through rooms and noise

Scores heldout_lips' measures (p/b/m release, recall, closure precision, rounding) of the shipped
network with read_lips off, and on, for each --weights given. The development readers
(train-clean-100 readers the corpora left out for validation) are the default, for choosing;
--held-out scores the test-other readers (docs/EVAL_HELDOUT.md's real_lips row), for reporting.
--unseen CORPUS adds the train-clean-100 readers that the real-voice corpus CORPUS never uses
(tools/probe_overlaps.py's; aligned once into corpus/unseen_reader_alignments.json): more
development p/b/m than the 20 validation readers hold. --channel SEED passes every reading through a
random room, noise and band (the training corpus's channels): the clean development readers
predicted the held-out closure precision badly (docs/EVAL.md "Session 15").
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO.parent))

from duet.model.training import heldout_lips  # noqa: E402

KEYS = (
    "closure_release_error_ms",
    "closure_recall",
    "closure_precision",
    "rounding_contrast",
    "lip_sync_error_ms",
)


def with_channels(readings: list, seed: int) -> list:
    """The readings each through a channel drawn as training draws them (about a fifth clean),
    seeded: the clean development readers flattered the decoding constants that the held-out
    test-other readers then judged (docs/EVAL.md "Session 15")."""
    import dataclasses

    from numpy.random import default_rng

    from duet.model.training import augment

    rng = default_rng(seed)
    out = []
    for r in readings:
        audio = augment.apply_channel(r.audio16k, augment.sample_channel(rng), rng)
        out.append(dataclasses.replace(r, audio16k=audio))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", type=Path, nargs="*", default=[None])
    parser.add_argument(
        "--held-out", action="store_true", help="the test-other readers instead of the dev readers"
    )
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "librispeech_voices")
    parser.add_argument(
        "--unseen", type=Path, default=None, help="a real-voice corpus: add the readers it never uses"
    )
    parser.add_argument(
        "--pbm-weight",
        type=float,
        default=None,
        help="decode with p/b/m weighing this many times (lip_reader.BILABIAL_BIAS; shipped: 3)",
    )
    parser.add_argument(
        "--closed-weight",
        type=float,
        default=None,
        help="lean p/b/m by the network's closure this much (lip_reader.CLOSED_WEIGHT)",
    )
    parser.add_argument(
        "--channel",
        type=int,
        default=None,
        metavar="SEED",
        help="pass each reading through a random room, noise and band (augment.sample_channel)",
    )
    args = parser.parse_args()
    from duet.model.lips import lip_reader

    if args.pbm_weight is not None:
        lip_reader.BILABIAL_BIAS = math.log(args.pbm_weight)
    if args.closed_weight is not None:
        lip_reader.CLOSED_WEIGHT = args.closed_weight
    constants = math.exp(lip_reader.BILABIAL_BIAS), lip_reader.CLOSED_WEIGHT
    print("p/b/m weight {:.3g}, closed weight {:g}".format(*constants))
    quiet = lambda *_: None  # noqa: E731
    if args.held_out:
        readings = heldout_lips.held_out_readings(args.data, log=quiet)
    else:
        readings = heldout_lips.development_readings(args.data, log=quiet)
        if args.unseen is not None:
            sys.path.insert(0, str(REPO / "tools"))
            from probe_overlaps import unseen_files

            cache = REPO / "corpus" / "unseen_reader_alignments.json"
            readings += heldout_lips.aligned_readings(unseen_files(args.data, args.unseen), cache, log=quiet)
    if args.channel is not None:
        readings = with_channels(readings, args.channel)
    print(f"{len(readings)} readings, {sum(len(r.words) for r in readings)} words scored")
    print("| system | " + " | ".join(KEYS) + " | s |")
    systems = [("network lips", False, None)] + [
        (str(w or "shipped lip reader"), True, w) for w in args.weights
    ]
    for name, on, w in systems:
        t0 = time.time()
        fig = heldout_lips.score_readings(readings, heldout_lips.model_mouth(None, on, w))
        cells = " | ".join(f"{fig[k]:.3g}" if fig[k] is not None else "-" for k in KEYS)
        print(f"| {name} | {cells} | {time.time() - t0:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
