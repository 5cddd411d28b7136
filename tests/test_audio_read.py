"""Reading voice-over files with Blender's audio library (addon/audio.py)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.blender


def _write_wav(path: Path, data: np.ndarray, rate: int = 16000) -> None:
    pcm = (np.clip(data, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


@pytest.mark.parametrize("n_channels", [2, 6])
def test_mono_is_the_mean_of_the_channels_not_their_sum(bpy_module, tmp_path: Path, n_channels: int) -> None:
    """A stereo voice-over peaking at 0.78 per channel (jfk.flac) was read as a mono peak of 1.57."""
    from duet.addon.audio import read_audio

    t = np.arange(16000) / 16000
    tone = 0.78 * np.sin(2 * np.pi * 220 * t)
    path = tmp_path / "voice.wav"
    _write_wav(path, np.repeat(tone[:, None], n_channels, axis=1))
    mono = read_audio(path, channels=1).samples
    assert mono.ndim == 1
    assert np.max(np.abs(mono)) == pytest.approx(0.78, abs=0.01)
