"""Coarticulated mouth curves of one role: dominance blending plus hard bilabial closures.

Every sub-phone pulls each articulatory parameter toward its target with a
dominance that is flat over the sub-phone's core (all but its edges) and decays
exponentially outside it (Cohen & Massaro 1993 dominance functions, exponent
c = 1). The value at a frame is the dominance-weighted mean of the targets.

Bilabial closure is not left to blending: lips that "nearly" close read as a
lip-sync error, so p/b/m frames are sealed exactly (mouthClose cancels
jawOpen) and released at the phone's end.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .. import spec
from ..signal import min_jerk
from . import phones as ph
from . import visemes as vs

_I = spec.ARKIT_INDEX

CLOSURE_APPROACH_S = 0.04  # lips travel to contact in ~40 ms before the stop (Löfqvist & Gracco 1997)
CLOSURE_RELEASE_S = 0.06  # and part over ~60 ms after release
RELEASE_JAW_FLOOR = 0.08  # jaw opening just after a release, so the release is visible
SPEECH_JAW_FLOOR = 0.06  # no non-bilabial phone shuts the lips (closure precision)
REST_CLOSE_AFTER_S = 1.0  # silences longer than this let the lips close at rest (breath pauses stay parted)
REST_CLOSE_DELAY_S = 0.2  # lips close this long after speech stops ...
REST_OPEN_LEAD_S = 0.25  # ... and part this long before it resumes (pre-speech inhalation)


@dataclass
class MouthTrack:
    """Per-frame mouth of one role (before expression layers)."""

    params: np.ndarray  # (F, N_PARAMS) coarticulated articulation
    lip_close: np.ndarray  # (F,) 0..1, 1 = lips sealed
    press: np.ndarray  # (F,) mouthPress value
    closure_frames: np.ndarray  # (F,) bool: frames forced shut for a p/b/m phone
    speech_frames: np.ndarray  # (F,) bool: frames inside a non-silent phone


def closure_frame_range(start: float, end: float, fps: float, n_frames: int) -> tuple[int, int]:
    """[i0, i1) frames that must be sealed for a p/b/m spanning [start, end).

    Frame i stands for the 1/fps interval centred on i / fps, so the sealed
    frames run from the frame nearest the phone's start to the one before the
    frame nearest its end: the release lands on the frame nearest the phone
    end (at most half a frame off). A phone too short to own a frame gets the
    frame nearest its middle.
    """
    i0 = int(np.floor(start * fps + 0.5))
    i1 = int(np.floor(end * fps + 0.5))
    if i1 <= i0:
        i0 = int(np.round(0.5 * (start + end) * fps))
        i1 = i0 + 1
    i0, i1 = max(0, i0), min(n_frames, i1)
    return i0, max(i0, i1)


def _expand(ipa, start, end, stress, phone_gain):
    """Sub-phone arrays with rest pseudo-phones filling the gaps between phones."""
    rows_s, rows_e, rows_t, rows_a = [], [], [], []
    rest_t, rest_a = vs.subphone_row(ph.SubPhone(ph.SILENCE, ""))
    prev_end = -1e9
    for k in range(len(ipa)):
        info = ph.phone_info(str(ipa[k]))
        s, e = float(start[k]), float(end[k])
        if info.is_silence:
            continue
        if s - prev_end > 0.04:
            rows_s.append(max(prev_end, s - 10.0))
            rows_e.append(s)
            rows_t.append(rest_t)
            rows_a.append(rest_a)
        prev_end = max(prev_end, e)
        t0 = s
        gain = phone_gain[k] * vs.STRESS_JAW_GAIN.get(int(stress[k]), 1.0) if info.is_vowel else 1.0
        for part, frac in zip(info.parts, info.fractions, strict=True):
            t1 = t0 + frac * (e - s)
            tgt, dom = vs.subphone_row(part)
            tgt = tgt.copy()
            tgt[vs.JAW] *= gain
            tgt[vs.LOWER] *= gain
            rows_s.append(t0)
            rows_e.append(t1)
            rows_t.append(tgt)
            rows_a.append(dom)
            t0 = t1
    rows_s.append(prev_end)
    rows_e.append(prev_end + 10.0)
    rows_t.append(rest_t)
    rows_a.append(rest_a)
    return (
        np.asarray(rows_s),
        np.asarray(rows_e),
        np.asarray(rows_t).reshape(-1, vs.N_PARAMS),
        np.asarray(rows_a).reshape(-1, vs.N_PARAMS),
    )


def blend(
    sub_start: np.ndarray,
    sub_end: np.ndarray,
    targets: np.ndarray,
    dominance: np.ndarray,
    n_frames: int,
    fps: float,
) -> np.ndarray:
    """Dominance-weighted blend of sub-phone targets at each frame -> (F, N_PARAMS)."""
    n_sub = len(sub_start)
    reach = 6.0 * max(vs.SIGMA_BEFORE.max(), vs.SIGMA_AFTER.max())
    i0 = np.clip(np.floor((sub_start - reach) * fps).astype(np.int64), 0, n_frames)
    i1 = np.clip(np.ceil((sub_end + reach) * fps).astype(np.int64) + 1, 0, n_frames)
    counts = np.maximum(i1 - i0, 0)
    total = int(counts.sum())
    out = np.zeros((n_frames, vs.N_PARAMS))
    if total == 0 or n_sub == 0:
        return out
    owner = np.repeat(np.arange(n_sub), counts)
    offsets = np.cumsum(counts) - counts
    frame = i0[owner] + (np.arange(total) - offsets[owner])
    t = frame / fps
    dur = sub_end - sub_start
    # Full dominance over the sub-phone's core: all but its edges (a quarter of it,
    # at most 40 ms each), so a long silence or vowel holds its own target throughout.
    inset = np.minimum(0.25 * dur, 0.04)
    core_s = (sub_start + inset)[owner]
    core_e = (sub_end - inset)[owner]
    d_before = np.maximum(core_s - t, 0.0)
    d_after = np.maximum(t - core_e, 0.0)
    for p in range(vs.N_PARAMS):
        w = dominance[owner, p] * np.exp(-d_before / vs.SIGMA_BEFORE[p] - d_after / vs.SIGMA_AFTER[p])
        num = np.bincount(frame, weights=w * targets[owner, p], minlength=n_frames)
        den = np.bincount(frame, weights=w, minlength=n_frames)
        out[:, p] = num / np.maximum(den, 1e-12)
    return out


def mouth_track(
    phone_ipa: np.ndarray,
    phone_start: np.ndarray,
    phone_end: np.ndarray,
    phone_stress: np.ndarray,
    phone_gain: np.ndarray,
    n_frames: int,
    fps: float,
    no_rest_closure: np.ndarray | None = None,
) -> MouthTrack:
    """Coarticulated articulation, closure and press for one role.

    phone_gain: per-phone jaw gain from loudness (1 = the role's typical level).
    no_rest_closure: (F,) bool frames where silent lips must not seal (laughs).
    """
    times = np.arange(n_frames) / fps
    s_, e_, tgt, dom = _expand(phone_ipa, phone_start, phone_end, phone_stress, phone_gain)
    params = blend(s_, e_, tgt, dom, n_frames, fps)

    lip_close = np.zeros(n_frames)
    press = np.zeros(n_frames)
    forced = np.zeros(n_frames, dtype=bool)
    release_floor = np.zeros(n_frames, dtype=bool)
    speech = np.zeros(n_frames, dtype=bool)
    for k in range(len(phone_ipa)):
        info = ph.phone_info(str(phone_ipa[k]))
        if info.is_silence:
            continue
        s, e = float(phone_start[k]), float(phone_end[k])
        a0, a1 = max(0, int(np.ceil(s * fps - 1e-9))), min(n_frames, int(np.ceil(e * fps - 1e-9)))
        speech[a0:a1] = True
        closing_parts = [
            (frac_start, frac)
            for frac_start, (part, frac) in zip(
                itertools.accumulate(info.fractions[:-1], initial=0.0),
                zip(info.parts, info.fractions, strict=True),
                strict=True,
            )
            if part.cls == ph.BILABIAL_STOP
        ]
        for frac_start, frac in closing_parts:
            cs = s + frac_start * (e - s)
            ce = cs + frac * (e - s)
            i0, i1 = closure_frame_range(cs, ce, fps, n_frames)
            forced[i0:i1] = True
            strength = vs.PRESS_BY_LETTER.get(info.parts[0].letter, 0.3)
            press[i0:i1] = np.maximum(press[i0:i1], strength)
            # Approach: lips travel to contact during the last ~40 ms before the stop.
            j0 = max(0, int(np.floor((cs - CLOSURE_APPROACH_S) * fps)))
            if j0 < i0:
                u = 1.0 - (cs - times[j0:i0]) / CLOSURE_APPROACH_S
                lip_close[j0:i0] = np.maximum(lip_close[j0:i0], 0.8 * min_jerk(u))
            # Release: the first frame at or after the phone end is already open.
            j1 = min(n_frames, int(np.ceil((ce + CLOSURE_RELEASE_S) * fps)))
            if j1 > i1:
                u = (times[i1:j1] - ce) / CLOSURE_RELEASE_S
                lip_close[i1:j1] = np.maximum(lip_close[i1:j1], 0.5 * (1.0 - min_jerk(u)))
                release_floor[i1:j1] = True

    # Lips close at rest in long silences (not while laughing).
    spans = sorted(
        (float(s), float(e))
        for ipa, s, e in zip(phone_ipa, phone_start, phone_end, strict=True)
        if not ph.phone_info(str(ipa)).is_silence
    )
    edges = [-np.inf]
    for s, e in spans:
        edges.extend((s, e))
    edges.append(np.inf)
    rest = np.zeros(n_frames)
    for g0, g1 in zip(edges[::2], edges[1::2], strict=True):
        if g1 - g0 < REST_CLOSE_AFTER_S:
            continue
        c0 = g0 + REST_CLOSE_DELAY_S
        c1 = g1 - REST_OPEN_LEAD_S
        j0 = 0 if not np.isfinite(c0) else max(0, int(np.floor(c0 * fps)))
        j1 = n_frames if not np.isfinite(c1) else min(n_frames, int(np.ceil(c1 * fps)) + 1)
        if j1 <= j0:
            continue
        t = times[j0:j1]
        ramp_in = min_jerk((t - c0) / 0.25) if np.isfinite(c0) else np.ones_like(t)
        ramp_out = 1.0 - min_jerk((t - (c1 - 0.15)) / 0.15) if np.isfinite(c1) else np.ones_like(t)
        rest[j0:j1] = np.maximum(rest[j0:j1], np.minimum(ramp_in, ramp_out))
    if no_rest_closure is not None:
        rest = np.where(no_rest_closure, 0.0, rest)
    rest = np.where(speech, 0.0, rest)
    lip_close = np.maximum(lip_close, rest)

    # Visible openings: every non-bilabial speech frame and every release keeps the jaw apart.
    params[:, vs.JAW] = np.where(
        speech & ~forced, np.maximum(params[:, vs.JAW], SPEECH_JAW_FLOOR), params[:, vs.JAW]
    )
    params[:, vs.JAW] = np.where(
        release_floor & ~forced, np.maximum(params[:, vs.JAW], RELEASE_JAW_FLOOR), params[:, vs.JAW]
    )
    lip_close[forced] = 1.0
    return MouthTrack(
        params=params, lip_close=lip_close, press=press, closure_frames=forced, speech_frames=speech
    )


# Channels that open the lips on their own; a sealed frame zeroes them.
_OPENING_CHANNELS = [
    _I[name]
    for name in (
        "mouthFunnel",
        "mouthLowerDownLeft",
        "mouthLowerDownRight",
        "mouthUpperUpLeft",
        "mouthUpperUpRight",
    )
]


def seal_closures(blendshapes: np.ndarray, closure_frames: np.ndarray) -> None:
    """Seal the lips of p/b/m frames in (F, 52) ARKit values, in place.

    mouthClose cancels jawOpen (lips together with the jaw where it is) and the
    channels that part the lips by themselves are zeroed. Applied last, after
    anything else that writes the mouth, so nothing reopens a closure.
    """
    f = np.asarray(closure_frames, dtype=bool)
    blendshapes[f, _I["mouthClose"]] = blendshapes[f, _I["jawOpen"]]
    for k in _OPENING_CHANNELS:
        blendshapes[f, k] = 0.0
