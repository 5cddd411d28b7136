"""Where each script line is spoken, from what it says: the whole script's phones aligned to the
lip reader's per-frame mouth classes.

Placement (placement.py) reads pauses, line lengths and the voices. On real voices that the voice
vectors do not tell apart, and in quick exchanges whose pauses inside a turn are as long as those
between turns, nothing there says where one line ends and the next begins. What the lines say
does: the script's phones, in order, are one left-to-right chain (read_lines.best_path: each phone
at least its minimum length, a pause allowed after each word), aligned over the whole take to the
lip reader's probabilities (lips/lip_reader.py, trained on real voices, any language). Each line's
span is then where its phones fell, and how well they fit says whether to trust it: a line that
is not in the audio, or a script of another take, fits far worse than the reader's free reading.

On a mix each line's phones also lean towards its character's voice (a first placement's voice
evidence), so the chain does not drift onto the partner's lines where a language's letters fit
its sounds loosely. The spans become soft hints of the placement (placement.LineSpec.content_start/end),
which still weighs them against voices, pauses and lengths. A line without phones (a writing system no source
reads) is a stretch of any mouth shape, at least a short time per syllable. Long takes are aligned
block by block, cut in the pauses of a first placement. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from ..lips import mouth_classes as mc
from . import read_lines
from .read_lines import LinePhone

# A line whose phones fit the reader this much worse (nats per frame) than its free reading over
# the same frames is not trusted to be there (chosen on development takes: tools/probe_exchanges.py
# --script, tools/script_frames.py --corpus corpus/full --split validation).
MAX_FIT_LOSS = 1.2
# ... and only where the reader hears mouth shapes clearly (the geometric mean of its top
# probability over the line's frames; 0.53-0.84 a script on development speech, about 0.2 on a
# buzz or noise, where any phones fit its flat reading).
MIN_CLARITY = 0.35
# Phones squeezed into less than this share of the line's expected length (its syllables at the
# take's pace) were not heard there: a backchannel spoken under the partner's line, or a line
# not in the audio, passed over by the chain in a few frames.
MIN_LENGTH_SHARE = 0.4
ANY_MOUTH = mc.N_CLASSES  # the chain's extra class: a line without phones
ANY_MOUTH_PENALTY = 0.5  # nats per frame under the free reading, for a line without phones
ANY_MOUTH_FRAMES_PER_SYLLABLE = 4  # its shortest length: 80 ms a syllable at 50 fps
ROLE_WEIGHT = 1.0  # nats a frame, times the voice's lean towards the line's character (a mix)
MAX_CELLS = 40_000_000  # frames x states of one block (its trace-back table is bytes)
# A whole script's fit: the median of its lines' fit losses. On development takes (corpus/full's
# validation mixes and tools/probe_exchanges.py's real voices, each with its own script and with
# another take's of the same language) correct scripts lay at 0.24-1.20, wrong ones at 1.19 and above.
SCRIPT_FITS = 0.75  # at most this: the script is this take's, whatever else says
SCRIPT_DOUBT = 1.4  # above this: a doubt (take._set_aside_reason)
SCRIPT_MIN_LINES = 4  # fewer lines with phones say too little
SCRIPT_MIN_CLARITY = 0.45  # the lines' median clarity: below, the fit says nothing


@dataclass(frozen=True)
class ContentSpan:
    """Where a line's phones fell (seconds), and how much worse than the free reading they fit."""

    start: float
    end: float
    fit_loss: float
    clarity: float = 1.0  # how clearly the reader hears mouth shapes there (MIN_CLARITY)

    @property
    def trusted(self) -> bool:
        return self.fit_loss <= MAX_FIT_LOSS and self.clarity >= MIN_CLARITY

    def heard(self, expected_s: float) -> bool:
        """Trusted, and not squeezed far below the line's expected length (seconds)."""
        return self.trusted and self.end - self.start >= MIN_LENGTH_SHARE * expected_s


def _chain(
    phones: Sequence[Sequence[LinePhone] | None], syllables: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One chain of states for the lines in order: (class, may stay, may be skipped, line (-1: a
    pause)); class ANY_MOUTH is a line without phones."""
    cls: list[int] = [mc.SILENCE]
    stay: list[bool] = [True]
    skip: list[bool] = [True]
    line: list[int] = [-1]
    for k, ph in enumerate(phones):
        if ph:
            c, st, sk, owner = read_lines.chain_states(ph)
            c, st, sk, owner = c[1:], st[1:], sk[1:], owner[1:]  # its leading pause: the one before
            cls += c.tolist()
            stay += st.tolist()
            skip += sk.tolist()
            line += np.where(owner >= 0, k, -1).tolist()
        else:
            n = max(1, int(syllables[k])) * ANY_MOUTH_FRAMES_PER_SYLLABLE
            cls += [ANY_MOUTH] * n + [mc.SILENCE]
            stay += [False] * (n - 1) + [True, True]
            skip += [False] * n + [True]
            line += [k] * n + [-1]
    return np.array(cls), np.array(stay), np.array(skip), np.array(line)


def _align_block(
    logp: np.ndarray,
    phones: Sequence[Sequence[LinePhone] | None],
    syllables: Sequence[int],
    fps: float,
    roles: Sequence[int] | None = None,
    lean: np.ndarray | None = None,
) -> list[ContentSpan | None]:
    """The lines' spans in one block of frames (seconds from the block's start)."""
    cls, stay, skip, line = _chain(phones, syllables)
    if len(logp) * len(cls) > MAX_CELLS or len(logp) < int((~skip).sum()):
        return [None] * len(phones)
    free = logp.max(axis=1)
    scored = np.concatenate([logp, (free - ANY_MOUTH_PENALTY)[:, None]], axis=1)
    search, search_cls = scored, cls
    if roles is not None and lean is not None:
        # A's lines' phones score the voice's lean towards A, B's away from it, pauses neither:
        # three copies of the classes, one per kind of state.
        bonus = ROLE_WEIGHT * np.asarray(lean, dtype=np.float64)[:, None]
        search = np.concatenate([scored + bonus, scored - bonus, scored], axis=1)
        kind = np.where(line >= 0, np.asarray(roles)[np.maximum(line, 0)], 2)
        search_cls = cls + scored.shape[1] * kind
    got = read_lines.best_path(search, search_cls, stay, skip)
    if got is None:
        return [None] * len(phones)
    states, _ = got
    owner = line[states]
    fit = scored[np.arange(len(states)), cls[states]]
    out: list[ContentSpan | None] = []
    for k in range(len(phones)):
        frames = np.flatnonzero(owner == k)  # its phones' frames, not the pauses between its words
        if not len(frames):
            out.append(None)
            continue
        a, b = int(frames[0]), int(frames[-1]) + 1
        loss = float(np.mean(free[frames] - fit[frames]))
        out.append(ContentSpan(a / fps, b / fps, loss, float(np.exp(np.mean(free[frames])))))
    return out


def script_fit(spans: Sequence[ContentSpan | None]) -> float | None:
    """The median fit loss of the lines that have spans; None when too few do, or when the reader
    hears their mouth shapes too faintly for a fit to mean anything."""
    got = [s for s in spans if s is not None]
    if len(got) < SCRIPT_MIN_LINES or float(np.median([s.clarity for s in got])) < SCRIPT_MIN_CLARITY:
        return None
    return float(np.median([s.fit_loss for s in got]))


def content_spans(
    probs: np.ndarray,
    phones: Sequence[Sequence[LinePhone] | None],
    syllables: Sequence[int],
    fps: float,
    guide: Sequence[tuple[float, float] | None] | None = None,
    roles: Sequence[int] | None = None,
    lean: np.ndarray | None = None,
) -> list[ContentSpan | None]:
    """Each line's span in the take from its phones (None: no phones anywhere, or no room).

    probs: the lip reader's (F, N_CLASSES) probabilities at `fps` (of the mix, or of the stem of
    the lines' character); phones: each line's (None: a line no source reads); syllables: each
    line's count (the length of a line without phones); guide: a first placement's spans of the
    lines (seconds), to cut a long take into blocks in the pauses between lines; roles (0 = A,
    1 = B) and lean (F,) in -1..1, how much the voice sounds like A (+) or B (-) (a mix's voice
    evidence): a line's phones are then drawn to its character's voice (ROLE_WEIGHT), so that a
    chain that fits one language's letters loosely does not drift onto the partner's lines.
    """
    n_lines = len(phones)
    if n_lines == 0 or not any(phones) or len(probs) == 0:
        return [None] * n_lines
    logp = np.log(np.maximum(np.asarray(probs, dtype=np.float64), 1e-9))
    out: list[ContentSpan | None] = []
    for first, last, a, b in _blocks(len(logp), phones, syllables, fps, guide):
        got = _align_block(
            logp[a:b],
            phones[first:last],
            syllables[first:last],
            fps,
            None if roles is None else roles[first:last],
            None if lean is None else np.asarray(lean)[a:b],
        )
        shift = a / fps
        out += [None if g is None else replace(g, start=g.start + shift, end=g.end + shift) for g in got]
    return out


def _blocks(
    n_frames: int,
    phones: Sequence[Sequence[LinePhone] | None],
    syllables: Sequence[int],
    fps: float,
    guide: Sequence[tuple[float, float] | None] | None,
) -> list[tuple[int, int, int, int]]:
    """(first line, end line, first frame, end frame) of each block: the whole take when it fits
    MAX_CELLS, else cut between lines the guide placed apart (in the middle of their gap) so
    that each block holds about MAX_CELLS / 4 cells."""
    states = [len(_chain([ph], [syl])[0]) for ph, syl in zip(phones, syllables, strict=True)]
    if n_frames * (sum(states) + 1) <= MAX_CELLS or guide is None:
        return [(0, len(phones), 0, n_frames)]
    cuts: list[tuple[int, int]] = []  # (first line of the next block, frame)
    budget = MAX_CELLS / 4
    start_line, start_frame, held = 0, 0, 0
    last_end = None
    for k in range(len(phones)):
        span = guide[k]
        if span is not None and last_end is not None and k > start_line and span[0] > last_end:
            frame = int(round((last_end + span[0]) / 2 * fps))
            if (frame - start_frame) * (held + 1) > budget:
                cuts.append((k, frame))
                start_line, start_frame, held = k, frame, 0
        held += states[k]
        if span is not None:
            last_end = span[1]
    edges = [(0, 0), *cuts, (len(phones), n_frames)]
    return [(a[0], b[0], a[1], b[1]) for a, b in pairwise(edges)]
