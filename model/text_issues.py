"""Problems found in text an artist typed (staging directions, dialogue scripts): where,
what, what was expected, how to fix it. One record for both; each language's error
class (StagingError, ScriptError) lists them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class TextIssue:
    """One problem (or warning) in a text.

    line/column are 1-based (column counts characters, a tab is one); line 0 means the
    problem is not in the text: the names passed to the parser, or the file itself.
    ``message`` is the complete sentence shown to the artist (it already contains the
    suggestion); ``expected`` says what the language wanted there, ``suggestion`` the fix alone.
    """

    line: int
    column: int
    message: str
    expected: str = ""
    suggestion: str = ""

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        return f"line {self.line}, col {self.column}: {self.message}"


_Issue = TypeVar("_Issue", bound=TextIssue)


def in_text_order(issues: Iterable[_Issue]) -> list[_Issue]:
    """The issues sorted by line, then column (line 0, outside the text, first)."""
    return sorted(issues, key=lambda i: (i.line, i.column))


def close_word(word: str, candidates: list[str] | tuple[str, ...], cutoff: float = 0.7) -> str | None:
    """The candidate closest to a misspelt word, or None ("did you mean ...?")."""
    found = difflib.get_close_matches(word, [c for c in candidates if len(c) > 1], n=1, cutoff=cutoff)
    return found[0] if found else None


__all__ = ["TextIssue", "close_word", "in_text_order"]
