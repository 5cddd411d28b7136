"""Turn structure of a clip: who speaks when, turns, pauses, backchannels, laughs."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ...lips import phones as ph
from ...signal import SPEAKING_BRIDGE_S, merge_spans, spans_to_mask
from .data import RoleSpeech

TURN_BRIDGE_S = 0.7  # speech separated by less than this is one utterance
BACKCHANNEL_MAX_S = 0.9  # an inferred utterance this short inside the partner's turn is a backchannel
PAUSE_MIN_S = 0.18  # silent intervals this long inside a turn are pauses (listener feedback slots)


@dataclass
class RoleTimeline:
    speech_spans: np.ndarray  # (K, 2) seconds, phones merged over short gaps
    turns: np.ndarray  # (T, 2)
    backchannels: np.ndarray  # (B, 2)
    laughs: np.ndarray  # (L, 2)
    pauses: np.ndarray  # (Q, 2) silent gaps inside own turns
    speaking: np.ndarray  # (F,) bool
    floor: np.ndarray  # (F,) bool, inside one of own turns
    laughing: np.ndarray  # (F,) bool


def _phone_spans(speech: RoleSpeech) -> np.ndarray:
    keep = np.array([not ph.is_silence(p) for p in speech.phone_ipa], dtype=bool)
    if not np.any(keep):
        return np.zeros((0, 2))
    return np.stack([speech.phone_start[keep], speech.phone_end[keep]], axis=1)


def _segments(speech: RoleSpeech, kind: str) -> np.ndarray:
    rows = [(s, e) for s, e, k in speech.segments if k == kind]
    return np.asarray(rows, dtype=np.float64).reshape(-1, 2)


def _overlaps(span: np.ndarray, spans: np.ndarray) -> bool:
    return bool(len(spans)) and bool(np.any((spans[:, 0] < span[1]) & (spans[:, 1] > span[0])))


def build_timelines(
    a: RoleSpeech, b: RoleSpeech, n_frames: int, fps: float
) -> tuple[RoleTimeline, RoleTimeline]:
    """Timelines of both roles (backchannel inference needs the partner's turns)."""
    phone_spans = [_phone_spans(a), _phone_spans(b)]
    utterances = [merge_spans(s, TURN_BRIDGE_S) for s in phone_spans]
    turns, backs = [], []
    for r, speech in enumerate((a, b)):
        seg_turns = _segments(speech, "turn")
        seg_backs = _segments(speech, "backchannel")
        if len(seg_turns) or len(seg_backs):
            turns.append(seg_turns)
            backs.append(seg_backs)
        else:
            turns.append(utterances[r])
            backs.append(np.zeros((0, 2)))
    # Inferred turns: short utterances inside the partner's longer speech are backchannels.
    for r, speech in enumerate((a, b)):
        if speech.segments:
            continue
        partner = utterances[1 - r]
        keep, back = [], []
        for span in turns[r]:
            short = span[1] - span[0] <= BACKCHANNEL_MAX_S
            inside = len(partner) and np.any(
                (partner[:, 0] <= span[0] + 0.3)
                & (partner[:, 1] >= span[1] - 0.3)
                & (partner[:, 1] - partner[:, 0] > 2.0)
            )
            (back if short and inside else keep).append(span)
        turns[r] = np.asarray(keep).reshape(-1, 2)
        backs[r] = np.asarray(back).reshape(-1, 2)

    out = []
    for r, speech in enumerate((a, b)):
        spans = phone_spans[r]
        # Segments without phones (e.g. reference segments only) still count as speech.
        extra = [s for s in np.concatenate([turns[r], backs[r]]) if not _overlaps(s, spans)]
        spans_all = np.concatenate([spans, np.asarray(extra).reshape(-1, 2)]) if extra else spans
        speech_spans = merge_spans(spans_all, SPEAKING_BRIDGE_S)
        pauses = []
        merged = merge_spans(spans, 0.0)
        for (_, e0), (s1, _) in itertools.pairwise(merged):
            gap = np.array([e0, s1])
            if s1 - e0 >= PAUSE_MIN_S and np.any((turns[r][:, 0] <= e0) & (turns[r][:, 1] >= s1)):
                pauses.append(gap)
        laughs = _segments(speech, "laugh")
        out.append(
            RoleTimeline(
                speech_spans=speech_spans,
                turns=turns[r],
                backchannels=backs[r],
                laughs=laughs,
                pauses=np.asarray(pauses).reshape(-1, 2),
                speaking=spans_to_mask(speech_spans, n_frames, fps),
                floor=spans_to_mask(turns[r], n_frames, fps),
                laughing=spans_to_mask(laughs, n_frames, fps),
            )
        )
    return out[0], out[1]
