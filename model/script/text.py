"""Script text: the dialogue's spoken lines in spoken order (the format is in docs/SCRIPT.md).

    A = Mara                     # optional cast lines, before the first spoken line
    Mara: Hello there. (laughs)  # one spoken line per text line; (..) and [..] are not spoken
    [0:12 - 0:15.5] Theo: Hi,    # optional time hint: start, or start - end, or - end
        how are you?             # an indented line continues the line above

Pure Python (stdlib only); never raises anything but ScriptError for any text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .errors import ScriptError, ScriptIssue
from .names import ROLES, check_names, close_name, name_issue, name_problem, normalise_name
from .times import TIME_FORMS, fmt_time, hint_text, time_ms
from .words import split_words, syllables

_QUOTE_MAX = 40  # quoted text in messages is cut to this many characters

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"(?:^|(?<=\s))#")  # '#' at the start or after whitespace; '\#' is a literal '#'
_ESCAPED_HASH = re.compile(r"\\#")
_CAST = re.compile(r"([A-Za-z])\s*=(.*)$")
_COLON = re.compile(r"[:：]")  # ':' and the full-width colon of CJK text
_EXTENSION = re.compile(r"\([^()]*\)")  # "Mara (V.O.):" speaks as Mara
_BRACKET = re.compile(r"[()\[\]（）]")
_OPENERS = {"(": ")", "[": "]", "（": "）"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_RANGE = re.compile(r"^(.*?)\s*(?:-->|->|[-–—]|\s+to\s+)\s*(.*)$", re.IGNORECASE)
_LOOKS_LIKE_TIME = re.compile(r"^\s*\d+(?::\d+)*(?:[.,]\d+)?\s*(?:s|(?:-|–|-->)\s*\d.*)?\s*$", re.ASCII)


class _Fail(Exception):
    """One problem found while reading a line; carries the issue."""

    def __init__(self, issue: ScriptIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


@dataclass(frozen=True)
class ScriptLine:
    """One spoken line.

    ``text`` is the written text after the colon (what subtitles and markers show),
    ``spoken`` the text without (parentheticals) and [notes], ``words`` its word tokens
    as written, ``syllables`` an estimate of its length (the placement's duration prior).
    ``hint_start``/``hint_end`` are seconds from the take's start (to the millisecond).
    ``number``/``column`` locate the speaker in the text and are not part of equality.
    """

    role: str
    speaker: str
    text: str
    spoken: str
    words: tuple[str, ...]
    syllables: int
    hint_start: float | None = None
    hint_end: float | None = None
    number: int = field(default=0, compare=False)
    column: int = field(default=1, compare=False)


@dataclass(frozen=True)
class Script:
    """A parsed script: lines in spoken order, the resolved {role: name}, warnings.

    ``names`` holds the names the script was given or met (a role written only as its
    letter has no entry); parse_script(script.describe()) == script.
    """

    lines: tuple[ScriptLine, ...]
    names: dict[str, str]
    warnings: tuple[ScriptIssue, ...] = field(default=(), compare=False)
    source: str = field(default="<script>", compare=False)

    def describe(self) -> str:
        """Canonical script text: cast lines, then one spoken line a line."""
        out = [f"{role} = {self.names[role]}" for role in ROLES if role in self.names]
        if out:
            out.append("")
        for line in self.lines:
            out.append(f"{hint_text(line.hint_start, line.hint_end)}{line.speaker}: {escape_text(line.text)}")
        return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- small helpers


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"


def escape_text(text: str) -> str:
    """Text as written in a script line: a '#' that would start a comment (or follows a '\\') as '\\#'."""
    if "#" not in text:
        return text
    out = []
    for i, ch in enumerate(text):
        if ch == "#" and (i == 0 or text[i - 1].isspace() or text[i - 1] == "\\"):
            out.append("\\#")
        else:
            out.append(ch)
    return "".join(out)


def _unescape(text: str) -> str:
    return _ESCAPED_HASH.sub("#", text) if "\\#" in text else text


# ----------------------------------------------------------------------------- times


def _parse_time(text: str, line: int, col: int) -> float:
    try:
        return time_ms(text) / 1000.0
    except ValueError as exc:
        why = str(exc)
    shown = _quote(text.strip())
    if why == "seconds":
        message = f"'{shown}' is not a time: the seconds after ':' must be below 60"
    elif why == "minutes":
        message = f"'{shown}' is not a time: the minutes in h:mm:ss must be below 60"
    elif why == "large":
        message = f"'{shown}' is more than 24 hours into the take: check the time"
    else:
        message = f"'{shown}' is not a time: write {TIME_FORMS}"
    raise _Fail(ScriptIssue(line, col, message, TIME_FORMS, "0:12"))


def _parse_hint(body: str, line: int, at: int) -> tuple[float | None, float | None, int]:
    """The time hint '[...]' starting at body[at]: (start, end, index after ']')."""
    close = body.find("]", at)
    col = at + 1
    if close < 0:
        raise _Fail(
            ScriptIssue(
                line,
                col,
                "the time hint's '[' is not closed: write it like '[0:12] B: ...'",
                "']' after the time",
                "[0:12]",
            )
        )
    inner = body[at + 1 : close]
    if not any(ch.isdigit() for ch in inner):
        raise _Fail(
            ScriptIssue(
                line,
                col,
                f"'[{_quote(inner)}]' before the speaker is not a time hint: "
                f"put notes after the speaker, like 'B: [{_quote(inner)}] ...'",
                "a time hint like [0:12] or a speaker",
                "move the note after the speaker",
            )
        )
    lead = len(inner) - len(inner.lstrip())
    m = _RANGE.match(inner.strip())
    if m is None:
        return _parse_time(inner, line, col + 1 + lead), None, close + 1
    first, second = m.group(1), m.group(2)
    second_col = col + 1 + lead + m.start(2)
    if not second.strip():
        raise _Fail(
            ScriptIssue(
                line,
                second_col,
                f"expected an end time after '-' in '[{_quote(inner)}]'",
                "an end time",
                "[0:12 - 0:15]",
            )
        )
    end = _parse_time(second, line, second_col)
    if not first.strip():
        return None, end, close + 1  # "[- 0:15]": the end only
    start = _parse_time(first, line, col + 1 + lead)
    if end <= start:
        raise _Fail(
            ScriptIssue(
                line,
                second_col,
                f"the end {fmt_time(end)} is not after the start {fmt_time(start)}",
                "an end after the start",
                f"[{fmt_time(start)} - {fmt_time(start + 1.0)}]",
            )
        )
    return start, end, close + 1


# ----------------------------------------------------------------------------- the parser


@dataclass
class _Segment:
    line: int
    col: int  # column of raw[0] in its line
    raw: str  # text as written (escapes kept), stripped


@dataclass
class _Pending:
    """A spoken line being read (its continuation lines join it)."""

    number: int
    column: int
    indent: int
    role: str
    speaker: str
    hint_start: float | None
    hint_end: float | None
    hint_col: int
    segments: list[_Segment]
    after_colon: int  # column just after the speaker's colon


def split_lines(text: str) -> list[str]:
    # a byte-order mark (at the start, or where files were joined) is invisible in editors
    return _LINE_BREAK.split(text.replace("\ufeff", "") if "\ufeff" in text else text)


class _Parser:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = dict(names)  # role -> name (given, cast or met)
        self.cast_at: dict[str, int] = {}  # role -> its cast line
        self.errors: list[ScriptIssue] = []
        self.warnings: list[ScriptIssue] = []
        self.lines: list[ScriptLine] = []
        self.letters_used: set[str] = set()
        self.last_start: tuple[float, int] | None = None

    # -- names

    def _cast(self) -> str:
        return ", ".join(f"{r} = {self.names.get(r, '(no name yet)')}" for r in ROLES)

    def resolve(self, name: str, line: int, col: int) -> tuple[str, str]:
        """(role, speaker) for a speaker name written at line/col."""
        folded = name.casefold()
        for role in ROLES:
            if folded == role.casefold():
                self.letters_used.add(role)
                return role, self.names.get(role, role)
        for role, known in self.names.items():
            if known.casefold() == folded:
                return role, known
        free = [r for r in ROLES if r not in self.names]
        if not free:
            guess = close_name(name, [*self.names.values()])
            fix = f"did you mean '{guess}'?" if guess else "write its lines as A or B, or remove them"
            raise _Fail(
                ScriptIssue(
                    line,
                    col,
                    f"unknown character '{_quote(name)}': the take has two characters ({self._cast()}); "
                    + fix,
                    "A, B or " + " or ".join(f"'{n}'" for n in self.names.values()),
                    guess or "A",
                )
            )
        unused = [r for r in free if r not in self.letters_used]
        if not unused:  # the name could be either letter, or a third character: never guess
            options = " or ".join(f"'{r} = {_quote(name)}'" for r in free)
            raise _Fail(
                ScriptIssue(
                    line,
                    col,
                    f"who is '{_quote(name)}'? The script writes "
                    f"{' and '.join(sorted(self.letters_used))} as letters, so the name cannot be given a "
                    f"role: add the cast line {options} at the top, or write the letter",
                    "A, B or a cast line",
                    f"{free[0]} = {name}",
                )
            )
        role = unused[0]
        other = "B" if role == "A" else "A"
        self.names[role] = name
        if other in self.names and close_name(name, [self.names[other]], 0.75):
            self.warnings.append(
                ScriptIssue(
                    line,
                    col,
                    f"'{name}' is taken as a second character ({role}); did you mean "
                    f"'{self.names[other]}' ({other})? Add the cast line '{role} = ...' at the top "
                    "to be sure",
                    f"'{self.names[other]}'",
                    self.names[other],
                )
            )
        elif self.letters_used:
            self.warnings.append(
                ScriptIssue(
                    line,
                    col,
                    f"'{name}' is taken as {role} because the script writes {other} as a letter: "
                    f"add the cast line '{role} = {name}' at the top to be sure",
                    f"{role} = {name}",
                    f"{role} = {name}",
                )
            )
        return role, name

    def cast_line(self, letter: str, value: str, line: int, col: int, value_col: int) -> None:
        role = letter.upper()
        if role not in ROLES:
            raise _Fail(
                ScriptIssue(
                    line,
                    col,
                    f"a cast line names A or B, not '{letter}': write it like 'A = Mara'",
                    "A or B",
                    "A",
                )
            )
        name = normalise_name(value)
        if not name:
            raise _Fail(
                ScriptIssue(
                    line, value_col, f"the cast line gives {role} no name: write it like '{role} = Mara'"
                )
            )
        known = self.names.get(role)
        if known is not None and known.casefold() != name.casefold():
            where = "names" if role not in self.cast_at else f"line {self.cast_at[role]}"
            raise _Fail(
                ScriptIssue(
                    line,
                    value_col,
                    f"the cast line says {role} = {name}, but {where} says {role} = {known}",
                    f"{role} = {known}",
                    f"{role} = {known}",
                )
            )
        problem = name_issue(role, name, self.names)
        if problem:
            raise _Fail(ScriptIssue(line, value_col, problem, "a name like Mara", "Mara"))
        if known is None:
            self.names[role] = name
            self.cast_at[role] = line

    # -- lines

    def start_line(self, body: str, number: int, indent: int) -> _Pending:
        at = indent
        hint_start = hint_end = None
        hint_col = 0
        if body.startswith("[", at):
            hint_col = at + 1
            hint_start, hint_end, at = _parse_hint(body, number, at)
            while at < len(body) and body[at].isspace():
                at += 1
        colon = _COLON.search(body, at)
        name = ""
        if colon is not None:
            name = normalise_name(_EXTENSION.sub(" ", body[at : colon.start()]))
        if colon is None or name_problem(name) is not None:
            raise _Fail(
                ScriptIssue(
                    number,
                    at + 1,
                    "expected a speaker like 'A:' or 'Mara:' before the words",
                    "a speaker and ':'",
                    "A: " + _quote(body[at:]),
                )
            )
        role, speaker = self.resolve(name, number, at + 1)
        rest = body[colon.end() :]
        lead = len(rest) - len(rest.lstrip())
        seg = [_Segment(number, colon.end() + lead + 1, rest.strip())] if rest.strip() else []
        return _Pending(
            number, at + 1, indent, role, speaker, hint_start, hint_end, hint_col, seg, colon.end() + 1
        )

    def finish(self, p: _Pending) -> None:
        """Check a complete line (with its continuations) and keep it."""
        if not p.segments:
            self.errors.append(
                ScriptIssue(
                    p.number,
                    p.after_colon,
                    f"nothing after '{p.speaker}:': write the line's words after the colon",
                    "the spoken words",
                    f"{p.speaker}: ...",
                )
            )
            return
        raw = " ".join(s.raw for s in p.segments)
        starts, acc = [], 0
        for s in p.segments:
            starts.append(acc)
            acc += len(s.raw) + 1

        def where(index: int) -> tuple[int, int]:
            k = bisect.bisect_right(starts, index) - 1
            return p.segments[k].line, p.segments[k].col + index - starts[k]

        spoken_raw, ok = self._strip_brackets(raw, where)
        if not ok:
            return
        text = _unescape(raw)
        spoken = " ".join(_unescape(spoken_raw).split())
        words = split_words(spoken)
        if not words:
            self.warnings.append(
                ScriptIssue(
                    p.number,
                    p.segments[0].col,
                    f"'{_quote(text)}' has no spoken words: the line is kept for subtitles and markers "
                    "but not aligned",
                    "spoken words",
                    "",
                )
            )
        self._check_hint_order(p)
        self.lines.append(
            ScriptLine(
                role=p.role,
                speaker=p.speaker,
                text=text,
                spoken=spoken,
                words=words,
                syllables=syllables(words),
                hint_start=p.hint_start,
                hint_end=p.hint_end,
                number=p.number,
                column=p.column,
            )
        )

    def _strip_brackets(self, raw: str, where) -> tuple[str, bool]:
        """raw without its (parentheticals) and [notes]; False (and errors) when unbalanced."""
        if not _BRACKET.search(raw):
            return raw, True
        stack: list[tuple[str, int]] = []
        keep: list[str] = []
        last = 0
        for m in _BRACKET.finditer(raw):
            ch, i = m.group(), m.start()
            if ch in _OPENERS:
                if not stack:
                    keep.append(raw[last:i])
                stack.append((ch, i))
                continue
            if not stack or stack[-1][0] != _CLOSERS[ch]:
                line, col = where(i)
                opened = (
                    f" (the '{stack[-1][0]}' at col {where(stack[-1][1])[1]} is still open)" if stack else ""
                )
                self.errors.append(
                    ScriptIssue(
                        line,
                        col,
                        f"'{ch}' closes nothing{opened}: remove it or add the '{_CLOSERS[ch]}' it closes",
                        _OPENERS[stack[-1][0]] if stack else "text",
                        f"remove '{ch}'",
                    )
                )
                return raw, False
            _, opened_at = stack.pop()
            if not stack:
                last = i + 1
                note = raw[opened_at + 1 : i]
                if ch == "]" and _LOOKS_LIKE_TIME.match(note):
                    line, col = where(opened_at)
                    self.warnings.append(
                        ScriptIssue(
                            line,
                            col,
                            f"'[{_quote(note)}]' inside the line is a note, not a time hint: put time hints "
                            "at the start of the line, like '[0:12] B: ...'",
                            "a time hint at the start of the line",
                            f"[{note.strip()}] ...",
                        )
                    )
        if stack:
            ch, i = stack[-1]
            line, col = where(i)
            self.errors.append(
                ScriptIssue(
                    line,
                    col,
                    f"'{ch}' is never closed: add '{_OPENERS[ch]}' where the note ends",
                    f"'{_OPENERS[ch]}'",
                    f"add '{_OPENERS[ch]}'",
                )
            )
            return raw, False
        keep.append(raw[last:])
        return " ".join(keep), True

    def _check_hint_order(self, p: _Pending) -> None:
        if p.hint_start is None and p.hint_end is None:
            return
        last = self.last_start
        if p.hint_start is not None:
            if last is not None and p.hint_start < last[0]:
                self.errors.append(
                    ScriptIssue(
                        p.number,
                        p.hint_col,
                        f"the time hint {fmt_time(p.hint_start)} at line {p.number} is before "
                        f"{fmt_time(last[0])} at line {last[1]}: hints follow the spoken order; "
                        "fix a time or move the line",
                        f"a start at or after {fmt_time(last[0])}",
                        f"[{fmt_time(last[0])}]",
                    )
                )
                return
            self.last_start = (p.hint_start, p.number)
        elif last is not None and p.hint_end is not None and p.hint_end <= last[0]:
            self.errors.append(
                ScriptIssue(
                    p.number,
                    p.hint_col,
                    f"line {p.number} ends at {fmt_time(p.hint_end)}, before line {last[1]} starts at "
                    f"{fmt_time(last[0])}: hints follow the spoken order; fix a time or move the line",
                    f"an end after {fmt_time(last[0])}",
                    f"[- {fmt_time(last[0] + 1.0)}]",
                )
            )

    def continuation_warning(self, p: _Pending, content: str, number: int, col: int) -> None:
        colon = _COLON.search(content)
        if colon is None:
            return
        name = normalise_name(_EXTENSION.sub(" ", content[: colon.start()]))
        folded = name.casefold()
        known = {r.casefold() for r in ROLES} | {n.casefold() for n in self.names.values()}
        if folded in known:
            self.warnings.append(
                ScriptIssue(
                    number,
                    col,
                    f"this line is indented, so it continues line {p.number} ({p.speaker}); "
                    f"if {name} speaks here, remove the indent",
                    "a line without indent for a new speaker",
                    content.strip(),
                )
            )

    def run(self, text: str) -> None:
        pending: _Pending | None = None
        dead_indent: int | None = None  # indent of a line that failed: its continuations go with it
        prev_spoken = False  # the line above was a spoken line (or a failed one)
        seen_spoken = False
        for number, line in enumerate(split_lines(text), start=1):
            m = _COMMENT.search(line)
            body = line[: m.start()] if m else line
            content = body.strip()
            if not content:
                if m is not None:  # a comment line: skipped, a spoken line may continue after it
                    continue
                if pending is not None:
                    self.finish(pending)
                pending, dead_indent, prev_spoken = None, None, False
                continue
            indent = len(body) - len(body.lstrip())
            if pending is not None and indent > pending.indent:
                pending.segments.append(_Segment(number, indent + 1, content))
                self.continuation_warning(pending, content, number, indent + 1)
                continue
            if dead_indent is not None and indent > dead_indent:
                continue
            if pending is not None:
                self.finish(pending)
            pending, dead_indent = None, None
            try:
                cast = _CAST.match(content)
                if cast is not None and not _COLON.search(content):
                    if seen_spoken:
                        raise _Fail(
                            ScriptIssue(
                                number,
                                indent + 1,
                                "cast lines ('A = Mara') go before the first spoken line",
                                "a spoken line like 'A: ...'",
                                "move the cast line to the top",
                            )
                        )
                    value = cast.group(2)
                    value_col = indent + cast.start(2) + len(value) - len(value.lstrip()) + 1
                    self.cast_line(cast.group(1), value, number, indent + 1, value_col)
                    continue
                seen_spoken = True
                pending = self.start_line(body, number, indent)
                prev_spoken = True
            except _Fail as fail:
                issue = fail.issue
                if prev_spoken and issue.message.startswith("expected a speaker"):
                    issue = ScriptIssue(
                        issue.line,
                        issue.column,
                        issue.message + " (to continue the line above, indent this one)",
                        issue.expected,
                        issue.suggestion,
                    )
                self.errors.append(issue)
                dead_indent, prev_spoken = indent, True
        if pending is not None:
            self.finish(pending)


def _parse(text: object, names: object) -> tuple[Script | None, list[ScriptIssue], list[ScriptIssue]]:
    if not isinstance(text, str):
        issue = ScriptIssue(1, 1, f"the script must be text, got {type(text).__name__}", "text", "a str")
        return None, [issue], []
    bound, issues = check_names(names)
    if issues:
        return None, issues, []
    parser = _Parser(bound)
    parser.run(text)
    errors = parser.errors
    if not errors and not parser.lines:
        errors.append(
            ScriptIssue(
                1,
                1,
                "the script has no spoken lines: write one line per spoken line, like 'A: Hello.'",
                "a spoken line",
                "A: Hello.",
            )
        )
    elif not errors and not any(line.words for line in parser.lines):
        first = parser.lines[0]
        errors.append(
            ScriptIssue(
                first.number,
                first.column,
                "the script has no spoken words, only notes and parentheticals: write the words spoken",
                "spoken words",
                "",
            )
        )
    if errors:
        return None, errors, parser.warnings
    script = Script(
        lines=tuple(parser.lines),
        names={r: parser.names[r] for r in ROLES if r in parser.names},
        warnings=tuple(sorted(parser.warnings, key=lambda i: (i.line, i.column))),
    )
    return script, [], parser.warnings


def parse_script(text: str, names: dict[str, str] | None = None, *, source: str = "<script>") -> Script:
    """Parse script text into a Script.

    names binds character names to roles ({"A": "Mara", "B": "Theo"}, case-insensitive);
    without it the first name met is A and the second B (Script.names records it).
    Raises ScriptError listing every problem; nothing is returned for text with errors.
    """
    script, errors, warnings = _parse(text, names)
    if errors or script is None:
        raise ScriptError(errors, source, warnings)
    return Script(script.lines, script.names, script.warnings, source)


def validate_script(
    text: str, names: dict[str, str] | None = None
) -> tuple[list[ScriptIssue], list[ScriptIssue]]:
    """(errors, warnings) of a script, for live checking; errors is empty when it parses."""
    _, errors, warnings = _parse(text, names)
    return sorted(errors, key=lambda i: (i.line, i.column)), sorted(
        warnings, key=lambda i: (i.line, i.column)
    )


__all__ = ["Script", "ScriptLine", "parse_script", "validate_script"]
