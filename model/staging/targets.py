"""Schedule -> per-frame targets and the model's conditioning.

Each channel of each role is a run of segments (free, or a commanded value).
Entering a commanded segment, the target moves from where the previous one
left it (rest, 0 deg, after a free stretch) along a minimum-jerk curve:
- the eyes at once, in a saccade of 25 ms + 2.5 ms/deg (main sequence);
- the head 40 ms later, over 0.25 s + 5.5 ms/deg ("slowly" x2, "quickly" x0.6,
never peaking above HEAD_MAX_SPEED_DEG_S), so the eyes lead.
When a head command ends into a free stretch (a timed direction's end, "relaxes"),
the head eases back to rest the same way, still commanded until it gets there,
so a staged pose never vanishes in one frame. The conditioning carries this
eased trajectory (the teacher follows it exactly); ``holds`` are the stretches after the head arrives, where
the pose is held exactly, minus commanded nods and shakes.

Frame i is the moment i / fps; a segment [s, e) covers frames ceil(s*fps) up to
(not including) ceil(e*fps).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import spec
from ..signal import min_jerk
from . import vocab
from .schedule import Event

if TYPE_CHECKING:
    from .directions import StagingScript

HEAD, GAZE = "head", "gaze"
# People turn their heads at up to ~400 deg/s (large saccade-linked turns); commanded moves stay
# under HEAD_MAX_SPEED_DEG_S so the model's small motion on top keeps the take under that. Only
# "quickly" turns of more than 73 deg are slowed by it (a 216 deg corner-to-corner "quickly" turn
# would otherwise peak at 470 deg/s). A minimum-jerk move peaks at 1.875 x its mean speed.
HEAD_MAX_SPEED_DEG_S = 350.0
MIN_JERK_PEAK_SPEED = 1.875


@dataclass
class StagingTargets:
    """Per-role, per-frame staging targets at one frame rate.

    head[role] (T, 3) yaw/pitch/roll deg, the eased commanded trajectory (0 where free);
    head_active[role] (T,) bool; gaze_mode[role] (T,) int8: 0 free, 1 partner,
    2 camera, 3 direction; gaze_direction[role] (T, 2) yaw/pitch deg from the rest
    pose (partner = (0, 0), camera = spec.CANONICAL_CAMERA_DIRECTION[role]), eased;
    nod[role] / shake[role] (T,) bool; holds[role]: (start_frame, end_frame, yaw,
    pitch, roll) with end exclusive, where the head pose is held exactly;
    gaze_holds[role]: (start_frame, end_frame, yaw, pitch) where the gaze has
    arrived at its target.
    """

    fps: float
    n_frames: int
    head: dict[str, np.ndarray]
    head_active: dict[str, np.ndarray]
    gaze_mode: dict[str, np.ndarray]
    gaze_direction: dict[str, np.ndarray]
    nod: dict[str, np.ndarray]
    shake: dict[str, np.ndarray]
    holds: dict[str, list[tuple[int, int, float, float, float]]]
    gaze_holds: dict[str, list[tuple[int, int, float, float]]]
    script: StagingScript | None = field(default=None, repr=False)
    _conditioning: np.ndarray | None = field(default=None, repr=False)

    @property
    def gaze_active(self) -> dict[str, np.ndarray]:
        return {r: self.gaze_mode[r] > 0 for r in spec.ROLES}

    def hold_mask(self, role: str) -> np.ndarray:
        """(T,) bool: frames inside one of the role's head holds."""
        m = np.zeros(self.n_frames, dtype=bool)
        for s, e, *_ in self.holds[role]:
            m[s:e] = True
        return m

    @property
    def conditioning(self) -> np.ndarray:
        """(T, 2, spec.COND_DIM) float32 in the layout of spec.COND_* (angles / ANGLE_SCALE)."""
        if self._conditioning is None:
            c = np.zeros((self.n_frames, len(spec.ROLES), spec.COND_DIM), dtype=np.float32)
            for r, role in enumerate(spec.ROLES):
                x = c[:, r]
                x[:, spec.COND_HEAD_ACTIVE] = self.head_active[role]
                x[:, spec.COND_HEAD_YAW : spec.COND_HEAD_ROLL + 1] = self.head[role] / spec.ANGLE_SCALE
                mode = self.gaze_mode[role]
                x[:, spec.COND_GAZE_ACTIVE] = mode > 0
                x[:, spec.COND_GAZE_PARTNER] = mode == 1
                x[:, spec.COND_GAZE_CAMERA] = mode == 2
                x[:, spec.COND_GAZE_DIRECTION] = mode == 3
                x[:, spec.COND_GAZE_YAW : spec.COND_GAZE_PITCH + 1] = (
                    self.gaze_direction[role] / spec.ANGLE_SCALE
                )
                x[:, spec.COND_NOD] = self.nod[role]
                x[:, spec.COND_SHAKE] = self.shake[role]
            self._conditioning = c
        return self._conditioning

    def resampled(self, n_frames: int, fps: float) -> StagingTargets:
        """The same staging at another frame count / rate (rendered again from the script)."""
        if n_frames == self.n_frames and fps == self.fps:
            return self
        if self.script is None:
            raise ValueError(
                "these targets have no script to render again from; build them with to_targets()"
            )
        return self.script.to_targets(n_frames, fps)


# ----------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class _Segment:
    start: float
    end: float
    value: tuple[float, ...] | None
    mode: int
    pace: float


def segments(events: list[Event], horizon: float) -> list[_Segment]:
    """The command in force over time: finite events over open ones (see schedule)."""
    if not events:
        return []
    points = sorted({e.start for e in events} | {e.end for e in events if e.end is not None})
    points = [p for p in points if p < horizon] + [horizon]
    bases = sorted((e for e in events if e.end is None), key=lambda e: (e.start, e.order))
    overlays = sorted((e for e in events if e.end is not None), key=lambda e: (e.start, e.order))
    out: list[_Segment] = []
    b = o = 0
    base: Event | None = None
    active: list[Event] = []
    for t0, t1 in itertools.pairwise(points):
        while b < len(bases) and bases[b].start <= t0 + 1e-9:
            base = bases[b]
            b += 1
        while o < len(overlays) and overlays[o].start <= t0 + 1e-9:
            active.append(overlays[o])
            o += 1
        active = [e for e in active if e.end is not None and e.end > t0 + 1e-9]
        cmd = active[-1] if active else base
        if cmd is None:
            continue
        seg = _Segment(t0, t1, cmd.value, cmd.mode, cmd.pace)
        prev = out[-1] if out else None
        if (
            prev is not None
            and abs(prev.end - t0) < 1e-9
            and prev.value == seg.value
            and prev.mode == seg.mode
        ):
            out[-1] = _Segment(prev.start, t1, prev.value, prev.mode, prev.pace)
        else:
            out.append(seg)
    return [s for s in out if s.value is not None or s.mode != 0]


def _frame(t: float, fps: float, n: int) -> int:
    return min(n, max(0, math.ceil(t * fps - 1e-6)))


@dataclass(frozen=True)
class _Move:
    """A minimum-jerk move from origin to target, starting at `start` (s) and lasting `duration` (s)."""

    origin: np.ndarray
    target: np.ndarray
    start: float
    duration: float

    @property
    def end(self) -> float:
        return self.start + self.duration

    def over(self, times: np.ndarray) -> np.ndarray:
        """Positions (len(times), dims) along the move (origin before it, target after)."""
        if self.duration <= 0:
            return np.broadcast_to(self.target, (len(times), len(self.target))).copy()
        u = min_jerk((times - self.start) / self.duration)
        return self.origin + (self.target - self.origin) * u[:, None]

    def at(self, t: float) -> np.ndarray:
        return self.over(np.array([t]))[0]


def _move_duration(amp: float, pace: float, channel: str) -> float:
    """Seconds a move of `amp` degrees takes (0 for none); head moves are capped in speed."""
    if amp <= 1e-9:
        return 0.0
    if channel == HEAD:
        dur = (vocab.HEAD_MOVE_BASE_S + vocab.HEAD_MOVE_PER_DEG_S * amp) * pace
        return max(dur, MIN_JERK_PEAK_SPEED * amp / HEAD_MAX_SPEED_DEG_S)
    return vocab.SACCADE_BASE_S + vocab.SACCADE_PER_DEG_S * amp


def _move(origin: np.ndarray, target: np.ndarray, start: float, pace: float, channel: str) -> _Move:
    amp = float(np.linalg.norm(target - origin))
    dur = _move_duration(amp, pace, channel)
    latency = vocab.HEAD_LATENCY_S if channel == HEAD and amp > 1e-9 else 0.0
    return _Move(origin, target, start + latency, dur)


def _render(
    segs: list[_Segment], n: int, fps: float, dims: int, channel: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int, tuple[float, ...]]]]:
    """values (n, dims), active (n,), mode (n,), and (first, end, value) of each arrival."""
    values = np.zeros((n, dims))
    active = np.zeros(n, dtype=bool)
    mode = np.zeros(n, dtype=np.int8)
    arrivals: list[tuple[int, int, tuple[float, ...]]] = []
    times = np.arange(n) / fps
    move: _Move | None = None  # the last move (a return to rest included)
    last_end = -1.0  # when the last commanded stretch (or the head's return after it) ends
    for i, seg in enumerate(segs):
        if seg.value is None:
            move = None
            last_end = seg.end
            continue
        target = np.asarray(seg.value, dtype=np.float64)
        after_rest = move is None or seg.start > last_end + 1e-9
        origin = np.zeros(dims) if after_rest else move.at(seg.start)
        move = _move(origin, target, seg.start, seg.pace, channel)
        last_end = seg.end
        f0, f1 = _frame(seg.start, fps, n), _frame(seg.end, fps, n)
        if f1 > f0:
            values[f0:f1] = move.over(times[f0:f1])
            active[f0:f1] = True
            mode[f0:f1] = seg.mode
        arrive = _frame(move.end, fps, n)
        if f1 > max(arrive, f0):
            # From here on the curve is exactly the target (min_jerk clips at 1).
            values[max(arrive, f0) : f1] = target
            arrivals.append((max(arrive, f0), f1, tuple(float(x) for x in target)))
        following = segs[i + 1] if i + 1 < len(segs) else None
        if channel == HEAD and (following is None or following.start > seg.end + 1e-9):
            # The command ends into a free stretch: the head eases back to rest as it eased in,
            # still commanded (the conditioning carries the way back; without it the staged
            # pose vanished in one frame: -60 deg to 0 at 3,000 deg/s in the bundled example).
            move = _move(move.at(seg.end), np.zeros(dims), seg.end, seg.pace, channel)
            last_end = move.end
            r0 = f1
            r1 = min(_frame(move.end, fps, n), _frame(following.start, fps, n) if following else n)
            if r1 > r0:
                values[r0:r1] = move.over(times[r0:r1])
                active[r0:r1] = True
    return values, active, mode, arrivals


def _subtract(
    spans: list[tuple[int, int, tuple[float, ...]]], mask: np.ndarray
) -> list[tuple[int, int, tuple]]:
    """Split spans around frames where mask is set."""
    out = []
    for s, e, v in spans:
        inside = ~mask[s:e]
        if inside.all():
            out.append((s, e, v))
            continue
        edges = np.flatnonzero(np.diff(np.concatenate([[False], inside, [False]]).astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            out.append((s + int(a), s + int(b), v))
    return out


def render_targets(script: StagingScript, n_frames: int, fps: float) -> StagingTargets:
    if isinstance(n_frames, bool) or not isinstance(n_frames, int | np.integer) or n_frames < 0:
        raise ValueError(f"n_frames must be a whole number of frames >= 0, got {n_frames!r}")
    fps = float(fps)
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive frame rate, got {fps!r}")
    n = int(n_frames)
    horizon = n / fps
    tl = script.schedule
    head, head_active, gaze_mode, gaze_dir, nod, shake, holds, gaze_holds = ({} for _ in range(8))
    for role in spec.ROLES:
        h, ha, _m, h_arr = _render(segments(tl.head[role], horizon), n, fps, 3, HEAD)
        g, _ga, gm, g_arr = _render(segments(tl.gaze[role], horizon), n, fps, 2, GAZE)
        nm = np.zeros(n, dtype=bool)
        sm = np.zeros(n, dtype=bool)
        for s, e, kind in tl.gestures[role]:
            (nm if kind == "nod" else sm)[_frame(s, fps, n) : _frame(e, fps, n)] = True
        head[role], head_active[role], gaze_mode[role], gaze_dir[role] = h, ha, gm, g
        nod[role], shake[role] = nm, sm
        holds[role] = [(s, e, *v) for s, e, v in _subtract(h_arr, nm | sm)]
        gaze_holds[role] = [(s, e, *v) for s, e, v in g_arr]
    return StagingTargets(
        fps=fps,
        n_frames=n,
        head=head,
        head_active=head_active,
        gaze_mode=gaze_mode,
        gaze_direction=gaze_dir,
        nod=nod,
        shake=shake,
        holds=holds,
        gaze_holds=gaze_holds,
        script=script,
    )


__all__ = ["StagingTargets", "render_targets", "segments"]
