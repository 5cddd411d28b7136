"""Free head motion of one role (yaw, pitch, roll in degrees, spec sign conventions).

Layers, all smooth (C1) by construction:
- slow postural drift;
- speaker motion following f0 and loudness, with head beats on pitch accents;
- listener nods at the speaker's pauses, turn ends and with own backchannels;
  small movements in time with the speaker's accents;
- a wide movement just before taking the turn;
- laughter;
- the head's share of gaze shifts (eye-head coordination), added in teach.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...signal import add_pulse, dip_cycles, follow, mask_to_spans, min_jerk, smooth, smooth_noise

YAW, PITCH, ROLL = 0, 1, 2

# Drift: slow wandering of posture (std deg per axis, smoothing sigma 1.2 s).
DRIFT_STD = (2.0, 1.2, 1.0)
DRIFT_SIGMA_S = 1.2
# Speech-linked motion (Munhall et al. 2004; Yehia et al. 2002: head motion tracks
# F0 and amplitude; Busso et al. 2007: std of a few degrees while speaking).
F0_PITCH_DEG_PER_ST = 0.4  # head rises with f0 (positive F0-head correlation)
F0_PITCH_LIMIT = 5.0
SPEECH_MOTION_STD = (2.2, 1.0, 1.2)
SPEECH_MOTION_SIGMA_S = (0.35, 0.3, 0.4)
# Head beats: the lowest point of a small nod falls on the accented syllable
# (Alexanderson et al. 2013; Graf et al. 2002).
BEAT_P = 0.3
BEAT_MIN_GAP_S = 0.8
BEAT_AMP = (1.2, 3.0)
BEAT_PERIOD = (0.35, 0.5)
# Listener nods (Hadar et al. 1985: cyclic nods as feedback; Hale et al. 2020:
# listener nodding at 2.6-6.5 Hz; Mori et al. 2025: later cycles smaller).
NOD_P_PAUSE = 0.35
NOD_P_TURN_END = 0.3
NOD_P_BACKCHANNEL = 0.85
NOD_CYCLES_P = (0.45, 0.35, 0.2)  # 1, 2, 3 cycles
NOD_PERIOD = (0.3, 0.4)  # s per cycle (2.5-3.3 Hz)
NOD_AMP = (2.5, 5.5)  # deg, first cycle
NOD_DECAY = 0.7  # each later cycle
NOD_GAP_S = 0.8  # minimum rest between feedback nods
# Narrow listener movements in time with the speaker's stresses (Hadar et al. 1985).
LISTENER_ACCENT_P = 0.25
LISTENER_ACCENT_AMP = (0.5, 1.2)
# Wide movement before taking the turn (Hadar et al. 1985).
PRETURN_P = 0.6
PRETURN_YAW = (2.0, 5.0)
PRETURN_PITCH = (1.0, 3.0)
# Eye-head coordination: gaze shifts inside the eye-only range (~15 deg) are made
# mostly by the eyes; beyond it the head takes a growing share (Stahl 1999;
# Freedman & Sparks 1997). The head trails the eyes (Bizzi et al. 1971).
HEAD_SHARE_SMALL = 0.1
HEAD_SHARE_BEYOND = 0.6
EYE_ONLY_RANGE_YAW = 15.0
EYE_ONLY_RANGE_PITCH = 12.0
HEAD_FOLLOW_TAU_S = 0.1


@dataclass
class HeadParts:
    free: np.ndarray  # (F, 3) every layer but gaze-following
    speech: np.ndarray  # (F, 3) speech-linked part (kept, scaled down, during staged holds)
    nod_onset: np.ndarray  # (F,) bool listener feedback nods
    beat_onset: np.ndarray  # (F,) bool


def _nod(
    curve_pitch: np.ndarray, times: np.ndarray, t0: float, rng: np.random.Generator, gain: float
) -> float:
    n_cycles = 1 + int(rng.choice(3, p=NOD_CYCLES_P))
    periods = [float(rng.uniform(*NOD_PERIOD)) for _ in range(n_cycles)]
    first = rng.uniform(*NOD_AMP) * gain
    amps = [first * NOD_DECAY**k for k in range(n_cycles)]
    if n_cycles > 1:
        amps[-1] *= 0.8  # final lowering
    return dip_cycles(curve_pitch, times, t0, periods, amps)


def free_head(
    rng: np.random.Generator,
    times: np.ndarray,
    fps: float,
    speaking: np.ndarray,
    f0_st: np.ndarray,
    loudness_db: np.ndarray,
    accents: np.ndarray,
    partner_accents: np.ndarray,
    own_turns: np.ndarray,
    own_backchannels: np.ndarray,
    partner_pauses: np.ndarray,
    partner_turns: np.ndarray,
    own_laughs: np.ndarray,
    partner_floor: np.ndarray,
    own_floor: np.ndarray,
) -> HeadParts:
    """Every free head layer except gaze-following. accents: (K, 2) [time, strength]."""
    n = len(times)
    head = np.zeros((n, 3))
    speech_part = np.zeros((n, 3))
    nod_onset = np.zeros(n, dtype=bool)
    beat_onset = np.zeros(n, dtype=bool)
    if n == 0:
        return HeadParts(head, speech_part, nod_onset, beat_onset)

    posture = rng.uniform(-1.5, 1.5, size=3)
    for ax in range(3):
        head[:, ax] += posture[ax] + smooth_noise(rng, n, DRIFT_SIGMA_S * fps, DRIFT_STD[ax])

    # Speaker: motion scaled by a smoothed loudness envelope while speaking.
    env = smooth(speaking.astype(np.float64) * np.clip((loudness_db + 25.0) / 25.0, 0.0, 1.2), 0.12 * fps)
    for ax in range(3):
        speech_part[:, ax] = env * smooth_noise(
            rng, n, SPEECH_MOTION_SIGMA_S[ax] * fps, SPEECH_MOTION_STD[ax]
        )
    f0_pitch = np.clip(F0_PITCH_DEG_PER_ST * smooth(f0_st, 0.12 * fps), -F0_PITCH_LIMIT, F0_PITCH_LIMIT)
    speech_part[:, PITCH] += smooth(speaking.astype(np.float64), 0.1 * fps) * f0_pitch
    last_beat = -1e9
    for t_acc, strength in accents:
        if rng.random() < BEAT_P * (0.5 + strength) and t_acc - last_beat >= BEAT_MIN_GAP_S:
            last_beat = t_acc
            period = rng.uniform(*BEAT_PERIOD)
            t0 = t_acc + 0.05 - period / 2.0  # lowest point ~50 ms into the stressed vowel
            dip_cycles(
                speech_part[:, PITCH], times, t0, [period], [rng.uniform(*BEAT_AMP) * (0.6 + 0.4 * strength)]
            )
            beat_onset[min(n - 1, max(0, int(round(t0 * fps))))] = True
    head += speech_part

    # Listener feedback nods.
    candidates: list[tuple[float, float]] = []  # (time, gain)
    for ps, _pe in partner_pauses:
        if rng.random() < NOD_P_PAUSE:
            candidates.append((ps + rng.uniform(0.05, 0.3), 1.0))
    for _ts, te in partner_turns:
        if rng.random() < NOD_P_TURN_END:
            candidates.append((te + rng.uniform(0.0, 0.2), 1.0))
    for bs, _be in own_backchannels:
        if rng.random() < NOD_P_BACKCHANNEL:
            candidates.append((bs - rng.uniform(0.0, 0.1), 1.2))
    candidates.sort()
    last_end = -1e9
    nod_spans: list[tuple[float, float]] = []
    for t0, gain in candidates:
        i = int(round(t0 * fps))
        if t0 < last_end + NOD_GAP_S or i >= n or i < 0 or own_floor[i]:
            continue
        last_end = _nod(head[:, PITCH], times, t0, rng, gain)
        nod_spans.append((t0, last_end))
        nod_onset[i] = True

    # Listener: narrow movements on the speaker's accents.
    for t_acc, _strength in partner_accents:
        i = int(round(t_acc * fps))
        listening = 0 <= i < n and partner_floor[i] and not own_floor[i]
        clear = all(t_acc < s - 0.4 or t_acc > e + 0.3 for s, e in nod_spans)
        if listening and clear and rng.random() < LISTENER_ACCENT_P:
            dip_cycles(head[:, PITCH], times, t_acc - 0.1, [0.3], [rng.uniform(*LISTENER_ACCENT_AMP)])

    # Wide movement just before taking the turn.
    for ts, te in own_turns:
        if te - ts >= 1.0 and rng.random() < PRETURN_P:
            t0 = ts - rng.uniform(0.4, 0.8)
            hold = rng.uniform(0.5, 1.5)
            add_pulse(
                head[:, YAW], times, t0, 0.5, hold, 2.0, rng.uniform(*PRETURN_YAW) * rng.choice([-1, 1])
            )
            add_pulse(head[:, PITCH], times, t0, 0.5, hold, 2.0, rng.uniform(*PRETURN_PITCH))

    # Laughter: the head tips back and bobs with the laugh pulses (~4.7 Hz; Provine 1996).
    for ls, le in own_laughs:
        amp = rng.uniform(2.0, 5.0)
        add_pulse(head[:, PITCH], times, ls - 0.05, 0.25, max(0.0, le - ls - 0.25), 0.5, amp)
        add_pulse(head[:, ROLL], times, ls, 0.3, max(0.0, le - ls - 0.3), 0.6, rng.uniform(-2.0, 2.0))
        i0, i1 = max(0, int(ls * fps)), min(n, int(np.ceil(le * fps)))
        if i1 > i0:
            t = times[i0:i1] - ls
            taper = np.sin(np.pi * np.clip(t / max(le - ls, 1e-3), 0, 1))
            head[i0:i1, PITCH] += 0.8 * taper * np.sin(2 * np.pi * 4.7 * t)
    return HeadParts(head, speech_part, nod_onset, beat_onset)


def head_share_of_gaze(world_gaze: np.ndarray, fps: float) -> np.ndarray:
    """(F, 2) head yaw/pitch that eye-head coordination contributes to a world gaze path."""
    g = np.asarray(world_gaze, dtype=np.float64)
    desired = np.empty_like(g)
    for ax, eor in ((0, EYE_ONLY_RANGE_YAW), (1, EYE_ONLY_RANGE_PITCH)):
        mag = np.abs(g[:, ax])
        desired[:, ax] = np.sign(g[:, ax]) * (
            HEAD_SHARE_SMALL * mag + HEAD_SHARE_BEYOND * np.maximum(mag - eor, 0.0)
        )
    return follow(desired, HEAD_FOLLOW_TAU_S * fps)


def commanded_gestures(times: np.ndarray, nod: np.ndarray, shake: np.ndarray, fps: float) -> np.ndarray:
    """(F, 3) head offsets for commanded nod / shake gestures (whole cycles over each run)."""
    n = len(times)
    out = np.zeros((n, 3))
    for mask, axis, freq, amp in ((nod, PITCH, 1.7, 7.0), (shake, YAW, 2.0, 10.0)):
        weight = np.clip(mask, 0.0, 1.0)
        for s, e in mask_to_spans(weight > 0.5):
            dur = (e - s) / fps
            cycles = max(1, int(round(dur * freq)))
            period = dur / cycles
            t = times[s:e] - times[s]
            phase = np.clip(t / period, 0.0, cycles)
            if axis == PITCH:
                # Down-and-up dips, like dip_cycles, at zero velocity between cycles.
                out[s:e, axis] -= amp * 0.5 * (1.0 - np.cos(2.0 * np.pi * phase))
            else:
                taper = min_jerk(np.minimum(t, dur - t) / min(0.15, dur / 4.0))
                out[s:e, axis] += amp * np.sin(2.0 * np.pi * phase) * taper
    return out
