"""Free conversational gaze of one role, in the world frame (yaw/pitch from the rest pose).

"World" angles are from the rest pose in which the character faces its
partner, so (0, 0) is the partner's face. The head/eye split and staging
happen in teach.py; here we decide where the person looks and when.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...signal import mask_to_spans, min_jerk

# Glance durations, lognormal (median s, sigma). Listeners look at the speaker
# ~75 % of the time in 1-7 s glances; speakers look under 50 %, in shorter
# glances (Argyle & Cook 1976). The medians are tuned so that, with the turn
# rules and the look-back below, the measured fractions land near 0.75 / 0.42
# (checks.py; tools/bench_teacher.py).
GLANCE = {
    # context: (at median, at sigma, away median, away sigma)
    "listener": (1.9, 0.55, 1.0, 0.5),
    "speaker": (1.3, 0.5, 1.7, 0.5),
    "neutral": (2.0, 0.5, 1.0, 0.5),
}
GLANCE_LIMITS = {"at": (0.5, 9.0), "away": (0.3, 4.0)}
MIN_GLANCE_S = 0.3  # shorter glances are merged away (no flicker)

# Kendon 1967: > 70 % of long utterances start with the speaker looking away and
# > 70 % end with the speaker looking at the listener. Applied with p = 0.7 on top
# of the base process (which adds some more by chance).
LONG_TURN_S = 1.5
TURN_START_AVERT_P = 0.7
TURN_END_LOOK_P = 0.7

# A listener who is looking away looks back soon after the speaker looks at
# them (gaze following of mutual gaze; raises reciprocity, cf. Rogers et al. 2018).
LOOK_BACK_P = 0.9
LOOK_BACK_LATENCY_S = (0.15, 0.3)

# Averted gaze: sideways and mostly downward, 8-22 deg (typical conversational
# aversions stay within the eye-only range; Malinov et al. 2000: 83 % of natural
# saccades < 15 deg).
AWAY_YAW = (8.0, 22.0)
AWAY_PITCH_MEAN, AWAY_PITCH_SD = -5.0, 5.0

# Face scanning while looking at the partner: eyes and mouth, 0.25-2 s fixations.
FACE_POINTS = np.array([[0.0, 0.0], [1.2, 0.0], [-1.2, 0.0], [0.0, -3.0]])
FACE_POINT_P = np.array([0.5, 0.2, 0.2, 0.1])
FACE_FIXATION = (0.6, 0.5)  # lognormal median s, sigma

# Saccade main sequence: duration ~ 21 ms + 2.2 ms/deg (Carpenter 1988; Baloh et al. 1975).
SACCADE_BASE_S = 0.021
SACCADE_PER_DEG_S = 0.0022

AT_PARTNER_DEG = 5.0  # a world gaze within this of the partner's face counts as "at partner"


def saccade_duration(amplitude_deg: np.ndarray | float) -> np.ndarray | float:
    return SACCADE_BASE_S + SACCADE_PER_DEG_S * np.asarray(amplitude_deg)


def _context(own_floor: bool, partner_floor: bool) -> str:
    if own_floor and not partner_floor:
        return "speaker"
    if partner_floor and not own_floor:
        return "listener"
    return "neutral"


def plan_at_partner(
    rng: np.random.Generator,
    own_floor: np.ndarray,
    partner_floor: np.ndarray,
    own_turns: np.ndarray,
    fps: float,
) -> np.ndarray:
    """(F,) bool: True while the role looks at its partner (free gaze)."""
    n = len(own_floor)
    at = np.zeros(n, dtype=bool)
    if n == 0:
        return at
    code = np.where(own_floor & ~partner_floor, 1, np.where(partner_floor & ~own_floor, 2, 0))
    contexts = {0: "neutral", 1: "speaker", 2: "listener"}
    changes = np.flatnonzero(np.diff(code)) + 1
    t, state = 0.0, bool(rng.random() < 0.7)
    dur_total = n / fps
    while t < dur_total:
        i = min(n - 1, int(t * fps))
        context = contexts[int(code[i])]
        am, asd, wm, wsd = GLANCE[context]
        med, sd = (am, asd) if state else (wm, wsd)
        lo, hi = GLANCE_LIMITS["at" if state else "away"]
        d = max(lo, min(hi, med * float(np.exp(sd * rng.standard_normal()))))
        # A change of who holds the floor ends the glance shortly after (a new listener
        # turns to the new speaker); the next glance follows the new context.
        k = int(np.searchsorted(changes, i, side="right"))
        truncated = False
        if k < len(changes) and changes[k] / fps < t + d:
            d = max(MIN_GLANCE_S, changes[k] / fps - t + rng.uniform(0.0, 0.4))
            truncated = True
        i0, i1 = int(round(t * fps)), int(round((t + d) * fps))
        at[i0:i1] = state
        t += d
        j = min(n - 1, int(t * fps))
        state = True if truncated and code[j] == 2 else not state
    for ts, te in own_turns:
        if te - ts < LONG_TURN_S:
            continue
        u_start, u_end = rng.random(), rng.random()
        a0 = ts - rng.uniform(0.0, 0.3)
        a1 = ts + rng.uniform(0.7, max(0.8, min(2.0, 0.45 * (te - ts))))
        l0 = te - rng.uniform(0.4, 0.8)
        l1 = te + rng.uniform(0.2, 0.6)
        if u_start < TURN_START_AVERT_P:
            at[max(0, int(a0 * fps)) : max(0, min(n, int(min(a1, l0 - 0.1) * fps)))] = False
        if u_end < TURN_END_LOOK_P:
            at[max(0, int(l0 * fps)) : max(0, min(n, int(l1 * fps)))] = True
    return _drop_short(at, int(round(MIN_GLANCE_S * fps)))


def _drop_short(mask: np.ndarray, min_len: int) -> np.ndarray:
    """Flip interior runs shorter than min_len frames (both polarities)."""
    m = mask.copy()
    for polarity in (False, True):
        runs = mask_to_spans(m == polarity)
        for s, e in runs:
            if e - s < min_len and s > 0 and e < len(m):
                m[s:e] = not polarity
    return m


def couple_look_back(
    rng: np.random.Generator,
    at_self: np.ndarray,
    at_partner: np.ndarray,
    partner_floor: np.ndarray,
    fps: float,
) -> np.ndarray:
    """Cut some of a listener's away glances short when the speaker looks at them."""
    out = at_self.copy()
    onsets = np.flatnonzero(np.diff(at_partner.astype(np.int8)) == 1) + 1
    for i in onsets:
        if out[i] or not partner_floor[i] or rng.random() >= LOOK_BACK_P:
            continue
        j = i + int(round(rng.uniform(*LOOK_BACK_LATENCY_S) * fps))
        if j >= len(out) or out[j]:
            continue
        # Return from the away glance at frame j until the glance would have ended anyway.
        k = j
        while k < len(out) and not out[k]:
            k += 1
        out[j:k] = True
    return _drop_short(out, int(round(MIN_GLANCE_S * fps)))


@dataclass
class GazePath:
    world: np.ndarray  # (F, 2) yaw/pitch deg from the rest pose
    saccade_onset: np.ndarray  # (F,) bool
    saccade_amplitude: np.ndarray  # (F,) deg at onset frames, 0 elsewhere


def render_free_gaze(rng: np.random.Generator, at: np.ndarray, fps: float) -> GazePath:
    """Fixation targets for each glance, joined by main-sequence saccades."""
    n = len(at)
    side = 1.0 if rng.random() < 0.5 else -1.0  # this person's preferred aversion side
    targets = np.zeros((n, 2))
    for s, e in mask_to_spans(at):
        t = s / fps
        while t < e / fps:
            d = float(np.clip(FACE_FIXATION[0] * np.exp(FACE_FIXATION[1] * rng.standard_normal()), 0.25, 2.0))
            point = FACE_POINTS[rng.choice(len(FACE_POINTS), p=FACE_POINT_P)]
            i0, i1 = int(round(t * fps)), min(e, int(round((t + d) * fps)))
            targets[i0:i1] = point
            t += d
    for s, e in mask_to_spans(~at):
        yaw = rng.uniform(*AWAY_YAW) * (side if rng.random() < 0.65 else -side)
        pitch = float(np.clip(AWAY_PITCH_MEAN + AWAY_PITCH_SD * rng.standard_normal(), -18.0, 8.0))
        targets[s:e] = (yaw, pitch)
    return render_saccades(targets, fps)


def render_saccades(targets: np.ndarray, fps: float) -> GazePath:
    """Turn piecewise-constant fixation targets into a gaze path with timed saccades."""
    n = len(targets)
    world = targets.astype(np.float64).copy()
    onset = np.zeros(n, dtype=bool)
    amp = np.zeros(n)
    if n < 2:
        return GazePath(world, onset, amp)
    jumps = np.flatnonzero(np.any(np.abs(np.diff(targets, axis=0)) > 1e-6, axis=1)) + 1
    for j in jumps:
        a = targets[j - 1]
        b = targets[j]
        size = float(np.hypot(*(b - a)))
        dur = float(saccade_duration(size))
        # The saccade starts half a frame before frame j so frame j is already moving.
        t0 = (j - 0.5) / fps
        k1 = min(n, j + int(np.ceil(dur * fps)) + 1)
        tt = np.arange(j, k1) / fps
        s = min_jerk((tt - t0) / dur)[:, None]
        # Frames past a later change keep their own target (the next jump overwrites them).
        same = np.all(np.abs(targets[j:k1] - b) <= 1e-6, axis=1)
        world[j:k1] = np.where(same[:, None], a + (b - a) * s, targets[j:k1])
        onset[j] = True
        amp[j] = size
    return GazePath(world, onset, amp)
