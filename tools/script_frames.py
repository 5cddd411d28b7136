"""Where a script-assisted take loses who-speaks frames, clip by clip.

    nice -n 5 .venv/bin/python tools/script_frames.py --corpus corpus/test7 [--clips 6] [--stems]
    nice -n 5 .venv/bin/python tools/script_frames.py --corpus corpus/full --split validation  # to develop on
    nice -n 5 .venv/bin/python tools/script_frames.py --real ../shared/eval/real

Runs the model with each clip's script (as `eval --script` does: perform(..., script=...)),
and splits the frames whose class (none / A / B / both, speaking > 0.5) differs from the truth:
- line/role: inside a confidently placed line, the take says the wrong character;
- line/extra: inside such a line, someone is said to speak where nobody does (or both);
- line/missed: inside such a line, the speaker is not said to speak;
- weak: inside a line placed with low confidence (its roles follow the network);
- out/...: outside every placed line (speech the script does not place: misplaced or lost
  lines, overlaps), split the same way.
Also prints the accuracy of the anchor itself where it is known, the leakage, and the share of the
script's lines placed with start and end within 0.5 s of where they are spoken (as eval --script).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FPS = 50


def _classes(speaking: np.ndarray) -> np.ndarray:
    s = np.asarray(speaking) > 0.5
    return s[:, 0].astype(np.int64) + 2 * s[:, 1].astype(np.int64)


def _kind(truth: int, pred: int) -> str:
    if truth == 0:
        return "extra"
    if pred == 0:
        return "missed"
    if truth == 3 or pred == 3:
        return "overlap" if truth == 3 else "extra"
    return "role"


def clip_report(clip, stems: bool, weights: Path) -> tuple[Counter, dict]:
    from duet.model import generation
    from duet.model.lips.visemes import lip_aperture
    from duet.model.script import parse_script, take
    from duet.model.script import placement as pl

    captured = {}
    inner = take.align_script

    def spy(*args, **kwargs):
        captured["aligned"] = inner(*args, **kwargs)
        return captured["aligned"]

    take.align_script = spy
    try:
        x = clip.stems16k if stems else clip.audio16k
        perf = generation.perform(
            x,
            conditioning=clip.ref.conditioning,
            runtime="numpy",
            seed=0,
            weights=weights,
            script=parse_script(clip.script, source=clip.name),
        )
    finally:
        take.align_script = inner
    aligned = captured["aligned"]
    speaking = np.stack([perf.speaking[r] for r in ("A", "B")], axis=1)
    n = min(len(speaking), len(clip.ref.speaking))
    truth = _classes(clip.ref.speaking[:n])
    pred = _classes(speaking[:n])
    strong = np.zeros(n, dtype=bool)
    weak = np.zeros(n, dtype=bool)
    for t in perf.lines:
        s, e = int(round(t.start * FPS)), int(round(t.end * FPS))
        (strong if t.confidence >= pl.LOW_CONFIDENCE else weak)[s:e] = True
    weak &= ~strong
    c: Counter = Counter()
    c["frames"] = n
    c["correct"] = int((truth == pred).sum())
    for i in np.flatnonzero(truth != pred):
        where = "line" if strong[i] else "weak" if weak[i] else "out"
        c[f"{where}/{_kind(int(truth[i]), int(pred[i]))}"] += 1
    extra = {}
    if aligned.anchor is not None:
        known = aligned.anchor[:n, 0, 0] > 0
        ac = _classes(aligned.anchor[:n, :, 1])
        extra["anchor_known"] = int(known.sum())
        extra["anchor_right"] = int((ac[known] == truth[known]).sum())
        extra["net_right_on_known"] = int((pred[known] == truth[known]).sum())
    blend = np.stack([perf.blendshapes[r] for r in ("A", "B")], axis=1)[:n]
    ap = lip_aperture(blend.astype(np.float64))
    spk = clip.ref.speaking[:n] > 0.5
    only = [spk[:, r] & ~spk[:, 1 - r] for r in range(2)]
    extra["leak_l"] = float(sum(ap[only[r], 1 - r].sum() for r in range(2)))
    extra["leak_s"] = float(sum(ap[only[r], r].sum() for r in range(2)))
    extra["truth_speech"] = int((truth > 0).sum())
    extra["lines"] = len(perf.lines)
    extra["script_lines"] = len(clip.script_refs)
    from duet.model.training.eval_script import line_counts

    extra["well_placed"] = line_counts(perf, clip.script_refs, None)["script_well_placed"]
    return c, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--real", type=Path, default=None)
    parser.add_argument("--clips", type=int, default=None, help="first N synthetic clips")
    parser.add_argument("--split", default="test", help="corpus split (validation to develop on)")
    parser.add_argument("--only", default=None, help="comma-separated clip names")
    parser.add_argument("--stems", action="store_true", help="stems instead of the mix")
    parser.add_argument("--weights", type=Path, default=ROOT / "assets" / "duet_model.npz")
    args = parser.parse_args(argv)
    from duet.model.training import evaluate

    clips = []
    if args.corpus is not None:
        clips += evaluate.synthetic_clips(args.corpus, args.clips, args.split)
    if args.real is not None:
        clips += evaluate.real_clips(args.real).get("real_conversation", [])
    if args.only:
        keep = set(args.only.split(","))
        clips = [c for c in clips if c.name in keep]
    if not clips:
        print("error: no clips: pass --corpus and/or --real", file=sys.stderr)
        return 2
    total: Counter = Counter()
    tx: Counter = Counter()
    for clip in clips:
        if not clip.script:
            continue
        c, extra = clip_report(clip, args.stems, args.weights)
        total.update(c)
        tx.update({k: v for k, v in extra.items()})
        errs = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if "/" in k)
        anchor = ""
        known = extra.get("anchor_known", 0)
        if known:
            anchor = (
                f" anchor known {known} right {extra['anchor_right'] / known:.3f}"
                f" net there {extra['net_right_on_known'] / known:.3f}"
            )
        leak = extra["leak_l"] / max(extra["leak_s"], 1e-9)
        print(
            f"{clip.name} {clip.language}: acc {c['correct'] / c['frames']:.3f} ({c['frames']} f, "
            f"lines {extra['lines']}/{extra['script_lines']}) leak {leak:.3f}{anchor} | {errs}",
            flush=True,
        )
    errs = ", ".join(f"{k} {v / total['frames']:.4f}" for k, v in sorted(total.items()) if "/" in k)
    print(
        f"ALL: acc {total['correct'] / total['frames']:.4f} leak {tx['leak_l'] / tx['leak_s']:.4f}; "
        f"script lines placed within 0.5 s (start and end, as eval --script) {tx['well_placed']} of "
        f"{tx['script_lines']} = {tx['well_placed'] / max(tx['script_lines'], 1):.3f}"
    )
    if tx["anchor_known"]:
        print(
            f"anchor known {tx['anchor_known'] / total['frames']:.3f} of frames, right "
            f"{tx['anchor_right'] / tx['anchor_known']:.4f}, network there "
            f"{tx['net_right_on_known'] / tx['anchor_known']:.4f}"
        )
    print(f"errors (share of all frames): {errs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
