"""Who speaks when in a mixed track: the network's voice embeddings, clustered around an anchor.

The shared encoder has a voice head (trained so that frames of one speaker
point the same way and frames of two speakers apart). Over the whole take,
the voiced frames (energy VAD) are split into two voices by a 2-means on those
unit vectors, with the anchor's frames (the first voice heard, or the user's
range) held on their role; scores are smoothed over ~0.2 s so single frames do
not flip. The result is a dense role anchor for the network: on confidently
assigned voiced frames "this role speaks, the other does not". Because the
clustering sees the whole take at once, a voice keeps its role in every
window of a long take. When the two centroids are nearly the same, the take
has one voice and all of it goes to the anchored role. With the shipped voice
prints (voiceprint.py), the take is split again over each frame's voice vector
joined with the print of the 1.6 s around it (join_prints): the frame vectors
are sharp in time, the prints tell real voices apart; the centroids' one voice
then stands only if the prints agree (mix_roles.audio_roles).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from . import features
from .network_config import ANCHOR_DIM

SMOOTH_FRAMES = 11  # 0.22 s
ONE_VOICE_COS = 0.85  # centroids this alike: one speaker
# Smoothed score needed to mark a voiced frame as known; frames nearer a tie (turn changes, the
# two voices alike for a moment) are left to the network. 0.02, chosen on development takes (session
# 16: tools/probe_exchanges.py, tools/probe_overlaps.py --unseen corpus/real, corpus/full's
# validation mixes): 0.05 left short lines to the network, which decided them worse than the split.
MARGIN = 0.02
# The likeness of the two voices a split found (role_likeness: the resplit rule below and
# voice_report's alike-voices note) is measured over the frames the split is this sure of, the margin
# those thresholds were chosen with: with MARGIN's near-ties in, the roles' mean prints grow more
# alike and a take crosses RESPLIT_PRINT_COS on frames the split barely tells apart.
LIKENESS_MARGIN = 0.05
ITERATIONS = 10
CHUNK = 3000  # frames per encoder pass (bounded memory)
CONTEXT = 16  # frames of context either side (the encoder reaches ~9)
# The voice print's weight beside the voice vector: equal. On development takes no evaluation row
# uses (tools/probe_role_split.py) the synthetic ones peak at 1-1.25 and lose at 2; the real ones
# gain up to 2, but their readers trained the print, which flatters it.
PRINT_WEIGHT = 1.0
# A split whose two voices' mean prints are this alike was made on something the prints do not
# hear as a voice (loudness, a room, one reader's own variety): the take is split again with the
# prints weighing RESPLIT_PRINT_WEIGHT (kept only if each role still has frames of its own).
# Chosen on development takes (tools/probe_role_split.py --resplit): above 0.86 the second split
# gained on 12 of 18 such takes and lost at most 0.014 of anchor accuracy on the others; below it,
# weight 2 lost up to 0.05 on the synthetic mixes.
RESPLIT_PRINT_COS = 0.86
RESPLIT_PRINT_WEIGHT = 2.0
# Since the prints read short turns too (voiceprint.segment_prints) the second split swings with its
# weight (development takes: at 3 one real pair gained 0.43 and one synthetic mix lost 0.38; at 1.5
# the quick exchanges lost 0.11): it is made at each of these weights and each frame takes the
# role most of them give it, a tie going to the split whose voices the prints hear as more apart
# (mix_roles._split_voices; docs/EVAL.md "Session 19").
RESPLIT_PRINT_WEIGHTS = (1.5, RESPLIT_PRINT_WEIGHT, 3.0)


class VoiceRuntime(Protocol):
    def voice(self, feats: np.ndarray) -> np.ndarray: ...


def voice_track(
    runtime: VoiceRuntime, audio16k: np.ndarray, n_frames: int, log_mel: np.ndarray | None = None
) -> np.ndarray:
    """Unit voice vectors (F, voice_dim) of mono 16 kHz audio, in chunks. log_mel: the take's
    features.log_mel when the caller has it (the same frames: each is computed from its own
    samples, wherever a chunk starts)."""
    out: np.ndarray | None = None
    take = None if log_mel is None else log_mel[None]
    for s in range(0, n_frames, CHUNK):
        e = min(n_frames, s + CHUNK)
        a, b = max(0, s - CONTEXT), min(n_frames, e + CONTEXT)
        v = runtime.voice(features.stream_features(audio16k, a, b - a, take))[0]
        if out is None:
            out = np.zeros((n_frames, v.shape[-1]), dtype=np.float32)
        out[s:e] = v[s - a : e - a]
    return out if out is not None else np.zeros((0, 1), np.float32)


def unit(v: np.ndarray) -> np.ndarray:
    """v scaled to length 1 (a zero vector stays near zero)."""
    return v / max(float(np.linalg.norm(v)), 1e-6)


def join_prints(emb: np.ndarray, prints: np.ndarray, weight: float = PRINT_WEIGHT) -> np.ndarray:
    """Unit vectors (F, k + D): each frame's unit voice vector beside its unit voice print (F, D)
    times weight (a frame without a print keeps its voice vector alone). Built in one array (a
    10-minute take's is 35 MB)."""
    k = emb.shape[1]
    joined = np.empty((len(emb), k + prints.shape[1]), np.float32)
    joined[:, :k] = emb
    np.multiply(prints, np.float32(weight), out=joined[:, k:])
    joined /= np.maximum(np.sqrt(np.einsum("ij,ij->i", joined, joined)), 1e-6)[:, None]
    return joined


def masked_mean(vectors: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mean of vectors (F, k) over the frames of mask (F,) bool, without copying those rows
    (the joined vectors of a long take are tens of MB)."""
    weights = np.asarray(mask, np.float32)
    return (weights @ vectors) / max(float(weights.sum()), 1.0)


def smooth_scores(score: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted mean of score over SMOOTH_FRAMES around each frame; as long as the take."""
    kernel = np.ones(SMOOTH_FRAMES)
    n = len(score)
    # np.convolve's "same" follows the longer input: a take shorter than the kernel (a 0.1 s
    # "Yes.") is padded with weightless frames so the result keeps the take's length.
    pad = max(0, len(kernel) - n)
    num = np.convolve(np.pad(score * weight, (0, pad)), kernel, mode="same")[:n]
    den = np.convolve(np.pad(weight, (0, pad)), kernel, mode="same")[:n]
    return num / np.maximum(den, 1e-6)


def assign_roles(
    emb: np.ndarray,
    voiced: np.ndarray,
    seed_anchor: np.ndarray,
    one_voice: bool | None = None,
    margin: float | None = None,
) -> tuple[np.ndarray, dict]:
    """Dense anchor (F, 2, 2) from voice vectors (F, k), voiced frames (F,) and a seed anchor.

    The seed anchor's known frames where exactly one role speaks fix that
    role's voice. one_voice: whether the take holds one voice, when that was
    decided before (mix_roles.audio_roles decides it on the voice vectors
    alone, then splits two voices on the vectors joined with the prints); None:
    the centroids' similarity decides (ONE_VOICE_COS). margin: the smoothed score a
    voiced frame needs to be marked (MARGIN when None). Returns the anchor and a
    small report (voices found, centroid similarity, share of voiced frames
    assigned).
    """
    margin = MARGIN if margin is None else margin
    n = len(voiced)
    anchor = np.zeros((n, 2, ANCHOR_DIM), dtype=np.float32)
    known = seed_anchor[:, 0, 0] > 0
    seeds = [known & (seed_anchor[:, r, 1] > 0.5) & (seed_anchor[:, 1 - r, 1] < 0.5) for r in range(2)]
    v = voiced.astype(bool)
    info = {"voices": 0, "centroid_cos": None, "assigned": 0.0}
    if not v.any() or not (seeds[0].any() or seeds[1].any()):
        return seed_anchor.astype(np.float32).copy(), info
    r0 = 0 if seeds[0].any() else 1
    r1 = 1 - r0
    c = [None, None]
    c[r0] = unit(masked_mean(emb, seeds[r0]))
    if seeds[r1].any():
        c[r1] = unit(masked_mean(emb, seeds[r1]))
    else:
        idx = np.flatnonzero(v & ~seeds[r0])
        if len(idx) == 0:
            idx = np.flatnonzero(v)
        sim = (emb @ c[r0])[idx]
        far = idx[np.argsort(sim)[: max(5, len(idx) // 10)]]
        c[r1] = unit(emb[far].mean(axis=0))
    weight = v.astype(np.float64)
    score = np.zeros(n)
    for _ in range(ITERATIONS):
        raw = (emb @ c[r0] - emb @ c[r1]).astype(np.float64)
        score = smooth_scores(raw, weight)
        is_r0 = (v & (score > 0.0)) | seeds[r0]
        is_r0 &= ~seeds[r1]
        is_r1 = v & ~is_r0
        if is_r0.any():
            c[r0] = unit(masked_mean(emb, is_r0))
        if is_r1.any():
            c[r1] = unit(masked_mean(emb, is_r1))
    cos = float(c[r0] @ c[r1])
    info["centroid_cos"] = cos
    if (cos > ONE_VOICE_COS) if one_voice is None else one_voice:
        sure0, sure1 = v.copy(), np.zeros(n, dtype=bool)
        info["voices"] = 1
    else:
        sure0 = v & (score > margin)
        sure1 = v & (score < -margin)
        info["voices"] = 2
    sure0 = (sure0 | seeds[r0]) & ~seeds[r1]
    sure1 = (sure1 | seeds[r1]) & ~seeds[r0]
    anchor[sure0 | sure1, :, 0] = 1.0
    anchor[sure0, r0, 1] = 1.0
    anchor[sure1, r1, 1] = 1.0
    info["assigned"] = float((sure0 | sure1).sum() / max(1, v.sum()))
    return anchor, info


def vote_roles(anchors: Sequence[np.ndarray], weights: Sequence[float] | None = None) -> np.ndarray:
    """One dense anchor (F, 2, ANCHOR_DIM) from several splits of the same take (same seed, so the
    same role order): each frame that any split marks takes the role with the most votes (weights:
    each split's vote, 1 when None); a tie leaves it unknown."""
    weights = [1.0] * len(anchors) if weights is None else list(weights)
    votes = [
        sum(w * ((a[:, 0, 0] > 0) & (a[:, r, 1] > 0.5)) for a, w in zip(anchors, weights, strict=True))
        for r in range(2)
    ]
    out = np.zeros_like(anchors[0])
    for r in range(2):
        wins = votes[r] > votes[1 - r]
        out[wins, :, 0] = 1.0
        out[wins, r, 1] = 1.0
    return out


MIN_LIKENESS_FRAMES = 25  # 0.5 s of a role's frames with a print: fewer tell nothing


def role_likeness(vectors: np.ndarray, anchor: np.ndarray) -> float | None:
    """Cosine between the mean of `vectors` (F, D; zero rows have none) over the frames the anchor
    (F, 2, 2) says A speaks alone and over those B does; None when either has too few."""
    v = np.asarray(vectors, dtype=np.float32)
    means = role_means(v, anchor[: len(v)], np.einsum("ij,ij->i", v, v) > 0)
    return None if means is None else float(means[0] @ means[1])


def role_means(vectors: np.ndarray, anchor: np.ndarray, frames: np.ndarray) -> list[np.ndarray] | None:
    """Each role's unit mean of `vectors` (F, D) over `frames` (F,) bool where the anchor (F, 2, 2)
    says that role speaks alone; None when either has fewer than MIN_LIKENESS_FRAMES."""
    means = []
    for r in range(2):
        alone = frames & (anchor[:, r, 1] > 0.5) & (anchor[:, 1 - r, 1] < 0.5)
        if alone.sum() < MIN_LIKENESS_FRAMES:
            return None
        means.append(unit(masked_mean(vectors, alone).astype(np.float64)))
    return means


TRIM_MIN_FRAMES = 10  # a trimmed seed keeps at least 0.2 s
TRIM_SMOOTH_FRAMES = 5


def trim_seed(seed_anchor: np.ndarray, vectors: np.ndarray, anchor: np.ndarray) -> tuple[np.ndarray, int]:
    """The seed anchor without a tail that sounds like the other role, and the frames cut.

    The first voice's seed (windowing.first_voice_anchor: up to 1 s, until a pause) runs on into
    the partner's line when the partner answers without a pause or over the end of a short first
    line; held on the first role, those frames pull the partner's voice to it. Each seed frame is
    scored against the two roles' mean vectors over the frames outside the seed that `anchor` (a
    split made with the whole seed) gives each role alone; the tail of the seed from which every
    smoothed score favours the other role is cut (the first TRIM_MIN_FRAMES are kept).
    """
    known = seed_anchor[:, 0, 0] > 0
    role = 0 if (known & (seed_anchor[:, 0, 1] > 0.5)).any() else 1
    frames = np.flatnonzero(known & (seed_anchor[:, role, 1] > 0.5))
    if len(frames) <= TRIM_MIN_FRAMES:
        return seed_anchor, 0
    outside = np.ones(len(vectors), dtype=bool)
    outside[frames] = False
    means = role_means(vectors, anchor, outside)
    if means is None:
        return seed_anchor, 0
    own, other = means[role], means[1 - role]
    score = vectors[frames] @ own - vectors[frames] @ other
    kernel = np.ones(TRIM_SMOOTH_FRAMES) / TRIM_SMOOTH_FRAMES
    smooth = np.convolve(np.pad(score, TRIM_SMOOTH_FRAMES // 2, mode="edge"), kernel, mode="valid")
    cut = len(frames)
    while cut > TRIM_MIN_FRAMES and smooth[cut - 1] < 0.0:
        cut -= 1
    if cut == len(frames):
        return seed_anchor, 0
    trimmed = seed_anchor.copy()
    trimmed[frames[cut:]] = 0.0
    return trimmed, len(frames) - cut
