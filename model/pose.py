"""Head and eye rotation math: pure numpy, vectorised over frames.

Angles follow duet.model.spec: yaw positive toward the character's own left,
pitch positive up, roll positive toward the own left shoulder. A character
frame is given by three world unit vectors: forward (the face's direction at
rest), left (its own left) and up. Quaternions are (w, x, y, z) arrays.

The bake turns the eyes by the model's eye-in-head gaze after the head
(head = yaw * pitch * roll about up / -left / -forward, eyes = yaw * pitch).
world_gaze and eye_in_head compose a gaze the same way, so the teacher, the
metrics and the staging solve aim a gaze where the bake will put it even with
the head pitched or rolled (a plain sum of angles is off by degrees once roll
and eye yaw combine).
"""

from __future__ import annotations

import numpy as np

# The frame world_gaze and eye_in_head work in: any right-handed character frame gives
# the same angles, and this one is the simplest.
FORWARD = np.array([1.0, 0.0, 0.0])
LEFT = np.array([0.0, 1.0, 0.0])
UP = np.array([0.0, 0.0, 1.0])
# Oculomotor range (yaw, pitch) of eye-in-head angles; the head takes the rest of a gaze
# target. Humans rarely hold the eyes beyond ~30-40 deg horizontally / ~25 deg vertically
# (Guitton & Volle 1987: mechanical range ~±55 deg, comfortable range much smaller).
EYE_RANGE_DEG = np.array([35.0, 25.0])


def axis_angle(axis: np.ndarray, radians: np.ndarray) -> np.ndarray:
    """Quaternions (T, 4) rotating by radians (T,) about one unit axis (3,)."""
    half = 0.5 * np.asarray(radians, dtype=np.float64)
    axis = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
    return np.concatenate([np.cos(half)[:, None], np.sin(half)[:, None] * axis[None, :]], axis=1)


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b, broadcasting over leading axes."""
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack(
        [
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ],
        axis=-1,
    )


def conjugate(q: np.ndarray) -> np.ndarray:
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (..., 3) by unit quaternions q (..., 4)."""
    qv = np.concatenate([np.zeros(v.shape[:-1] + (1,)), v], axis=-1)
    return multiply(multiply(q, qv), conjugate(q))[..., 1:]


def from_matrix(m: np.ndarray) -> np.ndarray:
    """Unit quaternion of a 3x3 rotation matrix."""
    m = np.asarray(m, dtype=np.float64)
    tr = np.trace(m)
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        q = [0.0, 0.0, 0.0, 0.0]
        q[0] = (m[k, j] - m[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (m[j, i] + m[i, j]) / s
        q[1 + k] = (m[k, i] + m[i, k]) / s
    q = np.asarray(q)
    return q / np.linalg.norm(q)


def character_rotation(
    yaw_pitch_roll: np.ndarray, forward: np.ndarray, left: np.ndarray, up: np.ndarray
) -> np.ndarray:
    """World-axes quaternions (T, 4) of head angles (T, 3) in degrees."""
    yaw, pitch, roll = np.radians(np.asarray(yaw_pitch_roll, dtype=np.float64)).T
    # Yaw about up turns forward toward left; pitch up is about -left; roll toward
    # the left shoulder is about -forward (the top of the head moves left).
    q = multiply(axis_angle(up, yaw), axis_angle(-np.asarray(left), pitch))
    return multiply(q, axis_angle(-np.asarray(forward), roll))


def fraction(q: np.ndarray, t: float) -> np.ndarray:
    """q ** t: the same axis, t times the angle (q with w >= 0)."""
    q = np.where(q[..., :1] < 0, -q, q)
    w = np.clip(q[..., 0], -1.0, 1.0)
    angle = 2.0 * np.arccos(w)
    s = np.sqrt(np.maximum(1.0 - w * w, 0.0))
    axis = np.where(s[..., None] > 1e-9, q[..., 1:] / np.maximum(s, 1e-12)[..., None], np.array([1.0, 0, 0]))
    half = 0.5 * t * angle
    return np.concatenate([np.cos(half)[..., None], np.sin(half)[..., None] * axis], axis=-1)


def to_bone_basis(world_delta: np.ndarray, bone_rest_world: np.ndarray) -> np.ndarray:
    """Pose-bone rotation_quaternion that applies a world-axes rotation to a bone
    whose parents carry their own share: R_rest^-1 * D * R_rest."""
    rest = np.broadcast_to(bone_rest_world, world_delta.shape)
    return multiply(multiply(conjugate(rest), world_delta), rest)


def continuous(q: np.ndarray) -> np.ndarray:
    """Flip signs so consecutive quaternions stay in one hemisphere (no spins in F-curves)."""
    q = np.array(q, dtype=np.float64)
    if len(q) < 2:
        return q
    dots = np.einsum("ij,ij->i", q[1:], q[:-1])
    flips = np.concatenate([[1.0], np.cumprod(np.where(dots < 0, -1.0, 1.0))])
    return q * flips[:, None]


def direction_angles(d: np.ndarray, forward: np.ndarray, left: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Yaw/pitch degrees (T, 2) of directions d (T, 3) in a character frame."""
    f, lft, u = d @ forward, d @ left, d @ up
    yaw = np.degrees(np.arctan2(lft, f))
    pitch = np.degrees(np.arctan2(u, np.hypot(f, lft)))
    return np.stack([yaw, pitch], axis=-1)


def eye_rotation(yaw_pitch: np.ndarray, forward: np.ndarray, left: np.ndarray, up: np.ndarray) -> np.ndarray:
    """World-axes quaternions turning the rest gaze (forward) to yaw/pitch degrees."""
    yaw, pitch = np.radians(np.asarray(yaw_pitch, dtype=np.float64)).T
    return multiply(axis_angle(up, yaw), axis_angle(-np.asarray(left), pitch))


def direction(yaw_pitch: np.ndarray) -> np.ndarray:
    """Unit vectors (F, 3) of yaw/pitch degrees (F, 2) in the rest frame (FORWARD, LEFT, UP)."""
    yp = np.asarray(yaw_pitch, dtype=np.float64).reshape(-1, 2)
    q = eye_rotation(yp, FORWARD, LEFT, UP)
    return rotate(q, np.broadcast_to(FORWARD, (len(yp), 3)))


def eye_in_head(head_ypr: np.ndarray, world_yaw_pitch: np.ndarray) -> np.ndarray:
    """Eye yaw/pitch (F, 2) in the head frame that points at world directions (F, 2)."""
    if len(head_ypr) == 0:
        return np.zeros((0, 2))
    q = character_rotation(np.asarray(head_ypr, dtype=np.float64), FORWARD, LEFT, UP)
    local = rotate(conjugate(q), direction(world_yaw_pitch))
    return direction_angles(local, FORWARD, LEFT, UP)


def world_gaze(head_ypr: np.ndarray, eye_yaw_pitch: np.ndarray) -> np.ndarray:
    """World yaw/pitch (F, 2) of an eye-in-head gaze (F, 2) on a head pose (F, 3)."""
    if len(head_ypr) == 0:
        return np.zeros((0, 2))
    q = character_rotation(np.asarray(head_ypr, dtype=np.float64), FORWARD, LEFT, UP)
    return direction_angles(rotate(q, direction(eye_yaw_pitch)), FORWARD, LEFT, UP)
