"""Blinks of one role: when (rates by conversational state, at gaze shifts, with
listener nods, at pauses) and how (fast close, slower open)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...signal import min_jerk

# Rates per minute. Conversation averages ~26/min (Bentivoglio et al. 1997;
# range 10.5-32.5, Doughty 2001) and speakers blink more while talking: the
# split below gives ~26/min for a balanced dialogue.
RATE_SPEAKING = 30.0
RATE_LISTENING = 22.0
RATE_OTHER = 24.0
# Blinks accompany gaze shifts, more often the larger the shift (Evinger et al. 1994).
SACCADE_BLINK_FROM_DEG = 15.0
SACCADE_BLINK_SLOPE = 1.0 / 40.0
SACCADE_BLINK_MAX_P = 0.8
# Listener blinks fall in feedback slots together with nods (Hömke et al. 2018).
NOD_BLINK_P = 0.45
# Blinks cluster at the speaker's pauses, for speaker and listener alike
# (Nakano & Kitazawa 2010 "eyeblink entrainment at breakpoints of speech").
PAUSE_BOOST = 3.0
# Durations: short ~208 ms vs long ~607 ms conversational blinks (Hömke et al. 2018).
SHORT_BLINK = (0.208, 0.03, 0.15, 0.30)  # mean, sd, min, max (s)
LONG_BLINK = (0.607, 0.08, 0.45, 0.80)
LONG_P_FEEDBACK = 0.3
LONG_P_OTHER = 0.08
# Shape: closing faster than opening (Evinger et al. 1991: down-phase ~1/3 of the blink).
CLOSE_MAX_S = 0.09
MIN_SEPARATION_S = 0.3  # no blink starts within this of the previous blink's end


@dataclass
class BlinkTrack:
    curve: np.ndarray  # (F,) eyeBlink 0..1
    onset: np.ndarray  # (F,) bool blink starts
    long: np.ndarray  # (F,) bool the blink starting here is a long one


def _duration(rng: np.random.Generator, long: bool) -> float:
    mean, sd, lo, hi = LONG_BLINK if long else SHORT_BLINK
    return float(np.clip(rng.normal(mean, sd), lo, hi))


def blink_shape(times: np.ndarray, t0: float, total: float) -> np.ndarray:
    """Lid closure over times for a blink starting at t0 lasting total seconds."""
    close = min(CLOSE_MAX_S, 0.38 * total)
    opening = min(0.3, 0.55 * total)
    hold = max(0.0, total - close - opening)
    t = times - t0
    down = min_jerk(t / close)
    # Opening eases out (fast first, slow last) like the lid's return.
    u = np.clip((t - close - hold) / opening, 0.0, 1.0)
    up = 1.0 - (1.0 - (1.0 - u) ** 2)
    return np.where(t < close, down, np.where(t < close + hold, 1.0, up)) * (t >= 0) * (t <= total)


def blink_track(
    rng: np.random.Generator,
    fps: float,
    speaking: np.ndarray,
    listening: np.ndarray,
    pause_frames: np.ndarray,
    saccade_onset: np.ndarray,
    saccade_amplitude: np.ndarray,
    nod_onset: np.ndarray,
) -> BlinkTrack:
    n = len(speaking)
    times = np.arange(n) / fps
    structured: list[tuple[float, bool]] = []  # (start time, long)
    for i in np.flatnonzero(saccade_onset):
        p = np.clip(
            (saccade_amplitude[i] - SACCADE_BLINK_FROM_DEG) * SACCADE_BLINK_SLOPE, 0, SACCADE_BLINK_MAX_P
        )
        if rng.random() < p:
            structured.append((times[i] - 0.5 / fps, bool(rng.random() < LONG_P_OTHER)))
    for i in np.flatnonzero(nod_onset):
        if rng.random() < NOD_BLINK_P:
            structured.append((times[i] + rng.uniform(0.0, 0.1), bool(rng.random() < LONG_P_FEEDBACK)))

    # Background blinks: a state-dependent rate, minus what the structured blinks already give.
    # Blinks collide (minimum separation), so the background budget is calibrated in a
    # second pass from what the first pass actually kept.
    state_rate = np.where(speaking, RATE_SPEAKING, np.where(listening, RATE_LISTENING, RATE_OTHER)) / 60.0
    modulation = np.where(pause_frames, PAUSE_BOOST, 1.0)
    states = [speaking, listening & ~speaking, ~speaking & ~listening]
    wants, budgets = [], []
    for mask in states:
        minutes = mask.sum() / fps / 60.0
        have = sum(1 for t, _ in structured if 0 <= int(t * fps) < n and mask[int(t * fps)])
        want = float(state_rate[mask][0] * 60.0 * minutes) if np.any(mask) else 0.0
        wants.append(want)
        budgets.append(max(0.0, want - have))
    seed_bg = int(rng.integers(2**63 - 1))
    kept: list[tuple[float, float, bool, bool]] = []
    for _pass in range(2):
        kept = _place(structured, states, budgets, modulation, times, fps, np.random.default_rng(seed_bg))
        for k, mask in enumerate(states):
            got = sum(1 for t, _, _, _ in kept if 0 <= int(t * fps) < n and mask[int(t * fps)])
            got_bg = sum(1 for t, _, _, s in kept if not s and 0 <= int(t * fps) < n and mask[int(t * fps)])
            if got_bg:
                budgets[k] = max(0.0, budgets[k] * (1.0 + (wants[k] - got) / got_bg))

    curve = np.zeros(n)
    onset = np.zeros(n, dtype=bool)
    long_mask = np.zeros(n, dtype=bool)
    for t0, total, long, _structured in kept:
        i0 = max(0, int(np.floor(t0 * fps)))
        i1 = min(n, int(np.ceil((t0 + total) * fps)) + 1)
        shape = blink_shape(times[i0:i1], t0, total)
        # The frame nearest full closure is fully shut, so every blink reads as one at 50 fps.
        peak_t = t0 + min(CLOSE_MAX_S, 0.38 * total)
        k = int(round(peak_t * fps))
        if i0 <= k < i1:
            shape[k - i0] = 1.0
        curve[i0:i1] = np.maximum(curve[i0:i1], shape)
        j = min(n - 1, max(0, int(round(t0 * fps))))
        onset[j] = True
        long_mask[j] = long
    return BlinkTrack(curve, onset, long_mask)


def _place(
    structured: list[tuple[float, bool]],
    states: list[np.ndarray],
    budgets: list[float],
    modulation: np.ndarray,
    times: np.ndarray,
    fps: float,
    rng: np.random.Generator,
) -> list[tuple[float, float, bool, bool]]:
    """Structured blinks plus background ones; returns kept (start, duration, long, structured)."""
    n = len(times)
    rate = np.zeros(n)
    for mask, budget in zip(states, budgets, strict=True):
        weights = modulation * mask
        if weights.sum() > 0:
            rate += budget * weights / weights.sum()  # expected blinks per frame
    cumulative = np.cumsum(rate)
    events: list[float] = []
    level = rng.gamma(2.0, 0.5) * rng.random()  # random phase for the first interval
    while cumulative.size and level < cumulative[-1]:
        i = int(np.searchsorted(cumulative, level))
        events.append(times[min(i, n - 1)] + rng.uniform(-0.5, 0.5) / fps)
        level += rng.gamma(2.0, 0.5)  # gamma(2) renewal: fewer very short intervals than Poisson

    candidates = [(t, long, True) for t, long in structured]
    candidates += [(t, bool(rng.random() < LONG_P_OTHER), False) for t in events]
    candidates.sort(key=lambda x: (x[0], not x[2]))
    kept: list[tuple[float, float, bool, bool]] = []
    last_end = -1e9
    for t0, long, is_structured in candidates:
        if t0 < last_end + MIN_SEPARATION_S or t0 >= n / fps or t0 < -0.05:
            continue
        total = _duration(rng, long)
        kept.append((t0, total, long, is_structured))
        last_end = t0 + total
    return kept
