"""The staging solve on takes shorter than its smoothing kernel."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import staging
from duet.model.performance import Performance
from duet.model.spec import ROLES


@pytest.mark.parametrize("n", [1, 5, 40, 150])
def test_short_takes_hold_their_commands(n: int) -> None:
    fps = 50.0
    targets = staging.parse("A faces left\nB looks at A\n").to_targets(n, fps)
    perf = Performance(
        fps=fps,
        blendshapes={r: np.zeros((n, 52), np.float32) for r in ROLES},
        head={r: np.zeros((n, 3), np.float32) for r in ROLES},
        gaze={r: np.zeros((n, 2), np.float32) for r in ROLES},
        speaking={r: np.zeros(n, np.float32) for r in ROLES},
    )
    solved = staging.solve(perf, targets)
    assert solved.head["A"].shape == (n, 3)
    held = targets.head_active["A"]
    np.testing.assert_allclose(solved.head["A"][held], targets.head["A"][held], atol=1.0)
