"""Per-frame loudness and pitch (f0) of one role, from its stem or from its phones.

numpy only and vectorised over frames: a 60 s stem takes a few tens of
milliseconds. Frame i is centred on time i / fps (40 ms analysis window).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import spec
from ...lips import phones as ph
from ...lips.loudness import SILENCE_DB, analysis_frames, frame_db
from ...signal import smooth

F0_MIN_HZ = 70.0  # lowest f0 searched (low male voices; Titze 1994 ranges)
F0_MAX_HZ = 420.0  # highest f0 searched (high female/child speech)


@dataclass
class Prosody:
    """Loudness (dB, relative to the role's own speech level) and f0 per frame."""

    loudness_db: np.ndarray  # (F,) dB re. the role's median voiced level; SILENCE_DB-ish when silent
    f0_hz: np.ndarray  # (F,) Hz, 0 where unvoiced
    f0_st: np.ndarray  # (F,) semitones re. the role's median f0, interpolated through unvoiced frames
    voiced: np.ndarray  # (F,) bool


def _interp_voiced(values: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    if not np.any(voiced):
        return np.zeros_like(values)
    idx = np.flatnonzero(voiced)
    return np.interp(np.arange(len(values)), idx, values[idx])


def prosody_from_stem(stem: np.ndarray, n_frames: int, fps: float = spec.NATIVE_FPS) -> Prosody:
    """Loudness and autocorrelation f0 of a clean mono stem at spec.SAMPLE_RATE."""
    # 48 ms windows at half the rate: two periods of the lowest f0 searched (f0 < 420 Hz).
    frames, sr2 = analysis_frames(stem, n_frames, fps)
    width = frames.shape[1]
    db = frame_db(frames)

    speech_level = np.percentile(db, 97) if n_frames else 0.0
    loud_enough = (db > speech_level - 30.0) & (db > -70.0)
    f0 = np.zeros(n_frames)
    peak = np.zeros(n_frames)
    cand = np.flatnonzero(loud_enough)
    if len(cand):
        f0[cand], peak[cand] = _pitch(frames[cand], sr2, width)
    voiced = (peak > 0.55) & loud_enough
    # Drop isolated voiced frames (clicks, onsets).
    if n_frames >= 3:
        v = voiced.copy()
        v[1:-1] = voiced[1:-1] & (voiced[:-2] | voiced[2:])
        voiced = v
    f0 = np.where(voiced, f0, 0.0)
    return _finish(db, f0, voiced)


def _pitch(frames: np.ndarray, sr: float, width: int) -> tuple[np.ndarray, np.ndarray]:
    """f0 (Hz) and normalised autocorrelation peak of each (K, width) frame."""
    window = np.hanning(width)
    lag_lo = int(np.floor(sr / F0_MAX_HZ))
    lag_hi = min(width - 2, int(np.ceil(sr / F0_MIN_HZ)))
    # Linear (not circular) autocorrelation up to lag_hi needs nfft >= width + lag_hi.
    nfft = 1 << int(np.ceil(np.log2(width + lag_hi + 1)))
    spectrum = np.fft.rfft(frames * window, n=nfft, axis=1)
    acf = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=nfft, axis=1)[:, : lag_hi + 2]
    win_acf = np.fft.irfft(np.abs(np.fft.rfft(window, n=nfft)) ** 2, n=nfft)[: lag_hi + 2]
    acf = acf / np.maximum(acf[:, :1], 1e-12) / np.maximum(win_acf / win_acf[0], 1e-3)
    seg = acf[:, lag_lo : lag_hi + 1]
    best = seg.max(axis=1)
    # Take the first local peak within 85 % of the best one: avoids sub-harmonic octave errors.
    local_peak = np.zeros_like(seg, dtype=bool)
    local_peak[:, 1:-1] = (seg[:, 1:-1] >= seg[:, :-2]) & (seg[:, 1:-1] >= seg[:, 2:])
    good = local_peak & (seg >= 0.85 * best[:, None])
    first = np.where(good.any(axis=1), np.argmax(good, axis=1), np.argmax(seg, axis=1))
    k = np.clip(first, 1, seg.shape[1] - 2)
    rows = np.arange(len(k))
    y0, y1, y2 = seg[rows, k - 1], seg[rows, k], seg[rows, k + 1]
    denom = y0 - 2.0 * y1 + y2
    safe = np.where(np.abs(denom) > 1e-9, denom, 1.0)
    shift = np.where(np.abs(denom) > 1e-9, 0.5 * (y0 - y2) / safe, 0.0)
    lag = lag_lo + k + np.clip(shift, -0.5, 0.5)
    return sr / lag, y1


def _finish(db: np.ndarray, f0: np.ndarray, voiced: np.ndarray) -> Prosody:
    if np.any(voiced):
        # Octave errors and creak: voiced frames more than an octave from the role's
        # median f0 are dropped (conversational f0 stays well within that).
        ref_f0 = float(np.median(f0[voiced]))
        voiced = voiced & (np.abs(np.log2(np.maximum(f0, 1e-6) / ref_f0)) <= 1.0)
        f0 = np.where(voiced, f0, 0.0)
    if np.any(voiced):
        ref_db = float(np.median(db[voiced]))
        ref_f0 = float(np.median(f0[voiced]))
        st = np.zeros_like(f0)
        st[voiced] = 12.0 * np.log2(f0[voiced] / ref_f0)
        # A 3-frame median on the voiced track removes single-frame octave slips.
        if voiced.sum() >= 3:
            idx = np.flatnonzero(voiced)
            vals = st[idx]
            med = np.median(np.stack([np.r_[vals[0], vals[:-1]], vals, np.r_[vals[1:], vals[-1]]]), axis=0)
            st[idx] = med
    else:
        ref_db = float(np.percentile(db, 90)) if len(db) else 0.0
        st = np.zeros_like(f0)
    loud = np.maximum(db - ref_db, SILENCE_DB)
    return Prosody(
        loudness_db=loud.astype(np.float64),
        f0_hz=f0.astype(np.float64),
        f0_st=_interp_voiced(st, voiced),
        voiced=voiced,
    )


# Relative level of phone classes in dB (vowels loudest, voiceless obstruents weakest).
# Sonority/intensity ordering from Parker 2002 (intensity correlates of sonority);
# the dB steps are rounded design values.
_CLASS_DB = {
    ph.VOWEL: 0.0,
    ph.LABIAL_VELAR: -4.0,
    ph.LABIAL_PALATAL: -4.0,
    ph.RHOTIC_APPROX: -4.0,
    ph.LATERAL: -5.0,
    ph.PALATAL: -6.0,
    ph.LABIODENTAL_APPROX: -6.0,
    ph.BILABIAL_STOP: -12.0,
    ph.ALVEOLAR: -12.0,
    ph.VELAR: -14.0,
    ph.BILABIAL_FRICATIVE: -16.0,
    ph.LABIODENTAL: -18.0,
    ph.DENTAL: -18.0,
    ph.SIBILANT: -10.0,
    ph.POSTALVEOLAR: -10.0,
    ph.GLOTTAL: -18.0,
}


def prosody_from_phones(
    phone_ipa: np.ndarray,
    phone_start: np.ndarray,
    phone_end: np.ndarray,
    phone_stress: np.ndarray,
    n_frames: int,
    fps: float = spec.NATIVE_FPS,
    rng: np.random.Generator | None = None,
) -> Prosody:
    """Loudness and f0 estimated from phones alone (no audio).

    Loudness: a level per phone class, +3 dB on stressed vowels. f0: declination
    over each phrase with a rise-fall accent on stressed vowels (the shape of
    English "H*" accents; 't Hart, Collier & Cohen 1990 declination).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    db = np.full(n_frames, SILENCE_DB)
    f0 = np.zeros(n_frames)
    voiced = np.zeros(n_frames, dtype=bool)
    times = np.arange(n_frames) / fps
    base_hz = 120.0 * 2.0 ** (rng.uniform(-0.5, 1.0))
    phrase_start = None
    prev_end = -1.0
    for ipa, s, e, stress in zip(phone_ipa, phone_start, phone_end, phone_stress, strict=True):
        info = ph.phone_info(str(ipa))
        if info.is_silence:
            continue
        if s - prev_end > 0.25 or phrase_start is None:
            phrase_start = s
        prev_end = e
        i0 = int(np.ceil(s * fps - 1e-9))
        i1 = max(i0 + 1, int(np.ceil(e * fps - 1e-9)))
        i0, i1 = max(0, i0), min(n_frames, i1)
        if i1 <= i0:
            continue
        level = _CLASS_DB.get(info.parts[0].cls, -12.0)
        if info.is_vowel and stress == 1:
            level += 3.0
        db[i0:i1] = level
        voiced_phone = (
            info.is_vowel
            or info.parts[0].cls
            in (
                ph.LATERAL,
                ph.RHOTIC_APPROX,
                ph.LABIAL_VELAR,
                ph.PALATAL,
            )
            or str(ipa)[:1] in "bdgvðzʒmnŋ"
        )
        if voiced_phone:
            t = times[i0:i1]
            decl = -2.0 * (t - phrase_start)  # about -2 semitones per second of phrase
            st = np.maximum(decl, -6.0)
            if info.is_vowel and stress == 1:
                peak = rng.uniform(1.5, 4.0)
                u = (t - s) / max(e - s, 1e-3)
                st = st + peak * np.sin(np.pi * np.clip(u * 0.8 + 0.1, 0, 1))
            f0[i0:i1] = base_hz * 2.0 ** (st / 12.0)
            voiced[i0:i1] = True
    # Onsets and offsets are not instantaneous in real speech.
    db_s = np.where(db > SILENCE_DB, db, -60.0)
    db_s = smooth(db_s, 0.6)
    db = np.where(smooth(db > SILENCE_DB, 0.6) > 0.02, db_s, SILENCE_DB)
    return _finish(db + 0.0, f0, voiced)
