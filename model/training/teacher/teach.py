"""The procedural performance teacher: phones + prosody + turns (+ staging) -> both roles' performance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import spec
from ...lips.coarticulation import mouth_track, seal_closures
from ...lips.loudness import phone_gains
from ...lips.visemes import APERTURE_CLOSED, articulation_to_arkit, lip_aperture
from ...pose import EYE_RANGE_DEG, eye_in_head, world_gaze
from ...signal import (
    HOLD_FADE_S,
    TEACHER_HOLD_MOTION_LIMIT_DEG,
    frame_times,
    hold_fade,
    nearest_set,
    smooth,
    spans_to_mask,
)
from .blinks import blink_track
from .conditioning import Commands, decode
from .data import RoleSpeech, TeacherInputError, TeacherOutput
from .expression import accents, apply_expression, expression_track
from .gaze import AT_PARTNER_DEG, GazePath, couple_look_back, plan_at_partner, render_free_gaze
from .head import commanded_gestures, free_head, head_share_of_gaze
from .prosody import Prosody, prosody_from_phones, prosody_from_stem
from .timeline import RoleTimeline, build_timelines

_I = spec.ARKIT_INDEX

# The head eases into and out of a staged hold over signal.HOLD_FADE_S (outside the
# hold), so holds start and end without a jump; the speech-linked part rides on holds
# scaled by this and bounded by signal.TEACHER_HOLD_MOTION_LIMIT_DEG.
HOLD_MOTION_SCALE = 0.2
# ARKit eyeLook* reach 1 at these eye-in-head angles.
EYE_LOOK_FULL_YAW = 30.0
EYE_LOOK_FULL_PITCH = 25.0

# Independent random streams per role and layer, so changing one layer leaves the others' draws intact.
_STREAMS = {
    "prosody": 1,
    "gaze_plan": 2,
    "gaze_couple": 3,
    "gaze_render": 4,
    "head": 5,
    "blink": 6,
    "expr": 7,
}

EVENT_KEYS = (
    "gaze_world",  # (F, 2, 2) float32 gaze yaw/pitch from the rest pose (head + eye)
    "gaze_at_partner",  # (F, 2) bool world gaze within AT_PARTNER_DEG of the partner's face
    "gaze_planned_at_partner",  # (F, 2) bool the free gaze plan's intent
    "saccade_onset",  # (F, 2) bool
    "saccade_amplitude",  # (F, 2) float32 deg at onsets
    "blink",  # (F, 2) float32 lid closure from blinks alone
    "blink_onset",  # (F, 2) bool
    "blink_long",  # (F, 2) bool
    "nod_onset",  # (F, 2) bool listener feedback nods
    "beat_onset",  # (F, 2) bool speaker head beats
    "brow_onset",  # (F, 2) bool
    "accent",  # (F, 2) bool pitch-accented stressed vowel onsets
    "smile",  # (F, 2) float32
    "laugh",  # (F, 2) float32
    "floor",  # (F, 2) bool inside own turn
    "lip_aperture",  # (F, 2) float32 (visemes.lip_aperture)
    "lip_closure",  # (F, 2) bool frames sealed for a p/b/m
    "head_hold",  # (F, 2) bool staged head hold without a gesture (staging checks)
    "gaze_hold",  # (F, 2) bool staged gaze hold
)


def _rng(seed: int, role: int, stream: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, role, _STREAMS[stream]]))


def from_reference_phones(
    phone_ipa,
    phone_start,
    phone_end,
    phone_stress=None,
    *,
    stem: np.ndarray | None = None,
    segments: list[tuple[float, float, str]] | None = None,
) -> RoleSpeech:
    """A RoleSpeech from phones alone (e.g. aligned reference phones of a real recording).

    Without a stem, loudness and pitch are estimated from the phones; without
    stress, none is assumed; without segments, turns are inferred.
    """
    ipa = np.asarray(phone_ipa).astype(str)
    stress = np.zeros(len(ipa), dtype=np.int64) if phone_stress is None else np.asarray(phone_stress)
    return RoleSpeech(
        phone_ipa=ipa,
        phone_start=np.asarray(phone_start, dtype=np.float64),
        phone_end=np.asarray(phone_end, dtype=np.float64),
        phone_stress=stress,
        stem=stem,
        segments=list(segments or []),
    )


def _prosody(speech: RoleSpeech, n: int, fps: float, rng: np.random.Generator) -> Prosody:
    if speech.stem is not None and len(speech.stem) > 0 and float(np.max(np.abs(speech.stem))) > 0:
        return prosody_from_stem(speech.stem, n, fps)
    return prosody_from_phones(
        speech.phone_ipa, speech.phone_start, speech.phone_end, speech.phone_stress, n, fps, rng
    )


def _phone_gains(speech: RoleSpeech, pros: Prosody, fps: float) -> np.ndarray:
    """Jaw gain per phone from its peak loudness relative to the role's level (lips.loudness)."""
    return phone_gains(pros.loudness_db, speech.phone_start, speech.phone_end, fps)


def _obey_head(
    free: np.ndarray, speech: np.ndarray, cmd: Commands, fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Blend the free head into staged holds.

    On held frames the head is the commanded target plus a bounded trace of speech
    motion. Around each hold the teacher eases from the free head to the hold's
    first target (before it) and back (after it) over HOLD_FADE_S, so a command that
    switches on or off abruptly still gives smooth motion: the ease happens in the
    free frames, never inside the hold. Returns the head and the weight (F,) of the
    staged part (0 = free head).
    """
    a = np.clip(cmd.head_active, 0.0, 1.0)
    active = a > 0.0
    if not np.any(active):
        return free, np.zeros(len(a))
    dist, nearest = nearest_set(active)
    ramp = hold_fade(dist, HOLD_FADE_S * fps)
    w = np.where(active, a, ramp)[:, None]
    target = cmd.head_target[nearest]
    limit = TEACHER_HOLD_MOTION_LIMIT_DEG
    natural = np.clip(HOLD_MOTION_SCALE * speech, -limit, limit)
    return w * (target + natural) + (1.0 - w) * free, w[:, 0]


def _cover(excess: np.ndarray, fps: float) -> np.ndarray:
    """A smooth head correction that covers an eye-range excess (sign kept, spread ±0.15 s)."""
    from numpy.lib.stride_tricks import sliding_window_view

    k = max(1, int(round(0.15 * fps)))
    out = np.zeros_like(excess)
    for ax in range(excess.shape[1]):
        x = excess[:, ax]
        padded = np.pad(x, k)
        win = sliding_window_view(padded, 2 * k + 1)
        pos = np.max(np.maximum(win, 0.0), axis=1)
        neg = np.min(np.minimum(win, 0.0), axis=1)
        out[:, ax] = np.where(pos >= -neg, pos, neg)
    return smooth(out, 0.05 * fps)


def _staged_saccades(world: np.ndarray, staged: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Onsets and amplitudes of fast moves (> 100 deg/s) in staged stretches of a gaze path."""
    n = len(world)
    onset = np.zeros(n, dtype=bool)
    amp = np.zeros(n)
    if n < 2:
        return onset, amp
    step = np.r_[0.0, np.hypot(*np.diff(world, axis=0).T)]
    fast = (step * fps > 100.0) & staged
    i = 0
    while i < n:
        if fast[i]:
            j = i
            while j + 1 < n and fast[j + 1]:
                j += 1
            onset[i] = True
            amp[i] = float(np.hypot(*(world[j] - world[i - 1])))
            i = j + 1
        else:
            i += 1
    return onset, amp


@dataclass
class _Clip:
    """What both roles' layers share: the checked inputs and the clip-wide layers."""

    n: int
    fps: float
    seed: int
    times: np.ndarray
    speeches: tuple[RoleSpeech, RoleSpeech]
    timelines: list[RoleTimeline]
    commands: list[Commands]
    prosodies: list[Prosody]
    accents: list[np.ndarray]  # (K, 2) [time, strength] per role
    plans: list[np.ndarray]  # (F,) bool free gaze plan (at the partner) per role


@dataclass
class _Gaze:
    world: np.ndarray  # (F, 2) world gaze: the free path, overridden by staged targets
    staged: np.ndarray  # (F,) bool staged gaze frames
    saccade_onset: np.ndarray  # (F,) bool
    saccade_amplitude: np.ndarray  # (F,) deg at onsets


@dataclass
class _Role:
    """One role's finished curves and its events (float, one column of TeacherOutput.events)."""

    blendshapes: np.ndarray
    head: np.ndarray
    eye: np.ndarray
    closure: np.ndarray
    events: dict[str, np.ndarray]


def teach(
    a: RoleSpeech,
    b: RoleSpeech,
    *,
    n_frames: int,
    conditioning: np.ndarray | None = None,
    fps: float = spec.NATIVE_FPS,
    seed: int = 0,
) -> TeacherOutput:
    """Teacher targets for both roles of one clip (see docs/TEACHER.md)."""
    clip = _clip(a, b, n_frames, conditioning, fps, seed)
    roles = [_teach_role(clip, r) for r in range(2)]
    out = _output(clip, roles)
    _assert_sealed(out, [role.closure for role in roles])
    return out


def _clip(
    a: RoleSpeech, b: RoleSpeech, n_frames: int, conditioning: np.ndarray | None, fps: float, seed: int
) -> _Clip:
    """Checked inputs and the layers both roles need: turns, commands, prosody, accents, gaze plans."""
    if int(n_frames) != n_frames or n_frames < 0:
        raise TeacherInputError(f"n_frames must be a non-negative integer, got {n_frames!r}")
    if not (fps > 0 and np.isfinite(fps)):
        raise TeacherInputError(f"fps must be a positive number of frames per second, got {fps!r}")
    n = int(n_frames)
    speeches = (a.validated("A"), b.validated("B"))
    timelines = build_timelines(speeches[0], speeches[1], n, fps)
    prosodies = [_prosody(speeches[r], n, fps, _rng(seed, r, "prosody")) for r in range(2)]
    role_accents = [
        accents(
            s.phone_ipa, s.phone_start, s.phone_end, s.phone_stress, p.f0_st, p.voiced, p.loudness_db, fps
        )
        for s, p in zip(speeches, prosodies, strict=True)
    ]
    # Free gaze plans (the listener's look-back needs both plans first).
    plans = [
        plan_at_partner(
            _rng(seed, r, "gaze_plan"), timelines[r].floor, timelines[1 - r].floor, timelines[r].turns, fps
        )
        for r in range(2)
    ]
    plans = [
        couple_look_back(_rng(seed, r, "gaze_couple"), plans[r], plans[1 - r], timelines[1 - r].floor, fps)
        for r in range(2)
    ]
    return _Clip(
        n=n,
        fps=fps,
        seed=seed,
        times=frame_times(n, fps),
        speeches=speeches,
        timelines=timelines,
        commands=decode(conditioning, n),
        prosodies=prosodies,
        accents=role_accents,
        plans=plans,
    )


def _teach_role(clip: _Clip, r: int) -> _Role:
    """One role's layers in order: mouth, gaze, head, eyes, blinks, expression, eyelids."""
    mouth = mouth_track(
        clip.speeches[r].phone_ipa,
        clip.speeches[r].phone_start,
        clip.speeches[r].phone_end,
        clip.speeches[r].phone_stress,
        _phone_gains(clip.speeches[r], clip.prosodies[r], clip.fps),
        clip.n,
        clip.fps,
        no_rest_closure=clip.timelines[r].laughing,
    )
    bs = articulation_to_arkit(mouth.params, mouth.lip_close, mouth.press)
    gaze = _gaze(clip, r)
    head, staged_w, parts = _head(clip, r, gaze.world)
    head, eye = _eyes(head, gaze, staged_w, clip.fps)
    blink = _blinks(clip, r, gaze, parts.nod_onset)
    ex = _expression(clip, r, parts.nod_onset)
    apply_expression(bs, ex)
    _eyelids_and_look(bs, eye, blink.curve)
    bs = np.clip(bs, 0.0, 1.0)
    # Seal p/b/m last, so no later layer (laugh jaw, smiles) can reopen them.
    seal_closures(bs, mouth.closure_frames)
    world_final = world_gaze(head, eye)
    acc_frames = np.clip(np.round(clip.accents[r][:, 0] * clip.fps).astype(np.int64), 0, max(clip.n - 1, 0))
    accent = np.zeros(clip.n)
    if clip.n:
        accent[acc_frames] = 1.0
    cmd = clip.commands[r]
    gesture = (cmd.nod > 0) | (cmd.shake > 0)
    events = {
        "gaze_world": world_final,
        "gaze_at_partner": np.hypot(world_final[:, 0], world_final[:, 1]) <= AT_PARTNER_DEG,
        "gaze_planned_at_partner": clip.plans[r],
        "saccade_onset": gaze.saccade_onset,
        "saccade_amplitude": gaze.saccade_amplitude,
        "blink": blink.curve,
        "blink_onset": blink.onset,
        "blink_long": blink.long,
        "nod_onset": parts.nod_onset,
        "beat_onset": parts.beat_onset,
        "brow_onset": ex.brow_onset,
        "accent": accent,
        "smile": ex.smile,
        "laugh": ex.laugh,
        "floor": clip.timelines[r].floor,
        "lip_aperture": lip_aperture(bs),
        "lip_closure": mouth.closure_frames,
        "head_hold": (cmd.head_active >= 1.0) & ~gesture,
        "gaze_hold": cmd.gaze_active >= 1.0,
    }
    return _Role(blendshapes=bs, head=head, eye=eye, closure=mouth.closure_frames, events=events)


def _gaze(clip: _Clip, r: int) -> _Gaze:
    """Gaze in the world frame: the free plan, overridden by staged targets."""
    cmd = clip.commands[r]
    free_path: GazePath = render_free_gaze(_rng(clip.seed, r, "gaze_render"), clip.plans[r], clip.fps)
    ga = cmd.gaze_active[:, None]
    world = ga * cmd.gaze_target + (1.0 - ga) * free_path.world
    staged = cmd.gaze_active > 0.5
    s_on, s_amp = _staged_saccades(world, staged, clip.fps)
    free_onset = free_path.saccade_onset & ~staged
    return _Gaze(
        world=world,
        staged=staged,
        saccade_onset=free_onset | s_on,
        saccade_amplitude=np.where(free_onset, free_path.saccade_amplitude, s_amp),
    )


def _head(clip: _Clip, r: int, world: np.ndarray):
    """Head: free layers + the head's share of gaze shifts, then staging and gestures.
    Returns the head (F, 3), the staged weight (F,) and the free head's parts."""
    tl, partner_tl, pros, cmd = clip.timelines[r], clip.timelines[1 - r], clip.prosodies[r], clip.commands[r]
    parts = free_head(
        _rng(clip.seed, r, "head"),
        clip.times,
        clip.fps,
        speaking=tl.speaking,
        f0_st=pros.f0_st,
        loudness_db=pros.loudness_db,
        accents=clip.accents[r],
        partner_accents=clip.accents[1 - r],
        own_turns=tl.turns,
        own_backchannels=tl.backchannels,
        partner_pauses=partner_tl.pauses,
        partner_turns=partner_tl.turns,
        own_laughs=tl.laughs,
        partner_floor=partner_tl.floor,
        own_floor=tl.floor,
    )
    free = parts.free.copy()
    free[:, :2] += head_share_of_gaze(world, clip.fps)
    head, staged_w = _obey_head(free, parts.speech, cmd, clip.fps)
    head += commanded_gestures(clip.times, cmd.nod, cmd.shake, clip.fps)
    return head, staged_w, parts


def _eyes(head: np.ndarray, gaze: _Gaze, staged_w: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Eyes = gaze - head, inside the oculomotor range; a free head turns further when needed.

    On staged gaze frames a free head turns further when the eyes cannot reach the target
    (a held head wins over the gaze): a smooth correction spread around the need, then
    whatever is left. Free gaze needs no correction: it lags while the head catches up,
    as in a large combined eye-head gaze shift. (The head correction is reckoned as a sum
    of angles; the exact eye angles are then recomputed, and a second raw pass removes what
    the approximation left.) Returns the head (turned in place) and the eyes.
    """
    head_free_w = (1.0 - staged_w)[:, None]
    eye = eye_in_head(head, gaze.world)
    for soft in (True, False, False):
        excess = eye - np.clip(eye, -EYE_RANGE_DEG, EYE_RANGE_DEG)
        excess *= (head_free_w > 0.0) & gaze.staged[:, None]
        if not np.any(np.abs(excess) > 1e-6):
            break
        head[:, :2] += head_free_w * (_cover(excess, fps) if soft else excess)
        eye = eye_in_head(head, gaze.world)
    return head, np.clip(eye, -EYE_RANGE_DEG, EYE_RANGE_DEG)


def _blinks(clip: _Clip, r: int, gaze: _Gaze, nod_onset: np.ndarray):
    tl, partner_tl = clip.timelines[r], clip.timelines[1 - r]
    listening = partner_tl.speaking & ~tl.speaking
    pauses = spans_to_mask(np.concatenate([tl.pauses, partner_tl.pauses]), clip.n, clip.fps)
    return blink_track(
        _rng(clip.seed, r, "blink"),
        clip.fps,
        speaking=tl.speaking,
        listening=listening,
        pause_frames=pauses,
        saccade_onset=gaze.saccade_onset,
        saccade_amplitude=gaze.saccade_amplitude,
        nod_onset=nod_onset,
    )


def _expression(clip: _Clip, r: int, nod_onset: np.ndarray):
    """Brows, smiles, laughter."""
    tl, partner_tl = clip.timelines[r], clip.timelines[1 - r]
    return expression_track(
        _rng(clip.seed, r, "expr"),
        clip.times,
        clip.fps,
        own_accents=clip.accents[r],
        nod_onset=nod_onset,
        own_floor=tl.floor,
        own_laughs=tl.laughs,
        partner_laughs=partner_tl.laughs,
        loudness_db=clip.prosodies[r].loudness_db if clip.speeches[r].stem is not None else None,
        own_turns=tl.turns,
    )


def _eyelids_and_look(bs: np.ndarray, eye: np.ndarray, blink: np.ndarray) -> None:
    """Eyelids and eyeLook* shapes in place: blinks, plus the upper lid following the eye down
    (lid-eye coupling, Becker & Fuchs 1988) and widening a little when looking up."""
    lid = 0.3 * np.clip((-eye[:, 1] - 3.0) / 22.0, 0.0, 1.0)
    closed = blink + (1.0 - blink) * lid
    wide = 0.15 * np.clip((eye[:, 1] - 5.0) / 20.0, 0.0, 1.0)
    for side in ("Left", "Right"):
        bs[:, _I["eyeBlink" + side]] = closed
        bs[:, _I["eyeWide" + side]] += wide * (1.0 - blink)
    yaw_pos = np.clip(eye[:, 0] / EYE_LOOK_FULL_YAW, 0.0, 1.0)
    yaw_neg = np.clip(-eye[:, 0] / EYE_LOOK_FULL_YAW, 0.0, 1.0)
    up = np.clip(eye[:, 1] / EYE_LOOK_FULL_PITCH, 0.0, 1.0)
    down = np.clip(-eye[:, 1] / EYE_LOOK_FULL_PITCH, 0.0, 1.0)
    # Positive yaw = toward the character's own left: the left eye looks out, the right eye in.
    bs[:, _I["eyeLookOutLeft"]] = yaw_pos
    bs[:, _I["eyeLookInRight"]] = yaw_pos
    bs[:, _I["eyeLookInLeft"]] = yaw_neg
    bs[:, _I["eyeLookOutRight"]] = yaw_neg
    for side in ("Left", "Right"):
        bs[:, _I["eyeLookUp" + side]] = up
        bs[:, _I["eyeLookDown" + side]] = down


_FLOAT_EVENTS = ("gaze_world", "saccade_amplitude", "blink", "smile", "laugh", "lip_aperture")


def _output(clip: _Clip, roles: list[_Role]) -> TeacherOutput:
    """Both roles side by side: curves as float32, events as float32 or bool (> 0.5)."""
    n = clip.n
    blendshapes = np.zeros((n, 2, len(spec.ARKIT_NAMES)))
    head_out = np.zeros((n, 2, 3))
    eye_out = np.zeros((n, 2, 2))
    ev = {key: np.zeros((n, 2, 2) if key == "gaze_world" else (n, 2), dtype=np.float32) for key in EVENT_KEYS}
    for r, role in enumerate(roles):
        blendshapes[:, r] = role.blendshapes
        head_out[:, r] = role.head
        eye_out[:, r] = role.eye
        for key in EVENT_KEYS:
            ev[key][:, r] = role.events[key]
    events = {
        key: value.astype(np.float32) if key in _FLOAT_EVENTS else value > 0.5 for key, value in ev.items()
    }
    speaking = np.stack([clip.timelines[0].speaking, clip.timelines[1].speaking], axis=1).astype(np.float32)
    return TeacherOutput(
        blendshapes=blendshapes.astype(np.float32),
        head=head_out.astype(np.float32),
        gaze=eye_out.astype(np.float32),
        speaking=speaking,
        events=events,
        fps=float(clip.fps),
    )


def _assert_sealed(out: TeacherOutput, closures: list[np.ndarray]) -> None:
    """Internal invariant: every p/b/m frame is sealed after float32 rounding."""
    for r in range(2):
        ap = lip_aperture(out.blendshapes[:, r].astype(np.float64))
        if np.any(ap[closures[r]] > APERTURE_CLOSED):
            raise AssertionError("teacher produced an unsealed bilabial frame (bug)")


__all__ = ["EVENT_KEYS", "from_reference_phones", "teach"]
