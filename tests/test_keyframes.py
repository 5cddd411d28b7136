"""duet.model.keyframes: monotone slopes, Bezier key reduction and evaluation (as Blender does)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duet.model import keyframes


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


# --------------------------------------------------------------------------- slopes


def test_monotone_slopes_are_flat_at_extrema_and_exact_on_lines() -> None:
    x = np.arange(6.0)
    y = np.array([0.0, 0.5, 1.0, 0.4, 0.4, 0.9])
    m = keyframes.monotone_slopes(x, y)
    assert m[2] == 0.0  # peak
    assert m[3] == 0.0 and m[4] == 0.0  # flat chord beside them
    line = 0.3 * x + 0.1
    np.testing.assert_allclose(keyframes.monotone_slopes(x, line), np.full(6, 0.3), atol=1e-15)


def test_monotone_slopes_match_scipy_pchip() -> None:
    interpolate = pytest.importorskip("scipy.interpolate")
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.uniform(0.5, 2.0, 40))
    y = rng.uniform(0, 1, (40, 3))
    ours = keyframes.monotone_slopes(x, y)
    theirs = interpolate.PchipInterpolator(x, y, axis=0).derivative()(x)
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


# --------------------------------------------------------------------------- Bezier keys


def test_evaluate_bezier_agrees_with_the_linear_parameter_formula() -> None:
    rng = np.random.default_rng(2)
    y = _mouth_like(rng, 300)
    x = np.arange(300.0) + 7
    kt, kv, hl, hr = keyframes.reduce_keys(x, y, 0.01)
    at = np.linspace(x[0], x[-1], 2000)
    np.testing.assert_allclose(
        keyframes.evaluate_bezier(kt, kv, hl, hr, at), _hermite_reference(kt, kv, hl, hr, at), atol=1e-12
    )


def test_evaluate_bezier_solves_time_for_free_handles_and_shortens_crossing_ones() -> None:
    kt, kv = np.array([0.0, 10.0]), np.array([0.0, 1.0])
    # Uneven handles: x(u) is a real cubic; check y at the u that gives each time.
    hl = np.array([[-1.0, 0.0], [9.0, 1.0]])
    hr = np.array([[6.0, 0.0], [11.0, 1.0]])
    u = np.linspace(0, 1, 101)
    bx = 3 * (1 - u) ** 2 * u * 6 + 3 * (1 - u) * u**2 * 9 + u**3 * 10
    by = 3 * (1 - u) * u**2 * 1 + u**3 * 1
    np.testing.assert_allclose(keyframes.evaluate_bezier(kt, kv, hl, hr, bx), by, atol=1e-9)
    # Handles reaching past each other are scaled back to fit the segment (9 + 9 > 10).
    hr_long = np.array([[9.0, 0.0], [11.0, 1.0]])
    hl_long = np.array([[-1.0, 0.0], [1.0, 1.0]])
    fac = 10.0 / 18.0
    p1, p2 = np.array([9.0 * fac, 0.0]), np.array([10.0 - 9.0 * fac, 1.0])
    bx = 3 * (1 - u) ** 2 * u * p1[0] + 3 * (1 - u) * u**2 * p2[0] + u**3 * 10
    np.testing.assert_allclose(keyframes.evaluate_bezier(kt, kv, hl_long, hr_long, bx), by, atol=1e-9)
    # Constant outside the keys.
    np.testing.assert_array_equal(keyframes.evaluate_bezier(kt, kv, hl, hr, [-5.0, 20.0]), [0.0, 1.0])


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
    kt, kv, hl, hr = keyframes.reduce_keys(x, y, tolerance, value_range=rng_arg)
    at_samples = keyframes.evaluate_bezier(kt, kv, hl, hr, x)
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
        between = keyframes.evaluate_bezier(kt, kv, hl, hr, fine)
        assert between.min() >= -1e-12 and between.max() <= 1 + 1e-12


def test_reduction_keeps_few_keys_on_smooth_curves_and_two_on_flat_ones() -> None:
    x = np.arange(1800.0)
    smooth = 0.5 + 0.4 * np.sin(x / 40.0)
    kt, *_ = keyframes.reduce_keys(x, smooth, 0.002)
    assert len(kt) < 0.05 * len(x)
    kt, kv, hl, hr = keyframes.reduce_keys(x, np.full(1800, 0.25), 0.001)
    assert len(kt) == 2 and np.all(hl[:, 1] == 0.25) and np.all(hr[:, 1] == 0.25)
    # A 2-frame blink must survive a coarse tolerance.
    blink = np.zeros(1800)
    blink[900:902] = 1.0
    kt, kv, hl, hr = keyframes.reduce_keys(x, blink, 0.05)
    assert np.abs(keyframes.evaluate_bezier(kt, kv, hl, hr, x) - blink).max() <= 0.05


def test_reduce_keys_many_equals_one_at_a_time_and_takes_a_tolerance_per_curve() -> None:
    rng = np.random.default_rng(7)
    y = np.stack([_mouth_like(rng, 500) for _ in range(6)], axis=1)
    x = np.arange(500.0)
    tol = np.array([0.001, 0.003, 0.01, 0.02, 0.05, 0.1])
    many = keyframes.reduce_keys_many(x, y, tol)
    for j in range(6):
        single = keyframes.reduce_keys(x, y[:, j], tol[j])
        for a, b in zip(many[j], single, strict=True):
            np.testing.assert_array_equal(a, b)
    counts = [len(k[0]) for k in many]
    assert counts == sorted(counts, reverse=True)  # looser tolerance, fewer keys


def test_reduction_fallback_keys_densely_and_stays_within_tolerance(monkeypatch) -> None:
    monkeypatch.setattr(keyframes, "_MAX_REFINE_ROUNDS", 2)
    rng = np.random.default_rng(4)
    y = rng.uniform(0, 1, 300)  # white noise: many rounds needed
    x = np.arange(300.0)
    kt, kv, hl, hr = keyframes.reduce_keys(x, y, 0.01)
    assert np.abs(keyframes.evaluate_bezier(kt, kv, hl, hr, x) - y).max() <= 0.01


def test_dense_keys_pass_every_sample_without_overshoot() -> None:
    rng = np.random.default_rng(5)
    y = _mouth_like(rng, 200)
    y[50:60] = 1.0
    x = np.arange(200.0)
    kt, kv, hl, hr = keyframes.dense_keys(x, y)
    assert len(kt) == 200
    np.testing.assert_array_equal(keyframes.evaluate_bezier(kt, kv, hl, hr, x), y)
    fine = np.linspace(0, 199, 3981)
    between = keyframes.evaluate_bezier(kt, kv, hl, hr, fine)
    i = np.minimum(np.floor(fine).astype(int), 198)
    assert np.all(between <= np.maximum(y[i], y[i + 1]) + 1e-12)
    assert np.all(between >= np.minimum(y[i], y[i + 1]) - 1e-12)


def test_single_sample_and_bad_key_input() -> None:
    kt, kv, hl, hr = keyframes.reduce_keys([3.0], [0.5], 0.01)
    assert list(kt) == [3.0] and list(kv) == [0.5] and hl.shape == hr.shape == (1, 2)
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0"):
        keyframes.reduce_keys(np.arange(3.0), np.zeros(3), -1)
    with pytest.raises(ValueError, match="increase strictly"):
        keyframes.reduce_keys([0.0, 2.0, 1.0], np.zeros(3), 0.01)
    with pytest.raises(ValueError, match="one time per sample"):
        keyframes.reduce_keys(np.arange(4.0), np.zeros(3), 0.01)
    with pytest.raises(ValueError, match="NaN or infinite"):
        keyframes.dense_keys(np.arange(2.0), [0.0, np.inf])
    with pytest.raises(ValueError, match="low < high"):
        keyframes.reduce_keys(np.arange(3.0), np.zeros(3), 0.01, value_range=(1.0, 0.0))


# --------------------------------------------------------------------------- in Blender


@pytest.mark.blender
def test_blender_evaluates_reduced_keys_like_evaluate_bezier(empty_scene) -> None:
    bpy = pytest.importorskip("bpy")
    rng = np.random.default_rng(11)
    y = _mouth_like(rng, 400)
    x = np.arange(400.0) + 1
    keys = keyframes.reduce_keys(x, y, 0.005, value_range=(0.0, 1.0))
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
    ours = keyframes.evaluate_bezier(kt, kv, hl, hr, at)
    assert np.abs(blender - ours).max() < 2e-5  # Blender stores float32
    on_frames = np.array([fc.evaluate(float(t)) for t in x])
    assert np.abs(on_frames - y).max() <= 0.005 + 2e-5
