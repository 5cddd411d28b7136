"""A script take's alignment made up for a test: given lines, nothing else (test helper)."""

from __future__ import annotations

import numpy as np

from duet.model import spec
from duet.model.script import placement as pl
from duet.model.script import take


def script_alignment(lines: tuple, n_frames: int, **fields) -> take.ScriptAlignment:
    """ScriptAlignment of these TakeLines over n_frames: an anchor that says nothing, no phones,
    no notes, separable voices; `fields` replace any of them (two_voices=..., anchor=None)."""
    values = {
        "anchor": np.zeros((n_frames, 2, 2), np.float32),
        "lines": tuple(lines),
        "phones": {r: take.RolePhones() for r in spec.ROLES},
        "notes": (),
        "placement": pl.Placement((), pl.SYLLABLE_S_DEFAULT),
        "separable": True,
    }
    values.update(fields)
    return take.ScriptAlignment(**values)
