"""Importers: Fountain screenplays and SubRip/WebVTT subtitles to plain script text.

Every importer returns script text with one output line per input line, so the parser's
line numbers are the file's own: dialogue becomes 'Name: words' (continued on indented
lines), everything else (scene headings, action, cue numbers, sound cues) becomes a '#'
comment or a blank line. Problems the plain format cannot express (a subtitle cue with no
speaker) raise ScriptError here, with the file's line numbers.
"""

from __future__ import annotations

import html
import os
import re

from .errors import ScriptError, ScriptIssue
from .names import name_problem, normalise_name
from .text import escape_text, split_lines
from .times import MAX_HINT_S, TIME_FORMS, hint_text, time_ms
from .words import split_words

MAX_FILE_BYTES = 5_000_000
INDENT = "  "  # continuation lines of a spoken line

KINDS = {
    ".txt": "plain",
    ".text": "plain",
    ".script": "plain",
    ".fountain": "fountain",
    ".spmd": "fountain",
    ".srt": "srt",
    ".vtt": "vtt",
    ".webvtt": "vtt",
}

# ----------------------------------------------------------------------------- shared


def _comment(line: str) -> str:
    return f"# {line.strip()}" if line.strip() else ""


def _title_name(name: str) -> str:
    """'MARA' -> 'Mara' (screenplays and captions shout names); mixed case stays as written."""
    name = normalise_name(name)
    return name.title() if name.upper() == name else name


def _no_words(text: str) -> bool:
    """True when text holds only sound notes: [door slams], (laughs), ♪ music ♪."""
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)|♪[^♪]*♪?|♫[^♫]*♫?", " ", text)
    return not split_words(text)


# ----------------------------------------------------------------------------- Fountain

_SCENE = re.compile(r"^(?:INT|EXT|EST|INT\.?/EXT|I/E)[. ]|^\.[^.]", re.IGNORECASE)
_TITLE_KEY = re.compile(r"^[A-Za-z][A-Za-z ]{0,30}:")
_BONEYARD = re.compile(r"/\*.*?\*/", re.DOTALL)
_NOTE = re.compile(r"\[\[.*?\]\]", re.DOTALL)
_EMPHASIS = re.compile(r"(?<!\\)[*_]")
_ESCAPED_EMPHASIS = re.compile(r"\\([*_])")
_EXTENSIONS = re.compile(r"\([^()]*\)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


_GONE = "\x1f"  # marks what boneyard and notes removed: those lines are skipped, not blank


def _remove(match: re.Match[str]) -> str:
    """Removed text keeps its line breaks (line numbers stay the file's), each piece marked gone."""
    return "\n".join(_GONE for _ in range(len(_LINE_BREAK.findall(match.group())) + 1))


def _cue_name(line: str) -> str | None:
    """The character name of a Fountain character cue, or None when the line is not one."""
    text = line.strip()
    if text.startswith("@"):
        name = _EXTENSIONS.sub(" ", text[1:]).rstrip("^ \t")
        return normalise_name(name) or None
    if not text or text[0] in "!.>=#~[(" or _SCENE.match(text) or text.endswith(":"):
        return None
    name = normalise_name(_EXTENSIONS.sub(" ", text).rstrip("^ \t").strip())
    if not name or not any(ch.isalpha() for ch in name) or name.upper() != name:
        return None
    return _title_name(name)


def _dialogue_text(line: str) -> str:
    text = line.strip()
    if text.startswith("~"):  # lyrics are sung words
        text = text[1:].strip()
    return escape_text(_ESCAPED_EMPHASIS.sub(r"\1", _EMPHASIS.sub("", text)))


def from_fountain(text: str, *, source: str = "<fountain>") -> str:
    """Plain script text of a Fountain screenplay's dialogue (cue line -> 'Name:', dialogue indented)."""
    original = split_lines(text)
    out = [_comment(line) for line in original]
    stripped = _NOTE.sub(_remove, _BONEYARD.sub(_remove, text.replace(_GONE, "")))
    # (line index, text) of the lines left once boneyard and notes are gone
    lines = [
        (k, raw.replace(_GONE, ""))
        for k, raw in enumerate(split_lines(stripped))
        if raw.replace(_GONE, "").strip() or _GONE not in raw
    ]
    errors: list[ScriptIssue] = []
    i = 0
    first = next((n for n, (_, line) in enumerate(lines) if line.strip()), len(lines))
    if first < len(lines) and _TITLE_KEY.match(lines[first][1].strip()) and not _cue_name(lines[first][1]):
        i = first
        while i < len(lines) and lines[i][1].strip():  # the title page runs to the first blank line
            i += 1
    prev_blank = True
    while i < len(lines):
        k, line = lines[i]
        following = lines[i + 1][1] if i + 1 < len(lines) else ""
        name = _cue_name(line) if prev_blank and following.strip() else None
        if name is None:
            prev_blank = not line.strip()
            i += 1
            continue
        problem = name_problem(name)
        if problem:
            errors.append(
                ScriptIssue(
                    k + 1,
                    len(line) - len(line.lstrip()) + 1,
                    f"the character cue '{line.strip()}' is not a name a script can hold: the name {problem}",
                    "a character name",
                    "rename the character",
                )
            )
        out[k] = f"{name}:"
        i += 1
        new_paragraph = False
        while i < len(lines) and (lines[i][1].strip() or (len(lines[i][1]) >= 2 and lines[i][1].isspace())):
            k, line = lines[i]
            if not line.strip():  # "  " keeps the dialogue going after a pause
                out[k] = ""
                new_paragraph = True
            elif new_paragraph:
                out[k] = f"{name}: {_dialogue_text(line)}"
                new_paragraph = False
            else:
                out[k] = INDENT + _dialogue_text(line)
            i += 1
        prev_blank = False
    if errors:
        raise ScriptError(errors, source)
    return "\n".join(out)


# ----------------------------------------------------------------------------- SubRip and WebVTT

_ARROW = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)")
_TAG = re.compile(r"<rt>.*?</rt>|<[^>]*>|\{\\[^}]*\}", re.IGNORECASE)
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>", re.IGNORECASE)
# "Name:" or "- NAME (V.O.):" at the start of a cue line
_SPEAKER = re.compile(r"^\s*(?:[-‐–—]\s*)?([^:：\[\]()<>]{1,60}?(?:\s*\([^()]{0,30}\))*)\s*[:：]\s*(.*)$")
_DASH = re.compile(r"^\s*[-‐–—]\s*")
_SRT_SNIFF = re.compile(r"^\s*\d+\s*\n\s*\d+:\d\d:\d\d[,.]\d+\s*-->", re.MULTILINE)


class _Cue:
    def __init__(self, label: str, timing_line: int, start: float, end: float) -> None:
        self.label = label
        self.timing_line = timing_line
        self.start = start
        self.end = end
        self.text: list[tuple[int, str]] = []  # (line index, text)


def _cue_time(text: str, line: int, col: int, label: str) -> float:
    try:
        return time_ms(text) / 1000.0
    except ValueError:
        raise ScriptError(
            [
                ScriptIssue(
                    line,
                    col,
                    f"cue {label}: '{text[:30]}' is not a time: write {TIME_FORMS}",
                    TIME_FORMS,
                    "00:00:12,500",
                )
            ]
        ) from None


def _read_cues(lines: list[str], first: int, vtt: bool, errors: list[ScriptIssue]) -> list[_Cue]:
    """Cues of a subtitle file from line index first: (optional label,) 'start --> end', text."""
    cues: list[_Cue] = []
    i, n = first, len(lines)
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        block = i
        while i < n and lines[i].strip():
            i += 1
        head = lines[block].strip()
        if vtt and head.split(" ")[0] in ("NOTE", "STYLE", "REGION"):
            continue
        timing = next((k for k in range(block, min(block + 2, i)) if "-->" in lines[k]), None)
        if timing is None:
            if not _no_words(" ".join(lines[block:i])) and not _ARROW.match(head):
                errors.append(
                    ScriptIssue(
                        block + 1,
                        1,
                        "text outside a cue: each cue needs a 'start --> end' line before its text "
                        "(is there a blank line inside the cue above?)",
                        "'00:00:01,000 --> 00:00:02,000'",
                        "remove the blank line",
                    )
                )
            continue
        label = head if timing > block else str(len(cues) + 1)
        m = _ARROW.match(lines[timing])
        try:
            if m is None:
                raise ScriptError(
                    [ScriptIssue(timing + 1, 1, f"cue {label}: expected 'start --> end'", "start --> end")]
                )
            start = _cue_time(m.group(1), timing + 1, m.start(1) + 1, label)
            end = _cue_time(m.group(2), timing + 1, m.start(2) + 1, label)
        except ScriptError as exc:
            errors.extend(exc.errors)
            continue
        if end <= start or end > MAX_HINT_S:
            errors.append(
                ScriptIssue(
                    timing + 1,
                    m.start(2) + 1,
                    f"cue {label} ends ({m.group(2)}) before it starts ({m.group(1)})",
                    "an end after the start",
                    "fix the end time",
                )
            )
            continue
        cue = _Cue(label, timing, start, end)
        cue.text = [(k, lines[k]) for k in range(timing + 1, i)]
        cues.append(cue)
    return cues


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _clean_name(name: str) -> str:
    return normalise_name(_EXTENSIONS.sub(" ", name))


def _turns(cue: _Cue, errors: list[ScriptIssue]) -> list[tuple[str | None, list[tuple[int, str]]]]:
    """A cue's speaker turns: (speaker, or None when the text names none, [(line index, text)]).

    A turn starts at the cue's first line, a voice tag <v Name>, a 'Name:' prefix or a
    dialogue dash; other lines continue the turn above (a voice lasts to the cue's end).
    """
    turns: list[tuple[str | None, list[tuple[int, str]]]] = []
    for k, raw in cue.text:
        voices = _VOICE.findall(raw)
        if len(voices) > 1:
            errors.append(
                ScriptIssue(
                    k + 1,
                    1,
                    f"cue {cue.label} has two voices on one line: put each <v Name> on its own line",
                    "one voice a line",
                    "split the line",
                )
            )
            return []
        text = _clean(raw)
        m = _SPEAKER.match(text)
        if voices:
            turns.append((_title_name(_clean_name(voices[0])), [(k, _DASH.sub("", text))]))
        elif m is not None and name_problem(_clean_name(m.group(1))) is None:
            turns.append((_title_name(_clean_name(m.group(1))), [(k, m.group(2))]))
        elif _DASH.match(text) or not turns:
            turns.append((None, [(k, _DASH.sub("", text))]))
        else:
            turns[-1][1].append((k, text))
    return turns


def _subtitles(text: str, source: str, vtt: bool) -> str:
    lines = split_lines(text)
    out = [_comment(line) for line in lines]
    errors: list[ScriptIssue] = []
    first = 0
    if vtt:
        head = next((k for k, line in enumerate(lines) if line.strip()), None)
        if head is None or not lines[head].strip().startswith("WEBVTT"):
            raise ScriptError(
                [ScriptIssue(1, 1, "a WebVTT file starts with the line 'WEBVTT'", "WEBVTT", "WEBVTT")], source
            )
        first = head
        while first < len(lines) and lines[first].strip():  # the header runs to the first blank line
            first += 1
    for cue in _read_cues(lines, first, vtt, errors):
        out[cue.timing_line] = ""  # the times are in the hints; cue numbers say nothing
        if cue.timing_line > 0 and lines[cue.timing_line - 1].strip() == cue.label:
            out[cue.timing_line - 1] = ""
        # sound notes without a speaker ([door slams], music) stay comments
        turns = [
            t for t in _turns(cue, errors) if t[0] is not None or not _no_words(" ".join(x for _, x in t[1]))
        ]
        nameless = [t for t in turns if t[0] is None]
        if nameless:
            k, sample = nameless[0][1][0]
            errors.append(
                ScriptIssue(
                    k + 1,
                    1,
                    f"cue {cue.label} has no speaker: add 'Name:' at the start of the text "
                    f"(like 'Mara: {sample[:30]}')" + (" or a voice tag <v Mara>" if vtt else ""),
                    "a speaker",
                    "Mara: ",
                )
            )
            continue
        for index, (who, parts) in enumerate(turns):
            if (
                len(turns) == 1
            ):  # two speakers in one cue share its time: the first starts it, the last ends it
                hint = hint_text(cue.start, cue.end)
            elif index == 0:
                hint = hint_text(cue.start, None)
            elif index == len(turns) - 1:
                hint = hint_text(None, cue.end)
            else:
                hint = ""
            for n, (k, words) in enumerate(parts):
                body = escape_text(words.strip())
                if n == 0:
                    out[k] = f"{hint}{who}: {body}".rstrip()
                else:
                    out[k] = INDENT + body if body else "#"
    if errors:
        raise ScriptError(errors, source)
    return "\n".join(out)


def from_srt(text: str, *, source: str = "<srt>") -> str:
    """Plain script text of SubRip subtitles: each cue's lines with the cue's time as a hint."""
    return _subtitles(text, source, vtt=False)


def from_vtt(text: str, *, source: str = "<vtt>") -> str:
    """Plain script text of WebVTT subtitles (speakers from 'Name:' or voice tags <v Name>)."""
    return _subtitles(text, source, vtt=True)


# ----------------------------------------------------------------------------- files


def sniff(text: str, extension: str = "") -> str:
    """The kind of script text: 'vtt', 'srt', 'fountain' or 'plain' (the extension decides ties)."""
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith("WEBVTT"):
        return "vtt"
    if _SRT_SNIFF.search(head.replace("\r\n", "\n").replace("\r", "\n")):
        return "srt"
    kind = KINDS.get(extension.lower(), "")
    if kind in ("fountain", "srt", "vtt"):
        return kind
    if any(_SCENE.match(line.strip()) and not line.strip().startswith(".") for line in head.splitlines()):
        return "fountain"
    return "plain"


def _file_error(path: str, message: str) -> ScriptError:
    return ScriptError([ScriptIssue(0, 0, message)], os.path.basename(path) or path)


def _decode(data: bytes, path: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _file_error(path, "the file says it is UTF-16 text but is not: save it as UTF-8") from None
    if b"\x00" in data[:65536]:
        raise _file_error(
            path,
            "this is not a text file (it holds binary data): choose the script's .txt, "
            ".fountain, .srt or .vtt file",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # old Windows editors; undefined bytes become '\ufffd'


def load_script_file(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(plain script text, kind) of a script file: plain, Fountain, SubRip or WebVTT.

    The kind comes from the extension and the content (a 'WEBVTT' header, SubRip's number
    and arrow). Raises ScriptError for a missing, unreadable, huge or binary file, and for
    the importer's own problems (with the file's line numbers).
    """
    try:
        path = os.fspath(path)
    except TypeError:
        raise _file_error(str(path), f"a script file path must be text, got {type(path).__name__}") from None
    if not path or not os.path.exists(path):
        raise _file_error(path, f"the script file {path!r} does not exist: check the path")
    if os.path.isdir(path):
        raise _file_error(
            path, f"{path!r} is a folder, not a script file: choose a .txt, .fountain, .srt or .vtt"
        )
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise _file_error(
                path,
                f"the file is {size / 1e6:.1f} MB; a script is text under {MAX_FILE_BYTES // 1_000_000} MB: "
                "is this the right file?",
            )
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _file_error(
            path, f"the script file cannot be read ({exc.strerror or exc}): check its permissions"
        ) from None
    text = _decode(data, path)
    kind = sniff(text, os.path.splitext(path)[1])
    source = os.path.basename(path)
    if kind == "fountain":
        return from_fountain(text, source=source), kind
    if kind == "srt":
        return from_srt(text, source=source), kind
    if kind == "vtt":
        return from_vtt(text, source=source), kind
    return text.replace("\ufeff", ""), kind


__all__ = ["KINDS", "MAX_FILE_BYTES", "from_fountain", "from_srt", "from_vtt", "load_script_file", "sniff"]
