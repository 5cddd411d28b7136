"""A clause as the parser reads it, and the final checks that turn it into a Direction:
a pace on a gesture, a direction missing or not fitting the verb ("tilts" needs left,
right, up or down), a character looking at themself, a mood's strength, an end at or
before the start. Directions without a time start at the parser's cursor.

The checks are a mixin of duet.model.staging.parser.Parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import vocab
from .directions import Direction, Part, Time
from .errors import fail as _fail
from .lexer import Token


@dataclass
class Clause:
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


class ClauseChecks:
    """The final checks of a clause for Parser: needs its cursor, directions and token helpers."""

    cursor: Time
    directions: list[Direction]

    if TYPE_CHECKING:

        def _peek(self, k: int = 0) -> Token | None: ...
        def _last(self) -> Token: ...
        def _check_face(self, c: Clause) -> None: ...

    # ------------------------------------------------------------------ the direction

    def _finish(self, c: Clause) -> None:
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

    def _check_partner(self, c: Clause) -> None:
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
