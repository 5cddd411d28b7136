"""How long a voice-over file says it is, from its header alone (no decoding, stdlib only).

The job check (batch.resolver: a ``roles`` span must lie inside the audio) reads it before any
Blender opens a shot; the reader in Blender (duet.addon.audio) compares the WAV header's length
with the samples present to tell a truncated file. WAV (the data chunk) and FLAC (the stream
info) say their length exactly; for other formats, or a header that does not say, the answer
is None and generate() checks the span once the audio is decoded.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO


def wav_header(f: BinaryIO) -> tuple[int, int] | None:
    """(sample frames, sample rate) the data chunk and fmt chunk of a RIFF/WAVE file declare;
    None: no such header, or a size a streaming writer left unset."""
    riff = f.read(12)
    if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
        return None
    block_align = rate = 0
    for _ in range(64):  # chunks before the data: fmt, fact, LIST, bext, ...
        header = f.read(8)
        if len(header) < 8:
            return None
        chunk, size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk == b"fmt ":
            fmt = f.read(size + (size & 1))
            if len(fmt) < 16:
                return None
            rate = struct.unpack("<I", fmt[4:8])[0]
            block_align = struct.unpack("<H", fmt[12:14])[0]
        elif chunk == b"data":
            if block_align == 0 or size in (0, 0xFFFFFFFF):
                return None
            return size // block_align, rate
        else:
            f.seek(size + (size & 1), 1)
    return None


def flac_header(f: BinaryIO) -> tuple[int, int] | None:
    """(total samples, sample rate) of a FLAC file's stream info (its first metadata block);
    None when the file is not FLAC or the encoder left the total unknown (0)."""
    head = f.read(4 + 4 + 18)  # "fLaC", the block header, the stream info up to the sample count
    if len(head) < 26 or head[:4] != b"fLaC" or head[4] & 0x7F != 0:
        return None
    info = int.from_bytes(head[18:26], "big")  # rate (20 bits), channels, bits, total (36 bits)
    rate, total = info >> 44, info & ((1 << 36) - 1)
    return (total, rate) if total and rate else None


def declared_seconds(path: Path) -> float | None:
    """Seconds of audio the file's header declares (WAV, FLAC), or None where it says none or
    the file cannot be read."""
    readers = {".wav": wav_header, ".flac": flac_header}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        return None
    try:
        with path.open("rb") as f:
            found = reader(f)
    except (OSError, struct.error):
        return None
    if found is None or found[1] <= 0:
        return None
    frames, rate = found
    return frames / rate
