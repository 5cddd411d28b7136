"""The lips of a script line whose words were not aligned: its phones read by the lip reader.

pocketsphinx aligns English words on voices like its training speech; on robotic synthetic voices,
in a mix where the partner talks over the line, or in noise, many lines keep their placement but
not their words, and other languages' lines never had words aligned: their lips fell back to the
lip reader's free reading. The script still says
which phones the line holds, in order. Here the lip reader's per-frame mouth-class probabilities
(lips/lip_reader.py) over the line's span are aligned to that sequence (a left-to-right Viterbi
search, each phone at least its minimum length, a pause allowed between words), and each phone
takes the frames its classes were given. The free reading guesses which mouth is made; the
constrained one only decides when: a p/b/m the line holds is not missed, and none is invented.

The phones come from the caller (take.read_unaligned_lines: English through the bundled dictionary,
other languages through latin_letters.py, kana.py, hanzi.py). The same search (best_path) labels
Fish Fillets' lines for the lip reader's training (training/fillets_phones.py). Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..lips import mouth_classes as mc
from ..lips import phones as ph

MIN_FRAMES_VOWEL = 2  # 40 ms at 50 fps
MIN_FRAMES_BILABIAL = 2  # a seal shorter than 40 ms is not seen
MIN_FRAMES_OTHER = 1
# A line whose constrained reading fits the lip reader this much worse (nats per frame) than its
# free reading does not sound like its text: its lips stay the free reading's.
MAX_FIT_LOSS = 1.0
PAD_S = 0.1  # the line's span is read this much wider: a placement may cut a first or last phone


@dataclass(frozen=True)
class LinePhone:
    ipa: str
    stress: int
    classes: tuple[int, ...]  # the mouth class of each of its sub-phones, in order
    word_end: bool  # a pause may follow


@dataclass(frozen=True)
class ReadPhones:
    """Timed phones (seconds) of one line, and how much worse the constrained reading fits."""

    ipa: tuple[str, ...]
    start: tuple[float, ...]
    end: tuple[float, ...]
    stress: tuple[int, ...]
    fit_loss: float


def line_phones(words: Sequence[Sequence[tuple[str, int]]]) -> list[LinePhone]:
    """The phones of a line from its words' (IPA, stress) pronunciations."""
    out: list[LinePhone] = []
    for word in words:
        for k, (ipa, stress) in enumerate(word):
            info = ph.phone_info(ipa)
            classes = tuple(mc.subphone_class(part) for part in info.parts)
            out.append(LinePhone(ipa, int(stress), classes, k == len(word) - 1))
    return out


def _min_frames(cls: int) -> int:
    if cls == mc.BILABIAL:
        return MIN_FRAMES_BILABIAL
    return MIN_FRAMES_VOWEL if cls in mc.VOWEL_CLASSES else MIN_FRAMES_OTHER


def chain_states(phones: Sequence[LinePhone]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The search's states: (class, may stay, may be skipped, owning phone (-1: a pause)).

    A leading pause, then each phone's sub-phone classes as chains of their minimum length (only
    the last state of a chain may stay), and after each word an optional pause."""
    cls, stay, skip, owner = [mc.SILENCE], [True], [True], [-1]
    for p, phone in enumerate(phones):
        for c in phone.classes:
            n = _min_frames(c)
            cls += [c] * n
            stay += [False] * (n - 1) + [True]
            skip += [False] * n
            owner += [p] * n
        if phone.word_end:
            cls.append(mc.SILENCE)
            stay.append(True)
            skip.append(True)
            owner.append(-1)
    return np.array(cls), np.array(stay), np.array(skip), np.array(owner)


def best_path(
    logp: np.ndarray, classes: np.ndarray, stay: np.ndarray, skippable: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """The most likely path through a left-to-right chain of states: (F,) the state of each frame
    and the path's mean log-probability per frame; None when no path fits (fewer frames than
    states that must be visited).

    logp: (F, C) log-probability of each frame in each class; classes: (S,) the class each state
    emits (frame t in state s scores logp[t, classes[s]]; a whole take's chain is too long for an
    (F, S) table); stay: (S,) a state may last more than one frame; skippable: (S,) a state may be
    passed over (a pause). The path starts in the first state or the second when the first is
    skippable, and ends in the last or the one before it when the last is skippable. Ties prefer
    staying, then moving one state on."""
    n, n_states = len(logp), len(classes)
    if n == 0 or n_states == 0:
        return None
    neg = -np.inf
    score = np.full(n_states, neg)
    score[0] = logp[0, classes[0]]
    if skippable[0] and n_states > 1:
        score[1] = logp[0, classes[1]]
    back = np.zeros((n, n_states), dtype=np.int8)  # 0 stay, 1 from the previous state, 2 skip one
    over = np.zeros(n_states, dtype=bool)
    over[2:] = skippable[1:-1]  # state s-1 may be passed over to reach s
    for t in range(1, n):
        held = np.where(stay, score, neg)
        moved = np.concatenate([[neg], score[:-1]])
        jumped = np.where(over, np.concatenate([[neg, neg], score[:-2]]), neg)[:n_states]
        best = np.maximum(held, np.maximum(moved, jumped))
        back[t] = np.where(best == held, 0, np.where(best == moved, 1, 2))
        score = best + logp[t, classes]
    last = n_states - 1
    end = last if not skippable[last] or n_states < 2 or score[last] >= score[last - 1] else last - 1
    if not np.isfinite(score[end]):
        return None
    path = np.empty(n, dtype=np.int64)
    s = end
    for t in range(n - 1, -1, -1):
        path[t] = s
        s -= int(back[t, s])
    return path, float(score[end]) / n


def align(logp: np.ndarray, phones: Sequence[LinePhone]) -> tuple[np.ndarray, float] | None:
    """(F,) the phone (-1: a pause) of each frame, and the path's mean log-probability; None when
    the span is too short for the line."""
    cls, stay, skip, owner = chain_states(phones)
    if not len(phones) or len(logp) < int((~skip).sum()):
        return None
    got = best_path(logp, cls, stay, skip)
    if got is None:
        return None
    states, fit = got
    return owner[states], fit


def read_line(
    probs: np.ndarray, phones: Sequence[LinePhone], start: float, end: float, fps: float
) -> ReadPhones | None:
    """The line's phones timed over [start - PAD_S, end + PAD_S) seconds of the lip reader's
    probabilities (F, N_CLASSES) at `fps`; None when the span cannot hold them."""
    n = len(probs)
    a = int(np.clip(np.floor((start - PAD_S) * fps), 0, n))
    b = int(np.clip(np.ceil((end + PAD_S) * fps), a, n))
    logp = np.log(np.maximum(np.asarray(probs[a:b], dtype=np.float64), 1e-9))
    got = align(logp, phones)
    if got is None:
        return None
    path, fit = got
    free = float(logp.max(axis=1).mean())
    ipa, t0, t1, stress = [], [], [], []
    for p, phone in enumerate(phones):
        frames = np.flatnonzero(path == p)
        if not len(frames):
            continue
        ipa.append(phone.ipa)
        t0.append((a + int(frames[0])) / fps)
        t1.append((a + int(frames[-1]) + 1) / fps)
        stress.append(phone.stress)
    return ReadPhones(tuple(ipa), tuple(t0), tuple(t1), tuple(stress), free - fit)
