"""IPA sub-phones -> articulatory targets -> ARKit mouth shapes.

Articulation is described by eight parameters that are coarticulated
separately (JALI's split of jaw and lip action, Edwards et al. 2016), plus a
bilabial closure channel handled as a hard constraint in coarticulation.py.

Each sub-phone has, per parameter, a target value and a dominance weight
(Cohen & Massaro 1993): phones that need a parameter (vowels for the jaw,
rounded vowels and w for the lips) dominate it, phones that do not (k, h, t
for the lips) let their neighbours' values show through.
"""

from __future__ import annotations

import numpy as np

from .. import spec
from . import phones as ph

JAW, FUNNEL, PUCKER, SPREAD, LOWER, UPPER, TUCK, TONGUE = range(8)
N_PARAMS = 8
PARAM_NAMES = ("jaw", "funnel", "pucker", "spread", "lower_lip_down", "upper_lip_up", "lip_tuck", "tongue")

# Dominance time constants (seconds) before / after each sub-phone, per parameter.
# Lip rounding reaches furthest ahead: it starts 100-200 ms before a rounded vowel
# (Benguerel & Cowan 1974; Perkell & Matthies 1992) -> e-folding 0.12 s before.
SIGMA_BEFORE = np.array([0.055, 0.12, 0.12, 0.07, 0.05, 0.05, 0.045, 0.035])
SIGMA_AFTER = np.array([0.055, 0.07, 0.07, 0.06, 0.05, 0.05, 0.045, 0.035])

# Jaw opening (ARKit jawOpen before loudness scaling) by vowel height 0 (close) .. 6 (open).
# Ordering from jaw-height studies of vowels (Lindblom & Sundberg 1971: open vowels
# lower the jaw most); values scaled to ARKit captures of conversational speech (~0.1-0.5).
_VOWEL_JAW = np.array([0.10, 0.14, 0.21, 0.25, 0.31, 0.38, 0.44])
_VOWEL_LOWER = np.array([0.03, 0.05, 0.08, 0.10, 0.15, 0.20, 0.24])
SPREAD_VOWEL_LIP_DOMINANCE = 1.0  # front unrounded vowels over funnel/pucker (rounded vowels: 1.0)


def _vowel_row(part: ph.SubPhone) -> tuple[np.ndarray, np.ndarray]:
    t = np.zeros(N_PARAMS)
    a = np.array([1.0, 0.5, 0.5, 0.7, 0.8, 0.5, 0.3, 0.4])
    h, b = part.height, part.backness
    t[JAW] = _VOWEL_JAW[h]
    t[LOWER] = _VOWEL_LOWER[h]
    if part.rounded or part.labialised:
        # Close rounded vowels pucker (small protruded opening), mid/open ones funnel.
        closeness = 1.0 - h / 6.0
        t[PUCKER] = 0.15 + 0.55 * closeness**1.5
        t[FUNNEL] = 0.25 + 0.3 * (1.0 - abs(h - 3) / 3.0)
        if h == 1:  # ʊ, ʏ: laxer rounding
            t[PUCKER] *= 0.7
            t[FUNNEL] *= 0.8
        t[LOWER] *= 0.5
        a[FUNNEL] = a[PUCKER] = 1.0
    else:
        # Spreading: strongest for close front vowels, none for back unrounded ones.
        front = {0: 1.0, 1: 0.25, 2: 0.1}[b]
        t[SPREAD] = front * (0.6 - 0.07 * h) + (0.25 if part.palatalised else 0.0)
        t[UPPER] = 0.08 * t[SPREAD]
        if part.letter in "ɚɝ":  # r-coloured vowels: English r carries some rounding
            t[FUNNEL] = 0.25
            t[PUCKER] = 0.15
        elif b == 0:
            # Front vowels spread the lips, which cannot round at the same time: they hold their
            # unrounded lips against a neighbour's rounding (ɹ, ʃ, w) as rounded vowels hold their
            # rounding. With the default 0.5, the i of "Mary rolled" kept 3/4 of its ɹs' rounding.
            a[FUNNEL] = a[PUCKER] = SPREAD_VOWEL_LIP_DOMINANCE
    return t, a


# Consonant classes: (targets, dominances) for the eight parameters.
#                 jaw   fun   puck  spr   low   up    tuck  tong
_CONSONANT_ROWS: dict[str, tuple[list[float], list[float]]] = {
    # p b m: jaw rises toward the closure; lips themselves handled by the closure channel.
    ph.BILABIAL_STOP: ([0.07, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.6, 0.08, 0.08, 0.1, 1.0, 1.0, 0.5, 0.5]),
    ph.BILABIAL_FRICATIVE: (
        [0.06, 0.0, 0.35, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.7, 0.5, 0.8, 0.4, 0.8, 0.8, 0.5, 0.5],
    ),
    # w: strong protrusion with a small rounded opening (Fromkin 1964 lip protrusion of w/u).
    ph.LABIAL_VELAR: ([0.08, 0.2, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0], [0.7, 1.0, 1.0, 0.8, 0.6, 0.6, 0.5, 0.5]),
    ph.LABIAL_PALATAL: ([0.08, 0.1, 0.6, 0.1, 0.0, 0.0, 0.0, 0.0], [0.7, 1.0, 1.0, 0.6, 0.6, 0.6, 0.5, 0.5]),
    # f v: lower lip tucked under the upper teeth, upper lip slightly raised.
    ph.LABIODENTAL: ([0.07, 0.0, 0.0, 0.0, 0.0, 0.22, 0.6, 0.0], [0.7, 0.3, 0.3, 0.2, 0.9, 0.9, 1.0, 0.5]),
    ph.LABIODENTAL_APPROX: (
        [0.09, 0.0, 0.0, 0.0, 0.0, 0.15, 0.35, 0.0],
        [0.5, 0.2, 0.2, 0.2, 0.6, 0.7, 0.8, 0.5],
    ),
    # θ ð: tongue tip between the teeth, shown lightly.
    ph.DENTAL: ([0.10, 0.0, 0.0, 0.05, 0.05, 0.08, 0.0, 1.0], [0.6, 0.2, 0.2, 0.2, 0.4, 0.5, 0.6, 1.0]),
    # t d n: the jaw largely follows the vowels (low dominance), lips fully coarticulated.
    ph.ALVEOLAR: ([0.11, 0.0, 0.0, 0.05, 0.04, 0.03, 0.0, 0.0], [0.5, 0.1, 0.1, 0.15, 0.3, 0.3, 0.5, 0.8]),
    ph.LATERAL: ([0.15, 0.0, 0.0, 0.08, 0.06, 0.03, 0.0, 0.0], [0.45, 0.1, 0.1, 0.15, 0.3, 0.3, 0.5, 0.8]),
    # s z: the highest jaw position of all consonants, teeth close and visible
    # (Lee, Beckman & Jackson 1994 jaw height for /s/).
    ph.SIBILANT: ([0.05, 0.0, 0.0, 0.2, 0.10, 0.12, 0.0, 0.0], [0.9, 0.3, 0.3, 0.3, 0.6, 0.6, 0.6, 0.8]),
    # ʃ ʒ: high jaw with protruded, funnelled lips (English and French postalveolars).
    ph.POSTALVEOLAR: ([0.06, 0.45, 0.2, 0.0, 0.14, 0.16, 0.0, 0.0], [0.9, 0.8, 0.7, 0.5, 0.6, 0.6, 0.6, 0.8]),
    # English r: lip rounding (Delattre & Freeman 1968; King & Ferragne 2020).
    ph.RHOTIC_APPROX: (
        [0.13, 0.35, 0.25, 0.0, 0.04, 0.04, 0.0, 0.0],
        [0.4, 0.7, 0.6, 0.4, 0.3, 0.3, 0.5, 0.8],
    ),
    ph.PALATAL: ([0.09, 0.0, 0.0, 0.4, 0.04, 0.06, 0.0, 0.0], [0.55, 0.3, 0.3, 0.6, 0.3, 0.3, 0.5, 0.8]),
    # k g ŋ x, uvulars: no lip target; jaw follows the vowels.
    ph.VELAR: ([0.14, 0.0, 0.0, 0.0, 0.04, 0.02, 0.0, 0.0], [0.3, 0.05, 0.05, 0.08, 0.15, 0.15, 0.5, 0.8]),
    # h ʔ: take the shape of the next vowel almost completely.
    ph.GLOTTAL: ([0.15, 0.0, 0.0, 0.0, 0.05, 0.02, 0.0, 0.0], [0.08, 0.03, 0.03, 0.04, 0.06, 0.06, 0.3, 0.5]),
}

# Rest (silence): mouth nearly shut, relaxed; lip shapes of the first phone show
# only shortly before speech starts.
_REST = (
    np.array([0.015, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    np.array([0.5, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]),
)


def subphone_row(part: ph.SubPhone) -> tuple[np.ndarray, np.ndarray]:
    """(targets, dominances) of one sub-phone, each (N_PARAMS,)."""
    if part.cls == ph.SILENCE:
        return _REST[0].copy(), _REST[1].copy()
    if part.cls == ph.VOWEL:
        return _vowel_row(part)
    t, a = (np.array(v, dtype=np.float64) for v in _CONSONANT_ROWS[part.cls])
    if part.labialised:  # kʷ, gʷ: rounding on the consonant itself
        t[PUCKER] = max(t[PUCKER], 0.5)
        t[FUNNEL] = max(t[FUNNEL], 0.2)
        a[PUCKER] = a[FUNNEL] = 0.9
    if part.palatalised:
        t[SPREAD] = max(t[SPREAD], 0.25)
        a[SPREAD] = max(a[SPREAD], 0.4)
    return t, a


# Stress scales the jaw: stressed syllables are hyperarticulated with a lower jaw
# (de Jong 1995; Erickson 2002), unstressed ones reduced.
STRESS_JAW_GAIN = {0: 0.88, 1: 1.12, 2: 1.0}

# Closure shapes in ARKit terms. Lip aperture (see lip_aperture) must be at most
# APERTURE_CLOSED for the lips to count as sealed.
APERTURE_CLOSED = 0.02
PRESS_BY_LETTER = {"p": 0.45, "b": 0.35, "m": 0.25, "ɓ": 0.35}

_I = spec.ARKIT_INDEX


def lip_aperture(blendshapes: np.ndarray) -> np.ndarray:
    """Vertical lip opening implied by ARKit values (..., 52) -> (...).

    jawOpen opens the lips unless mouthClose (lips together while the jaw is
    open) cancels it; mouthLowerDown / mouthUpperUp pull the lips off the teeth
    and mouthFunnel opens a rounded gap. Sealed lips have aperture ~0.
    """
    b = blendshapes
    jaw_gap = np.maximum(b[..., _I["jawOpen"]] - b[..., _I["mouthClose"]], 0.0)
    lower = 0.5 * (b[..., _I["mouthLowerDownLeft"]] + b[..., _I["mouthLowerDownRight"]])
    upper = 0.5 * (b[..., _I["mouthUpperUpLeft"]] + b[..., _I["mouthUpperUpRight"]])
    return jaw_gap + 0.5 * (lower + upper) + 0.5 * b[..., _I["mouthFunnel"]]


# The ARKit channels articulation_to_arkit writes (everything the phones drive);
# seal_closures only rewrites some of them. jawForward/Left/Right, mouthLeft/Right,
# mouthFrown*, mouthDimple*, mouthShrugUpper and cheekPuff are never driven by phones.
MOUTH_CHANNEL_NAMES = (
    "jawOpen",
    "mouthClose",
    "mouthFunnel",
    "mouthPucker",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthPressLeft",
    "mouthPressRight",
    "tongueOut",
)


def articulation_to_arkit(params: np.ndarray, lip_close: np.ndarray, press: np.ndarray) -> np.ndarray:
    """(F, N_PARAMS) articulation + (F,) closure and press -> (F, 52) ARKit mouth values.

    Only mouth/jaw/tongue channels are written; the rest stay 0 for the
    expression layers to fill.
    """
    n = params.shape[0]
    out = np.zeros((n, len(spec.ARKIT_NAMES)), dtype=np.float64)
    close = np.clip(lip_close, 0.0, 1.0)
    open_lips = 1.0 - close
    jaw = np.clip(params[:, JAW], 0.0, 1.0)
    out[:, _I["jawOpen"]] = jaw
    # mouthClose compensates the jaw so the lips meet even with the jaw open.
    out[:, _I["mouthClose"]] = close * jaw
    out[:, _I["mouthFunnel"]] = params[:, FUNNEL] * open_lips
    out[:, _I["mouthPucker"]] = params[:, PUCKER]
    stretch = 0.45 * params[:, SPREAD] * (1.0 - 0.5 * close)
    out[:, _I["mouthStretchLeft"]] = stretch
    out[:, _I["mouthStretchRight"]] = stretch
    smile = 0.12 * params[:, SPREAD]
    out[:, _I["mouthSmileLeft"]] = smile
    out[:, _I["mouthSmileRight"]] = smile
    lower = params[:, LOWER] * open_lips
    upper = params[:, UPPER] * open_lips
    out[:, _I["mouthLowerDownLeft"]] = lower
    out[:, _I["mouthLowerDownRight"]] = lower
    out[:, _I["mouthUpperUpLeft"]] = upper
    out[:, _I["mouthUpperUpRight"]] = upper
    # f/v: the lower lip rolls in under the upper teeth; pressed p/b/m roll the lips in slightly
    # (press is zero for lips that merely rest together).
    out[:, _I["mouthRollLower"]] = 0.6 * params[:, TUCK] + 0.25 * press
    out[:, _I["mouthRollUpper"]] = 0.12 * params[:, TUCK] + 0.15 * press
    out[:, _I["mouthShrugLower"]] = 0.2 * params[:, TUCK] + 0.6 * press
    out[:, _I["mouthPressLeft"]] = press
    out[:, _I["mouthPressRight"]] = press
    out[:, _I["tongueOut"]] = 0.25 * np.clip(params[:, TONGUE], 0.0, 1.0)
    return np.clip(out, 0.0, 1.0, out=out)
