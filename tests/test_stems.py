from __future__ import annotations

import numpy as np

from duet.model.stems import analyse_stereo

SR = 16000


def _speechy(rng: np.random.Generator, seconds: float, on: list[tuple[float, float]]) -> np.ndarray:
    x = rng.standard_normal(int(SR * seconds)).astype(np.float32) * 0.1
    gate = np.zeros_like(x)
    for start, end in on:
        gate[int(start * SR) : int(end * SR)] = 1.0
    return x * gate


def test_alternating_channels_are_stems() -> None:
    rng = np.random.default_rng(0)
    a = _speechy(rng, 6, [(0.0, 2.0), (4.0, 5.0)])
    b = _speechy(rng, 6, [(2.2, 3.8), (5.2, 6.0)])
    report = analyse_stereo(np.stack([a, b], axis=1), SR)
    assert report.likely_stems, report


def test_identical_channels_are_a_mix() -> None:
    rng = np.random.default_rng(1)
    a = _speechy(rng, 4, [(0.0, 4.0)])
    report = analyse_stereo(np.stack([a, a * 0.9], axis=1), SR)
    assert not report.likely_stems
    assert report.correlation > 0.95


def test_panned_mix_with_both_channels_active_is_not_stems() -> None:
    rng = np.random.default_rng(2)
    a = _speechy(rng, 6, [(0.0, 2.0), (4.0, 5.0)])
    b = _speechy(rng, 6, [(2.2, 3.8), (5.2, 6.0)])
    left, right = a + 0.5 * b, 0.5 * a + b  # each voice panned, present in both channels
    assert not analyse_stereo(np.stack([left, right], axis=1), SR).likely_stems


def test_mono_input_is_not_stems() -> None:
    assert not analyse_stereo(np.zeros((100, 1), np.float32), SR).likely_stems
