"""Voices, phones and utterances: what every speech backend returns.

An Utterance keeps one promise: its phones tile the audio. The first phone
starts at 0, each phone starts where the previous one ends, the last one
ends at the last sample, and pauses are explicit silence phones (``"_"``).
Every helper that changes the audio (padding, trimming, stretching) moves
the phone and word times with it so the promise still holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ...spec import SAMPLE_RATE
from .ipa import SILENCE


class SpeechError(RuntimeError):
    """Speech synthesis failed; the message names the problem and the fix."""


@dataclass(frozen=True)
class Voice:
    """One synthetic voice.

    ``id`` is "<backend>:<name>": ``festival:kal``, ``festival:ked``, ``festival:slt``,
    ``espeak:<accent>[+<variant>]`` such as ``espeak:en-us+f3`` or ``espeak:es+m2``.
    ``language`` is the language code ("en", "es", "fr", "de", "it", "pt", "ja", "cmn").
    """

    id: str
    backend: str
    language: str
    gender: str | None = None  # "female", "male", or None (child voice / unknown)

    @property
    def name(self) -> str:
        """The backend's own name: "kal", "en-us+f3"."""
        return self.id.split(":", 1)[1]

    @property
    def accent(self) -> str:
        """espeak-ng accent ("en-us", "pt-br") or festival voice name; the part before '+'."""
        return self.name.split("+", 1)[0]

    @property
    def variant(self) -> str | None:
        """espeak-ng variant ("f3", "klatt4"), None for the plain voice and festival."""
        parts = self.name.split("+", 1)
        return parts[1] if len(parts) == 2 else None


@dataclass
class Phone:
    """One phone: IPA symbol (inventory of ``speech.ipa``), seconds in the utterance's audio.

    ``stress`` is 0 (none), 1 (primary) or 2 (secondary); only vowels carry stress.
    """

    ipa: str
    start: float
    end: float
    stress: int = 0

    @property
    def duration(self) -> float:
        return self.end - self.start


def _fit_to(audio: np.ndarray, n: int) -> np.ndarray:
    if len(audio) >= n:
        return audio[:n]
    return np.concatenate([audio, np.zeros(n - len(audio), dtype=np.float32)])


@dataclass
class Utterance:
    """Synthesised speech: float32 mono audio at SAMPLE_RATE with phones that tile it."""

    audio: np.ndarray
    phones: list[Phone]
    words: list[tuple[str, float, float]] = field(default_factory=list)
    text: str = ""
    voice: Voice | None = None
    language: str = ""

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    # -- arrays for the corpus -------------------------------------------------
    def phone_arrays(self, offset: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(ipa <U8, start float32, end float32, stress int8), times plus ``offset`` seconds."""
        ipa = np.array([p.ipa for p in self.phones], dtype="<U8")
        start = np.array([p.start + offset for p in self.phones], dtype=np.float32)
        end = np.array([p.end + offset for p in self.phones], dtype=np.float32)
        stress = np.array([p.stress for p in self.phones], dtype=np.int8)
        return ipa, start, end, stress

    def speech_span(self) -> tuple[float, float]:
        """Start of the first and end of the last non-silence phone (0, 0 when all silent)."""
        spoken = [p for p in self.phones if p.ipa != SILENCE]
        if not spoken:
            return 0.0, 0.0
        return spoken[0].start, spoken[-1].end

    # -- time edits that keep the phones on the audio ---------------------------
    def _map_times(self, fn, audio: np.ndarray) -> Utterance:
        phones = [Phone(p.ipa, fn(p.start), fn(p.end), p.stress) for p in self.phones]
        words = [(w, fn(s), fn(e)) for w, s, e in self.words]
        return replace(self, audio=audio, phones=phones, words=words).tiled()

    def shifted(self, seconds: float) -> Utterance:
        """Move the speech later by ``seconds`` (silence prepended) or earlier (audio cut at the start)."""
        n = round(abs(seconds) * SAMPLE_RATE)
        if seconds >= 0:
            audio = np.concatenate([np.zeros(n, np.float32), self.audio])
        else:
            audio = self.audio[n:].copy()
        dt = (n / SAMPLE_RATE) * (1 if seconds >= 0 else -1)
        return self._map_times(lambda t: t + dt, audio)

    def padded(self, before: float = 0.0, after: float = 0.0) -> Utterance:
        """Add silence before and after (seconds >= 0)."""
        if before < 0 or after < 0:
            raise ValueError(f"padded() takes seconds >= 0 (got before={before}, after={after})")
        out = self.shifted(before) if before > 0 else self
        n = round(after * SAMPLE_RATE)
        audio = np.concatenate([out.audio, np.zeros(n, np.float32)])
        return out._map_times(lambda t: t, audio)

    def trimmed(self, start: float, end: float) -> Utterance:
        """The part of the audio between ``start`` and ``end`` seconds, phones clipped to it."""
        a = max(0, round(start * SAMPLE_RATE))
        b = min(len(self.audio), round(end * SAMPLE_RATE))
        if b <= a:
            raise ValueError(f"trimmed({start}, {end}) leaves no audio in a {self.duration:.3f} s utterance")
        t0 = a / SAMPLE_RATE
        dur = (b - a) / SAMPLE_RATE
        audio = self.audio[a:b].copy()
        phones = [
            Phone(p.ipa, min(max(p.start - t0, 0.0), dur), min(max(p.end - t0, 0.0), dur), p.stress)
            for p in self.phones
            if p.end > t0 and p.start < t0 + dur
        ]
        words = [(w, max(s - t0, 0.0), min(e - t0, dur)) for w, s, e in self.words if e > t0 and s < t0 + dur]
        return replace(self, audio=audio, phones=phones, words=words).tiled()

    def trimmed_silence(self, keep: float = 0.05) -> Utterance:
        """Cut leading and trailing silence phones down to ``keep`` seconds each."""
        s, e = self.speech_span()
        if e <= s:
            return self
        return self.trimmed(max(0.0, s - keep), min(self.duration, e + keep))

    def stretched(self, factor: float) -> Utterance:
        """Play ``factor`` times as long (resampled: pitch and formants drop by ``factor``).

        Phone and word times scale exactly: the resampler maps output sample n
        to input time n / factor. For a change of duration at constant pitch
        use ``duet.model.training.augment`` (VoiceWarp with speed and pitch).
        """
        if not (0.25 <= factor <= 4.0):
            raise ValueError(f"stretched() takes a factor in [0.25, 4] (got {factor})")
        from fractions import Fraction

        from ...audio import resample  # the core's exact-timing polyphase resampler

        # Output sample n of resample(x, R, R * f) lies at input time n / f, so
        # every time scales by exactly f (the rational approximation used).
        ratio = Fraction(factor).limit_denominator(200)
        scale = float(ratio)
        audio = resample(self.audio, ratio.denominator * 1000, ratio.numerator * 1000)
        audio = _fit_to(np.asarray(audio, np.float32), round(len(self.audio) * scale))
        return self._map_times(lambda t: t * scale, audio)

    def with_audio(self, audio: np.ndarray) -> Utterance:
        """Same phones, new audio of the same length (e.g. after a filter that keeps timing)."""
        audio = np.asarray(audio, dtype=np.float32)
        if audio.shape != self.audio.shape:
            raise ValueError(f"with_audio() needs audio of shape {self.audio.shape} (got {audio.shape})")
        return replace(self, audio=audio)

    # -- invariants ---------------------------------------------------------------
    def tiled(self) -> Utterance:
        """Normalise phones to tile [0, duration]: sorted, contiguous, gaps and edges as silence."""
        dur = self.duration
        out: list[Phone] = []
        t = 0.0
        for p in sorted(self.phones, key=lambda p: (p.start, p.end)):
            s = min(max(p.start, 0.0), dur)
            e = min(max(p.end, 0.0), dur)
            if s > t + 1e-9:
                out.append(Phone(SILENCE, t, s, 0))
                t = s
            s = t  # an overlap with the previous phone is cut off this one
            if e <= s + 1e-9:
                continue
            out.append(Phone(p.ipa, s, e, p.stress))
            t = e
        if dur > t + 1e-9:
            out.append(Phone(SILENCE, t, dur, 0))
        merged: list[Phone] = []
        for p in out:
            if merged and p.ipa == SILENCE and merged[-1].ipa == SILENCE:
                merged[-1] = Phone(SILENCE, merged[-1].start, p.end, 0)
            else:
                merged.append(p)
        if merged:
            merged[0].start = 0.0
            merged[-1].end = dur
        words = [(w, min(max(s, 0.0), dur), min(max(e, 0.0), dur)) for w, s, e in self.words]
        words = [(w, s, e) for w, s, e in words if e > s]
        return replace(self, phones=merged, words=words)

    def check(self) -> None:
        """Raise SpeechError when the phones do not tile the audio (used by tests and backends)."""
        if self.audio.dtype != np.float32 or self.audio.ndim != 1:
            raise SpeechError(f"audio must be 1-D float32 (got {self.audio.dtype} {self.audio.shape})")
        if not self.phones:
            raise SpeechError("utterance has no phones")
        if abs(self.phones[0].start) > 1e-6 or abs(self.phones[-1].end - self.duration) > 1e-6:
            raise SpeechError(
                f"phones span {self.phones[0].start:.4f}-{self.phones[-1].end:.4f} s, "
                f"audio 0-{self.duration:.4f} s"
            )
        for a, b in zip(self.phones, self.phones[1:], strict=False):
            if abs(a.end - b.start) > 1e-6 or b.end <= b.start:
                raise SpeechError(f"phones {a} and {b} are not contiguous and ordered")
