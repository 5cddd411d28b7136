"""Eyelids: every lid pose is the shut shell with the lids turned about the eye centre.

The lid skin lies on a sphere just outside the eyeball. A pose gives, for
every column across the fissure, the elevation of the upper and of the lower
lid margin (degrees about the eye's left-right axis, 0 = eye centre height);
the skin between a margin and the edge of the lid zone is spread evenly, so
the lids slide over the eyeball without cutting into it. Blink, wide, squint
and the lid-follow of gaze are all poses, which keeps them consistent.
"""

from __future__ import annotations

import numpy as np

from . import libm
from .params import HeadParams
from .shell import EyeSlit, Shell

UPPER_ZONE_DEG = 78.0  # lid skin above the margin reaches this elevation
LOWER_ZONE_DEG = 62.0
REST_UPPER_DEG = 25.0  # resting upper margin at the fissure's peak (covers the top of the iris)
REST_LOWER_DEG = -29.0  # resting lower margin (near the bottom of the iris)
CLOSED_DEG = -8.0  # where the margins meet in a blink


def profiles(across: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shape of the upper margin, the lower margin and the closed lid line across the fissure.

    0 at the corners, 1 at the peak; the upper lid peaks a little medially,
    the lower one a little laterally, like real lids.
    """
    s = np.clip(across, 0.0, 1.0)
    upper = libm.power(libm.sin(np.pi * libm.power(s, 0.85)), 0.75)
    lower = libm.power(libm.sin(np.pi * libm.power(s, 1.15)), 0.9)
    closed = libm.power(libm.sin(np.pi * s), 0.8)
    return upper, lower, closed


def _vertex_columns(shell: Shell) -> np.ndarray:
    n = len(shell.closed)
    cols = np.full(n, -1)
    n_rows, n_cols = shell.grid_index.shape
    col_ids = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    cols[shell.grid_index] = col_ids
    cols[shell.upper_index] = col_ids
    for eye in shell.eyes:
        cols[eye.upper_inner] = eye.cols
        cols[eye.lower_inner] = eye.cols
    return cols


def _zone(shell: Shell, params: HeadParams, eye: EyeSlit):
    """Per shell vertex: column, offset from the eye centre, elevation (deg), how fully it
    rides the lid sphere (0..1), and whether it belongs to the upper / lower lid."""
    vcol = _vertex_columns(shell)
    in_fissure = np.zeros(shell.grid_index.shape[1], dtype=bool)
    in_fissure[eye.cols] = True
    rel = shell.closed - eye.centre
    rho = np.linalg.norm(rel, axis=1)
    elevation = np.degrees(libm.arctan2(rel[:, 2], -rel[:, 1]))
    r_lid = params.eye_radius + 0.0011
    radial = np.clip(1.0 - (rho - r_lid - 0.0008) / 0.007, 0.0, 1.0)
    candidate = (vcol >= 0) & (radial > 0) & (rel[:, 1] < 0.004) & (np.abs(rel[:, 0]) < 0.03)
    candidate &= in_fissure[np.maximum(vcol, 0)]
    up = candidate & (shell.side > 0) & (elevation <= UPPER_ZONE_DEG)
    lo = candidate & (shell.side < 0) & (elevation >= -LOWER_ZONE_DEG)
    return vcol, rel, elevation, radial, up, lo


def lid_zone(shell: Shell, params: HeadParams, eye: EyeSlit) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the shell vertices that lid poses move: (upper lid, lower lid)."""
    _, _, _, _, up, lo = _zone(shell, params, eye)
    return up, lo


def pose_lids(
    shell: Shell,
    params: HeadParams,
    positions: np.ndarray,
    eye: EyeSlit,
    upper_deg: np.ndarray,
    lower_deg: np.ndarray,
    swivel_deg: float = 0.0,
) -> np.ndarray:
    """Positions with one eye's lids posed; margins at upper_deg / lower_deg per interior column.

    Vertices of that eye zone are taken from the shut shell, so poses never
    accumulate; everything else is copied from positions.
    """
    out = positions.copy()
    vcol, rel, elevation, radial, up, lo = _zone(shell, params, eye)
    margin_upper = np.zeros(shell.grid_index.shape[1])
    margin_lower = np.zeros_like(margin_upper)
    margin_upper[eye.cols] = upper_deg
    margin_lower[eye.cols] = lower_deg

    target = elevation.copy()
    a = margin_upper[vcol[up]]
    target[up] = a + elevation[up] * (UPPER_ZONE_DEG - a) / UPPER_ZONE_DEG
    b = margin_lower[vcol[lo]]
    target[lo] = b + elevation[lo] * (LOWER_ZONE_DEG + b) / LOWER_ZONE_DEG
    moved = up | lo
    turn = np.radians((target - elevation) * radial)[moved]
    ry, rz = rel[moved, 1], rel[moved, 2]
    # Rotation about the eye's x axis: -y is forward, so elevation grows from -y toward +z.
    new_y = ry * libm.cos(turn) + rz * libm.sin(turn)
    new_z = rz * libm.cos(turn) - ry * libm.sin(turn)
    posed = rel[moved].copy()
    posed[:, 1], posed[:, 2] = new_y, new_z
    if swivel_deg:
        # Lid margins follow the cornea sideways: turn about the vertical axis, strongest at the margin.
        new_elev = np.radians(target[moved])
        near_margin = np.clip(1.0 - np.abs(new_elev) / np.radians(60.0), 0.0, 1.0) * radial[moved]
        psi = np.radians(swivel_deg * eye.side) * near_margin
        px, py = posed[:, 0], posed[:, 1]
        posed[:, 0] = px * libm.cos(psi) - py * libm.sin(psi)
        posed[:, 1] = py * libm.cos(psi) + px * libm.sin(psi)
    out[moved] = eye.centre + posed
    return out


def rest_margins(eye: EyeSlit, params: HeadParams) -> tuple[np.ndarray, np.ndarray]:
    upper, lower, _ = profiles(eye.across)
    return REST_UPPER_DEG * params.eye_opening * upper, REST_LOWER_DEG * lower


def open_eyes(shell: Shell, params: HeadParams) -> np.ndarray:
    """The resting shell: lips sealed, both eyes open."""
    positions = shell.closed.copy()
    for eye in shell.eyes:
        u, lo = rest_margins(eye, params)
        positions = pose_lids(shell, params, positions, eye, u, lo)
    return positions
