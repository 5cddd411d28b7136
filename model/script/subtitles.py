"""Subtitles of a take: SubRip (.srt) and WebVTT (.vtt) text from the lines placed in it.

    from duet.model.script.subtitles import to_srt, to_vtt
    Path("scene12.srt").write_text(to_srt(performance.lines), encoding="utf-8")

Each placed line is one cue, 'Mara: words' (the speaker as a prefix, which the project's
own importers and most subtitle tools read back as the speaker), at the line's start and
end to the millisecond. Cues are in order of their start; overlapping lines (a
backchannel inside the other's line) stay overlapping cues, as both formats allow.
Pure Python; takes any objects with role, speaker, text, start and end (TakeLine).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

MAX_MS = 24 * 3600 * 1000 - 1  # both formats write hours as two digits; hints stop at a day too


class _Line(Protocol):
    speaker: str
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    """One subtitle: milliseconds from the audio's start, and its one line of text."""

    start_ms: int
    end_ms: int
    speaker: str
    text: str


def _ms(seconds: float) -> int:
    if not math.isfinite(seconds):
        raise ValueError(f"a subtitle time must be a number of seconds, got {seconds!r}")
    return min(max(round(seconds * 1000.0), 0), MAX_MS)


def _one_line(text: str) -> str:
    """The text on one line: a blank line inside a cue would end it in both formats."""
    return " ".join(str(text).split())


def cues(lines: Iterable[_Line]) -> list[Cue]:
    """The cues of placed lines: sorted by start (ties keep the script's order), each at
    least 1 ms long, text on one line."""
    out = []
    for line in lines:
        start = _ms(line.start)
        end = max(_ms(line.end), start + 1)  # both formats need the end after the start
        out.append(Cue(start, min(end, MAX_MS + 1), _one_line(line.speaker), _one_line(line.text)))
    return sorted(out, key=lambda c: c.start_ms)  # sorted() is stable: equal starts stay in order


def _clock(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _body(cue: Cue) -> str:
    return f"{cue.speaker}: {cue.text}".rstrip() if cue.speaker else cue.text


def to_srt(lines: Iterable[_Line]) -> str:
    """SubRip text: numbered cues, 'HH:MM:SS,mmm --> HH:MM:SS,mmm', 'Speaker: text'."""
    blocks = []
    for number, cue in enumerate(cues(lines), start=1):
        timing = f"{_clock(cue.start_ms, ',')} --> {_clock(cue.end_ms, ',')}"
        blocks.append(f"{number}\n{timing}\n{_body(cue)}\n")
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    """Cue text is markup in WebVTT: '&', '<' and '>' are written as entities (so a '-->'
    in the words cannot read as a timing line)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(lines: Iterable[_Line]) -> str:
    """WebVTT text: the 'WEBVTT' header, then cues 'HH:MM:SS.mmm --> HH:MM:SS.mmm'."""
    blocks = ["WEBVTT\n"]
    for cue in cues(lines):
        timing = f"{_clock(cue.start_ms, '.')} --> {_clock(cue.end_ms, '.')}"
        blocks.append(f"{timing}\n{_vtt_escape(_body(cue))}\n")
    return "\n".join(blocks)


FORMATS = {".srt": to_srt, ".vtt": to_vtt}


def subtitles_for(path_suffix: str, lines: Iterable[_Line]) -> str:
    """Subtitle text in the format a file ending names (.srt or .vtt)."""
    writer = FORMATS.get(path_suffix.lower())
    if writer is None:
        raise ValueError(f"subtitles are written as .srt or .vtt, not '{path_suffix}': pick one of those")
    return writer(lines)


__all__ = ["FORMATS", "Cue", "cues", "subtitles_for", "to_srt", "to_vtt"]
