"""Speaker verification of the voice head on held-out real voices (issue 13's EER row).

Per LibriSpeech reading the mean unit voice vector over its voiced frames (and over each of its
1 s segments); equal error rate of the cosine scores of all same- and different-speaker pairs.
`python -m duet.model.training heldout` reports it (heldout_eval.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import diarization, features, windowing
from . import heldout_recordings

SEGMENT_FRAMES = 50  # 1 s: the time scale on which the clustering must tell voices apart


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


def voice_vectors(rt, x: np.ndarray) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """(mean unit voice vector over the voiced frames of a reading, None if silent; the same
    for each of its whole 1 s segments that is at least half voiced)."""
    n = features.n_model_frames(len(x))
    voiced = windowing.voiced_frames(x, n)
    if not voiced.any():
        return None, []
    emb = diarization.voice_track(rt, x, n)
    segments = []
    for s in range(0, n - SEGMENT_FRAMES + 1, SEGMENT_FRAMES):
        m = voiced[s : s + SEGMENT_FRAMES]
        if m.sum() >= SEGMENT_FRAMES // 2:
            segments.append(_unit(emb[s : s + SEGMENT_FRAMES][m].mean(axis=0)))
    return _unit(emb[voiced].mean(axis=0)), segments


def equal_error_rate(same: np.ndarray, different: np.ndarray) -> tuple[float, float]:
    """(EER, threshold) of cosine scores: accept a pair as one speaker when score >= threshold.

    False rejections (same-speaker pairs below the threshold) rise and false acceptances
    (different-speaker pairs at or above it) fall as the threshold rises; the EER is where
    the two meet, linearly interpolated between the neighbouring score thresholds.
    """
    same, different = np.sort(np.asarray(same, float)), np.sort(np.asarray(different, float))
    if not len(same) or not len(different):
        raise ValueError("EER needs both same-speaker and different-speaker scores")
    thr = np.concatenate([np.unique(np.concatenate([same, different])), [np.inf]])
    frr = np.searchsorted(same, thr, side="left") / len(same)
    far = 1.0 - np.searchsorted(different, thr, side="left") / len(different)
    d = frr - far
    k = int(np.argmax(d >= 0))  # d runs from -1 (lowest threshold) to +1 (infinite threshold)
    if k == 0 or d[k] == 0:
        return float(0.5 * (frr[k] + far[k])), float(thr[k])
    a = -d[k - 1] / (d[k] - d[k - 1])
    eer = frr[k - 1] + a * (frr[k] - frr[k - 1])
    t_hi = thr[k] if np.isfinite(thr[k]) else thr[k - 1]
    return float(eer), float(thr[k - 1] + a * (t_hi - thr[k - 1]))


def verification(
    vectors: np.ndarray,
    speakers: list[str],
    genders: dict[str, str] | None = None,
    sources: list[str] | None = None,
) -> dict:
    """EER and score statistics over all pairs of the given unit vectors (pairs from one
    source, such as two segments of one reading, left out when sources are given)."""
    v = np.asarray(vectors, dtype=np.float64)
    scores = v @ v.T
    iu = np.triu_indices(len(v), k=1)
    if sources is not None:
        src = np.asarray(sources)
        keep = src[iu[0]] != src[iu[1]]
        iu = (iu[0][keep], iu[1][keep])
    spk = np.asarray(speakers)
    same_mask = spk[iu[0]] == spk[iu[1]]
    s = scores[iu]
    eer, thr = equal_error_rate(s[same_mask], s[~same_mask])
    out = {
        "items": len(v),
        "speakers": len(set(speakers)),
        "same_pairs": int(same_mask.sum()),
        "different_pairs": int((~same_mask).sum()),
        "eer": round(eer, 4),
        "threshold": round(thr, 4),
        "same_cos_mean": round(float(s[same_mask].mean()), 4),
        "different_cos_mean": round(float(s[~same_mask].mean()), 4),
        "different_above_one_voice_cos": round(float(np.mean(s[~same_mask] > diarization.ONE_VOICE_COS)), 4),
    }
    if genders:
        g = np.asarray([genders.get(x, "?") for x in speakers])
        same_g = (g[iu[0]] == g[iu[1]]) & ~same_mask
        if same_g.any():
            e, _ = equal_error_rate(s[same_mask], s[same_g])
            out["eer_same_gender"] = round(e, 4)
            out["same_gender_above_one_voice_cos"] = round(
                float(np.mean(s[same_g] > diarization.ONE_VOICE_COS)), 4
            )
    return out


def speaker_verification(rt, root: Path, quick: bool, log: Callable = print) -> dict:
    """EER on test-other (10 readers x 10 readings) and train-clean-100 (halves of one reading each)."""
    sexes = heldout_recordings.librispeech_sexes(root)
    files = heldout_recordings.test_other_files(root)
    if quick:
        files = {k: v[:3] for k, v in list(files.items())[:4]}
    vecs, spks, segs, seg_spks, seg_src = [], [], [], [], []
    for spk, paths in files.items():
        for p in paths:
            whole, segments = voice_vectors(rt, heldout_recordings.read_flac(p))
            if whole is not None:
                vecs.append(whole)
                spks.append(spk)
            segs += segments
            seg_spks += [spk] * len(segments)
            seg_src += [p.stem] * len(segments)
    out = {"test_other": verification(np.stack(vecs), spks, sexes)}
    out["test_other_1s_segments"] = verification(np.stack(segs), seg_spks, sexes, seg_src)
    for name in out:
        log(f"  {name}: EER {out[name]['eer']:.3f} over {out[name]['items']} items")
    if quick:
        return out
    vecs, spks, skipped = [], [], []
    for p in heldout_recordings.train_clean_files(root):
        x = heldout_recordings.read_flac(p)
        half = len(x) // 2
        parts = [voice_vectors(rt, x[:half])[0], voice_vectors(rt, x[half:])[0]]
        if parts[0] is None or parts[1] is None:
            skipped.append(p.name)
            continue
        vecs += parts
        spks += [p.stem.split("-")[0]] * 2
    out["train_clean_100_halves"] = verification(np.stack(vecs), spks, sexes)
    if skipped:
        out["train_clean_100_halves"]["skipped_without_voice"] = skipped
    log(f"  train_clean_100_halves: EER {out['train_clean_100_halves']['eer']:.3f} over {len(vecs)} halves")
    return out
