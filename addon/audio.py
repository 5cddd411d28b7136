"""Read voice-over files with Blender's own audio library (aud).

aud ships with Blender and the bpy module and decodes wav, flac, ogg, mp3
and m4a, so Duet needs no decoder of its own inside Blender.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import aud
import numpy as np

from ..batch import audio_length

SUPPORTED_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a")
SILENCE_DBFS = -60.0  # a voice-over whose loudest sample stays below this holds no voice


class AudioFileError(ValueError):
    """A voice-over file that cannot be used, with what to do about it."""


@dataclass(frozen=True)
class VoiceOver:
    samples: np.ndarray  # float32 (n,) mono or (n, 2) two channels
    sample_rate: int
    path: Path
    # What the animator should know about the file that did not stop it (a truncated file),
    # one sentence each; callers pass them on to the take's report (GenerationRequest.notes).
    notes: tuple[str, ...] = ()

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
    # To mono: the mean of the channels. aud's rechannel(1) sums them, so a stereo voice-over
    # at -2 dBFS per channel came out at +4 dBFS and clipped.
    if wanted != stored and wanted != 1:
        sound = sound.rechannel(wanted)
    data = np.asarray(sound.data(), dtype=np.float32)
    if wanted == 1 and data.ndim == 2 and data.shape[1] > 1:
        data = data.mean(axis=1, keepdims=True)
    declared = _declared_frames(path, sound)
    if data.size == 0:
        said = (
            f": its header says {_secs(declared / rate)}, so the file is truncated; export or copy it again"
            if declared
            else ""
        )
        raise AudioFileError(f"voice-over '{path.name}' holds no audio{said}")
    samples = data[:, 0].copy() if wanted == 1 else np.ascontiguousarray(data[:, :2])
    notes = []
    if declared is not None and declared - samples.shape[0] > TRUNCATION_TOLERANCE_S * rate:
        got, said = _secs(samples.shape[0] / rate), _secs(declared / rate)
        notes.append(
            f"{path.name}: the file ends at {got} but its header says {said}: it is truncated; "
            f"animated the {got} that exist (export or copy the file again for the whole take)"
        )
    return VoiceOver(samples=samples, sample_rate=int(rate), path=path, notes=tuple(notes))


# A file counts as truncated when more than this is missing (a partial last sample frame is not).
TRUNCATION_TOLERANCE_S = 0.001


def _secs(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 1.0 else f"{seconds:.2f} s"


def _declared_frames(path: Path, sound: aud.Sound) -> int | None:
    """Sample frames the file's header promises, where the format says it exactly (WAV's data
    chunk, FLAC's stream info); None where it does not or the file is unreadable. aud reports
    a WAV's length from the bytes present, a FLAC's from its header."""
    suffix = path.suffix.lower()
    if suffix == ".flac":
        try:
            return int(sound.length) or None
        except Exception:  # aud's own untyped error: no length known
            return None
    if suffix != ".wav":
        return None
    try:
        with path.open("rb") as f:
            header = audio_length.wav_header(f)
    except (OSError, struct.error):
        return None
    return header[0] if header else None


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
    return VoiceOver(samples=both, sample_rate=a.sample_rate, path=a.path, notes=a.notes + b.notes)


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
