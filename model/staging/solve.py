"""The staging solve: hold every commanded pose exactly, keep the model's small motion.

On frames where the head is commanded (targets.head_active, outside nods and
shakes) the head becomes

    target + softclamp(highpass(model - target))

where highpass = deviation minus its low-pass taken over commanded frames only
(a masked Gaussian, sigma LOWPASS_S), and softclamp = c * tanh(x / c) with
c = signal.SOLVE_HOLD_MOTION_LIMIT_DEG < 1 deg. So the model's slow drift off the command is
removed, its quick small motion (micro-nods, sway with speech) stays, and the
pose is within 1 deg of the command on every axis. During a commanded nod or
shake the model's motion is kept whole (only the drift is removed). Outside
commanded frames the correction fades to zero over signal.HOLD_FADE_S (minimum jerk), taking
up any step the model's own head makes where its conditioning switches on or off,
so holds start and end without a jump.

The gaze gets the same treatment in world terms (head + eyes) on frames with a
commanded gaze target; elsewhere the eyes counter-rotate so the world gaze the
model chose survives a head correction. Eyes stay within the oculomotor range.
"""

from __future__ import annotations

import numpy as np

from .. import pose, spec
from ..performance import Performance
from ..signal import (
    HOLD_FADE_S,
    SOLVE_HOLD_MOTION_LIMIT_DEG,
    hold_fade,
    masked_lowpass,
    min_jerk,
    nearest_set,
)
from .targets import StagingTargets

LOWPASS_S = 0.5
GESTURE_EDGE_S = 0.1
GAZE_LOWPASS_S = 0.3
GAZE_MOTION_LIMIT_DEG = 0.5
GAZE_FADE_S = 0.1


def soft_clamp(x: np.ndarray, limit: float) -> np.ndarray:
    return limit * np.tanh(x / limit)


def _fade_out(
    corr: np.ndarray, commanded: np.ndarray, fade_frames: float, model: np.ndarray | None = None
) -> np.ndarray:
    """Carry the correction past commanded frames, easing it to zero over fade_frames.

    With `model` (the curve being corrected), the carried correction also takes up the step the
    model's own curve makes between a commanded frame and the free frame beside it, so the result
    is continuous there whatever the model does as its conditioning switches on or off.
    """
    if not commanded.any():
        return np.zeros_like(corr)
    dist, nearest = nearest_set(commanded)
    w = hold_fade(dist, fade_frames)
    carried = corr[nearest]
    if model is not None:
        side = np.sign(np.arange(len(commanded)) - nearest)
        beside = nearest + side  # the free frame next to the commanded one
        inside = np.clip(nearest - side, 0, len(commanded) - 1)
        # The model's step there, less the step it was already taking (its motion goes on).
        carried = carried + 2.0 * model[nearest] - model[inside] - model[beside]
    return np.where(commanded[:, None], corr, carried * w[:, None])


def _gesture_weight(gesture: np.ndarray, edge_frames: float) -> np.ndarray:
    """1 inside gestures away from their edges, easing to 0 at the edges (0 outside)."""
    if not gesture.any():
        return np.zeros(len(gesture))
    dist, _ = nearest_set(~gesture) if (~gesture).any() else (np.full(len(gesture), 1e9), None)
    return np.where(gesture, min_jerk(dist / max(edge_frames, 1e-6)), 0.0)


def solve_head(head: np.ndarray, targets: StagingTargets, role: str) -> np.ndarray:
    fps = targets.fps
    active = targets.head_active[role]
    if not active.any():
        return head.copy()
    gesture = active & (targets.nod[role] | targets.shake[role])
    track = active & ~gesture
    target = targets.head[role]
    dev = head - target
    low = masked_lowpass(dev, track, LOWPASS_S * fps)
    kept = soft_clamp(dev - low, SOLVE_HOLD_MOTION_LIMIT_DEG)
    g = _gesture_weight(gesture, GESTURE_EDGE_S * fps)[:, None]
    corr = np.where(active[:, None], (1.0 - g) * (kept - dev) + g * (-low), 0.0)
    return head + _fade_out(corr, active, HOLD_FADE_S * fps, head)


def solve_gaze(
    head_old: np.ndarray, eye_old: np.ndarray, head_new: np.ndarray, targets: StagingTargets, role: str
) -> np.ndarray:
    fps = targets.fps
    world = pose.world_gaze(head_old, eye_old)
    active = targets.gaze_mode[role] > 0
    if active.any():
        dev = world - targets.gaze_direction[role]
        low = masked_lowpass(dev, active, GAZE_LOWPASS_S * fps)
        kept = soft_clamp(dev - low, GAZE_MOTION_LIMIT_DEG)
        corr = np.where(active[:, None], kept - dev, 0.0)
        world = world + _fade_out(corr, active, GAZE_FADE_S * fps)
    eye = pose.eye_in_head(head_new, world)
    changed = np.any(np.abs(eye - eye_old) > 1e-6, axis=1)
    limit = np.maximum(pose.EYE_RANGE_DEG, np.abs(eye_old))
    return np.where(changed[:, None], np.clip(eye, -limit, limit), eye_old)


def solve(performance: Performance, targets: StagingTargets) -> Performance:
    """A new Performance with commanded head poses held within 1 degree (see module doc)."""
    if not isinstance(targets, StagingTargets):
        raise TypeError(
            f"targets must be StagingTargets (from StagingScript.to_targets), got {type(targets).__name__}"
        )
    t = targets.resampled(performance.n_frames, performance.fps)
    heads: dict[str, np.ndarray] = {}
    gazes: dict[str, np.ndarray] = {}
    for role in spec.ROLES:
        h_old = np.asarray(performance.head[role], dtype=np.float64)
        e_old = np.asarray(performance.gaze[role], dtype=np.float64)
        h_new = solve_head(h_old, t, role)
        heads[role] = h_new.astype(np.float32)
        gazes[role] = solve_gaze(h_old, e_old, h_new, t, role).astype(np.float32)
    return Performance(
        fps=performance.fps,
        blendshapes={r: np.array(performance.blendshapes[r], copy=True) for r in spec.ROLES},
        head=heads,
        gaze=gazes,
        speaking={r: np.array(performance.speaking[r], copy=True) for r in spec.ROLES},
        blendshape_names=performance.blendshape_names,
    )


__all__ = ["solve"]
