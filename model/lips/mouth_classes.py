"""Mouth classes: the phones grouped by what the lips and jaw do, for the audio-only lip reader.

A network that regresses mouth shapes from real audio averages its doubts into a half-open
mouth: it rarely seals a p/b/m and rounds little. The lip reader (lip_reader.py) instead names
a class per frame; each class has one representative phone that the teacher's coarticulation
(mouth_from_phones) renders, so a frame it reads as p/b/m seals as the teacher seals.

Classes are defined on the teacher's sub-phones (phones.phone_info), so every language's
phones map without a table per language. A diphthong's parts get their own classes over
their share of the phone.
"""

from __future__ import annotations

import numpy as np

from . import phones as ph

# (name, representative IPA phone the teacher renders for it)
CLASSES: tuple[tuple[str, str], ...] = (
    ("silence", "_"),
    ("bilabial", "p"),  # p b m: the lips seal
    ("labiodental", "f"),  # f v, and the rare bilabial fricatives
    ("rounded_close", "u"),  # u ʊ y w: pucker
    ("rounded_open", "o"),  # o ɔ ø œ ɒ: funnel
    ("close", "i"),  # i ɪ ɨ ɯ: spread, small jaw
    ("mid", "ə"),  # e ɛ ə ɚ ʌ ɜ
    ("open", "a"),  # a æ ɐ ɑ: the jaw drops
    ("dental", "θ"),
    ("alveolar", "t"),  # t d n l r ɾ
    ("sibilant", "s"),
    ("postalveolar", "ʃ"),  # ʃ ʒ and the affricates' second part
    ("rhotic", "ɹ"),
    ("back", "k"),  # velars, glottals, palatals: the lips follow the vowels
)
NAMES = tuple(name for name, _ in CLASSES)
REPRESENTATIVE = tuple(ipa for _, ipa in CLASSES)
N_CLASSES = len(CLASSES)
SILENCE, BILABIAL = NAMES.index("silence"), NAMES.index("bilabial")
VOWEL_CLASSES = tuple(NAMES.index(n) for n in ("rounded_close", "rounded_open", "close", "mid", "open"))

_CONSONANT_CLASS = {
    ph.BILABIAL_STOP: "bilabial",
    ph.BILABIAL_FRICATIVE: "labiodental",
    ph.LABIODENTAL: "labiodental",
    ph.LABIODENTAL_APPROX: "labiodental",
    ph.LABIAL_VELAR: "rounded_close",
    ph.LABIAL_PALATAL: "rounded_close",
    ph.DENTAL: "dental",
    ph.ALVEOLAR: "alveolar",
    ph.LATERAL: "alveolar",
    ph.SIBILANT: "sibilant",
    ph.POSTALVEOLAR: "postalveolar",
    ph.RHOTIC_APPROX: "rhotic",
    ph.PALATAL: "back",
    ph.VELAR: "back",
    ph.GLOTTAL: "back",
    ph.SILENCE: "silence",
}


def subphone_class(part: ph.SubPhone) -> int:
    """The class index of one sub-phone."""
    if part.cls == ph.VOWEL:
        if part.rounded or part.labialised:
            return NAMES.index("rounded_close" if part.height <= 1 else "rounded_open")
        if part.height <= 1:
            return NAMES.index("close")
        return NAMES.index("mid" if part.height <= 4 else "open")
    return NAMES.index(_CONSONANT_CLASS.get(part.cls, "back"))


def frame_labels(ipa, start, end, n_frames: int, fps: float) -> np.ndarray:
    """(n_frames,) int16 class per frame from timed phones (seconds; frame i at i / fps), -1 where
    no phone lies. A phone's parts share its span by phone_info's fractions."""
    out = np.full(n_frames, -1, dtype=np.int16)
    for p, s, e in zip(ipa, start, end, strict=True):
        info = ph.phone_info(str(p))
        t0 = float(s)
        for part, share in zip(info.parts, info.fractions, strict=True):
            t1 = t0 + share * (float(e) - float(s))
            i0 = int(np.clip(np.ceil(t0 * fps - 1e-9), 0, n_frames))
            i1 = int(np.clip(np.ceil(t1 * fps - 1e-9), 0, n_frames))
            out[i0:i1] = subphone_class(part)
            t0 = t1
    return out


__all__ = [
    "BILABIAL",
    "CLASSES",
    "NAMES",
    "N_CLASSES",
    "REPRESENTATIVE",
    "SILENCE",
    "VOWEL_CLASSES",
    "frame_labels",
    "subphone_class",
]
