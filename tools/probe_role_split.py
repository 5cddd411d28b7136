"""How much weight the voice print gets beside the voice vectors when a mix's two voices are split
(diarization.join_prints, PRINT_WEIGHT), read on development takes that no evaluation row uses.

    .venv/bin/python tools/probe_role_split.py [--voiceprint assets/duet_voiceprint.npz]

- real: the 19 two-voice conversations of tools/probe_voice_count.py (LibriSpeech train-clean-100
  readers composed as heldout.real_pairs composes them). Those readers are in the print's training
  windows (corpus/real), so these figures flatter the print;
- synthetic: the mixes of corpus/full's validation split (the training run's own validation clips;
  the roles relabelled so that A is the first to speak, as the runtime seeds them).

For each weight it runs what mix_roles.audio_roles runs (the voice vectors decide one voice or
two, the joined vectors split two) and prints the anchor's accuracy on the frames it assigns where
exactly one voice speaks, the takes below 0.8 and below 0.3 (a swap). Weight 0 is the split
without prints.

--resplit: the second split (mix_roles.audio_roles splits a take again with the prints weighing
diarization.RESPLIT_PRINT_WEIGHT when the first split's two voices have prints more alike than
diarization.RESPLIT_PRINT_COS): per take, the first split's print likeness and the anchor accuracy
of both splits, then the totals of the rule at a few thresholds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
WEIGHTS = (0.0, 0.75, 1.0, 1.25, 1.5, 2.0)


def synthetic_takes(corpus: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    from duet.model.training import evaluate

    out = []
    for c in evaluate.synthetic_clips(corpus, None, split="validation"):
        truth = c.ref.speaking > 0.5
        first = [np.flatnonzero(truth[:, r])[0] if truth[:, r].any() else len(truth) for r in range(2)]
        out.append((c.name, c.audio16k, truth[:, ::-1] if first[1] < first[0] else truth))
    return out


def take_voices(rt, prints, x: np.ndarray) -> tuple:
    """What audio_roles reads of a take: the first-voice seed, voiced frames, voice vectors, the
    split on them alone (anchor, report), the voice prints' window vectors and frame prints."""
    from duet.model import diarization, features, voiceprint, windowing

    n = features.n_model_frames(len(x))
    seed = windowing.first_voice_anchor(x, n, role=0)
    voiced = windowing.voiced_frames(x, n)
    emb = diarization.voice_track(rt, x, n)
    alone = diarization.assign_roles(emb, voiced, seed)
    vectors, starts = prints.prints(x, voiced)
    return seed, voiced, emb, alone, vectors, voiceprint.frame_prints(vectors, starts, n)


def anchor_counts(anchor: np.ndarray, truth: np.ndarray) -> tuple[int, int]:
    """(frames assigned where exactly one voice speaks, of them given to that voice's role)."""
    n = min(len(anchor), len(truth))
    single = truth[:n, 0] != truth[:n, 1]
    known = (anchor[:n, 0, 0] > 0) & single
    said_a = anchor[:n, 0, 1] > 0.5
    return int(known.sum()), int((said_a[known] == truth[:n, 0][known]).sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voiceprint", type=Path, default=ROOT / "assets" / "duet_voiceprint.npz")
    parser.add_argument("--model", type=Path, default=ROOT / "assets" / "duet_model.npz")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "full")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "librispeech_voices")
    parser.add_argument("--resplit", action="store_true", help="the second split's rule instead of weights")
    args = parser.parse_args(argv)
    import probe_voice_count

    from duet.model import diarization, voiceprint
    from duet.model.generation import get_runtime

    prints = voiceprint.VoicePrint.load(args.voiceprint)
    _, rt = get_runtime("numpy", args.model)
    sets = {
        "real": [(d.name, d.audio16k, d.truth) for d in probe_voice_count.dev_pairs(args.data)],
        "synthetic": synthetic_takes(args.corpus),
    }
    if args.resplit:
        return resplit(sets, rt, prints)
    for name, takes in sets.items():
        totals = {w: [0, 0, 0, 0] for w in WEIGHTS}  # assigned, right, takes < 0.8, takes < 0.3
        for _take, x, truth in takes:
            seed, voiced, emb, (alone, info), vectors, frame_prints = take_voices(rt, prints, x)
            for w in WEIGHTS:
                anchor = alone
                if w > 0 and info["voices"] == 2 and len(vectors):
                    joined = diarization.join_prints(emb, frame_prints, w)
                    anchor, _ = diarization.assign_roles(joined, voiced, seed, one_voice=False)
                known, right = anchor_counts(anchor, truth)
                acc = right / max(1, known)
                t = totals[w]
                t[0] += known
                t[1] += right
                t[2] += acc < 0.8
                t[3] += acc < 0.3
        print(f"{name} ({len(takes)} takes)")
        for w, (known, right, low, swapped) in totals.items():
            print(
                f"  weight {w:4.2f}: anchor accuracy {right / max(1, known):.3f}, "
                f"takes below 0.8: {low}, below 0.3: {swapped}"
            )
    return 0


RESPLIT_THRESHOLDS = (0.8, 0.84, 0.86, 0.88, 0.9, 0.92)


def resplit(sets: dict, rt, prints) -> int:
    from duet.model import diarization
    from duet.model.mix_roles import audio_roles

    for name, takes in sets.items():
        rows = []  # (print likeness of the first split, its accuracy, the second split's)
        shipped = []  # (the first split's accuracy, mix_roles.audio_roles's: seed trimmed, split again)
        for take, x, truth in takes:
            seed, voiced, emb, (_, info), vectors, frame_prints = take_voices(rt, prints, x)
            if info["voices"] != 2 or not len(vectors):
                continue
            n = len(voiced)
            splits = []
            for w in (diarization.PRINT_WEIGHT, diarization.RESPLIT_PRINT_WEIGHT):
                joined = diarization.join_prints(emb, frame_prints, w)
                anchor, _ = diarization.assign_roles(joined, voiced, seed, one_voice=False)
                known, right = anchor_counts(anchor, truth)
                splits.append((anchor, right / max(1, known)))
            likeness = diarization.role_likeness(frame_prints, splits[0][0])
            if likeness is None:
                continue
            if diarization.role_likeness(frame_prints, splits[1][0]) is None:
                splits[1] = splits[0]  # a role left without frames: audio_roles keeps the first
            rows.append((likeness, splits[0][1], splits[1][1]))
            final, report = audio_roles(rt, x, n, seed)
            known, right = anchor_counts(final, truth)
            shipped.append((splits[0][1], right / max(1, known)))
            a, b = splits[0][1], splits[1][1]
            print(
                f"  {name} {take}: prints {likeness:.3f}, accuracy {a:.3f} -> {b:.3f}; audio_roles "
                f"{shipped[-1][1]:.3f} (seed frames trimmed: {report.get('seed_frames_trimmed', 0)})"
            )
        print(f"{name} ({len(rows)} takes split in two)")
        first = np.array([r[1] for r in rows])
        for t in RESPLIT_THRESHOLDS:
            acc = np.array([r[2] if r[0] > t else r[1] for r in rows])
            print(
                f"  split again above {t:.2f}: {sum(r[0] > t for r in rows)} takes, mean accuracy "
                f"{first.mean():.3f} -> {acc.mean():.3f}, takes below 0.8: {(first < 0.8).sum()} -> "
                f"{(acc < 0.8).sum()}, below 0.3: {(first < 0.3).sum()} -> {(acc < 0.3).sum()}"
            )
        final = np.array([b for _, b in shipped])
        print(
            f"  audio_roles as shipped: mean accuracy {first.mean():.3f} -> {final.mean():.3f}, takes below "
            f"0.8: {(first < 0.8).sum()} -> {(final < 0.8).sum()}, below 0.3: {(first < 0.3).sum()} -> "
            f"{(final < 0.3).sum()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
