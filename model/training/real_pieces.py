"""Pieces of real recordings for the composer: voice activity, phrases and short pieces with their
phones (trusted ones and stand-ins), the picker that serves them, and non-speech lead sounds.

    pieces = recording_pieces(audio16k, aligned_words, "librispeech:103-1240-0000")
    picker = PiecePicker(pieces, rng)        # picker(text, role, kind) -> something with .audio, .phones
    recording_usable(audio16k)               # False: no pauses at a noise floor, its truth not trusted

See real_voices.py (the clips) and docs/CORPUS.md, "Real voices".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .. import spec
from . import augment, heldout
from .real_align import AlignedWord

SR = spec.SAMPLE_RATE
SAMPLES_PER_FRAME = int(SR // spec.NATIVE_FPS)
STAND_IN_IPA = "ə"  # stand-in phone over voiced sound whose phones are unknown (untrusted)
STAND_IN_S = 0.1
LEAD_EVENTS = ("breath", "clicks", "line", "rustle")  # non-speech sounds before the first line

# --- voice activity of a dry recording (10 ms frames)
VAD_HOP = 160
VAD_WIN = 400
VAD_BELOW_PEAK_DB = 32.0  # speech lies within this of the recording's loud frames
VAD_ABOVE_FLOOR_DB = 9.0  # ... and this far above its quiet frames
VAD_BRIDGE_S = 0.07  # stop closures inside a word
VAD_MIN_RUN_S = 0.05
ACTIVE_LEVEL_DBFS = -24.0
MIN_RANGE_DB = 20.0  # a usable recording's pauses lie this far below its speech (5th vs 95th percentile)
MIN_VOICE_S = 1.0

# --- pieces of a recording
PHRASE_PAUSE_S = 0.25
WORD_PAUSE_S = 0.08
PIECE_MAX_S = 6.0
PIECE_LEAD_S = 0.05
PIECE_TAIL_S = 0.12
PIECE_GUARD_S = 0.02  # a piece's margins end this far from the next voiced run
# The composer's line kind -> (pool, length range in seconds).
KIND_POOLS = {
    "backchannel": ("word", (0.15, 0.9)),
    "interjection": ("word", (0.3, 1.3)),
    "answer": ("phrase", (0.5, 2.5)),
    "question": ("phrase", (1.0, PIECE_MAX_S)),
    "statement": ("phrase", (1.0, PIECE_MAX_S)),
}


# ----------------------------------------------------------------------------- voice activity


def level_db(x: np.ndarray) -> np.ndarray:
    """Level (dBFS) of VAD_WIN-sample windows centred every VAD_HOP samples."""
    x = np.asarray(x, dtype=np.float64)
    n = max(1, -(-len(x) // VAD_HOP))
    padded = np.zeros(n * VAD_HOP + VAD_WIN)
    padded[VAD_WIN // 2 : VAD_WIN // 2 + len(x)] = x
    energy = np.concatenate([[0.0], np.cumsum(padded * padded)])
    k = np.arange(n) * VAD_HOP
    return 10.0 * np.log10((energy[k + VAD_WIN] - energy[k]) / VAD_WIN + 1e-12)


def voice_runs(x: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of voice in a dry one-speaker recording."""
    level = level_db(x)
    if len(level) == 0:
        return []
    threshold = max(
        float(np.percentile(level, 95)) - VAD_BELOW_PEAK_DB,
        float(np.percentile(level, 5)) + VAD_ABOVE_FLOOR_DB,
    )
    on = np.concatenate([[False], level > threshold, [False]])
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    hop = VAD_HOP / SR
    runs: list[list[float]] = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        s, e = a * hop, b * hop
        if runs and s - runs[-1][1] < VAD_BRIDGE_S:
            runs[-1][1] = e
        else:
            runs.append([s, e])
    end = len(x) / SR
    return [(s, min(e, end)) for s, e in runs if e - s >= VAD_MIN_RUN_S]


def _active_gain(x: np.ndarray, runs: list[tuple[float, float]]) -> float:
    parts = [np.asarray(x[int(s * SR) : int(e * SR)], dtype=np.float64) for s, e in runs]
    power = float(np.mean(np.concatenate(parts) ** 2)) if parts else float(np.mean(np.square(x)))
    return float(np.sqrt(10.0 ** (ACTIVE_LEVEL_DBFS / 10.0) / max(power, 1e-12)))


def group_runs(runs: list[tuple[float, float]], pause: float) -> list[list[tuple[float, float]]]:
    """Runs grouped at pauses >= `pause`; a group longer than PIECE_MAX_S is split at its widest pause
    (the held-out evaluation's grouping, heldout.group_runs)."""
    return heldout.group_runs(runs, pause, PIECE_MAX_S)


# ----------------------------------------------------------------------------- pieces


@dataclass(frozen=True)
class RealPhone:
    ipa: str
    start: float
    end: float
    stress: int = 0
    trusted: bool = False


@dataclass(frozen=True)
class RealPiece:
    """A piece of one speaker's recording, shaped like synthesised speech for the composer."""

    audio: np.ndarray
    phones: tuple[RealPhone, ...]
    text: str

    @property
    def duration(self) -> float:
        return self.phones[-1].end - self.phones[0].start


def _stand_ins(s: float, e: float) -> list[RealPhone]:
    n = max(1, int(np.ceil((e - s) / STAND_IN_S - 1e-9)))
    edges = np.linspace(s, e, n + 1)
    return [RealPhone(STAND_IN_IPA, float(a), float(b)) for a, b in itertools.pairwise(edges)]


def piece_phones(
    group: list[tuple[float, float]], words: list[AlignedWord], origin: float, length: float
) -> list[RealPhone]:
    """Phones of a piece (seconds in the piece): trusted words' phones, stand-ins over the rest of
    its voice. Trusted words must lie inside the piece; a stand-in never overlaps a trusted phone."""
    lo, hi = group[0][0] - PIECE_LEAD_S + 1e-6, group[-1][1] + PIECE_TAIL_S - 1e-6
    trusted = [w for w in words if w.accepted and w.start >= lo and w.end <= hi]
    phones = [
        RealPhone(p.ipa, p.start - origin, p.end - origin, p.stress, True) for w in trusted for p in w.phones
    ]
    covered = sorted((w.start, w.end) for w in trusted)
    for s, e in group:
        cursor = s
        for ws, we in [*covered, (np.inf, np.inf)]:
            if we <= cursor:
                continue
            stop = min(e, ws)
            if stop - cursor >= 0.02:
                phones += [
                    RealPhone(p.ipa, p.start - origin, p.end - origin) for p in _stand_ins(cursor, stop)
                ]
            cursor = max(cursor, we)
            if cursor >= e:
                break
    phones = [p for p in phones if p.end > p.start and p.start >= 0.0 and p.end <= length]
    return sorted(phones, key=lambda p: p.start)


def recording_pieces(x: np.ndarray, words: list[AlignedWord], source: str) -> dict[str, list[RealPiece]]:
    """A recording levelled to ACTIVE_LEVEL_DBFS and cut at its pauses: {"phrase": [...], "word": [...]}."""
    runs = voice_runs(x)
    out: dict[str, list[RealPiece]] = {"phrase": [], "word": []}
    if not runs:
        return out
    y = (np.asarray(x, dtype=np.float64) * _active_gain(x, runs)).astype(np.float32)
    starts = [s for s, _e in runs]
    ends = [e for _s, e in runs]
    for pool, pause in (("phrase", PHRASE_PAUSE_S), ("word", WORD_PAUSE_S)):
        for group in group_runs(runs, pause):
            # The piece's margins stop short of the neighbouring voice (a word piece's pause may
            # be shorter than its tail): no voice in a piece goes without phones.
            k0 = starts.index(group[0][0])
            k1 = ends.index(group[-1][1])
            before = ends[k0 - 1] + PIECE_GUARD_S if k0 > 0 else 0.0
            after = starts[k1 + 1] - PIECE_GUARD_S if k1 + 1 < len(runs) else len(y) / SR
            t0 = max(0.0, before, group[0][0] - PIECE_LEAD_S)
            t1 = min(len(y) / SR, after, group[-1][1] + PIECE_TAIL_S)
            i0, i1 = int(round(t0 * SR)), int(round(t1 * SR))
            origin = i0 / SR
            phones = piece_phones(group, words, origin, (i1 - i0) / SR)
            if not phones:
                continue
            said = " ".join(w.word for w in words if w.start >= t0 and w.end <= t1)
            text = f"{source} {t0:.2f}-{t1:.2f} s" + (f": {said}" if said else "")
            out[pool].append(RealPiece(y[i0:i1].copy(), tuple(phones), text))
    return out


def recording_usable(x: np.ndarray) -> bool:
    """A recording whose voice the energy detector can find: its quiet frames lie at least
    MIN_RANGE_DB below its loud ones (pauses at a noise floor) and it holds MIN_VOICE_S of voice.
    A few LibriSpeech readings are noise from end to end or speech without a pause; their
    who-speaks-when could not be trusted, so they are not used."""
    level = level_db(x)
    if len(level) == 0 or float(np.percentile(level, 95) - np.percentile(level, 5)) < MIN_RANGE_DB:
        return False
    return sum(e - s for s, e in voice_runs(x)) >= MIN_VOICE_S


@dataclass
class _Line:
    audio: np.ndarray
    phones: list[RealPhone]
    text: str = ""


class PiecePicker:
    """One speaker's pieces served to the composer by the kind of line it asks for; each pool is
    walked in a seeded order, so a piece repeats only after the whole pool was used."""

    def __init__(self, pieces: dict[str, list[RealPiece]], rng: np.random.Generator) -> None:
        self.rng = rng
        self.pools: dict[str, list[RealPiece]] = {}
        every = pieces.get("word", []) + pieces.get("phrase", [])
        for kind, (pool, (lo, hi)) in KIND_POOLS.items():
            fits = [p for p in pieces.get(pool, []) if lo <= p.duration <= hi]
            if not fits:  # no piece of that length: the nearest lengths instead
                fits = sorted(every, key=lambda p: abs(p.duration - 0.5 * (lo + hi)))[:3]
            self.pools[kind] = fits
        self._orders: dict[str, list[int]] = {}

    def __call__(self, text: str, role: int, kind: str) -> _Line:
        pool = self.pools.get(kind, [])
        if not pool:  # laughs: read and acted lines have none here (the composer skips them)
            return _Line(np.zeros(SAMPLES_PER_FRAME, np.float32), [])
        order = self._orders.get(kind)
        if not order:
            order = [int(i) for i in self.rng.permutation(len(pool))]
            self._orders[kind] = order
        piece = pool[order.pop()]
        return _Line(piece.audio, list(piece.phones), piece.text)


# ----------------------------------------------------------------------------- lead events


def lead_event(rng: np.random.Generator, kind: str, seconds: float) -> np.ndarray:
    """A non-speech sound of unit power: breath, mouth clicks, line noise or a rustle."""
    n = max(SAMPLES_PER_FRAME, int(round(seconds * SR)))
    t = np.arange(n) / SR
    u = t / max(t[-1], 1e-9)
    if kind == "breath":  # noise through two broad resonances, swelling and fading
        x = augment.make_noise(rng, "white", n)
        spectrum = np.fft.rfft(x)
        f = np.fft.rfftfreq(n, 1.0 / SR)
        shape = np.zeros_like(f)
        for centre in rng.uniform(500.0, 2600.0, size=2):
            shape += np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / centre) / 0.8) ** 2)
        x = np.fft.irfft(spectrum * shape * (f > 120.0), n)
        peak = float(rng.uniform(0.25, 0.65))
        x *= np.where(u < peak, u / peak, (1.0 - u) / (1.0 - peak)) ** 1.5
    elif kind == "clicks":  # lip smacks and tongue clicks: a few short decaying bursts
        x = np.zeros(n)
        for _ in range(int(rng.integers(1, 5))):
            i = int(rng.integers(0, max(1, n - 400)))
            m = int(rng.integers(60, 400))
            x[i : i + m] += rng.standard_normal(m) * np.exp(-np.arange(m) / (m / 5.0))
    elif kind == "line":  # mains buzz with crackle
        base = 50.0 if rng.random() < 0.5 else 60.0
        x = 0.3 * np.sin(2 * np.pi * base * t) + 0.15 * np.sin(2 * np.pi * 3 * base * t)
        crackle = (rng.random(n) < float(rng.uniform(50.0, 300.0)) / SR) * rng.standard_normal(n)
        x += np.convolve(crackle, np.exp(-np.arange(48) / 6.0))[:n]
    elif kind == "rustle":  # clothing / paper: brown noise in irregular bursts
        x = augment.make_noise(rng, "brown", n) * (0.3 + np.abs(np.sin(np.pi * u * rng.uniform(2.0, 6.0))))
    else:
        raise ValueError(f"unknown lead event {kind!r}; use one of {LEAD_EVENTS}")
    ramp = min(n // 2, int(0.01 * SR))
    if ramp:
        x[:ramp] *= np.linspace(0.0, 1.0, ramp)
        x[-ramp:] *= np.linspace(1.0, 0.0, ramp)
    return (x / np.sqrt(np.mean(x * x) + 1e-12)).astype(np.float64)


__all__ = [
    "LEAD_EVENTS",
    "STAND_IN_IPA",
    "PiecePicker",
    "RealPhone",
    "RealPiece",
    "group_runs",
    "lead_event",
    "level_db",
    "piece_phones",
    "recording_pieces",
    "recording_usable",
    "voice_runs",
]
