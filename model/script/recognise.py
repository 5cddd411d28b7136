"""English words recognised in a recording without a transcript: recognise, align, filter.

    words = recognise_and_align(audio16k)     # [AlignedWord(word, cost, agreement, ..., phones)]
    trusted = [w for w in words if w.accepted]
    phones = recognised_phones(trusted, speaking, fps)   # {role: take.RolePhones} for the lips

pocketsphinx (bundled with the extension for scripts) recognises the recording with its US
English language model and dictionary, then aligns the recognised words to the audio phone by
phone (its state alignment) and scores each word: the mean acoustic cost per frame of the word's
phones, in nats, relative to the best senone of each frame (pocketsphinx normalises every frame's
scores that way). A word whose phones fit the sound costs ~0.5-1.5 nats per frame; a word forced
onto other sounds costs 2-10. A second, independent reading of the same audio is a free phone
loop (pocketsphinx's allphone search with its phone language model): each frame gets the mouth
class (`MOUTH_CLASS`: bilabial, labiodental, rounded, open, spread, dental, other) of both
readings. Recognition is noisy (about 40 % of words wrong on the readings checked), so only words
that pass all of:

- cost <= ACCEPT_COST_NATS (1.6) per frame,
- the phone loop agrees on the mouth class on >= MIN_AGREEMENT (0.5) of the word's frames,
- every p/b/m of the word meets a p/b/m of the phone loop within 20 ms (no invented seals),
- at most MAX_PHONE_S (0.35 s) for any phone (a phone stretched over a pause or a missed word),

are trusted. A recognised word that is wrong but passes has phones that fit the sound (that is
what the cost measures), which is what the mouth needs. Stress is not in pocketsphinx's
dictionary: `guess_stress` marks the first full vowel of a content word (a simple rule; the
teacher's coarticulation uses stress for jaw gain).

Two users: training (model/training/real_align.py: lip targets for real readings, cached) and
takes (generate(recognise_words=True): the lips of English speech where no script is given).
Deterministic: pocketsphinx's search has no randomness.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .english import ARPABET_TO_IPA, UNSTRESSED_IPA, to_ipa
from .letter_to_sound import VOWELS as ARPABET_VOWELS

SR = 16000
FRAME_S = 0.01
# A boundary between pocketsphinx frames k-1 and k lies between their window centres
# (25.6 ms windows every 10 ms).
BOUNDARY_SHIFT_S = 0.025625 / 2 - FRAME_S / 2
ACCEPT_COST_NATS = 1.6
MIN_AGREEMENT = 0.5
MAX_PHONE_S = 0.35
BILABIAL_SLACK_FRAMES = 2
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


# ----------------------------------------------------------------------------- takes

# A word belongs to the role that speaks over it: its mean speaking probability at least this,
# the other role's below it (words in overlaps stay with the network).
WORD_SPEAKER_MIN = 0.5
# The teacher's mouth covers each trusted word and eases into the network's over this much on
# either side: the neighbouring words, unrecognised, keep the network's mouth.
WORD_RAMP_S = 0.04


# Takes are recognised in pieces: progress and cancelling between pieces, bounded memory, and a
# search that does not grow with the take. Each piece reads a margin of the next and the last,
# and keeps the words whose middle lies in its own part.
CHUNK_S = 30.0
CHUNK_MARGIN_S = 2.0


def shifted(word: AlignedWord, seconds: float) -> AlignedWord:
    """The word with its phones `seconds` later."""
    phones = tuple(
        AlignedPhone(p.arpabet, p.ipa, p.stress, round(p.start + seconds, 4), round(p.end + seconds, 4))
        for p in word.phones
    )
    return AlignedWord(word.word, word.cost, word.agreement, word.bilabials_confirmed, phones)


def recognise_take(audio16k: np.ndarray, progress=None) -> list[AlignedWord]:
    """recognise_and_align over a take of any length, piece by piece (CHUNK_S); progress(fraction)
    is called after each piece (an exception it raises stops the work)."""
    n = len(audio16k)
    size, margin = int(CHUNK_S * SR), int(CHUNK_MARGIN_S * SR)
    out: list[AlignedWord] = []
    starts = range(0, max(n, 1), size)
    for k, s in enumerate(starts):
        e = min(n, s + size)
        a, b = max(0, s - margin), min(n, e + margin)
        for w in recognise_and_align(audio16k[a:b]):
            w = shifted(w, a / SR)
            if s / SR <= 0.5 * (w.start + w.end) < e / SR or (e == n and 0.5 * (w.start + w.end) >= e / SR):
                out.append(w)
        if progress is not None:
            progress((k + 1) / len(starts))
    return out


def recogniser_available() -> bool:
    """pocketsphinx and its English model load (the extension bundles them per platform)."""
    try:
        _recogniser()
    except (ImportError, OSError, RuntimeError):  # no wheel or model: takes go on without words
        return False
    return True


def words_by_role(
    words: Sequence[AlignedWord], speaking: np.ndarray, fps: float, role: int | None = None
) -> list[list[AlignedWord]]:
    """The trusted words of each role [A's, B's]. speaking: (F, 2) probabilities at `fps`.
    role: the words' role when known (a character's own stem); otherwise each word goes to the
    role that speaks over it alone, and words nobody or both speak over are left out."""
    out: list[list[AlignedWord]] = [[], []]
    n = len(speaking)
    for w in words:
        if not w.accepted:
            continue
        i0 = max(0, int(w.start * fps))
        if i0 >= n:  # past the end of the take
            continue
        i1 = min(n, max(i0 + 1, int(math.ceil(w.end * fps))))
        level = np.asarray(speaking[i0:i1], dtype=np.float64).mean(axis=0)
        if role is not None:
            if level[role] >= WORD_SPEAKER_MIN:
                out[role].append(w)
            continue
        talking = level >= WORD_SPEAKER_MIN
        if talking.sum() == 1:
            out[int(np.argmax(talking))].append(w)
    return out


def role_phones(words: Sequence[AlignedWord]):
    """One role's trusted words as take.RolePhones (spans: the words)."""
    from .take import RolePhones

    phones = [p for w in words for p in w.phones]
    return RolePhones(
        ipa=tuple(p.ipa for p in phones),
        start=tuple(p.start for p in phones),
        end=tuple(p.end for p in phones),
        stress=tuple(p.stress for p in phones),
        spans=tuple((w.start, w.end) for w in words),
    )
