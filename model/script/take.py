"""A script-assisted take: the script's lines placed in the audio, their words aligned, and what
that gives the network (a dense role anchor) and the mouth (phones for the lips).

    aligned = align_script(script, audio16k, runtime)    # runtime: for the voice vectors of a mix
    aligned.anchor          # (F, 2, 2) role anchor: who speaks where the script says so
    speaking_over_lines(perf.speaking, aligned, fps)   # and the take's speaking follows the sure lines
    aligned.phones[role]    # the aligned phones of that role's lines, for duet.model.lips
    aligned.lines           # TakeLine per script line found (markers, subtitles)
    aligned.notes           # lines not found, words not aligned: for the take's report
    read_unaligned_lines(aligned, script, reader_probs, fps)  # the other sure lines, for the lip reader

Mixed takes: lines are placed on the voice activity of the mix with the
network's voice vectors as evidence of who speaks (placement.py), iterated:
the first placement (from pauses and line lengths alone) gives each role's
voice, which then tells the lines apart where turns latch; short lines spoken
under the partner's line are found where the voice counter hears two voices.
Stems: each role's lines on its own stem. English words are then aligned inside
each line's span (english.py, pocketsphinx). The sure lines whose words did not
align, and those of other languages (Latin or Cyrillic letters, kana, Chinese, Hangul),
are read by the lip reader along their own phones (read_lines.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import diarization, features, spec, voice_count, voiceprint, windowing
from ..performance import TakeLine
from ..signal import SPEAKING_BRIDGE_S, short_gaps
from . import content, mismatch
from . import placement as pl
from .phone_sources import aligner_available as _aligner_available
from .phone_sources import english_like as _english_like
from .phone_sources import english_script as _english_script
from .phone_sources import line_phones, script_is_english
from .text import Script, ScriptLine

ROLE_INDEX = {"A": 0, "B": 1}
SEPARABLE_COS = diarization.ONE_VOICE_COS  # centroids more alike than this: one voice
PLACEMENT_PASSES = 3
ALIKE_EVIDENCE_SCALE = 0.3  # voices the vectors do not tell apart weigh this much as evidence
# The evidence of a mix is read from the voice vectors joined with the voice prints at this weight
# (the prints tell real voices apart; the vectors alone say whether the voices are apart). Chosen
# on development takes (docs/EVAL.md "Session 19"): real voices gain, the corpus's voices lose a little
# at weight 1.
PRINT_EVIDENCE_WEIGHT = 0.5
ALIGN_PAD_S = 0.3  # audio either side of a placed line given to the aligner
INTERJECTION_PAD_S = 0.12  # an interjection sits inside the other voice: give the aligner little of it
# Below this the words are not trusted for the lips. Wrong words mostly fail to align at all and
# none that align reach 0.05, while correct lines of robotic TTS voices score 0.05-0.7 with p/b/m
# timing as good as the confident ones (eval --script, English test clips).
ALIGN_MIN_CONFIDENCE = 0.05
NEIGHBOUR_MARGIN_S = 0.05
MAX_LINE_NOTES = 12  # a report naming every line of a 1,000-line script helps nobody
# A script of another take (mismatch.py decides for any language; English words add evidence):
# the words of almost no line of another take align (wrong words never reached confidence 0.05 in
# 108 tries, at most 2 lines of 12 in tools/script_mismatch.py), so fewer than MISMATCH_SHARE of
# the lines tried speak against the script unless its voices or order clearly speak for it (the
# aligner fails on some robotic voices: test-000017, test-000020). Half or more aligned speaks
# for it whatever the rest says (a real meeting whose first placement mixes the voices).
MISMATCH_SHARE = 0.1
CONFIRM_SHARE = 0.5
DOUBT_ALIGNED_SHARE = 0.25  # fewer aligned: a doubt (mismatch.Check.doubts; correct scripts 0.06-1.0)
IMPLAUSIBLE_CONFIDENCE = 0.2  # below pl.LOW_CONFIDENCE: an implausible line's roles follow the audio


@dataclass(frozen=True)
class RolePhones:
    """One role's aligned phones (seconds from the start of the take) and the spans they cover."""

    ipa: tuple[str, ...] = ()
    start: tuple[float, ...] = ()
    end: tuple[float, ...] = ()
    stress: tuple[int, ...] = ()
    spans: tuple[tuple[float, float], ...] = ()  # aligned lines: first phone start, last phone end


@dataclass(frozen=True)
class ScriptAlignment:
    anchor: np.ndarray | None  # (F, 2, 2); None: the script does not match the audio
    lines: tuple[TakeLine, ...]
    phones: dict[str, RolePhones]
    notes: tuple[str, ...]
    placement: pl.Placement
    separable: bool  # the two voices were told apart (mixed takes)
    aligned_lines: int = 0  # lines whose words were aligned
    check: mismatch.Check | None = None  # how well the script fits the take (None: set aside)
    stem_voice: np.ndarray | None = None  # stems: (F, 2) each character's own voice (stem_voice)
    two_voices: np.ndarray | None = None  # mixed: (F,) frames where two voices speak and the lines say one
    two_voices_p: np.ndarray | None = None  # mixed: (F,) P(two voices at once), as placement read it
    worded_lines: frozenset[int] = frozenset()  # source lines whose words were aligned


def _specs(lines: tuple[ScriptLine, ...]) -> list[pl.LineSpec]:
    return [pl.LineSpec(ROLE_INDEX[ln.role], ln.syllables, ln.hint_start, ln.hint_end) for ln in lines]


def voice_evidence(
    emb: np.ndarray, voiced: np.ndarray, placement: pl.Placement, joined: np.ndarray | None = None
) -> tuple[np.ndarray | None, bool]:
    """Per-frame evidence (F,) in -1..1 that A (+) or B (-) speaks, from the voices of the placed
    lines; None when a role has no placed voice. Also whether the two voices differ enough (by the
    voice vectors emb). joined: emb joined with the voice prints, to read the evidence from."""
    members = _role_frames(voiced, placement)
    if members is None:
        return None, False
    vectors = emb if joined is None else joined

    def role_centroids(v: np.ndarray) -> list[np.ndarray]:
        return [diarization.unit(diarization.masked_mean(v, m)) for m in members]

    centroids = role_centroids(vectors)
    own = centroids if joined is None else role_centroids(emb)
    raw = diarization.smooth_scores(
        (vectors @ centroids[0] - vectors @ centroids[1]).astype(np.float64), voiced.astype(np.float64)
    )
    scale = float(np.percentile(np.abs(raw[voiced]), 80)) if voiced.any() else 1.0
    ev = np.clip(raw / max(scale, 1e-6), -1.0, 1.0)
    return ev, float(own[0] @ own[1]) < SEPARABLE_COS


def _role_frames(voiced: np.ndarray, placement: pl.Placement) -> list[np.ndarray] | None:
    """Each role's voiced frames inside its placed lines only (edges of long lines left out);
    None when a role has none."""
    n = len(voiced)
    members = [np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)]
    for line in placement.lines:
        if not line.found:
            continue
        s, e = int(round(line.start * pl.FPS)), int(round(line.end * pl.FPS))
        trim = 5 if e - s > 30 else 0  # line edges are the least sure frames
        members[line.role][s + trim : e - trim] = True
    own = [members[r] & voiced & ~members[1 - r] for r in range(2)]
    return own if all(m.any() for m in own) else None


STEM_EVIDENCE_DB = 6.0  # level difference between the stems that makes the evidence tanh(1)
BLEED_DB = 20.0  # a stem this much quieter than the other holds the other's voice (bleed), not its own


def stem_evidence(audio16k: np.ndarray, n_frames: int) -> np.ndarray:
    """Per-frame evidence from stems: the louder stem is the one speaking (bleed is quieter)."""
    la = windowing.frame_energy_db(audio16k[:, 0], n_frames)
    lb = windowing.frame_energy_db(audio16k[:, 1], n_frames)
    return np.tanh((la - lb) / STEM_EVIDENCE_DB)


def stem_voice(voiced: np.ndarray, evidence: np.ndarray) -> np.ndarray:
    """(F, 2) bool: where each stem holds its own character's voice (voiced, not the other's
    bleed), pauses shorter than SPEAKING_BRIDGE_S bridged as the corpus's speaking bridges them."""
    limit = float(np.tanh(BLEED_DB / STEM_EVIDENCE_DB))
    own = np.array(voiced, dtype=bool, copy=True)
    own[:, 0] &= evidence > -limit
    own[:, 1] &= evidence < limit
    for r in range(2):
        own[:, r] |= short_gaps(own[:, r], SPEAKING_BRIDGE_S * pl.FPS)
    return own


@dataclass(frozen=True)
class PlacedScript:
    placement: pl.Placement
    voiced: np.ndarray  # (F,) mix or (F, 2) stems
    separable: bool  # the two voices were told apart
    emb: np.ndarray | None  # voice vectors of a mix (None for stems, or without a runtime)
    evidence: np.ndarray | None  # role evidence (F,) in -1..1
    first: pl.Placement | None = None  # a mix's placement before any voice evidence
    two_voices_p: np.ndarray | None = None  # a mix's (F,) P(two voices at once), voice_count.py
    content: tuple = ()  # content.ContentSpan or None per line: where its phones fell (content.py)


def place_script(
    script: Script,
    audio16k: np.ndarray,
    n_frames: int,
    runtime: diarization.VoiceRuntime | None,
    log_mel: np.ndarray | None = None,
    reader_probs: Sequence[np.ndarray] | None = None,
) -> PlacedScript:
    """Placement of the lines with what it was made from (PlacedScript). log_mel: a mix's
    features.log_mel when the caller has it; reader_probs: the lip reader's probabilities of the
    mix (one) or of each stem (two), for where the lines' phones fall (content.py)."""
    specs = _specs(script.lines)
    english = _english_script(script)
    phones = [line_phones(line, english) for line in script.lines]
    if audio16k.ndim == 2:
        voiced = np.stack([windowing.voiced_frames(audio16k[:, r], n_frames) for r in range(2)], axis=1)
        ev = stem_evidence(audio16k, n_frames)
        placed: list[pl.PlacedLine | None] = [None] * len(specs)
        spans: list = [None] * len(specs)
        syllable_s = []
        for r in range(2):
            idx = [i for i, s in enumerate(specs) if s.role == r]
            if not idx:
                continue
            own = [specs[i] for i in idx]
            got = pl.place_lines(own, voiced[:, r], ev, separable=True)
            if reader_probs is not None and len(reader_probs) == 2:
                own, own_spans = _with_content(own, [phones[i] for i in idx], reader_probs[r], got)
                got = pl.place_lines(own, voiced[:, r], ev, separable=True)
                for i, span in zip(idx, own_spans, strict=True):
                    spans[i] = span
            syllable_s.append(got.syllable_s)
            for i, line in zip(idx, got.lines, strict=True):
                placed[i] = pl.PlacedLine(i, r, line.start, line.end, line.found, line.confidence)
        lines = tuple(p for p in placed if p is not None)
        syl = float(np.mean(syllable_s)) if syllable_s else pl.SYLLABLE_S_DEFAULT
        return PlacedScript(pl.Placement(lines, syl), voiced, True, None, ev, content=tuple(spans))
    voiced = windowing.voiced_frames(audio16k, n_frames)
    placement = first = pl.place_lines(specs, voiced, None)
    separable = False
    emb = evidence = two = lean = None
    if runtime is not None and voiced.any():
        if log_mel is None:
            log_mel = features.log_mel(audio16k)  # once, for the voice vectors and the counter
        emb = diarization.voice_track(runtime, audio16k, n_frames, log_mel)
        prints = voiceprint.shipped()
        frame_prints = (
            voiceprint.take_frame_prints(prints, audio16k, voiced, log_mel) if prints is not None else None
        )
        joined = None
        if frame_prints is not None:
            joined = diarization.join_prints(emb, frame_prints, PRINT_EVIDENCE_WEIGHT)
        counter = voice_count.shipped()
        two = counter.two_voices(audio16k, voiced, log_mel) if counter is not None else None
        ev, apart = voice_evidence(emb, voiced, first, joined)
        if ev is not None:
            lean = ev if apart else ALIKE_EVIDENCE_SCALE * ev
    spans = []
    if reader_probs is not None and len(reader_probs) == 1:
        specs, spans = _with_content(specs, phones, reader_probs[0], first, lean)
        placement = first = pl.place_lines(specs, voiced, None)
    if emb is not None:
        for _ in range(PLACEMENT_PASSES - 1):
            ev, separable = voice_evidence(emb, voiced, placement, joined)
            if ev is None:
                break
            evidence = ev
            weighed = ev if separable else ALIKE_EVIDENCE_SCALE * ev
            placement = pl.place_lines(specs, voiced, weighed, separable=separable, two_voices=two)
    return PlacedScript(placement, voiced, separable, emb, evidence, first, two, tuple(spans))


def _with_content(
    specs: list[pl.LineSpec],
    phones: list,
    probs: np.ndarray,
    guide: pl.Placement,
    lean: np.ndarray | None = None,
) -> tuple[list[pl.LineSpec], list]:
    """The lines' specs with where their phones fall in the lip reader's reading (content.py), for
    the lines whose phones fit there, and those spans (content.ContentSpan or None per line);
    guide: a placement without it (to cut long takes)."""
    spans = content.content_spans(
        probs,
        phones,
        [s.syllables for s in specs],
        pl.FPS,
        [(p.start, p.end) if p.found else None for p in guide.lines],
        [s.role for s in specs] if lean is not None else None,
        lean,
    )
    told = [
        replace(s, content_start=c.start, content_end=c.end)
        if c is not None and c.heard(max(1, s.syllables) * guide.syllable_s)
        else s
        for s, c in zip(specs, spans, strict=True)
    ]
    return told, spans


def _align_words(audio16k: np.ndarray, line: ScriptLine, start: float, end: float) -> Any:
    """The aligner's span for a line's words in [start, end) seconds, or None."""
    try:
        from . import english
    except ImportError:
        return None
    if not english.available():
        return None
    s = max(0, int(start * spec.SAMPLE_RATE))
    e = min(len(audio16k), int(end * spec.SAMPLE_RATE))
    if e - s < int(0.05 * spec.SAMPLE_RATE):
        return None
    failed = getattr(english, "AlignmentFailed", None)
    try:
        return english.align_words(audio16k[s:e], list(line.words), offset=s / spec.SAMPLE_RATE)
    except Exception as exc:  # the aligner's own "no alignment" only; anything else is a bug
        if failed is not None and isinstance(exc, failed):
            return None
        raise


def _quote(line: ScriptLine, limit: int = 40) -> str:
    text = " ".join(line.spoken.split()) or line.text
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _align_span(x: np.ndarray, found: list[pl.PlacedLine], k: int, line: ScriptLine) -> Any:
    """Align line k's words inside its placed span (padded, kept out of its neighbours on a mix)."""
    placed = found[k]
    stem = x[:, placed.role] if x.ndim == 2 else x
    pad = INTERJECTION_PAD_S if placed.overlapped else ALIGN_PAD_S  # inside another line
    lo, hi = placed.start - pad, placed.end + pad
    if x.ndim == 1 and not placed.overlapped:
        before = [p for p in found[:k] if not p.overlapped]
        after = [p for p in found[k + 1 :] if not p.overlapped]
        if before:
            lo = max(lo, min(placed.start, before[-1].end - NEIGHBOUR_MARGIN_S))
        if after:
            hi = min(hi, max(placed.end, after[0].start + NEIGHBOUR_MARGIN_S))
    return _align_words(stem, line, max(0.0, lo), hi)


def _capped(notes: list[str], limit: int = MAX_LINE_NOTES) -> list[str]:
    if len(notes) <= limit:
        return notes
    return [
        *notes[:limit],
        f"... and {len(notes) - limit} more script lines like these (see the line markers)",
    ]


def align_script(
    script: Script,
    audio16k: np.ndarray,
    runtime: diarization.VoiceRuntime | None,
    *,
    phones: bool = True,
    log_mel: np.ndarray | None = None,
    reader_probs: Sequence[np.ndarray] | None = None,
) -> ScriptAlignment:
    """Place the script's lines in the take, align their words, and build the role anchor.

    audio16k: (S,) mixed or (S, 2) stems at 16 kHz. runtime: gives the voice vectors of a mix
    (None: lines are placed on pauses and line lengths alone). When the script does not fit the
    take (mismatch.py: speaking rate, voices, order; for English also its words), the anchor is
    None: the caller falls back to audio-only roles rather than give lines to the wrong character.
    A line that does not fit on its own keeps its marker but its roles follow the audio.
    reader_probs: the lip reader's probabilities of the mix (one) or each stem (two) when the
    caller has them; else they are read here when the lip reader is installed.
    """
    x = np.asarray(audio16k, dtype=np.float32)
    n_frames = features.n_model_frames(x.shape[0])
    if reader_probs is None:
        from ..lips import lip_reader

        mels = None if log_mel is None or x.ndim != 1 else log_mel[None]
        reader_probs = lip_reader.take_probabilities(x, n_frames, mels)
    placed_script = place_script(script, x, n_frames, runtime, log_mel if x.ndim == 1 else None, reader_probs)
    placement, voiced = placed_script.placement, placed_script.voiced
    separable, emb, evidence = placed_script.separable, placed_script.emb, placed_script.evidence
    check = mismatch.check_script(
        [ln.syllables for ln in script.lines],
        [ln.spoken for ln in script.lines],
        placement,
        voiced,
        first=placed_script.first,
        emb=emb,
        audio16k=x if x.ndim == 1 else None,
    )
    line_notes: list[str] = []
    take_lines: list[TakeLine] = []
    found = [p for p in placement.lines if p.found]
    buckets: dict[str, dict[str, list]] = {
        r: {"ipa": [], "start": [], "end": [], "stress": [], "spans": []} for r in spec.ROLES
    }
    tried = aligned_count = 0
    worded: list[int] = []
    can_align = phones and _aligner_available() and script_is_english(script)
    for k, placed in enumerate(found):
        line = script.lines[placed.index]
        start, end, conf = placed.start, placed.end, placed.confidence
        words_note = ""
        aligned = False
        if can_align and _english_like(line):
            tried += 1
            span = _align_span(x, found, k, line)
            if span is not None and span.words and span.confidence >= ALIGN_MIN_CONFIDENCE:
                aligned = True
                aligned_count += 1
                worded.append(line.number)
                words = (span.words[0].start, span.words[-1].end)
                start, end = _line_extent(start, end, *words)
                # Its words are here: the line is, whatever placement alone thought (anchor threshold).
                conf = max(conf, pl.LOW_CONFIDENCE, float(span.confidence))
                bucket = buckets[line.role]
                for ph in (ph for word in span.words for ph in word.phones):
                    bucket["ipa"].append(ph.ipa)
                    bucket["start"].append(ph.start)
                    bucket["end"].append(ph.end)
                    bucket["stress"].append(ph.stress)
                bucket["spans"].append(words)  # the aligned mouth covers the words, not the voice around them
            else:
                got = "" if span is None else f" (confidence {span.confidence:.2f})"
                words_note = (
                    f"script line {line.number} ({line.speaker}: '{_quote(line)}'): its words were not "
                    f"found in the audio{got}; the lips there follow the audio alone"
                )
        why = check.implausible.get(placed.index)
        if why and not aligned:
            conf = min(conf, IMPLAUSIBLE_CONFIDENCE)
            line_notes.append(  # one note a line: this one says more than words_note
                f"script line {line.number} ({line.speaker}: '{_quote(line)}') was placed at "
                f"{start:.1f}-{end:.1f} s, but {why}: check it on the timeline; roles there follow the audio"
            )
        elif placed.confidence < pl.LOW_CONFIDENCE and conf < ALIGN_MIN_CONFIDENCE:
            line_notes.append(
                f"script line {line.number} ({line.speaker}: '{_quote(line)}') was placed at "
                f"{start:.1f}-{end:.1f} s with low confidence ({placed.confidence:.2f}): check it on the "
                f"timeline; roles there follow the audio"
            )
        elif words_note:
            line_notes.append(words_note)
        take_lines.append(
            TakeLine(line.role, line.speaker, line.text, float(start), float(end), line.number, float(conf))
        )
    reason = _set_aside_reason(check, tried, aligned_count, content.script_fit(placed_script.content))
    if reason:
        note = (
            f"the script does not match this voice-over: {reason}. Roles and lips come from the audio "
            f"alone; check that the script belongs to this take"
        )
        return ScriptAlignment(None, (), {r: RolePhones() for r in spec.ROLES}, (note,), placement, separable)
    for placed in placement.lines:
        if not placed.found:
            line = script.lines[placed.index]
            line_notes.append(
                f"script line {line.number} ({line.speaker}: '{_quote(line)}') was not found in the audio "
                f"(not spoken, drowned in overlap, or out of order): that stretch is animated from the "
                f"audio alone"
            )
    role_phones = {
        r: RolePhones(
            tuple(b["ipa"]), tuple(b["start"]), tuple(b["end"]), tuple(b["stress"]), tuple(b["spans"])
        )
        for r, b in buckets.items()
    }
    notes = _capped(line_notes)
    if x.ndim == 1 and not separable and len({p.role for p in found}) == 2:
        notes.append(
            "the two voices sound alike to the model: lines were placed on pauses and line lengths; "
            "check the line markers, or use one stem per actor"
        )
    kept = pl.Placement(
        tuple(
            pl.PlacedLine(p.index, p.role, t.start, t.end, True, t.confidence, p.overlapped)
            for p, t in zip(found, take_lines, strict=True)
        ),
        placement.syllable_s,
    )
    own_voice = stem_voice(voiced, evidence) if x.ndim == 2 and evidence is not None else None
    if own_voice is not None:  # stems: each stem is its character, whatever the lines say
        anchor = pl.anchor_from_placement(kept, n_frames, own_voice)
    else:
        anchor = pl.anchor_from_placement(kept, n_frames, voiced, evidence if separable else None)
    if emb is not None and separable and anchor[:, 0, 0].any():
        anchor = _spread(anchor, emb, voiced)
    take_lines.sort(key=lambda t: (t.start, t.source_line))
    return ScriptAlignment(
        anchor=anchor,
        lines=tuple(take_lines),
        phones=role_phones,
        notes=tuple(notes),
        placement=placement,
        separable=separable,
        aligned_lines=aligned_count,
        check=check,
        stem_voice=own_voice,
        two_voices_p=placed_script.two_voices_p,
        worded_lines=frozenset(worded),
    )


# How far the voice placement found may reach beyond a line's aligned words and still count as the
# line: a recogniser's transcript (or a quick one typed for the take) often lacks a first "okay" or
# a trailing word that is heard; further out, the placement is more likely wrong than the words.
# Voice reaching less than LINE_TAIL_MIN_S past the last word is no missing word (a syllable is
# longer): it is that word's release or the room's tail (mary.wav: 0.16 s), which the words already
# end. Nothing like it comes before the first word, so a shorter reach counts there.
LINE_REACH_S = 1.0
LINE_LEAD_MIN_S = 0.1
LINE_TAIL_MIN_S = 0.25


def _line_extent(
    placed_start: float, placed_end: float, words_start: float, words_end: float
) -> tuple[float, float]:
    """A line's span from its placement (voice) and its aligned words: the words, widened to the
    voice placement found next to them (from LINE_LEAD_MIN_S before and LINE_TAIL_MIN_S after
    them, up to LINE_REACH_S)."""
    before, after = words_start - placed_start, placed_end - words_end
    start = placed_start if LINE_LEAD_MIN_S <= before <= LINE_REACH_S else words_start
    end = placed_end if LINE_TAIL_MIN_S <= after <= LINE_REACH_S else words_end
    return start, end


def _set_aside_reason(check: mismatch.Check, tried: int, aligned: int, fit: float | None = None) -> str:
    """Why the script is taken to belong to another take ('' when it is kept).

    English words decide when they are clear: half the lines tried aligned keeps the script
    whatever placement alone says; almost none aligned sets it aside unless placement is sure.
    So do the lines' phones in any language (fit: content.script_fit) when they fit the mouth
    shapes the lip reader hears closely; when they fit badly, that is a doubt."""
    confirmed = tried > 0 and aligned >= CONFIRM_SHARE * tried
    denied = tried > 0 and aligned < MISMATCH_SHARE * tried
    if confirmed or (fit is not None and fit <= content.SCRIPT_FITS):
        return ""
    if check.verdict == mismatch.MISMATCH:
        return check.reason
    if denied and check.verdict != mismatch.MATCH:
        return f"the words of only {aligned} of {tried} lines were found in it"
    doubts = list(check.doubts)
    if tried > 0 and aligned < DOUBT_ALIGNED_SHARE * tried:
        doubts.append(f"the words of only {aligned} of {tried} lines were found in it")
    if fit is not None and fit > content.SCRIPT_DOUBT:
        doubts.append("its words do not match the mouth shapes heard")
    if len(doubts) >= 3 or (len(doubts) == 2 and check.verdict != mismatch.MATCH):
        return "; ".join(doubts)
    return ""


def _spread(anchor: np.ndarray, emb: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Voice outside the script's lines (ad-libs, laughs) gets a role from the voices the lines
    taught, as audio-only diarization would (two distinct voices only: with one voice it stays
    unknown and the network decides)."""
    dense, _ = diarization.assign_roles(emb, voiced, anchor)
    covered = anchor[:, 0, 0] > 0
    dense[covered] = anchor[covered]
    return dense


def script_speaking(
    lines: tuple[TakeLine, ...], n_frames: int, fps: float, *, min_confidence: float = pl.LOW_CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Who speaks where the script says so: (F, 2) bool speaking and (F,) bool known.

    Over each confidently placed line (words aligned, or a sure placement) its character speaks
    for the whole line (pauses and stop closures inside a line are part of it) and the partner
    does not, unless a line of its own overlaps there; a character's gap shorter than
    SPEAKING_BRIDGE_S between two of its lines is speech too. Elsewhere (low-confidence lines,
    speech outside the script) nothing is known: the network decides.
    """
    speaks = np.zeros((n_frames, 2), dtype=bool)
    known = np.zeros(n_frames, dtype=bool)
    for line in lines:
        if line.confidence < min_confidence:
            continue
        s = int(np.clip(round(line.start * fps), 0, n_frames))
        e = int(np.clip(round(line.end * fps), s, n_frames))
        speaks[s:e, ROLE_INDEX[line.role]] = True
        known[s:e] = True
    for r in range(2):
        gaps = short_gaps(speaks[:, r], SPEAKING_BRIDGE_S * fps)  # between two of its lines
        speaks[gaps, r] = True
        known |= gaps
    return speaks, known


def speaking_over_lines(speaking: dict[str, np.ndarray], aligned: ScriptAlignment, fps: float) -> dict:
    """The take's per-role speaking (0..1) with the script's lines laid over the network's: where
    the script knows who speaks, that; elsewhere the network's own. On stems, where the lines know,
    each character speaks where its own stem holds its voice: a line never says a character is
    silent while its stem speaks (an unscripted laugh, a backchannel placed elsewhere), nor that
    it speaks over its stem's silence. Returns new arrays."""
    n = len(speaking[spec.ROLES[0]])
    speaks, known = script_speaking(aligned.lines, n, fps)
    frames = np.round(np.arange(n) * pl.FPS / fps).astype(np.int64)  # -> the alignment's frames
    two = aligned.two_voices
    if two is not None and len(two):  # two voices heard where the lines say one: the network decides
        known &= ~(two[np.clip(frames, 0, len(two) - 1)] & ~speaks.all(axis=1))
    if aligned.stem_voice is not None:
        own = aligned.stem_voice
        speaks = own[np.clip(frames, 0, len(own) - 1)] if len(own) else np.zeros((n, 2), dtype=bool)
    out = {}
    for r, role in enumerate(spec.ROLES):
        s = np.array(speaking[role], dtype=np.float32, copy=True)
        s[known] = speaks[known, r]
        out[role] = s
    return out


MOUTH_LEAD_S = 0.12  # lips move before the first phone (approach, inhalation) ...
MOUTH_TAIL_S = 0.15  # ... and settle after the last
MOUTH_RAMP_S = 0.08


def mouth_weight(
    spans: tuple[tuple[float, float], ...],
    n_frames: int,
    fps: float,
    *,
    lead: float = MOUTH_LEAD_S,
    tail: float = MOUTH_TAIL_S,
    ramp: float = MOUTH_RAMP_S,
) -> np.ndarray:
    """(F,) 0..1: 1 over the aligned lines (widened by the lead and tail), eased at the edges."""
    t = np.arange(n_frames) / fps
    w = np.zeros(n_frames)
    for s, e in spans:
        a, b = s - lead, e + tail
        rise = np.clip((t - (a - ramp)) / ramp, 0.0, 1.0)
        fall = np.clip(((b + ramp) - t) / ramp, 0.0, 1.0)
        w = np.maximum(w, np.minimum(rise, fall))
    return w


def read_unaligned_lines(
    aligned: ScriptAlignment, script: Script, probs: Sequence[np.ndarray], fps: float
) -> dict[str, list]:
    """{role: [read_lines.ReadPhones]}: the sure lines whose words did not align, read by the lip
    reader along each line's own phones (read_lines.py; the phones from line_phones). probs: the
    lip reader's (F, N_CLASSES) probabilities at `fps`, of the mix (one) or of each stem (two).
    Lines whose reading does not fit their text are left out (the lip reader's free reading
    stays), and so are lines no phone source reads. Empty for a script set aside."""
    added: dict[str, list] = {r: [] for r in spec.ROLES}
    if aligned.anchor is None or not len(probs):
        return added
    from . import read_lines

    english = _english_script(script)
    by_number = {line.number: line for line in script.lines}
    for taken in aligned.lines:
        line = by_number.get(taken.source_line)
        if line is None or taken.source_line in aligned.worded_lines or taken.confidence < pl.LOW_CONFIDENCE:
            continue
        phones = line_phones(line, english)
        if phones is None:
            continue
        role_probs = probs[ROLE_INDEX[line.role]] if len(probs) == 2 else probs[0]
        got = read_lines.read_line(role_probs, phones, taken.start, taken.end, fps)
        if got is not None and got.ipa and got.fit_loss <= read_lines.MAX_FIT_LOSS:
            added[line.role].append(got)
    return added


def script_mouth(
    blendshapes: dict[str, np.ndarray], aligned: ScriptAlignment, audio16k: np.ndarray, fps: float
):
    """Mouth channels from the aligned phones (the teacher's coarticulation), blended over the
    network's mouth where the words were aligned. blendshapes: {role: (F, 52)} at `fps`; returns
    new arrays, everything but the mouth channels untouched."""
    return phones_mouth(blendshapes, aligned.phones, audio16k, fps)


def phones_mouth(
    blendshapes: dict[str, np.ndarray],
    phones: dict[str, RolePhones],
    audio16k: np.ndarray,
    fps: float,
    **weight: float,
):
    """Mouth channels from each role's phones, blended over the network's mouth over their spans
    (mouth_weight; `weight`: its lead, tail and ramp)."""
    from .. import lips

    out = {}
    for r, role in enumerate(spec.ROLES):
        bs = np.array(blendshapes[role], dtype=np.float32, copy=True)
        ph = phones.get(role)
        if ph is not None and ph.ipa:
            n = bs.shape[0]
            audio = audio16k[:, r] if audio16k.ndim == 2 else audio16k
            track = lips.mouth_from_phones(
                np.asarray(ph.ipa),
                np.asarray(ph.start),
                np.asarray(ph.end),
                np.asarray(ph.stress),
                n,
                fps,
                audio16k=audio,
            )
            cols = np.asarray(lips.MOUTH_CHANNELS)
            w = mouth_weight(ph.spans, n, fps, **weight)[:, None].astype(np.float32)
            bs[:, cols] = w * track.blendshapes[:, cols] + (1.0 - w) * bs[:, cols]
        out[role] = np.clip(bs, 0.0, 1.0)
    return out
