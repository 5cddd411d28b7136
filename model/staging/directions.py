"""The validated staging model (pydantic): what the text says, before any frames exist.

A StagingScript is a list of Directions in text order. Each Direction keeps the
artist's words in canonical form (defaults stay defaults, "slightly" stays
"slightly") so ``describe()`` writes text that parses back to an equal script;
numbers are resolved to angles only when the schedule is built
(duet.model.staging.schedule).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .. import expressions
from ..text_issues import in_text_order
from . import vocab
from .errors import StagingIssue

if TYPE_CHECKING:
    from .schedule import Schedule
    from .targets import StagingTargets

Role = Literal["A", "B"]
Action = Literal["face", "turn", "tilt", "look", "glance", "nod", "shake", "relax", "mood", "laugh"]
Mood = Literal[
    "happy", "sad", "angry", "frowning", "surprised", "afraid", "disgusted", "thoughtful", "bored", "neutral"
]
TargetKind = Literal["partner", "camera", "direction"]
Toward = Literal["left", "right", "up", "down", "away"]


def format_number(x: float) -> str:
    """Shortest text that reads back as exactly `x`, never in scientific notation."""
    text = format(Decimal(repr(float(x))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class Time(BaseModel):
    """A moment or a length as written: seconds ("2.5s", "0:07") or frames ("f120")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float = Field(ge=0.0, le=vocab.MAX_SECONDS * 1000.0, allow_inf_nan=False)
    unit: Literal["s", "f"] = "s"

    def seconds(self, frame_rate: float, first_frame: int = 0, *, length: bool = False) -> float:
        """Seconds from the start of the take (a length in frames ignores first_frame)."""
        if self.unit == "s":
            return self.value
        return (self.value - (0 if length else first_frame)) / frame_rate

    def text(self) -> str:
        return f"f{format_number(self.value)}" if self.unit == "f" else f"{format_number(self.value)}s"


ZERO = Time(value=0.0, unit="s")


class Part(BaseModel):
    """One component of a direction: 'left', '30 degrees left', 'slightly down'."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    toward: Toward
    degrees: float | None = Field(default=None, ge=0.0, le=vocab.MAX_DEGREES, allow_inf_nan=False)
    scale: Literal["slightly", "far"] | None = None

    @model_validator(mode="after")
    def _one_size(self) -> Part:
        if self.degrees is not None and self.scale is not None:
            raise ValueError(f"'{self.scale}' and an angle both size '{self.toward}': keep one")
        return self

    def text(self) -> str:
        size = f"{self.scale} " if self.scale else ""
        if self.degrees is not None:
            unit = "degree" if self.degrees == 1.0 else "degrees"
            size += f"{format_number(self.degrees)} {unit} "
        return size + self.toward


class Direction(BaseModel):
    """One direction for one character or both, with its timing as written.

    start is always set (an untimed direction starts at the last time given before
    it, or 0). A direction with ``end``, ``length`` or ``brief`` (and every glance and
    gesture) is finite: when it ends, the character returns to what was held
    before. Without them it holds until the next direction on the same channel.
    ``line``/``column`` locate it in the text and do not take part in equality.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    roles: tuple[Role, ...] = Field(min_length=1, max_length=2)
    action: Action
    target: TargetKind | None = None
    parts: tuple[Part, ...] = ()
    count: int | None = Field(default=None, ge=1, le=vocab.MAX_GESTURE_COUNT)
    pace: Literal["slowly", "quickly"] | None = None
    start: Time = ZERO
    end: Time | None = None
    length: Time | None = None
    brief: bool = False
    mood: Mood | None = None
    intensity: Literal["slightly", "very"] | None = None
    percent: float | None = Field(default=None, gt=0.0, le=vocab.MAX_PERCENT, allow_inf_nan=False)
    line: int = Field(default=0, ge=0, exclude=True, repr=False)
    column: int = Field(default=0, ge=0, exclude=True, repr=False)

    @field_validator("roles")
    @classmethod
    def _roles_sorted(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(roles)) != len(roles):
            raise ValueError("a character is named twice")
        return tuple(sorted(roles))

    @model_validator(mode="wrap")
    @classmethod
    def _consistent(cls, data: Any, handler: Any) -> Direction:
        # An existing Direction was checked when it was made (pydantic would re-run an
        # "after" validator for every instance placed in a StagingScript).
        if isinstance(data, cls):
            return data
        direction = handler(data)
        problem = direction_problem(direction)
        if problem:
            raise ValueError(problem)
        return direction

    # Equality ignores where the direction was written.
    def _key(self) -> tuple[Any, ...]:
        return (
            self.roles,
            self.action,
            self.target,
            self.parts,
            self.count,
            self.pace,
            self.start,
            self.end,
            self.length,
            self.brief,
            self.mood,
            self.intensity,
            self.percent,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Direction) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def finite(self) -> bool:
        return (
            self.end is not None
            or self.length is not None
            or self.brief
            or self.action in ("glance", "laugh", *vocab.GESTURE_ACTIONS)
        )

    @property
    def strength(self) -> float:
        """A mood's or a laugh's intensity, 0..1 (duet.model.expressions)."""
        if self.percent is not None:
            return self.percent / 100.0
        if self.intensity is not None:
            return expressions.INTENSITIES[self.intensity]
        return expressions.DEFAULT_INTENSITY

    @property
    def where(self) -> str:
        return f"line {self.line}, col {self.column}" if self.line else "(no location)"

    def sentence(self, *, with_time: bool = True) -> str:
        from .describe import sentence

        return sentence(self, with_time=with_time)


def direction_problem(d: Direction) -> str:
    """Why a combination of fields makes no sense ('' when it does)."""
    what = f"'{vocab.VERB_FORMS[d.action][0]}'"
    if d.action in vocab.FACE_ACTIONS:
        return _face_problem(d) or _timing_problem(d)
    if d.mood is not None or d.intensity is not None or d.percent is not None:
        return f"a mood or its strength does not go with {what}"
    if d.action in vocab.GESTURE_ACTIONS or d.action == "relax":
        if d.target is not None or d.parts:
            return f"{what} takes no direction"
        if d.action == "relax" and d.count is not None:
            return f"{what} takes no count"
        if d.pace is not None:
            return f"'{d.pace}' does not apply to {what}: give a length instead, e.g. 'for 2s'"
    else:
        if d.target is None:
            return f"{what} needs a target"
        if d.count is not None:
            return f"a count ('{d.count} times') only goes with nods and shakes"
        if (d.target == "direction") != bool(d.parts):
            return f"{what}: a direction target needs its parts, other targets take none"
        if d.action == "turn" and (d.target != "direction" or all(p.degrees is None for p in d.parts)):
            return "'turns' by an angle needs one, e.g. 'turns 30 degrees right'"
        if d.action == "tilt" and d.target != "direction":
            return "'tilts' needs left, right, up or down"
        if d.action == "tilt" and any(p.toward == "away" for p in d.parts):
            return "'tilts' goes left, right, up or down, not away"
        axes: dict[str, str] = {}
        for p in d.parts:
            axis = vocab.AXIS_OF[p.toward]
            if axis in axes:
                return f"'{axes[axis]}' and '{p.toward}' both set the {axis}: keep one"
            axes[axis] = p.toward
    return _timing_problem(d)


def _face_problem(d: Direction) -> str:
    """Why a mood or a laugh makes no sense ('' when it does)."""
    if d.target is not None or d.parts:
        return "a mood takes no direction"
    if d.count is not None:
        return f"a count ('{d.count} times') only goes with nods and shakes"
    if d.action == "mood" and d.mood is None:
        return "a mood direction needs its mood, e.g. 'is happy'"
    if d.action == "laugh" and d.mood is not None:
        return "a laugh has no mood of its own: give the mood its own direction"
    if d.action == "laugh" and d.pace is not None:
        return f"'{d.pace}' does not apply to a laugh: give a length instead, e.g. 'for 2s'"
    if d.intensity is not None and d.percent is not None:
        return f"'{d.intensity}' and {format_number(d.percent)}% both give the strength: keep one"
    if d.mood == "neutral" and (d.intensity is not None or d.percent is not None):
        return "'neutral' has no strength"
    return ""


def _timing_problem(d: Direction) -> str:
    timing = [name for name, on in (("to", d.end), ("for", d.length)) if on is not None]
    if d.brief:
        timing.append("briefly")
    if len(timing) > 1:
        return f"{' and '.join(repr(t) for t in timing)} both give the length: keep one"
    if d.end is not None and d.end.unit == d.start.unit and d.end.value <= d.start.value:
        return f"it ends ({d.end.text()}) before it starts ({d.start.text()})"
    if d.length is not None and d.length.value <= 0.0:
        return "a length must be more than 0"
    return ""


class StagingScript(BaseModel):
    """Validated staging directions, in text order.

    frame_rate turns frame times ("f120") into seconds; first_frame is the scene frame
    the take starts on (f<first_frame> = 0 s). Construction checks timing
    (contradictions, reversed ranges) and angle limits, so every StagingScript can
    produce targets.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    directions: tuple[Direction, ...] = ()
    frame_rate: float = Field(default=vocab.DEFAULT_FRAME_RATE, gt=0.0, le=1000.0, allow_inf_nan=False)
    first_frame: int = 0

    _schedule: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_schedule(self, info: ValidationInfo) -> StagingScript:
        from .schedule import build_schedule

        # parse() has just built and checked this schedule; it hands it over.
        context = info.context if isinstance(info.context, dict) else {}
        schedule = context.get("checked_schedule")
        if schedule is None:
            schedule, issues = build_schedule(self.directions, self.frame_rate, self.first_frame)
            if issues:
                raise ValueError("; ".join(str(i) for i in issues))
        self._schedule = schedule
        return self

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StagingScript)
            and self.directions == other.directions
            and self.frame_rate == other.frame_rate
            and self.first_frame == other.first_frame
        )

    def __hash__(self) -> int:
        return hash((self.directions, self.frame_rate, self.first_frame))

    @property
    def schedule(self) -> Schedule:
        return self._schedule

    def describe(self) -> str:
        """Canonical text, one direction a line, that parses back to an equal script."""
        from .describe import describe

        return describe(self)

    def to_targets(self, n_frames: int, fps: float) -> StagingTargets:
        """Per-frame targets and conditioning for a take of n_frames at fps."""
        from .targets import render_targets

        return render_targets(self, n_frames, fps)

    def issues_beyond(self, duration_s: float) -> list[StagingIssue]:
        """Warnings, in text order, for directions that start at or after `duration_s`
        (the end of the audio): they would never show. The parser knows no duration, so
        whoever knows the take's length calls this; an empty list when all fit."""
        duration = float(duration_s)
        if not (math.isfinite(duration) and duration >= 0.0):
            raise ValueError(f"duration_s must be a length in seconds, got {duration_s!r}")
        end = format_number(round(duration, 3)) + "s"
        issues = []
        for d in self.directions:
            start = d.start.seconds(self.frame_rate, self.first_frame)
            if start < duration:
                continue
            when = d.start.text()
            if d.start.unit == "f":
                when += f" = {format_number(round(start, 3))}s at {format_number(self.frame_rate)} fps"
            issues.append(
                StagingIssue(
                    d.line,
                    d.column,
                    f"'{d.sentence(with_time=False)}' starts at {when}, after the audio ends ({end}): "
                    "it will not show",
                    f"a start before {end}",
                    f"start it before {end}, or remove it",
                )
            )
        return in_text_order(issues)

    def events(self) -> list[tuple[float, str]]:
        """(seconds, label) per direction and character, for schedule markers."""
        out = []
        for d in self.directions:
            out.append((d.start.seconds(self.frame_rate, self.first_frame), d.sentence(with_time=False)))
        return sorted(out, key=lambda e: e[0])


__all__ = ["ZERO", "Direction", "Part", "StagingScript", "Time", "format_number"]
