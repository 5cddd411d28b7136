"""Loudness per frame and the jaw gain per phone it implies.

Louder speech lowers the jaw further (Schulman 1989; Huber et al. 1999): each
phone's jaw target is scaled by its peak loudness relative to the speaker's
typical level. The teacher measures that level on a role's clean stem (its
pitch tracker's voiced frames give the reference); at run time the same frame
energy is measured on whatever 16 kHz audio the span has, with the frames
inside phones as the reference (loudness_from_audio).

Frame i is centred on time i / fps, as everywhere in the teacher.
"""

from __future__ import annotations

import numpy as np

from .. import spec
from . import phones as ph

# Jaw gain per dB of a phone's peak loudness relative to the speaker's level.
JAW_GAIN_PER_DB = 0.03
JAW_GAIN_RANGE = (0.7, 1.35)
# Phones whose peak is quieter than this (dB re. the level) keep gain 1: unmeasured or silent.
GAIN_FLOOR_DB = -60.0
SILENCE_DB = -100.0
ANALYSIS_WINDOW_S = 0.048  # two periods of the lowest f0 the teacher's pitch search looks for


def range_max(values: np.ndarray, i0: np.ndarray, i1: np.ndarray, empty: float = -np.inf) -> np.ndarray:
    """max(values[i0[k]:i1[k]]) for each k (empty ranges give `empty`), vectorised."""
    n = len(values)
    i0 = np.clip(np.asarray(i0, dtype=np.int64), 0, n)
    i1 = np.clip(np.asarray(i1, dtype=np.int64), 0, n)
    out = np.full(len(i0), empty, dtype=np.float64)
    ok = i1 > i0
    if n == 0 or not np.any(ok):
        return out
    padded = np.append(values.astype(np.float64), empty)
    idx = np.stack([i0[ok], i1[ok]], axis=1).reshape(-1)
    out[ok] = np.maximum.reduceat(padded, idx)[::2]
    return out


def _windows(x: np.ndarray, centers: np.ndarray, width: int) -> np.ndarray:
    """(F, width) windows centred on `centers`; zeros outside the signal (any audio length)."""
    half = width // 2
    tail = max(half + width, int(centers.max(initial=0)) + width - len(x) + 1)
    padded = np.pad(x, (half, tail))
    idx = centers[:, None] + np.arange(width)[None, :]
    return padded[idx]


HALF_RATE_BLOCK = 1 << 18  # samples


def _half_rate(audio: np.ndarray, n_frames: int, fps: float) -> tuple[np.ndarray, float, np.ndarray, int]:
    """The audio at half its rate (a 3-tap low-pass then decimation), that rate, the analysis
    window's centre sample per frame and the window's width."""
    x = np.asarray(audio, dtype=np.float32)
    # np.convolve(x, [0.25, 0.5, 0.25], "same")[::2], without the full-rate copy (38 MB on 10 min):
    # x2[k] = 0.25 x[2k - 1] + 0.5 x[2k] + 0.25 x[2k + 1], zeros outside x.
    if 0 < len(x) < 3:  # np.convolve's "same" follows the kernel's length here
        x2 = np.convolve(x, np.array([0.25, 0.5, 0.25], dtype=np.float32), mode="same")[::2]
    else:
        odd = x[1::2]
        x2 = 0.5 * x[0::2]
        for s in range(0, len(odd), HALF_RATE_BLOCK):  # in blocks: no second half-rate copy
            part = 0.25 * odd[s : s + HALF_RATE_BLOCK]
            x2[s : s + len(part)] += part
            x2[s + 1 : s + 1 + len(part)] += part[: len(x2) - s - 1]
    sr2 = spec.SAMPLE_RATE / 2.0
    centers = np.round(np.arange(n_frames) * sr2 / fps).astype(np.int64)
    return x2, sr2, centers, int(round(ANALYSIS_WINDOW_S * sr2))


def analysis_frames(audio: np.ndarray, n_frames: int, fps: float) -> tuple[np.ndarray, float]:
    """Mean-removed (F, width) windows of mono spec.SAMPLE_RATE audio at half its rate.

    Returns the windows (float64) and the analysis rate. The half rate suits
    the teacher's pitch search (f0 < 420 Hz) and costs loudness nothing.
    """
    x2, sr2, centers, width = _half_rate(audio, n_frames, fps)
    frames = _windows(x2, centers, width).astype(np.float64)
    frames -= frames.mean(axis=1, keepdims=True)
    return frames, sr2


# Frames per block in analysis_db: bounds the running sums' size (memory and rounding).
DB_BLOCK = 2000


def analysis_db(audio: np.ndarray, n_frames: int, fps: float) -> np.ndarray:
    """frame_db(analysis_frames(...)[0]) from running sums of the samples and their squares, block
    by block: the same values up to rounding, without a copy of every window (bounded memory)."""
    x2, _, centers, width = _half_rate(audio, n_frames, fps)
    out = np.empty(n_frames, dtype=np.float64)
    half = width // 2
    for b in range(0, n_frames, DB_BLOCK):
        first = centers[b : b + DB_BLOCK] - half  # each window's first sample (zeros outside x2)
        lo = min(max(int(first[0]), 0), len(x2))
        hi = max(min(int(first[-1]) + width, len(x2)), lo)
        seg = x2[lo:hi].astype(np.float64)
        a = np.clip(first, lo, hi) - lo
        z = np.clip(first + width, lo, hi) - lo
        sums = np.concatenate([[0.0], np.cumsum(seg)])
        squares = np.concatenate([[0.0], np.cumsum(seg * seg)])
        mean = (sums[z] - sums[a]) / width
        # The energy of the mean-removed window: mean of squares less the squared mean.
        energy = np.maximum((squares[z] - squares[a]) / width - mean * mean, 0.0)
        out[b : b + DB_BLOCK] = 10.0 * np.log10(energy + 1e-12)
    return out


def frame_db(frames: np.ndarray) -> np.ndarray:
    """Energy in dB (re. full scale) of each analysis window."""
    energy = np.mean(frames * frames, axis=1)
    return 10.0 * np.log10(energy + 1e-12)


def phone_frame_ranges(phone_start: np.ndarray, phone_end: np.ndarray, fps: float) -> tuple[np.ndarray, ...]:
    """[i0, i1) frames of each phone (at least one frame each; may run past the clip)."""
    i0 = np.ceil(np.asarray(phone_start, dtype=np.float64) * fps - 1e-9).astype(np.int64)
    i1 = np.maximum(i0 + 1, np.ceil(np.asarray(phone_end, dtype=np.float64) * fps - 1e-9).astype(np.int64))
    return i0, i1


def phone_gains(
    loudness_db: np.ndarray, phone_start: np.ndarray, phone_end: np.ndarray, fps: float
) -> np.ndarray:
    """Jaw gain per phone from its peak loudness (dB re. the speaker's level, per frame)."""
    i0, i1 = phone_frame_ranges(phone_start, phone_end, fps)
    level = range_max(loudness_db, i0, i1)
    gains = np.clip(1.0 + JAW_GAIN_PER_DB * np.nan_to_num(level, neginf=0.0), *JAW_GAIN_RANGE)
    return np.where(level > GAIN_FLOOR_DB, gains, 1.0)


def loudness_from_audio(
    audio16k: np.ndarray,
    phone_start: np.ndarray,
    phone_end: np.ndarray,
    n_frames: int,
    fps: float = spec.NATIVE_FPS,
    *,
    phone_ipa: np.ndarray | None = None,
) -> np.ndarray:
    """(F,) loudness in dB relative to the speaker's level, from 16 kHz mono audio.

    Sample 0 of the audio is time 0 of the phones. The level is the median
    frame energy inside the (non-silence) phones over frames within 30 dB of
    the loudest (the teacher's "loud enough" rule): close to the teacher's
    median over voiced frames (on synthetic stems the gains differ by 0.01 at
    the median), and a partner heard in the pauses of a mix does not count.
    Silent audio gives SILENCE_DB everywhere (gain 1).
    """
    db = analysis_db(audio16k, n_frames, fps)
    if n_frames == 0:
        return db
    starts = np.asarray(phone_start, dtype=np.float64)
    ends = np.asarray(phone_end, dtype=np.float64)
    if phone_ipa is not None:
        keep = np.array([not ph.phone_info(str(p)).is_silence for p in phone_ipa], dtype=bool)
        starts, ends = starts[keep], ends[keep]
    i0, i1 = phone_frame_ranges(starts, ends, fps)
    inside = np.zeros(n_frames + 1, dtype=np.int64)
    np.add.at(inside, np.clip(i0, 0, n_frames), 1)
    np.add.at(inside, np.clip(i1, 0, n_frames), -1)
    inside = np.cumsum(inside[:-1]) > 0
    loud_enough = (db > np.percentile(db, 97) - 30.0) & (db > -70.0)
    ref = db[inside & loud_enough]
    if len(ref) == 0:
        ref = db[loud_enough]
    if len(ref) == 0:
        return np.full(n_frames, SILENCE_DB)
    return np.maximum(db - float(np.median(ref)), SILENCE_DB)


def phone_gains_from_audio(
    audio16k: np.ndarray,
    phone_start: np.ndarray,
    phone_end: np.ndarray,
    *,
    phone_ipa: np.ndarray | None = None,
    fps: float = spec.NATIVE_FPS,
) -> np.ndarray:
    """Jaw gain per phone from 16 kHz mono audio of the span (sample 0 = time 0).

    The audio may be the role's own stem or the mix: in the mix a partner's
    overlapping speech raises the phones it overlaps, the reason a stem is better.
    """
    ends = np.asarray(phone_end, dtype=np.float64)
    n_frames = int(np.ceil(max(len(audio16k) / spec.SAMPLE_RATE, float(ends.max(initial=0.0))) * fps)) + 1
    db = loudness_from_audio(audio16k, phone_start, phone_end, n_frames, fps, phone_ipa=phone_ipa)
    return phone_gains(db, phone_start, phone_end, fps)


__all__ = [
    "JAW_GAIN_PER_DB",
    "JAW_GAIN_RANGE",
    "analysis_db",
    "analysis_frames",
    "frame_db",
    "loudness_from_audio",
    "phone_gains",
    "phone_gains_from_audio",
    "range_max",
]
