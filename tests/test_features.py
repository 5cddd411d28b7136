"""Audio preparation (validation, resampling) and log-mel features."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import audio, features, spec
from duet.model.errors import InputError


def _tone(freq: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate).astype(np.float32)


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 24000, 32000, 44100, 48000, 96000])
def test_resampler_keeps_in_band_tones(rate: int) -> None:
    x = _tone(1000.0, rate, 1.0)
    y = audio.resample(x, rate)
    assert y.dtype == np.float32
    assert len(y) == -(-len(x) * 16000 // rate)
    ref = _tone(1000.0, 16000, len(y) / 16000)
    inner = slice(400, len(y) - 400)  # away from the edges, where the signal starts/stops
    assert float(np.max(np.abs(y[inner] - ref[inner]))) < 1e-3


@pytest.mark.parametrize("rate", [32000, 44100, 48000])
def test_resampler_rejects_frequencies_above_the_new_nyquist(rate: int) -> None:
    y = audio.resample(_tone(11000.0, rate, 1.0), rate)  # would alias to 5 kHz
    assert float(np.sqrt(np.mean(y[400:-400] ** 2))) < 1e-3


def test_resampler_stereo_and_identity() -> None:
    x = np.stack([_tone(300.0, 48000), _tone(500.0, 48000)], axis=1)
    y = audio.resample(x, 48000)
    assert y.shape == (16000, 2)
    np.testing.assert_allclose(y[400:-400, 0], _tone(300.0, 16000)[400:-400], atol=1e-3)
    z = _tone(300.0, 16000)
    np.testing.assert_array_equal(audio.resample(z, 16000), z)


def test_features_shape_and_frame_count() -> None:
    x = np.zeros(16000 * 3 + 17, dtype=np.float32)
    n = features.n_model_frames(len(x))
    assert n == int(np.ceil(len(x) / 16000 * spec.NATIVE_FPS))  # the corpus's frame count
    m = features.log_mel(x)
    assert m.shape == (2 * n, features.N_MELS)
    assert m.dtype == np.float32
    assert np.all(np.isfinite(m))
    assert float(m.max()) == pytest.approx(np.log(features.POWER_FLOOR))  # silence = the floor


def test_features_of_a_window_equal_the_whole_take() -> None:
    rng = np.random.default_rng(0)
    x = (rng.normal(size=16000 * 4) * 0.1).astype(np.float32)
    whole = features.log_mel(x)
    part = features.log_mel(x, 123, 150)
    np.testing.assert_allclose(part, whole[123:273], atol=1e-5)
    both = features.stream_features(np.stack([x, -x], axis=1), 10, 50)
    assert both.shape == (2, 100, features.N_MELS)
    np.testing.assert_allclose(both[0], whole[20:120], atol=1e-5)


def test_a_long_take_is_computed_in_blocks_with_the_same_frames(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    x = (rng.normal(size=16000 * 3) * 0.1).astype(np.float32)
    whole = features.log_mel(x)
    monkeypatch.setattr(features, "LOG_MEL_BLOCK", 37)  # blocks that end mid-window
    # The same frames; the FFT of another batch size may round the last bit differently.
    np.testing.assert_allclose(features.log_mel(x), whole, atol=1e-5)
    np.testing.assert_allclose(features.log_mel(x, 11, 200), whole[11:211], atol=1e-5)


def test_a_tone_lights_the_matching_mel_band_at_the_right_time() -> None:
    x = np.zeros(16000 * 2, dtype=np.float32)
    x[16000:24000] = _tone(2000.0, 16000, 0.5)
    m = features.log_mel(x)
    fb = features.mel_filterbank()
    band = int(np.argmax(fb[int(round(2000 / (16000 / features.N_FFT)))]))
    assert int(np.argmax(m[125])) == band  # feature frame 125 = 1.25 s, inside the tone
    assert m[50].max() < m[125].max() - 20  # frame 50 = 0.5 s, silence
    # Frame j is centred on sample 160 j: the onset at 1.0 s shows from frame 100 - 1 on.
    assert m[97, band] < m[102, band] - 10


def test_mel_filterbank_covers_the_band_with_positive_filters() -> None:
    fb = features.mel_filterbank()
    assert fb.shape == (features.N_FFT // 2 + 1, features.N_MELS)
    assert np.all(fb >= 0)
    assert np.all(fb.sum(axis=0) > 0)
    centres = np.argmax(fb, axis=0)
    assert np.all(np.diff(centres) >= 0)


@pytest.mark.parametrize(
    ("samples", "rate", "stems", "message"),
    [
        (np.zeros(0, np.float32), 16000, False, "empty"),
        (np.array([0.0, np.nan, 0.1], np.float32), 16000, False, "NaN"),
        (np.zeros((100, 3), np.float32), 16000, False, "shape"),
        (np.zeros((100, 2), np.float32), 16000, False, "stems=True"),
        (np.zeros(100, np.float32), 16000, True, r"\(samples, 2\)"),
        (np.zeros(100, np.float32), 0, False, "sample_rate"),
        (np.zeros(100, np.float32), 44100.5, False, "sample_rate"),
        (np.zeros(100, np.float32), 10_000_000, False, "sample_rate"),
        (np.zeros(100, np.float32), "fast", False, "sample_rate"),
        (np.full(100, 3000.0, np.float32), 16000, False, "-1..1"),
        (np.array(["a", "b"]), 16000, False, "float"),
    ],
)
def test_bad_audio_gets_a_clear_error(samples, rate, stems: bool, message: str) -> None:
    with pytest.raises(InputError, match=message):
        audio.prepare(samples, rate, stems=stems)


def test_hours_long_audio_is_refused_before_any_work() -> None:
    x = np.zeros(int(audio.MAX_SECONDS * 4000) + 4000, dtype=np.float32)
    with pytest.raises(InputError, match="split the recording"):
        audio.prepare(x, 4000, stems=False)


def test_integer_pcm_is_scaled_and_mono_column_accepted() -> None:
    pcm = (np.sin(np.linspace(0, 20, 1600)) * 16000).astype(np.int16)
    y = audio.prepare(pcm[:, None], 16000, stems=False)
    assert y.ndim == 1
    assert 0.45 < float(np.max(np.abs(y))) < 0.5
