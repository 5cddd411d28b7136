"""Phones of real English readings that come without a transcript: recognise, align, filter.

    words = recognise_and_align(audio16k)     # [AlignedWord(word, start, end, cost, phones)]
    trusted = [w for w in words if w.accepted]
    cache = AlignmentCache.build(readings, path, workers=2)   # once per corpus; JSON, reused

LibriSpeech's train-clean-100 readings here have no transcripts. pocketsphinx (PyPI, training
only) recognises each reading with its bundled US English language model and dictionary, then
aligns the recognised words to the audio phone by phone (its state alignment) and scores each
word: the mean acoustic cost per frame of the word's phones, in nats, relative to the best
senone of each frame (pocketsphinx normalises every frame's scores that way). A word whose
phones fit the sound costs ~0.5-1.5 nats per frame; a word forced onto other sounds costs 2-10.
A second, independent reading of the same audio is a free phone loop (pocketsphinx's allphone
search with its phone language model): each frame gets the mouth class (`MOUTH_CLASS`:
bilabial, labiodental, rounded, open, spread, dental, other) of both readings. Recognition is
noisy (about 40 % of words wrong on the readings checked), so only words that pass all of:

- cost <= ACCEPT_COST_NATS (1.6) per frame,
- the phone loop agrees on the mouth class on >= MIN_AGREEMENT (0.5) of the word's frames,
- every p/b/m of the word meets a p/b/m of the phone loop within 20 ms (no invented seals),
- at most MAX_PHONE_S (0.35 s) for any phone (a phone stretched over a pause or a missed word),

are trusted for lip targets; docs/CORPUS.md gives the shares kept. A recognised word that
is wrong but passes has phones that fit the sound (that is what the cost measures), which is
what the mouth needs. Stress is not in pocketsphinx's dictionary: `guess_stress` marks the
first full vowel of a content word (a simple rule; the teacher uses stress for jaw gain).

Deterministic: pocketsphinx's search has no randomness; the cache stores every word and the
sha256 of the audio it came from.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..script.english import ARPABET_TO_IPA, UNSTRESSED_IPA, to_ipa
from ..script.letter_to_sound import VOWELS as ARPABET_VOWELS

SR = 16000
FRAME_S = 0.01
# A boundary between pocketsphinx frames k-1 and k lies between their window centres
# (25.6 ms windows every 10 ms).
BOUNDARY_SHIFT_S = 0.025625 / 2 - FRAME_S / 2
ACCEPT_COST_NATS = 1.6
MIN_AGREEMENT = 0.5
MAX_PHONE_S = 0.35
BILABIAL_SLACK_FRAMES = 2
CACHE_VERSION = 1
_FILLER_PREFIXES = ("<", "[", "+")

MOUTH_CLASS = {
    p: cls
    for cls, phones in {
        "bilabial": "P B M",
        "labiodental": "F V",
        "rounded": "UW UH OW AO W OY R ER",
        "open": "AA AE AH AY AW EH",
        "spread": "IY IH EY Y",
        "dental": "TH DH",
    }.items()
    for p in phones.split()
}


def mouth_class(arpabet: str) -> str:
    """The coarse mouth shape of an ARPAbet phone ('sil' for silence and fillers)."""
    if arpabet in MOUTH_CLASS:
        return MOUTH_CLASS[arpabet]
    return "other" if arpabet in ARPABET_TO_IPA else "sil"


# Words that carry no lexical stress in running speech.
FUNCTION_WORDS = frozenset(
    "a an the and or but of to in on at by for with from as is are was were be been am it its "
    "he she they we you i me him her them us his their our your my that this than then there "
    "not no so if do does did has have had will would can could shall should may might must "
    "up out into over about".split()
)


@dataclass(frozen=True)
class AlignedPhone:
    arpabet: str
    ipa: str
    stress: int
    start: float
    end: float


@dataclass(frozen=True)
class AlignedWord:
    word: str
    cost: float  # mean nats per frame of its phones, relative to each frame's best senone
    agreement: float  # share of its frames whose mouth class the free phone loop agrees on
    bilabials_confirmed: bool  # each p/b/m meets a p/b/m of the phone loop
    phones: tuple[AlignedPhone, ...]

    @property
    def start(self) -> float:
        return self.phones[0].start

    @property
    def end(self) -> float:
        return self.phones[-1].end

    @property
    def accepted(self) -> bool:
        """Trusted for lip targets (see the module doc)."""
        return (
            bool(self.phones)
            and self.cost <= ACCEPT_COST_NATS
            and self.agreement >= MIN_AGREEMENT
            and self.bilabials_confirmed
            and max(p.end - p.start for p in self.phones) <= MAX_PHONE_S
        )


def guess_stress(arpabet: Sequence[str], word: str) -> list[int]:
    """1 on the first vowel of a content word that is not a weak AH/ER (else its first vowel)."""
    stress = [0] * len(arpabet)
    if word.lower() in FUNCTION_WORDS:
        return stress
    vowels = [i for i, p in enumerate(arpabet) if p in ARPABET_VOWELS]
    if not vowels:
        return stress
    full = [i for i in vowels if arpabet[i] not in UNSTRESSED_IPA]
    stress[(full or vowels)[0]] = 1
    return stress


# ----------------------------------------------------------------------------- pocketsphinx


class _Recogniser:
    """One pocketsphinx decoder: language-model search for recognition, state alignment after."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        root = get_model_path()
        hmm = os.path.join(root, "en-us", "en-us")
        dictionary = os.path.join(root, "en-us", "cmudict-en-us.dict")
        lm = os.path.join(root, "en-us", "en-us.lm.bin")
        for p in (hmm, dictionary, lm):
            if not os.path.exists(p):
                raise RuntimeError(f"pocketsphinx's English model is missing ({p}); reinstall pocketsphinx")
        self.decoder = Decoder(hmm=hmm, dict=dictionary, lm=lm, samprate=SR, loglevel="FATAL")
        phone_lm = os.path.join(root, "en-us", "en-us-phone.lm.bin")
        self.phone_loop = Decoder(
            hmm=hmm,
            allphone=phone_lm,
            lw=2.0,
            pip=0.3,
            beam=1e-20,
            pbeam=1e-20,
            samprate=SR,
            loglevel="FATAL",
        )
        self.lm_search = self.decoder.current_search()
        # Alignment scores are log-base units shifted right by 10 bits (SENSCR_SHIFT).
        self.nats_per_unit = math.log(float(self.decoder.config["logbase"])) * (1 << 10)

    def _pass(self, pcm: bytes, decoder=None) -> None:
        dec = decoder or self.decoder
        dec.start_utt()
        dec.process_raw(pcm, full_utt=True)
        dec.end_utt()

    def _phone_loop_classes(self, pcm: bytes, n_frames: int) -> np.ndarray:
        """Mouth class per frame of the free phone loop's best path."""
        self._pass(pcm, self.phone_loop)
        labels = np.full(n_frames, "sil", dtype=object)
        for s in self.phone_loop.seg():
            labels[max(0, s.start_frame) : s.end_frame + 1] = mouth_class(s.word)
        return labels

    def run(self, audio16k: np.ndarray) -> list[AlignedWord]:
        dec = self.decoder
        pcm = (np.clip(np.asarray(audio16k, np.float64), -1.0, 1.0) * 32767.0).round().astype(np.int16)
        pcm_bytes = pcm.tobytes()
        dec.activate_search(self.lm_search)
        self._pass(pcm_bytes)
        if dec.hyp() is None:
            return []
        words = [s.word.split("(", 1)[0] for s in dec.seg() if not s.word.startswith(_FILLER_PREFIXES)]
        if not words:
            return []
        try:
            dec.set_align_text(" ".join(words))
            self._pass(pcm_bytes)
            dec.set_alignment()
            self._pass(pcm_bytes)
            alignment = dec.get_alignment()
        except RuntimeError:
            return []
        if alignment is None:
            return []
        loop = self._phone_loop_classes(pcm_bytes, len(pcm) // 160 + 2)
        out = []
        for w in alignment:
            name = w.name.split("(", 1)[0]
            if name.startswith(_FILLER_PREFIXES):
                continue
            segs = [(p.name, int(p.start), int(p.duration), int(p.score)) for p in w]
            segs = [s for s in segs if s[0] in ARPABET_TO_IPA]
            if not segs:
                continue
            frames = sum(s[2] for s in segs)
            cost = -sum(s[3] for s in segs) * self.nats_per_unit / max(frames, 1)
            stress = guess_stress([s[0] for s in segs], name)
            phones = tuple(
                AlignedPhone(
                    p,
                    to_ipa(p, st),
                    st,
                    round(first * FRAME_S + BOUNDARY_SHIFT_S, 4),
                    round((first + n) * FRAME_S + BOUNDARY_SHIFT_S, 4),
                )
                for (p, first, n, _score), st in zip(segs, stress, strict=True)
            )
            agree = []
            confirmed = True
            for p, first, n, _score in segs:
                frames = loop[first : first + n]
                agree += [lab == mouth_class(p) for lab in frames]
                if mouth_class(p) == "bilabial":
                    near = loop[max(0, first - BILABIAL_SLACK_FRAMES) : first + n + BILABIAL_SLACK_FRAMES]
                    confirmed = confirmed and bool(np.any(near == "bilabial"))
            agreement = float(np.mean(agree)) if agree else 0.0
            out.append(AlignedWord(name, round(float(cost), 4), round(agreement, 4), confirmed, phones))
        return out


@lru_cache(maxsize=1)
def _recogniser() -> _Recogniser:
    return _Recogniser()


def recognise_and_align(audio16k: np.ndarray) -> list[AlignedWord]:
    """Recognised words of an English reading with their phones and costs (see the module doc)."""
    return _recogniser().run(audio16k)


# ----------------------------------------------------------------------------- cache


def audio_sha256(audio16k: np.ndarray) -> str:
    """Digest of the decoded samples (float32), not of the file: a re-encoded reading keeps it."""
    return hashlib.sha256(np.ascontiguousarray(audio16k, dtype=np.float32).tobytes()).hexdigest()


def _word_row(w: AlignedWord) -> list:
    phones = [[p.arpabet, p.ipa, p.stress, p.start, p.end] for p in w.phones]
    return [w.word, w.cost, w.agreement, w.bilabials_confirmed, phones]


def _word_from_row(row: list) -> AlignedWord:
    word, cost, agreement, confirmed, phones = row
    return AlignedWord(
        str(word),
        float(cost),
        float(agreement),
        bool(confirmed),
        tuple(AlignedPhone(str(a), str(i), int(s), float(t0), float(t1)) for a, i, s, t0, t1 in phones),
    )


def _align_job(path: str) -> tuple[str, str, float, list]:
    from .real_sources import read_audio16k

    audio = read_audio16k(Path(path))
    return path, audio_sha256(audio), len(audio) / SR, [_word_row(w) for w in recognise_and_align(audio)]


class AlignmentCache:
    """Recognised and aligned words per reading (file name -> words), stored as JSON."""

    def __init__(self, rows: dict[str, dict]) -> None:
        self.rows = rows

    def words(self, name: str) -> list[AlignedWord] | None:
        row = self.rows.get(name)
        return None if row is None else [_word_from_row(r) for r in row["words"]]

    def save(self, path: Path) -> None:
        doc = {
            "version": CACHE_VERSION,
            "method": "pocketsphinx en-us LM recognition, then state alignment of the recognised words",
            "readings": {k: self.rows[k] for k in sorted(self.rows)},
        }
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> AlignmentCache:
        path = Path(path)
        if not path.is_file():
            return cls({})
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("version") != CACHE_VERSION:
            return cls({})
        return cls(dict(doc["readings"]))

    @classmethod
    def build(
        cls, paths: Sequence[Path], cache_path: Path, *, workers: int = 2, log: Callable = print
    ) -> AlignmentCache:
        """Load the cache and recognise every reading it lacks (saved every 10 readings)."""
        cache = cls.load(cache_path)
        todo = sorted(str(p) for p in paths if Path(p).name not in cache.rows)
        if not todo:
            return cache
        log(f"recognising and aligning {len(todo)} readings with pocketsphinx ({workers} workers) ...")
        ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        pool = ctx.Pool(workers) if workers > 1 else None
        jobs = pool.imap(_align_job, todo, chunksize=1) if pool else map(_align_job, todo)
        try:
            for k, (path, sha, seconds, words) in enumerate(jobs):
                cache.rows[Path(path).name] = {"sha256": sha, "seconds": round(seconds, 3), "words": words}
                if (k + 1) % 10 == 0 or k + 1 == len(todo):
                    cache.save(cache_path)
                    log(f"  {k + 1}/{len(todo)} readings aligned")
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        return cache

    def summary(self) -> dict:
        """Words and seconds recognised and accepted (docs/CORPUS.md's filter figures)."""
        n_words = n_acc = 0
        speech_s = acc_s = 0.0
        seconds = 0.0
        for name in self.rows:
            seconds += float(self.rows[name]["seconds"])
            for w in self.words(name) or []:
                n_words += 1
                speech_s += w.end - w.start
                if w.accepted:
                    n_acc += 1
                    acc_s += w.end - w.start
        return {
            "readings": len(self.rows),
            "seconds": round(seconds, 1),
            "words": n_words,
            "accepted_words": n_acc,
            "word_seconds": round(speech_s, 1),
            "accepted_word_seconds": round(acc_s, 1),
            "accept_cost_nats": ACCEPT_COST_NATS,
            "min_agreement": MIN_AGREEMENT,
            "max_phone_s": MAX_PHONE_S,
        }


__all__ = [
    "ACCEPT_COST_NATS",
    "AlignedPhone",
    "AlignedWord",
    "AlignmentCache",
    "audio_sha256",
    "guess_stress",
    "recognise_and_align",
]
