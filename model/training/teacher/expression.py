"""Upper-face and affect layers: pitch accents, brow raises, smiles, laughter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import spec
from ...lips import phones as ph
from ...lips.loudness import range_max
from ...signal import add_pulse, smooth, smooth_noise

_I = spec.ARKIT_INDEX

# A stressed vowel is accented when its f0 peak stands this far above the local
# f0 level (semitones; pitch accents are local f0 excursions of a few semitones,
# 't Hart et al. 1990 perceptual thresholds ~1.5-3 st).
ACCENT_MIN_ST = 1.5
ACCENT_FULL_ST = 4.0
# Brow raises co-occur with pitch accents, not on every one (Cavé et al. 1996;
# Flecha-García 2010); onset shortly before the accented vowel.
BROW_P = (0.1, 0.35)  # probability at the weakest / strongest accent
BROW_AMP = (0.2, 0.45)
BROW_LEAD_S = 0.1
BROW_MIN_GAP_S = 2.5  # brows rise on some accents, a few times a minute (design choice)
LISTENER_BROW_P = 0.15  # with a feedback nod
# Subtle smiles: episodes of 1-4 s; listeners smile more, and smile back at laughs
# (Provine 1992: laughter is contagious).
SMILE_RATE_PER_MIN = {"speaker": 1.0, "listener": 1.6}
SMILE_AMP = (0.12, 0.3)
SMILE_BACK_P = 0.7
FROWN_P = 0.3
FROWN_MIN_TURN_S = 1.5


def accents(
    phone_ipa: np.ndarray,
    phone_start: np.ndarray,
    phone_end: np.ndarray,
    phone_stress: np.ndarray,
    f0_st: np.ndarray,
    voiced: np.ndarray,
    loudness_db: np.ndarray,
    fps: float,
) -> np.ndarray:
    """(K, 2) [vowel start time, strength 0..1] of pitch-accented stressed vowels.

    The excursion is the vowel's f0 peak above the local voiced f0 level (a
    voicing-weighted mean over about +-1 s); without voicing, half its loudness
    peak above the local loudness level stands in (whisper, unvoiced stems).
    """
    n = len(f0_st)
    keep = np.array(
        [int(st) == 1 and ph.is_vowel(str(p)) for p, st in zip(phone_ipa, phone_stress, strict=True)],
        dtype=bool,
    )
    if n == 0 or not np.any(keep):
        return np.zeros((0, 2))
    starts = np.asarray(phone_start, dtype=np.float64)[keep]
    i0 = np.ceil(starts * fps - 1e-9).astype(np.int64)
    i1 = np.maximum(
        np.ceil(np.asarray(phone_end, dtype=np.float64)[keep] * fps - 1e-9).astype(np.int64), i0 + 1
    )
    sigma = 0.5 * fps
    v = voiced.astype(np.float64)
    weight = smooth(v, sigma)
    local_f0 = smooth(f0_st * v, sigma) / np.maximum(weight, 1e-9)
    audible = loudness_db > -60.0
    local_db = smooth(np.where(audible, loudness_db, 0.0), sigma) / np.maximum(
        smooth(audible * 1.0, sigma), 1e-9
    )
    f0_peak = range_max(np.where(voiced, f0_st - local_f0, -np.inf), i0, i1)
    db_peak = range_max(loudness_db - local_db, i0, i1)
    excursion = np.where(np.isfinite(f0_peak), f0_peak, 0.5 * db_peak)
    hit = excursion >= ACCENT_MIN_ST
    strength = np.clip((excursion - ACCENT_MIN_ST) / (ACCENT_FULL_ST - ACCENT_MIN_ST), 0.0, 1.0)
    return np.stack([starts[hit], strength[hit]], axis=1)


@dataclass
class Expression:
    brow: np.ndarray  # (F,) brow raise 0..1
    smile: np.ndarray  # (F,) 0..1
    laugh: np.ndarray  # (F,) laugh intensity envelope 0..1
    laugh_jaw: np.ndarray  # (F,) jaw opening during laughs
    brow_onset: np.ndarray  # (F,) bool
    brow_down: np.ndarray  # (F,) concentration frown 0..1
    mouth_side: np.ndarray  # (F,) signed sideways mouth drift (+ = mouthLeft)
    asym: float  # left/right smile ratio of this person


def expression_track(
    rng: np.random.Generator,
    times: np.ndarray,
    fps: float,
    own_accents: np.ndarray,
    nod_onset: np.ndarray,
    own_floor: np.ndarray,
    own_laughs: np.ndarray,
    partner_laughs: np.ndarray,
    loudness_db: np.ndarray | None,
    own_turns: np.ndarray | None = None,
) -> Expression:
    n = len(times)
    brow = np.zeros(n)
    brow_onset = np.zeros(n, dtype=bool)
    last = -1e9
    for t_acc, strength in own_accents:
        p = BROW_P[0] + (BROW_P[1] - BROW_P[0]) * strength
        if t_acc - last < BROW_MIN_GAP_S or rng.random() >= p:
            continue
        t0 = t_acc - BROW_LEAD_S
        amp = BROW_AMP[0] + (BROW_AMP[1] - BROW_AMP[0]) * (0.5 * strength + 0.5 * rng.random())
        add_pulse(brow, times, t0, 0.12, rng.uniform(0.1, 0.35), 0.3, amp)
        brow_onset[min(n - 1, max(0, int(round(t0 * fps))))] = True
        last = t_acc
    for i in np.flatnonzero(nod_onset):
        if rng.random() < LISTENER_BROW_P:
            add_pulse(brow, times, times[i], 0.12, rng.uniform(0.1, 0.3), 0.3, rng.uniform(0.12, 0.28))
            brow_onset[i] = True

    smile = np.full(n, rng.uniform(0.0, 0.05))
    minutes = n / fps / 60.0
    for context, rate in SMILE_RATE_PER_MIN.items():
        frames = own_floor if context == "speaker" else ~own_floor
        k = rng.poisson(rate * minutes * max(frames.mean(), 1e-9)) if n else 0
        candidates = np.flatnonzero(frames)
        for i in (
            rng.choice(candidates, size=min(k, len(candidates)), replace=False)
            if k and len(candidates)
            else []
        ):
            add_pulse(smile, times, times[i], 0.5, rng.uniform(1.0, 3.0), 0.8, rng.uniform(*SMILE_AMP))
    for ls, _le in partner_laughs:
        if rng.random() < SMILE_BACK_P:
            add_pulse(
                smile,
                times,
                ls + rng.uniform(0.2, 0.5),
                0.4,
                rng.uniform(1.0, 2.5),
                1.0,
                rng.uniform(0.3, 0.5),
            )

    laugh = np.zeros(n)
    laugh_jaw = np.zeros(n)
    for ls, le in own_laughs:
        add_pulse(laugh, times, ls - 0.05, 0.12, max(0.0, le - ls - 0.05), 0.35, 1.0)
    laugh = np.clip(laugh, 0.0, 1.0)
    if np.any(laugh > 0):
        # Laugh calls at ~4.7 per second (Provine 1996: ~210 ms between "ha"s) when the
        # stem does not carry the laugh itself; otherwise its loudness drives the jaw.
        pulse = 0.5 * (1.0 + np.sin(2.0 * np.pi * 4.7 * times))
        if loudness_db is not None:
            for ls, le in own_laughs:
                i0, i1 = max(0, int(ls * fps)), min(n, int(np.ceil(le * fps)))
                if i1 > i0 and np.max(loudness_db[i0:i1]) > -30.0:
                    pulse[i0:i1] = np.clip((loudness_db[i0:i1] + 25.0) / 25.0, 0.0, 1.0)
        laugh_jaw = laugh * (0.12 + 0.28 * pulse)
    smile = np.clip(smile + 0.65 * laugh, 0.0, 1.0)

    # Brief brow lowering while formulating at the start of a turn (Ekman 1979: lowered
    # brows as a conversational signal of effort / word search).
    brow_down = np.zeros(n)
    for ts, te in own_turns if own_turns is not None else np.zeros((0, 2)):
        if te - ts >= FROWN_MIN_TURN_S and rng.random() < FROWN_P:
            add_pulse(
                brow_down,
                times,
                ts + rng.uniform(-0.2, 0.3),
                0.25,
                rng.uniform(0.3, 1.2),
                0.5,
                rng.uniform(0.1, 0.25),
            )
    # A slow, small sideways drift of the mouth and a personal smile asymmetry (design).
    mouth_side = smooth_noise(rng, n, 2.0 * fps, 0.03)
    asym = float(np.exp(rng.normal(0.0, 0.05)))
    return Expression(
        brow=np.clip(brow, 0, 1),
        smile=smile,
        laugh=laugh,
        laugh_jaw=laugh_jaw,
        brow_onset=brow_onset,
        brow_down=np.clip(brow_down, 0.0, 1.0),
        mouth_side=mouth_side,
        asym=asym,
    )


def apply_expression(bs: np.ndarray, ex: Expression) -> None:
    """Write brows, smile, laugh and small asymmetries into (F, 52) ARKit values in place."""
    s = ex.smile
    asym = ex.asym
    bs[:, _I["mouthSmileLeft"]] += s * asym
    bs[:, _I["mouthSmileRight"]] += s / asym
    # Duchenne smiles raise the cheeks and narrow the eyes.
    bs[:, _I["cheekSquintLeft"]] += 0.45 * s
    bs[:, _I["cheekSquintRight"]] += 0.45 * s
    bs[:, _I["eyeSquintLeft"]] += 0.3 * s + 0.15 * ex.laugh
    bs[:, _I["eyeSquintRight"]] += 0.3 * s + 0.15 * ex.laugh
    bs[:, _I["mouthDimpleLeft"]] += 0.15 * s
    bs[:, _I["mouthDimpleRight"]] += 0.15 * s
    bs[:, _I["browInnerUp"]] += ex.brow
    bs[:, _I["browOuterUpLeft"]] += 0.8 * ex.brow
    bs[:, _I["browOuterUpRight"]] += 0.8 * ex.brow
    bs[:, _I["eyeWideLeft"]] += 0.12 * ex.brow
    bs[:, _I["eyeWideRight"]] += 0.12 * ex.brow
    bs[:, _I["jawOpen"]] = np.maximum(bs[:, _I["jawOpen"]], ex.laugh_jaw)
    bs[:, _I["mouthUpperUpLeft"]] += 0.15 * ex.laugh
    bs[:, _I["mouthUpperUpRight"]] += 0.15 * ex.laugh
    # Laughter wrinkles the nose a little.
    bs[:, _I["noseSneerLeft"]] += 0.2 * ex.laugh
    bs[:, _I["noseSneerRight"]] += 0.2 * ex.laugh
    bs[:, _I["browDownLeft"]] += ex.brow_down
    bs[:, _I["browDownRight"]] += ex.brow_down
    bs[:, _I["mouthLeft"]] += np.maximum(ex.mouth_side, 0.0)
    bs[:, _I["mouthRight"]] += np.maximum(-ex.mouth_side, 0.0)
