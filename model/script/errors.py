"""Problems found in script text: where, what, what was expected, how to fix it."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InputError
from ..text_issues import TextIssue, in_text_order


class ScriptIssue(TextIssue):
    """One problem (or warning) in a script (see TextIssue); a problem with the names
    passed to the parser says so in its message ('names: ...')."""


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
        self.errors = in_text_order(errors)
        self.warnings = in_text_order(warnings)
        self.source = source
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [f"{self.source}: {i}" if i.line == 0 else f"{self.source} {i}" for i in self.errors]
        return "\n".join(lines) if lines else f"{self.source}: invalid script"


__all__ = ["ScriptError", "ScriptIssue"]
