"""Signed-distance primitives the head surface is sculpted from (numpy, no bpy).

Distances are in metres and approximate away from the surface; the head
builder only needs their sign and a smooth zero set, which these keep.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def ellipsoid(p: Array, centre: Array, radii: Array) -> Array:
    """Approximate signed distance to an axis-aligned ellipsoid."""
    radii = np.asarray(radii, dtype=np.float64)
    q = (p - np.asarray(centre, dtype=np.float64)) / radii
    k0 = np.linalg.norm(q, axis=-1)
    k1 = np.linalg.norm(q / radii, axis=-1)
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)


def capsule(p: Array, a: Array, b: Array, radius: float) -> Array:
    """Signed distance to a segment a-b thickened by radius."""
    a = np.asarray(a, dtype=np.float64)
    ab = np.asarray(b, dtype=np.float64) - a
    ap = p - a
    t = np.clip((ap @ ab) / float(ab @ ab), 0.0, 1.0)
    return np.linalg.norm(ap - t[..., None] * ab, axis=-1) - radius


def smooth_union(a: Array, b: Array, k: float) -> Array:
    """Union that blends the two surfaces over about k metres (polynomial smooth min)."""
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k * 0.25


def smooth_subtract(a: Array, b: Array, k: float) -> Array:
    """a with b carved out, the cut edge rounded over about k metres."""
    return -smooth_union(-a, b, k)


def outermost_crossing(
    field, origins: Array, directions: Array, t_max: float, step: float = 0.001, iterations: int = 24
) -> Array:
    """Distance along each ray to the last inside-to-outside crossing of field(p) = 0.

    Rays start inside the solid; the outermost crossing is the visible skin
    even where a ray passes through a thin gap first. Returns t per ray.
    """
    ts = np.arange(0.0, t_max + step, step)
    inside = np.empty((len(origins), len(ts)), dtype=bool)
    for k, t in enumerate(ts):
        inside[:, k] = field(origins + t * directions) < 0.0
    if not inside[:, 0].all():
        bad = int(np.argmin(inside[:, 0]))
        raise ValueError(f"ray {bad} starts outside the head surface; move the ray origin inward")
    if inside[:, -1].any():
        raise ValueError("a ray ends inside the head surface; raise t_max")
    last_inside = len(ts) - 1 - np.argmax(inside[:, ::-1], axis=1)
    lo = ts[last_inside]
    hi = lo + step
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        mid_inside = field(origins + mid[:, None] * directions) < 0.0
        lo = np.where(mid_inside, mid, lo)
        hi = np.where(mid_inside, hi, mid)
    return 0.5 * (lo + hi)
