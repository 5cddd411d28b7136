"""Lip-reader-like class probabilities for tests of readings along a script's phones."""

from __future__ import annotations

import numpy as np

from duet.model.lips import mouth_classes as mc


def reader_probabilities(runs, rng, *, clarity: float = 3.0, n_classes: int = mc.N_CLASSES) -> np.ndarray:
    """(F, n_classes) probabilities: each run (class, frames) leans `clarity` nats to its class
    over standard-normal logits."""
    logits = rng.normal(0.0, 1.0, (sum(n for _, n in runs), n_classes))
    t = 0
    for k, n in runs:
        logits[t : t + n, k] += clarity
        t += n
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
