"""Dialogue composer: two speakers' synthesised lines laid out in time as a conversation.

    speak = lambda text, role, kind: synthesizer_output   # anything with .audio and .phones
    dialogue = compose(rng, speak, language="en", partition="train", target_seconds=30.0)
    dialogue.mix, dialogue.stems, dialogue.phones[0], dialogue.segments[1], dialogue.speaking

Turn-taking follows published conversation statistics (numbers and sources beside
each constant): floor transfers cluster near +200 ms with a share of overlapping
transitions, long turns draw listener backchannels in the speaker's pauses, some
turns are interrupted and the interrupted speaker trails off, some turns end in a
laugh and some transitions are long silences. Role A is always the first to speak
(the model's convention for mixed audio); the composer asserts it.

The composer does no channel augmentation: ``mix`` is exactly ``stems.sum(1)`` and
the corpus applies the channel (room, noise, band limit) to the mix afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .. import spec
from ..lips import phones as ph
from ..signal import SPEAKING_BRIDGE_S, merge_spans, spans_to_mask
from . import text as text_source

SR = spec.SAMPLE_RATE

# --- clip length: most 10-60 s, some minutes (issue: "5 s to several minutes")
DURATION_MEDIAN_S = 24.0
DURATION_SIGMA = 0.6  # log-normal spread: ~80 % of clips between 11 and 52 s
DURATION_RANGE_S = (5.0, 240.0)
TARGET_SLACK_S = 2.5  # no new turn starts within this of the target (see compose)
LONG_CLIP_P = 0.04  # a few long conversations, 2-5 minutes
LONG_CLIP_RANGE_S = (120.0, 300.0)

# --- floor transfers (start of the next turn minus end of the previous one)
# Stivers et al. 2009: gaps cluster at 0-200 ms across ten languages (mode ~200 ms);
# Heldner & Edlund 2010: a large minority of transitions overlap briefly.
FTO_MEAN_S = 0.2
FTO_SD_S = 0.3
FTO_RANGE_S = (-0.7, 1.3)
LAPSE_P = 0.05  # a longer silence between turns (lapse), design
LAPSE_RANGE_S = (1.0, 2.5)
SAME_SPEAKER_P = 0.08  # the speaker goes on after a pause nobody takes, design
SAME_SPEAKER_PAUSE_S = (0.5, 1.6)
# Interruptions: the next speaker starts inside a long turn; the interrupted speaker
# stops within a second (design; overlaps make up ~5 % of speech in Levinson & Torreira 2015).
INTERRUPT_P = 0.1
INTERRUPT_MIN_TURN_S = 2.0
INTERRUPT_AT = (0.45, 0.85)  # fraction of the turn where the interruption starts
INTERRUPT_TRAIL_S = (0.2, 0.9)  # the interrupted speaker goes on this long before stopping
INTERRUPT_KEEP_P = 0.25  # ... or talks over to the end of the sentence

# --- inside a turn
SENTENCE_PAUSE_S = (0.12, 0.7)  # pauses between sentences of one turn, design
TURN_LAUGH_P = 0.06  # the speaker ends a turn laughing
SENTENCES_P = (0.42, 0.28, 0.14, 0.08, 0.05, 0.03)  # 1..6 sentences per turn, design

# --- listener backchannels during long turns (Yngve 1970; Ward & Tsukahara 2000: in
# pauses of the speaker; roughly one every few seconds of a long turn)
BACKCHANNEL_MIN_TURN_S = 2.0
BACKCHANNEL_EVERY_S = 4.5  # one expected per this much of a long turn's speech
BACKCHANNEL_PAUSE_MIN_S = 0.15
BACKCHANNEL_IN_PAUSE_P = 0.75  # the rest fall over running speech (overlap)
BACKCHANNEL_LAUGH_P = 0.12  # the listener's reaction is a laugh instead
BACKCHANNEL_GAIN_DB = (-9.0, -2.0)  # backchannels are quieter than turns

# --- audio kept around an utterance's phones when it is placed
LEAD_S = 0.04
TAIL_S = 0.12
FADE_S = 0.02
CLIP_LEAD_S = (0.15, 1.0)  # silence before A's first word
CLIP_TAIL_S = (0.2, 1.0)  # silence after the last sound
ROLE_GAIN_DB = (-4.0, 4.0)  # level difference between the two speakers
PEAK_RANGE = (0.3, 0.9)  # peak of the mixed clip after levelling


class UtteranceLike(Protocol):
    """What the composer needs from synthesised speech (duet.model.training.speech.Utterance).

    Real recordings (real_voices.py) may also give each phone a ``trusted`` flag (False: a
    stand-in over voiced sound whose phones are unknown; kept per phone in
    ``PhoneTable.trusted``) and the utterance a ``text`` that replaces the drawn line's text.
    """

    audio: np.ndarray  # float32 mono at SAMPLE_RATE
    phones: list[Any]  # items with .ipa, .start, .end, .stress (seconds in audio)


# speak(text, role, kind) -> UtteranceLike; kind is a text kind (question, laugh, ...)
Speak = Callable[[str, int, str], UtteranceLike]


class ComposerError(RuntimeError):
    """The composer could not build a clip (e.g. the synthesiser returned no phones)."""


@dataclass
class PhoneTable:
    """One role's phones in a clip (seconds from the clip start)."""

    ipa: list[str] = field(default_factory=list)
    start: list[float] = field(default_factory=list)
    end: list[float] = field(default_factory=list)
    stress: list[int] = field(default_factory=list)
    trusted: list[bool] = field(default_factory=list)  # False: a stand-in phone (real voices)

    def _order(self) -> np.ndarray:
        return np.argsort(np.asarray(self.start, dtype=np.float64), kind="stable")

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        order = self._order()
        return (
            np.asarray(self.ipa, dtype="<U8")[order],
            np.asarray(self.start, dtype=np.float64)[order],
            np.asarray(self.end, dtype=np.float64)[order],
            np.asarray(self.stress, dtype=np.int8)[order],
        )

    def trusted_array(self) -> np.ndarray:
        """Per phone, in the order of `arrays()`: True where the phone is known (not a stand-in)."""
        if len(self.trusted) != len(self.ipa):  # a table built without flags: synthesised phones
            return np.ones(len(self.ipa), dtype=bool)
        return np.asarray(self.trusted, dtype=bool).reshape(-1)[self._order()]


@dataclass(frozen=True)
class PlacedLine:
    """A line as spoken in the clip."""

    role: int
    start: float  # first phone (laughs: first sound) in seconds from the clip start
    end: float
    kind: str  # text kind
    text: str
    template: str
    truncated: bool = False


@dataclass
class Dialogue:
    """One composed clip. ``mix == stems.sum(1)`` (float32, no channel yet)."""

    language: str
    stems: np.ndarray  # (S, 2) float32
    mix: np.ndarray  # (S,) float32
    phones: tuple[PhoneTable, PhoneTable]
    segments: tuple[list[tuple[float, float, str]], list[tuple[float, float, str]]]
    lines: list[PlacedLine]
    speaking: np.ndarray  # (F, 2) bool, phones merged over SPEAKING_BRIDGE_S

    @property
    def seconds(self) -> float:
        return len(self.mix) / SR

    @property
    def n_frames(self) -> int:
        return frame_count(len(self.mix))


def frame_count(n_samples: int, fps: float = spec.NATIVE_FPS) -> int:
    """Frames of a clip: ceil(samples / rate * fps), computed exactly in integers."""
    num = int(n_samples) * int(round(fps * 1000))
    den = SR * 1000
    return -(-num // den)


def sample_target_seconds(rng: np.random.Generator) -> float:
    """A clip length: log-normal around DURATION_MEDIAN_S, with a few long ones."""
    if rng.random() < LONG_CLIP_P:
        return float(rng.uniform(*LONG_CLIP_RANGE_S))
    x = DURATION_MEDIAN_S * float(np.exp(DURATION_SIGMA * rng.standard_normal()))
    return float(np.clip(x, *DURATION_RANGE_S))


def speaking_mask(table: PhoneTable, n_frames: int, fps: float = spec.NATIVE_FPS) -> np.ndarray:
    """Who-speaks-when from phone activity: non-silent phones merged over short inner pauses."""
    ipa, start, end, _ = table.arrays()
    keep = np.array([not ph.is_silence(p) for p in ipa], dtype=bool)
    spans = np.stack([start[keep], end[keep]], axis=1) if np.any(keep) else np.zeros((0, 2))
    return spans_to_mask(merge_spans(spans, SPEAKING_BRIDGE_S), n_frames, fps)


# ----------------------------------------------------------------------------- building


@dataclass
class _Clip:
    """Placed audio pieces and phones while the clip is being built."""

    pieces: list[tuple[int, int, np.ndarray]] = field(default_factory=list)  # role, sample start, audio
    phones: tuple[PhoneTable, PhoneTable] = field(default_factory=lambda: (PhoneTable(), PhoneTable()))
    segments: tuple[list, list] = field(default_factory=lambda: ([], []))
    lines: list[PlacedLine] = field(default_factory=list)
    busy: tuple[list, list] = field(default_factory=lambda: ([], []))  # (start, end) per role

    def free(self, role: int, s: float, e: float, margin: float) -> bool:
        return all(e + margin <= bs or s - margin >= be for bs, be in self.busy[role])


@dataclass
class _Spoken:
    """A synthesised line, trimmed around its sound: audio and phones relative to its first sound."""

    audio: np.ndarray
    phones: list[tuple[str, float, float, int, bool]]  # non-silent phones (ipa, start, end, stress, trusted)
    lead: float  # seconds of audio before the first phone
    text: str
    kind: str
    template: str

    @property
    def duration(self) -> float:
        """First phone start to last phone end."""
        return self.phones[-1][2] - self.phones[0][1] if self.phones else 0.0


def _spoken(utt: UtteranceLike, line: text_source.Line) -> _Spoken | None:
    phones = [
        (
            str(p.ipa),
            float(p.start),
            float(p.end),
            int(getattr(p, "stress", 0) or 0),
            bool(getattr(p, "trusted", True)),
        )
        for p in utt.phones
        if not ph.is_silence(str(p.ipa)) and float(p.end) > float(p.start)
    ]
    audio = np.asarray(utt.audio, dtype=np.float32).reshape(-1)
    if not phones or len(audio) == 0:
        return None
    phones.sort(key=lambda p: p[1])
    t0 = max(0.0, phones[0][1] - LEAD_S)
    t1 = min(len(audio) / SR, max(p[2] for p in phones) + TAIL_S)
    i0, i1 = int(round(t0 * SR)), int(round(t1 * SR))
    clip = audio[i0:i1].astype(np.float32, copy=True)
    _fade(clip, FADE_S)
    origin = i0 / SR
    rel = [(p, s - origin, e - origin, st, tr) for p, s, e, st, tr in phones]
    text = getattr(utt, "text", None) or line.text
    return _Spoken(clip, rel, rel[0][1], text, line.kind, line.template)


def _fade(audio: np.ndarray, seconds: float, head: bool = True, tail: bool = True) -> None:
    n = min(len(audio) // 2, int(seconds * SR))
    if n <= 0:
        return
    ramp = np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)
    if head:
        audio[:n] *= ramp
    if tail:
        audio[-n:] *= ramp[::-1]


def _cut(spoken: _Spoken, at: float) -> _Spoken:
    """The line cut at the first phone end at or after `at` (seconds from its first phone)."""
    first = spoken.phones[0][1]
    ends = [p[2] - first for p in spoken.phones]
    k = next((i for i, e in enumerate(ends) if e >= at), len(ends) - 1)
    phones = spoken.phones[: k + 1]
    end_sample = min(len(spoken.audio), int(round((phones[-1][2] + 0.03) * SR)))
    audio = spoken.audio[:end_sample].copy()
    _fade(audio, FADE_S, head=False)
    return _Spoken(audio, phones, spoken.lead, spoken.text, spoken.kind, spoken.template)


def _place(clip: _Clip, role: int, spoken: _Spoken, t: float, gain: float, truncated: bool = False) -> float:
    """Put a line so that its first sound starts at `t`; returns where its last sound ends."""
    origin = t - spoken.lead
    start_sample = int(round(origin * SR))
    if start_sample < 0:
        raise ComposerError(f"line placed before the clip start ({origin:.3f} s)")
    clip.pieces.append((role, start_sample, spoken.audio * np.float32(gain)))
    origin = start_sample / SR  # phones follow the audio exactly as placed
    first = origin + spoken.phones[0][1]
    last = origin + max(p[2] for p in spoken.phones)
    if spoken.kind == "laugh":
        # A laugh is sound without speech phones (teacher: laughs are not speaking).
        clip.segments[role].append((first, last, "laugh"))
    else:
        table = clip.phones[role]
        for ipa, s, e, st, trusted in spoken.phones:
            table.ipa.append(ipa)
            table.start.append(origin + s)
            table.end.append(origin + e)
            table.stress.append(st)
            table.trusted.append(trusted)
    clip.busy[role].append((first, last))
    clip.lines.append(PlacedLine(role, first, last, spoken.kind, spoken.text, spoken.template, truncated))
    return last


def _turn_kinds(rng: np.random.Generator, after: str | None) -> list[str]:
    """Dialogue acts of one turn given the kind that ended the partner's last turn."""
    n = int(rng.choice(len(SENTENCES_P), p=SENTENCES_P)) + 1
    kinds: list[str] = []
    if after == "question":
        kinds.append("answer")
    elif after in ("statement", "answer") and rng.random() < 0.25:
        kinds.append("interjection")
    elif after is None and rng.random() < 0.3:
        kinds.append("question")
    while len(kinds) < n:
        kinds.append(str(rng.choice(["statement", "question", "answer"], p=[0.7, 0.2, 0.1])))
    # A reaction alone is a turn too ("Oh no!"); a question usually closes a turn.
    if kinds[0] == "interjection" and n == 1 and rng.random() < 0.5:
        kinds.append("statement")
    if "question" in kinds[:-1] and rng.random() < 0.6:
        kinds.remove("question")
        kinds.append("question")
    return kinds


def compose(
    rng: np.random.Generator,
    speak: Speak,
    *,
    language: str,
    partition: str,
    target_seconds: float,
) -> Dialogue:
    """Compose one two-speaker clip of about `target_seconds` (see the module doc)."""
    if not (np.isfinite(target_seconds) and target_seconds > 0):
        raise ValueError(f"target_seconds must be a positive number of seconds, got {target_seconds!r}")
    clip = _Clip()
    gains = [10.0 ** (float(rng.uniform(*ROLE_GAIN_DB)) / 20.0) for _ in range(2)]
    turns: list[tuple[int, float, float]] = []  # role, start, end (after any cut)

    def say(kind: str, role: int) -> _Spoken | None:
        ln = text_source.line(rng, language, kind, partition)
        return _spoken(speak(ln.text, role, kind), ln)

    t = float(rng.uniform(*CLIP_LEAD_S))
    role = 0
    after: str | None = None
    pending_cut: float | None = None  # where the current turn must stop (interrupted)
    while True:
        # Lay out this turn's sentences.
        spoken = [s for s in (say(k, role) for k in _turn_kinds(rng, after)) if s is not None]
        if not spoken:
            raise ComposerError(f"the synthesiser returned no phones for a {language} turn of role {role}")
        plan: list[tuple[float, _Spoken]] = []
        cursor = t
        for s in spoken:
            plan.append((cursor, s))
            cursor += s.duration + float(rng.uniform(*SENTENCE_PAUSE_S))
        turn_start, turn_end = t, plan[-1][0] + plan[-1][1].duration
        last_kind = plan[-1][1].kind

        # How the floor passes on.
        same = rng.random() < SAME_SPEAKER_P and turn_end - turn_start > 1.0
        interrupt = not same and turn_end - turn_start >= INTERRUPT_MIN_TURN_S and rng.random() < INTERRUPT_P
        if interrupt:
            next_start = turn_start + float(rng.uniform(*INTERRUPT_AT)) * (turn_end - turn_start)
            pending_cut = (
                None
                if rng.random() < INTERRUPT_KEEP_P
                else next_start + float(rng.uniform(*INTERRUPT_TRAIL_S))
            )
        else:
            pending_cut = None

        # Place the sentences, cutting at the interruption.
        end = turn_start
        for k, (at, s) in enumerate(plan):
            if pending_cut is not None and at >= pending_cut:
                break
            truncated = False
            if pending_cut is not None and at + s.duration > pending_cut:
                s = _cut(s, pending_cut - at)
                truncated = True
            end = _place(clip, role, s, at, gains[role], truncated)
            if truncated:
                last_kind = "statement"
                break
            if k == len(plan) - 1 and not interrupt and rng.random() < TURN_LAUGH_P:
                laugh = say("laugh", role)
                if laugh is not None:
                    end = _place(clip, role, laugh, end + float(rng.uniform(0.05, 0.3)), gains[role])
        clip.segments[role].append((turn_start, end, "turn"))
        turns.append((role, turn_start, end))

        # Stop a little short of the target: the last turn overshoots it by a few seconds on
        # average, so clip lengths (and corpus minutes) end up close to what was asked.
        if end >= max(DURATION_RANGE_S[0], target_seconds - min(TARGET_SLACK_S, 0.15 * target_seconds)):
            break
        if same:
            t = end + float(rng.uniform(*SAME_SPEAKER_PAUSE_S))
            after = "statement"
            continue
        partner = 1 - role
        if not interrupt:
            if rng.random() < LAPSE_P:
                fto = float(rng.uniform(*LAPSE_RANGE_S))
            else:
                fto = float(np.clip(rng.normal(FTO_MEAN_S, FTO_SD_S), *FTO_RANGE_S))
            next_start = end + fto
        # The partner cannot start before their own last sound, nor before this turn began.
        partner_busy = max((be for _, be in clip.busy[partner]), default=0.0)
        next_start = max(next_start, partner_busy + 0.15, turn_start + 0.3)
        t, role, after = next_start, partner, last_kind

    _backchannels(clip, turns, rng, say)
    return _assemble(clip, rng, language)


def _pauses(table: PhoneTable, s: float, e: float) -> list[tuple[float, float]]:
    """Silent gaps between one role's phones inside [s, e]."""
    spans = sorted((a, b) for a, b in zip(table.start, table.end, strict=True) if a >= s and b <= e)
    merged = merge_spans(np.asarray(spans).reshape(-1, 2), 0.0)
    return [(float(merged[i, 1]), float(merged[i + 1, 0])) for i in range(len(merged) - 1)]


def _backchannels(
    clip: _Clip,
    turns: list[tuple[int, float, float]],
    rng: np.random.Generator,
    say: Callable[[str, int], _Spoken | None],
) -> None:
    """Listener backchannels (and laughs) in the speaker's long turns."""
    for role, s, e in turns:
        if e - s < BACKCHANNEL_MIN_TURN_S:
            continue
        listener = 1 - role
        want = int(rng.poisson((e - s) / BACKCHANNEL_EVERY_S))
        pauses = [p for p in _pauses(clip.phones[role], s + 0.8, e) if p[1] - p[0] >= BACKCHANNEL_PAUSE_MIN_S]
        for _ in range(want):
            if pauses and rng.random() < BACKCHANNEL_IN_PAUSE_P:
                p0, p1 = pauses.pop(int(rng.integers(len(pauses))))
                at = p0 + float(rng.uniform(0.03, 0.25)) * min(1.0, (p1 - p0) / 0.3)
            else:
                at = float(rng.uniform(s + 0.8, max(s + 0.9, e - 0.3)))
            kind = "laugh" if rng.random() < BACKCHANNEL_LAUGH_P else "backchannel"
            spoken = say(kind, listener)
            if spoken is None or not clip.free(listener, at, at + spoken.duration, 0.3):
                continue
            gain = 10.0 ** (float(rng.uniform(*BACKCHANNEL_GAIN_DB)) / 20.0)
            end = _place(clip, listener, spoken, at, gain)
            if kind == "backchannel":
                clip.segments[listener].append((at, end, "backchannel"))


def fft_friendly_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n. Clips get such lengths (a little more tail silence)
    because whole-clip FFTs (channel noise, rooms, band limits) of a length with a large
    prime factor run up to 20x slower."""
    best = None
    p2 = 1
    while p2 < 2 * n or best is None:
        p3 = p2
        while p3 < 2 * n:
            p5 = p3
            while p5 < 2 * n:
                if p5 >= n and (best is None or p5 < best):
                    best = p5
                p5 *= 5
            p3 *= 3
        p2 *= 2
    return max(1, int(best))


def _assemble(clip: _Clip, rng: np.random.Generator, language: str) -> Dialogue:
    last = max(start + len(audio) for _, start, audio in clip.pieces)
    n = fft_friendly_length(last + int(round(float(rng.uniform(*CLIP_TAIL_S)) * SR)))
    stems = np.zeros((n, 2), dtype=np.float64)
    for role, start, audio in clip.pieces:
        stems[start : start + len(audio), role] += audio
    peak = float(np.max(np.abs(stems.sum(axis=1)))) if n else 0.0
    if peak > 0:
        stems *= float(rng.uniform(*PEAK_RANGE)) / peak
    stems32 = stems.astype(np.float32)
    mix = stems32.sum(axis=1, dtype=np.float32)
    n_frames = frame_count(n)
    speaking = np.stack([speaking_mask(clip.phones[r], n_frames) for r in range(2)], axis=1)
    for segs in clip.segments:
        segs.sort(key=lambda x: (x[0], x[1], x[2]))
    lines = sorted(clip.lines, key=lambda x: (x.start, x.role))
    dialogue = Dialogue(language, stems32, mix, clip.phones, clip.segments, lines, speaking)
    _check_role_order(dialogue)
    return dialogue


def first_sound(dialogue: Dialogue, role: int) -> float:
    """When a role first makes a sound (phone or laugh), inf if never."""
    starts = list(dialogue.phones[role].start) + [s for s, _, _ in dialogue.segments[role]]
    return min(starts, default=float("inf"))


def _check_role_order(dialogue: Dialogue) -> None:
    if not first_sound(dialogue, 0) < first_sound(dialogue, 1):
        raise ComposerError("role A must be the first to speak; the composer placed B first (a bug)")


def floor_transfer_offsets(dialogue: Dialogue) -> np.ndarray:
    """Start of each turn minus the end of the partner's preceding turn (s; < 0 = overlap)."""
    return transfer_offsets(dialogue.segments)


def transfer_offsets(segments) -> np.ndarray:
    """floor_transfer_offsets from per-role (start, end, kind) segments (e.g. read from shards)."""
    turns = sorted((s, e, r) for r in range(2) for s, e, k in segments[r] if k == "turn")
    out = []
    for (_, e0, r0), (s1, _, r1) in itertools.pairwise(turns):
        if r1 != r0:
            out.append(s1 - e0)
    return np.asarray(out, dtype=np.float64)


def overlap_fraction(speaking: np.ndarray) -> tuple[int, int]:
    """(frames where both speak, frames where anyone speaks)."""
    sp = np.asarray(speaking) > 0.5
    return int(np.sum(sp[:, 0] & sp[:, 1])), int(np.sum(sp[:, 0] | sp[:, 1]))


__all__ = [
    "ComposerError",
    "Dialogue",
    "PhoneTable",
    "PlacedLine",
    "Speak",
    "UtteranceLike",
    "compose",
    "fft_friendly_length",
    "first_sound",
    "floor_transfer_offsets",
    "frame_count",
    "overlap_fraction",
    "sample_target_seconds",
    "speaking_mask",
    "transfer_offsets",
]
