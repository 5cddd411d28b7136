"""The parser's targets and directions after a verb: "at B", "the camera", "each other",
"left", "30 degrees right and slightly down", "back", with the errors for what does not
fit the verb (a direction on a nod, a second target, two yaws, an angle past a half turn).

A mixin of duet.model.staging.parser.Parser (it uses the parser's token cursor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import vocab
from .directions import Part, format_number
from .errors import ParseFail as _Fail
from .errors import close_word as _close
from .errors import fail as _fail
from .lexer import Token
from .mood_parse import STRENGTH_HELP, face_vocabulary

if TYPE_CHECKING:
    from .clause import Clause as _Clause


class TargetItems:
    """Target and direction parsing for Parser: needs its t, i, names and token helpers."""

    t: list[Token]
    i: int
    names: dict[str, str]

    if TYPE_CHECKING:

        def _peek(self, k: int = 0) -> Token | None: ...
        def _at(self, j: int) -> Token | None: ...
        def _is_subject(self, j: int) -> bool: ...
        def _ends_clause(self, j: int) -> bool: ...
        def _role_of(self, tok: Token) -> str: ...
        def _is_time_start(self, j: int) -> bool: ...
        def _negative_time_fail(self, j: int) -> _Fail: ...

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
