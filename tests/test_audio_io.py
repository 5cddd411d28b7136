"""Voice-over decoding through Blender's aud, with clear errors."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.blender


def _write_wav(path: Path, data: np.ndarray, rate: int) -> Path:
    pcm = (np.clip(data, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def test_reads_mono_and_stereo(tmp_path: Path, bpy_module) -> None:
    from duet.addon.audio import read_audio

    t = np.arange(22050) / 22050
    mono = _write_wav(tmp_path / "m.wav", 0.5 * np.sin(2 * np.pi * 220 * t), 22050)
    stereo = _write_wav(tmp_path / "s.wav", np.stack([0.5 * np.sin(6 * t), 0.2 * t], axis=1), 22050)
    m = read_audio(mono)
    assert m.samples.shape == (22050,) and m.sample_rate == 22050
    assert np.abs(m.samples - 0.5 * np.sin(2 * np.pi * 220 * t)).max() < 1e-3
    s = read_audio(stereo)
    assert s.samples.shape == (22050, 2)
    assert read_audio(stereo, channels=1).samples.shape == (22050,)


def test_reads_flac(bpy_module) -> None:
    from duet.addon.audio import read_audio

    jfk = Path(__file__).resolve().parents[2] / "shared" / "eval" / "real" / "speech" / "jfk.flac"
    if not jfk.exists():
        pytest.skip("shared/eval/real is not beside the checkout")
    v = read_audio(jfk, channels=1)
    assert 10.5 < v.seconds < 11.5


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.wav", None, "does not exist"),
        ("notes.txt", b"hello", "not a supported audio file"),
        ("corrupt.wav", b"RIFF\x00\x01garbage" * 50, "could not be decoded"),
    ],
)
def test_bad_files_get_clear_messages(tmp_path: Path, bpy_module, name: str, content, message: str) -> None:
    from duet.addon.audio import AudioFileError, read_audio

    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioFileError, match=message):
        read_audio(path)


def test_stem_pair_pads_to_the_longer_file(tmp_path: Path, bpy_module) -> None:
    from duet.addon.audio import read_stem_pair

    a = _write_wav(tmp_path / "a.wav", np.full(1000, 0.5), 16000)
    b = _write_wav(tmp_path / "b.wav", np.full(1500, -0.25), 16000)
    pair = read_stem_pair(a, b)
    assert pair.samples.shape == (1500, 2)
    assert pair.samples[1200, 0] == 0.0
    assert pair.samples[1200, 1] == pytest.approx(-0.25, abs=1e-3)
