"""F-curve keys from per-frame samples: monotone slopes and Bezier keys for the bake.

Pure numpy (no bpy); the Blender bake writes what these functions return.

Bezier keys. Blender evaluates a BEZIER segment between keys (x0, y0) and
(x1, y1) with right handle h1 of the first key and left handle h2 of the
second as a cubic Bezier in a parameter u: it solves x(u) = frame for u, then
returns y(u). Every key this module makes puts its handles one third of the
way to the neighbouring key in time, so x(u) = x0 + u (x1 - x0) is linear and
the curve between keys is exactly the cubic Hermite segment

    y(u) = (1-u)^3 y0 + 3 (1-u)^2 u hy1 + 3 (1-u) u^2 hy2 + u^3 y1,
    hy1 = y0 + m0 (x1 - x0) / 3,   hy2 = y1 - m1 (x1 - x0) / 3,

with slopes m0, m1 (value per frame) at the keys. The slopes are the
shape-preserving ones of the dense samples (Fritsch-Carlson / PCHIP: zero at
local extrema, no overshoot between samples), so a key at a peak has flat
handles like Blender's AUTO_CLAMPED. Handles are returned as explicit (time,
value) pairs; the bake sets both handle types to FREE so Blender keeps them.
Head and eye rotations are duet.model.pose.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Past this many refinement rounds, reduce_keys keys every sample of the segments
# still out of tolerance: the result stays within tolerance and the run time bounded.
_MAX_REFINE_ROUNDS = 40


# --------------------------------------------------------------------------- checks


def _as_times(times: np.ndarray | Sequence[float], n: int | None = None) -> np.ndarray:
    x = np.asarray(times, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"times must be a 1-D array of frames, got shape {x.shape}")
    if n is not None and len(x) != n:
        raise ValueError(f"times has {len(x)} entries but values have {n} samples: pass one time per sample")
    if not np.all(np.isfinite(x)):
        raise ValueError("times hold NaN or infinite values: pass finite frame numbers")
    if len(x) > 1 and not np.all(np.diff(x) > 0):
        raise ValueError("times must increase strictly (one sample per frame, in order)")
    return x


def _as_values(values: np.ndarray | Sequence[float], what: str = "values") -> np.ndarray:
    y = np.asarray(values, dtype=np.float64)
    if y.ndim == 0 or y.shape[0] == 0:
        raise ValueError(f"{what} is empty: pass at least one sample")
    if not np.all(np.isfinite(y)):
        bad = int(np.argwhere(~np.isfinite(y))[0][0])
        raise ValueError(f"{what} hold NaN or infinite values (first at sample {bad}): fix the input curves")
    return y


# --------------------------------------------------------------------------- slopes


def monotone_slopes(times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Shape-preserving slopes (value per unit time) at each sample, per column.

    Fritsch-Carlson with the Fritsch-Butland weighted harmonic mean inside and
    the three-point shape-preserving formula at both ends: zero at local extrema
    and where a neighbouring chord is flat, so Hermite segments never overshoot
    the samples they join. values: (T,) or (T, C).
    """
    x = np.asarray(times, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    squeeze = y.ndim == 1
    if squeeze:
        y = y[:, None]
    t = len(x)
    m = np.zeros_like(y)
    if t < 2:
        return m[:, 0] if squeeze else m
    h = np.diff(x)[:, None]
    delta = np.diff(y, axis=0) / h
    if t == 2:
        m[:] = delta[0]
        return m[:, 0] if squeeze else m
    d0, d1 = delta[:-1], delta[1:]
    h0, h1 = h[:-1], h[1:]
    w1 = 2.0 * h1 + h0
    w2 = h1 + 2.0 * h0
    same_sign = (d0 * d1) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = (w1 + w2) / (w1 / d0 + w2 / d1)
    m[1:-1] = np.where(same_sign, inner, 0.0)
    m[0] = _edge_slope(h[0], h[1], delta[0], delta[1])
    m[-1] = _edge_slope(h[-1], h[-2], delta[-1], delta[-2])
    return m[:, 0] if squeeze else m


def _edge_slope(h0: np.ndarray, h1: np.ndarray, d0: np.ndarray, d1: np.ndarray) -> np.ndarray:
    s = ((2.0 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
    s = np.where(np.sign(s) != np.sign(d0), 0.0, s)
    too_steep = (np.sign(d0) != np.sign(d1)) & (np.abs(s) > 3.0 * np.abs(d0))
    return np.where(too_steep, 3.0 * d0, s)


# --------------------------------------------------------------------------- Bezier keys

Keys = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _handles(
    kt: np.ndarray, kv: np.ndarray, km: np.ndarray, value_range: tuple[float, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Left and right handles (K, 2) one third of the way to the neighbouring keys."""
    k = len(kt)
    if k == 1:
        step_l = step_r = np.ones(1)
    else:
        gaps = np.diff(kt)
        step_l = np.concatenate([gaps[:1], gaps]) / 3.0
        step_r = np.concatenate([gaps, gaps[-1:]]) / 3.0
    hl_v = kv - km * step_l
    hr_v = kv + km * step_r
    if value_range is not None:
        hl_v = np.clip(hl_v, value_range[0], value_range[1])
        hr_v = np.clip(hr_v, value_range[0], value_range[1])
    return np.stack([kt - step_l, hl_v], axis=1), np.stack([kt + step_r, hr_v], axis=1)


def _check_range(value_range: tuple[float, float] | None) -> tuple[float, float] | None:
    if value_range is None:
        return None
    lo, hi = (float(v) for v in value_range)
    if not lo < hi:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
    return lo, hi


def dense_keys(
    times: np.ndarray | Sequence[float],
    values: np.ndarray | Sequence[float],
    value_range: tuple[float, float] | None = None,
) -> Keys:
    """A key on every sample, with monotone handles: the curve passes through
    every sample and never overshoots between two of them (smooth where the
    samples are, flat at peaks). Returns (key_times, key_values, handle_left,
    handle_right), the handles (K, 2) as (time, value)."""
    y = _as_values(values)
    if y.ndim != 1:
        raise ValueError(f"dense_keys takes one curve (T,), got shape {y.shape}")
    x = _as_times(times, len(y))
    rng = _check_range(value_range)
    m = monotone_slopes(x, y)
    hl, hr = _handles(x, y, m, rng)
    return x.copy(), y.copy(), hl, hr


def reduce_keys(
    times: np.ndarray | Sequence[float],
    values: np.ndarray | Sequence[float],
    tolerance: float,
    value_range: tuple[float, float] | None = None,
) -> Keys:
    """Sparse Bezier keys whose curve stays within tolerance of every sample.

    Keys sit on samples (their exact values); the slopes are the dense
    samples' monotone slopes (see monotone_slopes), so the curve is smooth
    and flat at extrema. Returns (key_times, key_values, handle_left,
    handle_right), handles (K, 2) as (time, value); evaluated as Blender
    does (see module doc), |curve(t_i) - values_i| <= tolerance at every
    sample time. value_range=(low, high) also keeps the handles - and so the
    whole curve, by the convex hull of a Bezier segment - inside that range.
    """
    y = _as_values(values)
    if y.ndim != 1:
        raise ValueError(f"reduce_keys takes one curve (T,), got shape {y.shape}: use reduce_keys_many")
    return reduce_keys_many(times, y[:, None], tolerance, value_range)[0]


def reduce_keys_many(
    times: np.ndarray | Sequence[float],
    values: np.ndarray,
    tolerance: float | Sequence[float] | np.ndarray,
    value_range: tuple[float, float] | None = None,
) -> list[Keys]:
    """reduce_keys for C curves sampled at the same times, values (T, C),
    all refined at once (vectorised); tolerance is one number or one per
    curve. Returns one (key_times, key_values, handle_left, handle_right)
    per curve.

    The refinement starts with keys at both ends, evaluates every segment at
    every sample, and adds a key at the worst sample of each segment that
    misses the tolerance, until none does. Every sample a key is exact, so
    it always ends; after _MAX_REFINE_ROUNDS rounds the remaining bad
    segments are keyed densely.
    """
    y = _as_values(values)
    if y.ndim != 2:
        raise ValueError(f"reduce_keys_many takes values (T, C), got shape {y.shape}")
    t, c = y.shape
    x = _as_times(times, t)
    tol = np.broadcast_to(np.asarray(tolerance, dtype=np.float64), (c,)).copy()
    if not np.all(np.isfinite(tol)) or np.any(tol < 0):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance}")
    rng = _check_range(value_range)
    m = monotone_slopes(x, y)
    keys = np.zeros((t, c), dtype=bool)
    keys[0] = keys[-1] = True
    active = np.arange(c)  # curves that may still have segments out of tolerance
    rows = np.arange(t)
    for round_no in range(_MAX_REFINE_ROUNDS + 1):
        if len(active) == 0:
            break
        ka = keys[:, active]
        prev = np.maximum.accumulate(np.where(ka, rows[:, None], 0), axis=0)
        nxt = np.minimum.accumulate(np.where(ka, rows[:, None], t - 1)[::-1], axis=0)[::-1]
        cols = active[None, :]
        x0, x1 = x[prev], x[nxt]
        dx = x1 - x0
        u = np.divide(x[:, None] - x0, dx, out=np.zeros_like(dx), where=dx > 0)
        y0, y1 = y[prev, cols], y[nxt, cols]
        a = y0 + m[prev, cols] * dx / 3.0
        b = y1 - m[nxt, cols] * dx / 3.0
        if rng is not None:
            a = np.clip(a, rng[0], rng[1])
            b = np.clip(b, rng[0], rng[1])
        v = 1.0 - u
        curve = v * v * v * y0 + 3.0 * v * v * u * a + 3.0 * v * u * u * b + u * u * u * y1
        err = np.abs(curve - y[:, active])
        err[ka] = 0.0
        bad = err > tol[active][None, :]
        bad_cols = bad.any(axis=0)
        if not bad_cols.any():
            break
        if round_no == _MAX_REFINE_ROUNDS:
            # Key every sample of each segment that still has a bad sample.
            seg_bad = np.zeros((t, len(active)), dtype=bool)
            r, cc = np.nonzero(bad)
            seg_bad[prev[r, cc], cc] = True
            seg_bad = np.take_along_axis(seg_bad, prev, axis=0)
            keys[:, active] |= seg_bad
            break
        # Worst sample of every bad segment: in curve-major order the segments are
        # contiguous runs of equal prev, so a reduceat finds each run's maximum.
        sub = np.nonzero(bad_cols)[0]
        e = np.where(bad[:, sub], err[:, sub], -1.0).T.ravel()
        seg = (prev[:, sub] + (np.arange(len(sub)) * t)[None, :]).T.ravel()
        starts = np.concatenate([[0], np.nonzero(np.diff(seg))[0] + 1])
        seg_max = np.maximum.reduceat(e, starts)
        counts = np.diff(np.concatenate([starts, [len(e)]]))
        hit = (e == np.repeat(seg_max, counts)) & (e >= 0)
        hit_idx = np.nonzero(hit)[0]
        _, first = np.unique(seg[hit_idx], return_index=True)
        pick = hit_idx[first]
        keys[pick % t, active[sub][pick // t]] = True
        active = active[sub]
    out = []
    for j in range(c):
        idx = np.nonzero(keys[:, j])[0]
        kt, kv = x[idx].copy(), y[idx, j].copy()
        hl, hr = _handles(kt, kv, m[idx, j], rng)
        out.append((kt, kv, hl, hr))
    return out


def evaluate_bezier(
    key_times: np.ndarray,
    key_values: np.ndarray,
    handle_left: np.ndarray,
    handle_right: np.ndarray,
    at: np.ndarray | Sequence[float] | float,
) -> np.ndarray:
    """Evaluate BEZIER keys at times ``at`` the way Blender's F-curve does.

    Per segment: handles that reach past each other in time are shortened
    together (BKE_fcurve_correct_bezpart), x(u) = time is solved for u in
    [0, 1], and y(u) returned. Before the first and after the last key the
    curve holds (constant extrapolation). Works for any handles, not only
    the one-third handles this module makes.
    """
    kt = np.asarray(key_times, dtype=np.float64)
    kv = np.asarray(key_values, dtype=np.float64)
    hl = np.asarray(handle_left, dtype=np.float64).reshape(-1, 2)
    hr = np.asarray(handle_right, dtype=np.float64).reshape(-1, 2)
    q = np.atleast_1d(np.asarray(at, dtype=np.float64))
    if len(kt) == 0:
        raise ValueError("no keys to evaluate")
    if len(kt) == 1:
        return np.full(q.shape, kv[0])
    seg = np.clip(np.searchsorted(kt, q, side="right") - 1, 0, len(kt) - 2)
    p0 = np.stack([kt[seg], kv[seg]], axis=-1)
    p3 = np.stack([kt[seg + 1], kv[seg + 1]], axis=-1)
    p1 = hr[seg].copy()
    p2 = hl[seg + 1].copy()
    # Shorten handles that together reach further than the segment (as Blender does).
    h1 = p0 - p1
    h2 = p3 - p2
    length = p3[:, 0] - p0[:, 0]
    reach = np.abs(h1[:, 0]) + np.abs(h2[:, 0])
    over = reach > length
    fac = np.where(over, length / np.where(reach > 0, reach, 1.0), 1.0)[:, None]
    p1 = np.where(over[:, None], p0 - fac * h1, p1)
    p2 = np.where(over[:, None], p3 - fac * h2, p2)
    # Solve x(u) = q by bisection (x is monotone in u once the handles are corrected).
    lo = np.zeros(len(q))
    hi = np.ones(len(q))
    target = np.clip(q, p0[:, 0], p3[:, 0])
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        xm = _bezier1(p0[:, 0], p1[:, 0], p2[:, 0], p3[:, 0], mid)
        below = xm < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    u = 0.5 * (lo + hi)
    out = _bezier1(p0[:, 1], p1[:, 1], p2[:, 1], p3[:, 1], u)
    # Blender returns a key's own value within 1e-4 frames of it (its binary search's
    # exact-match threshold), and holds the end keys' values outside them.
    nearest = np.clip(np.searchsorted(kt, q), 1, len(kt) - 1)
    nearest = np.where(np.abs(kt[nearest - 1] - q) <= np.abs(kt[nearest] - q), nearest - 1, nearest)
    out = np.where(np.abs(kt[nearest] - q) < 1e-4, kv[nearest], out)
    out = np.where(q <= kt[0], kv[0], out)
    out = np.where(q >= kt[-1], kv[-1], out)
    return out.reshape(np.shape(at)) if np.ndim(at) else out


def _bezier1(a, b, c, d, u):
    v = 1.0 - u
    return v * v * v * a + 3.0 * v * v * u * b + 3.0 * v * u * u * c + u * u * u * d
