"""Staging targets (conditioning, eased transitions, holds) and the staging solve."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import spec
from duet.model.performance import Performance
from duet.model.pose import world_gaze
from duet.model.staging import StagingScript, parse, solve, vocab

FPS = 50.0


def head_move_frames(amp: float, pace: float = 1.0) -> float:
    return (vocab.HEAD_LATENCY_S + (vocab.HEAD_MOVE_BASE_S + vocab.HEAD_MOVE_PER_DEG_S * amp) * pace) * FPS


# ----------------------------------------------------------------------------- conditioning


def test_conditioning_layout_matches_the_targets():
    script = parse(
        "A faces left\nA looks at B from 1s to 3s\nB looks at the camera\nB faces down at 2s\n"
        "A nods at 4s\nB shakes her head at 5s\nA looks away at 6s\nB relaxes at 7s"
    )
    t = script.to_targets(400, FPS)
    c = t.conditioning
    assert c.shape == (400, 2, spec.COND_DIM) and c.dtype == np.float32
    for r, role in enumerate(spec.ROLES):
        x = c[:, r]
        np.testing.assert_array_equal(x[:, spec.COND_HEAD_ACTIVE], t.head_active[role])
        np.testing.assert_allclose(
            x[:, spec.COND_HEAD_YAW : spec.COND_HEAD_ROLL + 1] * spec.ANGLE_SCALE, t.head[role], atol=1e-4
        )
        mode = t.gaze_mode[role]
        np.testing.assert_array_equal(x[:, spec.COND_GAZE_ACTIVE], mode > 0)
        np.testing.assert_array_equal(x[:, spec.COND_GAZE_PARTNER], mode == 1)
        np.testing.assert_array_equal(x[:, spec.COND_GAZE_CAMERA], mode == 2)
        np.testing.assert_array_equal(x[:, spec.COND_GAZE_DIRECTION], mode == 3)
        np.testing.assert_allclose(
            x[:, spec.COND_GAZE_YAW : spec.COND_GAZE_PITCH + 1] * spec.ANGLE_SCALE,
            t.gaze_direction[role],
            atol=1e-4,
        )
        np.testing.assert_array_equal(x[:, spec.COND_NOD], t.nod[role])
        np.testing.assert_array_equal(x[:, spec.COND_SHAKE], t.shake[role])
        # One-hot gaze mode, and nothing commanded where free.
        assert np.all(x[:, spec.COND_GAZE_PARTNER : spec.COND_GAZE_DIRECTION + 1].sum(axis=1) == (mode > 0))
        assert not x[~t.head_active[role], spec.COND_HEAD_YAW : spec.COND_HEAD_ROLL + 1].any()
    # Free frames and commanded ones where expected.
    assert t.gaze_mode["A"][100] == 1 and t.gaze_mode["A"][200] == 0 and t.gaze_mode["A"][350] == 3
    assert (
        t.gaze_mode["B"][10] == 0
        and t.gaze_mode["B"][60] == 2
        and not t.head_active["B"][50]
        and t.head_active["B"][150]
    )
    # B relaxes at 7 s: the gaze is free at once, the head eases back to rest from -20 deg pitch first.
    assert t.gaze_mode["B"][360] == 0 and t.head_active["B"][360] and -20.0 < t.head["B"][360, 1] < 0.0
    assert not t.head_active["B"][380] and not t.head["B"][380].any()
    assert t.nod["A"][210] and t.shake["B"][260] and not t.nod["B"].any()


def test_conditioning_is_deterministic_and_empty_without_staging():
    text = "A faces left at 0:01\nB looks at A from 2s to 4s"
    a = parse(text).to_targets(300, FPS).conditioning
    b = parse(text).to_targets(300, FPS).conditioning
    assert a.tobytes() == b.tobytes()
    assert not StagingScript().to_targets(300, FPS).conditioning.any()
    assert parse("").to_targets(0, FPS).conditioning.shape == (0, 2, spec.COND_DIM)


def test_teacher_reads_the_conditioning_back():
    decode = pytest.importorskip("duet.model.training.teacher.conditioning").decode
    script = parse("A faces left\nA looks at the camera from 1s to 2s\nB looks down\nB nods at 3s")
    t = script.to_targets(250, FPS)
    for role, cmd in zip(spec.ROLES, decode(t.conditioning, 250), strict=True):
        np.testing.assert_allclose(cmd.head_target, t.head[role], atol=1e-4)
        np.testing.assert_allclose(cmd.gaze_target, t.gaze_direction[role], atol=1e-4)
        np.testing.assert_array_equal(cmd.nod > 0.5, t.nod[role])


# ----------------------------------------------------------------------------- transitions


def test_head_eases_with_minimum_jerk_and_arrives_on_time():
    t = parse("A faces left at 1s").to_targets(200, FPS)
    yaw = t.head["A"][:, 0]
    start = 50
    arrive = t.holds["A"][0][0]
    assert arrive == int(np.ceil(start + head_move_frames(45.0) - 1e-6))
    ramp = yaw[start : arrive + 1]
    assert ramp[0] == 0.0 and ramp[-1] == 45.0 and np.all(np.diff(ramp) >= 0)
    steps = np.diff(ramp)
    assert steps[0] < 0.2 and steps[-1] < 0.2 and steps.max() > 3.0  # slow-fast-slow
    assert np.all(yaw[arrive:] == 45.0) and t.holds["A"] == [(arrive, 200, 45.0, 0.0, 0.0)]


def test_bigger_turns_take_longer_and_slowly_takes_longer_still():
    def arrival(text: str) -> int:
        return parse(text).to_targets(400, FPS).holds["A"][0][0]

    small, big = arrival("A faces 10 degrees left"), arrival("A faces 80 degrees left")
    assert big - small == pytest.approx(70 * vocab.HEAD_MOVE_PER_DEG_S * FPS, abs=1.0)
    assert arrival("A slowly faces 80 degrees left") > big + 20
    assert arrival("A quickly faces 80 degrees left") < big - 10


def test_eyes_lead_the_head():
    t = parse("at 1s, A faces the camera and looks at the camera").to_targets(200, FPS)
    head_moves = np.flatnonzero(np.abs(t.head["A"][:, 0]) > 1e-9)[0]
    gaze_moves = np.flatnonzero(np.abs(t.gaze_direction["A"][:, 0]) > 1e-9)[0]
    assert gaze_moves < head_moves
    gaze_arrives = t.gaze_holds["A"][0][0]
    head_arrives = t.holds["A"][0][0]
    amp = abs(spec.CANONICAL_CAMERA_DIRECTION["A"][0])
    assert gaze_arrives - 50 == pytest.approx(
        (vocab.SACCADE_BASE_S + vocab.SACCADE_PER_DEG_S * amp) * FPS, abs=1
    )
    assert head_arrives > gaze_arrives + 10


def test_interrupted_move_continues_without_a_jump():
    t = parse("A faces left\nA faces right at 0.2s\nA relaxes at 3s\nA faces up at 4s").to_targets(300, FPS)
    yaw = t.head["A"][:, 0]
    assert np.abs(np.diff(yaw[:150])).max() < 6.0
    assert yaw[149] == -45.0 and not t.head_active["A"][180]  # eased back to rest after relaxing at 3 s
    assert np.abs(np.diff(yaw[149:181])).max() < 6.0 and yaw[180] == 0.0
    assert t.head["A"][200, 1] == 0.0 and t.head["A"][230, 1] == 15.0  # from rest again after a free stretch


def test_gestures_mask_and_split_holds():
    t = parse("A faces left\nA nods twice at 2s\nB shakes her head 3 times at 1s").to_targets(300, FPS)
    nod = np.flatnonzero(t.nod["A"])
    assert nod[0] == 100 and len(nod) == int(np.ceil((2 + 2 / vocab.NOD_RATE_HZ) * FPS)) - 100
    assert len(np.flatnonzero(t.shake["B"])) == int(np.ceil(3 / vocab.SHAKE_RATE_HZ * FPS))
    (s0, e0, *_), (s1, e1, *_) = t.holds["A"]
    assert e0 == nod[0] and s1 == nod[-1] + 1 and e1 == 300
    assert not t.hold_mask("A")[nod].any() and t.head_active["A"][nod].all()
    assert not t.head_active["B"].any()  # a gesture alone does not command a pose


def test_targets_clip_to_the_take_and_resample():
    script = parse("A faces left at 10s\nB looks at A from 1s to 2s")
    t = script.to_targets(100, FPS)
    assert not t.head_active["A"].any() and t.gaze_mode["B"][75] == 1
    t24 = t.resampled(48, 24.0)
    assert t24.fps == 24.0 and t24.n_frames == 48 and t24.gaze_mode["B"][30] == 1
    assert t.resampled(100, FPS) is t
    with pytest.raises(ValueError, match="n_frames"):
        script.to_targets(-1, FPS)
    with pytest.raises(ValueError, match="fps"):
        script.to_targets(10, 0.0)


# ----------------------------------------------------------------------------- the solve


def synthetic_performance(n: int, fps: float = FPS, seed: int = 0) -> Performance:
    """A model-like take: slow drift of several degrees plus small quick motion."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fps

    def drift(scale: float, dims: int) -> np.ndarray:
        steps = rng.standard_normal((n, dims))
        k = np.exp(-0.5 * (np.arange(-100, 101) / 30.0) ** 2)
        out = np.stack([np.convolve(steps[:, j], k / k.sum(), mode="same") for j in range(dims)], axis=1)
        return out / (np.abs(out).max() + 1e-9) * scale

    quick = 0.5 * np.sin(2 * np.pi * 2.3 * t)[:, None] * np.array([0.6, 1.0, 0.3])
    return Performance(
        fps=fps,
        blendshapes={r: rng.uniform(0, 1, (n, 52)).astype(np.float32) for r in spec.ROLES},
        head={r: (drift(8.0, 3) + quick).astype(np.float32) for r in spec.ROLES},
        gaze={r: drift(10.0, 2).astype(np.float32) for r in spec.ROLES},
        speaking={r: rng.uniform(0, 1, n).astype(np.float32) for r in spec.ROLES},
    )


STAGING = """A faces left
B faces 20 degrees right and slightly down from 2s to 9s
A faces the camera from 6s to 10s
A nods twice at 12s
B tilts left at 11s
B looks at A from 3s to 8s
A looks at the camera from 7s to 9s
both relax at 16s
"""


def test_solve_holds_every_pose_within_one_degree_and_keeps_small_motion():
    n = int(20 * FPS)
    perf = synthetic_performance(n)
    targets = parse(STAGING).to_targets(n, FPS)
    out = solve(perf, targets)
    out.validate()
    checked = 0
    for role in spec.ROLES:
        for s, e, yaw, pitch, roll in targets.holds[role]:
            err = np.abs(out.head[role][s:e] - np.array([yaw, pitch, roll], dtype=np.float32))
            assert err.max() < 1.0, (role, s, e, err.max())
            checked += e - s
        hold = targets.hold_mask(role)
        # The model's quick motion survives inside holds (not frozen flat).
        kept = out.head[role][hold, 1] - targets.head[role][hold, 1]
        assert kept.std() > 0.15
        # Its slow drift (several degrees) does not.
        assert np.abs(perf.head[role][hold] - targets.head[role][hold]).max() > 3.0
    assert checked > 0.5 * 2 * n


def test_solve_tracks_transitions_and_is_smooth():
    n = int(20 * FPS)
    perf = synthetic_performance(n, seed=1)
    targets = parse(STAGING).to_targets(n, FPS)
    out = solve(perf, targets)
    for role in spec.ROLES:
        active = targets.head_active[role] & ~(targets.nod[role] | targets.shake[role])
        assert np.abs(out.head[role][active] - targets.head[role][active]).max() < 1.0
        jump = np.abs(np.diff(out.head[role], axis=0)).max()
        bound = (
            np.abs(np.diff(perf.head[role], axis=0)).max() + np.abs(np.diff(targets.head[role], axis=0)).max()
        )
        assert jump < bound + 1.0, (role, jump, bound)


def test_solve_leaves_free_stretches_and_faces_untouched():
    n = int(24 * FPS)
    perf = synthetic_performance(n, seed=2)
    targets = parse(STAGING).to_targets(n, FPS)
    out = solve(perf, targets)
    far = int((16 + 1.0) * FPS)  # both relaxed at 16 s, past the heads' return to rest and the fade
    for role in spec.ROLES:
        np.testing.assert_array_equal(out.head[role][far:], perf.head[role][far:])
        np.testing.assert_allclose(out.gaze[role][far:], perf.gaze[role][far:], atol=1e-6)
        np.testing.assert_array_equal(out.blendshapes[role], perf.blendshapes[role])
        np.testing.assert_array_equal(out.speaking[role], perf.speaking[role])
    assert out is not perf and out.head["A"] is not perf.head["A"]
    again = synthetic_performance(n, seed=2)
    np.testing.assert_array_equal(perf.head["A"], again.head["A"])  # input not modified


def test_commanded_gaze_lands_on_its_target_and_free_gaze_keeps_its_world_direction():
    n = int(10 * FPS)
    perf = synthetic_performance(n, seed=3)
    script = parse("A faces 20 degrees left\nA looks at B from 2s to 6s\nB faces 15 degrees right")
    targets = script.to_targets(n, FPS)
    out = solve(perf, targets)
    for s, e, yaw, pitch in targets.gaze_holds["A"]:
        world = world_gaze(out.head["A"][s:e].astype(np.float64), out.gaze["A"][s:e].astype(np.float64))
        assert np.abs(world - np.array([yaw, pitch])).max() < 1.0
    # B's gaze is free: the head correction is undone by the eyes.
    before = world_gaze(perf.head["B"].astype(np.float64), perf.gaze["B"].astype(np.float64))
    after = world_gaze(out.head["B"].astype(np.float64), out.gaze["B"].astype(np.float64))
    assert np.abs(before - after).max() < 1e-3
    assert np.abs(out.head["B"] - perf.head["B"]).max() > 3.0


def test_unreachable_gaze_keeps_the_eyes_in_range():
    n = int(6 * FPS)
    perf = synthetic_performance(n, seed=4)
    targets = parse("A faces 80 degrees left\nA looks at B").to_targets(n, FPS)
    out = solve(perf, targets)
    assert np.abs(out.gaze["A"][:, 0]).max() <= 35.0 + 1e-4
    assert np.abs(out.head["A"][targets.hold_mask("A"), 0] - 80.0).max() < 1.0


def test_solve_resamples_targets_to_the_performance_rate():
    perf = synthetic_performance(240, fps=24.0, seed=5)
    targets = parse("A faces right from 1s to 8s").to_targets(500, FPS)
    out = solve(perf, targets)
    at24 = targets.resampled(240, 24.0)
    assert at24.holds["A"]
    for s, e, yaw, pitch, roll in at24.holds["A"]:
        assert np.abs(out.head["A"][s:e] - np.array([yaw, pitch, roll])).max() < 1.0
    with pytest.raises(TypeError, match="StagingTargets"):
        solve(perf, targets.conditioning)  # type: ignore[arg-type]
