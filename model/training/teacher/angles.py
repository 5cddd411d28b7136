"""Exact composition of head rotation and eye-in-head gaze (the bake's own math).

The model's gaze is in the head frame and the bake turns the eyes by it after
the head (duet.model.pose: head = yaw * pitch * roll about up / -left /
-forward, eyes = yaw * pitch). The teacher uses the same composition, so a gaze
it aims at the partner or the camera lands there after baking even with the
head pitched or rolled — a plain sum of angles is off by degrees once roll
and eye yaw combine.
"""

from __future__ import annotations

import numpy as np

from ... import pose

# Any right-handed character frame gives the same angles; this one is the simplest.
FORWARD = np.array([1.0, 0.0, 0.0])
LEFT = np.array([0.0, 1.0, 0.0])
UP = np.array([0.0, 0.0, 1.0])


def direction(yaw_pitch: np.ndarray) -> np.ndarray:
    """Unit vectors (F, 3) of yaw/pitch degrees (F, 2) in the rest frame."""
    yp = np.asarray(yaw_pitch, dtype=np.float64).reshape(-1, 2)
    q = pose.eye_rotation(yp, FORWARD, LEFT, UP)
    return pose.rotate(q, np.broadcast_to(FORWARD, (len(yp), 3)))


def eye_in_head(head_ypr: np.ndarray, world_yaw_pitch: np.ndarray) -> np.ndarray:
    """Eye yaw/pitch (F, 2) in the head frame that points at world directions (F, 2)."""
    if len(head_ypr) == 0:
        return np.zeros((0, 2))
    q = pose.character_rotation(np.asarray(head_ypr, dtype=np.float64), FORWARD, LEFT, UP)
    local = pose.rotate(pose.conjugate(q), direction(world_yaw_pitch))
    return pose.direction_angles(local, FORWARD, LEFT, UP)


def world_gaze(head_ypr: np.ndarray, eye_yaw_pitch: np.ndarray) -> np.ndarray:
    """World yaw/pitch (F, 2) of an eye-in-head gaze (F, 2) on a head pose (F, 3)."""
    if len(head_ypr) == 0:
        return np.zeros((0, 2))
    q = pose.character_rotation(np.asarray(head_ypr, dtype=np.float64), FORWARD, LEFT, UP)
    return pose.direction_angles(pose.rotate(q, direction(eye_yaw_pitch)), FORWARD, LEFT, UP)
