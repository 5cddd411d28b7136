"""Does the take tell its own script from another take's? Correct vs wrong scripts, per language.

    nice -n 5 .venv/bin/python tools/script_mismatch.py --corpus corpus/test7 --real ../shared/eval/real
        [--max-clips N] [--only test-000002,...] [--no-stems | --stems-only] [--partner N]
        [--attribution] [-v]

For every clip of the synthetic split (the mix, and the stems unless --no-stems) and the real rows
(bobby, mary, jfk: one-line scripts; ami_dev00), the take's script alignment
(duet.model.script.take.align_script, voice vectors from the shipped model) is made twice:
- with the clip's own script: it should be kept (**correct accepted**);
- with a wrong script: the script of the next clip in the same language (cyclic, in split order;
  --partner 2: the one after it, to check the bands on pairs they were not chosen on;
  a language with one clip borrows from the next clip of its writing system: Latin, CJK), for the
  real rows the next real row's script (ami_dev00: the last English synthetic clip's). It should
  be set aside, or none of its lines used for roles (**wrong caught**).
Prints a row per take (verdict, measures, -v: the reason) and the shares per language and mode.

--attribution also runs the whole take (perform(..., script=...)) with each correct script and
audio-only, and prints who-speaks attribution (frame accuracy of none / A / B / both, as
`eval --script`) for synthetic_mixed, synthetic_stems and ami_dev00.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GROUP = {"en": "en", "cmn": "cjk", "ja": "cjk", "zh": "cjk"}


def wrong_partner(i: int, languages: list[str], nth: int = 1) -> int | None:
    """Index of the clip whose script is clip i's wrong script: the nth next clip (cyclic) of the
    same language, else of the same writing system (wrapping among them); None when there is none."""
    n = len(languages)
    order = [(i + k) % n for k in range(1, n)]
    for same in (
        lambda j: languages[j] == languages[i],
        lambda j: GROUP.get(languages[j], "latin") == GROUP.get(languages[i], "latin"),
    ):
        hits = [j for j in order if same(j)]
        if hits:
            return hits[(nth - 1) % len(hits)]
    return None


def kept_lines(aligned) -> int:
    """Lines of an alignment that set roles (confidence at the anchor's threshold)."""
    from duet.model.script import placement as pl

    if aligned.anchor is None:
        return 0
    return sum(t.confidence >= pl.LOW_CONFIDENCE for t in aligned.lines)


def attribution(perf, truth: np.ndarray) -> tuple[int, int]:
    from duet.model.training import metrics

    speaking = np.stack([perf.speaking[r] for r in ("A", "B")], axis=1)
    n = min(len(speaking), len(truth))
    return int((metrics.classes(speaking[:n]) == metrics.classes(truth[:n])).sum()), n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--real", type=Path, default=None)
    parser.add_argument("--max-clips", type=int, default=None, help="first N synthetic clips")
    parser.add_argument("--only", default=None, help="comma-separated clip names")
    parser.add_argument("--no-stems", action="store_true", help="no stems takes")
    parser.add_argument("--stems-only", action="store_true", help="only the synthetic clips' stems takes")
    parser.add_argument("--attribution", action="store_true", help="also who-speaks of the correct scripts")
    parser.add_argument(
        "--partner", type=int, default=1, help="wrong script: the Nth next clip of the language (default 1)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print each verdict's reason")
    parser.add_argument("--weights", type=Path, default=ROOT / "assets" / "duet_model.npz")
    args = parser.parse_args(argv)
    from duet.model import generation
    from duet.model.script import parse_script, take
    from duet.model.training import evaluate

    synthetic = evaluate.synthetic_clips(args.corpus, args.max_clips) if args.corpus else []
    synthetic = [c for c in synthetic if c.script]
    real = []
    if args.real is not None:
        got = evaluate.real_clips(args.real)
        real = [c for key in ("real_aligned", "real_conversation", "real_speech") for c in got.get(key, [])]
        real = [c for c in real if c.script]
    if not synthetic and not real:
        print("error: no clips with scripts: pass --corpus and/or --real", file=sys.stderr)
        return 2
    langs = [c.language for c in synthetic]
    jobs = []  # (clip, dataset, mode, language, wrong script)
    for i, clip in enumerate(synthetic):
        j = wrong_partner(i, langs, args.partner)
        wrong = synthetic[j].script if j is not None else None
        jobs.append((clip, "synthetic_mixed", "mixed", clip.language, wrong))
        if not args.no_stems and clip.stems16k is not None:
            jobs.append((clip, "synthetic_stems", "stems", clip.language, wrong))
    english = [c for c in synthetic if c.language == "en"]
    for i, clip in enumerate(real):
        if clip.name == "ami_dev00" and english:
            wrong = english[-1].script
        else:
            others = [c for c in real if c.name != "ami_dev00" and c is not clip]
            wrong = others[i % len(others)].script if others else None
        jobs.append((clip, f"real:{clip.name}", "mixed", "en(real)", wrong))
    if args.stems_only:
        jobs = [j for j in jobs if j[2] == "stems"]
    if args.only:
        keep = set(args.only.split(","))
        jobs = [j for j in jobs if j[0].name in keep]
    _, rt = generation.get_runtime("numpy", args.weights)
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # ok, n, caught, n
    attr: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # script right, audio-only right, frames
    t0 = time.perf_counter()
    for clip, dataset, mode, lang, wrong in jobs:
        x = clip.stems16k if mode == "stems" else clip.audio16k
        key = (lang, "stems" if mode == "stems" else ("real" if dataset.startswith("real") else "mixed"))
        for kind, text in (("correct", clip.script), ("wrong", wrong)):
            if not text:
                continue
            aligned = take.align_script(parse_script(text, source=clip.name), x, rt)
            used = kept_lines(aligned)
            kept = aligned.anchor is not None and used > 0
            t = tally[key]
            if kind == "correct":
                t[0] += int(kept)
                t[1] += 1
            else:
                t[2] += int(not kept)
                t[3] += 1
            check = getattr(aligned, "check", None)  # None: set aside (or code from before the check)
            measures = " ".join(f"{k} {v:.2f}" for k, v in (check.measures if check else {}).items())
            verdict = check.verdict if check else "set aside"
            ok = kept == (kind == "correct")
            print(
                f"{clip.name} {mode:5} {lang:8} {kind:7} {'ok ' if ok else 'BAD'} "
                f"{'kept' if kept else 'set aside'} ({verdict}; {used}/{len(parse_script(text).lines)} lines "
                f"used, {aligned.aligned_lines} aligned) {measures}",
                flush=True,
            )
            if args.verbose and aligned.notes:
                print(f"    {aligned.notes[0]}", flush=True)
        if args.attribution and clip.ref.speaking is not None:
            name = "ami_dev00" if clip.name == "ami_dev00" else dataset
            if dataset.startswith("real") and clip.name != "ami_dev00":
                continue
            script = parse_script(clip.script, source=clip.name)
            kwargs = dict(conditioning=clip.ref.conditioning, runtime="numpy", seed=0, weights=args.weights)
            right, n = attribution(generation.perform(x, script=script, **kwargs), clip.ref.speaking)
            plain, _ = attribution(generation.perform(x, **kwargs), clip.ref.speaking)
            a = attr[name]
            a[0] += right
            a[1] += plain
            a[2] += n
            print(f"    attribution {right / n:.3f} (audio-only {plain / n:.3f})", flush=True)
    print(f"\n{len(jobs)} takes in {time.perf_counter() - t0:.0f} s")
    print("language  mode   correct accepted   wrong caught")
    totals = [0, 0, 0, 0]
    for (lang, mode), t in sorted(tally.items()):
        totals = [a + b for a, b in zip(totals, t, strict=True)]
        acc = f"{t[0]}/{t[1]} = {t[0] / t[1]:.2f}" if t[1] else "-"
        caught = f"{t[2]}/{t[3]} = {t[2] / t[3]:.2f}" if t[3] else "-"
        print(f"{lang:9} {mode:6} {acc:18} {caught}")
    print(
        f"ALL              {totals[0]}/{totals[1]} = {totals[0] / max(totals[1], 1):.3f}   "
        f"{totals[2]}/{totals[3]} = {totals[2] / max(totals[3], 1):.3f}"
    )
    for name, a in sorted(attr.items()):
        print(f"attribution {name}: +script {a[0] / a[2]:.4f}, audio-only {a[1] / a[2]:.4f} ({a[2]} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
