"""Random staging directions for corpus clips, written in the staging language.

    sample = sample_staging(rng, seconds=clip_seconds)
    sample.text           # "A faces left from 2s to 5s. Both look at each other from 0:07 to 0:10."
    cond = staging_conditioning(sample, n_frames)   # (F, 2, 12) via duet.model.staging.parse

The sampler writes the same kind of text a layout artist types, and the real parser
turns it into the per-frame conditioning the model receives, so the model learns to
follow what the parser produces. A share of clips has no staging at all (conditioning
all zeros: the performance is free).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import spec

NO_STAGING_P = 0.35  # clips without any direction (the common case in production)
COMMANDS_P = (0.45, 0.3, 0.15, 0.1)  # 1..4 directions in a staged clip
WHOLE_CLIP_P = 0.12  # a direction without a time range holds for the whole clip
HOLD_S = (1.0, 6.0)  # how long a timed direction holds
GESTURE_S = (0.8, 2.0)  # nods and shakes are short

# Directions the sampler writes: (channel, action, target). Channel "head" and "gaze"
# directions of one role never overlap in time; "mutual" takes both roles' gaze.
HEAD_TARGETS = ("left", "right", "camera", "partner", "down", "up")
GAZE_TARGETS = ("partner", "camera", "down", "away", "left", "right", "up")
ACTIONS = (  # (weight, channel, action)
    (0.30, "head", "face"),
    (0.38, "gaze", "look"),
    (0.14, "gaze", "mutual"),
    (0.10, "head", "nod"),
    (0.08, "head", "shake"),
)


class StagingSamplerError(RuntimeError):
    """The parser rejected sampled text (a mismatch between the sampler and the grammar)."""


@dataclass(frozen=True)
class Direction:
    """One sampled direction (what the text says, for tests and the manifest)."""

    subject: str  # "A", "B" or "both"
    action: str  # face, look, mutual, nod, shake
    target: str  # a HEAD_TARGETS / GAZE_TARGETS entry, "partner" for mutual, "" for gestures
    start: float | None  # seconds; None = whole clip
    end: float | None

    @property
    def roles(self) -> tuple[str, ...]:
        return ("A", "B") if self.subject == "both" else (self.subject,)

    @property
    def channel(self) -> str:
        return "head" if self.action in ("face", "nod", "shake") else "gaze"


@dataclass(frozen=True)
class StagingSample:
    text: str  # "" when the clip has no staging
    directions: tuple[Direction, ...]
    names: tuple[str, str] | None = None  # character names the text uses for A and B
    sentences: tuple[str, ...] = ()  # one per direction; text = " ".join(sentences)

    def without(self, index: int) -> StagingSample:
        """The sample without its `index`-th direction (the other sentences unchanged)."""
        keep = [k for k in range(len(self.directions)) if k != index]
        sentences = tuple(self.sentences[k] for k in keep)
        directions = tuple(self.directions[k] for k in keep)
        return StagingSample(" ".join(sentences), directions, self.names if directions else None, sentences)

    @property
    def names_dict(self) -> dict[str, str] | None:
        return None if self.names is None else {"A": self.names[0], "B": self.names[1]}


NAMES_P = 0.25  # staged clips that call the characters by name ("Mara faces left")
CHARACTER_NAMES = (
    "Mara", "Theo", "Ana", "Jonas", "Lucia", "Kenji", "Mei", "Omar", "Priya", "Sam", "Elena", "Noah",
    "Ines", "Felix", "Yuki", "Carlos",
)  # fmt: skip


def _time(rng: np.random.Generator, seconds: float) -> str:
    """A time in one of the written forms the staging language accepts."""
    form = int(rng.integers(3))
    whole_second = abs(seconds - round(seconds)) < 1e-9
    if form == 1 and not whole_second:
        form = 0  # m:ss has no fractions
    if form == 0:
        return f"{seconds:.0f}s" if whole_second else f"{seconds:.1f}s"
    if form == 1:
        whole = int(round(seconds))
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{seconds:g} seconds".replace(".0 seconds", " seconds")


def _round_time(rng: np.random.Generator, t: float) -> float:
    """Layout artists type whole or half seconds."""
    return float(np.round(t * 2.0) / 2.0) if rng.random() < 0.7 else float(np.round(t))


def _span_text(rng: np.random.Generator, start: float, end: float) -> str:
    a, b = _time(rng, start), _time(rng, end)
    # Mixed forms read oddly; keep one form per span.
    if (":" in a) != (":" in b) or a.endswith("seconds") != b.endswith("seconds"):
        a, b = f"{start:g}s", f"{end:g}s"
    return f"from {a} to {b}"


_PHRASES = {
    ("face", "left"): ("{s} faces left", "{s} turns left", "{s} turns to the left"),
    ("face", "right"): ("{s} faces right", "{s} turns right", "{s} turns to the right"),
    ("face", "camera"): ("{s} faces the camera", "{s} turns to the camera", "{s} faces camera"),
    ("face", "partner"): ("{s} faces {p}", "{s} turns to {p}", "{s} faces the partner"),
    ("face", "down"): ("{s} faces down", "{s} turns down"),
    ("face", "up"): ("{s} faces up", "{s} turns up"),
    ("look", "partner"): ("{s} looks at {p}", "{s} looks at the partner"),
    ("look", "camera"): ("{s} looks at the camera", "{s} looks at camera", "{s} looks into the camera"),
    ("look", "down"): ("{s} looks down",),
    ("look", "away"): ("{s} looks away",),
    ("look", "left"): ("{s} looks left", "{s} looks to the left"),
    ("look", "right"): ("{s} looks right", "{s} looks to the right"),
    ("look", "up"): ("{s} looks up",),
    ("mutual", "partner"): ("both look at each other", "A and B look at each other"),
    ("nod", ""): ("{s} nods",),
    ("shake", ""): ("{s} shakes their head", "{s} shakes head"),
}


def render(direction: Direction, rng: np.random.Generator, names: tuple[str, str] | None = None) -> str:
    """One direction as a sentence of the staging language (roles by letter, or by `names`)."""
    call = {"A": "A", "B": "B"} if names is None else {"A": names[0], "B": names[1]}
    subject = call.get(direction.subject, direction.subject)
    partner = {"A": call["B"], "B": call["A"]}.get(direction.subject, "")
    choices = _PHRASES[direction.action, direction.target]
    phrase = choices[int(rng.integers(len(choices)))].format(s=subject, p=partner)
    phrase = phrase.replace("A and B", f"{call['A']} and {call['B']}")
    if direction.start is None:
        return phrase[0].upper() + phrase[1:] + "."
    span = _span_text(rng, direction.start, direction.end)
    return phrase[0].upper() + phrase[1:] + " " + span + "."


def sample_directions(rng: np.random.Generator, seconds: float) -> tuple[Direction, ...]:
    """Directions for a clip of `seconds` (none with probability NO_STAGING_P)."""
    if rng.random() < NO_STAGING_P or seconds < 2.0:
        return ()
    n = int(rng.choice(len(COMMANDS_P), p=COMMANDS_P)) + 1
    weights = np.array([w for w, _, _ in ACTIONS])
    busy: dict[tuple[str, str], list[tuple[float, float]]] = {}
    out: list[Direction] = []
    for _ in range(4 * n):
        if len(out) >= n:
            break
        _, channel, action = ACTIONS[int(rng.choice(len(ACTIONS), p=weights / weights.sum()))]
        subject = "both" if action == "mutual" else str(rng.choice(["A", "B"]))
        if action == "face":
            target = str(rng.choice(HEAD_TARGETS))
        elif action == "look":
            target = str(rng.choice(GAZE_TARGETS))
        elif action == "mutual":
            target = "partner"
        else:
            target = ""
        gesture = action in ("nod", "shake")
        if not gesture and rng.random() < WHOLE_CLIP_P:
            start, end = None, None
            span = (0.0, seconds)
        else:
            length = float(rng.uniform(*(GESTURE_S if gesture else HOLD_S)))
            start = _round_time(rng, float(rng.uniform(0.0, max(0.0, seconds - length))))
            end = _round_time(rng, start + length)
            end = min(end, np.floor(seconds * 2.0) / 2.0)
            if end - start < 0.5:
                continue
            span = (start, end)
        roles = ("A", "B") if subject == "both" else (subject,)
        if any(s < span[1] + 0.5 and span[0] < e + 0.5 for r in roles for s, e in busy.get((r, channel), [])):
            continue
        for r in roles:
            busy.setdefault((r, channel), []).append(span)
        out.append(Direction(subject, action, target, start, end))
    out.sort(key=lambda d: (d.start if d.start is not None else -1.0, d.subject, d.action))
    return tuple(out)


def sample_staging(rng: np.random.Generator, seconds: float) -> StagingSample:
    """Sampled directions and their text."""
    directions = sample_directions(rng, seconds)
    names = None
    if directions and rng.random() < NAMES_P:
        pick = rng.choice(len(CHARACTER_NAMES), size=2, replace=False)
        names = (CHARACTER_NAMES[int(pick[0])], CHARACTER_NAMES[int(pick[1])])
    sentences = tuple(render(d, rng, names) for d in directions)
    return StagingSample(" ".join(sentences), directions, names, sentences)


def staging_conditioning(sample: StagingSample, n_frames: int, fps: float = spec.NATIVE_FPS) -> np.ndarray:
    """(F, 2, COND_DIM) float32 conditioning of the sample through the real staging parser."""
    if not sample.text:
        return np.zeros((n_frames, 2, spec.COND_DIM), dtype=np.float32)
    from .. import staging  # the product's parser: the model sees what users' text produces

    try:
        names = sample.names_dict
        script = staging.parse(sample.text, names=names) if names else staging.parse(sample.text)
    except Exception as exc:  # the sampler must only write what the grammar accepts
        raise StagingSamplerError(f"the staging parser rejected sampled text {sample.text!r}: {exc}") from exc
    cond = np.asarray(script.to_targets(n_frames, fps).conditioning, dtype=np.float32)
    if cond.shape != (n_frames, 2, spec.COND_DIM):
        raise StagingSamplerError(
            f"conditioning has shape {cond.shape}, expected {(n_frames, 2, spec.COND_DIM)}"
        )
    return cond


# Eyes reach about this far from the head (teacher.teach.EYE_LIMIT_DEG: 35 deg yaw, 25 pitch);
# a gaze target farther from a commanded head direction cannot be met (e.g. "B faces the
# camera" at 60 deg while "B looks at A" at 0). Such pairs are dropped from the corpus:
# the teacher cannot obey both, and the model would learn from a broken promise.
EYE_REACH_DEG = (30.0, 20.0)  # the teacher's limits less a 5 deg margin


def infeasible_frames(cond: np.ndarray) -> np.ndarray:
    """(F, 2) bool: frames where a commanded gaze lies beyond the eyes' reach of the commanded head."""
    both = (cond[..., spec.COND_HEAD_ACTIVE] > 0.5) & (cond[..., spec.COND_GAZE_ACTIVE] > 0.5)
    d_yaw = np.abs(cond[..., spec.COND_GAZE_YAW] - cond[..., spec.COND_HEAD_YAW]) * spec.ANGLE_SCALE
    d_pitch = np.abs(cond[..., spec.COND_GAZE_PITCH] - cond[..., spec.COND_HEAD_PITCH]) * spec.ANGLE_SCALE
    return both & ((d_yaw > EYE_REACH_DEG[0]) | (d_pitch > EYE_REACH_DEG[1]))


def sample_feasible_staging(
    rng: np.random.Generator, seconds: float, n_frames: int, fps: float = spec.NATIVE_FPS
) -> tuple[StagingSample, np.ndarray]:
    """A staging sample and its conditioning with every gaze direction within the eyes'
    reach of the role's commanded head direction (conflicting gaze directions dropped)."""
    sample = sample_staging(rng, seconds)
    while True:
        cond = staging_conditioning(sample, n_frames, fps)
        bad = infeasible_frames(cond)
        if not bad.any():
            return sample, cond
        drop = None
        for k, d in enumerate(sample.directions):
            if d.channel != "gaze":
                continue
            i0 = 0 if d.start is None else int(np.floor(d.start * fps))
            i1 = n_frames if d.end is None else int(np.ceil(d.end * fps)) + 1
            roles = [spec.ROLES.index(r) for r in d.roles]
            if any(bad[i0:i1, r].any() for r in roles):
                drop = k  # the last conflicting gaze direction goes first
        if drop is None:  # a conflict no single gaze direction explains: drop all staging
            return StagingSample("", ()), staging_conditioning(StagingSample("", ()), n_frames, fps)
        sample = sample.without(drop)


__all__ = [
    "NO_STAGING_P",
    "Direction",
    "StagingSample",
    "StagingSamplerError",
    "infeasible_frames",
    "render",
    "sample_directions",
    "sample_feasible_staging",
    "sample_staging",
    "staging_conditioning",
]
