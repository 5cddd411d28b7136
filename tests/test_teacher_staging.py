"""The teacher obeys staging conditioning: head holds, gaze targets, nod/shake gestures."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import spec
from duet.model.pose import EYE_RANGE_DEG
from duet.model.signal import HOLD_FADE_S
from duet.model.training.teacher import teach, teacher_checks
from duet.model.training.teacher.synthetic import synthetic_dialogue

FPS = spec.NATIVE_FPS
EASE_S = 0.3


def random_conditioning(rng: np.random.Generator, n: int, eased: bool) -> np.ndarray:
    """Random holds of head orientation and gaze, with nods/shakes, like a staging script.

    With eased=True the target moves from the previous hold's target (or rest) to the
    new one over EASE_S inside the hold, the way the staging parser eases transitions.
    """
    c = np.zeros((n, 2, spec.COND_DIM), dtype=np.float32)
    for r, role in enumerate(spec.ROLES):
        t = rng.uniform(0.5, 2.0)
        prev_head = np.zeros(3)
        prev_gaze = np.zeros(2)
        while t < n / FPS - 1.0:
            hold = rng.uniform(1.0, 4.0)
            i0, i1 = int(t * FPS), min(n, int((t + hold) * FPS))
            kind = rng.choice(["head", "gaze", "both", "nod", "shake", "free"])
            ease = np.clip((np.arange(i0, i1) - i0) / (EASE_S * FPS), 0, 1)[:, None] if eased else 1.0
            if kind in ("head", "both", "nod", "shake"):
                target = np.array([rng.uniform(-40, 40), rng.uniform(-20, 15), rng.uniform(-10, 10)])
                values = prev_head + (target - prev_head) * ease
                c[i0:i1, r, spec.COND_HEAD_ACTIVE] = 1.0
                c[i0:i1, r, spec.COND_HEAD_YAW : spec.COND_HEAD_ROLL + 1] = values / spec.ANGLE_SCALE
                prev_head = target if eased else np.zeros(3)
                if kind in ("nod", "shake"):
                    g0 = i0 + int(0.5 * FPS)
                    g1 = min(i1, g0 + int(rng.uniform(0.6, 1.5) * FPS))
                    c[g0:g1, r, spec.COND_NOD if kind == "nod" else spec.COND_SHAKE] = 1.0
            else:
                prev_head = np.zeros(3)
            if kind in ("gaze", "both"):
                mode = rng.choice(["partner", "camera", "direction"])
                if mode == "partner":
                    target = np.zeros(2)
                elif mode == "camera":
                    target = np.array(spec.CANONICAL_CAMERA_DIRECTION[role])
                else:
                    target = np.array([rng.uniform(-40, 40), rng.uniform(-20, 10)])
                values = prev_gaze + (target - prev_gaze) * ease
                c[i0:i1, r, spec.COND_GAZE_ACTIVE] = 1.0
                c[
                    i0:i1,
                    r,
                    {"partner": spec.COND_GAZE_PARTNER, "camera": spec.COND_GAZE_CAMERA}.get(
                        mode, spec.COND_GAZE_DIRECTION
                    ),
                ] = 1.0
                c[i0:i1, r, spec.COND_GAZE_YAW : spec.COND_GAZE_PITCH + 1] = values / spec.ANGLE_SCALE
                prev_gaze = target if eased else np.zeros(2)
            else:
                prev_gaze = np.zeros(2)
            # Eased scripts chain holds back to back; abrupt ones leave free time between holds.
            t += (
                hold + (rng.uniform(0.0, 2.0) if rng.random() < 0.6 else 0.0)
                if eased
                else hold + rng.uniform(0.8, 2.0)
            )
    return c


@pytest.fixture(scope="module")
def staged():
    out = []
    for seed, eased in ((0, True), (1, True), (2, False)):
        a, b, n = synthetic_dialogue(seed=20 + seed, seconds=60.0)
        cond = random_conditioning(np.random.default_rng(seed), n, eased)
        out.append((a, b, n, cond, teach(a, b, n_frames=n, conditioning=cond, seed=seed)))
    return out


def _targets(cond: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    head = cond[:, r, spec.COND_HEAD_YAW : spec.COND_HEAD_ROLL + 1].astype(np.float64) * spec.ANGLE_SCALE
    gaze = cond[:, r, spec.COND_GAZE_YAW : spec.COND_GAZE_PITCH + 1].astype(np.float64) * spec.ANGLE_SCALE
    return head, gaze


def test_head_holds_within_one_degree(staged) -> None:
    checked = 0
    for _a, _b, _n, cond, out in staged:
        for r in range(2):
            head_target, _ = _targets(cond, r)
            hold = (cond[:, r, spec.COND_HEAD_ACTIVE] == 1) & (cond[:, r, spec.COND_NOD] == 0)
            hold &= cond[:, r, spec.COND_SHAKE] == 0
            err = np.abs(out.head[hold, r] - head_target[hold])
            assert err.max() <= 1.0, f"head off by {err.max():.2f} deg during a hold"
            checked += int(hold.sum())
    assert checked > 2000


def test_gaze_points_at_staged_targets(staged) -> None:
    checked = 0
    for _a, _b, _n, cond, out in staged:
        for r in range(2):
            head_target, gaze_target = _targets(cond, r)
            active = cond[:, r, spec.COND_GAZE_ACTIVE] == 1
            # With the head held (or easing into / out of a hold), only targets the eyes
            # can reach from the held orientation are possible.
            held = np.flatnonzero(cond[:, r, spec.COND_HEAD_ACTIVE] > 0)
            head_held = np.zeros(len(cond), dtype=bool)
            reachable = np.ones(len(cond), dtype=bool)
            if len(held):
                pos = np.arange(len(cond))
                j = np.clip(np.searchsorted(held, pos), 0, len(held) - 1)
                left, right = held[np.maximum(j - 1, 0)], held[j]
                nearest = np.where(np.abs(pos - left) <= np.abs(pos - right), left, right)
                head_held = np.abs(pos - nearest) <= HOLD_FADE_S * FPS
                gap = np.abs(gaze_target - head_target[nearest, :2])
                reachable = np.all(gap <= EYE_RANGE_DEG - 1.0, axis=1)
            gestures = (cond[:, r, spec.COND_NOD] > 0) | (cond[:, r, spec.COND_SHAKE] > 0)
            check = active & (~head_held | reachable) & ~gestures
            world = out.gaze_world[check, r]
            err = np.abs(world - gaze_target[check])
            assert err.max() <= 1.0, f"gaze off by {err.max():.2f} deg while staged"
            checked += int(check.sum())
    assert checked > 2000


def test_staging_checks_report_the_errors(staged) -> None:
    a, b, _n, cond, out = staged[0]
    checks = {c.name: c for c in teacher_checks(out, a, b, conditioning=cond)}
    assert checks["staging_head_max_error"].value <= 1.0
    assert checks["staging_head_max_error"].denominator > 0
    assert checks["bilabial_closure"].value == 1.0  # the mouth ignores staging


def test_nod_and_shake_gestures_move_the_head(staged) -> None:
    seen = {spec.COND_NOD: 0, spec.COND_SHAKE: 0}
    for _a, _b, _n, cond, out in staged:
        for r in range(2):
            for channel, axis in ((spec.COND_NOD, 1), (spec.COND_SHAKE, 0)):
                mask = cond[:, r, channel] > 0.5
                if mask.sum() < 20:
                    continue
                idx = np.flatnonzero(mask)
                for run in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1):
                    swing = np.ptp(out.head[run, r, axis])
                    assert swing > 5.0
                    seen[channel] += 1
    assert seen[spec.COND_NOD] and seen[spec.COND_SHAKE]


def test_head_stays_smooth_around_abrupt_holds(staged) -> None:
    _a, _b, _n, _cond, out = staged[2]  # un-eased conditioning: targets switch on and off
    step = np.abs(np.diff(out.head, axis=0))
    assert step.max() < 5.0  # deg per frame (250 deg/s), no jumps


def test_no_conditioning_equals_all_free_conditioning() -> None:
    a, b, n = synthetic_dialogue(seed=4, seconds=15.0)
    free = teach(a, b, n_frames=n, seed=3)
    zeros = teach(a, b, n_frames=n, seed=3, conditioning=np.zeros((n, 2, spec.COND_DIM), dtype=np.float32))
    assert free.head.tobytes() == zeros.head.tobytes()
    assert free.gaze.tobytes() == zeros.gaze.tobytes()
    assert free.blendshapes.tobytes() == zeros.blendshapes.tobytes()


def test_camera_mode_without_angles_uses_the_canonical_camera() -> None:
    a, b, n = synthetic_dialogue(seed=6, seconds=10.0)
    cond = np.zeros((n, 2, spec.COND_DIM), dtype=np.float32)
    cond[100:300, 0, spec.COND_GAZE_ACTIVE] = 1.0
    cond[100:300, 0, spec.COND_GAZE_CAMERA] = 1.0  # yaw/pitch left at zero
    out = teach(a, b, n_frames=n, seed=0, conditioning=cond)
    np.testing.assert_allclose(
        out.gaze_world[100:300, 0], [spec.CANONICAL_CAMERA_DIRECTION["A"]] * 200, atol=1.0
    )
    # The head turns to take the part the eyes cannot (|eye yaw| <= 35).
    assert out.head[150:300, 0, 0].max() < -20.0
