"""espeak-ng through its C API (ctypes): audio plus phoneme and word events.

libespeak-ng keeps one global synthesiser per process, so this module holds
one engine per process behind a lock. Synthesis is synchronous: the
callback receives the audio in chunks together with the events whose
``sample`` field is the exact output sample where espeak-ng placed them
(``audio_position`` is the same in whole milliseconds).

Determinism: libespeak-ng keeps state from one utterance to the next in
function statics (the pitch-flutter table index, waveform phase and sign
toggles), so the same request gave different samples, and phone lengths in
whole pitch periods, depending on what was spoken before. ``EspeakServer``
therefore runs the engine in a helper process (``espeak_server``) that
initialises espeak-ng, speaks one fixed warm-up sentence and then never
speaks again: each request is served by a fork of it, which starts from
that same state, seeds libc
rand() (espeak-ng's noise source), speaks, sends the result and exits.
Same request, same bytes, whatever came before; the fork and its copied pages cost a few
milliseconds per utterance (see docs/SPEECH.md, Speed).

Phoneme events are asked for in IPA (espeakINITIALIZE_PHONEME_IPA). An event
with an empty name is a pause or a zero-length marker (tone, stress); it
becomes silence when time passes before the next event. Stress marks are
not in the events: they come from espeak_TextToPhonemes on the same text
and are matched to the event phones in order (see ``_stress_for``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import difflib
import json
import os
import select
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .types import SpeechError

LIBRARY_NAMES = ("libespeak-ng.so.1", "libespeak-ng.so", "espeak-ng")

# espeak_AUDIO_OUTPUT / event types / flags from speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_PHONEME_IPA = 0x0002
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EV_LIST_TERMINATED = 0
_EV_WORD = 1
_EV_END = 5
_EV_MSG_TERMINATED = 6
_EV_PHONEME = 7
_EV_SAMPLERATE = 8
_PARAM_RATE = 1
_PARAM_VOLUME = 2
_PARAM_PITCH = 3
_PARAM_RANGE = 4
_PARAM_WORDGAP = 7

DEFAULT_RATE_WPM = 175
DEFAULT_PITCH = 50
DEFAULT_RANGE = 50


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class RawPhone:
    name: str  # IPA as espeak-ng writes it ("" = pause / marker)
    sample: int  # start, in samples at the engine's rate
    text_position: int  # 1-based character position of its word


@dataclass
class RawWord:
    text_position: int  # 1-based character index in the text
    length: int  # characters
    sample: int


@dataclass
class RawSpeech:
    audio: np.ndarray  # int16 at sample_rate
    sample_rate: int
    phones: list[RawPhone]
    words: list[RawWord]
    stressed_ipa: list[str]  # TextToPhonemes tokens with stress marks, for stress


def find_library() -> str | None:
    """Path or soname of libespeak-ng, or None when it is not installed."""
    for name in LIBRARY_NAMES:
        try:
            ctypes.CDLL(name)
            return name
        except OSError:
            continue
    found = ctypes.util.find_library("espeak-ng")
    return found


def data_dir() -> Path | None:
    """espeak-ng's data folder (voices, dictionaries), or None."""
    for p in (
        Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data"),
        Path("/usr/lib/aarch64-linux-gnu/espeak-ng-data"),
        Path("/usr/share/espeak-ng-data"),
        Path("/usr/lib/espeak-ng-data"),
        Path("/usr/local/share/espeak-ng-data"),
    ):
        if (p / "lang").is_dir() and (p / "voices").is_dir():
            return p
    return None


class Engine:
    """The process's espeak-ng synthesiser. Use ``engine()``, not the constructor."""

    def __init__(self) -> None:
        name = find_library()
        if name is None:
            raise SpeechError(
                "libespeak-ng is not installed; install the Debian packages espeak-ng and libespeak-ng1 "
                "(bash tools/setup.sh does)"
            )
        lib = ctypes.CDLL(name)
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        options = _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, options)
        if rate <= 0:
            raise SpeechError(
                f"espeak-ng failed to initialise (code {rate}); check that espeak-ng-data is installed "
                "(Debian package espeak-ng-data)"
            )
        self.sample_rate = int(rate)
        self._lib = lib
        self._chunks: list[bytes] = []
        self._events: list[tuple[int, int, int, int, bytes]] = []
        self._callback = _CALLBACK(self._on_synth)  # kept referenced: the C side holds it
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None
        self.lock = threading.Lock()
        # espeak-ng draws noise (breath, aspiration, flutter) from libc rand(): seeding
        # it before each utterance makes the same request give the same samples.
        try:
            self._libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            self._libc.srand.argtypes = [ctypes.c_uint]
        except OSError:
            self._libc = None

    def _on_synth(self, wav, n, events) -> int:
        if n > 0 and wav:
            self._chunks.append(ctypes.string_at(wav, 2 * n))
        i = 0
        while events[i].type != _EV_LIST_TERMINATED:
            e = events[i]
            if e.type in (_EV_PHONEME, _EV_WORD, _EV_END):
                name = bytes(e.id.string) if e.type == _EV_PHONEME else b""
                self._events.append((e.type, e.text_position, e.length, e.sample, name))
            i += 1
        return 0

    def set_voice(self, name: str) -> None:
        if name == self._voice:
            return
        code = self._lib.espeak_SetVoiceByName(name.encode("utf-8"))
        if code != 0:
            raise SpeechError(
                f"espeak-ng has no voice {name!r} (code {code}); list installed ones with "
                "duet.model.training.speech.available_voices()"
            )
        self._voice = name

    def _set(self, param: int, value: int) -> None:
        self._lib.espeak_SetParameter(param, int(value), 0)

    def text_to_phonemes(self, text: str) -> list[str]:
        """IPA tokens with stress marks (ˈ ˌ) for the whole text, phones separated."""
        buf = ctypes.create_string_buffer(text.encode("utf-8"))
        ptr = ctypes.c_void_p(ctypes.addressof(buf))
        mode = 0x02 | (ord(" ") << 8)  # IPA, phonemes separated by spaces
        tokens: list[str] = []
        for _ in range(10000):  # one call per clause; ptr becomes NULL at the end
            if not ptr.value:
                break
            out = self._lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, mode)
            if out:
                tokens.extend(out.decode("utf-8", "replace").split())
        return tokens

    def synthesize(
        self, text: str, voice: str, *, rate_wpm: int, pitch: int, pitch_range: int, seed: int = 0
    ) -> RawSpeech:
        with self.lock:
            if self._libc is not None:
                self._libc.srand(int(seed) & 0xFFFFFFFF)
            self.set_voice(voice)
            self._set(_PARAM_RATE, rate_wpm)
            self._set(_PARAM_PITCH, pitch)
            self._set(_PARAM_RANGE, pitch_range)
            self._set(_PARAM_VOLUME, 100)
            self._set(_PARAM_WORDGAP, 0)
            self._chunks = []
            self._events = []
            data = text.encode("utf-8")
            buf = ctypes.create_string_buffer(data)
            code = self._lib.espeak_Synth(buf, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if code != 0:
                raise SpeechError(f"espeak-ng could not synthesise {text[:60]!r} (code {code})")
            self._lib.espeak_Synchronize()
            chunks, events = self._chunks, self._events
            self._chunks, self._events = [], []
            stressed = self.text_to_phonemes(text)
        audio = np.frombuffer(b"".join(chunks), dtype=np.int16)
        phones: list[RawPhone] = []
        words: list[RawWord] = []
        for etype, pos, length, sample, name in events:
            if etype == _EV_PHONEME:
                phones.append(RawPhone(name.split(b"\0", 1)[0].decode("utf-8", "replace"), sample, pos))
            elif etype == _EV_WORD:
                words.append(RawWord(pos, length, sample))
            elif etype == _EV_END:
                phones.append(RawPhone("", sample, pos))  # closes the last phone of the sentence
        return RawSpeech(audio.astype(np.int16), self.sample_rate, phones, words, stressed)


_ENGINE: Engine | None = None
_ENGINE_LOCK = threading.Lock()


def engine() -> Engine:
    """The process-wide espeak-ng engine (created on first use)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = Engine()
        return _ENGINE


_STRESS_MARKS = {"ˈ": 1, "ˌ": 2}


def stress_for(event_names: list[str], stressed_tokens: list[str], key) -> list[int]:
    """Stress (0/1/2) of each event phone, matched in order to TextToPhonemes tokens.

    ``key`` maps a phone string to the comparison key (canonical IPA without
    stress marks). Unmatched phones get 0.
    """
    tok_keys: list[str] = []
    tok_stress: list[int] = []
    for tok in stressed_tokens:
        stress = 0
        for mark, level in _STRESS_MARKS.items():
            if mark in tok:
                stress = level
        tok_keys.append(key(tok))
        tok_stress.append(stress)
    ev_keys = [key(n) for n in event_names]
    out = [0] * len(event_names)
    matcher = difflib.SequenceMatcher(a=ev_keys, b=tok_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                out[i1 + k] = tok_stress[j1 + k]
    return out


# --- the fork server --------------------------------------------------------------------------------
# Frames on the server's stdout: 8-byte little-endian length, then the payload: one
# JSON line (the result without audio, or {"error": ...}) and the int16 audio bytes.


def encode_raw(raw: RawSpeech) -> bytes:
    header = {
        "sample_rate": raw.sample_rate,
        "phones": [[p.name, p.sample, p.text_position] for p in raw.phones],
        "words": [[w.text_position, w.length, w.sample] for w in raw.words],
        "stressed": raw.stressed_ipa,
    }
    return json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + raw.audio.astype("<i2").tobytes()


def decode_raw(payload: bytes) -> RawSpeech:
    head, _, audio = payload.partition(b"\n")
    header = json.loads(head.decode("utf-8"))
    if "error" in header:
        raise SpeechError(str(header["error"]))
    return RawSpeech(
        np.frombuffer(audio, dtype="<i2").copy(),
        int(header["sample_rate"]),
        [RawPhone(str(n), int(s), int(t)) for n, s, t in header["phones"]],
        [RawWord(int(t), int(n), int(s)) for t, n, s in header["words"]],
        [str(x) for x in header["stressed"]],
    )


def frame(payload: bytes) -> bytes:
    return struct.pack("<Q", len(payload)) + payload


class EspeakServer:
    """Client of one espeak_server helper process (deterministic synthesis, see the module doc)."""

    def __init__(self, *, timeout: float = 60.0) -> None:
        if find_library() is None:
            raise SpeechError(
                "libespeak-ng is not installed; install the Debian packages espeak-ng and libespeak-ng1 "
                "(bash tools/setup.sh does)"
            )
        self.timeout = timeout
        env = dict(os.environ)
        # One thread in the server: it forks per request, and a fork copies only the calling thread.
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "duet.model.training.speech.espeak_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._lock = threading.Lock()
        self.sample_rate = 0

    def _read(self, n: int) -> bytes:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        parts: list[bytes] = []
        got = 0
        while got < n:
            ready, _, _ = select.select([fd], [], [], self.timeout)
            if not ready:
                self.close()
                raise SpeechError(f"the espeak-ng helper gave no answer in {self.timeout:.0f} s; stopped it")
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                err = b""
                if self._proc.stderr is not None:
                    err = self._proc.stderr.read() or b""
                tail = err.decode(errors="replace")[-400:]
                raise SpeechError(f"the espeak-ng helper exited (code {self._proc.poll()}): {tail}")
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def synthesize(
        self, text: str, voice: str, *, rate_wpm: int, pitch: int, pitch_range: int, seed: int = 0
    ) -> RawSpeech:
        request = {
            "text": text,
            "voice": voice,
            "wpm": rate_wpm,
            "pitch": pitch,
            "range": pitch_range,
            "seed": seed,
        }
        with self._lock:
            if self._proc.poll() is not None or self._proc.stdin is None:
                raise SpeechError(f"the espeak-ng helper has exited (code {self._proc.returncode})")
            try:
                self._proc.stdin.write(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
                self._proc.stdin.flush()
            except BrokenPipeError as exc:
                raise SpeechError("the espeak-ng helper closed its input") from exc
            (size,) = struct.unpack("<Q", self._read(8))
            raw = decode_raw(self._read(size))
        self.sample_rate = raw.sample_rate
        return raw

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                if proc.stdin:
                    proc.stdin.close()
                proc.wait(timeout=5)
            except (subprocess.TimeoutExpired, OSError):
                proc.kill()
                proc.wait(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown
            self.close()
