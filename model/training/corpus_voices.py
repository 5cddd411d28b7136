"""Which synthetic voices each corpus split may use: the held-out voices (test split only) and
the casting of a clip's two roles."""

from __future__ import annotations

import numpy as np

# Held-out voices (test split only). Festival: one of the three voices. espeak-ng:
# whole variants (every language's voice with that variant) and plain voices of some
# accents. Everything else is train/validation only.
HELD_OUT_FESTIVAL = frozenset({"festival:ked"})
HELD_OUT_ESPEAK_VARIANTS = frozenset({"f3", "Andrea", "steph2", "m4", "Denis", "iven3", "sandro", "klatt2"})
HELD_OUT_ESPEAK_ACCENTS = frozenset({"en-gb-scotland", "fr-ch"})
FESTIVAL_SHARE = 0.25  # English roles voiced by festival (3 voices; slt is ~10x slower than espeak-ng)
FEMALE_P = 0.5  # each role's gender is drawn first, so the many male espeak-ng variants do not dominate


def voice_split(voice_id: str) -> str:
    """'test' for held-out voices, else 'train' (used by train and validation)."""
    if voice_id in HELD_OUT_FESTIVAL:
        return "test"
    if voice_id.startswith("espeak:"):
        name = voice_id.split(":", 1)[1]
        accent, _, variant = name.partition("+")
        if accent in HELD_OUT_ESPEAK_ACCENTS or (variant and variant in HELD_OUT_ESPEAK_VARIANTS):
            return "test"
    return "train"


def cast_roles(rng: np.random.Generator, voices: list) -> list:
    """Two different voices of one language: gender first, festival for a share of English roles."""
    cast: list = []
    for _ in range(2):
        options = [v for v in voices if v not in cast] or list(voices)
        festival = [v for v in options if v.backend == "festival"]
        espeak = [v for v in options if v.backend != "festival"]
        use_festival = festival and (not espeak or rng.random() < FESTIVAL_SHARE)
        options = festival if use_festival else espeak
        gender = "female" if rng.random() < FEMALE_P else "male"
        matching = [v for v in options if v.gender == gender]
        options = matching or options
        cast.append(options[int(rng.integers(len(options)))])
    return cast


def held_out_description() -> dict:
    from . import augment

    warp_doc = getattr(augment, "HELD_OUT_DESCRIPTION", None) or "see augment.sample_voice_warp(rng, 'test')"
    return {
        "voices": {
            "festival": sorted(HELD_OUT_FESTIVAL),
            "espeak_variants": sorted(HELD_OUT_ESPEAK_VARIANTS),
            "espeak_accents": sorted(HELD_OUT_ESPEAK_ACCENTS),
            "rule": "test uses only these voices; train and validation never use them",
        },
        "warps": warp_doc,
        "texts": (
            "test uses only held-out templates (index % 5 == 4 of questions, answers, statements); train "
            "and validation never use those templates nor held-out lexicon entries (index % 5 == 4)"
        ),
    }
