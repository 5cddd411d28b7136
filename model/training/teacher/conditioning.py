"""Read the staging conditioning array (layout spec.COND_*) into per-role commands."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import spec
from ...signal import mask_to_spans
from .data import TeacherInputError


@dataclass
class Commands:
    """Staging commands of one role, per frame, in degrees."""

    head_active: np.ndarray  # (F,) 0..1
    head_target: np.ndarray  # (F, 3) yaw/pitch/roll deg from the rest pose
    gaze_active: np.ndarray  # (F,) 0..1
    gaze_target: np.ndarray  # (F, 2) world yaw/pitch deg the gaze must point at
    nod: np.ndarray  # (F,) 0..1
    shake: np.ndarray  # (F,) 0..1


def free_commands(n_frames: int) -> Commands:
    z = np.zeros(n_frames)
    return Commands(z, np.zeros((n_frames, 3)), z.copy(), np.zeros((n_frames, 2)), z.copy(), z.copy())


def decode(conditioning: np.ndarray | None, n_frames: int) -> tuple[Commands, Commands]:
    """Split (F, 2, COND_DIM) conditioning into the two roles' commands (None = all free)."""
    if conditioning is None:
        return free_commands(n_frames), free_commands(n_frames)
    c = np.asarray(conditioning, dtype=np.float64)
    if c.shape != (n_frames, 2, spec.COND_DIM):
        raise TeacherInputError(
            f"conditioning must have shape (n_frames, 2, COND_DIM) = ({n_frames}, 2, {spec.COND_DIM}), "
            f"got {c.shape}; build it with duet.model.staging at the clip's frame count"
        )
    if not np.all(np.isfinite(c)):
        raise TeacherInputError("conditioning contains NaN or inf; fill free frames with 0")
    out = []
    for r, role in enumerate(spec.ROLES):
        x = c[:, r]
        head_target = x[:, [spec.COND_HEAD_YAW, spec.COND_HEAD_PITCH, spec.COND_HEAD_ROLL]] * spec.ANGLE_SCALE
        camera = x[:, spec.COND_GAZE_CAMERA] > 0.5
        given = x[:, [spec.COND_GAZE_YAW, spec.COND_GAZE_PITCH]] * spec.ANGLE_SCALE
        # The stored yaw/pitch hold the target for every mode (eased across changes).
        # A whole run of camera frames whose angles are all zero was written without
        # them: it means the canonical camera direction.
        gaze_target = given.copy()
        for s, e in mask_to_spans(camera):
            if np.all(given[s:e] == 0.0):
                gaze_target[s:e] = np.asarray(spec.CANONICAL_CAMERA_DIRECTION[role], dtype=np.float64)
        out.append(
            Commands(
                head_active=np.clip(x[:, spec.COND_HEAD_ACTIVE], 0.0, 1.0),
                head_target=head_target,
                gaze_active=np.clip(x[:, spec.COND_GAZE_ACTIVE], 0.0, 1.0),
                gaze_target=gaze_target,
                nod=np.clip(x[:, spec.COND_NOD], 0.0, 1.0),
                shake=np.clip(x[:, spec.COND_SHAKE], 0.0, 1.0),
            )
        )
    return out[0], out[1]
