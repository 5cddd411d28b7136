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

from . import vocab
from .clause import Clause as _Clause
from .clause import ClauseChecks
from .directions import ZERO, Direction, Time
from .errors import ParseFail as _Fail
from .errors import StagingIssue
from .errors import close_word as _close
from .errors import fail as _fail
from .lexer import Token
from .mood_parse import MoodClauses
from .target_parse import TargetItems
from .time_parse import TIME_HELP as _TIME_HELP
from .time_parse import TimePhrases

_ACTION_LIST = "faces, turns, tilts, looks, glances, nods, shakes, relaxes, smiles, laughs or is <mood>"


class Parser(TimePhrases, TargetItems, ClauseChecks, MoodClauses):
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

    def _ends_clause(self, j: int) -> bool:
        tok = self._at(j)
        return tok is None or tok.kind == "COMMA" or tok.is_word("and")

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


__all__ = ["Parser"]
