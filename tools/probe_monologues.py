"""One voice only, on development readers: how much of a monologue the audio-only take gives to B.

    .venv/bin/python tools/probe_monologues.py [--unseen corpus/real] [--readers 20]

Each monologue is one train-clean-100 reader that the real-voice corpus (--unseen CORPUS) never
uses, its phrases laid out with pauses as the held-out real_monologues are
(heldout_monologues.compose_monologue, seed 77, 20-35 s; no burst). Runs generation.perform on each
(audio only, no roles) and prints the share of its speech frames given to B, and how many were
split (B given more than 10 %). The held-out monologues (python -m duet.model.training heldout)
are test-other readers; these are for choosing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unseen", type=Path, default=ROOT / "corpus" / "real")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "librispeech_voices")
    parser.add_argument("--readers", type=int, default=20)
    args = parser.parse_args(argv)

    from probe_overlaps import unseen_files

    from duet.model import generation
    from duet.model.training import heldout
    from duet.model.training.heldout_monologues import compose_monologue
    from duet.model.training.heldout_recordings import read_flac

    shares = []
    for i, path in enumerate(unseen_files(args.data, args.unseen)[: args.readers]):
        pieces = heldout.reading_pieces(read_flac(path), path.stem)
        if not pieces["phrase"]:
            continue
        d = compose_monologue(f"mono-{i}", pieces, path.stem, "", 77, i, (20.0, 35.0))
        perf = generation.perform(d.audio16k, runtime="numpy", seed=0)
        said_b = perf.speaking["B"] > 0.5
        n = min(len(said_b), len(d.truth))
        speech = d.truth[:n, 0] > 0
        share = float((said_b[:n] & speech).sum() / max(1, speech.sum()))
        shares.append(share)
        print(f"{d.name} {path.stem}: share given to B {share:.3f}", flush=True)
    if not shares:
        print("error: no monologue could be composed", file=sys.stderr)
        return 2
    split = sum(s > 0.1 for s in shares)
    print(f"{len(shares)} monologues: split {split}, mean share given to B {float(np.mean(shares)):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
