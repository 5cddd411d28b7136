"""The lip reader: which mouth class (mouth_classes.py) each 50 fps frame of a take sounds like.

A small stack of 1-D convolutions over the take's log-mel features (features.py) less their mean
over the voiced frames (the take's channel, as voice prints read it): one of stride 2 (100 -> 50
fps), then dilated residual layers that see about 1.5 s around each frame, and a linear layer to
class scores. Trained on the corpus's phones and on real readers' aligned phones
(model/training/lip_reader_train.py); its weights ship in their own .npz (no pickles). Pure numpy.

read_phones() turns the class probabilities into timed phones, one representative phone per class, for
the teacher's coarticulation (mouth_from_phones) to render.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..frame_classifier import FrameClassifier
from ..signal import mask_to_spans
from . import mouth_classes as mc

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "assets" / "duet_lip_reader.npz"
# Decoding, chosen on the development readers and the synthetic test split (docs/MODEL.md "The lip
# reader"): a change of class costs SWITCH_COST log units (3.0 dropped real p/b/m, 0.3 let
# flickers seal); p/b/m count three times (a missed seal shows more than an extra one), and
# e^(CLOSED_WEIGHT (c - 1/2)) times more where the network holds the lips closed by c (0..1):
# the two readings of a closure agree more often than either alone (synthetic stems' closure
# precision 0.78 without the network's say, 0.89 with it). On real voices the lean vetoes many
# true seals, but a weaker one lost more precision than it gained recall on the held-out readers
# (docs/EVAL.md "Session 15").
SWITCH_COST = 1.0
BILABIAL_BIAS = float(np.log(3.0))
CLOSED_WEIGHT = 4.0


class LipReaderError(ValueError):
    """A lip-reader weights file that cannot be used."""


@dataclass(frozen=True)
class LipReader(FrameClassifier):
    """The lip reader's weights (frame_classifier.FrameClassifier, mc.N_CLASSES outputs)."""

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> LipReader:
        return cls(cls.read_params(path, mc.N_CLASSES, "lip-reader", LipReaderError))


def class_path(
    probs: np.ndarray, switch_cost: float | None = None, bias: np.ndarray | None = None
) -> np.ndarray:
    """(F,) the class sequence of highest probability where each change of class costs
    `switch_cost` (log units, SWITCH_COST by default): one frame of doubt does not make a phone.
    bias: (N_CLASSES,) log weights added to every frame (the p/b/m lean)."""
    switch_cost = SWITCH_COST if switch_cost is None else float(switch_cost)
    logp = np.log(np.maximum(np.asarray(probs, dtype=np.float64), 1e-9))
    if bias is not None:
        logp = logp + bias
    n, c = logp.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # Frame t's best predecessor of class k is k itself or the best class at t - 1 (best[t]),
    # whichever scores higher after the switch cost (moved[t, k]).
    best = np.zeros(n, dtype=np.int64)
    moved = np.zeros((n, c), dtype=bool)
    score = logp[0].copy()
    for t in range(1, n):
        b = int(score.argmax())
        best[t] = b
        switch = score[b] - switch_cost
        np.greater(switch, score, out=moved[t])
        np.maximum(score, switch, out=score)
        score += logp[t]
    path = np.empty(n, dtype=np.int64)
    k = int(score.argmax())
    path[-1] = k
    best_list, moved_list = best.tolist(), moved.tolist()
    for t in range(n - 1, 0, -1):
        if moved_list[t][k]:
            k = best_list[t]
        path[t - 1] = k
    return path


def read_phones(
    probs: np.ndarray, talking: np.ndarray, fps: float, closed: np.ndarray | None = None
) -> tuple[list[str], list[float], list[float], list[int], list[tuple[float, float]]]:
    """Timed representative phones of one role: (ipa, start, end, stress, spans) in seconds.

    probs: (F, N_CLASSES) lip-reader probabilities; talking: (F,) bool frames in which this role
    speaks; closed: (F,) 0..1 how closed another reading of the same mouth holds the lips (the
    network's), which leans each frame's p/b/m by CLOSED_WEIGHT. Each run of talking frames is
    decoded on its own (class_path) and becomes a span; its segments become phones
    (mouth_classes.REPRESENTATIVE; vowels stressed, silences kept as rests)."""
    probs = np.array(probs, dtype=np.float64)
    if closed is not None:
        probs[:, mc.BILABIAL] *= np.exp(CLOSED_WEIGHT * (np.asarray(closed, dtype=np.float64) - 0.5))
    bias = np.zeros(mc.N_CLASSES)
    bias[mc.BILABIAL] = BILABIAL_BIAS
    ipa: list[str] = []
    start: list[float] = []
    end: list[float] = []
    stress: list[int] = []
    spans: list[tuple[float, float]] = []
    for a, b in mask_to_spans(talking).tolist():
        path = class_path(probs[a:b], bias=bias)
        cuts = np.concatenate([[0], np.flatnonzero(np.diff(path)) + 1, [b - a]])
        for i0, i1 in itertools.pairwise(cuts):
            k = int(path[i0])
            ipa.append(mc.REPRESENTATIVE[k])
            start.append((a + i0) / fps)
            end.append((a + i1) / fps)
            stress.append(1 if k in mc.VOWEL_CLASSES else 0)
        spans.append((a / fps, b / fps))
    return ipa, start, end, stress, spans


def load(path: str | Path = DEFAULT_PATH) -> LipReader:
    """The lip reader, read once per file version."""
    return LipReader.cached(path)


def available(path: str | Path = DEFAULT_PATH) -> bool:
    return Path(path).exists()


def take_probabilities(
    x: np.ndarray, n_frames: int, log_mels: np.ndarray | None = None, path: str | Path | None = None
) -> list[np.ndarray] | None:
    """The reader's (F, N_CLASSES) class probabilities of a take: of the mix (S,) (one) or of each
    stem (S, 2) (two); None when its weights are absent. log_mels: each channel's features.log_mel
    (features.stream_features of the whole take) when the caller has them."""
    from ..windowing import voiced_frames

    path = DEFAULT_PATH if path is None else Path(path)
    if not available(path):
        return None
    reader = load(path)
    channels = [x] if x.ndim == 1 else [x[:, c] for c in range(x.shape[1])]
    return [
        reader.probabilities(c, voiced_frames(c, n_frames), None if log_mels is None else log_mels[k])
        for k, c in enumerate(channels)
    ]


__all__ = [
    "DEFAULT_PATH",
    "LipReader",
    "LipReaderError",
    "available",
    "class_path",
    "load",
    "read_phones",
    "take_probabilities",
]
