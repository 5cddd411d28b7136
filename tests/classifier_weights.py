"""Random weights for the frame classifiers (model/frame_classifier.py): the lip reader's and the
voice counter's tests build small networks from them."""

from __future__ import annotations

import numpy as np

from duet.model import features
from duet.model.frame_classifier import KERNEL


def random_params(
    n_classes: int, seed: int = 0, width: int = 6, dilations=(1, 2, 4)
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = {
        "input.w": rng.normal(0, 0.1, (width, features.N_MELS, KERNEL)),
        "input.b": rng.normal(0, 0.1, width),
        "output.w": rng.normal(0, 0.3, (n_classes, width, 1)),
        "output.b": rng.normal(0, 0.1, n_classes),
    }
    for i in range(len(dilations)):
        p[f"block{i}.w"] = rng.normal(0, 0.2, (width, width, KERNEL))
        p[f"block{i}.b"] = rng.normal(0, 0.1, width)
        p[f"mix{i}.w"] = rng.normal(0, 0.2, (width, width, 1))
        p[f"mix{i}.b"] = rng.normal(0, 0.1, width)
    params = {name: v.astype(np.float32) for name, v in p.items()}
    params["dilations"] = np.array(dilations, dtype=np.int64)
    return params
