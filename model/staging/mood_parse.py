"""The parser's mood clauses: "A smiles slightly", "B is very angry", "both look surprised",
"Mara seems sad at 60%", "A laughs heartily".

A mixin of duet.model.staging.parser.Parser (it uses the parser's token cursor). A mood
is written with a mood verb (smiles, frowns, scowls), or with is / are / looks / seems /
gets ... and a mood adjective; a strength (slightly, a little, very, 60%, at 60 percent)
goes before the adjective or anywhere after the verb.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import vocab
from .errors import ParseFail, close_word, fail

if TYPE_CHECKING:
    from .lexer import Token

MOOD_HELP = "a mood: happy, sad, angry, surprised, afraid, disgusted, thoughtful, bored or neutral"
STRENGTH_HELP = "a strength (slightly, very, at 60%) or a time (at 3s, from 2s to 4s)"


class MoodClauses:
    """Mood parsing for Parser: needs its t, i, _peek, _at and _is_time_start."""

    t: list[Token]
    i: int

    if TYPE_CHECKING:

        def _peek(self, k: int = 0) -> Token | None: ...
        def _at(self, j: int) -> Token | None: ...
        def _is_time_start(self, j: int) -> bool: ...
        def _negative_time(self, j: int) -> bool: ...

    # ------------------------------------------------------------------ looking ahead

    def _strength_words(self, j: int) -> int:
        """How many tokens from j give a strength ('very', 'a little bit', '60%', '60 percent')."""
        tok = self._at(j)
        if tok is None:
            return 0
        if tok.kind == "PERCENT":
            return 1
        nxt = self._at(j + 1)
        if tok.kind == "NUMBER":
            return 2 if nxt is not None and nxt.is_word(*vocab.PERCENT_WORDS) else 0
        if tok.kind != "WORD":
            return 0
        if tok.value in vocab.INTENSITY_WORDS:
            return 1
        if tok.value == "a" and nxt is not None and nxt.is_word(*vocab.A_LITTLE_WORDS):
            after = self._at(j + 2)
            return 3 if nxt.is_word("little") and after is not None and after.is_word("bit") else 2
        return 0

    def _mood_ahead(self, j: int) -> bool:
        """Does a mood adjective follow at j (after a strength, if any)?"""
        tok = self._at(j + self._strength_words(j))
        return tok is not None and tok.kind == "WORD" and tok.value in vocab.MOOD_ADJECTIVES

    # ------------------------------------------------------------------ taking a mood

    def _set_strength(self, c: Any, j: int, n: int) -> None:
        """The strength written at tokens j .. j+n onto the clause."""
        tok = self._at(j)
        assert tok is not None
        if c.strength_tok is not None:
            first = c.strength_tok.text
            raise fail(
                tok, tok, f"a second strength '{tok.text}' (already '{first}')", "one strength", "keep one"
            )
        if tok.kind in ("PERCENT", "NUMBER"):
            value: Decimal = tok.value  # type: ignore[assignment]
            if not (0 < value <= Decimal(int(vocab.MAX_PERCENT))):
                raise fail(
                    tok,
                    tok,
                    f"a strength is more than 0% and at most {vocab.MAX_PERCENT:.0f}%, not {tok.text}",
                    f"a percentage above 0% up to {vocab.MAX_PERCENT:.0f}%",
                    "e.g. 'at 60%'",
                )
            c.percent = float(value)
        else:
            c.intensity = "slightly" if tok.value == "a" else vocab.INTENSITY_WORDS[str(tok.value)]
        c.strength_tok = tok
        self.i = j + n

    def _take_mood(self, c: Any, verb: Token) -> None:
        """[strength] adjective at the cursor: the clause becomes that mood."""
        n = self._strength_words(self.i)
        if n:
            self._set_strength(c, self.i, n)
        adjective = self._peek()
        assert adjective is not None
        self.i += 1
        c.action, c.verb, c.mood = "mood", verb, vocab.MOOD_ADJECTIVES[str(adjective.value)]

    def _linking_verb(self, c: Any, verb: Token) -> None:
        """'seems', 'gets', 'feels' ... (already taken): a mood must follow."""
        if self._mood_ahead(self.i):
            self._take_mood(c, verb)
            return
        self._mood_typo(verb, self.i)
        nxt = self._peek()
        raise fail(
            nxt,
            verb,
            f"'{verb.text}' needs a mood after it, e.g. '{verb.text} happy'",
            MOOD_HELP,
            f"{verb.text} happy",
        )

    def _mood_typo(self, verb: Token, j: int) -> None:
        """After is / seems ...: a word close to a mood adjective is a typo of one ('hapy')."""
        tok = self._at(j + self._strength_words(j))
        if tok is None or tok.kind != "WORD":
            return
        strength = self._strength_words(j) > 0
        other_words = (vocab.VERBS, vocab.PACE_WORDS, vocab.BRIEF_WORDS, vocab.FREE_VERBS, vocab.MOOD_LINKING)
        if not strength and any(tok.value in words for words in other_words):
            return  # "is smiling", "is slowly turning": a verb follows
        guess = close_word(str(tok.value), list(vocab.MOOD_ADJECTIVES), 0.75)
        if guess:
            raise fail(tok, tok, f"'{tok.text}': did you mean '{guess}'?", MOOD_HELP, guess)
        if strength or close_word(str(tok.value), list(vocab.VERBS)) is None:
            raise fail(
                tok,
                tok,
                f"unknown mood '{tok.text}' after '{verb.text}' (expected {MOOD_HELP})",
                MOOD_HELP,
                "e.g. 'is very happy'",
            )

    # ------------------------------------------------------------------ items after the verb

    def _face_item(self, c: Any, tok: Token) -> bool:
        """A strength in a mood or laugh ('slightly', 'at 60%'): True when one was taken."""
        n = self._strength_words(self.i)
        if n:
            self._set_strength(c, self.i, n)
            return True
        j = self.i if tok.kind == "NUMBER" else self.i + 1 if tok.is_word("at") else -1
        bare = self._at(j) if j >= 0 else None
        if (
            bare is not None
            and bare.kind == "NUMBER"
            and not self._is_time_start(j)
            and not self._strength_words(j)
        ):
            n = bare.text
            raise fail(
                bare,
                bare,
                f"'{n}' needs a unit: {n}% for how strong, {n}s for a time",
                STRENGTH_HELP,
                f"{n}%",
            )
        if tok.is_word("at"):
            nxt = self._at(self.i + 1)
            n = self._strength_words(self.i + 1)
            if n and nxt is not None and nxt.kind in ("PERCENT", "NUMBER"):
                self._set_strength(c, self.i + 1, n)
                return True
            timed = self._is_time_start(self.i + 1) or self._negative_time(self.i + 1)
            if nxt is not None and not timed and nxt.kind in ("WORD", "NAME"):
                verb = c.verb.text if c.verb is not None else "it"
                raise fail(
                    nxt,
                    nxt,
                    f"'{verb}' takes no target ('{nxt.text}'): a mood shows to everyone; "
                    "for the eyes write a separate 'looks at ...'",
                    STRENGTH_HELP,
                    "remove the target",
                )
            return False
        if tok.kind == "WORD" and tok.value in vocab.MOOD_ADJECTIVES:
            raise fail(
                tok,
                tok,
                f"a second mood '{tok.text}' in one direction",
                "one mood per direction",
                "give each mood its own direction and time",
            )
        return False

    def _check_face(self, c: Any) -> None:
        """What a finished mood clause cannot say: a strength for 'neutral'."""
        if c.mood == "neutral" and c.strength_tok is not None:
            tok = c.strength_tok
            raise fail(
                tok,
                tok,
                f"'neutral' has no strength ('{tok.text}'): it is the face without a mood",
                "'is neutral' alone",
                f"remove '{tok.text}'",
            )

    def _strength_elsewhere(self, c: Any, tok: Token) -> None:
        """A mood or its strength in a head, gaze or gesture direction: say where it goes."""
        verb = c.verb.text if c.verb is not None else c.action
        if tok.kind == "PERCENT" or (tok.kind == "NUMBER" and self._strength_words(self.i) == 2):
            raise fail(
                tok,
                tok,
                f"a strength ('{tok.text}') only goes with a mood or a laugh, not '{verb}'",
                "a direction or a time",
                "remove it, or give it to a mood: 'A smiles at 60%'",
            )
        if tok.kind == "WORD" and tok.value in vocab.MOOD_ADJECTIVES:
            raise fail(
                tok,
                tok,
                f"'{tok.text}' is a mood: give it its own direction, e.g. '{verb} ... and is {tok.text}'",
                "a direction or a time",
                f"and is {tok.text}",
            )
        if tok.kind == "WORD" and tok.value in vocab.INTENSITY_WORDS and tok.value not in vocab.SCALE_WORDS:
            raise fail(
                tok,
                tok,
                f"'{tok.text}' sizes a mood ('is {tok.text} happy'); a turn is sized with "
                "'slightly', 'far' or an angle",
                "a direction or a time",
                "far",
            )


def face_vocabulary() -> list[str]:
    """Words a mood or laugh clause takes after its verb (for 'did you mean')."""
    return [*vocab.INTENSITY_WORDS, *vocab.PERCENT_WORDS]


__all__ = ["MOOD_HELP", "STRENGTH_HELP", "MoodClauses", "ParseFail", "face_vocabulary"]
