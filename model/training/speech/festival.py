"""festival through one long-lived ``festival --pipe`` process per voice.

Starting festival and loading a voice costs about 0.3 s, more than most
utterances take to synthesise, so a FestivalProcess loads its voice once and
then serves utterances: Python writes one Scheme form per utterance to its
stdin; festival saves the waveform to a file and writes the Segment relation
(phone name, end time, syllable stress, word start flag, word name) to
stderr between marker lines. stderr is unbuffered in festival, stdout is
block-buffered when it is a pipe, hence stderr for the protocol.

Phone times are festival's own segment end times: for the diphone voices
(kal, ked) the durations the waveform was built to, for the HTS voice (slt)
the state durations the HTS engine generated.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import tempfile
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .types import SpeechError
from .voices import FESTIVAL_VOICES

_BEGIN = "@@DUET-BEGIN"
_SEG = "@@S"
_END = "@@DUET-END"
_FAIL = "@@DUET-FAIL"
_READY = "@@DUET-READY"

# Scheme run once per process: the voice, then a function that synthesises one
# utterance and reports it. `rate` scales durations (1 = the voice's default),
# `semitones` shifts F0 (diphone voices: the intonation model's target mean and
# spread; HTS: the engine's half-tone shift); `range` scales the diphone voices'
# F0 spread (the HTS voice has no such control).
_PRELUDE = r"""
(define (duet.set-prosody rate semitones range)
  (Parameter.set 'Duration_Stretch (/ duet.default-stretch rate))
  (if duet.hts
      (set! hts_engine_params
            (append (list (list "-r" rate) (list "-fm" semitones)) duet.default-hts))
      (set! int_lr_params
            (list (list 'target_f0_mean (* duet.default-f0-mean (pow 2 (/ semitones 12.0))))
                  (list 'target_f0_std (* range duet.default-f0-std (pow 2 (/ semitones 12.0))))
                  (list 'model_f0_mean duet.model-f0-mean)
                  (list 'model_f0_std duet.model-f0-std)))))

(define (duet.seg s)
  (format stderr "@@S %s %f %s %s %s %s\n"
          (item.name s)
          (item.feat s 'end)
          (item.feat s "R:SylStructure.parent.stress")
          (item.feat s "R:SylStructure.pos_in_syl")
          (item.feat s "R:SylStructure.parent.pos_in_word")
          (item.feat s "R:SylStructure.parent.parent.name")))

(define (duet.say tag text rate semitones range wavefile)
  (duet.set-prosody rate semitones range)
  (let ((utt (SynthText text)))
    (utt.save.wave utt wavefile 'riff)
    (format stderr "@@DUET-BEGIN %s\n" tag)
    (mapcar duet.seg (utt.relation.items utt 'Segment))
    (format stderr "@@DUET-END %s\n" tag)))
"""


def _voice_setup(function: str) -> str:
    hts = "t" if "hts" in function else "nil"
    return f"""
({function})
(set! duet.hts {hts})
(set! duet.default-stretch (or (Parameter.get 'Duration_Stretch) 1.0))
(set! duet.default-hts (if duet.hts hts_engine_params nil))
(set! duet.default-f0-mean (if duet.hts 0 (car (cdr (assoc 'target_f0_mean int_lr_params)))))
(set! duet.default-f0-std (if duet.hts 0 (car (cdr (assoc 'target_f0_std int_lr_params)))))
(set! duet.model-f0-mean (if duet.hts 0 (car (cdr (assoc 'model_f0_mean int_lr_params)))))
(set! duet.model-f0-std (if duet.hts 0 (car (cdr (assoc 'model_f0_std int_lr_params)))))
"""


@dataclass
class RawSegment:
    name: str  # radio phoneset ("pau", "hh", "ax", ...)
    end: float  # seconds
    stress: int  # the syllable's lexical stress (0 for pauses)
    word_start: bool
    word: str


@dataclass
class RawSpeech:
    audio: np.ndarray  # int16
    sample_rate: int
    segments: list[RawSegment]


def festival_available() -> bool:
    return shutil.which("festival") is not None


def to_festival_text(text: str) -> str:
    """Text festival can read: ASCII (accents dropped), Scheme string escapes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = " ".join(ascii_text.split())
    return ascii_text.replace("\\", " ").replace('"', "'")


class FestivalProcess:
    """One festival process with one voice loaded; not thread-safe (one caller at a time)."""

    def __init__(self, voice: str, *, timeout: float = 60.0) -> None:
        if voice not in FESTIVAL_VOICES:
            raise SpeechError(f"unknown festival voice {voice!r}; use one of {', '.join(FESTIVAL_VOICES)}")
        if not festival_available():
            raise SpeechError(
                "festival is not installed; install the Debian packages festival, festvox-kallpc16k, "
                "festvox-kdlpc16k and festvox-us-slt-hts (bash tools/setup.sh does)"
            )
        self.voice = voice
        self.timeout = timeout
        self._dir = Path(tempfile.mkdtemp(prefix="duet-festival-", dir=_tmp_root()))
        self._count = 0
        self._buffer = b""
        self._proc = subprocess.Popen(
            ["festival", "--pipe"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        function = FESTIVAL_VOICES[voice][0]
        self._send(_PRELUDE + _voice_setup(function) + f'(format stderr "{_READY}\\n")\n')
        lines = self._read_until(_READY)
        if any("SIOD ERROR" in line or "not found" in line.lower() for line in lines):
            self.close()
            raise SpeechError(
                f"festival could not load voice {voice!r} ({function}): {' | '.join(lines)[-300:]}; "
                "check the festvox package of this voice is installed"
            )

    def _send(self, text: str) -> None:
        if self._proc.poll() is not None or self._proc.stdin is None:
            raise SpeechError(
                f"the festival process for {self.voice!r} has exited (code {self._proc.returncode})"
            )
        try:
            self._proc.stdin.write(text.encode("ascii", "replace"))
            self._proc.stdin.flush()
        except BrokenPipeError as exc:
            raise SpeechError(f"the festival process for {self.voice!r} closed its input") from exc

    def _read_until(self, marker: str) -> list[str]:
        """stderr lines up to and including the one that starts with ``marker``."""
        assert self._proc.stderr is not None
        fd = self._proc.stderr.fileno()
        lines: list[str] = []
        while True:
            while b"\n" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\n", 1)
                line = raw.decode("utf-8", "replace")
                lines.append(line)
                if line.startswith(marker):
                    return lines
                if "SIOD ERROR" in line:
                    # The form failed part-way: festival keeps reading; report the error.
                    raise SpeechError(f"festival ({self.voice}) failed: {line.strip()}")
            ready, _, _ = select.select([fd], [], [], self.timeout)
            if not ready:
                self.close()
                raise SpeechError(
                    f"festival ({self.voice}) gave no answer in {self.timeout:.0f} s; restarted"
                )
            chunk = os.read(fd, 65536)
            if not chunk:
                code = self._proc.wait(timeout=5)
                raise SpeechError(
                    f"festival ({self.voice}) exited with code {code}: {' | '.join(lines)[-300:]}"
                )
            self._buffer += chunk

    def synthesize(
        self, text: str, *, rate: float = 1.0, semitones: float = 0.0, pitch_range: float = 1.0
    ) -> RawSpeech:
        clean = to_festival_text(text)
        if not any(ch.isalnum() for ch in clean):
            raise SpeechError(f"festival cannot read {text[:60]!r}: no ASCII letters or digits left")
        self._count += 1
        tag = f"u{self._count}"
        path = self._dir / f"{tag}.wav"
        self._send(
            f'(duet.say "{tag}" "{clean}" {float(rate):.6f} {float(semitones):.6f} '
            f'{float(pitch_range):.6f} "{path}")\n'
        )
        try:
            lines = self._read_until(f"{_END} {tag}")
        except SpeechError:
            path.unlink(missing_ok=True)
            raise
        segments: list[RawSegment] = []
        started = False
        for line in lines:
            if line.startswith(f"{_BEGIN} {tag}"):
                started = True
            elif started and line.startswith(_SEG + " "):
                parts = line.split(" ", 6)
                if len(parts) < 7:
                    continue
                _, name, end, stress, pos_syl, pos_word, word = parts
                stress_i = _int(stress)
                word_start = name not in ("pau", "h#", "brth") and _int(pos_syl) == 0 and _int(pos_word) == 0
                segments.append(RawSegment(name, float(end), stress_i, word_start, word.strip()))
        try:
            with wave.open(str(path), "rb") as w:
                rate_hz = w.getframerate()
                frames = w.readframes(w.getnframes())
                width = w.getsampwidth()
        finally:
            path.unlink(missing_ok=True)
        if width != 2:
            raise SpeechError(f"festival wrote {8 * width}-bit audio; expected 16-bit")
        audio = np.frombuffer(frames, dtype="<i2").copy()
        return RawSpeech(audio, rate_hz, segments)

    def close(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            try:
                if proc.stdin:
                    proc.stdin.close()
                proc.wait(timeout=2)
            except (subprocess.TimeoutExpired, OSError):
                proc.kill()
                proc.wait(timeout=5)
        if proc is not None and proc.stderr:
            proc.stderr.close()
        shutil.rmtree(getattr(self, "_dir", ""), ignore_errors=True)

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def __del__(self) -> None:  # a dropped process must not linger
        with contextlib.suppress(Exception):
            self.close()


def _int(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0


def _tmp_root() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
