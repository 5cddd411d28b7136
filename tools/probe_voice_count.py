"""Can a voice model tell a recording of one voice from a conversation of two? (issue 13)

    .venv/bin/python tools/probe_voice_count.py [--model assets/duet_model.npz] [--teacher]

A development set of real voices that no held-out row uses: LibriSpeech train-clean-100 readers
(../shared/data/librispeech_voices), 19 two-voice conversations composed as heldout.real_pairs
composes them (two readers each, room tone, 20-40 s) and 19 single readings (one voice). Per
recording it prints what a one-voice rule could read:

- `cos`: diarization.assign_roles's centroid cosine of its 2-means split of the frames (the rule
  the runtime uses, ONE_VOICE_COS = 0.85);
- `p10` / `med`: the 10th percentile / median cosine over all pairs of 1.6 s windows (hop 0.8 s,
  at least half voiced), each window the mean of the model's frame voice vectors;
- with --voiceprint FILE, the same over a voice print's window vectors (model/voiceprint.py);
- with --teacher, the same over the GE2E encoder whose weights resemblyzer's wheel ships (a
  training-time teacher named by issue 13; `pip install --no-deps resemblyzer==0.1.4`, read with
  torch.load(weights_only=True), its forward pass and mel filterbank written here).

and for each measure the fewest recordings misjudged by any one threshold (read off this same
set, so an optimistic figure: it says whether the measure separates at all).

With --alike it instead runs mix_roles.audio_roles as a take does and counts the recordings whose
report would say that the two voices sound much alike (voice_report.voices_alike): the single
readings, the two-voice dialogues, and corpus/full's validation mixes (--corpus).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "librispeech_voices"
WINDOW_S, HOP_S = 1.6, 0.8
SEED = 2024


def dev_pairs(data: Path) -> list:
    """The development set's two-voice conversations (heldout.HeldoutDialogue, truth included)."""
    from duet.model.training import heldout
    from duet.model.training import heldout_recordings as hr

    files = hr.train_clean_files(data)
    order = np.random.default_rng(SEED).permutation(len(files))
    out = []
    for i in range(0, 40, 2):
        a, b = files[order[i]], files[order[i + 1]]
        pa, pb = (heldout.reading_pieces(hr.read_flac(p), p.stem) for p in (a, b))
        if not pa["phrase"] or not pb["phrase"]:
            continue
        out.append(
            heldout.compose_real_pair(
                f"pair-{i}", "real_pairs", (pa, pb), (a.stem, b.stem), "", 99, 1000 + i, (20.0, 40.0)
            )
        )
    return out


def dev_set(data: Path) -> list[tuple[str, np.ndarray, int]]:
    """(name, 16 kHz audio, voices) of the development recordings."""
    from duet.model.training import heldout_recordings as hr

    files = hr.train_clean_files(data)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(files))
    out = [(d.name, d.audio16k, 2) for d in dev_pairs(data)]
    for p in [files[i] for i in order[40:59]]:
        x = hr.read_flac(p)
        x = np.concatenate([np.zeros(8000, np.float32), x])
        x = x + rng.normal(0.0, 3e-4, len(x)).astype(np.float32)  # a faint room under the reading
        out.append((f"mono-{p.stem}", x, 1))
    return out


def window_stats(vectors: np.ndarray) -> dict[str, float]:
    if len(vectors) < 4:
        return {}
    c = vectors @ vectors.T
    pairs = c[np.triu_indices(len(vectors), 1)]
    return {"p10": float(np.percentile(pairs, 10)), "med": float(np.median(pairs))}


def voiced_windows(voiced50: np.ndarray, n_frames: int) -> list[tuple[int, int]]:
    """50 fps frame ranges of the 1.6 s windows that are at least half voiced."""
    w, h = int(WINDOW_S * 50), int(HOP_S * 50)
    return [(s, s + w) for s in range(0, max(1, n_frames - w + 1), h) if voiced50[s : s + w].mean() >= 0.5]


def teacher_measures(teacher, x: np.ndarray) -> dict[str, float]:
    from duet.model import features, windowing

    n = features.n_model_frames(len(x))
    voiced = windowing.voiced_frames(x, n)
    mel = teacher.mel(teacher.level(x))
    wins = [mel[2 * s : 2 * e] for s, e in voiced_windows(voiced, n) if 2 * e <= len(mel)]
    return window_stats(teacher.embed(np.stack(wins))) if wins else {}


def print_measures(vp, x: np.ndarray) -> dict[str, float]:
    from duet.model import features, windowing

    vectors, _ = vp.prints(x, windowing.voiced_frames(x, features.n_model_frames(len(x))))
    return window_stats(vectors)


def model_measures(rt, x: np.ndarray) -> dict[str, float]:
    from duet.model import diarization, features, windowing

    n = features.n_model_frames(len(x))
    voiced = windowing.voiced_frames(x, n)
    emb = diarization.voice_track(rt, x, n)
    _, info = diarization.assign_roles(emb, voiced, windowing.first_voice_anchor(x, n))
    vecs = []
    for s, e in voiced_windows(voiced, n):
        m = emb[s:e][voiced[s:e]].mean(axis=0)
        vecs.append(m / max(float(np.linalg.norm(m)), 1e-9))
    out = {"cos": float(info["centroid_cos"]) if info["centroid_cos"] is not None else float("nan")}
    out.update(window_stats(np.asarray(vecs)))
    return out


def alike_counts(rt, data: Path, corpus: Path) -> int:
    """Print, per recording and per set, what voice_report.voices_alike says of its roles."""
    from probe_role_split import synthetic_takes

    from duet.model import features, mix_roles, voice_report, windowing

    sets: dict[str, list[bool]] = {}
    takes = [("single reading" if v == 1 else "two readers", name, x) for name, x, v in dev_set(data)]
    takes += [("synthetic validation mix", name, x) for name, x, _ in synthetic_takes(corpus)]
    for kind, name, x in takes:
        n = features.n_model_frames(len(x))
        _, info = mix_roles.audio_roles(rt, x, n, windowing.first_voice_anchor(x, n))
        alike = voice_report.voices_alike(info)
        sets.setdefault(kind, []).append(alike)
        have = [k for k in ("print_cos", "joined_cos") if info.get(k) is not None]
        cells = "  ".join(f"{k} {info[k]:.3f}" for k in have)
        print(f"{name:>26} {kind}: voices {info['voices']}  {cells}  alike {alike}", flush=True)
    print()
    for kind, flags in sets.items():
        print(f"{kind}: alike-voices note on {sum(flags)} of {len(flags)}")
    return 0


def best_split(values: list[float], one_voice: list[bool]) -> tuple[int, float]:
    """(fewest misjudged, threshold): one voice when the value is >= threshold."""
    best = (len(values) + 1, float("nan"))
    for t in sorted(set(values)):
        wrong = sum((v >= t) != one for v, one in zip(values, one_voice, strict=True))
        best = min(best, (wrong, t))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "assets" / "duet_model.npz")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--teacher", action="store_true", help="also resemblyzer's encoder (training-time)")
    parser.add_argument("--voiceprint", type=Path, default=None, help="also a voice-print weights .npz")
    parser.add_argument("--alike", action="store_true", help="count the take reports' alike-voices notes")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "full")
    args = parser.parse_args(argv)
    if not (args.data / "train-clean-100").is_dir():
        print(f"error: {args.data}/train-clean-100 not found: pass --data", file=sys.stderr)
        return 2
    from duet.model.generation import get_runtime

    _, rt = get_runtime("numpy", args.model)
    if args.alike:
        return alike_counts(rt, args.data, args.corpus)
    from duet.model.training.voice_teacher import Teacher
    from duet.model.voiceprint import VoicePrint

    teacher = Teacher() if args.teacher else None
    vp = VoicePrint.load(args.voiceprint) if args.voiceprint else None
    rows = []
    for name, x, voices in dev_set(args.data):
        row = {f"model {k}": v for k, v in model_measures(rt, x).items()}
        if vp is not None:
            row.update({f"print {k}": v for k, v in print_measures(vp, x).items()})
        if teacher is not None:
            row.update({f"teacher {k}": v for k, v in teacher_measures(teacher, x).items()})
        rows.append((name, voices, row))
        print(f"{name:>22} voices {voices}: " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
    keys = sorted({k for _, _, r in rows for k in r})
    print(f"\nfewest recordings misjudged by one threshold ('one voice' at or above it), {args.model.name}:")
    for key in keys:
        have = [(r[key], v == 1) for _, v, r in rows if key in r and np.isfinite(r[key])]
        wrong, t = best_split([h[0] for h in have], [h[1] for h in have])
        print(f"  {key:>13}: {wrong} of {len(have)} (threshold {t:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
