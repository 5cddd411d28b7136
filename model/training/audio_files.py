"""Recordings for training and evaluation, decoded with soundfile (libsndfile): flac, ogg, wav.

Training and evaluation read real recordings (LibriSpeech flac, Fish Fillets ogg, the checks in
../shared/eval/real). The add-on reads voice-overs with Blender's own aud (addon/audio.py); the
training side stays out of the Blender layer and decodes with soundfile, a training-only
dependency (tools/requirements-*.txt), never shipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_audio_file(path: str | Path) -> tuple[np.ndarray, int]:
    """(float32 mono samples, sample rate) of an audio file; several channels are averaged."""
    try:
        import soundfile
    except ImportError:
        raise RuntimeError(
            "decoding recordings for training needs soundfile: run with a venv made by tools/setup.sh"
        ) from None
    path = Path(path)
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise ValueError(f"{path} could not be decoded: {exc}") from exc
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return np.ascontiguousarray(mono, dtype=np.float32), int(rate)
