"""Materials of the skin faces (lip vermilion, nostrils) and small helpers."""

from __future__ import annotations

import numpy as np

from .grid import VERMILION_ROWS
from .params import HeadParams
from .shell import LIPS, NOSTRIL, SKIN, Shell


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((np.asarray(x, dtype=np.float64) - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def hairline_height(params: HeadParams, azimuth: np.ndarray) -> np.ndarray:
    """Height of the hairline around the head (azimuth 0 = front, radians, either sign)."""
    a = np.degrees(np.abs(azimuth))
    # Front, temples, above the ear, behind the ear, nape.
    knots_deg = [0.0, 25.0, 48.0, 68.0, 80.0, 105.0, 125.0, 180.0]
    knots_z = [
        params.hairline,
        params.hairline - 0.003,
        params.hairline - 0.016,
        0.030,
        0.024,
        0.022,
        -0.015,
        params.hair_nape,
    ]
    return np.interp(a, knots_deg, knots_z)


def _grid_rows_cols(shell: Shell) -> tuple[np.ndarray, np.ndarray]:
    n = len(shell.closed)
    rows, cols = np.full(n, -1), np.full(n, -1)
    r_ids, c_ids = np.indices(shell.grid_index.shape)
    for index in (shell.grid_index, shell.upper_index):
        rows[index] = r_ids
        cols[index] = c_ids
    return rows, cols


def face_materials(params: HeadParams, shell: Shell, rest: np.ndarray) -> None:
    """Lips: the faces between the seam and the row that traces each lip's outline.
    Nostrils: small dark patches under the nose tip. In place on the shell's builder."""
    b = shell.builder
    rows, cols = _grid_rows_cols(shell)
    m = shell.grid.mouth_row
    c_lo, c_hi = shell.mouth_corner_cols
    nose_base = 0.004 - params.nose_length
    quads = [f for f, corners in enumerate(b.faces) if len(corners) == 4 and b.face_materials[f] == SKIN]
    corners = np.array([b.faces[f] for f in quads])
    on_grid = (corners < len(rest)).all(axis=1)
    quads, corners = np.asarray(quads)[on_grid], corners[on_grid]
    on_grid = (rows[corners] >= 0).all(axis=1)
    quads, corners = quads[on_grid], corners[on_grid]
    r, k = rows[corners], cols[corners]
    in_mouth = (k.min(axis=1) >= c_lo) & (k.max(axis=1) <= c_hi)
    upper = (r.min(axis=1) >= m) & (r.max(axis=1) <= m + VERMILION_ROWS)
    lower = (r.min(axis=1) >= m - VERMILION_ROWS) & (r.max(axis=1) <= m)
    lips = in_mouth & (upper | lower)
    centre = shell.closed[corners].mean(axis=1)
    nostril = (
        ~lips
        & (np.abs(np.abs(centre[:, 0]) - params.nose_width * 0.5) < 0.0035)
        & (centre[:, 2] > nose_base - 0.0005)
        & (centre[:, 2] < nose_base + 0.004)
        & (centre[:, 1] < -0.012)
    )
    for f in quads[lips]:
        b.face_materials[f] = LIPS
    for f in quads[nostril]:
        b.face_materials[f] = NOSTRIL
