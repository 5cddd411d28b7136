"""Takes land in new actions on new NLA tracks and touch nothing else."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.blender


@pytest.fixture
def rig(empty_scene, bpy_module):
    bpy = bpy_module
    mesh = bpy.data.meshes.new("face")
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    face = bpy.data.objects.new("face", mesh)
    empty_scene.collection.objects.link(face)
    face.shape_key_add(name="Basis")
    face.shape_key_add(name="jawOpen")
    face.shape_key_add(name="eyeBlinkLeft")
    arm_data = bpy.data.armatures.new("rig")
    arm = bpy.data.objects.new("rig", arm_data)
    empty_scene.collection.objects.link(arm)
    bpy.context.view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    bone = arm_data.edit_bones.new("head")
    bone.head, bone.tail = (0, 0, 0), (0, 0, 0.2)
    bpy.ops.object.mode_set(mode="OBJECT")
    return face, arm


def _curves(frames: np.ndarray, values: np.ndarray, path: str, index: int = 0, group: str = ""):
    from duet.addon.takes import CurveKeys

    return CurveKeys(path, index, np.stack([frames, values], axis=1), group=group)


def test_take_writes_both_ids_into_one_action(rig, bpy_module) -> None:
    from duet.addon.takes import IdCurves, next_take_name, write_take

    bpy = bpy_module
    face, arm = rig
    key = face.data.shape_keys
    frames = np.arange(1, 31, dtype=np.float32)
    jaw = (0.5 + 0.5 * np.sin(frames / 4)).astype(np.float32)
    quat_w = np.cos(frames / 40).astype(np.float32)
    name = next_take_name([key, arm])
    assert name == "Duet Take 1"
    take = write_take(
        "A",
        name,
        [
            IdCurves(key, "KEY", [_curves(frames, jaw, 'key_blocks["jawOpen"].value', group="Mouth")]),
            IdCurves(arm, "OBJECT", [_curves(frames, quat_w, 'pose.bones["head"].rotation_quaternion')]),
        ],
    )
    assert len(take.action.slots) == 2
    assert [s.action_slot.target_id_type for s in take.strips] == ["KEY", "OBJECT"]
    scene = bpy.context.scene
    for f in (1, 7, 30):
        scene.frame_set(f)
        assert key.key_blocks["jawOpen"].value == pytest.approx(jaw[f - 1], abs=1e-5)
        assert arm.pose.bones["head"].rotation_quaternion[0] == pytest.approx(quat_w[f - 1], abs=1e-5)


def test_existing_animation_is_preserved_and_takes_stack(rig, bpy_module) -> None:
    from duet.addon.takes import IdCurves, next_take_name, write_take

    bpy = bpy_module
    face, _arm = rig
    key = face.data.shape_keys
    # The animator's own keys on the blink, in an active action.
    key.key_blocks["eyeBlinkLeft"].value = 0.25
    key.key_blocks["eyeBlinkLeft"].keyframe_insert("value", frame=5)
    own_action = key.animation_data.action
    own_keys = [tuple(p.co) for fc in _all_fcurves(own_action) for p in fc.keyframe_points]

    frames = np.arange(1, 11, dtype=np.float32)
    first = write_take(
        "A",
        next_take_name([key]),
        [IdCurves(key, "KEY", [_curves(frames, frames / 10, 'key_blocks["jawOpen"].value')])],
    )
    second = write_take(
        "A",
        next_take_name([key]),
        [IdCurves(key, "KEY", [_curves(frames, 1 - frames / 10, 'key_blocks["jawOpen"].value')])],
    )
    assert (first.name, second.name) == ("Duet Take 1", "Duet Take 2")
    assert first.tracks[0].mute and not second.tracks[0].mute
    assert key.animation_data.action == own_action
    assert [tuple(p.co) for fc in _all_fcurves(own_action) for p in fc.keyframe_points] == own_keys
    bpy.context.scene.frame_set(4)
    assert key.key_blocks["jawOpen"].value == pytest.approx(0.6, abs=1e-5)
    assert key.key_blocks["eyeBlinkLeft"].value == pytest.approx(0.25, abs=1e-5)


def test_explicit_handles_are_kept(rig, bpy_module) -> None:
    from duet.addon.takes import CurveKeys, IdCurves, write_take

    face, _arm = rig
    key = face.data.shape_keys
    co = np.array([[1, 0.0], [11, 1.0]], dtype=np.float32)
    left = np.array([[-2.333, 0.0], [7.667, 1.0]], dtype=np.float32)
    right = np.array([[4.333, 0.0], [14.333, 1.0]], dtype=np.float32)
    take = write_take(
        "A",
        "Duet Take 1",
        [IdCurves(key, "KEY", [CurveKeys('key_blocks["jawOpen"].value', 0, co, left, right)])],
    )
    fc = next(iter(_all_fcurves(take.action)))
    assert fc.keyframe_points[1].handle_left_type == "FREE"
    assert tuple(fc.keyframe_points[1].handle_left) == pytest.approx((7.667, 1.0), abs=1e-4)


def _all_fcurves(action):
    for layer in action.layers:
        for strip in layer.strips:
            for bag in strip.channelbags:
                yield from bag.fcurves


def test_a_take_is_found_by_its_short_or_full_name(rig) -> None:
    """Labelled takes ("Duet Take 1: seed 0", as the demo and batch shots name them) are found
    by the short name too; a full name finds only its own track."""
    from duet.addon.takes import full_take_name, is_take_track, take_names, take_tracks, write_take

    face, _arm = rig
    key = face.data.shape_keys
    frames = np.arange(1, 6, dtype=np.float32)
    for name in ("Duet Take 1: seed 0", "Duet Take 2", "Duet Take 3: seed 0"):
        write_take("A", name, [_jaw_curves(key, frames)])
    assert take_names([key]) == ["Duet Take 1: seed 0", "Duet Take 2", "Duet Take 3: seed 0"]
    assert [t.name for t in take_tracks(key.animation_data, "Duet Take 1")] == ["Duet Take 1: seed 0"]
    assert [t.name for t in take_tracks(key.animation_data, "Duet Take 3: seed 0")] == ["Duet Take 3: seed 0"]
    assert full_take_name([key], "Duet Take 1") == "Duet Take 1: seed 0"
    assert full_take_name([key], "Duet Take 2") == "Duet Take 2"
    assert full_take_name([key], "Duet Take 1: seed 1") is None  # another label is another take
    assert full_take_name([key], "Duet Take 4") is None
    assert is_take_track("Duet Take 12: x", "Duet Take 12")
    assert not is_take_track("Duet Take 12", "Duet Take 1")
    assert is_take_track("My track", "My track") and not is_take_track("My track 2", "My track")


def _jaw_curves(key, frames):
    from duet.addon.takes import IdCurves

    return IdCurves(key, "KEY", [_curves(frames, frames / 10, 'key_blocks["jawOpen"].value')])
