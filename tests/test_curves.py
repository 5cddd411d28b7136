"""duet.model.curves: resampling, Bezier key reduction, rotations and eye aims."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duet.model import curves, pose

FORWARD, LEFT, UP = np.array([0.0, -1, 0]), np.array([1.0, 0, 0]), np.array([0.0, 0, 1])


def _hermite_reference(kt, kv, hl, hr, at):
    """Independent evaluation for one-third handles: x(u) is linear, so u = (t - x0) / dx."""
    seg = np.clip(np.searchsorted(kt, at, side="right") - 1, 0, len(kt) - 2)
    u = (at - kt[seg]) / (kt[seg + 1] - kt[seg])
    p0, p1, p2, p3 = kv[seg], hr[seg, 1], hl[seg + 1, 1], kv[seg + 1]
    return (1 - u) ** 3 * p0 + 3 * (1 - u) ** 2 * u * p1 + 3 * (1 - u) * u**2 * p2 + u**3 * p3


def _mouth_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """Smooth bumps, holds, steps and a little noise, in 0..1 like a blendshape."""
    t = np.arange(n)
    y = np.zeros(n)
    for _ in range(max(1, n // 25)):
        c, w, a = rng.uniform(0, n), rng.uniform(1.5, 12), rng.uniform(0, 0.8)
        y += a * np.exp(-0.5 * ((t - c) / w) ** 2)
    y[rng.integers(n) :] += rng.uniform(-0.2, 0.2)
    y += rng.normal(0, 0.004, n)
    return np.clip(y, 0.0, 1.0)


# --------------------------------------------------------------------------- slopes and resampling


def test_monotone_slopes_are_flat_at_extrema_and_exact_on_lines() -> None:
    x = np.arange(6.0)
    y = np.array([0.0, 0.5, 1.0, 0.4, 0.4, 0.9])
    m = curves.monotone_slopes(x, y)
    assert m[2] == 0.0  # peak
    assert m[3] == 0.0 and m[4] == 0.0  # flat chord beside them
    line = 0.3 * x + 0.1
    np.testing.assert_allclose(curves.monotone_slopes(x, line), np.full(6, 0.3), atol=1e-15)


def test_monotone_slopes_match_scipy_pchip() -> None:
    interpolate = pytest.importorskip("scipy.interpolate")
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.uniform(0.5, 2.0, 40))
    y = rng.uniform(0, 1, (40, 3))
    ours = curves.monotone_slopes(x, y)
    theirs = interpolate.PchipInterpolator(x, y, axis=0).derivative()(x)
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_resample_copies_coinciding_frames_exactly_and_keeps_duration() -> None:
    rng = np.random.default_rng(0)
    y = rng.uniform(0, 1, (100, 2, 52)).astype(np.float32)
    half = curves.resample(y, 50, 25)
    assert half.shape == (50, 2, 52) and half.dtype == np.float32
    np.testing.assert_array_equal(half, y[::2])
    at24 = curves.resample(y, 50, 24)
    assert at24.shape[0] == curves.frames_at(100, 50, 24) == 48
    np.testing.assert_array_equal(at24[0], y[0])
    np.testing.assert_array_equal(at24[12], y[25])  # 0.5 s on both grids
    np.testing.assert_array_equal(at24[24], y[50])
    assert not np.array_equal(at24[1], y[2])  # 1/24 s lies between source frames 2 and 3


def test_resample_matches_scipy_pchip_inside_and_holds_past_the_end() -> None:
    interpolate = pytest.importorskip("scipy.interpolate")
    rng = np.random.default_rng(1)
    y = rng.uniform(0, 1, (60, 4))
    out = curves.resample(y, 50, 30, n_dst=40)
    t_out = np.arange(40) / 30 * 50
    inside = t_out <= 59
    ref = interpolate.PchipInterpolator(np.arange(60.0), y, axis=0)(t_out[inside])
    np.testing.assert_allclose(out[inside], ref, atol=1e-12)
    np.testing.assert_array_equal(out[~inside], np.broadcast_to(y[-1], out[~inside].shape))


def test_resample_reproduces_lines_with_both_methods() -> None:
    y = np.linspace(0.0, 1.0, 37)[:, None] * np.array([1.0, -2.0])
    for method in ("linear", "cubic"):
        out = curves.resample(y, 30, 24, method=method)
        t = np.minimum(np.arange(len(out)) * 30 / 24, 36)
        np.testing.assert_allclose(out, (t / 36)[:, None] * np.array([1.0, -2.0]), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=80),
    st.sampled_from([24.0, 25.0, 30.0, 50.0, 60.0, 29.97]),
    st.sampled_from(["linear", "cubic"]),
    st.integers(min_value=0, max_value=2**31),
)
def test_resample_never_leaves_the_neighbouring_samples(n, dst_fps, method, seed) -> None:
    rng = np.random.default_rng(seed)
    y = rng.uniform(0, 1, n)
    y[rng.uniform(size=n) < 0.3] = rng.choice([0.0, 1.0])  # exact 0 / 1 holds, the usual overshoot trap
    out = curves.resample(y, 50.0, dst_fps, method=method)
    pos = np.minimum(np.arange(len(out)) * 50.0 / dst_fps, n - 1)
    lo_i, hi_i = np.floor(pos).astype(int), np.ceil(pos).astype(int)
    lo = np.minimum(y[lo_i], y[hi_i]) - 1e-12
    hi = np.maximum(y[lo_i], y[hi_i]) + 1e-12
    assert np.all(out >= lo) and np.all(out <= hi)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_resample_rejects_bad_input_with_clear_messages() -> None:
    with pytest.raises(ValueError, match="frame rates must be positive"):
        curves.resample(np.zeros(5), 0, 24)
    with pytest.raises(ValueError, match="method 'spline' is not known"):
        curves.resample(np.zeros(5), 50, 24, method="spline")
    with pytest.raises(ValueError, match="NaN or infinite"):
        curves.resample(np.array([0.0, np.nan]), 50, 24)
    with pytest.raises(ValueError, match="empty"):
        curves.resample(np.zeros((0, 52)), 50, 24)


# --------------------------------------------------------------------------- Bezier keys


def test_evaluate_bezier_agrees_with_the_linear_parameter_formula() -> None:
    rng = np.random.default_rng(2)
    y = _mouth_like(rng, 300)
    x = np.arange(300.0) + 7
    kt, kv, hl, hr = curves.reduce_keys(x, y, 0.01)
    at = np.linspace(x[0], x[-1], 2000)
    np.testing.assert_allclose(
        curves.evaluate_bezier(kt, kv, hl, hr, at), _hermite_reference(kt, kv, hl, hr, at), atol=1e-12
    )


def test_evaluate_bezier_solves_time_for_free_handles_and_shortens_crossing_ones() -> None:
    kt, kv = np.array([0.0, 10.0]), np.array([0.0, 1.0])
    # Uneven handles: x(u) is a real cubic; check y at the u that gives each time.
    hl = np.array([[-1.0, 0.0], [9.0, 1.0]])
    hr = np.array([[6.0, 0.0], [11.0, 1.0]])
    u = np.linspace(0, 1, 101)
    bx = 3 * (1 - u) ** 2 * u * 6 + 3 * (1 - u) * u**2 * 9 + u**3 * 10
    by = 3 * (1 - u) * u**2 * 1 + u**3 * 1
    np.testing.assert_allclose(curves.evaluate_bezier(kt, kv, hl, hr, bx), by, atol=1e-9)
    # Handles reaching past each other are scaled back to fit the segment (9 + 9 > 10).
    hr_long = np.array([[9.0, 0.0], [11.0, 1.0]])
    hl_long = np.array([[-1.0, 0.0], [1.0, 1.0]])
    fac = 10.0 / 18.0
    p1, p2 = np.array([9.0 * fac, 0.0]), np.array([10.0 - 9.0 * fac, 1.0])
    bx = 3 * (1 - u) ** 2 * u * p1[0] + 3 * (1 - u) * u**2 * p2[0] + u**3 * 10
    np.testing.assert_allclose(curves.evaluate_bezier(kt, kv, hl_long, hr_long, bx), by, atol=1e-9)
    # Constant outside the keys.
    np.testing.assert_array_equal(curves.evaluate_bezier(kt, kv, hl, hr, [-5.0, 20.0]), [0.0, 1.0])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=1, max_value=400),
    st.floats(min_value=1e-4, max_value=0.2),
    st.integers(min_value=0, max_value=2**31),
    st.booleans(),
)
def test_reduced_keys_stay_within_tolerance_at_every_sample(n, tolerance, seed, keep_range) -> None:
    rng = np.random.default_rng(seed)
    y = _mouth_like(rng, n)
    x = np.arange(n, dtype=np.float64) + rng.integers(-50, 50)
    rng_arg = (0.0, 1.0) if keep_range else None
    kt, kv, hl, hr = curves.reduce_keys(x, y, tolerance, value_range=rng_arg)
    at_samples = curves.evaluate_bezier(kt, kv, hl, hr, x)
    assert np.abs(at_samples - y).max() <= tolerance + 1e-9
    # Keys are samples: first and last included, values exact, times increasing.
    assert kt[0] == x[0] and kt[-1] == x[-1] and np.all(np.diff(kt) > 0)
    np.testing.assert_array_equal(kv, y[np.searchsorted(x, kt)])
    if len(kt) > 1:
        gaps = np.diff(kt)
        np.testing.assert_allclose(hr[:-1, 0] - kt[:-1], gaps / 3)
        np.testing.assert_allclose(kt[1:] - hl[1:, 0], gaps / 3)
    if keep_range:
        fine = np.linspace(x[0], x[-1], 4 * n + 1)
        between = curves.evaluate_bezier(kt, kv, hl, hr, fine)
        assert between.min() >= -1e-12 and between.max() <= 1 + 1e-12


def test_reduction_keeps_few_keys_on_smooth_curves_and_two_on_flat_ones() -> None:
    x = np.arange(1800.0)
    smooth = 0.5 + 0.4 * np.sin(x / 40.0)
    kt, *_ = curves.reduce_keys(x, smooth, 0.002)
    assert len(kt) < 0.05 * len(x)
    kt, kv, hl, hr = curves.reduce_keys(x, np.full(1800, 0.25), 0.001)
    assert len(kt) == 2 and np.all(hl[:, 1] == 0.25) and np.all(hr[:, 1] == 0.25)
    # A 2-frame blink must survive a coarse tolerance.
    blink = np.zeros(1800)
    blink[900:902] = 1.0
    kt, kv, hl, hr = curves.reduce_keys(x, blink, 0.05)
    assert np.abs(curves.evaluate_bezier(kt, kv, hl, hr, x) - blink).max() <= 0.05


def test_reduce_keys_many_equals_one_at_a_time_and_takes_a_tolerance_per_curve() -> None:
    rng = np.random.default_rng(7)
    y = np.stack([_mouth_like(rng, 500) for _ in range(6)], axis=1)
    x = np.arange(500.0)
    tol = np.array([0.001, 0.003, 0.01, 0.02, 0.05, 0.1])
    many = curves.reduce_keys_many(x, y, tol)
    for j in range(6):
        single = curves.reduce_keys(x, y[:, j], tol[j])
        for a, b in zip(many[j], single, strict=True):
            np.testing.assert_array_equal(a, b)
    counts = [len(k[0]) for k in many]
    assert counts == sorted(counts, reverse=True)  # looser tolerance, fewer keys


def test_reduction_fallback_keys_densely_and_stays_within_tolerance(monkeypatch) -> None:
    monkeypatch.setattr(curves, "_MAX_REFINE_ROUNDS", 2)
    rng = np.random.default_rng(4)
    y = rng.uniform(0, 1, 300)  # white noise: many rounds needed
    x = np.arange(300.0)
    kt, kv, hl, hr = curves.reduce_keys(x, y, 0.01)
    assert np.abs(curves.evaluate_bezier(kt, kv, hl, hr, x) - y).max() <= 0.01


def test_dense_keys_pass_every_sample_without_overshoot() -> None:
    rng = np.random.default_rng(5)
    y = _mouth_like(rng, 200)
    y[50:60] = 1.0
    x = np.arange(200.0)
    kt, kv, hl, hr = curves.dense_keys(x, y)
    assert len(kt) == 200
    np.testing.assert_array_equal(curves.evaluate_bezier(kt, kv, hl, hr, x), y)
    fine = np.linspace(0, 199, 3981)
    between = curves.evaluate_bezier(kt, kv, hl, hr, fine)
    i = np.minimum(np.floor(fine).astype(int), 198)
    assert np.all(between <= np.maximum(y[i], y[i + 1]) + 1e-12)
    assert np.all(between >= np.minimum(y[i], y[i + 1]) - 1e-12)


def test_single_sample_and_bad_key_input() -> None:
    kt, kv, hl, hr = curves.reduce_keys([3.0], [0.5], 0.01)
    assert list(kt) == [3.0] and list(kv) == [0.5] and hl.shape == hr.shape == (1, 2)
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0"):
        curves.reduce_keys(np.arange(3.0), np.zeros(3), -1)
    with pytest.raises(ValueError, match="increase strictly"):
        curves.reduce_keys([0.0, 2.0, 1.0], np.zeros(3), 0.01)
    with pytest.raises(ValueError, match="one time per sample"):
        curves.reduce_keys(np.arange(4.0), np.zeros(3), 0.01)
    with pytest.raises(ValueError, match="NaN or infinite"):
        curves.dense_keys(np.arange(2.0), [0.0, np.inf])
    with pytest.raises(ValueError, match="low < high"):
        curves.reduce_keys(np.arange(3.0), np.zeros(3), 0.01, value_range=(1.0, 0.0))


# --------------------------------------------------------------------------- rotations


def test_euler_to_quaternion_is_the_pose_convention() -> None:
    rng = np.random.default_rng(0)
    ypr = rng.uniform(-60, 60, (50, 3))
    q = curves.euler_to_quaternion(*ypr.T, continuous=False)
    ref = pose.character_rotation(ypr, FORWARD, LEFT, UP)
    np.testing.assert_allclose(np.abs(np.einsum("ij,ij->i", q, ref)), 1.0, atol=1e-12)
    looked = pose.rotate(curves.euler_to_quaternion(30.0, 0.0, 0.0), FORWARD[None])[0]
    assert looked @ LEFT == pytest.approx(np.sin(np.radians(30)))  # yaw toward own left
    up = pose.rotate(curves.euler_to_quaternion(0.0, 20.0, 0.0), FORWARD[None])[0]
    assert up @ UP == pytest.approx(np.sin(np.radians(20)))  # pitch up
    top = pose.rotate(curves.euler_to_quaternion(0.0, 0.0, 15.0), UP[None])[0]
    assert top @ LEFT == pytest.approx(np.sin(np.radians(15)))  # roll toward the left shoulder


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-179, 179), st.floats(-89, 89), st.floats(-179, 179)),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([("+Z", "+X", "-Y"), ("+Y", "+X", "+Z"), ("-Z", "-Y", "+X"), ("+X", "-Z", "-Y")]),
)
def test_quaternion_round_trip(angles, axes) -> None:
    ypr = np.array(angles)
    q = curves.euler_to_quaternion(*ypr.T, *axes)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-12)
    back = curves.quaternion_to_euler(q, *axes)
    diff = (back - ypr + 180.0) % 360.0 - 180.0
    np.testing.assert_allclose(diff, 0.0, atol=1e-6)


def test_quaternions_stay_continuous_through_a_full_turn() -> None:
    yaw = np.linspace(0, 720, 500)
    q = curves.euler_to_quaternion(yaw, np.zeros(500), np.zeros(500))
    assert np.all(np.einsum("ij,ij->i", q[1:], q[:-1]) > 0)
    flipped = q * np.where(np.arange(500) % 7 == 3, -1.0, 1.0)[:, None]
    fixed = curves.make_continuous(flipped)
    assert np.all(np.einsum("ij,ij->i", fixed[1:], fixed[:-1]) > 0)
    np.testing.assert_allclose(np.abs(np.einsum("ij,ij->i", fixed, q)), 1.0, atol=1e-12)


def test_axis_conventions_are_checked() -> None:
    np.testing.assert_array_equal(curves.axis_vector("-y"), [0.0, -1.0, 0.0])
    np.testing.assert_allclose(curves.axis_vector([0, 0, 2]), [0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="not one of"):
        curves.axis_vector("W")
    with pytest.raises(ValueError, match="mirrored frame"):
        curves.euler_to_quaternion(10.0, 0.0, 0.0, "+Z", "-X", "-Y")
    with pytest.raises(ValueError, match="not perpendicular"):
        curves.euler_to_quaternion(10.0, 0.0, 0.0, "+Z", "+Z", "-Y")


# --------------------------------------------------------------------------- eye aims


def test_look_at_angles_converge_on_near_targets_and_follow_the_head() -> None:
    eyes = np.array([[[0.032, 0.0, 1.6], [-0.032, 0.0, 1.6]]])  # own left eye at +X (facing -Y)
    ident = np.array([[1.0, 0, 0, 0]])
    near = curves.look_at_angles(eyes, np.array([0.0, -0.5, 1.6]), ident)
    assert near[0, 0, 0] < -3.0 and near[0, 1, 0] > 3.0  # each eye turns inward
    assert near[0, 0, 0] == pytest.approx(-near[0, 1, 0])
    far = curves.look_at_angles(eyes, np.array([0.0, -50.0, 1.6]), ident)
    assert np.abs(far[0, :, 0]).max() < 0.05
    # A target up and to the character's left.
    left_up = curves.look_at_angles(eyes[:, 0], np.array([2.0, -2.0, 3.6]), ident)
    assert left_up[0, 0] > 40 and left_up[0, 1] > 30
    # Head turned 30 degrees to its left: a target straight ahead is 30 degrees to the right of the eyes.
    turned = curves.euler_to_quaternion(30.0, 0.0, 0.0)
    straight = curves.look_at_angles(np.array([[0.0, 0.0, 1.6]]), np.array([0.0, -10.0, 1.6]), turned)
    assert straight[0] == pytest.approx([-30.0, 0.0], abs=1e-9)


def test_look_at_angles_point_each_eye_at_the_target() -> None:
    rng = np.random.default_rng(9)
    t = 40
    head = curves.euler_to_quaternion(
        rng.uniform(-40, 40, t), rng.uniform(-20, 20, t), rng.uniform(-10, 10, t)
    )
    eyes = rng.normal(0, 0.05, (t, 2, 3)) + np.array([0, 0, 1.6])
    target = rng.normal(0, 1.0, (t, 3)) + np.array([0, -2.0, 1.6])
    angles = curves.look_at_angles(eyes, target, head)
    direction_in_head = curves.gaze_direction(angles)
    world = pose.rotate(np.broadcast_to(head[:, None], (t, 2, 4)), direction_in_head)
    wanted = target[:, None] - eyes
    wanted /= np.linalg.norm(wanted, axis=-1, keepdims=True)
    np.testing.assert_allclose(world, wanted, atol=1e-12)


# --------------------------------------------------------------------------- in Blender


@pytest.mark.blender
def test_blender_evaluates_reduced_keys_like_evaluate_bezier(empty_scene) -> None:
    bpy = pytest.importorskip("bpy")
    rng = np.random.default_rng(11)
    y = _mouth_like(rng, 400)
    x = np.arange(400.0) + 1
    keys = curves.reduce_keys(x, y, 0.005, value_range=(0.0, 1.0))
    kt, kv, hl, hr = keys
    action = bpy.data.actions.new("curves-test")
    layer = action.layers.new("L")
    strip = layer.strips.new(type="KEYFRAME")
    slot = action.slots.new(id_type="OBJECT", name="probe")
    bag = strip.channelbag(slot, ensure=True)
    fc = bag.fcurves.new("location", index=0)
    pts = fc.keyframe_points
    pts.add(len(kt))
    pts.foreach_set("co", np.stack([kt, kv], 1).astype(np.float32).ravel())
    free = bpy.types.Keyframe.bl_rna.properties["handle_left_type"].enum_items["FREE"].value
    bez = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["BEZIER"].value
    pts.foreach_set("interpolation", np.full(len(kt), bez, dtype=np.int32))
    pts.foreach_set("handle_left_type", np.full(len(kt), free, dtype=np.int32))
    pts.foreach_set("handle_right_type", np.full(len(kt), free, dtype=np.int32))
    pts.foreach_set("handle_left", hl.astype(np.float32).ravel())
    pts.foreach_set("handle_right", hr.astype(np.float32).ravel())
    fc.update()
    at = np.linspace(x[0] - 3, x[-1] + 3, 1700)
    blender = np.array([fc.evaluate(float(t)) for t in at])
    ours = curves.evaluate_bezier(kt, kv, hl, hr, at)
    assert np.abs(blender - ours).max() < 2e-5  # Blender stores float32
    on_frames = np.array([fc.evaluate(float(t)) for t in x])
    assert np.abs(on_frames - y).max() <= 0.005 + 2e-5


@pytest.mark.blender
def test_bone_axes_convention_holds_in_blender(empty_scene) -> None:
    """A bone pointing up (+Z) with roll 0 in a rig facing -Y: up '+Y', left '+X', forward '+Z'."""
    bpy = pytest.importorskip("bpy")
    arm_data = bpy.data.armatures.new("rig")
    arm = bpy.data.objects.new("rig", arm_data)
    empty_scene.collection.objects.link(arm)
    bpy.context.view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    eb = arm_data.edit_bones.new("head")
    eb.head, eb.tail, eb.roll = (0, 0, 1.5), (0, 0, 1.7), 0.0
    bpy.ops.object.mode_set(mode="OBJECT")
    pb = arm.pose.bones["head"]
    pb.rotation_mode = "QUATERNION"
    for ypr, check in (
        ((30.0, 0.0, 0.0), lambda f, u: f @ LEFT > 0.49),  # face turns to its own left (+X)
        ((0.0, 20.0, 0.0), lambda f, u: f @ UP > 0.33),  # face tips up
        ((0.0, 0.0, 15.0), lambda f, u: u @ LEFT > 0.25),  # top of the head to the left shoulder
    ):
        pb.rotation_quaternion = curves.euler_to_quaternion(*ypr, "+Y", "+X", "+Z")[0]
        bpy.context.view_layer.update()
        m = np.array(arm.matrix_world @ pb.matrix)[:3, :3]
        face, top = m @ np.array([0, 0, 1.0]), m @ np.array([0, 1.0, 0])  # local +Z, local +Y in world
        assert check(face, top), (ypr, face, top)
