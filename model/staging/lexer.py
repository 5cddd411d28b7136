"""Staging text -> tokens with line and column (1-based).

Character names bound by the caller are matched first, as whole words and
case-insensitively, so names with spaces, dots or digits ("Mara Jade",
"Head.001") are one token. Comments run from '#' to the end of the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .errors import StagingIssue

# Kinds: WORD (casefolded in .value), NAME (role in .value), NUMBER (Fraction),
# CLOCK (Fraction seconds), FRAME (Fraction frame number), UNIT (NUMBER with a
# glued suffix, .value = Fraction, .unit = suffix), STOP (newline . ;), COMMA,
# COLON, DASH, DEGREE.


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    line: int
    column: int
    value: object = None
    unit: str = ""

    def is_word(self, *words: str) -> bool:
        return self.kind == "WORD" and self.value in words


_MASTER = re.compile(
    r"""
    (?P<space>[^\S\n]+)
  | (?P<newline>\n)
  | (?P<comment>\#[^\n]*)
  | (?P<clock>\d+:\d+(?::\d+)?(?:\.\d+)?)(?!\w|:\d)
  | (?P<frame>[fF]\d+(?:\.\d+)?)(?!\w)
  | (?P<number>\d+(?:\.\d+)?)(?P<suffix>[^\W\d_]+)?
  | (?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)
  | (?P<punct>[,.;:°\-–—])
    """,
    re.VERBOSE,
)
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


def _clock_seconds(text: str) -> Fraction | str:
    """'1:02.5' -> 62.5 s; 'h:mm:ss(.ff)' too. Returns an error text when malformed."""
    head, _, frac = text.partition(".")
    parts = head.split(":")
    if any(len(p) > 2 for p in parts[1:]):
        return f"'{text}' is not a time: write minutes:seconds with two-digit seconds, e.g. 1:05"
    numbers = [int(p) for p in parts]
    for p in numbers[1:]:
        if p >= 60:
            return f"'{text}' is not a time: seconds and minutes after ':' must be below 60"
    total = Fraction(0)
    for p in numbers:
        total = total * 60 + p
    if frac:
        total += Fraction(int(frac), 10 ** len(frac))
    return total


def name_pattern(names: dict[str, str]) -> re.Pattern[str] | None:
    """A regex that matches any bound name as a whole word (longest first)."""
    spelled = sorted({n for n in names.values() if n}, key=len, reverse=True)
    if not spelled:
        return None
    alternatives = "|".join(re.escape(n) for n in spelled)
    return re.compile(rf"(?:{alternatives})(?!\w)", re.IGNORECASE)


def tokenize(text: str, names: dict[str, str] | None = None) -> tuple[list[Token], list[StagingIssue]]:
    """All tokens of `text` (comments and spaces dropped) and any lexical problems."""
    names = names or {}
    by_name = {n.casefold(): role for role, n in names.items() if n}
    names_re = name_pattern(names)
    tokens: list[Token] = []
    issues: list[StagingIssue] = []
    line, line_start, pos, n = 1, 0, 0, len(text)
    match = _MASTER.match
    while pos < n:
        col = pos - line_start + 1
        if names_re is not None:
            m = names_re.match(text, pos)
            if m is not None and (pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "_")):
                tokens.append(Token("NAME", m.group(), line, col, by_name[m.group().casefold()]))
                pos = m.end()
                continue
        m = match(text, pos)
        if m is None:
            end = pos + 1
            while end < n and not text[end].isspace() and match(text, end) is None:
                end += 1
            bad = text[pos:end]
            issues.append(
                StagingIssue(
                    line,
                    col,
                    f"unexpected character{'s' if len(bad) > 1 else ''} {bad!r}: "
                    "use words, numbers, times (2.5s, 0:07, f120), ',' or '.'",
                    expected="a word, a number or a time",
                    suggestion=f"remove {bad!r}",
                )
            )
            pos = end
            continue
        kind = m.lastgroup
        s = m.group()
        if kind == "space" or kind == "comment":
            pass
        elif kind == "newline":
            tokens.append(Token("STOP", "\n", line, col))
            line += 1
            line_start = m.end()
        elif kind == "clock":
            seconds = _clock_seconds(s)
            if isinstance(seconds, str):
                issues.append(StagingIssue(line, col, seconds, expected="a time like 0:07", suggestion=""))
            else:
                tokens.append(Token("CLOCK", s, line, col, seconds))
        elif kind == "frame":
            tokens.append(Token("FRAME", s, line, col, Fraction(s[1:])))
        elif kind in ("number", "suffix"):
            suffix = m.group("suffix")
            number = Fraction(m.group("number"))
            if suffix:
                tokens.append(Token("UNIT", s, line, col, number, suffix.casefold()))
            else:
                tokens.append(Token("NUMBER", s, line, col, number))
        elif kind == "word":
            tokens.append(Token("WORD", s, line, col, s.casefold().replace("’", "'")))
        else:
            tokens.append(Token(_PUNCT_KIND[s], s, line, col))
        pos = m.end()
    return tokens, issues


__all__ = ["Token", "name_pattern", "tokenize"]
