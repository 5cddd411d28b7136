"""Real lips of candidate networks on development readers (issue 13): choose here, report in heldout.

    .venv/bin/python tools/probe_lips.py --model assets/duet_model.npz --model runs/ft1/model.npz

The real-voice corpus's validation readers (train-clean-100 readers training never heard, one
reading each), scored as `python -m duet.model.training heldout` scores its real-lips row on the
held-out test-other readers (model/training/heldout_lips.py: pocketsphinx's accepted words only,
roles "A"). Choosing between candidates on these readers keeps the held-out row a report.
--heldout scores the held-out readers as well (to check a choice, not to make it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "librispeech_voices"
KEYS = (
    ("closure_release_error_ms", "p/b/m release (ms)"),
    ("closure_recall", "p/b/m recall"),
    ("closure_precision", "closure precision"),
    ("rounding_contrast", "rounding"),
    ("lip_sync_error_ms", "lip-sync error (ms)"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", required=True, help="weights .npz (repeat)")
    parser.add_argument("--data", type=Path, default=DATA, help="the librispeech_voices folder")
    parser.add_argument("--heldout", action="store_true", help="also the held-out test-other readers")
    parser.add_argument("--energy-jaw", action="store_true", help="also the loudness floor")
    args = parser.parse_args(argv)
    if not (args.data / "train-clean-100").is_dir():
        print(f"error: {args.data}/train-clean-100 not found: pass --data", file=sys.stderr)
        return 2
    from duet.model.training import heldout_lips

    sets = {"development": heldout_lips.development_readings(args.data)}
    if args.heldout:
        sets["held-out"] = heldout_lips.held_out_readings(args.data)
    systems = {str(m): heldout_lips.model_mouth(m) for m in args.model}
    if args.energy_jaw:
        systems["energy-jaw"] = heldout_lips.energy_jaw_mouth
    for set_name, readings in sets.items():
        words = sum(len(r.words) for r in readings)
        print(f"\n{set_name}: {len(readings)} readings, {words} accepted words")
        print("| system | p/b/m | " + " | ".join(label for _, label in KEYS) + " | s |")
        print("|---|---|" + "---|" * (len(KEYS) + 1))
        for name, mouth in systems.items():
            t = time.perf_counter()
            fig = heldout_lips.score_readings(readings, mouth)
            cells = " | ".join("–" if fig[k] is None else f"{fig[k]:.3g}" for k, _ in KEYS)
            print(f"| {name} | {fig['closures']} | {cells} | {time.perf_counter() - t:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
