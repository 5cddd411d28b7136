"""Read voice-over files with Blender's own audio library (aud).

aud ships with Blender and the bpy module and decodes wav, flac, ogg, mp3
and m4a, so Duet needs no decoder of its own inside Blender.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aud
import numpy as np

SUPPORTED_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a")
SILENCE_DBFS = -60.0  # a voice-over whose loudest sample stays below this holds no voice


class AudioFileError(ValueError):
    """A voice-over file that cannot be used, with what to do about it."""


@dataclass(frozen=True)
class VoiceOver:
    samples: np.ndarray  # float32 (n,) mono or (n, 2) two channels
    sample_rate: int
    path: Path

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / self.sample_rate


def read_audio(path: str | Path, *, channels: int | None = None) -> VoiceOver:
    """Decode an audio file. channels=None keeps 1 or 2 channels as stored
    (more are mixed down to 2); 1 mixes to mono; 2 keeps or duplicates to two."""
    path = Path(path)
    if not path.is_file():
        raise AudioFileError(f"voice-over '{path}' does not exist: pick an existing audio file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        wanted = ", ".join(SUPPORTED_SUFFIXES)
        raise AudioFileError(f"voice-over '{path.name}' is not a supported audio file ({wanted})")
    try:
        sound = aud.Sound(str(path))
        rate, stored = sound.specs
    except Exception as exc:  # aud raises its own untyped error for unreadable files
        raise AudioFileError(
            f"voice-over '{path.name}' could not be decoded ({exc}); re-export it as 16-bit WAV or FLAC"
        ) from exc
    wanted = channels or min(int(stored), 2)
    if wanted != stored:
        sound = sound.rechannel(wanted)
    data = np.asarray(sound.data(), dtype=np.float32)
    if data.size == 0:
        raise AudioFileError(f"voice-over '{path.name}' holds no audio")
    samples = data[:, 0].copy() if wanted == 1 else np.ascontiguousarray(data[:, :2])
    return VoiceOver(samples=samples, sample_rate=int(rate), path=path)


def read_stem_pair(path_a: str | Path, path_b: str | Path) -> VoiceOver:
    """Two mono files, one per actor, as one (n, 2) array (channel 0 = A)."""
    a = read_audio(path_a, channels=1)
    b = read_audio(path_b, channels=1)
    if a.sample_rate != b.sample_rate:
        raise AudioFileError(
            f"stems differ in sample rate ({a.path.name}: {a.sample_rate} Hz, "
            f"{b.path.name}: {b.sample_rate} Hz): export both at the same rate"
        )
    n = max(a.samples.shape[0], b.samples.shape[0])
    both = np.zeros((n, 2), dtype=np.float32)
    both[: a.samples.shape[0], 0] = a.samples
    both[: b.samples.shape[0], 1] = b.samples
    return VoiceOver(samples=both, sample_rate=a.sample_rate, path=a.path)


def check_not_silent(voice: VoiceOver) -> None:
    """A silent voice-over (all channels) would give a take of closed mouths: say so instead.
    Generate and batch shots both call it after reading."""
    peak = float(np.max(np.abs(voice.samples))) if voice.samples.size else 0.0
    if peak < 10 ** (SILENCE_DBFS / 20):
        level = "digital silence" if peak == 0 else f"peak {20 * np.log10(peak):.0f} dBFS"
        raise AudioFileError(
            f"voice-over '{voice.path.name}' is silent ({level}): pick the file with the dialogue, "
            "or raise its level"
        )
