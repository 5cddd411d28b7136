"""Where each line of a script falls in the take: a segmental alignment over voice activity.

The lines are in spoken order, so placing them is a monotonic alignment: line
i occupies frames [start_i, end_i), later lines start no earlier, and the
frames between lines are gaps. A dynamic programme over 10 fps frames picks
the spans that together cost least:

- a line should cover voice (unvoiced frames inside a line cost a little:
  pauses and stop closures are normal), gaps should not (voice left in a gap
  costs more: it is speech the script does not hold);
- a line should sound like its own character: `evidence` (F,) in -1..1 says
  per frame how much the voice sounds like A (+) or B (-); on mixed takes it
  comes from the network's voice vectors, on stems from which stem is louder;
- a line lasts about its syllable count times the take's syllable duration
  (a log-normal prior, so a line twice as long as expected is plausible but
  not free);
- time hints ([0:12] in the script, or subtitle times) pin a line's start and
  end within a tolerance;
- a line may be left out (it is not in the audio, or it is drowned in
  overlap) at a cost that grows with its length; it is then reported.

The search runs at 10 fps in a band around each line's expected position (so
a 1,000-line script on a long take stays fast); the edges are then snapped to
voice at 50 fps. Pure numpy; the caller supplies voice activity and evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..signal import mask_to_spans

FPS = 50.0  # model frames
STEP = 5  # model frames per search frame (10 fps)
GAP_VOICE_COST = 0.7  # per model frame of voice left outside every line
LINE_PAUSE_COST = 0.3  # per unvoiced model frame inside a line
EVIDENCE_WEIGHT = 1.0  # per voiced model frame, times the evidence for the line's role
DURATION_SIGMA = 0.45  # log-normal spread of a line's length around its expectation
DURATION_WEIGHT = 8.0
HINT_TOLERANCE_S = 0.5  # hints (subtitle times, [0:12]) are usually this close
HINT_COST_PER_S = 40.0
CONTENT_TOLERANCE_S = 0.2  # where a line's phones fell (content.py): within this, free ...
CONTENT_COST_PER_S = 40.0  # ... and beyond it, this per second (chosen on development takes)
# An edge later than the phones' costs less: the reader tends to hear a line's phones end early
# (a fading last syllable, a reverberant room), and the next line's first phones then reach back
# over that tail (Fish Fillets' acted lines: tools/probe_exchanges.py --fillets validation).
CONTENT_LATE_COST_PER_S = 10.0  # ... for an edge later than the phones' (a start or an end)
CONTENT_SNAP_S = 0.25  # a placed edge this near where the line's phones begin or end moves there
SKIP_COST_PER_S = 8.0  # leaving a line out costs this per expected second ...
SKIP_COST = 4.0  # ... plus this
MIN_LINE_S = 0.12
# How far a line may land from where its syllables put it: BAND_S, or BAND_SHARE of the take for
# takes of 5-10 minutes; longer takes keep BAND_S so a 1,000-line script stays fast.
BAND_S = 30.0
BAND_SHARE = 0.1
BAND_WIDE_UNTIL_S = 600.0
SYLLABLE_S_DEFAULT = 0.2  # 5 syllables a second, conversational English (used when nothing is voiced)
LOW_CONFIDENCE = 0.35
NOT_FOUND_CONFIDENCE = 0.05  # a span this poor (a sliver of silence, the wrong voice) is no placement
# Interjections: a backchannel ("mm-hm", "oh no") is spoken inside the other character's line,
# but a script lists it after that line. Inside a placed line, a run of voice that clearly
# sounds like the other character is such an interjection.
ISLAND_EVIDENCE = 0.4  # evidence against the line's role, smoothed
ISLAND_MIN_S = 0.1
INTERJECTION_MAX_S = 1.5  # expected length of a line that may be an interjection
INTERJECTION_REACH = 2  # script lines either side in which its line is looked for
# A backchannel under the other's running speech rarely out-sounds it: the voice vectors follow the
# louder voice. There the voice counter hears two voices at once, and the vectors lean towards the
# quieter voice without crossing over. An interjection is also looked for as the stretch of its
# expected length, inside a neighbouring line of the other character, where both show most
# (chosen on development takes: tools/script_frames.py --corpus corpus/full --split validation).
TWO_VOICES_MIN = 0.2  # mean P(two voices at once) over the stretch
LEAN_MIN = 0.15  # the stretch sounds this much more like the interjection's voice than its host line
INSIDE_MARGIN_S = 0.2  # ... and lies this far inside the host (at its edges it is a turn, in order)
UNDER_MAX_SYLLABLES = 4  # "mm-hm", "oh no", "yeah, right": longer lines under a line are rare


@dataclass(frozen=True)
class LineSpec:
    """What placement needs of a script line."""

    role: int  # 0 = A, 1 = B
    syllables: int
    hint_start: float | None = None
    hint_end: float | None = None
    # Where the line's phones fell in the lip reader's reading of the take (content.py): softer
    # than a time hint, it is weighed against voices, pauses and lengths.
    content_start: float | None = None
    content_end: float | None = None


@dataclass(frozen=True)
class PlacedLine:
    index: int  # position in the script's lines
    role: int
    start: float  # seconds; 0 and 0 when not found
    end: float
    found: bool
    confidence: float  # 0..1
    overlapped: bool = False  # placed by its time hints over a neighbouring line


@dataclass(frozen=True)
class Placement:
    lines: tuple[PlacedLine, ...]
    syllable_s: float  # the take's seconds per syllable, as estimated


def _cumsum0(x: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x) + 1)
    np.cumsum(x, out=out[1:])
    return out


def _coarse(x: np.ndarray, n: int) -> np.ndarray:
    """Sum of model-frame values over each search frame (the last one padded)."""
    pad = np.zeros(n * STEP)
    pad[: len(x)] = x
    return pad.reshape(n, STEP).sum(axis=1)


def syllable_seconds(voiced: np.ndarray, lines: Sequence[LineSpec]) -> float:
    """The take's seconds per syllable: voiced time over the script's syllables (+15 % for the
    pauses and stop closures inside lines that an energy VAD counts as silence)."""
    syllables = sum(max(1, line.syllables) for line in lines)
    voiced_s = float(np.count_nonzero(voiced)) / FPS
    if syllables == 0 or voiced_s <= 0.0:
        return SYLLABLE_S_DEFAULT
    return float(np.clip(1.15 * voiced_s / syllables, 0.08, 0.6))


def _expected_frames(lines: Sequence[LineSpec], syllable_s: float) -> np.ndarray:
    return np.array([max(MIN_LINE_S, max(1, ln.syllables) * syllable_s) * FPS for ln in lines])


def _band(
    expected: np.ndarray, voiced: np.ndarray, n_frames: int, lines: Sequence[LineSpec]
) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest search frame at which each line may start.

    A line is expected where the take has spoken the same share of its voice as the script has
    of its syllables before the line (long pauses between scenes do not shift the guess); the
    band reaches BAND_S (or BAND_SHARE of a shorter take) either way, and to the line's time hint.
    """
    cum_voice = np.cumsum(voiced)
    total = float(expected.sum())
    before = np.concatenate([[0.0], np.cumsum(expected)[:-1]]) / max(total, 1e-9)
    if cum_voice.size and cum_voice[-1] > 0:
        centre = np.searchsorted(cum_voice, before * cum_voice[-1], side="left").astype(np.float64)
    else:
        centre = before * n_frames
    half = BAND_S * FPS
    if n_frames < BAND_WIDE_UNTIL_S * FPS:
        half = max(half, BAND_SHARE * n_frames)
    lo = np.clip((centre - half) / STEP, 0, None)
    hi = np.clip((centre + half) / STEP, None, math.ceil(n_frames / STEP))
    for i, line in enumerate(lines):  # a hint widens the band to reach it
        if line.hint_start is not None:
            h = line.hint_start * FPS / STEP
            lo[i] = min(lo[i], max(0.0, h - 2 * HINT_TOLERANCE_S * FPS / STEP))
            hi[i] = max(hi[i], h + 2 * HINT_TOLERANCE_S * FPS / STEP)
    # Bands never move backwards (the lines are in order).
    lo = np.maximum.accumulate(np.floor(lo).astype(np.int64))
    hi = np.maximum.accumulate(np.ceil(hi).astype(np.int64))
    return lo, hi


def _hint_cost(line: LineSpec, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
    cost = np.zeros(np.broadcast(start_s, end_s).shape)
    if line.hint_start is not None:
        cost += HINT_COST_PER_S * np.maximum(0.0, np.abs(start_s - line.hint_start) - HINT_TOLERANCE_S)
    if line.hint_end is not None:
        cost += HINT_COST_PER_S * np.maximum(0.0, np.abs(end_s - line.hint_end) - HINT_TOLERANCE_S)
    for said, at in ((line.content_start, start_s), (line.content_end, end_s)):
        if said is not None:
            late = at - said
            per_s = np.where(late > 0, CONTENT_LATE_COST_PER_S, CONTENT_COST_PER_S)
            cost += per_s * np.maximum(0.0, np.abs(late) - CONTENT_TOLERANCE_S)
    return cost


def _search(
    voiced: np.ndarray, evidence: np.ndarray, lines: Sequence[LineSpec], syllable_s: float
) -> list[tuple[int, int] | None]:
    """The least-cost spans (model frames) of the lines, None for lines left out."""
    n_model = len(voiced)
    n = max(1, math.ceil(n_model / STEP))
    v = voiced.astype(np.float64)
    gap = _cumsum0(_coarse(GAP_VOICE_COST * v, n))
    line_cost = []
    for role in (0, 1):
        sign = 1.0 if role == 0 else -1.0
        per_frame = LINE_PAUSE_COST * (1.0 - v) - EVIDENCE_WEIGHT * sign * evidence * v
        line_cost.append(_cumsum0(_coarse(per_frame, n)))
    expected = _expected_frames(lines, syllable_s)
    lo, hi = _band(expected, voiced, n_model, lines)

    # free[t]: least cost with the lines so far handled and nothing after search frame t yet.
    free = gap.copy()  # no line handled: everything up to t is gap
    back: list[tuple[int, np.ndarray, np.ndarray]] = []
    for i, line in enumerate(lines):
        mu = expected[i] / STEP
        d_min = max(1, int(math.floor(mu / 3.0)))
        d_max = max(d_min + 1, int(math.ceil(mu * 3.0 + 1.0 * FPS / STEP)))
        # Ends e (rows) x durations d (columns): the start is e - d.
        e0 = min(n, int(lo[i]) + d_min)
        e1 = min(n, int(hi[i]) + d_max)
        ends = np.arange(e0, e1 + 1)
        durations = np.arange(d_min, d_max + 1)
        starts = ends[:, None] - durations[None, :]
        valid = (starts >= lo[i]) & (starts <= hi[i])
        starts_c = np.clip(starts, 0, n)
        c = line_cost[line.role]
        cost = free[starts_c] + (c[ends][:, None] - c[starts_c])
        d_s = durations * STEP / FPS
        cost = cost + DURATION_WEIGHT * (np.log(d_s / (mu * STEP / FPS)) ** 2) / (2 * DURATION_SIGMA**2)
        cost = cost + _hint_cost(line, starts_c * STEP / FPS, (ends * STEP / FPS)[:, None])
        cost = np.where(valid, cost, np.inf)
        k = np.argmin(cost, axis=1)
        placed = np.full(n + 1, np.inf)
        placed[e0 : e1 + 1] = cost[np.arange(len(ends)), k]
        skipped = free + SKIP_COST + SKIP_COST_PER_S * mu * STEP / FPS
        done = np.minimum(placed, skipped)
        # Gap after the line: free_next[t] = min_{e<=t} done[e] + gap[t] - gap[e].
        rel = done - gap
        best = np.minimum.accumulate(rel)
        new_min = np.flatnonzero(rel < np.concatenate([[np.inf], best[:-1]])).astype(np.int32)
        took = (placed[e0 : e1 + 1] <= skipped[e0 : e1 + 1]) & np.isfinite(placed[e0 : e1 + 1])
        # Kept for the trace back: the window's chosen durations and choices, and where the
        # running minimum moved (sparse: a full-length array per line would not fit long takes).
        back.append((e0, np.where(took, durations[k], 0).astype(np.int32), new_min))
        free = best + gap
    # Trace back from the end of the take.
    spans: list[tuple[int, int] | None] = [None] * len(lines)
    t = n
    for i in range(len(lines) - 1, -1, -1):
        e0, chosen, new_min = back[i]
        e = int(new_min[np.searchsorted(new_min, t, side="right") - 1])
        d = int(chosen[e - e0]) if e0 <= e < e0 + len(chosen) else 0
        if d > 0:
            spans[i] = ((e - d) * STEP, min(n_model, e * STEP))
            t = e - d
        else:
            t = e
    return spans


def _snap(span: tuple[int, int], voiced: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """Move a coarse span's edges onto voice at 50 fps, within [lo, hi) and a search frame either way."""
    s, e = span
    a, b = max(lo, s - STEP), min(hi, e + STEP)
    idx = np.flatnonzero(voiced[a:b])
    if len(idx) == 0:
        return s, max(s + 1, e)
    first, last = a + int(idx[0]), a + int(idx[-1]) + 1
    s2 = first if abs(first - s) <= 2 * STEP else s
    e2 = last if abs(last - e) <= 2 * STEP else e
    return s2, max(s2 + 1, e2)


def _to_content(line: LineSpec, span: tuple[int, int], lo: int, hi: int) -> tuple[int, int]:
    """A snapped span's edges moved to where the line's phones begin and end (content.py) when
    they are that close: finer than the 10 fps search, and than voice, which a pause or the
    partner's voice at the edge also holds."""
    s, e = span
    reach = CONTENT_SNAP_S * FPS
    if line.content_start is not None and abs(line.content_start * FPS - s) <= reach:
        s = int(np.clip(round(line.content_start * FPS), lo, e - 1))
    if line.content_end is not None and abs(line.content_end * FPS - e) <= reach:
        e = int(np.clip(round(line.content_end * FPS), s + 1, hi))
    return s, e


def _confidence(
    span: tuple[int, int],
    line: LineSpec,
    voiced: np.ndarray,
    evidence: np.ndarray,
    mu: float,
    separable: bool,
    lean: float | None = None,
) -> float:
    """How sure a placed span is: voiced, about its expected length, and (when the voices differ)
    sounding like its character; lean: for an interjection under the other's voice, how much more
    its stretch sounds like its character than the line around it (that voice is the louder)."""
    s, e = span
    v = voiced[s:e]
    if e <= s or not v.any():
        return 0.0
    voiced_term = float(np.clip(v.mean() / 0.4, 0.0, 1.0))
    ratio = (e - s) / max(mu, 1.0)
    duration_term = float(np.exp(-(math.log(ratio) ** 2) / (2 * 0.7**2)))
    role_term = 1.0
    if separable:
        sign = 1.0 if line.role == 0 else -1.0
        agree = float(np.mean(sign * evidence[s:e][v])) if lean is None else lean
        role_term = float(np.clip((agree + 0.25) / 0.5, 0.0, 1.0))
    return voiced_term * duration_term * role_term


def place_lines(
    lines: Sequence[LineSpec],
    voiced: np.ndarray,
    evidence: np.ndarray | None = None,
    *,
    separable: bool = False,
    two_voices: np.ndarray | None = None,
) -> Placement:
    """Spans of the lines in a take with these voiced frames (F,) and role evidence (F,) in -1..1.

    separable: the evidence really tells the two voices apart (confidence, and interjections are
    looked for only then). two_voices: (F,) P(two voices at once) of a mix (voice_count.py), to
    find interjections spoken under the other character's line.
    Lines whose time hints overlap the line before are placed at their hints, outside the search
    (an overlap cannot be expressed in a monotonic alignment).
    """
    voiced = np.asarray(voiced, dtype=bool)
    n_model = len(voiced)
    ev = np.zeros(n_model) if evidence is None else np.clip(np.asarray(evidence, dtype=np.float64), -1, 1)
    syl = syllable_seconds(voiced, lines)
    if n_model == 0 or not lines:
        return Placement(
            tuple(PlacedLine(i, ln.role, 0.0, 0.0, False, 0.0) for i, ln in enumerate(lines)), syl
        )
    hinted_overlap = _hinted_overlaps(lines)
    expected = _expected_frames(lines, syl)
    searched = [i for i in range(len(lines)) if i not in hinted_overlap]
    spans_s = _search(voiced, ev, [lines[i] for i in searched], syl)
    spans: dict[int, tuple[int, int] | None] = dict(zip(searched, spans_s, strict=True))
    interjections: dict[int, tuple[int, int]] = {}
    leans: dict[int, float] = {}  # interjections under the other's voice: how far their voice leans
    if separable:
        interjections = _interjections(lines, spans, voiced, ev, expected)
        if two_voices is not None:
            under = _overlapped_interjections(lines, spans, voiced, ev, expected, two_voices, interjections)
            interjections.update({i: span for i, (span, _) in under.items()})
            leans = {i: lean for i, (_, lean) in under.items()}
        if interjections:  # search again without them: their neighbours get their frames back
            searched = [i for i in searched if i not in interjections]
            spans_s = _search(voiced, ev, [lines[i] for i in searched], syl)
            spans = dict(zip(searched, spans_s, strict=True))
    placed: list[PlacedLine] = []
    # Snap the searched spans to voice without crossing their neighbours.
    found = [i for i in searched if spans[i] is not None]
    for k, i in enumerate(found):
        span = spans[i]
        assert span is not None
        lo = spans[found[k - 1]][1] if k > 0 else 0  # type: ignore[index]
        hi = spans[found[k + 1]][0] if k + 1 < len(found) else n_model  # type: ignore[index]
        spans[i] = _to_content(lines[i], _snap(span, voiced, lo, hi), lo, hi)
    spans.update(interjections)
    for i in hinted_overlap:
        line = lines[i]
        assert line.hint_start is not None
        end = line.hint_end if line.hint_end is not None else line.hint_start + expected[i] / FPS
        s = int(np.clip(round(line.hint_start * FPS), 0, n_model))
        e = int(np.clip(round(end * FPS), s, n_model))
        spans[i] = (s, e) if e > s else None
    for i, line in enumerate(lines):
        span = spans.get(i)
        conf = 0.0
        if span is not None:
            conf = _confidence(span, line, voiced, ev, expected[i], separable, leans.get(i))
        if span is None or conf < NOT_FOUND_CONFIDENCE or span[1] - span[0] < MIN_LINE_S * FPS / 2:
            placed.append(PlacedLine(i, line.role, 0.0, 0.0, False, 0.0))
            continue
        placed.append(
            PlacedLine(
                i,
                line.role,
                span[0] / FPS,
                span[1] / FPS,
                True,
                conf,
                overlapped=i in hinted_overlap or i in interjections,
            )
        )
    return Placement(tuple(placed), syl)


def _interjections(
    lines: Sequence[LineSpec],
    spans: dict[int, tuple[int, int] | None],
    voiced: np.ndarray,
    evidence: np.ndarray,
    expected: np.ndarray,
) -> dict[int, tuple[int, int]]:
    """Short lines that belong inside a neighbouring line of the other character: {line: span}."""
    out: dict[int, tuple[int, int]] = {}
    for j, span in spans.items():
        if span is None:
            continue
        sign = 1.0 if lines[j].role == 0 else -1.0
        s, e = span
        against = voiced[s:e] & (sign * evidence[s:e] < -ISLAND_EVIDENCE)
        for a, b in mask_to_spans(against).tolist():
            if b - a < ISLAND_MIN_S * FPS:
                continue
            # A script lists a line by where it starts: an interjection comes after its host.
            fits = [i for i in _interjection_candidates(lines, j, expected, out) if i > j]
            fits = [i for i in fits if _said_there(lines[i], s + a, s + b)]
            candidates = [i for i in fits if 0.25 <= (b - a) / expected[i] <= 2.5]
            if candidates:  # the nearest in the script, then the closest in length
                i = min(candidates, key=lambda i: (abs(i - j), abs(math.log((b - a) / expected[i]))))
                out[i] = (s + a, s + b)
    return out


def _interjection_candidates(
    lines: Sequence[LineSpec], j: int, expected: np.ndarray, taken: dict[int, tuple[int, int]]
) -> list[int]:
    """Lines that may be interjections spoken inside line j: short, of the other character, near it
    in the script, and not reordered against that character's own lines."""
    return [
        i
        for i in range(max(0, j - INTERJECTION_REACH), min(len(lines), j + INTERJECTION_REACH + 1))
        if i != j
        and i not in taken
        and lines[i].role != lines[j].role
        and expected[i] <= INTERJECTION_MAX_S * FPS
        # a character does not reorder its own lines: none of its lines lies in between
        and all(lines[k].role != lines[i].role for k in range(min(i, j) + 1, max(i, j)))
    ]


def _window_means(x: np.ndarray, k: int) -> np.ndarray:
    """Means of x over every window of k frames (len(x) - k + 1 of them)."""
    c = _cumsum0(x)
    return (c[k:] - c[:-k]) / k


def _overlapped_interjections(
    lines: Sequence[LineSpec],
    spans: dict[int, tuple[int, int] | None],
    voiced: np.ndarray,
    evidence: np.ndarray,
    expected: np.ndarray,
    two_voices: np.ndarray,
    taken: dict[int, tuple[int, int]],
) -> dict[int, tuple[tuple[int, int], float]]:
    """Short lines spoken under a neighbouring line of the other character, found where the voice
    counter hears two voices and the voice leans towards theirs: {line: (span, lean)}."""
    v = np.asarray(voiced, dtype=np.float64)
    p2 = np.zeros(len(v))
    p2[: min(len(v), len(two_voices))] = np.asarray(two_voices, dtype=np.float64)[: len(v)]
    out: dict[int, tuple[tuple[int, int], float]] = {}
    best: list[tuple[float, int, int, int, float]] = []  # (score, line, start, end, lean)
    m = int(round(INSIDE_MARGIN_S * FPS))
    for j, span in spans.items():
        if span is None:
            continue
        s, e = span
        host_voiced = voiced[s:e]
        if not host_voiced.any():
            continue
        for i in _interjection_candidates(lines, j, expected, taken):
            if i < j or lines[i].syllables > UNDER_MAX_SYLLABLES:  # a script lists it after its host
                continue
            k = int(max(ISLAND_MIN_S * FPS, round(expected[i])))
            if e - s < k + 2 * m:  # the host must hold more than the interjection
                continue
            sign = 1.0 if lines[i].role == 0 else -1.0
            lean = sign * evidence[s:e]
            host_lean = float(lean[host_voiced].mean())
            voiced_share = _window_means(v[s:e], k)
            lean_w = _window_means(lean * v[s:e], k) / np.maximum(voiced_share, 1e-9) - host_lean
            p2_w = _window_means(p2[s:e] * v[s:e], k)
            ok = (p2_w >= TWO_VOICES_MIN) & (lean_w >= LEAN_MIN) & (voiced_share > 0.5)
            # Between its character's lines before and after it (a character keeps its order).
            lo, hi = _own_bounds(lines, i, spans, taken)
            starts = s + np.arange(len(ok))
            ok &= (starts >= lo) & (starts + k <= hi)
            ok &= _said_there(lines[i], starts, starts + k)
            if not ok.any():
                continue
            score = np.where(ok, p2_w + lean_w, -np.inf)
            a = int(np.argmax(score))
            if a < m or a > len(ok) - 1 - m:  # clearest at the host's edge: a turn, in order
                continue
            best.append((float(score[a]), i, s + a, s + a + k, float(lean_w[a])))
    used = list(taken.values())
    for _, i, a, b, lean_ab in sorted(best, reverse=True):  # the clearest first; one place per line
        if i in out or any(a < ub and ua < b for ua, ub in used):
            continue
        if any(lines[q].role == lines[i].role and (q < i) != (qa < a) for q, ((qa, _), _) in out.items()):
            continue  # out of order with an interjection of the same character already placed
        out[i] = ((a, b), lean_ab)
        used.append((a, b))
    return out


def _said_there(line: LineSpec, start: np.ndarray | int, end: np.ndarray | int) -> np.ndarray | bool:
    """Whether frames [start, end) may hold the line by where its phones fell (content.py): an
    interjection whose phones were heard elsewhere is not moved under another line."""
    if line.content_start is None or line.content_end is None:
        return True
    slack = CONTENT_TOLERANCE_S * FPS
    before_end = np.asarray(start) < line.content_end * FPS + slack
    return before_end & (np.asarray(end) > line.content_start * FPS - slack)


def _own_bounds(
    lines: Sequence[LineSpec],
    i: int,
    spans: dict[int, tuple[int, int] | None],
    taken: dict[int, tuple[int, int]],
) -> tuple[int, int]:
    """Frames between which line i may lie: after the end of its character's placed line before
    it and before the start of the one after it."""
    placed = {q: span for q, span in spans.items() if span is not None} | taken
    before = [placed[q][1] for q in placed if q < i and lines[q].role == lines[i].role]
    after = [placed[q][0] for q in placed if q > i and lines[q].role == lines[i].role]
    return (max(before) if before else 0), (min(after) if after else np.iinfo(np.int64).max)


def _hinted_overlaps(lines: Sequence[LineSpec]) -> set[int]:
    """Lines whose hinted start falls before the previous line's hinted end (overlapping speech)."""
    out: set[int] = set()
    for i in range(1, len(lines)):
        prev, line = lines[i - 1], lines[i]
        if (
            line.hint_start is not None
            and prev.hint_end is not None
            and line.hint_start < prev.hint_end - 0.05
            and line.role != prev.role
        ):
            out.add(i)
    return out


def anchor_from_placement(
    placement: Placement,
    n_frames: int,
    voiced: np.ndarray,
    evidence: np.ndarray | None = None,
    *,
    min_confidence: float = LOW_CONFIDENCE,
) -> np.ndarray:
    """Role anchor (F, 2, 2) [known, speaks] from confidently placed lines.

    voiced: (F,) for a mix or (F, 2) per stem. Inside a line the voiced frames are known: its
    role speaks, the other does not unless a line of its own overlaps there (on stems: unless its
    own stem holds voice there; a line never silences a stem). evidence (mixed takes whose voices
    differ): voice inside a line that clearly sounds like the other character (a backchannel, an
    ad-lib) is given to that character instead.
    """
    v = np.asarray(voiced, dtype=bool)
    per_role = v if v.ndim == 2 else np.repeat(v[:, None], 2, axis=1)
    speaks = np.zeros((n_frames, 2), dtype=bool)
    for line in placement.lines:
        if not line.found or line.confidence < min_confidence:
            continue
        s = int(np.clip(round(line.start * FPS), 0, n_frames))
        e = int(np.clip(round(line.end * FPS), s, n_frames))
        speaks[s:e, line.role] |= per_role[s:e, line.role]
        if v.ndim == 2:
            speaks[s:e, 1 - line.role] |= per_role[s:e, 1 - line.role]
    if evidence is not None and v.ndim == 1:
        ev = np.asarray(evidence, dtype=np.float64)[:n_frames]
        to_b = speaks[:, 0] & ~speaks[:, 1] & (ev < -ISLAND_EVIDENCE)
        to_a = speaks[:, 1] & ~speaks[:, 0] & (ev > ISLAND_EVIDENCE)
        speaks[to_b] = (False, True)
        speaks[to_a] = (True, False)
        # Inside an interjection only its speaker is heard unless both voices really are.
        both = speaks[:, 0] & speaks[:, 1]
        speaks[both & (ev > ISLAND_EVIDENCE)] = (True, False)
        speaks[both & (ev < -ISLAND_EVIDENCE)] = (False, True)
    covered = speaks.any(axis=1)
    anchor = np.zeros((n_frames, 2, 2), dtype=np.float32)
    anchor[covered, :, 0] = 1.0
    anchor[:, :, 1] = speaks
    return anchor
