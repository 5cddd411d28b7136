"""Minimum-jerk easing, shared by the lips and the procedural teacher."""

from __future__ import annotations

import numpy as np


def min_jerk(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk ease 0 -> 1 for s in [0, 1] (clipped outside)."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 + s * (-15.0 + 6.0 * s))
