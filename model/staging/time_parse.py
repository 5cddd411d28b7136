"""The parser's time phrases: one time ("2.5s", ".5s", "0:07", "1:02.5", "f120", "frame 120",
"500ms") and the phrases that put times on a clause ("at", "from ... to / - / for",
"between ... and", "until", "for", "briefly", "for a moment"), with their errors
(a number without a unit, a negative time, a second start or length).

A mixin of duet.model.staging.parser.Parser (it uses the parser's token cursor).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from . import vocab
from .directions import Time
from .errors import ParseFail as _Fail
from .errors import close_word as _close
from .errors import fail as _fail
from .lexer import Token

if TYPE_CHECKING:
    from .clause import Clause as _Clause

TIME_HELP = "a time like 2.5s, 0:07 or f120"


class TimePhrases:
    """Time parsing for Parser: needs its t, i, _peek, _at and _last."""

    t: list[Token]
    i: int

    if TYPE_CHECKING:

        def _peek(self, k: int = 0) -> Token | None: ...
        def _at(self, j: int) -> Token | None: ...
        def _last(self) -> Token: ...

    def _is_time_start(self, j: int) -> bool:
        tok = self._at(j)
        if tok is None:
            return False
        if tok.kind in ("CLOCK", "FRAME"):
            return True
        if tok.kind == "UNIT":
            return tok.unit in vocab.SECOND_UNITS + vocab.MILLISECOND_UNITS + vocab.FRAME_UNITS
        if tok.kind == "NUMBER":
            nxt = self._at(j + 1)
            return nxt is not None and nxt.is_word(
                *vocab.SECOND_UNITS, *vocab.MILLISECOND_UNITS, *vocab.FRAME_UNITS
            )
        if tok.kind == "WORD" and tok.value in ("frame", "f"):
            nxt = self._at(j + 1)
            return nxt is not None and nxt.kind == "NUMBER"
        return False

    def _negative_time(self, j: int) -> bool:
        """'-3s', '- 0:05', '-3' (in a time phrase): a minus sign before a time."""
        tok = self._at(j)
        nxt = self._at(j + 1)
        if tok is None or tok.kind != "DASH" or nxt is None:
            return False
        return self._is_time_start(j + 1) or nxt.kind == "NUMBER"

    def _negative_time_fail(self, j: int) -> _Fail:
        """The error for the minus sign at token j (a _negative_time)."""
        dash, nxt = self.t[j], self._at(j + 1)
        shown = dash.text + (nxt.text if nxt is not None else "")
        return _fail(
            dash,
            dash,
            f"times cannot be negative ('{shown}'): the take starts at 0s",
            "a time from 0s on",
            f"{nxt.text}s" if nxt is not None and nxt.kind == "NUMBER" else f"{shown[len(dash.text) :]}",
        )

    # ------------------------------------------------------------------ times

    def _time_point(self, after: str = "") -> Time:
        """One time: 2.5s, 2.5 seconds, 500ms, 0:07, 1:02.5, f120, frame 120, 120f."""
        tok = self._peek()
        lead = f" after '{after}'" if after else ""
        if tok is None:
            raise _fail(None, self._last(), f"expected {TIME_HELP}{lead}", TIME_HELP, "add a time, e.g. 3s")
        if self._negative_time(self.i):
            raise self._negative_time_fail(self.i)
        value: Decimal
        unit = "s"
        if tok.kind == "CLOCK":
            value = tok.value  # type: ignore[assignment]
            self.i += 1
        elif tok.kind == "FRAME":
            value, unit = tok.value, "f"  # type: ignore[assignment]
            self.i += 1
        elif tok.kind == "UNIT":
            value, unit = self._with_unit(tok, tok.unit)
            self.i += 1
        elif tok.kind == "NUMBER":
            nxt = self._peek(1)
            if nxt is not None and nxt.kind == "WORD" and self._time_unit(nxt.value) is not None:
                value, unit = self._with_unit(tok, str(nxt.value))
                self.i += 2
            else:
                n = tok.text
                raise _fail(
                    tok,
                    tok,
                    f"'{n}' needs a unit: write {n}s (seconds), 0:{int(tok.value):02d} or f{n} (frame {n})"  # type: ignore[call-overload]
                    if tok.value == int(tok.value)  # type: ignore[call-overload]
                    else f"'{n}' needs a unit: write {n}s (seconds)",
                    TIME_HELP,
                    f"{n}s",
                )
        elif tok.kind == "WORD" and tok.value in ("frame", "f") and self._peek(1) is not None:
            num = self._peek(1)
            assert num is not None
            if num.kind != "NUMBER":
                raise _fail(num, num, f"expected a frame number after '{tok.text}'", "a frame number", "f120")
            value, unit = num.value, "f"  # type: ignore[assignment]
            self.i += 2
        else:
            shown = tok.text if tok.kind != "STOP" else "the end of the line"
            raise _fail(tok, tok, f"expected {TIME_HELP}{lead}, found '{shown}'", TIME_HELP, "e.g. 'at 3s'")
        seconds = value if unit == "s" else value / 24
        if seconds > vocab.MAX_SECONDS:
            raise _fail(
                tok,
                tok,
                f"'{tok.text}' is too far into the take",
                "a time within 24 hours",
                "use a smaller time",
            )
        return Time(value=float(value), unit=unit)  # type: ignore[arg-type]

    @staticmethod
    def _time_unit(word: object) -> str | None:
        if word in vocab.SECOND_UNITS:
            return "s"
        if word in vocab.MILLISECOND_UNITS:
            return "ms"
        if word in vocab.FRAME_UNITS:
            return "f"
        return None

    def _with_unit(self, tok: Token, suffix: str) -> tuple[Decimal, str]:
        kind = self._time_unit(suffix)
        value: Decimal = tok.value  # type: ignore[assignment]
        if kind == "s":
            return value, "s"
        if kind == "ms":
            return value / 1000, "s"
        if kind == "f":
            return value, "f"
        guess = _close(suffix, ("s", "sec", "seconds", "ms", "frames"), 0.6)
        raise _fail(
            tok,
            tok,
            f"unknown time unit '{suffix}' in '{tok.text}'"
            + (f": did you mean '{guess}'?" if guess else " (use s, ms or f)"),
            "a time unit: s, ms or f",
            f"{value}s" if guess is None else f"{tok.text[: -len(suffix)]}{guess}",
        )

    def _time_phrase(self, c: _Clause) -> None:
        """at / from ... to / between ... and / until / for / briefly, onto the clause."""
        tok = self._peek()
        assert tok is not None
        word = tok.value
        if word in vocab.BRIEF_WORDS:
            self.i += 1
            self._set_brief(c, tok)
            return
        self.i += 1
        if word == "at":
            self._set_start(c, tok, self._time_point("at"))
        elif word == "from":
            self._set_start(c, tok, self._time_point("from"))
            nxt = self._peek()
            if nxt is not None and (nxt.kind == "DASH" or nxt.is_word(*vocab.RANGE_TO_WORDS)):
                self.i += 1
                self._set_end(c, nxt, self._time_point(nxt.text))
            elif nxt is not None and nxt.is_word("for"):
                self.i += 1
                self._set_length(c, nxt, self._time_point("for"))
        elif word == "between":
            self._set_start(c, tok, self._time_point("between"))
            nxt = self._peek()
            if nxt is None or not nxt.is_word("and"):
                raise _fail(
                    nxt,
                    self._last(),
                    f"expected 'and' after 'between {c.start.text() if c.start else ''}'",
                    "'between <time> and <time>'",
                    "e.g. 'between 2s and 4s'",
                )
            self.i += 1
            self._set_end(c, nxt, self._time_point("and"))
        elif word in vocab.RANGE_TO_WORDS:
            self._set_end(c, tok, self._time_point(str(word)))
        elif word == "for":
            nxt = self._peek()
            if nxt is not None and nxt.is_word("a") and self._at(self.i + 1) is not None:
                moment = self._at(self.i + 1)
                assert moment is not None
                if moment.is_word(*vocab.MOMENT_WORDS):
                    self.i += 2
                    self._set_brief(c, tok)
                    return
            self._set_length(c, tok, self._time_point("for"))

    def _dup_time(self, c: _Clause, tok: Token, what: str, prev: Token | None) -> _Fail:
        where = f" (already given at col {prev.column})" if prev is not None else ""
        return _fail(
            tok,
            tok,
            f"a second {what} for the same direction{where}",
            f"one {what} per direction",
            "split it into two directions, or keep one time",
        )

    def _set_start(self, c: _Clause, tok: Token, t: Time) -> None:
        if c.start is not None:
            raise self._dup_time(c, tok, "start time", c.start_tok)
        c.start, c.start_tok = t, tok

    def _length_given(self, c: _Clause) -> Token | None:
        return c.end_tok or c.length_tok or c.brief_tok

    def _set_end(self, c: _Clause, tok: Token, t: Time) -> None:
        if self._length_given(c) is not None:
            raise self._dup_time(c, tok, "end or length", self._length_given(c))
        c.end, c.end_tok = t, tok

    def _set_length(self, c: _Clause, tok: Token, t: Time) -> None:
        if self._length_given(c) is not None:
            raise self._dup_time(c, tok, "end or length", self._length_given(c))
        if t.value <= 0:
            raise _fail(tok, tok, "a length must be more than 0", "a positive length", "e.g. 'for 2s'")
        c.length, c.length_tok = t, tok

    def _set_brief(self, c: _Clause, tok: Token) -> None:
        if self._length_given(c) is not None:
            raise self._dup_time(c, tok, "end or length", self._length_given(c))
        c.brief, c.brief_tok = True, tok
