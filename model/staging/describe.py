"""Canonical staging text: one direction a line, in text order.

parse(describe(script)) == script: every start that the cursor rule would not
give back is written out, defaults stay unwritten, words are the canonical ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import vocab
from .directions import ZERO, Direction, format_number

if TYPE_CHECKING:
    from .directions import StagingScript

_COUNT_TEXT = {1: "once", 2: "twice"}


def _subject(d: Direction) -> str:
    return "both" if len(d.roles) == 2 else d.roles[0]


def _target(d: Direction) -> str:
    if d.target is None:
        return ""
    gaze = d.action in vocab.GAZE_ACTIONS
    if d.target == "partner":
        who = "each other" if len(d.roles) == 2 else ("B" if d.roles[0] == "A" else "A")
        return f"at {who}" if gaze else who
    if d.target == "camera":
        return "at the camera" if gaze else "the camera"
    return " and ".join(p.text() for p in d.parts)


def _timing(d: Direction, omit_start: bool) -> str:
    start = "" if omit_start else f"at {d.start.text()}"
    if d.end is not None:
        return f"until {d.end.text()}" if omit_start else f"from {d.start.text()} to {d.end.text()}"
    if d.length is not None:
        return f"{start} for {d.length.text()}".strip()
    if d.brief:
        return f"briefly {start}".strip()
    return start


def _face_words(d: Direction, plural: bool) -> list[str]:
    """'smiles slightly', 'is very sad', 'are sad at 60%', 'laughs heartily'."""
    key = d.mood if d.action == "mood" else d.action
    verb = vocab.MOOD_VERB_FORMS.get(key or "", vocab.VERB_FORMS["laugh"] if d.action == "laugh" else None)
    percent = f"at {format_number(d.percent)}%" if d.percent is not None else ""
    if verb is not None:
        size = vocab.VERY_AFTER.get(key or "", "very") if d.intensity == "very" else d.intensity or ""
        return [verb[int(plural)], size, percent]
    return [vocab.VERB_FORMS["mood"][int(plural)], d.intensity or "", str(d.mood), percent]


def sentence(d: Direction, *, with_time: bool = True, omit_start: bool | None = None) -> str:
    """One direction in canonical words. omit_start=None leaves out a 0 s start."""
    plural = len(d.roles) == 2
    if d.action in vocab.FACE_ACTIONS:
        words = [_subject(d), *_face_words(d, plural)]
    else:
        words = [_subject(d), vocab.VERB_FORMS[d.action][int(plural)]]
    if d.action == "shake":
        words.append("their heads" if plural else "their head")
    words.append(_target(d))
    if d.count is not None:
        words.append(_COUNT_TEXT.get(d.count, f"{d.count} times"))
    if d.pace is not None:
        words.append(d.pace)
    if with_time:
        if omit_start is None:
            omit_start = d.start == ZERO
        words.append(_timing(d, omit_start))
    return " ".join(w for w in words if w)


def describe(script: StagingScript) -> str:
    lines = []
    cursor = ZERO
    for d in script.directions:
        omit = d.start == cursor
        lines.append(sentence(d, omit_start=omit))
        if not omit:
            cursor = d.start
    return "\n".join(lines) + ("\n" if lines else "")


__all__ = ["describe", "sentence"]
