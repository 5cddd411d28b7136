"""Where the held-out recordings are and how they are read: LibriSpeech test-other (and the
train-clean-100 readings the speaker-EER rows compare against) and the Fish Fillets lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import spec
from .audio_files import read_audio_file

SR = spec.SAMPLE_RATE
FILLETS_CHARACTERS = {"m": "small fish", "v": "big fish"}  # the two main parts: file names <level>-m-*, -v-*


def librispeech_sexes(root: Path) -> dict[str, str]:
    """Speaker id -> 'M' / 'F' from LibriSpeech's SPEAKERS.TXT."""
    out = {}
    for line in (Path(root) / "SPEAKERS.TXT").read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(";"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 2 and parts[1] in ("M", "F"):
            out[parts[0]] = parts[1]
    return out


def test_other_files(root: Path) -> dict[str, list[Path]]:
    """test-other speaker id -> their readings (sorted)."""
    base = Path(root) / "test-other"
    return {d.name: sorted(d.glob("*.flac")) for d in sorted(base.iterdir()) if d.is_dir()}


def train_clean_files(root: Path) -> list[Path]:
    """The train-clean-100 readings, one per speaker (sorted)."""
    return sorted((Path(root) / "train-clean-100").glob("*.flac"))


def read_flac(path: Path) -> np.ndarray:
    """A LibriSpeech reading as float32 mono 16 kHz (flac: lossless, exact)."""
    x, rate = read_audio_file(path)
    if rate != SR:
        raise ValueError(f"{path} is sampled at {rate} Hz; LibriSpeech readings are {SR} Hz")
    return x


def fillets_lines(root: Path, level: str, language: str) -> dict[str, list[Path]]:
    """The recorded lines of the two fish in one level and language: {"m": [...], "v": [...]}."""
    folder = Path(root) / "sound" / level / language
    out: dict[str, list[Path]] = {c: [] for c in FILLETS_CHARACTERS}
    for path in sorted(folder.glob("*.ogg")):
        parts = path.stem.split("-")
        if len(parts) >= 3 and parts[1] in out:
            out[parts[1]].append(path)
    return out


def read_line(path: Path) -> np.ndarray:
    """A recorded line (any rate) as float32 mono 16 kHz (the model's resampler)."""
    from .. import audio as audio_io

    mono, rate = read_audio_file(path)
    return audio_io.prepare(mono, rate, stems=False)
