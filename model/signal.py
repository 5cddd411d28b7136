"""Per-frame signal tools: easing, smoothing, hold fades, spans and pulses (numpy only).

Frame i of a clip stands for time ``i / fps`` seconds (the teacher, the corpus
and the checks share this convention). The procedural teacher, the lips, the
staging targets and the staging solve all ease and smooth with these, so a
hold fades in and out the same way in the teacher's targets and in the solve.
"""

from __future__ import annotations

import numpy as np

# A staged head hold is eased into and out of over this time, outside the hold (the teacher
# blends its free head into the hold; the staging solve fades its correction out).
HOLD_FADE_S = 0.4
# Speech motion kept on a staged head hold. They differ because the operations differ: the
# teacher hard-clips 0.2 x its speech motion at its limit (margin under the 1-deg hold check),
# the solve soft-clamps (c tanh(x / c), never reaching c) the model's quick motion.
TEACHER_HOLD_MOTION_LIMIT_DEG = 0.6
SOLVE_HOLD_MOTION_LIMIT_DEG = 0.9
# A pause shorter than this inside one person's speech still counts as speaking: the teacher's
# "speaking" (the corpus's truth) merges phones over it, and script-assisted takes bridge the same.
SPEAKING_BRIDGE_S = 0.3


def min_jerk(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk ease 0 -> 1 for s in [0, 1] (clipped outside)."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 + s * (-15.0 + 6.0 * s))


def frame_times(n_frames: int, fps: float) -> np.ndarray:
    """Time in seconds of each frame (frame i at i / fps)."""
    return np.arange(n_frames, dtype=np.float64) / fps


def gaussian_kernel(sigma_frames: float) -> np.ndarray:
    radius = max(1, int(np.ceil(3.0 * sigma_frames)))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / max(sigma_frames, 1e-6)) ** 2)
    return k / k.sum()


def smooth(x: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Gaussian smoothing along axis 0 with edge padding (no phase shift)."""
    if sigma_frames <= 0 or x.shape[0] < 2:
        return x.astype(np.float64, copy=True)
    k = gaussian_kernel(sigma_frames)
    r = (len(k) - 1) // 2
    flat = x.reshape(x.shape[0], -1).astype(np.float64)
    out = np.empty_like(flat)
    for j in range(flat.shape[1]):
        padded = np.pad(flat[:, j], r, mode="edge")
        out[:, j] = np.convolve(padded, k, mode="valid")
    return out.reshape(x.shape)


def masked_lowpass(x: np.ndarray, mask: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Gaussian low-pass of x (T, D) using only frames where mask is set (normalised convolution)."""
    out = np.zeros_like(x)
    if not mask.any():
        return out
    k = gaussian_kernel(sigma_frames)
    n = len(mask)
    # np.convolve's "same" follows the longer input: pad takes shorter than the kernel
    # with masked-out frames so the output stays aligned with (and as long as) the take.
    pad = max(0, len(k) - n)
    m = np.pad(mask.astype(np.float64), (0, pad))
    den = np.convolve(m, k, mode="same")[:n]
    ok = den > 1e-6
    for j in range(x.shape[1]):
        num = np.convolve(np.pad(np.where(mask, x[:, j], 0.0), (0, pad)), k, mode="same")[:n]
        out[ok, j] = num[ok] / den[ok]
    return out


def smooth_noise(rng: np.random.Generator, n: int, sigma_frames: float, std: float) -> np.ndarray:
    """Low-pass Gaussian noise of length n, rescaled to the given standard deviation."""
    if n == 0:
        return np.zeros(0)
    k = gaussian_kernel(sigma_frames)
    white = rng.standard_normal(n + len(k) - 1)
    y = np.convolve(white, k, mode="valid")
    # The filtered noise's theoretical std is |k|_2; normalise by that rather than the
    # sample std so short clips are not all stretched to the same amplitude.
    return y * (std / np.sqrt(np.sum(k * k)))


def follow(x: np.ndarray, tau_frames: float) -> np.ndarray:
    """Critically damped second-order follower (causal lag) along axis 0.

    Impulse response t/tau^2 exp(-t/tau): the output trails the input smoothly
    with zero overshoot — how the head trails the eyes in a gaze shift.
    """
    if tau_frames <= 0 or x.shape[0] == 0:
        return x.astype(np.float64, copy=True)
    length = max(2, int(np.ceil(7.0 * tau_frames)))
    t = np.arange(length, dtype=np.float64)
    k = t / tau_frames**2 * np.exp(-t / tau_frames)
    k /= k.sum()
    flat = x.reshape(x.shape[0], -1).astype(np.float64)
    out = np.empty_like(flat)
    for j in range(flat.shape[1]):
        padded = np.concatenate([np.full(length - 1, flat[0, j]), flat[:, j]])
        out[:, j] = np.convolve(padded, k, mode="valid")
    return out.reshape(x.shape)


def nearest_set(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every frame: distance (frames) to the nearest set frame of mask and that frame's
    index (mask must have a set frame)."""
    n = len(mask)
    idx = np.flatnonzero(mask)
    pos = np.arange(n)
    j = np.clip(np.searchsorted(idx, pos), 0, len(idx) - 1)
    left, right = idx[np.maximum(j - 1, 0)], idx[j]
    nearest = np.where(np.abs(pos - left) <= np.abs(pos - right), left, right)
    return np.abs(pos - nearest).astype(np.float64), nearest


def hold_fade(distance: np.ndarray, fade_frames: float) -> np.ndarray:
    """Weight of a hold at `distance` frames from it: 1 on it, easing (minimum jerk) to 0 at fade_frames."""
    return 1.0 - min_jerk(distance / max(fade_frames, 1e-6))


def spans_to_mask(spans: np.ndarray, n_frames: int, fps: float) -> np.ndarray:
    """Boolean mask of frames whose time lies in any [start, end) span."""
    mask = np.zeros(n_frames, dtype=bool)
    if len(spans) == 0:
        return mask
    spans = np.asarray(spans, dtype=np.float64).reshape(-1, 2)
    i0 = np.clip(np.ceil(spans[:, 0] * fps - 1e-9).astype(np.int64), 0, n_frames)
    i1 = np.clip(np.ceil(spans[:, 1] * fps - 1e-9).astype(np.int64), 0, n_frames)
    delta = np.zeros(n_frames + 1, dtype=np.int64)
    np.add.at(delta, i0, 1)
    np.add.at(delta, i1, -1)
    return np.cumsum(delta[:-1]) > 0


def mask_to_spans(mask: np.ndarray) -> np.ndarray:
    """(K, 2) int frame index [start, end) runs of True in a boolean mask."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return np.stack([starts, ends], axis=1) if len(starts) else np.zeros((0, 2), dtype=np.int64)


def short_gaps(mask: np.ndarray, max_frames: float) -> np.ndarray:
    """Bool mask of the interior runs of False in ``mask`` shorter than ``max_frames`` frames: the
    gaps a bridge fills (runs touching either end are not between two stretches)."""
    mask = np.asarray(mask, dtype=bool)
    gaps = np.zeros(len(mask), dtype=bool)
    for a, b in mask_to_spans(~mask).tolist():
        if a > 0 and b < len(mask) and b - a < max_frames:
            gaps[a:b] = True
    return gaps


def bridge_dips(curve: np.ndarray, max_frames: float, threshold: float = 0.5) -> np.ndarray:
    """A copy of a 0..1 curve whose interior dips to or below threshold, shorter than max_frames,
    are lifted onto the straight line between the values either side (both above threshold)."""
    curve = np.asarray(curve)
    out = curve.copy()
    for a, b in mask_to_spans(short_gaps(curve > threshold, max_frames)).tolist():
        line = np.linspace(curve[a - 1], curve[b], b - a + 2)[1:-1]
        out[a:b] = np.maximum(out[a:b], line)
    return out


def merge_spans(spans: np.ndarray, max_gap: float) -> np.ndarray:
    """Merge sorted-or-not [start, end] spans whose gap is below max_gap seconds."""
    spans = np.asarray(spans, dtype=np.float64).reshape(-1, 2)
    if len(spans) == 0:
        return spans
    spans = spans[np.argsort(spans[:, 0], kind="stable")]
    out = [list(spans[0])]
    for s, e in spans[1:]:
        if s - out[-1][1] < max_gap:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return np.asarray(out, dtype=np.float64)


def add_pulse(
    curve: np.ndarray, times: np.ndarray, t0: float, attack: float, hold: float, release: float, amp: float
) -> None:
    """Add a smooth pulse (min-jerk attack, hold, min-jerk release) to curve in place."""
    fps = 1.0 / (times[1] - times[0]) if len(times) > 1 else 50.0
    i0 = max(0, int(np.floor(t0 * fps)))
    i1 = min(len(times), int(np.ceil((t0 + attack + hold + release) * fps)) + 1)
    if i1 <= i0:
        return
    t = times[i0:i1] - t0
    up = min_jerk(t / max(attack, 1e-6))
    down = 1.0 - min_jerk((t - attack - hold) / max(release, 1e-6))
    curve[i0:i1] += amp * np.minimum(up, down)


def dip_cycles(
    curve: np.ndarray, times: np.ndarray, t0: float, periods: list[float], amps: list[float]
) -> float:
    """Add raised-cosine dips (down and back up, zero velocity at both ends) in place.

    Each cycle k lasts periods[k] and reaches -amps[k] at its middle. Returns the end time.
    """
    fps = 1.0 / (times[1] - times[0]) if len(times) > 1 else 50.0
    t_start = t0
    for period, amp in zip(periods, amps, strict=True):
        i0 = max(0, int(np.floor(t_start * fps)))
        i1 = min(len(times), int(np.ceil((t_start + period) * fps)) + 1)
        if i1 > i0:
            phase = np.clip((times[i0:i1] - t_start) / period, 0.0, 1.0)
            curve[i0:i1] -= amp * 0.5 * (1.0 - np.cos(2.0 * np.pi * phase))
        t_start += period
    return t_start
