"""Held-out real lips (model/training/heldout_lips.py): scoring on accepted words only; no data, no bpy."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import spec
from duet.model.training import heldout_lips
from duet.model.training.real_align import AlignedPhone, AlignedWord

FPS = spec.NATIVE_FPS
JAW = spec.ARKIT_INDEX["jawOpen"]


def word(name: str, phones: list[tuple[str, str, float, float]]) -> AlignedWord:
    return AlignedWord(name, 0.8, 1.0, True, tuple(AlignedPhone(a, i, 0, s, e) for a, i, s, e in phones))


# "map" at 0.50-0.80 s: m sealed 0.50-0.60, a 0.60-0.72, p 0.72-0.80.
MAP = word("map", [("M", "m", 0.50, 0.60), ("AE", "æ", 0.60, 0.72), ("P", "p", 0.72, 0.80)])
# "two" at 1.40-1.70 s: t then a rounded vowel.
TWO = word("two", [("T", "t", 1.40, 1.48), ("UW", "u", 1.48, 1.70)])


def mouth(seconds: float, open_spans: list[tuple[float, float]], value: float = 0.4) -> np.ndarray:
    """Blendshapes (F, 52): jaw open inside `open_spans`, closed elsewhere."""
    n = int(seconds * FPS)
    t = np.arange(n) / FPS
    blend = np.zeros((n, len(spec.ARKIT_NAMES)), np.float32)
    for s, e in open_spans:
        blend[(t >= s) & (t < e), JAW] = value
    return blend


def test_word_phones_keep_the_accepted_words_in_order():
    ref = heldout_lips.word_phones([MAP, TWO])
    assert list(ref.ipa) == ["m", "æ", "p", "t", "u"]
    assert ref.start[0] == pytest.approx(0.50) and ref.end[-1] == pytest.approx(1.70)


def test_a_mouth_that_seals_on_each_pbm_is_hit_on_time_and_precise():
    # Open on the vowel, sealed for m and p, open after p's release.
    blend = mouth(2.0, [(0.60, 0.72), (0.80, 1.0)])
    c = heldout_lips.silver_counts(blend, [MAP])
    assert c["closure_hits"] == [True, True]
    # Releases at 0.60 and 0.80 s, each at the end of its closure (within a frame).
    assert max(c["closure_errors_ms"]) <= 1000.0 / FPS
    assert c["releases_in_speech"] == 2  # m's release at 0.60 s and p's at the word's end
    assert c["releases_after_pbm"] == 2


def test_a_mouth_that_never_seals_misses_every_pbm():
    blend = mouth(2.0, [(0.0, 2.0)])
    c = heldout_lips.silver_counts(blend, [MAP])
    assert c["closure_hits"] == [False, False]
    assert c["closure_errors_ms"] == [150.0, 150.0]


def test_releases_outside_the_accepted_words_are_not_scored():
    # A false seal at 1.1-1.2 s lies between the words (an unscored stretch) and one at 1.55-1.6 s
    # inside "two", after its onset: only the second counts against precision.
    blend = mouth(2.0, [(0.60, 0.72), (0.80, 1.10), (1.20, 1.55), (1.60, 2.0)])
    c = heldout_lips.silver_counts(blend, [MAP, TWO])
    assert c["releases_in_speech"] == 3  # 0.60 and 0.80 in "map", 1.60 in "two"
    assert c["releases_after_pbm"] == 2


def test_a_release_in_a_words_first_moments_is_not_scored():
    # The mouth opens 20 ms into "two": the previous word's release, not a seal of this one.
    blend = mouth(2.0, [(1.42, 2.0)])
    c = heldout_lips.silver_counts(blend, [TWO])
    assert c["releases_in_speech"] == 0


def test_rounding_reads_the_rounded_vowels_of_accepted_words():
    blend = mouth(2.0, [])
    blend[:, spec.ARKIT_INDEX["mouthPucker"]] = 0.5
    c = heldout_lips.silver_counts(blend, [MAP, TWO])
    assert c["rounded"] == [pytest.approx(0.5)]  # "two"'s u
    assert c["spread"] == []  # æ is open, neither rounded nor spread


def test_score_readings_pools_and_counts_what_it_scored():
    readings = [
        heldout_lips.Reading("r1", "s1", np.zeros(2 * spec.SAMPLE_RATE, np.float32), [MAP]),
        heldout_lips.Reading("r2", "s2", np.zeros(2 * spec.SAMPLE_RATE, np.float32), [MAP, TWO]),
    ]
    fig = heldout_lips.score_readings(readings, lambda r: mouth(2.0, [(0.60, 0.72), (0.80, 2.0)]))
    assert fig["readings"] == 2 and fig["speakers"] == 2 and fig["words"] == 3
    assert fig["closures"] == 4 and fig["closure_recall"] == pytest.approx(1.0)
    assert fig["seconds"] == pytest.approx(4.0)
    assert fig["scored_word_seconds"] == pytest.approx(0.3 + 0.3 + 0.3)
