"""windowing.voiced_frames: the broadband VAD, and voice told from stationary noise band by band
in takes whose speech is buried in noise."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import windowing

SR = 16000
FPS = 50


def _vowel(seconds: float, f0: float, rng: np.random.Generator) -> np.ndarray:
    """A pitched, formant-shaped burst (a sung vowel): harmonics of f0 weighted by two formants."""
    t = np.arange(int(seconds * SR)) / SR
    wobble = f0 * (1.0 + 0.03 * np.sin(2 * np.pi * 4.0 * t))
    phase = 2 * np.pi * np.cumsum(wobble) / SR
    out = np.zeros_like(t)
    for k in range(1, 30):
        f = k * f0
        if f > 4000:
            break
        gain = np.exp(-(((f - 700.0) / 250.0) ** 2)) + 0.6 * np.exp(-(((f - 1200.0) / 300.0) ** 2)) + 0.05
        out += gain * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    envelope = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.03)
    return out * envelope


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum))
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0.0
    return np.fft.irfft(spectrum, n)


def _rms_db(x: np.ndarray) -> float:
    return 10.0 * np.log10(np.mean(x**2) + 1e-20)


def _take(snr_db: float | None, level_db: float = -26.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """0.4 s vowels and 0.4 s gaps over 12 s; returns (audio, (F,) frames truly voiced)."""
    rng = np.random.default_rng(seed)
    seconds, on, off = 12.0, 0.4, 0.4
    x = np.zeros(int(seconds * SR))
    truth = np.zeros(int(seconds * FPS), dtype=bool)
    t = 0.5
    while t + on < seconds - 0.5:
        a = int(t * SR)
        burst = _vowel(on, rng.uniform(110, 220), rng)
        x[a : a + len(burst)] += burst
        truth[int(round(t * FPS)) : int(round((t + on) * FPS))] = True
        t += on + off
    speech_db = _rms_db(x[x != 0])
    x *= 10 ** ((level_db - speech_db) / 20)
    if snr_db is not None:
        noise = _pink(len(x), rng)
        noise *= 10 ** ((level_db - snr_db - _rms_db(noise)) / 20)
        x = x + noise
    return x.astype(np.float32), truth


def _recall_and_false_alarms(x: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    v = windowing.voiced_frames(x, len(truth))
    # Frames next to an edge are neither: a vowel's onset and its room tail are both fair.
    edge = np.zeros_like(truth)
    for d in (-2, -1, 0, 1, 2):
        edge |= np.roll(truth, d) != truth
    inside, outside = truth & ~edge, ~truth & ~edge
    return float(v[inside].mean()), float(v[outside].mean())


def test_clean_vowels_are_voice_and_their_gaps_are_not() -> None:
    recall, false_alarms = _recall_and_false_alarms(*_take(None))
    assert recall > 0.95
    assert false_alarms < 0.02


@pytest.mark.parametrize("snr_db", [6.0, 3.0])
def test_vowels_in_pink_noise_are_heard(snr_db: float) -> None:
    """Vowels a few dB over stationary noise (a take spanning under NOISY_SPAN_DB) are heard, and
    the noise between them mostly is not (the broadband rule took 19-21 % of these gaps for voice;
    the band VAD takes 11 %)."""
    x, truth = _take(snr_db)
    level = windowing.frame_energy_db(x, len(truth))
    loud, floor = windowing.loud_and_floor(level)
    assert loud - floor < windowing.NOISY_SPAN_DB
    recall, false_alarms = _recall_and_false_alarms(x, truth)
    assert recall > 0.9
    assert false_alarms < 0.15
    broadband = windowing.voiced_from_level(level)
    assert false_alarms < float(broadband[~truth].mean())


def test_a_clean_take_keeps_the_broadband_rule() -> None:
    x, truth = _take(None)
    level = windowing.frame_energy_db(x, len(truth))
    np.testing.assert_array_equal(windowing.voiced_frames(x, len(truth)), windowing.voiced_from_level(level))


def test_stationary_noise_alone_is_not_voice() -> None:
    rng = np.random.default_rng(1)
    noise = _pink(12 * SR, rng)
    noise *= 10 ** ((-20.0 - _rms_db(noise)) / 20)  # loud room tone
    v = windowing.voiced_frames(noise.astype(np.float32), 12 * FPS)
    assert v.mean() < 0.05


def test_near_digital_silence_is_not_voice() -> None:
    x, _ = _take(None, level_db=-80.0)
    assert not windowing.voiced_frames(x, 12 * FPS).any()
    assert not windowing.voiced_frames(np.zeros(SR, dtype=np.float32), FPS).any()


def test_answers_are_the_same_from_the_cache_and_fresh() -> None:
    x, truth = _take(3.0, seed=3)
    first = windowing.voiced_frames(x, len(truth))
    first[:] = False  # a caller's edits do not reach the cache
    again = windowing.voiced_frames(x, len(truth))
    windowing._IN_NOISE_CACHE.clear()
    fresh = windowing.voiced_frames(x, len(truth))
    assert again.any()
    np.testing.assert_array_equal(again, fresh)


def test_blocks_give_the_same_bands_as_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    x, truth = _take(6.0, seed=4)
    whole = windowing.speech_band_rise(x, len(truth))
    monkeypatch.setattr(windowing, "BAND_BLOCK", 70)  # 600 frames in 9 blocks, the last short
    np.testing.assert_allclose(windowing.speech_band_rise(x, len(truth)), whole, rtol=0, atol=1e-9)


def test_a_music_bed_keeps_the_broadband_rule() -> None:
    """Chords under the voice rise far over their bands' floor (which lies between notes): not a
    noise floor that speech rises over, so even a very noisy take with a bed is read broadband."""
    x, truth = _take(None, seed=5)
    t = np.arange(len(x)) / SR
    bed = np.zeros_like(t)
    roots = (220.0, 196.0, 247.0, 165.0, 262.0, 175.0)
    for k in range(int(t[-1] / 0.5) + 1):
        a, b = int(k * 0.5 * SR), min(len(x), int((k + 1) * 0.5 * SR))
        decay = np.exp(-3.0 * (t[a:b] - t[a])) * 0.8 + 0.2
        for ratio in (1.0, 1.25, 1.5, 2.0):
            bed[a:b] += decay * np.sin(2 * np.pi * roots[k % len(roots)] * ratio * t[a:b])
    bed *= 10 ** ((-26.0 - 6.0 - _rms_db(bed)) / 20)  # 6 dB under the vowels
    y = (x + bed).astype(np.float32)
    level = windowing.frame_energy_db(y, len(truth))
    loud, floor = windowing.loud_and_floor(level)
    assert loud - floor < windowing.NOISY_SPAN_DB
    assert windowing.voiced_in_noise(y, len(truth)) is None
    np.testing.assert_array_equal(windowing.voiced_frames(y, len(truth)), windowing.voiced_from_level(level))
