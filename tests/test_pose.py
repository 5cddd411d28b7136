from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duet.model import pose

FORWARD, LEFT, UP = np.array([0.0, -1, 0]), np.array([1.0, 0, 0]), np.array([0.0, 0, 1])


def test_yaw_turns_toward_own_left_and_pitch_up() -> None:
    q = pose.character_rotation(np.array([[30.0, 0, 0], [0, 20.0, 0]]), FORWARD, LEFT, UP)
    looked = pose.rotate(q, np.broadcast_to(FORWARD, (2, 3)))
    assert looked[0] @ LEFT > 0.49 and looked[0] @ UP == pytest.approx(0, abs=1e-9)
    assert looked[1] @ UP == pytest.approx(np.sin(np.radians(20)))


def test_roll_tilts_toward_left_shoulder() -> None:
    q = pose.character_rotation(np.array([[0.0, 0, 15]]), FORWARD, LEFT, UP)
    top = pose.rotate(q, UP[None])
    assert top[0] @ LEFT == pytest.approx(np.sin(np.radians(15)))


def test_direction_angles_inverts_character_rotation() -> None:
    rng = np.random.default_rng(0)
    angles = np.column_stack([rng.uniform(-80, 80, 50), rng.uniform(-60, 60, 50), np.zeros(50)])
    d = pose.rotate(pose.character_rotation(angles, FORWARD, LEFT, UP), np.broadcast_to(FORWARD, (50, 3)))
    np.testing.assert_allclose(pose.direction_angles(d, FORWARD, LEFT, UP), angles[:, :2], atol=1e-9)


def test_fraction_composes_to_whole() -> None:
    q = pose.character_rotation(np.array([[40.0, -10, 5]]), FORWARD, LEFT, UP)
    half = pose.fraction(q, 0.4)
    rest = pose.fraction(q, 0.6)
    np.testing.assert_allclose(np.abs(pose.multiply(half, rest)), np.abs(q), atol=1e-12)


def test_bone_basis_maps_world_rotation_into_bone_axes() -> None:
    # A bone whose rest frame is rotated 90 degrees about world X (a head bone pointing up).
    rest = pose.axis_angle(np.array([1.0, 0, 0]), np.array([np.pi / 2]))[0]
    world = pose.character_rotation(np.array([[25.0, 10, 0]]), FORWARD, LEFT, UP)
    basis = pose.to_bone_basis(world, rest)
    np.testing.assert_allclose(pose.multiply(rest, basis), pose.multiply(world, rest), atol=1e-12)


def test_continuity_removes_sign_flips() -> None:
    q = pose.character_rotation(
        np.column_stack([np.linspace(0, 90, 10), np.zeros(10), np.zeros(10)]), FORWARD, LEFT, UP
    )
    q[4:] *= -1
    fixed = pose.continuous(q)
    assert np.all(np.einsum("ij,ij->i", fixed[1:], fixed[:-1]) > 0)


def test_from_matrix_round_trip() -> None:
    q = pose.character_rotation(np.array([[170.0, 20, -30]]), FORWARD, LEFT, UP)[0]
    basis = np.eye(3)
    m = np.stack([pose.rotate(q[None], basis[i][None])[0] for i in range(3)], axis=1)
    got = pose.from_matrix(m)
    assert abs(abs(got @ q) - 1) < 1e-12


def test_gaze_composition_matches_the_bake_math() -> None:
    """eye_in_head and world_gaze invert each other (the teacher and the staging solve rely on it)."""
    rng = np.random.default_rng(0)
    head = np.column_stack([rng.uniform(-40, 40, 200), rng.uniform(-20, 20, 200), rng.uniform(-15, 15, 200)])
    target = np.column_stack([rng.uniform(-60, 60, 200), rng.uniform(-20, 20, 200)])
    eye = pose.eye_in_head(head, target)
    np.testing.assert_allclose(pose.world_gaze(head, eye), target, atol=1e-9)
    # Without pitch and roll the composition is a plain difference of yaws.
    flat = head * [1, 0, 0]
    np.testing.assert_allclose(
        pose.eye_in_head(flat, target * [1, 0]), (target - flat[:, :2]) * [1, 0], atol=1e-9
    )
    # With roll it is not: a rolled head needs a pitched eye to look sideways level.
    rolled = np.array([[0.0, 0.0, 10.0]])
    assert abs(pose.eye_in_head(rolled, np.array([[30.0, 0.0]]))[0, 1]) > 2.0
    # And back: the world gaze of any eye-in-head gaze leads to the same eye angles.
    eye = rng.uniform(-30, 30, (200, 2))
    np.testing.assert_allclose(pose.eye_in_head(head, pose.world_gaze(head, eye)), eye, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-170, 170),
            st.floats(-60, 60),
            st.floats(-45, 45),
            st.floats(-80, 80),
            st.floats(-80, 80),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_world_gaze_round_trip(rows) -> None:
    """Any head pose and eye-in-head gaze (pitch under 90 deg in total) survive world_gaze -> eye_in_head."""
    a = np.array(rows)
    head, eye = a[:, :3], a[:, 3:]
    back = pose.eye_in_head(head, pose.world_gaze(head, eye))
    diff = (back - eye + 180.0) % 360.0 - 180.0
    np.testing.assert_allclose(diff, 0.0, atol=1e-6)


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
    bone_axes = (np.array([0.0, 0, 1]), np.array([1.0, 0, 0]), np.array([0.0, 1, 0]))  # forward, left, up
    for ypr, check in (
        ((30.0, 0.0, 0.0), lambda f, u: f @ LEFT > 0.49),  # face turns to its own left (+X)
        ((0.0, 20.0, 0.0), lambda f, u: f @ UP > 0.33),  # face tips up
        ((0.0, 0.0, 15.0), lambda f, u: u @ LEFT > 0.25),  # top of the head to the left shoulder
    ):
        pb.rotation_quaternion = pose.character_rotation(np.array([ypr]), *bone_axes)[0]
        bpy.context.view_layer.update()
        m = np.array(arm.matrix_world @ pb.matrix)[:3, :3]
        face, top = m @ np.array([0, 0, 1.0]), m @ np.array([0, 1.0, 0])  # local +Z, local +Y in world
        assert check(face, top), (ypr, face, top)
