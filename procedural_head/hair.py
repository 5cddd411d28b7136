"""Hair and eyebrows: thin sheets laid over the skin, bound to it.

Each sheet vertex is bound to a few nearby skin vertices, and every shape key
moves it by their weighted displacement, so brows ride the brow keys and the
hair edge follows the forehead.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import libm
from .field import head_field
from .grid import AXIS_Y
from .mesh import MeshBuilder
from .params import HeadParams
from .sdf import outermost_crossing
from .shell import Shell
from .surface import hairline_height, smoothstep


@dataclasses.dataclass
class Binding:
    """Sheet vertices follow skin vertices: delta[v] = sum(weights * delta[skin])."""

    vertices: np.ndarray  # (n,) indices of the bound vertices
    skin: np.ndarray  # (n, k) skin vertex indices
    weights: np.ndarray  # (n, k), rows sum to 1

    def apply(self, delta: np.ndarray) -> None:
        # An explicit sum over the k neighbours in order: einsum's SIMD kernels may add them
        # in an order that depends on the arrays' alignment (last-bit differences between builds).
        moved = delta[self.skin]
        total = self.weights[:, 0, None] * moved[:, 0]
        for j in range(1, self.weights.shape[1]):
            total = total + self.weights[:, j, None] * moved[:, j]
        delta[self.vertices] = total


def bind(
    points: np.ndarray, skin_points: np.ndarray, skin_ids: np.ndarray, k: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """k nearest skin vertices of every point, with inverse-distance weights."""
    out_idx = np.empty((len(points), k), dtype=int)
    out_w = np.empty((len(points), k))
    for start in range(0, len(points), 256):
        chunk = points[start : start + 256]
        d = np.linalg.norm(chunk[:, None, :] - skin_points[None, :, :], axis=2)
        nearest = np.argpartition(d, k, axis=1)[:, :k]
        dist = np.take_along_axis(d, nearest, axis=1)
        order = np.argsort(dist, axis=1)
        nearest = np.take_along_axis(nearest, order, axis=1)
        dist = np.take_along_axis(dist, order, axis=1)
        w = 1.0 / np.maximum(dist, 1e-4) ** 2
        out_idx[start : start + len(chunk)] = skin_ids[nearest]
        out_w[start : start + len(chunk)] = w / w.sum(axis=1, keepdims=True)
    return out_idx, out_w


def _column_polyline(shell: Shell, rest: np.ndarray, col: int) -> np.ndarray:
    """Skin points up one grid column (the upper copy at slits), ending at the crown."""
    idx = np.concatenate([shell.upper_index[:, col], [shell.pole]])
    return rest[idx]


def _resample(poly: np.ndarray, ts: np.ndarray) -> np.ndarray:
    seg = np.linalg.norm(np.diff(poly, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    s /= s[-1]
    return np.stack([np.interp(ts, s, poly[:, k]) for k in range(3)], axis=1)


def add_hair(b: MeshBuilder, params: HeadParams, shell: Shell, rest: np.ndarray, material: int) -> np.ndarray:
    """A hair cap from the hairline to the crown; long hair also hangs down the back.

    Built column by column on the skin's own grid columns, pushed out along
    the outward direction by a thickness that grows from nothing at the hairline.
    """
    n_cols = shell.grid_index.shape[1]
    phi = shell.grid.phi
    n_rows = 11
    rings = []
    centre = np.array([0.0, AXIS_Y, 0.0])
    for col in range(n_cols):
        poly = _column_polyline(shell, rest, col)
        line = float(hairline_height(params, np.array([phi[col]]))[0])
        bottom = line
        if params.long_hair:
            # Below the hairline at the back, hair falls to the jaw line.
            hang = smoothstep(100.0, 135.0, abs(np.degrees(phi[col])))
            bottom = line + (params.mouth_line - 0.025 - line) * hang
        start = int(np.searchsorted(poly[:, 2], bottom))  # first skin point above the hair edge
        start = min(max(start, 1), len(poly) - 2)
        # Hair from the edge up to the crown along the skin.
        a, b_ = poly[start - 1], poly[start]
        frac = np.clip((bottom - a[2]) / max(b_[2] - a[2], 1e-9), 0.0, 1.0)
        edge = a + frac * (b_ - a)
        part = np.vstack([edge, poly[start:]])
        pts = _resample(part, libm.power(np.linspace(0.0, 1.0, n_rows), 1.15))
        # Hanging hair does not follow the neck in: keep the widest radius below it.
        radial = pts - centre
        radial[:, 2] = 0.0
        r = np.linalg.norm(radial, axis=1)
        widest = np.maximum.accumulate(r[::-1])[::-1]
        hanging = (r < widest) & (pts[:, 2] < 0.04)
        scale = np.where(hanging, widest / np.maximum(r, 1e-9), 1.0)
        pts[:, 0] = centre[0] + radial[:, 0] * scale
        pts[:, 1] = centre[1] + radial[:, 1] * scale
        outward = pts - np.array([0.0, AXIS_Y, -0.01])
        outward /= np.linalg.norm(outward, axis=1, keepdims=True)
        s = np.linspace(0.0, 1.0, n_rows)
        thickness = params.hair_thickness * (0.06 + 0.94 * smoothstep(0.0, 0.3, s))
        if params.long_hair:
            thickness = thickness * (
                1.0 + 0.5 * smoothstep(0.0, 0.5, s) * smoothstep(60.0, 140.0, abs(np.degrees(phi[col])))
            )
        rings.append(pts + outward * (thickness + 0.0006)[:, None])
    grid = np.array(rings).transpose(1, 0, 2)  # (rows, cols, 3)
    # The crown: all columns meet in one vertex.
    crown = grid[-1].mean(axis=0)
    idx = b.add_vertices(grid[:-1])
    top = b.add_vertices(crown[None])[0]
    for r in range(n_rows - 2):
        b.strip(list(idx[r]), list(idx[r + 1]), material, closed=True)
    b.strip(list(idx[-1]), [top] * n_cols, material, closed=True)
    return np.concatenate([idx.ravel(), [top]])


def _skin_point(params: HeadParams, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Points on the sculpted skin at given (x, z) on the face, found by ray casting."""
    field = head_field(params)
    phi = libm.arcsin(np.clip(x / 0.07, -1.0, 1.0))
    for _ in range(4):
        d = np.stack([libm.sin(phi), -libm.cos(phi), np.zeros_like(phi)], axis=1)
        o = np.stack([np.zeros_like(x), np.full_like(x, AXIS_Y), z], axis=1)
        t = outermost_crossing(field, o, d, t_max=0.2, t_min=0.02)
        phi = libm.arcsin(np.clip(x / t, -1.0, 1.0))
    d = np.stack([libm.sin(phi), -libm.cos(phi), np.zeros_like(phi)], axis=1)
    o = np.stack([np.zeros_like(x), np.full_like(x, AXIS_Y), z], axis=1)
    t = outermost_crossing(field, o, d, t_max=0.2, t_min=0.02)
    return o + t[:, None] * d, d


def brow_shape(params: HeadParams, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left brow along s (0 = head, 1 = tail): centre x, centre z and half-height."""
    e = params.eye_half_spacing
    x = (e - 0.0175) + s * 0.038
    rise = libm.sin(np.pi * np.clip(s / 0.68, 0.0, 1.0) * 0.5)
    arch = rise - 0.9 * libm.power(np.clip(s - 0.68, 0.0, 1.0), 1.4)
    z = 0.0165 + params.brow_ridge * 0.6 + 0.0062 * arch
    half = 0.0036 * (1.0 - 0.62 * libm.power(s, 1.2)) + 0.0007
    half = half * (0.75 + 0.25 * np.sqrt(np.clip(s / 0.06, 0.0, 1.0)))
    return x, z, half


def add_brows(b: MeshBuilder, params: HeadParams, material: int) -> list[np.ndarray]:
    """Two tapered brow sheets (left, right), slightly proud of the skin."""
    s = np.linspace(0.0, 1.0, 12)
    x, z, half = brow_shape(params, s)
    across = np.array([-1.0, -0.4, 0.3, 1.0])
    xs = np.repeat(x, len(across))
    zs = (z[:, None] + half[:, None] * across[None, :]).ravel()
    # Brow hair lies toward the tail: the lower edge slightly fuller.
    lift = np.tile(np.array([0.00045, 0.0009, 0.0009, 0.00045]), len(s))
    out = []
    for side in (1.0, -1.0):
        points, direction = _skin_point(params, side * xs, zs)
        points = points + direction * lift[:, None]
        idx = b.add_vertices(points.reshape(len(s), len(across), 3))
        for i in range(len(s) - 1):
            lower, upper = list(idx[i]), list(idx[i + 1])
            # Along s the brow runs outward: +X on the left, -X on the right.
            if side > 0:
                b.strip(upper, lower, material)
            else:
                b.strip(lower, upper, material)
        out.append(idx.ravel())
    return out
