"""One interface over both backends: text + voice -> Utterance with exact phone times.

    from duet.model.training.speech import Synthesizer, available_voices
    with Synthesizer() as synth:
        utt = synth.synthesize("Hello there.", "espeak:en-us+f3", rate=1.1, pitch=2.0)

Timing correction: each backend's phone times are shifted by the offset
measured against a forced aligner and acoustic onsets
(``tools/check_phone_timing.py``, figures in docs/SPEECH.md), then the
phones are tiled over the returned 16 kHz audio.
"""

from __future__ import annotations

import atexit
import threading
import zlib

import numpy as np

from ...audio import resample
from ...spec import SAMPLE_RATE
from . import espeak as _espeak
from . import ipa as _ipa
from .festival import FestivalProcess
from .types import Phone, SpeechError, Utterance, Voice
from .voices import KLATT_VARIANTS, espeak_voice_name, parse_voice

# Seconds by which a backend's raw phone times run LATE against its audio; the
# correction subtracts them. Measured by tools/check_phone_timing.py (see
# docs/SPEECH.md for the command and the per-voice figures).
TIMING_OFFSET_S: dict[str, float] = {
    # median of (backend phone start - pocketsphinx aligned start) over ~600 boundaries
    # of 24 US-English sentences per group, rounded to the millisecond
    "espeak": 0.011,  # +11.2 ms (mean +15.3)
    "espeak-klatt": 0.011,  # +10.8 ms (mean +16.2)
    "festival:kal": -0.002,  # -2.1 ms
    "festival:ked": 0.0,  # +0.3 ms
    "festival:slt": 0.0,  # +0.0 ms (HTS durations are 5 ms frames)
}

# espeak-ng's pitch parameter (0..100, 50 = the voice's own) against the F0 shift
# it gives in semitones: median F0 measured on one sentence with en-us, es+m2
# and en+klatt4 at each setting (docs/SPEECH.md). espeak-ng scales the base
# pitch through a table, not linearly, and cannot go below -6.9 or above +9.1.
ESPEAK_PITCH_SETTINGS = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], dtype=np.float64)
ESPEAK_PITCH_SEMITONES = np.array([-6.9, -6.0, -4.7, -3.3, -1.8, 0.0, 1.7, 3.4, 5.4, 7.4, 9.1])
# festival voices whose pitch is shifted after synthesis (their engine has no working control).
FESTIVAL_POST_PITCH = frozenset({"slt"})
RATE_RANGE = (0.5, 2.5)
PITCH_RANGE_SEMITONES = (-12.0, 12.0)


def espeak_pitch_value(semitones: float) -> int:
    """espeak-ng's pitch parameter (0..100) for a shift in semitones from the voice's own."""
    return int(round(float(np.interp(semitones, ESPEAK_PITCH_SEMITONES, ESPEAK_PITCH_SETTINGS))))


def timing_group(voice: Voice) -> str:
    """The key of TIMING_OFFSET_S that applies to a voice."""
    if voice.backend == "festival":
        return voice.id
    return "espeak-klatt" if voice.variant in KLATT_VARIANTS else "espeak"


def _check_prosody(rate: float, pitch: float | None, pitch_range: float | None) -> None:
    if not (RATE_RANGE[0] <= rate <= RATE_RANGE[1]):
        raise SpeechError(f"rate {rate} is outside {RATE_RANGE}; 1.0 is the voice's own speed")
    if pitch is not None and not (PITCH_RANGE_SEMITONES[0] <= pitch <= PITCH_RANGE_SEMITONES[1]):
        raise SpeechError(
            f"pitch {pitch} semitones is outside {PITCH_RANGE_SEMITONES}; None keeps the voice's"
        )
    if pitch_range is not None and not (0.0 <= pitch_range <= 2.0):
        raise SpeechError(f"pitch_range {pitch_range} is outside [0, 2]; 1.0 is the voice's own intonation")


def _to_float(audio_int16: np.ndarray, rate: int) -> np.ndarray:
    x = audio_int16.astype(np.float32) / 32768.0
    if rate != SAMPLE_RATE:
        x = resample(x, rate, SAMPLE_RATE)  # exact timing: output n at input time n / 16000
    return np.ascontiguousarray(x, dtype=np.float32)


def _assign_vowel_stress(ipas: list[str], stress: list[int]) -> list[int]:
    """Stress on vowels only: a mark found on a consonant moves to the next vowel."""
    out = [0] * len(ipas)
    pending = 0
    for i, (p, s) in enumerate(zip(ipas, stress, strict=True)):
        if p == _ipa.SILENCE:
            pending = 0
            continue
        s = s or pending
        if _ipa.is_vowel(p):
            out[i] = s
            pending = 0
        else:
            pending = s
    return out


class Synthesizer:
    """Keeps backend processes (festival) and the espeak-ng engine alive for batch use.

    Not thread-safe; create one per worker process (after any fork).
    ``correct_timing=False`` returns the backends' raw times (for measuring the offsets).
    ``deterministic=False`` runs espeak-ng in this process: slightly faster, but its
    output then depends on what was synthesised before (see speech.espeak).
    """

    def __init__(
        self, *, correct_timing: bool = True, deterministic: bool = True, timeout: float = 60.0
    ) -> None:
        self.correct_timing = correct_timing
        self.deterministic = deterministic
        self.timeout = timeout
        self._festival: dict[str, FestivalProcess] = {}
        self._espeak_server: _espeak.EspeakServer | None = None

    def _espeak_engine(self) -> _espeak.Engine | _espeak.EspeakServer:
        """The fork server (deterministic) or the in-process engine (a little faster, history-dependent)."""
        if not self.deterministic:
            return _espeak.engine()
        if self._espeak_server is None or not self._espeak_server.alive:
            self._espeak_server = _espeak.EspeakServer(timeout=self.timeout)
        return self._espeak_server

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for proc in self._festival.values():
            proc.close()
        self._festival.clear()
        if self._espeak_server is not None:
            self._espeak_server.close()
            self._espeak_server = None

    def offset(self, voice: Voice) -> float:
        return TIMING_OFFSET_S.get(timing_group(voice), 0.0) if self.correct_timing else 0.0

    def synthesize(
        self,
        text: str,
        voice: Voice | str,
        *,
        rate: float = 1.0,
        pitch: float | None = None,
        pitch_range: float | None = None,
        allow_language_switch: bool = False,
    ) -> Utterance:
        """Speak ``text`` with ``voice``.

        rate: speed factor (1 = the voice's own; 0.5..2.5). pitch: semitones from
        the voice's own F0 (None = unchanged; -12..12). pitch_range: intonation
        range factor (1 = the voice's own; 0 = monotone; espeak-ng and the festival
        diphone voices). allow_language_switch: espeak-ng switches language for
        words it reads as foreign (a kanji in Japanese text is read as the English
        "Chinese letter"); by default such text is refused with SpeechError.
        """
        v = parse_voice(voice)
        if not str(text).strip():
            raise SpeechError("text is empty; pass at least one word")
        _check_prosody(rate, pitch, pitch_range)
        if v.backend == "espeak":
            utt = self._espeak(str(text), v, rate, pitch, pitch_range, allow_language_switch)
        else:
            utt = self._festival_say(str(text), v, rate, pitch, pitch_range)
        utt.check()
        return utt

    # -- espeak-ng ------------------------------------------------------------------
    def _espeak(
        self, text: str, v: Voice, rate: float, pitch: float | None, pitch_range: float | None, allow: bool
    ) -> Utterance:
        eng = self._espeak_engine()
        wpm = int(np.clip(round(_espeak.DEFAULT_RATE_WPM * rate), 80, 450))
        pitch_value = _espeak.DEFAULT_PITCH if pitch is None else espeak_pitch_value(pitch)
        range_scale = 1.0 if pitch_range is None else pitch_range
        range_value = int(np.clip(round(_espeak.DEFAULT_RANGE * range_scale), 0, 100))
        seed = zlib.crc32(f"{v.id}|{wpm}|{pitch_value}|{range_value}|{text}".encode())
        raw = eng.synthesize(
            text,
            espeak_voice_name(v.accent, v.variant),
            rate_wpm=wpm,
            pitch=pitch_value,
            pitch_range=range_value,
            seed=seed,
        )
        switches = sorted({p.name for p in raw.phones if p.name.startswith("(")})
        if switches and not allow:
            raise SpeechError(
                f"espeak-ng switched language {' '.join(switches)} while reading {text[:60]!r} with "
                f"{v.id}: the text has words this voice cannot read"
                + (" (Japanese must be written in kana, not kanji)" if v.language == "ja" else "")
                + "; pass text in the voice's language or allow_language_switch=True"
            )
        audio = _to_float(raw.audio, raw.sample_rate)
        sr = float(raw.sample_rate)
        shift = self.offset(v)
        names = [p.name for p in raw.phones]
        ipas = [_ipa.SILENCE if n.startswith("(") else _ipa.canonical_ipa(n) for n in names]
        stress = _assign_vowel_stress(ipas, _espeak.stress_for(names, raw.stressed_ipa, _ipa.canonical_ipa))
        starts = [p.sample / sr - shift for p in raw.phones]
        end_of_audio = len(audio) / SAMPLE_RATE
        phones: list[Phone] = []
        for i, p in enumerate(ipas):
            end = starts[i + 1] if i + 1 < len(starts) else end_of_audio
            phones.append(Phone(p, starts[i], end, stress[i]))
        words = _espeak_words(text, raw.words, sr, shift, phones)
        utt = Utterance(audio=audio, phones=phones, words=words, text=text, voice=v, language=v.language)
        return utt.tiled()

    # -- festival ---------------------------------------------------------------------
    def _festival_process(self, name: str) -> FestivalProcess:
        proc = self._festival.get(name)
        if proc is None or not proc.alive:
            proc = FestivalProcess(name, timeout=self.timeout)
            self._festival[name] = proc
        return proc

    def _festival_say(
        self, text: str, v: Voice, rate: float, pitch: float | None, pitch_range: float | None
    ) -> Utterance:
        proc = self._festival_process(v.name)
        raw = proc.synthesize(
            text,
            rate=rate,
            semitones=0.0 if pitch is None else float(pitch),
            pitch_range=1.0 if pitch_range is None else float(pitch_range),
        )
        audio = _to_float(raw.audio, raw.sample_rate)
        shift = self.offset(v)
        phones: list[Phone] = []
        words: list[tuple[str, float, float]] = []
        t = 0.0
        for seg in raw.segments:
            ipa = _ipa.festival_to_ipa(seg.name, seg.stress) if seg.name not in ("pau", "h#", "brth") else "_"
            start, end = t, seg.end
            t = seg.end
            stress = seg.stress if _ipa.is_vowel(ipa) else 0
            phones.append(Phone(ipa, start - shift if start > 0 else 0.0, end - shift, stress))
            if ipa != _ipa.SILENCE:
                if seg.word_start or not words:
                    words.append((seg.word, start - shift, end - shift))
                else:
                    w, ws, _ = words[-1]
                    words[-1] = (w, ws, end - shift)
        utt = Utterance(audio=audio, phones=phones, words=words, text=text, voice=v, language="en").tiled()
        if pitch and v.name in FESTIVAL_POST_PITCH:
            # festival's HTS module ignores the engine's half-tone option ("-fm"): shift
            # the pitch afterwards, formants kept, times mapped (augment.apply_voice_warp).
            from ..augment import VoiceWarp, apply_voice_warp

            utt = apply_voice_warp(utt, VoiceWarp(pitch=float(pitch)))
        return utt


def _espeak_words(
    text: str, events: list[_espeak.RawWord], sr: float, shift: float, phones: list[Phone]
) -> list[tuple[str, float, float]]:
    """Words from espeak-ng word events: text span, start, end of their last spoken phone."""
    out: list[tuple[str, float, float]] = []
    starts = [e.sample / sr - shift for e in events]
    for k, e in enumerate(events):
        s = starts[k]
        nxt = starts[k + 1] if k + 1 < len(starts) else float("inf")
        spoken = [p for p in phones if p.ipa != _ipa.SILENCE and s - 1e-6 <= p.start < nxt - 1e-6]
        if not spoken:
            continue
        word = text[max(0, e.text_position - 1) : max(0, e.text_position - 1) + max(1, e.length)]
        out.append((word.strip(), spoken[0].start, spoken[-1].end))
    return out


_DEFAULT: Synthesizer | None = None
_DEFAULT_LOCK = threading.Lock()


def _default() -> Synthesizer:
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Synthesizer()
            atexit.register(_DEFAULT.close)
        return _DEFAULT


def synthesize(
    text: str,
    voice: Voice | str,
    *,
    rate: float = 1.0,
    pitch: float | None = None,
    pitch_range: float | None = None,
    allow_language_switch: bool = False,
) -> Utterance:
    """Speak ``text`` with ``voice`` using a shared module-level Synthesizer (see Synthesizer.synthesize)."""
    return _default().synthesize(
        text,
        voice,
        rate=rate,
        pitch=pitch,
        pitch_range=pitch_range,
        allow_language_switch=allow_language_switch,
    )
