"""The result of a generation: both characters' curves at one frame rate."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .spec import ARKIT_NAMES, ROLES


@dataclass(frozen=True)
class TakeLine:
    """A script line as placed in a take: seconds from the start of the audio."""

    role: str  # "A" or "B"
    speaker: str  # the name the script used
    text: str  # as written (parentheticals included): for markers and subtitles
    start: float
    end: float
    source_line: int  # 1-based line of the script text
    confidence: float  # 0..1: how sure the placement (and alignment) is


@dataclass
class Performance:
    """Per-role, per-frame animation curves.

    blendshapes[role]: (T, 52) in 0..1, columns in ``blendshape_names`` order.
    head[role]: (T, 3) yaw/pitch/roll degrees, 0 = facing the partner, yaw
    positive toward the character's own left, pitch positive up.
    gaze[role]: (T, 2) yaw/pitch degrees in the head frame.
    speaking[role]: (T,) probability 0..1.
    notes: what the animator should know about this take that did not stop it (a truncated
    file, script lines not found, ...), one sentence each, for the take's report.
    lines: the script's lines as placed in the take (script-assisted takes only), for
    markers and subtitles.
    """

    fps: float
    blendshapes: dict[str, np.ndarray]
    head: dict[str, np.ndarray]
    gaze: dict[str, np.ndarray]
    speaking: dict[str, np.ndarray]
    blendshape_names: tuple[str, ...] = field(default=ARKIT_NAMES)
    notes: tuple[str, ...] = ()
    lines: tuple[TakeLine, ...] = ()

    @property
    def n_frames(self) -> int:
        return int(self.speaking[ROLES[0]].shape[0])

    @property
    def duration(self) -> float:
        return self.n_frames / self.fps

    def validate(self) -> None:
        """Raise ValueError if shapes or ranges break the contract above."""
        t = self.n_frames
        for role in ROLES:
            checks = (
                ("blendshapes", self.blendshapes[role], (t, len(self.blendshape_names))),
                ("head", self.head[role], (t, 3)),
                ("gaze", self.gaze[role], (t, 2)),
                ("speaking", self.speaking[role], (t,)),
            )
            for name, arr, shape in checks:
                if arr.shape != shape:
                    raise ValueError(f"{name}[{role}] has shape {arr.shape}, expected {shape}")
                if not np.all(np.isfinite(arr)):
                    raise ValueError(f"{name}[{role}] holds non-finite values")
            for name, arr in (("blendshapes", self.blendshapes[role]), ("speaking", self.speaking[role])):
                if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
                    raise ValueError(f"{name}[{role}] leaves 0..1")
