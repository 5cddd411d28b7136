"""Does a script belong to this take? A check for any language, from evidence placement has.

Placement always finds *some* spans for a script's lines, so "the lines were placed" says
nothing. What a script of another take cannot do is fit the take the way its own script does:

- **Speaking rate.** Its syllables over the take's voiced seconds land far from how fast people
  speak its language (per character on stems: each stem is one character). Syllables are the
  placement's own count (words.syllables): one per character for Chinese and Japanese, vowel
  groups elsewhere, so each writing system has its own plausible band.
- **Voices** (a mix with voice vectors). The first placement (pauses and line lengths alone,
  before any voice evidence) of the right script puts each character's lines on that character's
  voice: a line's voice is closer to the rest of its character's lines than to the partner's.
  For a script of another take the roles fall on the voices by chance.
- **Order** (stems). Each character's lines are placed on its own stem independently, so the
  script's order between the characters is not imposed: the right script's lines come out in
  order, another take's do not.
- **Lines.** A line whose syllables fill its span at a rate far from the take's own (forced into
  a sliver, or stretched over a long pause) is implausible on its own; its roles are left to the
  audio and its note names it.

The bands were measured with `tools/script_mismatch.py` on the synthetic test split (correct
scripts and other clips' scripts of the same language, mixed and stems) and on the real rows of
../shared/eval/real; see docs/SCRIPT.md. Pure numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import placement as pl
from .words import is_han, is_kana

# Syllables a voiced second (energy VAD: pauses and most stop closures are not voiced), per
# writing system: medians of the correct scripts' takes (TTS voices 4.7-10.5, real English
# 3.8-6.6). Japanese kana count morae, hence faster; Chinese one syllable a character.
RATE_CENTRE = {"kana": 9.0, "han": 5.4, "other": 6.2}
RATE_BAND = (0.5, 1.9)  # a take (or a stem) outside centre x this is not speaking these lines
RATE_MIN_SYLLABLES = 8  # fewer: the rate says nothing
RATE_MIN_VOICED_S = 1.0
RATE_SURE_BAND = (0.7, 1.45)  # inside this, the rate speaks for the script
# A line: syllables per voiced second of its span against the take's, allowed this far in log
# units, widened for short lines (1.1 % of correct lines fall outside, 21 % of wrong ones).
LINE_RATE_TOL = 0.6
LINE_MIN_VOICED_S = 0.04
# Voices: the share (by voiced frames) of first-placement lines nearer their own character.
# Correct scripts 0.79-1.0, other takes' 0.0-0.74; between VOICE_MIN and VOICE_SURE an
# audio-only diarization must also agree (correct >= 0.94, other takes' 0.55-0.91).
VOICE_MIN = 0.75
VOICE_SURE = 0.85
DIARIZATION_MIN = 0.92
VOICE_MIN_LINES = 4
VOICE_MIN_FRAMES = 5
# Order on stems: lines placed more than one place away from their place in the script's order
# (a backchannel answered inside the line before it moves one place). Correct scripts <= 6 % of
# their lines, other takes' up to 89 % (those with under 10 % are all caught by their rates).
ORDER_MAX_DISPLACED = 0.1
ORDER_MIN_LINES = 6
IMPLAUSIBLE_SHARE = 0.5  # more lines than this implausible: the script is not this take's
# Doubts: evidence too weak alone, but two or three together set a script aside (take.py): a rate
# outside RATE_SURE_BAND, more than DOUBT_IMPLAUSIBLE of the lines implausible, a line out of
# order on stems (and, in take.py, few English lines aligned). Correct scripts show at most one,
# or two with voices that vouch for them (tools/script_mismatch.py --partner 1, 2, 3).
DOUBT_IMPLAUSIBLE = 0.1

MATCH, MISMATCH, UNSURE = "match", "mismatch", "unsure"


@dataclass(frozen=True)
class Check:
    """The verdict on a script (MATCH, MISMATCH or UNSURE), why, and its implausible lines."""

    verdict: str
    reason: str = ""  # for the report when the verdict is MISMATCH
    implausible: dict[int, str] = field(default_factory=dict)  # script line index -> why
    measures: dict[str, float] = field(default_factory=dict)  # what was measured (tools, tests)
    doubts: tuple[str, ...] = ()  # weak evidence against it, each a phrase for the report


def writing_system(texts: Sequence[str]) -> str:
    """'kana' (Japanese), 'han' (Chinese) or 'other' (vowel groups), from the script's letters."""
    kana = han = letters = 0
    for text in texts:
        for ch in text:
            if not ch.isalpha():
                continue
            letters += 1
            if is_kana(ch):
                kana += 1
            elif is_han(ch):
                han += 1
    if letters and kana >= 0.1 * letters:
        return "kana"
    if letters and han >= 0.5 * letters:
        return "han"
    return "other"


def _frames(line: pl.PlacedLine, n: int) -> tuple[int, int]:
    s = int(np.clip(round(line.start * pl.FPS), 0, n))
    return s, int(np.clip(round(line.end * pl.FPS), s, n))


def _rate_check(
    syllables: Sequence[int], placement: pl.Placement, voiced: np.ndarray, centre: float
) -> tuple[str, str, dict[str, float]]:
    """Verdict of the speaking rate: of the take (mix) or of each character (stems)."""
    per_role = voiced.ndim == 2
    groups = [(r, [i for i, p in enumerate(placement.lines) if p.role == r]) for r in (0, 1)]
    if not per_role:
        groups = [(-1, list(range(len(placement.lines))))]
    verdicts, measures = [], {}
    for r, idx in groups:
        syl = sum(max(1, syllables[placement.lines[i].index]) for i in idx)
        v = voiced[:, r] if per_role else voiced
        voiced_s = float(np.count_nonzero(v)) / pl.FPS
        if syl < RATE_MIN_SYLLABLES or voiced_s < RATE_MIN_VOICED_S:
            verdicts.append(UNSURE)
            continue
        ratio = syl / voiced_s / centre
        measures[f"rate_{'AB'[r]}" if per_role else "rate"] = ratio
        who = f" by {'AB'[r]}" if per_role else ""
        if not RATE_BAND[0] <= ratio <= RATE_BAND[1]:
            pace = "slow"
            if ratio > 1:  # or the voice is there but not heard as voice (noise as loud as speech)
                pace = "fast, unless most of the speech is lost in noise"
            return (
                MISMATCH,
                f"its {syl} syllables{who} would be spoken at {syl / voiced_s:.1f} a second of voice, "
                f"implausibly {pace}",
                measures,
            )
        verdicts.append(MATCH if RATE_SURE_BAND[0] <= ratio <= RATE_SURE_BAND[1] else UNSURE)
    return (MATCH if verdicts and all(v == MATCH for v in verdicts) else UNSURE), "", measures


def _line_rates(syllables: Sequence[int], placement: pl.Placement, voiced: np.ndarray) -> dict[int, str]:
    """Lines (script line index -> why) whose syllables fill their span implausibly fast or slow."""
    n = len(voiced)
    any_voice = voiced if voiced.ndim == 1 else voiced.any(axis=1)
    total = sum(max(1, syllables[p.index]) for p in placement.lines)
    voiced_s = float(np.count_nonzero(any_voice)) / pl.FPS
    if voiced_s <= 0 or total == 0:
        return {}
    take_rate = total / voiced_s
    out = {}
    for p in placement.lines:
        if not p.found:
            continue
        s, e = _frames(p, n)
        v = voiced[s:e] if voiced.ndim == 1 else voiced[s:e, p.role]
        syl = max(1, syllables[p.index])
        rate = syl / max(float(np.count_nonzero(v)) / pl.FPS, LINE_MIN_VOICED_S)
        if abs(math.log(rate / take_rate)) > LINE_RATE_TOL * (1.0 + 1.0 / math.sqrt(syl)):
            span_s = (e - s) / pl.FPS
            count = "1 syllable" if syl == 1 else f"{syl} syllables"
            out[p.index] = f"{count} in {span_s:.1f} s is an implausible pace for this take"
    return out


def voice_agreement(first: pl.Placement, emb: np.ndarray, voiced: np.ndarray) -> float | None:
    """Share (by voiced frames) of the first placement's lines whose voice is nearer the rest of
    their character's lines than the partner's; None when there are too few lines to tell."""
    n = min(len(voiced), len(emb))
    vecs, roles, weights = [], [], []
    for p in first.lines:
        if not p.found:
            continue
        s, e = _frames(p, n)
        m = voiced[s:e]
        if np.count_nonzero(m) < VOICE_MIN_FRAMES:
            continue
        c = emb[s:e][m].mean(axis=0)
        vecs.append(c / max(float(np.linalg.norm(c)), 1e-6))
        roles.append(p.role)
        weights.append(float(np.count_nonzero(m)))
    r = np.asarray(roles)
    if len(vecs) < VOICE_MIN_LINES or min(np.count_nonzero(r == 0), np.count_nonzero(r == 1)) < 2:
        return None
    v = np.asarray(vecs) * np.asarray(weights)[:, None]
    sums = [v[r == k].sum(axis=0) for k in (0, 1)]
    agree = 0.0
    for i in range(len(vecs)):
        own = sums[r[i]] - v[i]  # leave the line out of its own character's voice
        other = sums[1 - r[i]]
        own = own / max(float(np.linalg.norm(own)), 1e-6)
        other = other / max(float(np.linalg.norm(other)), 1e-6)
        agree += weights[i] * float(vecs[i] @ own > vecs[i] @ other)
    return agree / float(sum(weights))


def diarization_agreement(
    placement: pl.Placement, emb: np.ndarray, voiced: np.ndarray, audio16k: np.ndarray
) -> float | None:
    """Share of the voiced frames in lines whose role an audio-only diarization (no script) gives
    the same way, in the better of the two labellings; None when it hears one voice."""
    from .. import diarization, windowing

    n = len(voiced)
    seed = windowing.first_voice_anchor(audio16k, n, role=0)
    anchor, info = diarization.assign_roles(emb, voiced, seed)
    if info.get("voices") != 2:
        return None
    heard = np.where(anchor[:, 0, 1] > 0.5, 0, np.where(anchor[:, 1, 1] > 0.5, 1, -1))
    said = np.full(n, -1)
    for p in placement.lines:
        if p.found:
            s, e = _frames(p, n)
            said[s:e] = p.role
    m = voiced & (heard >= 0) & (said >= 0)
    if np.count_nonzero(m) < VOICE_MIN_FRAMES * VOICE_MIN_LINES:
        return None
    same = float(np.mean(heard[m] == said[m]))
    return max(same, 1.0 - same)


def order_displaced(placement: pl.Placement) -> tuple[int, int]:
    """(displaced, lines): found lines whose place in time order is more than one away from their
    place in the script's order."""
    starts = np.array([p.start for p in placement.lines if p.found])
    rank = np.argsort(np.argsort(starts, kind="stable"), kind="stable")
    return int(np.count_nonzero(np.abs(rank - np.arange(len(starts))) > 1)), len(starts)


def check_script(
    syllables: Sequence[int],
    texts: Sequence[str],
    placement: pl.Placement,
    voiced: np.ndarray,
    *,
    first: pl.Placement | None = None,
    emb: np.ndarray | None = None,
    audio16k: np.ndarray | None = None,
) -> Check:
    """Whether the script (its lines' syllables and texts) fits the take it was placed in.

    voiced: (F,) for a mix, (F, 2) for stems. first, emb, audio16k (mixed takes with voice
    vectors): the placement before any voice evidence, the voice vectors and the audio (for an
    audio-only diarization when the voices alone are not decisive)."""
    voiced = np.asarray(voiced, dtype=bool)
    centre = RATE_CENTRE[writing_system(texts)]
    implausible = _line_rates(syllables, placement, voiced)
    verdict, reason, measures = _rate_check(syllables, placement, voiced, centre)
    found = sum(p.found for p in placement.lines)
    measures["implausible_lines"] = len(implausible) / max(found, 1)
    if verdict == MISMATCH:
        return Check(MISMATCH, reason, implausible, measures)
    if found and len(implausible) > IMPLAUSIBLE_SHARE * found:
        return Check(
            MISMATCH,
            f"{len(implausible)} of its {found} placed lines fill their spans at implausible rates",
            implausible,
            measures,
        )
    support = UNSURE  # the rate alone (no voices or order to compare) never vouches for a script
    doubts = []
    rates = [v for k, v in measures.items() if k.startswith("rate")]
    if any(not RATE_SURE_BAND[0] <= v <= RATE_SURE_BAND[1] for v in rates):
        doubts.append("its speaking rate is unusual")
    if len(implausible) > DOUBT_IMPLAUSIBLE * max(found, 1):
        verb = "is" if len(implausible) == 1 else "are"
        doubts.append(f"{len(implausible)} of its {found} placed lines {verb} at an implausible pace")
    if voiced.ndim == 1 and first is not None and emb is not None:
        agree = voice_agreement(first, emb, voiced)
        if agree is not None:
            measures["voice_agreement"] = agree
            if agree < VOICE_MIN:
                return Check(MISMATCH, _voice_reason(agree), implausible, measures)
            if agree < VOICE_SURE and audio16k is not None:
                diar = diarization_agreement(placement, emb, voiced, audio16k)
                if diar is not None:
                    measures["diarization_agreement"] = diar
                    if diar < DIARIZATION_MIN:
                        return Check(MISMATCH, _voice_reason(agree), implausible, measures)
            support = MATCH if agree >= VOICE_SURE else UNSURE
    elif voiced.ndim == 2:
        displaced, lines = order_displaced(placement)
        measures["order_displaced"] = displaced / max(lines, 1)
        if lines >= ORDER_MIN_LINES and displaced > ORDER_MAX_DISPLACED * lines:
            return Check(
                MISMATCH,
                f"placed on each character's stem, {displaced} of its {lines} lines come out of the "
                f"script's order",
                implausible,
                measures,
            )
        if displaced:
            doubts.append(f"{displaced} of its lines come out of order on the stems")
        two_roles = len({p.role for p in placement.lines if p.found}) == 2
        sure = lines >= VOICE_MIN_LINES and displaced == 0 and two_roles
        support = MATCH if sure and verdict == MATCH else UNSURE  # in order, each stem at a likely rate
    return Check(support, "", implausible, measures, tuple(doubts))


def _voice_reason(agree: float) -> str:
    return (
        f"its characters' lines do not fall on two voices (only {agree:.0%} of the lines sound like "
        f"their own character)"
    )
