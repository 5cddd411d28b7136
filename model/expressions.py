"""Facial expressions as patterns over the 52 ARKit shapes, from FACS action units.

A mood is a set of FACS action units (Ekman & Friesen 1978) at intensities 0..1 for
the full expression (100 %); each action unit moves one or a few ARKit shapes
(AU_SHAPES). The unit sets of the six basic emotions are the prototypes of Ekman &
Friesen's EMFACS (as listed in Ekman, Friesen & Hager 2002): happiness 6+12,
sadness 1+4+15, anger 4+5+7+23, surprise 1+2+5+26, fear 1+2+4+5+7+20+26, disgust
9+15+16. A frown (4+7) is the brow of anger and concentration alone; thoughtful
follows the concentration face of Rozin & Cohen (2003) (brows lowered and drawn
together, eyes narrowed) with the lips pressed; bored (heavy lids, slack corners)
and neutral have no prototype and are ours. A laugh is the Duchenne display (6+12)
with the jaw opening in pulses (Ruch & Ekman 2001) about 210 ms apart (Provine &
Yong 1991). The intensities are ours, set so that a mood reads at a glance in a
close-up at the default strength without hiding speech; docs/STAGING.md lists them.

Pure numpy: no bpy, no staging text. duet.model.staging.moods lays these patterns
over a performance.
"""

from __future__ import annotations

import numpy as np

from .spec import ARKIT_INDEX, ARKIT_NAMES

N_SHAPES = len(ARKIT_NAMES)


def _both(stem: str) -> tuple[str, str]:
    return (f"{stem}Left", f"{stem}Right")


# FACS action unit -> the ARKit shapes that make it (weight of each, 1 = the shape at full).
# AU6 (cheek raiser) also narrows the eye from below, AU23 (lip tightener) has no ARKit shape
# of its own: pressed lips with a little roll come closest. AU29 (jaw thrust) sets the jaw,
# AU43 (eyes closed) at a low intensity is a heavy lid.
AU_SHAPES: dict[int, dict[str, float]] = {
    1: {"browInnerUp": 1.0},
    2: dict.fromkeys(_both("browOuterUp"), 1.0),
    4: dict.fromkeys(_both("browDown"), 1.0),
    5: dict.fromkeys(_both("eyeWide"), 1.0),
    6: {**dict.fromkeys(_both("cheekSquint"), 1.0), **dict.fromkeys(_both("eyeSquint"), 0.3)},
    7: dict.fromkeys(_both("eyeSquint"), 1.0),
    9: dict.fromkeys(_both("noseSneer"), 1.0),
    10: dict.fromkeys(_both("mouthUpperUp"), 1.0),
    12: dict.fromkeys(_both("mouthSmile"), 1.0),
    14: dict.fromkeys(_both("mouthDimple"), 1.0),
    15: dict.fromkeys(_both("mouthFrown"), 1.0),
    16: dict.fromkeys(_both("mouthLowerDown"), 1.0),
    17: {"mouthShrugLower": 1.0},
    20: dict.fromkeys(_both("mouthStretch"), 1.0),
    23: {**dict.fromkeys(_both("mouthPress"), 0.7), "mouthRollLower": 0.2, "mouthRollUpper": 0.2},
    24: dict.fromkeys(_both("mouthPress"), 1.0),
    26: {"jawOpen": 1.0},
    29: {"jawForward": 1.0},
    43: dict.fromkeys(_both("eyeBlink"), 1.0),
}

# Mood -> {action unit: intensity at 100 %}. Every mood in MOODS has an entry.
MOOD_UNITS: dict[str, dict[int, float]] = {
    "happy": {6: 0.6, 12: 0.8},
    "sad": {1: 0.7, 4: 0.3, 15: 0.6, 17: 0.3, 43: 0.12},
    "angry": {4: 0.85, 5: 0.3, 7: 0.5, 23: 0.5, 29: 0.12},
    "frowning": {4: 0.75, 7: 0.35},
    "surprised": {1: 0.75, 2: 0.75, 5: 0.7, 26: 0.35},
    "afraid": {1: 0.7, 2: 0.45, 4: 0.35, 5: 0.7, 7: 0.2, 20: 0.6, 26: 0.2},
    "disgusted": {9: 0.7, 10: 0.35, 15: 0.4, 16: 0.2, 4: 0.25},
    "thoughtful": {4: 0.35, 7: 0.25, 17: 0.3, 24: 0.25},
    "bored": {43: 0.3, 15: 0.25, 17: 0.15},
    "neutral": {},
}
MOODS: tuple[str, ...] = tuple(MOOD_UNITS)

# What a mood holds back of the performance under it (shape -> share removed at 100 %):
# a smile does not sit on a frowning mouth, a sad or angry face does not smile.
MOOD_SUPPRESS: dict[str, dict[str, float]] = {
    "happy": {**dict.fromkeys(_both("mouthFrown"), 0.8), **dict.fromkeys(_both("browDown"), 0.5)},
    "sad": dict.fromkeys(_both("mouthSmile"), 0.7),
    "angry": dict.fromkeys(_both("mouthSmile"), 0.8),
    "frowning": dict.fromkeys(_both("mouthSmile"), 0.4),
    "surprised": dict.fromkeys(_both("browDown"), 0.8),
    "afraid": dict.fromkeys(_both("mouthSmile"), 0.8),
    "disgusted": dict.fromkeys(_both("mouthSmile"), 0.8),
    "thoughtful": {},
    "bored": dict.fromkeys(_both("mouthSmile"), 0.5),
    "neutral": {},
}

# Strength of a mood without an intensity word, and the words' strengths (share of 100 %).
DEFAULT_INTENSITY = 0.7
INTENSITIES = {"slightly": 0.4, "very": 1.0}

# A laugh: the Duchenne display held over the burst, the jaw opening in pulses.
LAUGH_UNITS: dict[int, float] = {6: 0.8, 12: 0.9}
LAUGH_JAW = 0.35  # jawOpen at the top of a pulse (AU26/27 in Ruch & Ekman's description)
LAUGH_PULSE_HZ = 4.8  # laugh notes ~210 ms apart (Provine & Yong 1991)
LAUGH_S = 1.0  # a laugh without a length
LAUGH_RISE_S = 0.15
LAUGH_FALL_S = 0.35

# Shapes by how speech needs them (duet.model.staging.moods):
# APERTURE shapes part the lips (duet.model.lips.lip_aperture): a mood leaves them to speech.
APERTURE_SHAPES = ("jawOpen", "mouthClose", "mouthFunnel", *_both("mouthLowerDown"), *_both("mouthUpperUp"))
# SPREAD shapes pull the corners apart: they yield where speech rounds the lips ("oo", "w").
SPREAD_SHAPES = (*_both("mouthSmile"), *_both("mouthStretch"), *_both("mouthDimple"))
# LIP_TENSION shapes press or curl the lips: half of them stays while speaking.
LIP_TENSION_SHAPES = (*_both("mouthPress"), "mouthRollLower", "mouthRollUpper", "mouthShrugUpper")
# LID shapes hold the eyelids: they give way to a blink on the same side.
LID_SHAPES = {"Left": ("eyeWideLeft", "eyeSquintLeft"), "Right": ("eyeWideRight", "eyeSquintRight")}


def units_to_shapes(units: dict[int, float]) -> np.ndarray:
    """(52,) ARKit values of a set of action units (intensities 0..1), combined by the
    larger value where two units move one shape."""
    out = np.zeros(N_SHAPES)
    for au, amount in units.items():
        for name, weight in AU_SHAPES[au].items():
            k = ARKIT_INDEX[name]
            out[k] = max(out[k], float(np.clip(amount * weight, 0.0, 1.0)))
    return out


def _suppress_vector(shares: dict[str, float]) -> np.ndarray:
    out = np.zeros(N_SHAPES)
    for name, share in shares.items():
        out[ARKIT_INDEX[name]] = share
    return out


# (len(MOODS), 52) patterns at 100 % and what each holds back.
PATTERNS = np.stack([units_to_shapes(MOOD_UNITS[m]) for m in MOODS])
SUPPRESS = np.stack([_suppress_vector(MOOD_SUPPRESS[m]) for m in MOODS])
LAUGH_PATTERN = units_to_shapes(LAUGH_UNITS)
MOOD_INDEX = {m: k for k, m in enumerate(MOODS)}


def mood_shapes(mood: str, intensity: float = DEFAULT_INTENSITY) -> np.ndarray:
    """(52,) what `mood` adds at `intensity` (0..1) on a face at rest."""
    return PATTERNS[MOOD_INDEX[mood]] * float(np.clip(intensity, 0.0, 1.0))


def shape_indices(names: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.array([ARKIT_INDEX[n] for n in names], dtype=np.int64)


__all__ = [
    "APERTURE_SHAPES",
    "AU_SHAPES",
    "DEFAULT_INTENSITY",
    "INTENSITIES",
    "LAUGH_PATTERN",
    "LID_SHAPES",
    "LIP_TENSION_SHAPES",
    "MOODS",
    "MOOD_INDEX",
    "MOOD_SUPPRESS",
    "MOOD_UNITS",
    "PATTERNS",
    "SPREAD_SHAPES",
    "SUPPRESS",
    "mood_shapes",
    "shape_indices",
    "units_to_shapes",
]
