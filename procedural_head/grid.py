"""Where the shell's grid of rays points: columns around the head, rows up it.

Columns are azimuths phi (0 = straight ahead, +90 deg = character's left),
fine over the face and coarse behind it, symmetric so that every column has a
mirror column. Rows below the brow are horizontal rays from a vertical axis at
fixed heights (fine around the mouth, nose and eyes); above, rays fan up from a
centre inside the skull to a single crown vertex.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from . import libm
from .params import HeadParams

AXIS_Y = 0.056  # the vertical axis the horizontal rays start from
CAP_TOP_Z = 0.036  # the last horizontal row; the cap fans up from here


@dataclasses.dataclass(frozen=True)
class RayGrid:
    phi: np.ndarray  # (n_cols,) radians, ascending, last = pi
    mirror_col: np.ndarray  # (n_cols,) index of the mirror column
    row_z: np.ndarray  # (n_flat,) heights of the horizontal rows, ascending
    cap_alpha: np.ndarray  # (n_cap,) elevation of the cap rows, ascending, excluding 0 and 90 deg
    mouth_row: int
    eye_row: int
    # Per-column height offsets of the horizontal rows (lip rows follow the lip outline).
    z_offset: np.ndarray | None = None
    # Per-row, per-column ray elevation (radians; under the chin the rays tilt down).
    elevation: np.ndarray | None = None

    @property
    def n_cols(self) -> int:
        return len(self.phi)

    @property
    def n_rows(self) -> int:
        return len(self.row_z) + len(self.cap_alpha)

    def rays(self) -> tuple[np.ndarray, np.ndarray]:
        """(n_rows, n_cols, 3) origins and unit directions of every grid ray."""
        sin_p, cos_p = libm.sin(self.phi), libm.cos(self.phi)
        origins, directions = [], []
        flat = (len(self.row_z), self.n_cols)
        offsets = self.z_offset if self.z_offset is not None else np.zeros(flat)
        elevation = self.elevation if self.elevation is not None else np.zeros(flat)
        for z, dz, el in zip(self.row_z, offsets, elevation, strict=True):
            origins.append(np.stack([np.zeros(self.n_cols), np.full(self.n_cols, AXIS_Y), z + dz], axis=1))
            ce, se = libm.cos(el), libm.sin(el)
            directions.append(np.stack([ce * sin_p, -ce * cos_p, se], axis=1))
        for a in self.cap_alpha:
            origins.append(np.broadcast_to((0.0, AXIS_Y, CAP_TOP_Z), (self.n_cols, 3)))
            directions.append(
                np.stack(
                    [libm.cos(a) * sin_p, -libm.cos(a) * cos_p, np.full_like(sin_p, libm.sin(a))], axis=1
                )
            )
        return np.array(origins, dtype=np.float64), np.array(directions, dtype=np.float64)


def _segments(points: list[tuple[float, int]]) -> np.ndarray:
    """Heights from (z, rows up to the next z) breakpoints; the last entry's count is ignored."""
    zs = []
    for (z0, n), (z1, _) in itertools.pairwise(points):
        zs.extend(np.linspace(z0, z1, n + 1)[:-1])
    zs.append(points[-1][0])
    return np.array(zs)


def make_grid(params: HeadParams) -> RayGrid:
    # Degrees: 3 over the mouth and nose, 2 across the eyes, then coarser to the back.
    front = np.concatenate(
        [np.arange(0.0, 12.0, 3.0), np.arange(12.0, 46.0 + 1e-9, 2.0), [50.0, 55.0, 61.0, 68.0]]
    )
    back = np.linspace(68.0, 180.0, 9)[1:]
    half = np.radians(np.concatenate([front, back]))
    phi = np.concatenate([-half[-2:0:-1], half])
    n = len(phi)
    order = {round(float(v), 9): i for i, v in enumerate(phi)}
    mirror = np.array([order[round(float(-v), 9)] if abs(v) < np.pi - 1e-9 else i for i, v in enumerate(phi)])

    z_m = params.mouth_line
    chin_bottom = z_m - 0.042
    nose_base = 0.004 - params.nose_length
    row_z = _segments(
        [
            (-0.190, 1),
            (-0.165, 1),
            (-0.145, 1),
            (-0.130, 1),
            (chin_bottom - 0.010, 3),
            (chin_bottom + 0.008, 4),
            (z_m - 0.016, 6),
            (z_m, 7),
            (nose_base - 0.002, 6),
            (nose_base + 0.014, 3),
            (-0.016, 6),
            (0.0, 10),
            (0.026, 3),
            (CAP_TOP_Z, 0),
        ]
    )
    # Under the chin the skin runs nearly level: there the front rays fan down from the
    # chin's height instead of running flat, so the jaw's underside gets rows too.
    z_offset = np.zeros((len(row_z), n))
    elevation = np.zeros((len(row_z), n))
    i0 = int(np.argmin(np.abs(row_z - (-0.130))))
    i1 = int(np.argmin(np.abs(row_z - (chin_bottom + 0.008))))
    front_share = np.clip(libm.cos(phi), 0.0, 1.0) ** 2
    for k in range(i0 + 1, i1):
        frac = (k - i0) / (i1 - i0)
        z_offset[k] = front_share * (row_z[i1] - row_z[k])
        elevation[k] = front_share * np.radians(-42.0) * (1.0 - frac)
    mouth_row = int(np.argmin(np.abs(row_z - z_m)))
    eye_row = int(np.argmin(np.abs(row_z)))
    assert abs(row_z[mouth_row] - z_m) < 1e-12 and abs(row_z[eye_row]) < 1e-12
    cap_alpha = np.radians(np.array([7.0, 14.0, 22.0, 31.0, 41.0, 52.0, 64.0, 77.0]))
    return RayGrid(
        phi=phi,
        mirror_col=mirror,
        row_z=row_z,
        cap_alpha=cap_alpha,
        mouth_row=mouth_row,
        eye_row=eye_row,
        z_offset=z_offset,
        elevation=elevation,
    )


LIP_ROWS_UPPER = 7  # rows from the stomion to the nose base
LIP_ROWS_LOWER = 6  # rows from the stomion down to the chin fold
VERMILION_ROWS = 3  # of those, rows on the red of the lip


def upper_vermilion_height(params: HeadParams, x: np.ndarray) -> np.ndarray:
    """Height of the upper lip's red above the stomion: a Cupid's bow tapering into the corners."""
    u = np.clip(np.abs(x) / params.mouth_half_width, 0.0, 1.0)
    bow = 1.0 + 0.20 * libm.exp(-(((u - 0.27) / 0.14) ** 2)) - 0.14 * libm.exp(-((u / 0.10) ** 2))
    return params.upper_lip * 1.25 * bow * libm.power(np.clip(1.0 - libm.power(u, 2.4), 0.0, 1.0), 0.6)


def lower_vermilion_height(params: HeadParams, x: np.ndarray) -> np.ndarray:
    u = np.clip(np.abs(x) / params.mouth_half_width, 0.0, 1.0)
    return params.lower_lip * 1.35 * libm.power(np.clip(1.0 - u**2.0, 0.0, 1.0), 0.55)


def with_lip_rows(grid: RayGrid, params: HeadParams, mouth_x: np.ndarray) -> RayGrid:
    """Bend the rows around the mouth so one row traces each lip's outline (smooth lip edges).

    mouth_x: x of every column at the stomion. Beside the corners the rows
    gather toward the corner and then relax back to level over 2 cm.
    """
    m = grid.mouth_row
    z_m = params.mouth_line
    offsets = grid.z_offset.copy() if grid.z_offset is not None else np.zeros((len(grid.row_z), grid.n_cols))
    front = np.abs(grid.phi) < np.pi / 2
    beyond = np.clip((np.abs(mouth_x) - params.mouth_half_width) / 0.02, 0.0, 1.0)
    relax = (1.0 - beyond * beyond * (3.0 - 2.0 * beyond)) * front
    h_up = np.maximum(upper_vermilion_height(params, mouth_x), 0.0012)
    h_lo = np.maximum(lower_vermilion_height(params, mouth_x), 0.0012)
    top = grid.row_z[m + LIP_ROWS_UPPER] - z_m
    bottom = z_m - grid.row_z[m - LIP_ROWS_LOWER]
    v = VERMILION_ROWS
    for k in range(1, LIP_ROWS_UPPER):
        want = h_up * k / v if k <= v else h_up + (k - v) / (LIP_ROWS_UPPER - v) * (top - h_up)
        offsets[m + k] += relax * (z_m + want - grid.row_z[m + k])
    for k in range(1, LIP_ROWS_LOWER):
        want = h_lo * k / v if k <= v else h_lo + (k - v) / (LIP_ROWS_LOWER - v) * (bottom - h_lo)
        offsets[m - k] += relax * (z_m - want - grid.row_z[m - k])
    return dataclasses.replace(grid, z_offset=offsets)
