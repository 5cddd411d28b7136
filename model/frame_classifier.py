"""A class per 50 fps frame of a take, from its sound: the convolution stack that the lip reader
(lips/lip_reader.py) and the voice counter (voice_count.py) share.

The take's log-mel features (features.py) less their mean over the voiced frames (the take's
channel, as voice prints read it), one 1-D convolution of stride 2 (100 -> 50 fps), dilated
residual layers, and a linear layer to class scores. Weights ship in their own .npz per use (no
pickles); the torch twin that trains them is model/training/lip_reader_train.py's `module`. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import features
from .numpy_runtime import silu
from .voiceprint import conv1d

KERNEL = 5
# Frames per pass on long takes (bounded memory); the margin covers what a frame sees.
BLOCK = 3000
NEEDED = ("input.w", "input.b", "output.w", "output.b", "dilations")


@dataclass(frozen=True)
class FrameClassifier:
    """Weights: input.w (C, N_MELS, K), input.b, block{i}.w (C, C, K), block{i}.b, mix{i}.w (C, C, 1),
    mix{i}.b, output.w (N_CLASSES, C, 1), output.b, dilations (int)."""

    params: dict[str, np.ndarray]

    @staticmethod
    def read_params(path: str | Path, n_classes: int, what: str, error: type[ValueError]) -> dict:
        """The checked weights of a `what` ("lip-reader") with n_classes outputs; `error` names
        what is wrong with the file."""
        try:
            with np.load(path, allow_pickle=False) as data:
                params = {k: np.asarray(data[k]) for k in data.files}
        except (OSError, ValueError) as exc:
            raise error(f"{what} weights '{path}' could not be read ({exc})") from exc
        missing = [k for k in NEEDED if k not in params]
        if not missing:
            n = len(params["dilations"])
            missing = [
                f"{p}{i}.{q}"
                for i in range(n)
                for p in ("block", "mix")
                for q in "wb"
                if f"{p}{i}.{q}" not in params
            ]
        if missing:
            raise error(f"{what} weights '{path}' lack {', '.join(missing)}")
        if params["output.w"].shape[0] != n_classes:
            raise error(
                f"{what} weights '{path}' name {params['output.w'].shape[0]} classes, this Duet {n_classes}"
            )
        return {k: v.astype(np.int64 if k == "dilations" else np.float32) for k, v in params.items()}

    @classmethod
    def cached(cls, path: str | Path) -> FrameClassifier:
        """The subclass's load(path) (each use names its classes and errors), read once per file
        version (its modification time)."""
        p = Path(path)
        return _read(cls, str(p), p.stat().st_mtime if p.exists() else 0.0)

    @property
    def dilations(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.params["dilations"])

    @property
    def reach(self) -> int:
        """Model frames either side that a frame's scores depend on."""
        return 1 + sum(d * (KERNEL // 2) for d in self.dilations)

    def logits(self, feats: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        """(2F, N_MELS) features -> (F, N_CLASSES) class scores, in blocks; `mean` (N_MELS,) is
        taken off each block (voiced_mean), so a long take's features are never copied whole."""
        n = len(feats) // features.FRAMES_PER_MODEL_FRAME
        centre = np.zeros(feats.shape[1], np.float32) if mean is None else np.asarray(mean, np.float32)
        if n <= BLOCK + 2 * self.reach:
            return self._logits(feats - centre)[:n]
        out = []
        m = self.reach
        for s in range(0, n, BLOCK):
            a, b = max(0, s - m), min(n, s + BLOCK + m)
            part = self._logits(feats[2 * a : 2 * b] - centre)
            out.append(part[s - a : s - a + min(BLOCK, n - s)])
        return np.concatenate(out)

    def _logits(self, feats: np.ndarray) -> np.ndarray:
        p = self.params
        h = silu(conv1d(feats.astype(np.float32), p["input.w"], p["input.b"], stride=2))
        for i, d in enumerate(self.dilations):
            u = silu(conv1d(h, p[f"block{i}.w"], p[f"block{i}.b"], dilation=d))
            h = h + u @ p[f"mix{i}.w"][:, :, 0].T + p[f"mix{i}.b"]
        return silu(h) @ p["output.w"][:, :, 0].T + p["output.b"]

    def probabilities(
        self, audio16k: np.ndarray, voiced: np.ndarray, log_mel: np.ndarray | None = None
    ) -> np.ndarray:
        """(F, N_CLASSES) class probabilities of a mono take at 50 fps. voiced: (F,) bool
        (windowing.voiced_frames); log_mel: the take's features.log_mel when the caller has it."""
        x = np.asarray(audio16k, dtype=np.float32).reshape(-1)
        n = features.n_model_frames(len(x))
        feats = features.log_mel(x) if log_mel is None else np.asarray(log_mel, np.float32)
        z = self.logits(feats, voiced_mean(feats, voiced))[:n]
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@lru_cache(maxsize=4)
def _read(cls: type[FrameClassifier], path: str, stamp: float) -> FrameClassifier:
    return cls.load(path)


def voiced_mean(feats: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """(N_MELS,) the mean of the log-mel features over the voiced frames (all frames when none is
    voiced): the take's channel, which the classifiers read their features against."""
    rep = np.repeat(np.asarray(voiced, dtype=bool), features.FRAMES_PER_MODEL_FRAME)[: len(feats)]
    if not rep.any():
        return feats.mean(axis=0, dtype=np.float64).astype(np.float32)
    weight = np.zeros(len(feats), np.float32)
    weight[: len(rep)] = rep
    return (weight @ feats / weight.sum()).astype(np.float32)  # float32: no copy of the features


def normalised(feats: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Log-mel features less their voiced mean (training: the whole clip at once)."""
    return (feats - voiced_mean(feats, voiced)).astype(np.float32)
