"""Staging text -> tokens with line and column (1-based).

Character names bound by the caller are matched first, as whole words and
case-insensitively, so names with spaces, dots or digits ("Mara Jade",
"Head.001") are one token. Comments run from '#' to the end of the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .errors import StagingIssue

# Kinds: WORD (casefolded in .value), NAME (role in .value), NUMBER (Decimal),
# CLOCK (Decimal seconds), FRAME (Decimal frame number), UNIT (NUMBER with a
# glued suffix, .value = Decimal, .unit = suffix), PERCENT ("60%", .value = Decimal(60)),
# STOP (newline . ;), COMMA,
# COLON, DASH, DEGREE.


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    line: int
    column: int
    value: object = None
    unit: str = ""

    def is_word(self, *words: str) -> bool:
        return self.kind == "WORD" and self.value in words


# Zero-width spaces and joiners, the word joiner and the byte-order mark that Notepad
# writes at the top of a UTF-8 file count as spaces (non-breaking spaces already do).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

_TOKEN_PATTERN = rf"""
    (?P<space>(?:[^\S\n]|[{_INVISIBLE}])+)
  | (?P<newline>\n)
  | (?P<comment>\#[^\n]*)
  | (?P<clock>\d+:\d+(?::\d+)?(?:\.\d+)?)(?!\w|:\d)
  | (?P<frame>[fF]\d+(?:\.\d+)?)(?!\w)
  | (?P<percent>(?P<share>\d+(?:\.\d+)?|(?<!\w)\.\d+)[^\S\n]*%)
  | (?P<number>\d+(?:\.\d+)?|(?<!\w)\.\d+)(?P<suffix>[^\W\d_]+)?
  | (?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)
  | (?P<punct>[,.;:°\-–—])
  | (?P<bad>\S)
"""


@lru_cache(maxsize=64)
def _master(names: tuple[str, ...]) -> re.Pattern[str]:
    """The token regex; bound names (longest first, whole words, any case) come first."""
    if not names:
        return re.compile(_TOKEN_PATTERN, re.VERBOSE)
    # "Mara Jade" also matches with a non-breaking space or several spaces between its words.
    alternatives = "|".join(
        r"[^\S\n]+".join(re.escape(word) for word in n.split())
        for n in sorted(set(names), key=len, reverse=True)
    )
    return re.compile(rf"(?P<name>(?i:{alternatives}))(?!\w)|" + _TOKEN_PATTERN, re.VERBOSE)


_PUNCT_KIND = {
    ",": "COMMA",
    ".": "STOP",
    ";": "STOP",
    ":": "COLON",
    "°": "DEGREE",
    "-": "DASH",
    "–": "DASH",
    "—": "DASH",
}


def _clock_seconds(text: str) -> tuple[Decimal, str, str]:
    """'1:02.5' -> 62.5 s ('h:mm:ss(.ff)' too), with (problem, suggestion) when malformed."""
    head, _, frac = text.partition(".")
    numbers = [int(p) for p in head.split(":")]
    total = Decimal(0)
    for p in numbers:
        total = total * 60 + p
    if frac:
        total += Decimal("0." + frac)
    if any(p >= 60 for p in numbers[1:]):
        whole = int(total)
        fixed = f"{whole // 60}:{whole % 60:02d}" + (f".{frac}" if frac else "")
        return total, f"'{text}' is not a time: the part after ':' must be below 60", f"{fixed} or {total}s"
    return total, "", ""


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def tokenize(text: str, names: dict[str, str] | None = None) -> tuple[list[Token], list[StagingIssue]]:
    """All tokens of `text` (comments and spaces dropped) and any lexical problems."""
    names = names or {}
    by_name = {_name_key(n): role for role, n in names.items() if n}
    pattern = _master(tuple(n for n in names.values() if n))
    tokens: list[Token] = []
    issues: list[StagingIssue] = []
    append = tokens.append
    # A byte-order mark is not a column the artist can see.
    line, line_start = 1, (1 if text.startswith("\ufeff") else 0)
    bad_start = bad_end = -1  # a run of characters no token accepts
    for m in pattern.finditer(text):
        kind = m.lastgroup
        pos = m.start()
        if kind == "bad":
            if pos != bad_end:
                bad_start = pos
            bad_end = m.end()
            nxt = m.end()
            if nxt < len(text) and not text[nxt].isspace() and pattern.match(text, nxt).lastgroup == "bad":  # type: ignore[union-attr]
                continue
            bad = text[bad_start:bad_end]
            issues.append(
                StagingIssue(
                    line,
                    bad_start - line_start + 1,
                    f"unexpected character{'s' if len(bad) > 1 else ''} {bad!r}: "
                    "use words, numbers, times (2.5s, 0:07, f120), ',' or '.'",
                    expected="a word, a number or a time",
                    suggestion=f"remove {bad!r}",
                )
            )
            continue
        if kind == "space" or kind == "comment":
            continue
        s = m.group()
        col = pos - line_start + 1
        if kind == "word":
            append(Token("WORD", s, line, col, s.casefold().replace("’", "'")))
        elif kind == "newline":
            append(Token("STOP", "\n", line, col))
            line += 1
            line_start = m.end()
        elif kind == "name":
            append(Token("NAME", s, line, col, by_name[_name_key(s)]))
        elif kind == "number":
            append(Token("NUMBER", s, line, col, Decimal(s)))
        elif kind == "suffix":
            append(Token("UNIT", s, line, col, Decimal(m.group("number")), m.group("suffix").casefold()))
        elif kind == "clock":
            seconds, problem, fix = _clock_seconds(s)
            if problem:
                issues.append(
                    StagingIssue(line, col, f"{problem}; did you mean {fix}?", "a time like 0:07", fix)
                )
            append(Token("CLOCK", s, line, col, seconds))
        elif kind == "percent":
            append(Token("PERCENT", s, line, col, Decimal(m.group("share"))))
        elif kind == "frame":
            append(Token("FRAME", s, line, col, Decimal(s[1:])))
        else:
            append(Token(_PUNCT_KIND[s], s, line, col))
    return tokens, issues


__all__ = ["Token", "tokenize"]
