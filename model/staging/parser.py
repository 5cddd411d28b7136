"""Recursive-descent parser: tokens -> Directions, with every problem located.

A statement ends at a new line, '.' or ';'. Inside it, clauses are separated
by ',' or 'and' (unless 'and' joins two characters, two parts of a direction
or the two times of 'between ... and ...'). A clause is

    [time ,|:] [character | both | A and B] [briefly|slowly...] [is|are] verb items...

where items are a target (B, the camera, each other, left, 30 degrees right and
slightly down ...), time phrases (at / from ... to / between ... and / until /
for / briefly), a count (twice, 3 times) and a pace (slowly, quickly). A clause
that starts with its verb takes the previous clause's character. A statement
that is only a time ("at 0:05") moves the cursor: directions without a time
start at the last time given. Moods ("smiles slightly", "is very sad", "looks
surprised at 60%") are parsed by mood_parse.MoodClauses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import vocab
from .errors import ParseFail as _Fail
from .errors import StagingIssue
from .errors import close_word as _close
from .errors import fail as _fail
from .lexer import Token
from .directions import ZERO, Direction, Part, Time, format_number
from .mood_parse import STRENGTH_HELP, MoodClauses, face_vocabulary

_ACTION_LIST = "faces, turns, tilts, looks, glances, nods, shakes, relaxes, smiles, laughs or is <mood>"
_TIME_HELP = "a time like 2.5s, 0:07 or f120"


@dataclass
class _Clause:
    first: Token
    roles: tuple[str, ...] = ()
    action: str = ""
    verb: Token | None = None
    target: str | None = None
    target_tok: Token | None = None
    target_role: str | None = None
    each_other: bool = False
    back: bool = False
    back_tok: Token | None = None
    parts: list[Part] = field(default_factory=list)
    part_toks: list[Token] = field(default_factory=list)
    count: int | None = None
    count_tok: Token | None = None
    pace: str | None = None
    pace_tok: Token | None = None
    start: Time | None = None
    start_tok: Token | None = None
    end: Time | None = None
    end_tok: Token | None = None
    length: Time | None = None
    length_tok: Token | None = None
    brief: bool = False
    brief_tok: Token | None = None
    mood: str | None = None
    intensity: str | None = None
    percent: float | None = None
    strength_tok: Token | None = None


class Parser(MoodClauses):
    def __init__(self, tokens: list[Token], names: dict[str, str]) -> None:
        self.tokens = tokens
        self.names = names
        self.issues: list[StagingIssue] = []
        self.directions: list[Direction] = []
        self.cursor: Time = ZERO
        self.unused_time: Token | None = None  # a line that is only a time, with no direction after it
        self.t: list[Token] = []
        self.i = 0

    # ------------------------------------------------------------------ driving

    def run(self) -> tuple[list[Direction], list[StagingIssue]]:
        statement: list[Token] = []
        for tok in self.tokens:
            if tok.kind == "STOP":
                if statement:
                    self._statement(statement)
                statement = []
            else:
                statement.append(tok)
        if statement:
            self._statement(statement)
        if self.unused_time is not None:
            tok = self.unused_time
            self.issues.append(
                StagingIssue(
                    tok.line,
                    tok.column,
                    "a time with no direction after it: a line that is only a time applies to the lines "
                    "below it, and none follows",
                    "a direction after the time",
                    "put the time in the direction it belongs to, e.g. 'A nods at 5s'",
                )
            )
        return self.directions, self.issues

    def _statement(self, toks: list[Token]) -> None:
        self.t, self.i = toks, 0
        # A statement that is only a time moves the cursor ("at 0:05", "0:05:").
        if self._only_time():
            self.unused_time = toks[0]
            return
        self.unused_time = None
        prev_roles: tuple[str, ...] | None = None
        after_and = False
        while self.i < len(self.t):
            tok = self.t[self.i]
            if tok.kind == "COMMA" or tok.is_word("and"):
                after_and = tok.is_word("and")
                self.i += 1
                continue
            try:
                roles = self._clause(prev_roles, after_and)
                prev_roles = roles or prev_roles
            except _Fail as f:
                self.issues.append(f.issue)
                self._recover()
            after_and = False

    def _only_time(self) -> bool:
        saved = self.i
        try:
            if self._peek() is not None and self._peek().is_word("at"):  # type: ignore[union-attr]
                self.i += 1
            if not self._is_time_start(self.i):
                self.i = saved
                return False
            point = self._time_point()
            if self._peek() is not None and self._peek().kind in ("COLON", "COMMA"):  # type: ignore[union-attr]
                self.i += 1
            if self.i == len(self.t):
                self.cursor = point
                return True
        except _Fail:
            pass
        self.i = saved
        return False

    def _recover(self) -> None:
        self.i += 1
        while self.i < len(self.t):
            tok = self.t[self.i]
            if tok.kind == "COMMA":
                return
            if tok.is_word("and") and self._after_and_is_clause(self.i + 1):
                return
            self.i += 1

    # ------------------------------------------------------------------ token helpers

    def _peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def _at(self, j: int) -> Token | None:
        return self.t[j] if 0 <= j < len(self.t) else None

    def _last(self) -> Token:
        return self.t[min(self.i, len(self.t)) - 1]

    def _is_subject(self, j: int) -> bool:
        tok = self._at(j)
        if tok is None:
            return False
        if tok.kind == "NAME":
            return True
        if tok.kind != "WORD":
            return False
        if tok.value in vocab.ROLE_PREFIXES:
            nxt = self._at(j + 1)
            return nxt is not None and (nxt.kind == "NAME" or nxt.is_word(*vocab.ROLE_WORDS))
        return tok.value in vocab.ROLE_WORDS or tok.value in vocab.BOTH_WORDS

    def _is_verbish(self, j: int) -> bool:
        tok = self._at(j)
        return (
            tok is not None
            and tok.kind == "WORD"
            and (
                tok.value in vocab.VERBS
                or tok.value in vocab.AUXILIARIES
                or tok.value in vocab.FREE_VERBS
                or tok.value in vocab.MOOD_LINKING
                or tok.value in vocab.PACE_WORDS
                or tok.value in vocab.BRIEF_WORDS
            )
        )

    def _starts_clause(self, j: int) -> bool:
        tok = self._at(j)
        if tok is None:
            return False
        return self._is_subject(j) or self._is_verbish(j) or tok.is_word("at") or self._is_time_start(j)

    def _after_and_is_clause(self, j: int) -> bool:
        """After an error: does 'and' at j-1 start a new clause (not 'left and down')?"""
        tok = self._at(j)
        if tok is None or self._part_start(j):
            return False
        return self._starts_clause(j) or tok.kind in ("WORD", "NAME")

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

    def _ends_clause(self, j: int) -> bool:
        tok = self._at(j)
        return tok is None or tok.kind == "COMMA" or tok.is_word("and")

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
            raise _fail(None, self._last(), f"expected {_TIME_HELP}{lead}", _TIME_HELP, "add a time, e.g. 3s")
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
                    _TIME_HELP,
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
            raise _fail(tok, tok, f"expected {_TIME_HELP}{lead}, found '{shown}'", _TIME_HELP, "e.g. 'at 3s'")
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

    # ------------------------------------------------------------------ clause

    def _names_text(self) -> str:
        known = [f"{r} = {self.names[r]}" if self.names.get(r) else r for r in ("A", "B")]
        return ", ".join(known)

    def _role_of(self, tok: Token) -> str:
        if tok.kind == "NAME":
            return str(tok.value)
        return vocab.ROLE_WORDS[str(tok.value)]

    def _subject(self, prev_roles: tuple[str, ...] | None) -> tuple[str, ...]:
        tok = self._peek()
        assert tok is not None
        if tok.is_word(*vocab.BOTH_WORDS):
            self.i += 1
            if self._is_subject(self.i):  # "both A and B"
                self._subject_list()
            nxt = self._peek()
            if nxt is not None and nxt.is_word("of") and self._peek(1) is not None:
                them = self._peek(1)
                assert them is not None
                if them.is_word("them"):
                    self.i += 2
            return ("A", "B")
        if self._is_subject(self.i):
            return self._subject_list()
        if self._is_verbish(self.i):
            if prev_roles is None:
                raise _fail(
                    tok,
                    tok,
                    f"'{tok.text}' needs a character before it",
                    "a character: A, B, both, or a name",
                    f"write 'A {tok.text} ...'",
                )
            return prev_roles
        if tok.is_word(vocab.THEN_WORD):
            raise self._then_fail(tok)
        if tok.is_word("at", "from", "between"):  # a leading time phrase without its time
            example = "between 2s and 4s" if tok.value == "between" else f"{tok.text} 3s"
            raise _fail(
                tok,
                tok,
                f"'{tok.text}' needs a time after it, e.g. '{example}, A faces left'",
                _TIME_HELP,
                f"remove '{tok.text}'",
            )
        if tok.kind == "NUMBER":
            self._time_point()  # raises: a number without a unit
        if tok.kind in ("CLOCK", "FRAME", "UNIT"):
            raise _fail(
                tok,
                tok,
                f"'{tok.text}' must come before the character, after 'at' or at the end",
                "a character: A, B, both, or a name",
                f"write 'at {tok.text} A ...' or 'A ... at {tok.text}'",
            )
        if tok.kind != "WORD":
            raise _fail(
                tok,
                tok,
                f"expected a character, found '{tok.text}'",
                "a character: A, B, both, or a name",
                f"remove '{tok.text}'",
            )
        name_guess = _close(str(tok.value), [*(n.casefold() for n in self.names.values() if n), "both"])
        verb_guess = _close(str(tok.value), list(vocab.VERBS))
        if name_guess:
            shown = next((n for n in self.names.values() if n and n.casefold() == name_guess), name_guess)
            raise _fail(
                tok,
                tok,
                f"unknown character '{tok.text}': did you mean '{shown}'? (known: {self._names_text()})",
                "a character: A, B, both, or a name",
                shown,
            )
        if verb_guess and prev_roles is not None:
            raise _fail(
                tok,
                tok,
                f"'{tok.text}': did you mean '{verb_guess}'?",
                f"an action: {_ACTION_LIST}",
                verb_guess,
            )
        raise _fail(
            tok,
            tok,
            f"unknown character '{tok.text}' (known: {self._names_text()})",
            "a character: A, B, both, or a name",
            "write A, B or both"
            + (
                f" or a name ({', '.join(n for n in self.names.values() if n)})"
                if any(self.names.values())
                else ""
            ),
        )

    def _subject_list(self) -> tuple[str, ...]:
        roles: list[str] = []
        while True:
            tok = self._peek()
            assert tok is not None
            if tok.is_word(*vocab.ROLE_PREFIXES):
                self.i += 1
                tok = self._peek()
                assert tok is not None
            if tok.is_word(*vocab.BOTH_WORDS):  # "both both", "both A and both"
                raise _fail(
                    tok,
                    tok,
                    f"'{tok.text}' is written twice: remove one",
                    "a character after 'both'",
                    f"remove one '{tok.text}'",
                )
            role = self._role_of(tok)
            if role in roles:
                raise _fail(tok, tok, f"{role} is named twice", "two different characters", "write 'both'")
            roles.append(role)
            self.i += 1
            nxt = self._peek()
            if nxt is not None and nxt.is_word("and") and self._is_subject(self.i + 1):
                nxt2 = self._peek(1)
                assert nxt2 is not None
                if nxt2.is_word(*vocab.BOTH_WORDS):
                    break
                self.i += 1
                continue
            break
        return tuple(sorted(roles))

    def _then_fail(self, tok: Token) -> _Fail:
        return _fail(
            tok,
            tok,
            "'then' cannot tell when the next direction starts",
            "a time for the next direction",
            "give the next direction its own time, e.g. ', A looks down at 5s'",
        )

    def _clause(self, prev_roles: tuple[str, ...] | None, after_and: bool) -> tuple[str, ...]:
        first = self._peek()
        assert first is not None
        c = _Clause(first=first)
        # Leading time: "at 0:07 B turns ...", "from 2s to 4s, A ...", "0:07 A ...".
        if first.is_word("at", "from", "between") and (
            self._is_time_start(self.i + 1) or self._negative_time(self.i + 1)
        ):
            self._time_phrase(c)
        elif self._is_time_start(self.i):
            self._set_start(c, first, self._time_point())
        if c.start is not None:
            nxt = self._peek()
            if nxt is not None and nxt.kind in ("COLON", "COMMA"):
                self.i += 1
            nxt = self._peek()
            if nxt is None or nxt.is_word("and"):
                raise _fail(
                    first,
                    first,
                    "a time with no direction" + (" after 'and'" if after_and else ""),
                    "a direction after the time",
                    "write the direction again with this time, e.g. 'A nods at 5s'",
                )
        c.roles = self._subject(prev_roles)
        self._verb(c)
        self._items(c)
        self._finish(c)
        return c.roles

    def _verb(self, c: _Clause) -> None:
        who = " and ".join(c.roles) if len(c.roles) == 1 else "both"
        while True:
            tok = self._peek()
            if tok is None or tok.kind == "COMMA" or tok.is_word("and"):
                raise _fail(
                    tok,
                    self._last(),
                    f"'{who}' needs an action: {_ACTION_LIST}",
                    f"an action: {_ACTION_LIST}",
                    f"e.g. '{who} faces left'",
                )
            if tok.kind != "WORD":
                raise _fail(
                    tok,
                    tok,
                    f"expected an action, found '{tok.text}'",
                    f"an action: {_ACTION_LIST}",
                    f"e.g. '{who} faces left'",
                )
            w = str(tok.value)
            if w in vocab.BRIEF_WORDS:
                self.i += 1
                self._set_brief(c, tok)
            elif w in vocab.PACE_WORDS:
                self.i += 1
                self._set_pace(c, tok)
            elif w in vocab.AUXILIARIES:
                self.i += 1
                nxt = self._peek()
                if nxt is not None and nxt.is_word(*vocab.FREE_WORDS):
                    self.i += 1
                    c.action, c.verb = "relax", tok
                    return
                if self._mood_ahead(self.i):  # "is happy", "are very sad"
                    self._take_mood(c, tok)
                    return
                self._mood_typo(tok, self.i)
            elif w in vocab.VERBS:
                self.i += 1
                c.action, c.verb = vocab.VERBS[w], tok
                if c.action == "look" and self._mood_ahead(self.i):  # "looks surprised"
                    self._take_mood(c, tok)
                elif c.action == "mood":
                    c.mood = vocab.MOOD_VERBS[w]
                return
            elif w in vocab.MOOD_LINKING:
                self.i += 1
                self._linking_verb(c, tok)
                return
            elif w in vocab.FREE_VERBS:
                self.i += 1
                nxt = self._peek()
                if nxt is None or not nxt.is_word(*vocab.FREE_WORDS):
                    raise _fail(
                        nxt,
                        tok,
                        f"'{tok.text}' needs 'freely' (as in 'A moves freely')",
                        "'freely'",
                        "freely",
                    )
                self.i += 1
                c.action, c.verb = "relax", tok
                return
            elif w == vocab.THEN_WORD:
                raise self._then_fail(tok)
            else:
                guess = _close(w, [*vocab.VERBS, *vocab.MOOD_LINKING])
                if guess:
                    raise _fail(
                        tok,
                        tok,
                        f"'{tok.text}': did you mean '{guess}'?",
                        f"an action: {_ACTION_LIST}",
                        guess,
                    )
                raise _fail(
                    tok,
                    tok,
                    f"unknown action '{tok.text}' (expected {_ACTION_LIST})",
                    f"an action: {_ACTION_LIST}",
                    "e.g. 'faces left' or 'looks at B'",
                )

    def _set_pace(self, c: _Clause, tok: Token) -> None:
        if c.pace_tok is not None:
            raise _fail(tok, tok, "a second pace word for the same direction", "one pace", "keep one")
        c.pace, c.pace_tok = vocab.PACE_WORDS[str(tok.value)], tok

    # ------------------------------------------------------------------ items after the verb

    def _part_start(self, j: int) -> bool:
        """Does a direction part start at token j (after 'and' or '-')?"""
        tok = self._at(j)
        if tok is None:
            return False
        if tok.kind == "WORD":
            if tok.value in vocab.DIRECTION_WORDS or tok.value in vocab.SCALE_WORDS:
                return True
            if tok.value == "a":
                nxt = self._at(j + 1)
                return nxt is not None and nxt.is_word(*vocab.A_LITTLE_WORDS)
            if tok.value in ("to", "toward", "towards"):
                k = j + 1
                if self._at(k) is not None and self._at(k).is_word("the"):  # type: ignore[union-attr]
                    k += 1
                nxt = self._at(k)
                return nxt is not None and nxt.is_word(*vocab.DIRECTION_WORDS)
            return False
        if tok.kind == "UNIT":
            return tok.unit in vocab.DEGREE_WORDS or tok.unit == "d"
        if tok.kind == "NUMBER":
            nxt = self._at(j + 1)
            return nxt is not None and (
                nxt.kind == "DEGREE" or nxt.is_word(*vocab.DEGREE_WORDS, *vocab.DIRECTION_WORDS)
            )
        return False

    def _expected_items(self, c: _Clause) -> str:
        if c.action in vocab.FACE_ACTIONS:
            return STRENGTH_HELP
        if c.action in vocab.GESTURE_ACTIONS:
            return "a count (twice, 3 times) or a time (at 3s, from 2s to 4s)"
        if c.action == "relax":
            return "a time (at 3s, from 2s to 4s)"
        if c.action == "tilt":
            return "left, right, up or down, an angle, or a time"
        if c.action in vocab.GAZE_ACTIONS:
            return (
                "a target (at B, at the camera, at each other), "
                "a direction (left, right, up, down, away) or a time"
            )
        return "a direction (left, right, up, down, away), a target (the camera, B) or a time"

    def _vocabulary(self, c: _Clause) -> list[str]:
        words = [*vocab.TIME_WORDS, *vocab.PACE_WORDS, *vocab.BRIEF_WORDS]
        if c.action in vocab.FACE_ACTIONS:
            words += face_vocabulary()
        elif c.action in vocab.GESTURE_ACTIONS:
            words += [*vocab.COUNT_WORDS, *vocab.TIMES_WORDS, *vocab.HEAD_WORDS, *vocab.NUMBER_WORDS]
        elif c.action != "relax":
            words += [*vocab.DIRECTION_WORDS, *vocab.SCALE_WORDS, *vocab.DEGREE_WORDS, *vocab.TARGET_FILLERS]
            words += [*vocab.CAMERA_WORDS, *vocab.PARTNER_WORDS, "each", *vocab.HEAD_WORDS]
            words += [n.casefold() for n in self.names.values() if n]
            if c.action == "look":
                words += list(vocab.MOOD_ADJECTIVES)  # "looks surprized"
        return words

    def _clause_over(self, c: _Clause) -> bool:
        tok = self._peek()
        if tok is None or tok.kind == "COMMA":
            return True
        if tok.is_word("and"):
            directional = c.action in (*vocab.HEAD_ACTIONS, *vocab.GAZE_ACTIONS)
            if directional and c.target in (None, "direction") and self._part_start(self.i + 1):
                self.i += 1  # "left and down", "30 degrees left and slightly down"
                return False
            return True
        return False

    def _items(self, c: _Clause) -> None:
        while not self._clause_over(c):
            tok = self._peek()
            assert tok is not None
            if c.action in vocab.FACE_ACTIONS:
                if self._face_item(c, tok):
                    continue
            else:
                self._strength_elsewhere(c, tok)
            if tok.kind == "WORD":
                w = str(tok.value)
                nxt = self._peek(1)
                if w in vocab.HEAD_FILLERS and nxt is not None and nxt.is_word(*vocab.HEAD_WORDS):
                    if c.action in vocab.GAZE_ACTIONS:
                        raise _fail(
                            nxt,
                            nxt,
                            f"'{c.verb.text if c.verb else 'looks'} {tok.text} head' is not a gaze target",
                            self._expected_items(c),
                            "e.g. 'looks at B'",
                        )
                    self.i += 2
                    continue
                if w in vocab.HEAD_WORDS:
                    self.i += 1
                    continue
                after_at = self._peek(1)
                timed = after_at is not None and after_at.kind == "NUMBER"  # "at 3": a time missing its unit
                timed = timed or self._is_time_start(self.i + 1) or self._negative_time(self.i + 1)
                if w == "at" and not timed and c.action in (*vocab.HEAD_ACTIONS, *vocab.GAZE_ACTIONS):
                    if self._ends_clause(self.i + 1):
                        raise self._nothing_after(c, tok)
                    self.i += 1  # "looks at B", "faces at the camera"
                    continue
                # "to" is a filler ("turns to the camera") unless a time follows ("to 5s").
                if w in vocab.TIME_WORDS or (w in vocab.RANGE_TO_WORDS and self._is_time_start(self.i + 1)):
                    self._time_phrase(c)
                    continue
                if w in vocab.PACE_WORDS:
                    self.i += 1
                    self._set_pace(c, tok)
                    continue
                if w in vocab.COUNT_WORDS:
                    self.i += 1
                    self._set_count(c, tok, vocab.COUNT_WORDS[w])
                    continue
                if w in vocab.NUMBER_WORDS and nxt is not None and nxt.is_word(*vocab.TIMES_WORDS):
                    self.i += 2
                    self._set_count(c, tok, vocab.NUMBER_WORDS[w])
                    continue
                if w == vocab.THEN_WORD:
                    raise self._then_fail(tok)
                if w in vocab.VERBS and c.verb is not None:
                    raise _fail(
                        tok,
                        tok,
                        f"a second action '{tok.text}' in one direction",
                        "',' or 'and' between two directions",
                        f"write ', {tok.text} ...' or 'and {tok.text} ...'",
                    )
            if tok.kind == "NUMBER":
                nxt = self._peek(1)
                if nxt is not None and nxt.is_word(*vocab.TIMES_WORDS):
                    self.i += 2
                    self._set_count(c, tok, int(tok.value) if tok.value == int(tok.value) else -1)  # type: ignore[call-overload]
                    continue
            if tok.kind == "UNIT" and tok.unit == "x":
                self.i += 1
                self._set_count(c, tok, int(tok.value) if tok.value == int(tok.value) else -1)  # type: ignore[call-overload]
                continue
            if self._is_time_start(self.i):
                raise _fail(
                    tok,
                    tok,
                    f"'{tok.text}' needs 'at', 'from' or 'for' before it",
                    "a time phrase: at 3s, from 2s to 4s, for 2s",
                    f"write 'at {tok.text}'",
                )
            if c.action in (*vocab.GESTURE_ACTIONS, *vocab.FACE_ACTIONS, "relax"):
                self._unknown_item(c, tok)
            self._target_item(c)

    def _set_count(self, c: _Clause, tok: Token, n: int) -> None:
        if c.action not in vocab.GESTURE_ACTIONS:
            raise _fail(
                tok,
                tok,
                f"a count ('{tok.text}') only goes with nods and shakes",
                "a direction or a time",
                "remove the count",
            )
        if c.count_tok is not None:
            raise _fail(tok, tok, "a second count for the same direction", "one count", "keep one")
        if not 1 <= n <= vocab.MAX_GESTURE_COUNT:
            raise _fail(
                tok,
                tok,
                f"a count must be a whole number from 1 to {vocab.MAX_GESTURE_COUNT}",
                f"1 to {vocab.MAX_GESTURE_COUNT} times",
                "e.g. 'twice' or '3 times'",
            )
        c.count, c.count_tok = n, tok

    def _unknown_item(self, c: _Clause, tok: Token) -> None:
        verb = c.verb.text if c.verb is not None else c.action
        if tok.kind == "WORD":
            w = str(tok.value)
            undirected = c.action in (*vocab.GESTURE_ACTIONS, *vocab.FACE_ACTIONS, "relax")
            if undirected and (
                w in vocab.DIRECTION_WORDS or w in vocab.CAMERA_WORDS or w in vocab.PARTNER_WORDS
            ):
                raise _fail(
                    tok,
                    tok,
                    f"'{verb}' takes no direction ('{tok.text}')",
                    self._expected_items(c),
                    "remove the direction, or use 'faces'/'looks' for it",
                )
            if w in vocab.AMBIGUOUS_DIRECTIONS:
                raise _fail(tok, tok, vocab.AMBIGUOUS_DIRECTIONS[w], self._expected_items(c), "the camera")
            guess = _close(w, self._vocabulary(c))
            if guess:
                raise _fail(
                    tok, tok, f"'{tok.text}': did you mean '{guess}'?", self._expected_items(c), guess
                )
            raise _fail(
                tok,
                tok,
                f"unexpected '{tok.text}' after '{verb}' (expected {self._expected_items(c)})",
                self._expected_items(c),
                "separate directions with ',' or 'and'" if self._is_subject(self.i) else "remove it",
            )
        shown = {"COLON": "':'", "DASH": "'-'", "DEGREE": "'°'"}.get(tok.kind, f"'{tok.text}'")
        raise _fail(
            tok,
            tok,
            f"unexpected {shown} after '{verb}' (expected {self._expected_items(c)})",
            self._expected_items(c),
            "remove it",
        )

    # ------------------------------------------------------------------ targets

    def _set_target(self, c: _Clause, tok: Token, kind: str) -> None:
        if c.target is not None:
            first = c.target_tok.text if c.target_tok is not None else c.target
            raise _fail(
                tok,
                tok,
                f"a second target '{tok.text}' (already '{first}')",
                "one target per direction",
                "split it into two directions",
            )
        c.target, c.target_tok = kind, tok

    def _amount(self) -> tuple[float | None, str | None, Token] | None:
        """An angle or a size word at the cursor: (degrees, scale, token) or None."""
        tok = self._peek()
        if tok is None:
            return None
        if tok.kind == "WORD":
            if tok.value in vocab.SCALE_WORDS:
                self.i += 1
                return None, vocab.SCALE_WORDS[str(tok.value)], tok
            nxt = self._peek(1)
            if tok.value == "a" and nxt is not None and nxt.is_word(*vocab.A_LITTLE_WORDS):
                self.i += 2
                if nxt.is_word("little") and self._peek() is not None and self._peek().is_word("bit"):  # type: ignore[union-attr]
                    self.i += 1
                return None, "slightly", tok
            return None
        if tok.kind == "UNIT" and (tok.unit in vocab.DEGREE_WORDS or tok.unit == "d"):
            self.i += 1
            return self._degrees(tok), None, tok
        if tok.kind == "NUMBER":
            nxt = self._peek(1)
            if nxt is not None and (nxt.kind == "DEGREE" or nxt.is_word(*vocab.DEGREE_WORDS)):
                self.i += 2
                return self._degrees(tok), None, tok
            if nxt is not None and nxt.is_word(*vocab.DIRECTION_WORDS):
                self.i += 1  # "turns 30 right": degrees understood
                return self._degrees(tok), None, tok
            raise _fail(
                tok,
                tok,
                f"'{tok.text}' needs a unit: '{tok.text} degrees' for an angle, '{tok.text}s' for a time",
                "an angle (30 degrees) or a time (at 3s)",
                f"{tok.text} degrees",
            )
        return None

    def _degrees(self, tok: Token) -> float:
        value = float(tok.value)  # type: ignore[arg-type]
        if value > vocab.MAX_DEGREES:
            raise _fail(
                tok,
                tok,
                f"{tok.text} degrees is more than a half turn",
                f"an angle up to {vocab.MAX_DEGREES:.0f} degrees",
                "use a smaller angle",
            )
        return value

    def _target_item(self, c: _Clause) -> None:
        tok = self._peek()
        assert tok is not None
        if tok.kind == "DASH":
            prev = self._at(self.i - 1)
            if prev is not None and prev.is_word(*vocab.DIRECTION_WORDS) and self._part_start(self.i + 1):
                self.i += 1  # "up-left"
                return
            if self._is_time_start(self.i + 1):
                raise self._negative_time_fail(self.i)  # "A faces left -3s"
            if (
                tok.kind == "DASH"
                and self._at(self.i + 1) is not None
                and self._at(self.i + 1).kind
                in (  # type: ignore[union-attr]
                    "NUMBER",
                    "UNIT",
                )
            ):
                raise _fail(
                    tok,
                    tok,
                    "angles are positive: give the other side instead of a minus sign",
                    "a positive angle and a direction",
                    "e.g. '30 degrees right' instead of '-30 degrees left'",
                )
            self._unknown_item(c, tok)
        amount = self._amount()
        if amount is not None:
            degrees, scale, atok = amount
            nxt = self._peek()
            if nxt is not None and nxt.is_word("to", "toward", "towards"):
                k = 1
                if self._peek(1) is not None and self._peek(1).is_word("the"):  # type: ignore[union-attr]
                    k = 2
                if self._peek(k) is not None and self._peek(k).is_word(*vocab.DIRECTION_WORDS):  # type: ignore[union-attr]
                    self.i += k
                    nxt = self._peek()
            if nxt is not None and nxt.is_word(*vocab.DIRECTION_WORDS):
                self.i += 1
                self._add_part(c, nxt, degrees, scale, atok)
                return
            # "left 30 degrees": the size follows its direction.
            if c.parts and c.parts[-1].degrees is None and c.parts[-1].scale is None:
                last = c.parts.pop()
                ltok = c.part_toks.pop()
                self._add_part(c, ltok, degrees, scale, atok, toward=last.toward)
                return
            raise _fail(
                nxt,
                atok,
                f"'{atok.text}' needs a direction after it: left, right, up, down or away",
                "left, right, up, down or away",
                "e.g. '"
                + (f"{format_number(degrees)} degrees" if degrees is not None else str(scale))
                + " left'",
            )
        if tok.kind == "NAME" or tok.is_word(*vocab.ROLE_WORDS) or tok.is_word(*vocab.ROLE_PREFIXES):
            if tok.is_word(*vocab.ROLE_PREFIXES):
                nxt = self._peek(1)
                if nxt is None or not (nxt.kind == "NAME" or nxt.is_word(*vocab.ROLE_WORDS)):
                    self._unknown_item(c, tok)
                self.i += 1
                tok = self._peek()
                assert tok is not None
            self.i += 1
            self._set_target(c, tok, "partner")
            c.target_role = self._role_of(tok)
            return
        if tok.kind != "WORD":
            self._unknown_item(c, tok)
        w = str(tok.value)
        if w in vocab.DIRECTION_WORDS:
            self.i += 1
            self._add_part(c, tok, None, None, tok)
            return
        if w in vocab.CAMERA_WORDS:
            self.i += 1
            self._set_target(c, tok, "camera")
            return
        if w == "each":
            nxt = self._peek(1)
            if nxt is None or not nxt.is_word("other"):
                raise _fail(nxt, tok, "expected 'other' after 'each'", "'each other'", "each other")
            self.i += 2
            self._set_target(c, tok, "partner")
            c.each_other = True
            return
        if w in vocab.PARTNER_WORDS:
            self.i += 1
            self._set_target(c, tok, "partner")
            return
        if w == "back":
            self.i += 1
            c.back = True
            c.back_tok = tok
            return
        if w in vocab.TARGET_FILLERS:
            if self._ends_clause(self.i + 1):
                raise self._nothing_after(c, tok)
            self.i += 1
            return
        self._unknown_item(c, tok)

    def _nothing_after(self, c: _Clause, tok: Token) -> _Fail:
        """'A faces left at', 'B looks to': a word that needs something after it ends the direction."""
        example = "'at 3s' or 'at the camera'" if tok.is_word("at") else f"'{tok.text} the camera'"
        return _fail(
            tok,
            tok,
            f"nothing after '{tok.text}': add what it refers to, e.g. {example}, or remove it",
            self._expected_items(c),
            f"remove '{tok.text}'",
        )

    def _add_part(
        self,
        c: _Clause,
        tok: Token,
        degrees: float | None,
        scale: str | None,
        atok: Token,
        toward: str | None = None,
    ) -> None:
        toward = toward or vocab.DIRECTION_WORDS[str(tok.value)]
        if c.target not in (None, "direction"):
            first = c.target_tok.text if c.target_tok is not None else c.target
            raise _fail(
                tok,
                tok,
                f"'{tok.text}' cannot go with '{first}': a direction is either a target or a way to turn",
                "one target per direction",
                "split it into two directions",
            )
        if c.action == "tilt" and toward == "away":
            raise _fail(
                tok, tok, "'tilts' goes left, right, up or down, not away", "left, right, up or down", "left"
            )
        axis = vocab.AXIS_OF[toward]
        for p, ptok in zip(c.parts, c.part_toks, strict=True):
            if vocab.AXIS_OF[p.toward] == axis:
                what = "yaw (left/right/away)" if axis == "yaw" else "pitch (up/down)"
                raise _fail(
                    tok,
                    tok,
                    f"'{ptok.text}' and '{tok.text}' both set the {what}: keep one",
                    "at most one of left/right/away and one of up/down",
                    "remove one",
                )
        c.target = "direction"
        if c.target_tok is None:
            c.target_tok = atok
        c.parts.append(Part(toward=toward, degrees=degrees, scale=scale))  # type: ignore[arg-type]
        c.part_toks.append(tok)

    # ------------------------------------------------------------------ the direction

    def _finish(self, c: _Clause) -> None:
        verb = c.verb
        assert verb is not None
        action = c.action
        if c.back and c.target is None:
            c.target, c.target_tok = "partner", c.back_tok  # "turns back", "looks back"
        if action in vocab.GESTURE_ACTIONS or action in ("relax", "laugh"):
            if c.pace is not None:
                assert c.pace_tok is not None
                raise _fail(
                    c.pace_tok,
                    c.pace_tok,
                    f"'{c.pace_tok.text}' does not apply to '{verb.text}': "
                    "give a length instead, e.g. 'for 2s'",
                    "a count or a time",
                    "remove it",
                )
        elif c.target is None and action != "mood":
            targets = (
                "left, right, up or down"
                if action == "tilt"
                else "at B, at the camera, left, right, up, down or away"
                if action in vocab.GAZE_ACTIONS
                else "left, right, up, down, away, the camera or B"
            )
            raise _fail(
                self._peek(),
                self._last(),
                f"'{verb.text}' needs a direction: {targets}",
                targets,
                f"e.g. '{verb.text} {targets.split(',')[0]}'",
            )
        if action == "tilt" and c.target != "direction":
            raise _fail(
                c.target_tok,
                verb,
                "'tilts' goes left, right, up or down",
                "left, right, up or down",
                "e.g. 'tilts left'",
            )
        if c.target == "partner":
            self._check_partner(c)
        if action == "mood":
            self._check_face(c)
        if action == "turn":
            if c.target == "direction" and any(p.degrees is not None for p in c.parts):
                pass  # relative: "turns 30 degrees right"
            else:
                action = "face"  # "turns left", "turns to the camera" = faces
        start = c.start if c.start is not None else self.cursor
        if c.start is not None:
            self.cursor = c.start
        if c.end is not None and c.end.unit == start.unit and c.end.value <= start.value:
            assert c.end_tok is not None
            raise _fail(
                c.end_tok,
                c.end_tok,
                f"it ends ({c.end.text()}) before it starts ({start.text()})"
                if c.end.value < start.value
                else f"it ends at the moment it starts ({start.text()})",
                "an end after the start",
                "swap the two times" if c.start is not None else "give it a later end",
            )
        self.directions.append(
            Direction(
                roles=c.roles,  # type: ignore[arg-type]
                action=action,  # type: ignore[arg-type]
                target=c.target,  # type: ignore[arg-type]
                parts=tuple(c.parts),
                count=c.count,
                pace=c.pace,  # type: ignore[arg-type]
                start=start,
                end=c.end,
                length=c.length,
                brief=c.brief,
                mood=c.mood,  # type: ignore[arg-type]
                intensity=c.intensity,  # type: ignore[arg-type]
                percent=c.percent,
                line=c.first.line,
                column=c.first.column,
            )
        )

    def _check_partner(self, c: _Clause) -> None:
        tok = c.target_tok
        assert tok is not None
        if c.each_other and len(c.roles) < 2:
            raise _fail(
                tok,
                tok,
                f"'each other' needs both characters, but only {c.roles[0]} is named",
                "both characters",
                "start with 'both', e.g. 'both look at each other'",
            )
        if c.target_role is not None and c.target_role in c.roles:
            other = "B" if c.target_role == "A" else "A"
            who = c.target_role
            raise _fail(
                tok,
                tok,
                f"{who} cannot {'look at' if c.action in vocab.GAZE_ACTIONS else 'face'} themself",
                "the other character, the camera or a direction",
                f"did you mean '{other}'?",
            )


__all__ = ["Parser"]
