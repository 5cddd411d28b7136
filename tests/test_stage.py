"""The dialogue stage in real Blender: two rigged heads, camera, lights, previews."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest

from duet.model.spec import ARKIT_NAMES
from duet.procedural_head import PRESETS, build_head
from duet.procedural_head.shapes import KEY_REGIONS

pytestmark = pytest.mark.blender


@pytest.fixture
def pair(empty_scene):
    from duet.addon import stage

    return stage.build_dialogue_pair(empty_scene)


def _key_coords(block) -> np.ndarray:
    co = np.empty(len(block.data) * 3, dtype=np.float32)
    block.data.foreach_get("co", co)
    return co.reshape(-1, 3).astype(np.float64)


def _eye_midpoint(rig) -> np.ndarray:
    eyes = [rig.matrix_world @ rig.data.bones[b].head_local for b in ("eye.L", "eye.R")]
    return np.array((eyes[0] + eyes[1]) / 2)


def test_pair_objects_named_tagged_and_collected(pair, empty_scene) -> None:
    from duet.addon import stage

    assert pair.collection.name.startswith("Duet Pair")
    for role, head in pair.characters.items():
        assert head.rig.name == f"Duet {role} ({PRESETS[role].name})"
        for obj in (head.rig, head.mesh, *head.eyes):
            assert obj[stage.ROLE_PROP] == role
            assert obj.name.startswith(f"Duet {role}")
            assert obj.name in pair.collection.objects
        assert head.rig.type == "ARMATURE"
        assert {b.name for b in head.rig.data.bones} == {"neck", "head", "eye.L", "eye.R"}
    assert stage.find_pairs(empty_scene) == [{r: h.rig for r, h in pair.characters.items()}]
    a_skin = pair.characters["A"].mesh.data.materials[0].diffuse_color[:]
    b_skin = pair.characters["B"].mesh.data.materials[0].diffuse_color[:]
    assert np.linalg.norm(np.subtract(a_skin, b_skin)) > 0.1


def test_52_exact_arkit_keys_per_head(pair) -> None:
    for head in pair.characters.values():
        key = head.mesh.data.shape_keys
        names = [b.name for b in key.key_blocks]
        assert names[0] == "Basis"
        assert names[1:] == list(ARKIT_NAMES)
        assert key.use_relative


def test_real_shape_keys_move_only_their_regions(pair) -> None:
    for role, head in pair.characters.items():
        geometry = build_head(PRESETS[role])
        blocks = head.mesh.data.shape_keys.key_blocks
        basis = _key_coords(blocks["Basis"])
        scale = PRESETS[role].scale
        for name in ARKIT_NAMES:
            moved = np.linalg.norm(_key_coords(blocks[name]) - basis, axis=1) / scale
            inside = geometry.region_mask(KEY_REGIONS[name])
            assert moved[~inside].max() < 1e-6, f"{role} {name} moves vertices outside its regions"
            assert moved.max() > 0.002, f"{role} {name} barely moves"


def test_eye_bones_sit_at_the_eyeball_centres(pair) -> None:
    import bpy

    bpy.context.view_layer.update()
    for role, head in pair.characters.items():
        radius = PRESETS[role].eye_radius * PRESETS[role].scale
        for bone_name, eye in zip(("eye.L", "eye.R"), head.eyes, strict=True):
            bone_head = np.array(head.rig.matrix_world @ head.rig.pose.bones[bone_name].head)
            assert np.linalg.norm(np.array(eye.matrix_world.translation) - bone_head) < 0.001, bone_name
            # The eyeball mesh is a ball of the eye's radius around that point, in world space.
            co = np.empty(len(eye.data.vertices) * 3)
            eye.data.vertices.foreach_get("co", co)
            mw = np.array(eye.matrix_world)
            world = co.reshape(-1, 3) @ mw[:3, :3].T + mw[:3, 3]
            assert np.median(np.linalg.norm(world - bone_head, axis=1)) == pytest.approx(radius, abs=0.0005)


def test_eyeballs_follow_their_bones(pair) -> None:
    import bpy
    from mathutils import Quaternion, Vector

    head = pair.characters["A"]
    eye = head.eyes[0]
    pose_bone = head.rig.pose.bones["eye.L"]
    bpy.context.view_layer.update()
    centre_before = eye.matrix_world.translation.copy()
    gaze_before = (eye.matrix_world.to_3x3() @ Vector((0.0, -1.0, 0.0))).normalized()
    pose_bone.rotation_mode = "QUATERNION"
    pose_bone.rotation_quaternion = Quaternion((0.0, 0.0, 1.0), math.radians(25.0))  # about the bone's Z
    bpy.context.view_layer.update()
    depsgraph = bpy.context.evaluated_depsgraph_get()
    evaluated = eye.evaluated_get(depsgraph)
    centre_after = evaluated.matrix_world.translation
    gaze_after = (evaluated.matrix_world.to_3x3() @ Vector((0.0, -1.0, 0.0))).normalized()
    assert (centre_after - centre_before).length < 1e-5  # turns in place
    assert math.degrees(gaze_before.angle(gaze_after)) == pytest.approx(25.0, abs=0.5)
    # The bone's own axis agrees with where the eyeball now looks.
    bone_axis = (head.rig.matrix_world.to_3x3() @ pose_bone.matrix.to_3x3() @ Vector((0, 1, 0))).normalized()
    assert math.degrees(bone_axis.angle(gaze_after)) < 0.5


def test_head_mesh_is_skinned_to_the_head_bone(pair) -> None:
    import bpy
    from mathutils import Quaternion

    head = pair.characters["B"]
    mod = next(m for m in head.mesh.modifiers if m.type == "ARMATURE")
    assert mod.object == head.rig
    assert {g.name for g in head.mesh.vertex_groups} == {"head", "neck"}

    def evaluated_coords() -> np.ndarray:
        depsgraph = bpy.context.evaluated_depsgraph_get()
        mesh = head.mesh.evaluated_get(depsgraph).to_mesh()
        co = np.empty(len(mesh.vertices) * 3)
        mesh.vertices.foreach_get("co", co)
        head.mesh.evaluated_get(depsgraph).to_mesh_clear()
        return co.reshape(-1, 3)

    rest = evaluated_coords()
    pb = head.rig.pose.bones["head"]
    pb.rotation_mode = "QUATERNION"
    pb.rotation_quaternion = Quaternion((1.0, 0.0, 0.0), math.radians(20.0))
    bpy.context.view_layer.update()
    posed = evaluated_coords()
    moved = np.linalg.norm(posed - rest, axis=1)
    geometry = build_head(PRESETS["B"])
    nose = geometry.region_mask(["nose"])
    assert moved[nose].min() > 0.01  # the face turns with the head bone
    lowest = rest[:, 2] < rest[:, 2].min() + 0.005
    assert moved[lowest].max() < 1e-4  # the neck's cut stays put


def test_heads_face_each_other_at_conversation_distance(pair) -> None:
    from mathutils import Vector

    eyes_a, eyes_b = _eye_midpoint(pair.characters["A"].rig), _eye_midpoint(pair.characters["B"].rig)
    assert 1.0 <= np.linalg.norm(eyes_a - eyes_b) <= 1.5
    assert abs(eyes_a[2] - eyes_b[2]) < 0.001  # eyes at the same height
    for me, other in (("A", eyes_b), ("B", eyes_a)):
        rig = pair.characters[me].rig
        forward = rig.matrix_world.to_3x3() @ Vector((0.0, -1.0, 0.0))
        to_other = Vector(other) - Vector(_eye_midpoint(rig))
        assert math.degrees(forward.angle(to_other)) < 1.0, f"{me} does not face its partner at rest"
        for bone in ("eye.L", "eye.R"):  # the eyes look ahead too
            b = rig.data.bones[bone]
            gaze = rig.matrix_world.to_3x3() @ (b.tail_local - b.head_local)
            assert math.degrees(gaze.angle(to_other)) < 3.0


def test_camera_sees_both_heads(pair, empty_scene) -> None:
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    scene = empty_scene
    assert scene.camera == pair.camera
    for head in pair.characters.values():
        mw = head.mesh.matrix_world
        verts = head.mesh.data.vertices
        points = [mw @ verts[i].co for i in range(0, len(verts), 7)]  # every 7th vertex of the head
        for point in [*points, Vector(_eye_midpoint(head.rig))]:
            ndc = world_to_camera_view(scene, pair.camera, point)
            assert 0.0 < ndc.x < 1.0 and 0.0 < ndc.y < 1.0 and ndc.z > 0, f"{head.name} leaves the frame"
    assert {light.data.type for light in pair.lights} == {"AREA"}
    assert len(pair.lights) == 3


def test_bad_distance_is_refused_with_a_clear_message(empty_scene) -> None:
    from duet.addon import stage

    with pytest.raises(ValueError, match="conversational distance"):
        stage.build_dialogue_pair(empty_scene, distance=12.0)


def test_operator_adds_a_pair_and_the_menu_entry_draws(empty_scene) -> None:
    import bpy

    from duet.operators.add_pair import DUET_OT_add_dialogue_pair

    bpy.utils.register_class(DUET_OT_add_dialogue_pair)
    try:
        assert bpy.ops.duet.add_dialogue_pair(distance=1.4) == {"FINISHED"}
        rigs = [o for o in empty_scene.objects if o.get("duet_part") == "rig"]
        assert sorted(o["duet_role"] for o in rigs) == ["A", "B"]
        eyes = [_eye_midpoint(r) for r in rigs]
        assert np.linalg.norm(eyes[0] - eyes[1]) == pytest.approx(1.4, abs=1e-4)
    finally:
        bpy.utils.unregister_class(DUET_OT_add_dialogue_pair)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.slow
def test_preview_command_writes_the_stage_and_the_sheet(tmp_path: Path) -> None:
    from duet.addon.headless import preview
    from duet.cli import main

    assert main(["preview", "--out", str(tmp_path), "--cell", "64", "--width", "160"]) == 0
    stage_png, sheet_png = tmp_path / "preview_stage.png", tmp_path / "preview_sheet.png"
    assert _png_size(stage_png) == (160, 90)
    width, height = _png_size(sheet_png)
    assert width > len(preview.SHEET_SHAPES) * 64 and height > 2 * 64
    pixels = preview._read_png(sheet_png)
    assert pixels.std() > 0.05  # not a blank image


def test_pair_builds_in_a_scene_other_than_the_current_one(empty_scene) -> None:
    import bpy

    from duet.addon import stage

    other = bpy.data.scenes.new("Other stage")
    pair = stage.build_dialogue_pair(other)
    assert stage.find_pairs(other) and not stage.find_pairs(empty_scene)
    eye = pair.characters["B"].eyes[0]
    bone_head = (
        pair.characters["B"].rig.matrix_world @ pair.characters["B"].rig.data.bones["eye.L"].head_local
    )
    assert (eye.matrix_world.translation - bone_head).length < 0.001


@pytest.mark.slow
def test_stage_render_puts_the_scene_settings_back(pair, empty_scene, tmp_path: Path) -> None:
    from duet.addon.headless import preview

    empty_scene.render.engine = "CYCLES"
    empty_scene.render.resolution_x = 123
    empty_scene.render.filepath = "//keep/me"
    path = preview.render_stage(empty_scene, tmp_path / "stage.png", 96, 54)
    assert _png_size(path) == (96, 54)
    assert empty_scene.render.engine == "CYCLES"
    assert empty_scene.render.resolution_x == 123
    assert empty_scene.render.filepath == "//keep/me"


@pytest.mark.slow
def test_demo_saves_a_blend_that_preview_can_render_again(tmp_path: Path) -> None:
    import bpy

    from duet.addon import stage
    from duet.cli import main
    from duet.model import weights

    tiny = Path(__file__).parent / "data" / "model" / "tiny_weights.npz"
    model = weights.DEFAULT_WEIGHTS if weights.DEFAULT_WEIGHTS.is_file() else tiny
    small = ["--cell", "48", "--width", "128"]
    demo = [
        "demo",
        "--out",
        str(tmp_path),
        *small,
        "--weights",
        str(model),
        "--frames",
        "2",
        "--video-seconds",
        "1",
    ]
    assert main(demo) == 0
    blend = tmp_path / "duet_demo.blend"
    assert blend.is_file() and (tmp_path / "preview_sheet.png").is_file()
    assert (tmp_path / "take_sheet.png").is_file()
    assert (tmp_path / "take_preview.mp4").is_file() or not bpy.app.build_options.codec_ffmpeg
    again = tmp_path / "again"
    assert main(["preview", "--out", str(again), "--blend", str(blend), *small]) == 0
    assert _png_size(again / "preview_stage.png") == (128, 72)
    scene = bpy.context.scene
    pairs = stage.find_pairs(scene)
    assert len(pairs) == 1 and set(pairs[0]) == {"A", "B"}
    # The example dialogue, generated twice: seed 0 muted under seed 1, on both characters.
    for rig in pairs[0].values():
        tracks = [(t.name, t.mute) for t in rig.animation_data.nla_tracks]
        assert tracks == [("Duet Take 1: seed 0", True), ("Duet Take 2: seed 1", False)]
    sounds = [x for x in scene.sequence_editor.strips if x.type == "SOUND"]
    assert len(sounds) == 1 and sounds[0].sound.packed_file is not None
    markers = [m.name for m in scene.timeline_markers]
    assert "Duet 2: A faces the camera" in markers and "Duet 2: both look at each other" in markers
    # The example's script came with Load Example Dialogue: a marker per placed line.
    assert any(m.startswith("Duet 2: Mara: Theo! There you are") for m in markers), markers
    assert scene.frame_end >= 24 * 26


def test_preview_explains_a_missing_blend(tmp_path: Path, capsys) -> None:
    from duet.cli import main

    assert main(["preview", "--out", str(tmp_path), "--blend", str(tmp_path / "nope.blend")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Duet pair" in err
