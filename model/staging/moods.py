"""Staged moods over a performance: the expression layer after the network and the staging solve.

    performance = apply_moods(performance, script.schedule, defaults={"A": ("happy", 0.4)})

Per role and frame, the moods in force (the staging's mood channel, else the role's
default mood for the take) give weights per mood, eased in and out on a minimum-jerk
curve like head moves (vocab.MOOD_EASE_*); laughs add a burst. The weights times the
patterns of duet.model.expressions give what the mood adds to each ARKit shape, laid
over the network's values by a saturating add (1 - (1 - base)(1 - add)): the
performance under the mood keeps moving and nothing leaves 0..1. The layer never
replaces the performance and keeps speech readable:

- the shapes that part the lips (jaw, lower/upper lip, funnel) are left to speech
  while the role speaks (its speaking curve, widened a little) and around every frame
  where the network seals the lips near speech (p/b/m), which keep the network's exact
  values: a smiling mouth still seals and releases when it did;
- the shapes that spread the corners (smile, stretch, dimple) yield where the network
  rounds the lips (funnel + pucker): "oo" and "w" stay round;
- pressed or rolled lips keep half their strength while speaking;
- the mood's eyeWide / eyeSquint give way to a blink on the same side and eyeBlink only
  gets a small lid bias (sad, bored), added the same saturating way: blinks still close.

A listener's mood shows in full: nothing but the listener's own speech holds it back.
Numbers are ours (docs/STAGING.md "Moods").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .. import expressions as ex
from .. import spec
from ..lips.visemes import lip_aperture
from ..signal import min_jerk
from . import vocab
from .targets import segments

if TYPE_CHECKING:
    from ..performance import Performance
    from .directions import StagingScript
    from .schedule import Event, Schedule

N_MOODS = len(ex.MOODS)
# Speech holds the lip-parting shapes from a little before to a little after the role speaks.
SPEAKING_THRESHOLD = 0.5
SPEECH_WIDEN_S = 0.12
SPEECH_EASE_S = 0.1
# The network's own closures: lip aperture at most this (the measures' seal level,
# DESIGN.md "Measures") within this long of speech.
SEAL_APERTURE = 0.05
SEAL_NEAR_SPEECH_S = 0.3
SEAL_RAMP_S = 0.06  # the lip shapes come back to the network's over ~60 ms around a seal
# Funnel + pucker at which the corners give way most, and how much they give.
ROUND_FULL = 0.4
ROUND_YIELD = 0.7
LIP_TENSION_IN_SPEECH = 0.5

_APERTURE = ex.shape_indices(ex.APERTURE_SHAPES)
_SPREAD = ex.shape_indices(ex.SPREAD_SHAPES)
_TENSION = ex.shape_indices(ex.LIP_TENSION_SHAPES)
_LIDS = {side: ex.shape_indices(names) for side, names in ex.LID_SHAPES.items()}
_BLINK = {side: spec.ARKIT_INDEX[f"eyeBlink{side}"] for side in _LIDS}
_FUNNEL, _PUCKER = spec.ARKIT_INDEX["mouthFunnel"], spec.ARKIT_INDEX["mouthPucker"]
_JAW = spec.ARKIT_INDEX["jawOpen"]


# ----------------------------------------------------------------------------- defaults


def check_defaults(moods: object) -> dict[str, tuple[str, float]]:
    """Validated default moods {role: (mood, strength 0..1)} from {role: None | mood |
    (mood, strength)}; a mood is any mood word of the staging language ('happy', 'scared').
    Raises ValueError naming the problem and the fix."""
    if moods is None:
        return {}
    if not isinstance(moods, dict):
        raise ValueError(f"moods must be a dict like {{'A': ('happy', 0.5)}}, got {type(moods).__name__}")
    out: dict[str, tuple[str, float]] = {}
    for role, value in moods.items():
        if role not in spec.ROLES:
            raise ValueError(f"moods: unknown role {role!r}: use 'A' and 'B'")
        if value is None:
            continue
        word, strength = (value, ex.DEFAULT_INTENSITY) if isinstance(value, str) else _pair(role, value)
        mood = _mood_word(role, word)
        try:
            strength = float(strength)
        except (TypeError, ValueError):
            strength = float("nan")
        if not (0.0 <= strength <= 1.0):
            raise ValueError(
                f"moods: {role}'s strength must be from 0 to 1 (0.7 is the staging's default), got {value!r}"
            )
        if mood != "neutral" and strength > 0.0:
            out[role] = (mood, strength)
    return out


def _pair(role: str, value: object) -> tuple[object, object]:
    if isinstance(value, tuple | list) and len(value) == 2:
        return value[0], value[1]
    raise ValueError(f"moods: {role}'s mood must be a mood word or (mood, strength), got {value!r}")


def _mood_word(role: str, word: object) -> str:
    from .errors import close_word

    if not isinstance(word, str):
        raise ValueError(f"moods: {role}'s mood must be a word like 'happy', got {word!r}")
    key = " ".join(word.split()).casefold()
    if key in ex.MOOD_INDEX:
        return key
    if key in vocab.MOOD_ADJECTIVES:
        return vocab.MOOD_ADJECTIVES[key]
    if key in vocab.MOOD_VERBS:
        return vocab.MOOD_VERBS[key]
    guess = close_word(key, [*ex.MOODS, *vocab.MOOD_ADJECTIVES])
    hint = f"did you mean '{guess}'? " if guess else ""
    raise ValueError(f"moods: unknown mood {word!r} for {role}: {hint}(known: {', '.join(ex.MOODS)})")


def _vector(mood: str, strength: float) -> np.ndarray:
    v = np.zeros(N_MOODS)
    if mood != "neutral":
        v[ex.MOOD_INDEX[mood]] = strength
    return v


# ----------------------------------------------------------------------------- weights over time


def _ease_s(change: float, pace: float) -> float:
    return (vocab.MOOD_EASE_BASE_S + vocab.MOOD_EASE_PER_UNIT_S * change) * pace


def mood_weights(events: list[Event], n: int, fps: float, default: np.ndarray) -> np.ndarray:
    """(n, N_MOODS) weight of each mood per frame: the staged moods (timed ones over the
    untimed base, as head directions), the default where none is staged, eased between."""
    horizon = n / fps
    changes: list[tuple[float, np.ndarray, float]] = []  # (seconds, target, pace)
    last_end, last_pace = None, 1.0
    for seg in segments(events, horizon):
        if last_end is not None and seg.start > last_end + 1e-9:
            changes.append((last_end, default, last_pace))  # a free stretch: back to the default
        assert seg.value is not None
        changes.append((seg.start, _vector(ex.MOODS[int(seg.value[0])], seg.value[1]), seg.pace))
        last_end, last_pace = seg.end, seg.pace
    if last_end is not None and last_end < horizon - 1e-9:
        changes.append((last_end, default, last_pace))
    times = np.arange(n) / fps
    out = np.empty((n, N_MOODS))
    position = default.copy()
    if changes and changes[0][0] <= 1e-9:  # a take that starts in a mood starts there, not easing in
        position = changes[0][1].copy()
    out[:] = position
    for k, (start, target, pace) in enumerate(changes):
        stop = changes[k + 1][0] if k + 1 < len(changes) else horizon
        f0, f1 = _frame(start, fps, n), _frame(stop, fps, n)
        origin = position
        duration = _ease_s(float(np.abs(target - origin).max(initial=0.0)), pace)
        u = min_jerk((times[f0:f1] - start) / max(duration, 1e-9))
        out[f0:f1] = origin + (target - origin) * u[:, None]
        # Where the ease stands when the next change starts (it may not have arrived).
        u_next = min_jerk(np.array([(stop - start) / max(duration, 1e-9)]))[0]
        position = origin + (target - origin) * u_next
    return out


def _frame(t: float, fps: float, n: int) -> int:
    return min(n, max(0, int(np.ceil(t * fps - 1e-6))))


def laugh_curves(events: list[Event], n: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """(n,) laugh strength envelope and (n,) jaw pulse 0..1 of the strongest laugh per frame."""
    times = np.arange(n) / fps
    envelope = np.zeros(n)
    pulse = np.zeros(n)
    for e in events:
        assert e.end is not None and e.value is not None
        length = e.end - e.start
        rise = min(ex.LAUGH_RISE_S, 0.3 * length)
        fall = min(ex.LAUGH_FALL_S, 0.5 * length)
        t = times - e.start
        shape = min_jerk(t / rise) * (1.0 - min_jerk((t - (length - fall)) / fall))
        env = np.where((t >= 0) & (t <= length), e.value[0] * shape, 0.0)
        # Pulses start with the lips together and open ~LAUGH_PULSE_HZ times a second.
        beat = 0.5 - 0.5 * np.cos(2.0 * np.pi * ex.LAUGH_PULSE_HZ * np.maximum(t, 0.0))
        stronger = env > envelope
        envelope = np.where(stronger, env, envelope)
        pulse = np.where(stronger, beat, pulse)
    return envelope, pulse


@dataclass
class MoodTrack:
    """One role's expression over the take: mood weights and the laugh."""

    weights: np.ndarray  # (T, N_MOODS)
    laugh: np.ndarray  # (T,) strength envelope
    laugh_pulse: np.ndarray  # (T,) 0..1 jaw pulses

    @property
    def active(self) -> bool:
        return bool(self.weights.any() or self.laugh.any())


def render_moods(
    schedule: Schedule | None, n: int, fps: float, defaults: dict[str, tuple[str, float]] | None = None
) -> dict[str, MoodTrack]:
    """Each role's MoodTrack for n frames at fps (schedule None: the defaults alone)."""
    tracks = {}
    for role in spec.ROLES:
        mood, strength = (defaults or {}).get(role, ("neutral", 0.0))
        default = _vector(mood, strength)
        events = schedule.mood[role] if schedule is not None else []
        laughs = schedule.laughs[role] if schedule is not None else []
        weights = mood_weights(events, n, fps, default)
        envelope, pulse = laugh_curves(laughs, n, fps)
        tracks[role] = MoodTrack(weights, envelope, pulse)
    return tracks


# ----------------------------------------------------------------------------- the layer


def _widen(mask: np.ndarray, frames: int) -> np.ndarray:
    """mask (bool) dilated by `frames` either side."""
    if frames <= 0 or not mask.any():
        return mask.copy()
    padded = np.concatenate([np.zeros(frames, bool), mask, np.zeros(frames, bool)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * frames + 1)
    return windows.any(axis=1)


def _smooth(x: np.ndarray, frames: int) -> np.ndarray:
    """Moving average over 2*frames+1 frames (edges held), for ramps instead of steps."""
    if frames <= 0 or len(x) == 0:
        return x.astype(np.float64)
    padded = np.concatenate([np.full(frames, x[0]), x, np.full(frames, x[-1])]).astype(np.float64)
    kernel = np.ones(2 * frames + 1) / (2 * frames + 1)
    return np.convolve(padded, kernel, mode="valid")


def speech_holds(base: np.ndarray, speaking: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """(T,) 0..1 how much speech holds the lip-parting shapes, and (T,) bool the network's
    closure frames near speech (restored exactly)."""
    talking = np.asarray(speaking) >= SPEAKING_THRESHOLD
    gate = _smooth(
        _widen(talking, int(round(SPEECH_WIDEN_S * fps))).astype(float), int(SPEECH_EASE_S * fps / 2)
    )
    near = _widen(talking, int(round(SEAL_NEAR_SPEECH_S * fps)))
    closures = (lip_aperture(base.astype(np.float64)) <= SEAL_APERTURE) & near
    ramp = int(round(SEAL_RAMP_S * fps))
    seal = _smooth(_widen(closures, ramp).astype(float), max(1, ramp // 2))
    return np.clip(np.maximum(gate, np.maximum(seal, closures)), 0.0, 1.0), closures


def layer(base: np.ndarray, speaking: np.ndarray, track: MoodTrack, fps: float) -> np.ndarray:
    """(T, 52) ARKit values of `base` with the mood track laid over (see the module doc)."""
    base = np.asarray(base, dtype=np.float64)
    add = np.clip(track.weights @ ex.PATTERNS, 0.0, 1.0)
    hold_back = np.clip(track.weights @ ex.SUPPRESS, 0.0, 1.0)
    laugh = track.laugh[:, None] * ex.LAUGH_PATTERN[None, :]
    laugh[:, _JAW] = np.maximum(laugh[:, _JAW], track.laugh * track.laugh_pulse * ex.LAUGH_JAW)
    add = 1.0 - (1.0 - add) * (1.0 - laugh)
    held, closures = speech_holds(base, speaking, fps)
    add[:, _APERTURE] *= (1.0 - held)[:, None]
    talking = _smooth(_widen(np.asarray(speaking) >= SPEAKING_THRESHOLD, 2).astype(float), 2)
    add[:, _TENSION] *= (1.0 - LIP_TENSION_IN_SPEECH * talking)[:, None]
    rounding = np.clip((base[:, _FUNNEL] + base[:, _PUCKER]) / ROUND_FULL, 0.0, 1.0)
    add[:, _SPREAD] *= (1.0 - ROUND_YIELD * rounding)[:, None]
    for side, lids in _LIDS.items():
        add[:, lids] *= (1.0 - base[:, _BLINK[side]])[:, None]
    out = base * (1.0 - hold_back)
    out = 1.0 - (1.0 - out) * (1.0 - add)
    # The network's closures keep its exact lip shapes (the seal and its release time).
    out[np.ix_(closures, _APERTURE)] = base[np.ix_(closures, _APERTURE)]
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def apply_moods(
    performance: Performance, schedule: Schedule | None, defaults: dict[str, tuple[str, float]] | None = None
) -> Performance:
    """The performance with the staged moods (and the default moods) laid over its faces;
    the same object when there is no mood to show."""
    n, fps = performance.n_frames, float(performance.fps)
    tracks = render_moods(schedule, n, fps, defaults)
    if not any(t.active for t in tracks.values()):
        return performance
    blendshapes = dict(performance.blendshapes)
    for role, track in tracks.items():
        if track.active:
            blendshapes[role] = layer(blendshapes[role], performance.speaking[role], track, fps)
    return replace(performance, blendshapes=blendshapes)


def has_moods(script: StagingScript | None) -> bool:
    return script is not None and any(d.action in vocab.FACE_ACTIONS for d in script.directions)


def mood_end_events(script: StagingScript) -> list[tuple[float, str]]:
    """(seconds, label) where each timed mood ends, for schedule markers ('A smiles (ends)');
    the starts are in script.events(). Laughs are short bursts: their start marks them."""
    out = set()
    for role in spec.ROLES:
        for event in script.schedule.mood[role]:
            if event.end is None or event.value is None:
                continue
            alone = event.direction.model_copy(update={"roles": (role,)})
            out.add((event.end, f"{alone.sentence(with_time=False)} (ends)"))
    return sorted(out)


def describe_defaults(defaults: dict[str, tuple[str, float]]) -> dict[str, str]:
    """{role: 'happy at 40%'} for reports and markers."""
    return {role: f"{mood} at {round(strength * 100):d}%" for role, (mood, strength) in defaults.items()}


__all__ = [
    "MoodTrack",
    "apply_moods",
    "check_defaults",
    "describe_defaults",
    "has_moods",
    "laugh_curves",
    "layer",
    "mood_end_events",
    "mood_weights",
    "render_moods",
    "speech_holds",
]
