"""Problems found in script text: where, what, what was expected, how to fix it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InputError


@dataclass(frozen=True)
class ScriptIssue:
    """One problem (or warning) in a script.

    line/column are 1-based (column counts characters, a tab is one); line 0 means the
    problem is not in the text: the names passed to the parser, or the file itself.
    ``message`` is the complete sentence shown to the artist (it already contains the
    suggestion); ``expected`` says what the format wanted there, ``suggestion`` the fix alone.
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


def _sorted(issues: Iterable[ScriptIssue]) -> list[ScriptIssue]:
    return sorted(issues, key=lambda i: (i.line, i.column))


class ScriptError(InputError):
    """Script text with errors. ``.errors`` lists every problem (sorted); nothing was produced.

    ``.warnings`` holds the warnings found on the way, so a live check can show both.
    """

    def __init__(
        self,
        errors: Iterable[ScriptIssue],
        source: str = "<script>",
        warnings: Iterable[ScriptIssue] = (),
    ) -> None:
        self.errors = _sorted(errors)
        self.warnings = _sorted(warnings)
        self.source = source
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [f"{self.source}: {i}" if i.line == 0 else f"{self.source} {i}" for i in self.errors]
        return "\n".join(lines) if lines else f"{self.source}: invalid script"


__all__ = ["ScriptError", "ScriptIssue"]
