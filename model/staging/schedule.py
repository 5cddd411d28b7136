"""Directions -> per-role, per-channel events in seconds with resolved angles.

Two layers per channel (head, gaze):
- open directions (no end) form the base: each holds from its start until the
  next open direction on that channel starts;
- finite directions (a range, a length, "briefly", glances) lie on top; when one
  ends the base shows again.
Relative turns and tilts resolve against what is commanded just before they
start (rest, 0 deg, when nothing is). Problems found here carry the location of
the direction written later in the text:
Moods and laughs are two more channels per role: a mood holds like a head
direction (untimed: until the next, timed: over the base), a laugh is always
timed. "relaxes" frees head, gaze and mood.
- two finite directions on one channel that overlap with different values
  (a relative turn or a tilt may sit inside another: it modifies what is held);
- two open directions on one channel that start at the same moment with
  different values (the first would never show);
- a nod overlapping a shake; an angle past the neck's or the eyes' range;
- a frame time before the take's first frame, or a range ending before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import expressions, spec
from . import vocab
from .directions import Direction, format_number
from .errors import StagingIssue

EPS = 1e-9
HEAD_AXES = ("yaw", "pitch", "roll")

# Gaze modes, as in StagingTargets.gaze_mode.
FREE, PARTNER, CAMERA, DIRECTION = 0, 1, 2, 3


@dataclass(frozen=True)
class Event:
    """One direction's command on one channel of one role."""

    start: float  # seconds
    end: float | None  # None: holds until the next open event
    value: tuple[float, ...] | None  # head (yaw, pitch, roll) / gaze (yaw, pitch); None = free
    mode: int  # gaze mode (FREE..DIRECTION); 0 for the head
    pace: float  # transition time factor
    order: int  # position of its direction in the text
    direction: Direction = field(compare=False, repr=False)


@dataclass
class Schedule:
    head: dict[str, list[Event]]
    gaze: dict[str, list[Event]]
    gestures: dict[str, list[tuple[float, float, str]]]  # (start, end, "nod" | "shake")
    # value (mood index in expressions.MOODS, strength 0..1); None = free (relaxes)
    mood: dict[str, list[Event]] = field(default_factory=lambda: {r: [] for r in spec.ROLES})
    laughs: dict[str, list[Event]] = field(default_factory=lambda: {r: [] for r in spec.ROLES})  # (strength,)


CHANNEL_WORDS = {"head": "head", "gaze": "gaze", "mood": "mood", "laugh": "laugh"}


def _secs(x: float) -> str:
    return format_number(round(x, 3)) + "s"


def _part_angle(part, defaults: dict[str, float]) -> float:
    if part.degrees is not None:
        return float(part.degrees)
    return defaults[part.toward] * vocab.SCALES.get(part.scale or "", 1.0)


def _sign(toward: str, role: str) -> float:
    if toward == "away":
        return vocab.away_sign(role)
    return 1.0 if toward in ("left", "up") else -1.0


def head_value(d: Direction, role: str, before: tuple[float, ...] | None) -> tuple[float, ...] | None:
    """Head (yaw, pitch, roll) a head direction commands, given what is held before it."""
    prev = list(before) if before is not None else [0.0, 0.0, 0.0]
    if d.action == "relax":
        return None
    if d.action == "face":
        if d.target == "partner":
            return (0.0, 0.0, 0.0)
        if d.target == "camera":
            yaw, pitch = spec.CANONICAL_CAMERA_DIRECTION[role]
            return (float(yaw), float(pitch), 0.0)
        out = [0.0, 0.0, 0.0]
        for p in d.parts:
            out[HEAD_AXES.index(vocab.AXIS_OF[p.toward])] = _sign(p.toward, role) * _part_angle(
                p, vocab.HEAD_DEFAULTS
            )
        return tuple(out)
    if d.action == "turn":
        for p in d.parts:
            prev[HEAD_AXES.index(vocab.AXIS_OF[p.toward])] += _sign(p.toward, role) * _part_angle(
                p, vocab.HEAD_DEFAULTS
            )
        return tuple(prev)
    # tilt: left/right roll toward that shoulder, up/down pitch; the rest is kept.
    for p in d.parts:
        axis = 2 if p.toward in ("left", "right") else 1
        prev[axis] = _sign(p.toward, role) * _part_angle(p, vocab.TILT_DEFAULTS)
    return tuple(prev)


def gaze_value(d: Direction, role: str) -> tuple[tuple[float, float] | None, int]:
    """Gaze (yaw, pitch) from the rest pose and its mode."""
    if d.action == "relax":
        return None, FREE
    if d.target == "partner":
        return (0.0, 0.0), PARTNER
    if d.target == "camera":
        yaw, pitch = spec.CANONICAL_CAMERA_DIRECTION[role]
        return (float(yaw), float(pitch)), CAMERA
    yaw, pitch = 0.0, 0.0
    has_pitch = any(vocab.AXIS_OF[p.toward] == "pitch" for p in d.parts)
    for p in d.parts:
        angle = _sign(p.toward, role) * _part_angle(p, vocab.GAZE_DEFAULTS)
        if vocab.AXIS_OF[p.toward] == "yaw":
            yaw = angle
        else:
            pitch = angle
        if p.toward == "away" and not has_pitch:
            pitch = vocab.GAZE_AWAY_PITCH
    return (yaw, pitch), DIRECTION


def face_value(d: Direction) -> tuple[float, ...] | None:
    """A mood's (index, strength), a laugh's (strength,); None for relaxes."""
    if d.action == "relax":
        return None
    if d.action == "laugh":
        return (d.strength,)
    assert d.mood is not None
    strength = 0.0 if d.mood == "neutral" else d.strength
    return (float(expressions.MOOD_INDEX[d.mood]), strength)


def _span(d: Direction, frame_rate: float, first_frame: int) -> tuple[float, float | None]:
    start = d.start.seconds(frame_rate, first_frame)
    if d.end is not None:
        return start, d.end.seconds(frame_rate, first_frame)
    if d.length is not None:
        return start, start + d.length.seconds(frame_rate, first_frame, length=True)
    if d.brief:
        return start, start + vocab.BRIEF_S
    if d.action == "glance":
        return start, start + vocab.GLANCE_S
    if d.action == "laugh":
        return start, start + vocab.LAUGH_S
    if d.action in vocab.GESTURE_ACTIONS:
        rate = vocab.NOD_RATE_HZ if d.action == "nod" else vocab.SHAKE_RATE_HZ
        return start, start + (d.count or vocab.DEFAULT_GESTURE_COUNT) / rate
    return start, None


def _same(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(abs(x - y) <= 1e-6 for x, y in zip(a, b, strict=True))


class _Checker:
    def __init__(self) -> None:
        self.issues: list[StagingIssue] = []
        self._seen: set[tuple[int, int, str]] = set()

    def add(self, d: Direction, message: str, expected: str, suggestion: str) -> None:
        key = (d.line, d.column, message)
        if key not in self._seen:
            self._seen.add(key)
            self.issues.append(StagingIssue(d.line, d.column, message, expected, suggestion))


def _same_command(a: Event, b: Event) -> bool:
    return a.mode == b.mode and _same(a.value, b.value)


class _Overlaps:
    """Finite events in start order -> the running one that commands something else.

    Keeps only the running event that ends last and the one that ends last among those
    commanding something other than it: if any running event differs from a new one,
    one of these two does. O(1) per event, however many overlap.
    """

    def __init__(self) -> None:
        self.last: Event | None = None  # ends last
        self.other: Event | None = None  # ends last among those unlike `last`

    def clash(self, event: Event) -> Event | None:
        for o in (self.last, self.other):
            if o is not None and o.end > event.start + EPS and not _same_command(o, event):  # type: ignore[operator]
                return o
        return None

    def add(self, event: Event) -> None:
        last = self.last
        if last is None:
            self.last = event
        elif _same_command(last, event):
            if event.end > last.end:  # type: ignore[operator]
                self.last = event
        elif event.end > last.end:  # type: ignore[operator]
            self.last, self.other = event, last
        elif self.other is None or event.end > self.other.end:  # type: ignore[operator]
            self.other = event


def _later(a: Event, b: Event) -> tuple[Event, Event]:
    """(the event written later in the text, the other)."""
    return (a, b) if a.order > b.order else (b, a)


def _check_limits(
    check: _Checker, d: Direction, role: str, value: tuple[float, ...], limits: dict[str, float], what: str
) -> None:
    for axis, x in zip(limits, value, strict=False):
        limit = limits[axis]
        if abs(x) > limit + 1e-6:
            side = {"yaw": ("left", "right"), "pitch": ("up", "down"), "roll": ("left", "right")}[axis]
            toward = side[0] if x > 0 else side[1]
            check.add(
                d,
                f"{role}'s {what} would {'tilt' if axis == 'roll' else 'turn'} "
                f"{format_number(round(abs(x), 2))} degrees {toward} ({axis}); "
                f"the most is {format_number(limit)}",
                expected=f"a {axis} within ±{format_number(limit)} degrees",
                suggestion="use a smaller angle",
            )
            return


def _resolve_channel(
    check: _Checker,
    role: str,
    channel: str,
    items: list[tuple[int, Direction, float, float | None]],
) -> list[Event]:
    """Resolve one role's channel in time order; report contradictions (at most one per
    direction, so thousands of overlapping lines cost linear time and memory)."""
    items = sorted(items, key=lambda it: (it[2], it[3] is not None, it[0]))
    base: Event | None = None
    active: list[Event] = []  # finite events; the top one still running is the newest running
    overlaps = _Overlaps()
    out: list[Event] = []
    for order, d, start, end in items:
        while active and active[-1].end <= start + EPS:  # type: ignore[operator]
            active.pop()  # ended (starts only grow, so it stays ended)
        if channel == "head":
            if active:
                before = active[-1].value
            elif base is not None:
                before = base.value
            else:
                before = None
            value = head_value(d, role, before)
            mode = 0
            if value is not None:
                _check_limits(check, d, role, value, vocab.HEAD_LIMITS, "head")
        elif channel == "gaze":
            value, mode = gaze_value(d, role)
            if value is not None:
                _check_limits(check, d, role, value, vocab.GAZE_LIMITS, "gaze")
        else:
            value, mode = face_value(d), 0
        pace = vocab.PACE_FACTORS[d.pace]
        event = Event(start, end, value, mode, pace, order, d)
        what = f"{role}'s {CHANNEL_WORDS[channel]}"
        if end is None:
            if base is not None and abs(base.start - start) <= EPS and not _same(base.value, value):
                later, other = _later(event, base)
                check.add(
                    later.direction,
                    f"'{later.direction.sentence()}' and '{other.direction.sentence()}' "
                    f"({other.direction.where}) both set {what} at {_secs(start)}: one would never show",
                    expected="one direction per character and channel at a time",
                    suggestion="give one of them a later time, e.g. 'at 5s'",
                )
            base = event
        else:
            # A relative turn or a tilt inside another finite direction modifies it.
            relative = d.action in ("turn", "tilt")
            o = None if relative else overlaps.clash(event)
            if o is not None:
                later, other = _later(event, o)
                assert o.end is not None
                check.add(
                    later.direction,
                    f"'{later.direction.sentence()}' contradicts '{other.direction.sentence()}' "
                    f"({other.direction.where}): both direct {what} from {_secs(start)} "
                    f"to {_secs(min(end, o.end))}",
                    expected="directions for one character and channel that do not overlap",
                    suggestion="change one of the times so they do not overlap",
                )
            active.append(event)
            overlaps.add(event)
        out.append(event)
    return out


def build_schedule(
    directions: tuple[Direction, ...] | list[Direction], frame_rate: float, first_frame: int
) -> tuple[Schedule, list[StagingIssue]]:
    check = _Checker()
    channels: dict[tuple[str, str], list[tuple[int, Direction, float, float | None]]] = {}
    gestures: dict[str, list[tuple[float, float, str, int, Direction]]] = {r: [] for r in spec.ROLES}
    for order, d in enumerate(directions):
        start, end = _span(d, frame_rate, first_frame)
        if start < -EPS:
            check.add(
                d,
                f"{d.start.text()} is before the take's first frame (f{first_frame})",
                expected=f"a frame from f{first_frame} on",
                suggestion=f"use f{first_frame} or later",
            )
            continue
        if end is not None and end <= start + EPS:
            check.add(
                d,
                f"it ends ({_secs(end)}) before it starts ({_secs(start)})",
                expected="an end after the start",
                suggestion="swap the two times",
            )
            continue
        for role in d.roles:
            if d.action in vocab.GESTURE_ACTIONS:
                assert end is not None
                gestures[role].append((start, end, d.action, order, d))
                continue
            if d.action in vocab.HEAD_ACTIONS or d.action == "relax":
                channels.setdefault((role, "head"), []).append((order, d, start, end))
            if d.action in vocab.GAZE_ACTIONS or d.action == "relax":
                channels.setdefault((role, "gaze"), []).append((order, d, start, end))
            if d.action in ("mood", "relax"):
                channels.setdefault((role, "mood"), []).append((order, d, start, end))
            if d.action == "laugh":
                channels.setdefault((role, "laugh"), []).append((order, d, start, end))

    def resolve(channel: str) -> dict[str, list[Event]]:
        return {r: _resolve_channel(check, r, channel, channels.get((r, channel), [])) for r in spec.ROLES}

    head, gaze, mood, laughs = resolve("head"), resolve("gaze"), resolve("mood"), resolve("laugh")
    spans: dict[str, list[tuple[float, float, str]]] = {}
    for role in spec.ROLES:
        items = sorted(gestures[role], key=lambda g: (g[0], g[3]))
        ends_last: dict[str, tuple[float, float, str, int, Direction]] = {}  # per kind, so far
        for s2, e2, kind2, order2, d2 in items:
            other_kind = next((g for k, g in ends_last.items() if k != kind2), None)
            if other_kind is not None and s2 < other_kind[1] - EPS:
                order, d = other_kind[3], other_kind[4]
                first, second = (d, d2) if order < order2 else (d2, d)
                check.add(
                    second,
                    f"{role} cannot nod and shake at once: '{second.sentence()}' overlaps "
                    f"'{first.sentence()}' ({first.where}) from {_secs(s2)}",
                    expected="a nod and a shake at different times",
                    suggestion="move one of them so they do not overlap",
                )
            if kind2 not in ends_last or e2 > ends_last[kind2][1]:
                ends_last[kind2] = (s2, e2, kind2, order2, d2)
        spans[role] = [(s, e, kind) for s, e, kind, _o, _d in items]
    return Schedule(head=head, gaze=gaze, gestures=spans, mood=mood, laughs=laughs), check.issues


__all__ = ["CAMERA", "DIRECTION", "FREE", "PARTNER", "Event", "Schedule", "build_schedule"]
