"""English forced alignment: where each known word and phone of a line falls in its audio.

    from duet.model.script import english
    if english.available():
        span = english.align_words(audio16k, ["Mara", "rolled", "the", "barrel"], offset=12.4)
        span.words[0].phones[0]   # AlignedPhone(ipa="m", arpabet="M", start=12.71, end=12.78, stress=0)

pocketsphinx (PyPI, bundled as wheels in the extension) does the work with
its US English acoustic model and CMU dictionary. Words the dictionary lacks
(names, made-up words, numbers, accented spellings) get pronunciations from
`letter_to_sound`; a word is never an error. Words with no letters or digits
("--", "...") have no sound and are left out of the result (AlignedWord.index
says which passed word each result is).

The search is a linear grammar of the words (any of the dictionary's
pronunciations) with optional silence between them and at both ends, and a
small loop of free phones at both ends that takes other speech: the span may
start and end with a pause or with up to ~0.5 s of someone else's words. Two
passes: a word-level Viterbi search, then a phone-level alignment of the path
it found.

Times are seconds from the start of the passed audio plus `offset`. Frame
boundaries are moved to the middle between the two frames' window centres
(pocketsphinx frame k covers samples [160k, 160k + 410)).

Confidence (0..1, per word and per span) comes from the acoustic score of
the aligned phones. pocketsphinx scores each frame relative to the best
matching model state of that frame, so a path through the right phones costs
little per frame and a path forced through the wrong ones costs a lot. The
mean cost per frame (nats) of a word's phones, d, maps to
``1 / (1 + exp((d - CONFIDENCE_MID) / CONFIDENCE_WIDTH))``; the span's
confidence is the same map of its words' frame-weighted mean cost. Measured
(tests/test_script_english.py and the commit that set these): the right words
on real speech cost 0.9-2.2 nats per frame, on festival voices 1.1-2.6, on
espeak-ng voices 2.8-4.9 (robotic speech is far from the model's training
speech, so its confidence is low even when the words are right); the words of
another sentence, when an alignment is found at all, 3.4-6.5.

Failure: `AlignmentFailed` (the audio is too short for the words, or the
search cannot reach the end of the words, which is what happens for most
words that are not in the audio). Never a pocketsphinx exception.

The decoder is created once and reused (a lock keeps calls from different
threads apart; pocketsphinx holds the GIL, so threads do not run it in
parallel). A call costs two passes over its audio, ~25-30x real time on one
core: give it one line's span, not a whole take.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import InputError
from . import letter_to_sound as lts

SAMPLE_RATE = 16000
FRAME_S = 0.01  # pocketsphinx frame step
_WINDOW_S = 0.025625  # its analysis window
# A boundary between frames k-1 and k lies between their window centres.
BOUNDARY_SHIFT_S = _WINDOW_S / 2 - FRAME_S / 2
MIN_SECONDS = 0.1  # shorter audio holds too few frames for any word
MIN_FRAMES_PER_PHONE = 3  # the en-us model's phones are 3-state left-to-right HMMs
# Logistic map from mean cost per frame (nats) to confidence: 0.5 at CONFIDENCE_MID
# (between the right words on natural speech, <= 2.6, and wrong words, >= 3.4).
CONFIDENCE_MID = 3.0
CONFIDENCE_WIDTH = 0.35
# The grammar: pocketsphinx's own silence probability between words; a loop of a few
# broad phones at both ends (cheap: the full 39-phone loop costs 2.5x the time) at a low
# per-phone probability, so it takes other speech but not the line's own first/last phones.
SILENCE_PROB = 0.005
NOISE_PROB = 1e-8
GARBAGE_PROB = 1e-3
GARBAGE_PHONES = ("AH", "IY", "S", "N", "T", "AA")
_GARBAGE_PREFIX = "_g_"
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]"})
# Beams far wider than pocketsphinx's defaults: the grammar is one line of words, so a wide
# beam costs little, and the default beams lose the only path on some robotic TTS voices.
_DECODER_OPTIONS: dict[str, object] = {"beam": 1e-80, "pbeam": 1e-80, "wbeam": 1e-60}

# ARPAbet (CMU dictionary, no stress digits) -> the IPA the lips' phone table reads: the
# project's one ARPAbet table (the training aligner and speech.ipa read it from here).
# AH and ER depend on stress: unstressed AH is schwa, unstressed ER is ɚ.
ARPABET_TO_IPA = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "EH": "ɛ", "ER": "ɝ",
    "EY": "eɪ", "IH": "ɪ", "IY": "i", "OW": "oʊ", "OY": "ɔɪ", "UH": "ʊ", "UW": "u", "B": "b",
    "CH": "tʃ", "D": "d", "DH": "ð", "F": "f", "G": "ɡ", "HH": "h", "JH": "dʒ", "K": "k", "L": "l",
    "M": "m", "N": "n", "NG": "ŋ", "P": "p", "R": "ɹ", "S": "s", "SH": "ʃ", "T": "t", "TH": "θ",
    "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ",
}  # fmt: skip
UNSTRESSED_IPA = {"AH": "ə", "ER": "ɚ"}


class AlignmentFailed(RuntimeError):
    """The words could not be aligned to the audio; the message says why."""


@dataclass(frozen=True)
class AlignedPhone:
    ipa: str
    arpabet: str  # without stress digit
    start: float  # seconds (+ offset)
    end: float
    stress: int  # 0/1/2 on vowels (estimated: see letter_to_sound.guess_stress), 0 on consonants


@dataclass(frozen=True)
class AlignedWord:
    text: str  # as passed
    start: float
    end: float
    phones: tuple[AlignedPhone, ...]
    in_dictionary: bool  # False: (part of) the pronunciation came from letter-to-sound rules
    confidence: float  # 0..1
    index: int = 0  # position of the word in the list passed to align_words


@dataclass(frozen=True)
class AlignedSpan:
    words: tuple[AlignedWord, ...]
    confidence: float
    start: float  # first word's start
    end: float  # last word's end


@lru_cache(maxsize=1)
def available() -> bool:
    """True when pocketsphinx and its English model can be imported (False in a Blender without it)."""
    try:
        _model_paths()
    except (ImportError, OSError):
        return False
    return True


@lru_cache(maxsize=1)
def _model_paths() -> tuple[str, str]:
    """(acoustic model folder, dictionary file) inside the pocketsphinx package."""
    from pocketsphinx import get_model_path

    root = get_model_path()
    hmm = os.path.join(root, "en-us", "en-us")
    dictionary = os.path.join(root, "en-us", "cmudict-en-us.dict")
    if not (os.path.isdir(hmm) and os.path.isfile(dictionary)):
        raise OSError(f"pocketsphinx's English model is missing under {root}")
    return hmm, dictionary


class _Aligner:
    """One pocketsphinx decoder and the words this process added to its dictionary."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        hmm, dictionary = _model_paths()
        # No language model (the grammar is given), no lattice pass (one path is forced anyway),
        # fillers placed by _activate_grammar rather than everywhere.
        self.decoder = Decoder(
            hmm=hmm,
            dict=dictionary,
            lm=None,
            samprate=SAMPLE_RATE,
            bestpath=False,
            fsgusefiller=False,
            loglevel="FATAL",
            **_DECODER_OPTIONS,
        )
        self.added: dict[str, bool] = {}  # key -> whether its phones all came from the dictionary
        self.lock = threading.RLock()
        self.searches = 0
        for phone in GARBAGE_PHONES:
            self.decoder.add_word(_GARBAGE_PREFIX + phone.lower(), phone, False)
        self.decoder.add_word(_GARBAGE_PREFIX + "sil", "SIL", True)  # True: update the decoder once
        # Alignment scores are in log-base units shifted right by 10 bits (pocketsphinx's
        # SENSCR_SHIFT); checked against the word segments' acoustic scores, which are in nats.
        self.nats_per_unit = math.log(float(self.decoder.config["logbase"])) * (1 << 10)

    def lookup(self, word: str) -> list[str] | None:
        """The dictionary's first pronunciation of a folded word (not one added here), or None."""
        if word in self.added:
            return None
        with self.lock:
            phones = self.decoder.lookup_word(word)
        return phones.split() if phones else None


@lru_cache(maxsize=1)
def _aligner() -> _Aligner:
    try:
        return _Aligner()
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        raise AlignmentFailed(f"pocketsphinx could not load its English model: {exc}") from None


def _dictionary(word: str) -> list[str] | None:
    if not word or not available():
        return None
    try:
        return _aligner().lookup(word)
    except AlignmentFailed:
        return None


def _word_phones(word: str) -> tuple[str, list[tuple[str, int]], bool] | None:
    """(decoder key, [(ARPAbet, stress)], from the dictionary) for one word; None without sound."""
    if not any(ch.isalpha() or ch.isdigit() for ch in word):
        return None  # punctuation and symbols alone ("--", "&") are not read
    folded = " ".join(lts.fold(word).split()).strip("-'")
    bare = folded.strip(".")
    # The whole word first: "mr.", "twenty-one", "don't" are dictionary entries.
    for whole in dict.fromkeys(w for w in (folded, bare) if w):
        found = _dictionary(whole) if " " not in whole else None
        if found:
            return whole, _with_stress(found, whole), True
    phones: list[tuple[str, int]] = []
    from_dictionary = True
    for part in lts.spoken_parts(word):
        found = _dictionary(part) or _possessive(part)
        if found:
            phones += _with_stress(found, part)
        else:
            phones += lts.spell(part.upper() if word.isupper() else part)
            from_dictionary = False
    if not phones:
        return None
    # The decoder knows the word by its spelling, or by its phones when none is left ("ʼ").
    key = "".join(ch if ch.isalnum() or ch in "'-." else "_" for ch in bare)
    return key or "_p_" + "_".join(p.lower() for p, _s in phones), phones, from_dictionary


def _possessive(part: str) -> list[str] | None:
    """'mara's' when "mara" is in the dictionary: its phones and the possessive ending."""
    if not part.endswith("'s"):
        return None
    base = _dictionary(part[:-2])
    return base + lts.possessive_ending(base) if base else None


def _with_stress(phones: list[str], word: str) -> list[tuple[str, int]]:
    stress = lts.guess_stress(phones, function_word=word in lts.FUNCTION_WORDS)
    return list(zip(phones, stress, strict=True))


def pronounce(word: str) -> list[tuple[str, int]]:
    """(ARPAbet, stress) of a word: the dictionary's, else letter-to-sound; [] for no letters/digits.

    The bundled dictionary has no stress marks: stress is estimated (letter_to_sound.guess_stress).
    Without pocketsphinx (available() False) every word goes through letter-to-sound.
    """
    found = _word_phones(str(word))
    return found[1] if found else []


def in_dictionary(word: str) -> bool:
    """The word (or each part of a compound/possessive) is in the bundled English dictionary."""
    found = _word_phones(str(word))
    return bool(found and found[2])


def to_ipa(arpabet: str, stress: int) -> str:
    """IPA of one ARPAbet phone (no stress digit) with the given stress."""
    if stress == 0 and arpabet in UNSTRESSED_IPA:
        return UNSTRESSED_IPA[arpabet]
    return ARPABET_TO_IPA[arpabet]


def _pcm(audio: np.ndarray) -> bytes:
    """16-bit PCM, with a fixed ±1 LSB pattern so digital silence has a finite log energy."""
    x = np.nan_to_num(np.asarray(audio, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    pcm = np.round(np.clip(x, -1.0, 1.0) * 32766.0).astype(np.int32)
    return (pcm + np.resize(_dither_pattern(), len(pcm))).astype(np.int16).tobytes()


@lru_cache(maxsize=1)
def _dither_pattern() -> np.ndarray:
    return np.random.default_rng(0).integers(-1, 2, size=1 << 16).astype(np.int32)


def align_words(audio16k: np.ndarray, words: Sequence[str], *, offset: float = 0.0) -> AlignedSpan:
    """Align the words, in order, to mono 16 kHz float audio; see the module docstring.

    Raises InputError for audio that is not a 1-D array of samples (or words given as one
    string), AlignmentFailed when the words cannot be placed in the audio.
    """
    audio = np.asarray(audio16k)
    if audio.ndim == 2 and 1 in audio.shape:
        audio = audio.reshape(-1)
    if audio.ndim != 1 or audio.dtype.kind not in "fiu":
        raise InputError(
            f"align_words takes mono 16 kHz samples as a 1-D float array, got shape {audio.shape} "
            f"({audio.dtype}); mix down and resample with duet.model.audio.resample first"
        )
    if audio.dtype.kind in "iu":  # integer PCM: scale to -1..1
        audio = audio / float(np.iinfo(audio.dtype).max)
    if isinstance(words, str | bytes):
        raise InputError("align_words takes a sequence of words, not one string: pass text.split()")
    if not math.isfinite(float(offset)):
        raise InputError(f"align_words: offset must be a finite number of seconds, got {offset!r}")
    if not available():
        raise AlignmentFailed("pocketsphinx is not installed: English alignment is unavailable")
    entries = []
    for index, word in enumerate(words):
        found = _word_phones(str(word))
        if found:
            entries.append((index, str(word), *found))
    if not entries:
        raise AlignmentFailed("none of the words has letters or digits to say")
    seconds = len(audio) / SAMPLE_RATE
    n_phones = sum(len(e[3]) for e in entries)
    if seconds < MIN_SECONDS or seconds / FRAME_S < MIN_FRAMES_PER_PHONE * n_phones:
        raise AlignmentFailed(
            f"the audio ({seconds:.2f} s) is too short for {len(entries)} words ({n_phones} phones)"
        )
    aligner = _aligner()
    with aligner.lock:
        # Once per word: a word outside the dictionary said twice in a line ("zo, zo") added twice
        # made pocketsphinx raise "Failed to add word".
        unknown = {e[2]: e for e in entries if aligner.decoder.lookup_word(e[2]) is None}
        new = list(unknown.values())
        for k, (_index, _text, key, phones, from_dict) in enumerate(new):
            # Updating the decoder once, with the last word, is enough.
            aligner.decoder.add_word(key, " ".join(p for p, _s in phones), k == len(new) - 1)
            aligner.added[key] = from_dict
        raw = _decode(aligner, _pcm(audio), [e[2] for e in entries])
    return _build_span(aligner, raw, entries, float(offset))


# [(word key, [(phone, first frame, frames, score)])]
_Raw = list[tuple[str, list[tuple[str, int, int, int]]]]


def _decode(aligner: _Aligner, pcm: bytes, keys: list[str]) -> _Raw:
    """[(word, [(phone, first frame, frames, score)])] of the words (fillers dropped)."""
    dec = aligner.decoder
    try:
        _activate_grammar(aligner, keys)
        _run(dec, pcm)
        hyp = dec.hyp()
        found = [] if hyp is None else [w for w in (_base(s.word) for s in dec.seg()) if _is_word(w)]
        if found != keys:
            raise AlignmentFailed(
                "no alignment of the words to this audio was found (they are probably not in it)"
                if hyp is None
                else "the search could not reach the end of the words (they are probably not in this audio)"
            )
        dec.set_alignment()
        _run(dec, pcm)
        out = [
            (name, [(p.name, p.start, p.duration, p.score) for p in word])
            for word in dec.get_alignment()
            if _is_word(name := _base(word.name))
        ]
    except AlignmentFailed:
        raise
    except RuntimeError as exc:  # pocketsphinx reports every failure as RuntimeError
        raise AlignmentFailed(f"pocketsphinx could not align the words: {exc}") from None
    if [w for w, _p in out] != keys:
        raise AlignmentFailed("the phone alignment lost some of the words")
    return out


def _run(dec, pcm: bytes) -> None:
    # The feature computation carries state (the cepstral mean) from one utterance to the
    # next; a fresh one per pass makes each result independent of the calls before it.
    dec.reinit_feat()
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()


def _activate_grammar(aligner: _Aligner, keys: list[str]) -> None:
    """The words in order; optional silence between and around them; a loop of free phones
    at both ends (other speech at the edges of the span)."""
    dec = aligner.decoder
    n = len(keys)
    transitions = [(i, i + 1, 1.0, key) for i, key in enumerate(keys)]
    for state in (0, n):
        transitions += [(state, state, GARBAGE_PROB, _GARBAGE_PREFIX + p.lower()) for p in GARBAGE_PHONES]
    # Two names in turn: adding a search under a name replaces (frees) the one before it,
    # never the one just used (the phone alignment of the last call refers to it).
    aligner.searches += 1
    name = f"duet_align{aligner.searches % 2}"
    fsg = dec.create_fsg(name, 0, n, transitions)
    for state in range(n + 1):
        fsg.add_silence("<sil>", state, SILENCE_PROB)
        for filler in ("[NOISE]", "[SPEECH]"):
            fsg.add_silence(filler, state, NOISE_PROB)
    dec.add_fsg(name, fsg)
    dec.activate_search(name)


def _is_word(name: str) -> bool:
    return name not in _FILLERS and not name.startswith(_GARBAGE_PREFIX)


def _base(word: str) -> str:
    """A dictionary word without its alternate-pronunciation mark: "the(2)" -> "the"."""
    return word.split("(", 1)[0] if word.endswith(")") else word


def _confidence(nats_per_frame: float) -> float:
    z = (nats_per_frame - CONFIDENCE_MID) / CONFIDENCE_WIDTH
    return float(1.0 / (1.0 + math.exp(min(60.0, max(-60.0, z)))))


def _build_span(aligner: _Aligner, raw: _Raw, entries: list, offset: float) -> AlignedSpan:
    shift = offset + BOUNDARY_SHIFT_S
    words: list[AlignedWord] = []
    total_cost = 0.0
    total_frames = 0
    for (index, text, _key, phones, from_dict), (_name, aligned) in zip(entries, raw, strict=True):
        names = [p for p, _f, _n, _s in aligned]
        # The decoder may have used another of the dictionary's pronunciations: take the
        # stress of the one it used (the letter-to-sound stress when it is that one).
        if names == [p for p, _s in phones]:
            stress = [s for _p, s in phones]
        else:
            stress = lts.guess_stress(names, function_word=text.lower() in lts.FUNCTION_WORDS)
        out = []
        cost = 0.0
        frames = 0
        for (name, first, n, score), st in zip(aligned, stress, strict=True):
            start, end = first * FRAME_S + shift, (first + n) * FRAME_S + shift
            out.append(AlignedPhone(to_ipa(name, st), name, start, end, st))
            cost -= score * aligner.nats_per_unit
            frames += n
        words.append(
            AlignedWord(
                text,
                out[0].start,
                out[-1].end,
                tuple(out),
                from_dict,
                _confidence(cost / max(frames, 1)),
                index,
            )
        )
        total_cost += cost
        total_frames += frames
    confidence = _confidence(total_cost / max(total_frames, 1))
    return AlignedSpan(tuple(words), confidence, words[0].start, words[-1].end)
