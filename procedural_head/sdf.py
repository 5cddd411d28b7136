"""Signed-distance primitives the head surface is sculpted from (numpy, no bpy).

Distances are in metres and approximate away from the surface; the head
builder only needs their sign and a smooth zero set, which these keep.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def ellipsoid(p: Array, centre, radii) -> Array:
    """Approximate signed distance to an axis-aligned ellipsoid."""
    x = (p[:, 0] - centre[0]) / radii[0]
    y = (p[:, 1] - centre[1]) / radii[1]
    z = (p[:, 2] - centre[2]) / radii[2]
    k0 = np.sqrt(x * x + y * y + z * z)
    x /= radii[0]
    y /= radii[1]
    z /= radii[2]
    k1 = np.sqrt(x * x + y * y + z * z)
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)


def capsule(p: Array, a, b, radius: float) -> Array:
    """Signed distance to a segment a-b thickened by radius."""
    ax, ay, az = a
    bx, by, bz = b[0] - ax, b[1] - ay, b[2] - az
    px, py, pz = p[:, 0] - ax, p[:, 1] - ay, p[:, 2] - az
    t = np.clip((px * bx + py * by + pz * bz) / (bx * bx + by * by + bz * bz), 0.0, 1.0)
    px -= t * bx
    py -= t * by
    pz -= t * bz
    return np.sqrt(px * px + py * py + pz * pz) - radius


def smooth_union(a: Array, b: Array, k: float) -> Array:
    """Union that blends the two surfaces over about k metres (polynomial smooth min)."""
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k * 0.25


def smooth_subtract(a: Array, b: Array, k: float) -> Array:
    """a with b carved out, the cut edge rounded over about k metres."""
    return -smooth_union(-a, b, k)


def outermost_crossing(
    field,
    origins: Array,
    directions: Array,
    t_max: float,
    step: float = 0.0025,
    iterations: int = 16,
    t_min: float = 0.0,
) -> Array:
    """Distance along each ray to the last inside-to-outside crossing of field(p) = 0.

    Rays start inside the solid; the outermost crossing is the visible skin
    even where a ray passes through a thin gap first. Samples every `step`
    metres from t_min, then bisects. Returns t per ray.
    """
    ts = np.arange(t_min, t_max + step, step)
    # All samples in one batch (few calls of the field beat many small ones).
    samples = origins[:, None, :] + ts[None, :, None] * directions[:, None, :]
    inside = (field(samples.reshape(-1, 3)) < 0.0).reshape(len(origins), len(ts))
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
