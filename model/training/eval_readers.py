"""The evaluation's readers of the real recordings' files: Praat TextGrids, wav (PCM and float,
any channels), RTTM turns, and TextGrid phone labels (ARPAbet or IPA) as metrics.Phones."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np

from . import metrics


def read_textgrid(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    """Interval tiers of a Praat TextGrid (long or short text format) -> {name: [(start, end, text)]}."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"\[\s*\d+\s*\]", " ", text)  # "item [1]:", "intervals [3]:" carry no data
    tokens = re.findall(r'"((?:[^"]|"")*)"|(<exists>|<absent>)|(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)', text)
    seq: list[str | float] = []
    for quoted, flag, number in tokens:
        if flag:
            seq.append(flag)
        elif number:
            seq.append(float(number))
        else:
            seq.append(quoted.replace('""', '"'))
    if len(seq) < 6 or seq[0] != "ooTextFile" or seq[1] != "TextGrid":
        raise ValueError(f"{path} is not a text TextGrid")
    pos = 4  # file type, object class, xmin, xmax
    if seq[pos] == "<exists>":
        pos += 1
    n_tiers = int(seq[pos])  # type: ignore[arg-type]
    pos += 1
    tiers: dict[str, list[tuple[float, float, str]]] = {}
    for _ in range(n_tiers):
        kind, name = str(seq[pos]), str(seq[pos + 1])
        n = int(seq[pos + 4])  # type: ignore[arg-type]
        pos += 5
        if kind == "IntervalTier":
            rows = [
                (float(seq[pos + 3 * k]), float(seq[pos + 3 * k + 1]), str(seq[pos + 3 * k + 2]))
                for k in range(n)
            ]
            tiers[name] = rows
            pos += 3 * n
        else:  # TextTier: time, mark
            pos += 2 * n
    return tiers


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """PCM (8/16/24/32-bit) or IEEE float WAV -> (float32 (S,) or (S, C), sample rate)."""
    data = Path(path).read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path} is not a WAV file")
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            payload = body
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None:
        raise ValueError(f"{path} lacks a fmt or data chunk")
    tag, chans, rate, _, _, bits = fmt
    if tag == 0xFFFE:  # extensible: the sub-format decides
        tag = 3 if bits == 32 and b"\x03\x00\x00\x00\x00\x00\x10\x00" in data[:200] else 1
    if tag == 3:
        x = np.frombuffer(payload, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
    elif bits == 24:
        b = np.frombuffer(payload[: len(payload) // 3 * 3], dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)).astype(np.float32)
    elif bits == 8:
        x = (np.frombuffer(payload, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        dt = {16: "<i2", 32: "<i4"}[bits]
        x = (np.frombuffer(payload, dtype=dt) / float(1 << (bits - 1))).astype(np.float32)
    x = x[: len(x) // chans * chans]
    return (x.reshape(-1, chans) if chans > 1 else x), int(rate)


def read_rttm(path: Path) -> list[tuple[str, float, float]]:
    """(speaker, start, end) rows of an RTTM file."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            rows.append((parts[7], start, start + dur))
    return rows


def phones_to_ipa(rows: list[tuple[float, float, str]]) -> metrics.Phones:
    """TextGrid phone rows (ARPAbet or IPA-like) -> IPA Phones (silences dropped)."""
    from .speech import ipa as ipa_map

    out = []
    for s, e, label in rows:
        label = label.strip()
        if not label or label.lower() in ("sil", "sp", "spn", "<p:>"):
            continue
        if re.fullmatch(r"[A-Z]{1,4}[012]?", label):
            parts = _split_arpabet(label, ipa_map)
            step = (e - s) / len(parts)
            for k, sym in enumerate(parts):
                out.append((sym, s + k * step, s + (k + 1) * step))
            continue
        sym = ipa_map.canonical_ipa(label)
        if sym and not ipa_map.is_silence(sym):
            out.append((sym, s, e))
    return metrics.Phones(
        np.array([r[0] for r in out], dtype="<U8"),
        np.array([r[1] for r in out]),
        np.array([r[2] for r in out]),
    )


def _split_arpabet(label: str, ipa_map) -> list[str]:
    """One ARPAbet label, or several run together ("PT" in a hand-made grid): IPA per phone."""
    try:
        return [ipa_map.arpabet_to_ipa(label)[0]]
    except ValueError:
        pass
    out, rest = [], label
    while rest:
        for size in (3, 2, 1):  # longest known symbol first ("AA1" before "A")
            head = rest[:size]
            try:
                out.append(ipa_map.arpabet_to_ipa(head)[0])
            except ValueError:
                continue
            rest = rest[size:]
            break
        else:
            raise ValueError(f"phone label {label!r} is not ARPAbet")
    return out
