"""Problems found in staging text: where, what, what was expected, how to fix it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..text_issues import TextIssue, close_word, in_text_order

if TYPE_CHECKING:
    from .lexer import Token


class StagingIssue(TextIssue):
    """One problem in staging text (see TextIssue); line 0 means the problem is in the
    character names passed to the parser, and is shown as 'names: ...'."""

    def __str__(self) -> str:
        if self.line == 0:
            return f"names: {self.message}"
        return super().__str__()


# The message lists this many problems and counts the rest: a pasted file that is wrong
# everywhere should not print thousands of lines.
MAX_REPORTED = 50


class StagingError(ValueError):
    """Staging text with errors. ``.errors`` lists every problem; nothing was produced.
    The message shows the first MAX_REPORTED (by line) and how many more there are."""

    def __init__(self, errors: list[StagingIssue], source: str = "<staging>") -> None:
        self.errors = in_text_order(errors)
        self.source = source
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [f"{self.source} {issue}" for issue in self.errors[:MAX_REPORTED]]
        more = len(self.errors) - MAX_REPORTED
        if more > 0:
            lines.append(f"{self.source}: and {more} more problem{'s' if more > 1 else ''} (fix these first)")
        return "\n".join(lines) if lines else f"{self.source}: invalid staging"


class ParseFail(Exception):
    """Raised inside the parser for one problem; the clause is skipped and parsing goes on."""

    def __init__(self, issue: StagingIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def fail(tok: Token | None, fallback: Token, message: str, expected: str, suggestion: str = "") -> ParseFail:
    """The problem at `tok` (or just after `fallback` when the text ended there)."""
    where = tok or fallback
    col = where.column + (len(where.text) if tok is None else 0)
    return ParseFail(StagingIssue(where.line, col, message, expected, suggestion))


__all__ = ["MAX_REPORTED", "ParseFail", "StagingError", "StagingIssue", "close_word", "fail"]
