"""Takes leave Blender as glTF: export the default pair and read the channels back from the file.

The file is parsed here with json and numpy alone (the .glb container too), so the
check does not lean on the exporter's own reader.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.blender

FPS = 30
FRAMES = np.arange(1, 25, dtype=np.float64)
DENSE_KEYS = {"jawOpen": 0.0, "eyeBlinkRight": 1.3}  # name -> phase; a key on every frame
SPARSE_KEY = "mouthSmileLeft"  # a few keys with auto-clamped handles: sampled in between
SPARSE_FRAMES = np.array([1.0, 8.0, 16.0, 24.0])
BONES = ("head", "eye.L", "eye.R")
ROLES = ("A", "B")
TAKES = ("Duet Take 1", "Duet Take 2")
GLB_MAGIC, CHUNK_JSON, CHUNK_BIN = 0x46546C67, 0x4E4F534A, 0x004E4942


# --- the values written ------------------------------------------------------------------------


def _dense_values(take: int, role: str, name: str) -> np.ndarray:
    r = ROLES.index(role)
    return 0.45 + 0.4 * np.sin(FRAMES / (3.0 + take) + DENSE_KEYS[name] + r)


def _sparse_values(take: int, role: str) -> np.ndarray:
    return np.array([0.1, 0.7 + 0.1 * take, 0.2, 0.5 + 0.1 * ROLES.index(role)])


def _bone_quaternions(take: int, role: str, bone: str) -> np.ndarray:
    """Pose-space rotations (w, x, y, z), different for every take, role and bone."""
    i, r = BONES.index(bone), ROLES.index(role)
    angle = 0.12 * np.sin(FRAMES / (4.0 + i) + take + 0.5 * r) + 0.05 * (i + 1)
    axis = np.array([1.0, 0.4 * (i - 1), 0.3 + 0.2 * r])
    axis /= np.linalg.norm(axis)
    return np.column_stack([np.cos(angle / 2), np.outer(np.sin(angle / 2), axis)])


def _write_takes(pair, labels: tuple[str | None, ...] = (None, None)) -> list[str]:
    """Two takes on both characters, as the bake writes them; returns their full names."""
    from duet.addon.takes import CurveKeys, IdCurves, next_take_name, write_take

    names = []
    for take, label in enumerate(labels):
        ids = [i for h in pair.characters.values() for i in (h.mesh.data.shape_keys, h.rig)]
        name = next_take_name(ids, label)
        assert name == TAKES[take] + (f": {label}" if label else "")
        names.append(name)
        for role, head in pair.characters.items():
            key = head.mesh.data.shape_keys
            columns = {n: np.column_stack([FRAMES, _dense_values(take, role, n)]) for n in DENSE_KEYS}
            curves = [CurveKeys(f'key_blocks["{n}"].value', 0, columns[n]) for n in DENSE_KEYS]
            sparse = np.column_stack([SPARSE_FRAMES, _sparse_values(take, role)])
            curves.append(CurveKeys(f'key_blocks["{SPARSE_KEY}"].value', 0, sparse))
            bone_curves = [
                CurveKeys(
                    f'pose.bones["{bone}"].rotation_quaternion',
                    c,
                    np.column_stack([FRAMES, _bone_quaternions(take, role, bone)[:, c]]),
                    group=bone,
                )
                for bone in BONES
                for c in range(4)
            ]
            write_take(role, name, [IdCurves(key, "KEY", curves), IdCurves(head.rig, "OBJECT", bone_curves)])
    return names


def _animator_keys(bpy, pair) -> None:
    """The animator's own active actions, made before any take: a blink and a neck turn on A."""
    head = pair.characters["A"]
    key = head.mesh.data.shape_keys
    for frame, value in ((3, 0.2), (12, 0.9)):
        key.key_blocks["eyeBlinkLeft"].value = value
        key.key_blocks["eyeBlinkLeft"].keyframe_insert("value", frame=frame)
    neck = head.rig.pose.bones["neck"]
    for frame, w in ((1, 1.0), (20, 0.98)):
        neck.rotation_quaternion = (w, (1 - w * w) ** 0.5, 0.0, 0.0)
        neck.keyframe_insert("rotation_quaternion", frame=frame)
    neck.rotation_quaternion = (1.0, 0.0, 0.0, 0.0)
    key.key_blocks["eyeBlinkLeft"].value = 0.0


@pytest.fixture(scope="module")
def duet_scene(bpy_module):
    """The default pair with the animator's keys and two takes; built once for this module.
    Every test here must leave it as it found it (that is most of what they check)."""
    bpy = bpy_module
    from duet.addon.stage import build_dialogue_pair

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = FPS
    scene.render.fps_base = 1.0
    pair = build_dialogue_pair(scene)
    _animator_keys(bpy, pair)
    _write_takes(pair)
    scene.frame_set(7)
    pair.camera.select_set(True)  # a selection of the user's own, to be kept
    return scene, pair


# --- reading glTF ourselves --------------------------------------------------------------------


def _read_gltf(path: Path) -> tuple[dict, bytes]:
    data = path.read_bytes()
    if path.suffix == ".glb":
        magic, version, length = struct.unpack_from("<III", data, 0)
        assert (magic, version, length) == (GLB_MAGIC, 2, len(data))
        json_length, json_type = struct.unpack_from("<II", data, 12)
        assert json_type == CHUNK_JSON
        document = json.loads(data[20 : 20 + json_length])
        bin_at = 20 + json_length
        bin_length, bin_type = struct.unpack_from("<II", data, bin_at)
        assert bin_type == CHUNK_BIN
        assert "uri" not in document["buffers"][0]
        return document, data[bin_at + 8 : bin_at + 8 + bin_length]
    document = json.loads(data)
    uri = document["buffers"][0]["uri"]
    assert not uri.startswith("data:"), "expected a .bin beside the .gltf"
    return document, (path.parent / uri).read_bytes()


def _accessor(document: dict, buffer: bytes, index: int) -> np.ndarray:
    acc = document["accessors"][index]
    assert acc["componentType"] == 5126  # float32
    width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[acc["type"]]
    view = document["bufferViews"][acc["bufferView"]]
    stride = view.get("byteStride", 4 * width)
    assert stride == 4 * width
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    values = np.frombuffer(buffer, dtype="<f4", count=acc["count"] * width, offset=start)
    return values.reshape(acc["count"], width).astype(np.float64)


def _channels(document: dict, buffer: bytes, animation: dict) -> dict[tuple[int, str], tuple]:
    """(node, path) -> (times, values) for every channel of an animation."""
    out = {}
    for channel in animation["channels"]:
        sampler = animation["samplers"][channel["sampler"]]
        times = _accessor(document, buffer, sampler["input"])[:, 0]
        values = _accessor(document, buffer, sampler["output"])
        key = (channel["target"]["node"], channel["target"]["path"])
        assert key not in out, f"two channels animate {key}"
        out[key] = (times, values, sampler.get("interpolation", "LINEAR"))
    return out


def _node_index(document: dict, name: str, under: int | None = None) -> int:
    """The node called `name`, searched below node `under` (bone names repeat across rigs)."""
    if under is None:
        candidates = [i for i, n in enumerate(document["nodes"]) if n.get("name") == name]
    else:
        candidates, stack = [], list(document["nodes"][under].get("children", []))
        while stack:
            i = stack.pop()
            if document["nodes"][i].get("name") == name:
                candidates.append(i)
            stack += document["nodes"][i].get("children", [])
    assert len(candidates) == 1, f"node '{name}': {candidates}"
    return candidates[0]


def _quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    aw, ax, ay, az = a
    bw, bx, by, bz = b.T
    return np.column_stack(
        [
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ]
    )


def _rest_local_quaternion(rig, bone: str) -> np.ndarray:
    """The bone's rest orientation relative to its parent bone (w, x, y, z)."""
    data = rig.data.bones[bone]
    local = data.parent.matrix_local.inverted() @ data.matrix_local
    return np.array(local.to_quaternion())


def _sparse_curve_values(pair, take: int, role: str, name: str) -> np.ndarray:
    """Blender's own evaluation of the sparse curve of the take's action at every frame."""
    from duet.addon.export.sampled_actions import channelbags as _channelbags

    key = pair.characters[role].mesh.data.shape_keys
    strip = next(t for t in key.animation_data.nla_tracks if t.name == name).strips[0]
    (fcurve,) = [
        fc
        for bag in _channelbags(strip.action, strip.action_slot)
        for fc in bag.fcurves
        if fc.data_path == f'key_blocks["{SPARSE_KEY}"].value'
    ]
    return np.array([fcurve.evaluate(f) for f in FRAMES])


def _check_take(document: dict, buffer: bytes, pair, take: int, take_name: str | None = None) -> None:
    """The animation named after the take (its track's full name) holds both heads' weights
    and the bone rotations, with the written times and values."""
    take_name = take_name or TAKES[take]
    (animation,) = [a for a in document["animations"] if a["name"] == take_name]
    channels = _channels(document, buffer, animation)
    for role, head in pair.characters.items():
        mesh_node = _node_index(document, head.mesh.name)
        times, values, interpolation = channels[(mesh_node, "weights")]
        assert interpolation == "LINEAR"
        np.testing.assert_allclose(times, FRAMES / FPS, atol=1e-6)
        mesh = document["meshes"][document["nodes"][mesh_node]["mesh"]]
        names = mesh["extras"]["targetNames"]
        assert len(names) == len(mesh["primitives"][0]["targets"]) == 52
        weights = values.reshape(len(times), len(names))
        for name in DENSE_KEYS:
            expected = _dense_values(take, role, name)
            np.testing.assert_allclose(weights[:, names.index(name)], expected, atol=1e-5)
        sparse = weights[:, names.index(SPARSE_KEY)]
        keyed = np.searchsorted(FRAMES, SPARSE_FRAMES)
        np.testing.assert_allclose(sparse[keyed], _sparse_values(take, role), atol=1e-5)
        np.testing.assert_allclose(sparse, _sparse_curve_values(pair, take, role, take_name), atol=1e-4)

        rig_node = _node_index(document, head.rig.name)
        for bone in BONES:
            times, values, _ = channels[(_node_index(document, bone, under=rig_node), "rotation")]
            np.testing.assert_allclose(times, FRAMES / FPS, atol=1e-6)
            expected = _quat_mul(_rest_local_quaternion(head.rig, bone), _bone_quaternions(take, role, bone))
            got = values[:, [3, 0, 1, 2]]  # glTF stores x, y, z, w
            sign = np.sign(np.sum(got * expected, axis=1, keepdims=True))  # q and -q are one rotation
            np.testing.assert_allclose(got * sign, expected, atol=2e-5)


# --- the scene's state, to show exports leave it alone -----------------------------------------


def _state(bpy, scene, pair) -> tuple:
    ids = []
    for head in pair.characters.values():
        ids += [head.rig, head.mesh, head.mesh.data.shape_keys, *head.eyes]
    anim = []
    for id_data in ids:
        ad = id_data.animation_data
        if ad is None:
            anim.append((id_data.name, None))
            continue
        tracks = tuple(
            (
                t.name,
                t.mute,
                t.is_solo,
                tuple((s.name, s.mute, s.action.name, s.frame_start, s.frame_end) for s in t.strips),
            )
            for t in ad.nla_tracks
        )
        slot = ad.action_slot.identifier if ad.action_slot else None
        anim.append(
            (
                id_data.name,
                ad.action.name if ad.action else None,
                slot,
                ad.use_nla,
                ad.action_blend_type,
                round(ad.action_influence, 6),
                tracks,
            )
        )
    selected = sorted(o.name for o in scene.objects if o.select_get())
    return tuple(anim), tuple(selected), tuple(sorted(a.name for a in bpy.data.actions)), scene.frame_current


def _keys(action) -> list:
    from duet.addon.export.sampled_actions import channelbags as _channelbags

    out = []
    for slot in action.slots:
        for bag in _channelbags(action, slot):
            for fc in bag.fcurves:
                out.append(
                    (
                        slot.identifier,
                        fc.data_path,
                        fc.array_index,
                        tuple(tuple(p.co) for p in fc.keyframe_points),
                        tuple(tuple(p.handle_left) for p in fc.keyframe_points),
                        tuple(tuple(p.handle_right) for p in fc.keyframe_points),
                    )
                )
    return sorted(out)


def _active(id_data) -> tuple:
    ad = id_data.animation_data
    return ad.action, ad.action_slot.identifier


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".gltf", ".glb"])
def test_every_take_exports_as_its_own_animation(duet_scene, bpy_module, tmp_path, suffix) -> None:
    from duet.addon.export import export_gltf

    scene, pair = duet_scene
    before = _state(bpy_module, scene, pair)
    report = export_gltf(scene, tmp_path / f"pair{suffix}")
    assert _state(bpy_module, scene, pair) == before
    document, buffer = _read_gltf(report.path)
    assert sorted(a["name"] for a in document["animations"]) == list(TAKES)
    assert set(report.animations) == set(TAKES)
    for take in range(len(TAKES)):
        _check_take(document, buffer, pair, take)
    expected_files = {f"pair{suffix}"} | ({"pair.bin"} if suffix == ".gltf" else set())
    assert {p.name for p in tmp_path.iterdir()} == expected_files  # no staging folder left behind


def test_one_take_exports_alone_and_flags_stay(duet_scene, bpy_module, tmp_path) -> None:
    from duet.addon.export import export_gltf

    scene, pair = duet_scene
    key_a = pair.characters["A"].mesh.data.shape_keys
    assert next(t for t in key_a.animation_data.nla_tracks if t.name == TAKES[0]).mute  # an older take
    before = _state(bpy_module, scene, pair)
    report = export_gltf(scene, tmp_path / "take1.glb", take=TAKES[0])
    assert _state(bpy_module, scene, pair) == before
    document, buffer = _read_gltf(report.path)
    assert [a["name"] for a in document["animations"]] == [TAKES[0]]
    _check_take(document, buffer, pair, 0)


def test_actions_mode_bakes_the_active_take_and_restores(duet_scene, bpy_module, tmp_path) -> None:
    from duet.addon.export import export_gltf

    bpy = bpy_module
    scene, pair = duet_scene
    own = pair.characters["A"].rig.animation_data.action
    own_keys = _keys(own)
    before = _state(bpy, scene, pair)
    report = export_gltf(scene, tmp_path / "baked.glb", mode="ACTIONS")
    assert report.take == TAKES[1]  # the unmuted one
    assert _state(bpy, scene, pair) == before
    assert pair.characters["A"].rig.animation_data.action == own
    assert _keys(own) == own_keys
    document, buffer = _read_gltf(report.path)
    assert [a["name"] for a in document["animations"]] == [TAKES[1]]
    _check_take(document, buffer, pair, 1)


def test_bake_take_to_actions_stashes_and_restores(duet_scene, bpy_module) -> None:
    from duet.addon.export import BAKED_PROP, STASH_PREFIX, bake_take_to_actions

    bpy = bpy_module
    scene, pair = duet_scene
    rig_a, key_a = pair.characters["A"].rig, pair.characters["A"].mesh.data.shape_keys
    owned = {x.as_pointer(): _active(x) for x in (rig_a, key_a)}
    own_keys = {k: _keys(action) for k, (action, _) in owned.items()}
    existing = {a.name for a in bpy.data.actions}
    before = _state(bpy, scene, pair)

    baked = bake_take_to_actions([h.rig for h in pair.characters.values()], TAKES[0])
    try:
        assert len(baked) == 2 and not ({a.name for a in baked} & existing)
        assert all(a[BAKED_PROP] == TAKES[0] for a in baked)
        take_actions = {}
        for head in pair.characters.values():
            for id_data in (head.rig, head.mesh.data.shape_keys):
                ad = id_data.animation_data
                assert ad.action in baked and ad.action_slot.target_id_type == id_data.id_type
                strip = next(t for t in ad.nla_tracks if t.name == TAKES[0]).strips[0]
                take_actions[strip.action.name] = strip.action
        # The animator's actions sit, untouched, on muted stash tracks.
        for id_data in (rig_a, key_a):
            action, slot = owned[id_data.as_pointer()]
            (stash,) = [t for t in id_data.animation_data.nla_tracks if t.name.startswith(STASH_PREFIX)]
            assert stash.mute and stash.strips[0].action == action
            assert stash.strips[0].action_slot.identifier == slot
            assert _keys(action) == own_keys[id_data.as_pointer()]
        # The baked keys are the take's keys (the take's strip starts where its action does).
        for action in take_actions.values():
            (copy,) = [a for a in baked if a.name.startswith(action.name)]
            assert [k[1:] for k in _keys(copy)] == [k[1:] for k in _keys(action)]
        # What you see is the take, from the plain actions.
        for f in (2, 13):
            scene.frame_set(f)
            for role, head in pair.characters.items():
                value = head.mesh.data.shape_keys.key_blocks["jawOpen"].value
                assert value == pytest.approx(_dense_values(0, role, "jawOpen")[f - 1], abs=1e-5)
    finally:
        baked.restore()
    scene.frame_set(before[3])
    assert _state(bpy, scene, pair) == before
    for id_data in (rig_a, key_a):
        assert _active(id_data) == owned[id_data.as_pointer()]


@pytest.mark.parametrize("mode", ["NLA", "ACTIONS"])
def test_a_moved_strip_exports_and_bakes_through_its_timing(duet_scene, bpy_module, tmp_path, mode) -> None:
    """The animator slides B's face 10 frames later: the export and the bake follow the strip."""
    from duet.addon.export import bake_take_to_actions, export_gltf

    scene, pair = duet_scene
    key_b = pair.characters["B"].mesh.data.shape_keys
    strip = next(t for t in key_b.animation_data.nla_tracks if t.name == TAKES[1]).strips[0]
    strip.frame_start_ui += 10
    try:
        before = _state(bpy_module, scene, pair)
        report = export_gltf(scene, tmp_path / "moved.glb", take=TAKES[1], mode=mode)
        assert _state(bpy_module, scene, pair) == before
        document, buffer = _read_gltf(report.path)
        channels = _channels(document, buffer, document["animations"][0])
        for role, shift in (("A", 0), ("B", 10)):
            mesh_node = _node_index(document, pair.characters[role].mesh.name)
            times, values, _ = channels[(mesh_node, "weights")]
            np.testing.assert_allclose(times, (FRAMES + shift) / FPS, atol=1e-6)
            names = document["meshes"][document["nodes"][mesh_node]["mesh"]]["extras"]["targetNames"]
            jaw = values.reshape(len(times), len(names))[:, names.index("jawOpen")]
            np.testing.assert_allclose(jaw, _dense_values(1, role, "jawOpen"), atol=1e-5)
        baked = bake_take_to_actions([key_b], TAKES[1])
        try:
            source = _keys(strip.action)
            (jaw_src,) = [k for k in source if k[0] == strip.action_slot.identifier and "jawOpen" in k[1]]
            (jaw,) = [k for k in _keys(baked[0]) if "jawOpen" in k[1]]
            np.testing.assert_allclose(np.array(jaw[3])[:, 0], np.array(jaw_src[3])[:, 0] + 10, atol=1e-4)
            np.testing.assert_allclose(np.array(jaw[3])[:, 1], np.array(jaw_src[3])[:, 1], atol=1e-6)
        finally:
            baked.restore()
    finally:
        strip.frame_start_ui -= 10
    assert strip.frame_start == pytest.approx(1.0)


def test_a_repeated_strip_is_refused_with_the_fix(duet_scene, bpy_module, tmp_path) -> None:
    from duet.addon.export import ExportError, export_gltf

    scene, pair = duet_scene
    key_b = pair.characters["B"].mesh.data.shape_keys
    strip = next(t for t in key_b.animation_data.nla_tracks if t.name == TAKES[1]).strips[0]
    before = _state(bpy_module, scene, pair)
    strip.repeat = 2.0
    try:
        with pytest.raises(ExportError, match="repeats 2 times.*NLA > Bake Action"):
            export_gltf(scene, tmp_path / "repeated.glb", take=TAKES[1])
        report = export_gltf(scene, tmp_path / "all.glb")  # every track: the repeated take is left out
        assert list(report.animations) == [TAKES[0]]
        assert report.left_out == [f"'{TAKES[1]}' (its strip on '{key_b.name}' repeats 2 times)"]
        assert "left out" in report.summary
    finally:
        strip.repeat = 1.0
    assert _state(bpy_module, scene, pair) == before


def test_an_action_with_the_take_s_name_keeps_it(duet_scene, bpy_module, tmp_path) -> None:
    """The export's temporary action borrows the take's name for the file and gives it back."""
    from duet.addon.export import export_gltf

    bpy = bpy_module
    scene, pair = duet_scene
    own = bpy.data.actions.new(TAKES[0])  # the animator's action, named like the take
    try:
        assert own.name == TAKES[0]
        before = _state(bpy, scene, pair)
        report = export_gltf(scene, tmp_path / "named.glb", take=TAKES[0])
        assert _state(bpy, scene, pair) == before
        assert own.name == TAKES[0]
        document, buffer = _read_gltf(report.path)
        assert [a["name"] for a in document["animations"]] == [TAKES[0]]
        _check_take(document, buffer, pair, 0)
    finally:
        bpy.data.actions.remove(own)


def test_failed_export_leaves_no_file_and_no_changes(duet_scene, bpy_module, tmp_path, monkeypatch) -> None:
    from duet.addon.export import gltf

    scene, pair = duet_scene
    target = tmp_path / "cut.glb"
    target.write_bytes(b"the previous export")
    before = _state(bpy_module, scene, pair)

    def half_written(_scene, _view_layer, filepath, _options):
        Path(filepath).write_bytes(b"glTF\x02\x00")  # the exporter dies mid-file
        raise gltf.ExportError("simulated exporter failure")

    monkeypatch.setattr(gltf, "_run_exporter", half_written)
    for mode in ("NLA", "ACTIONS"):
        with pytest.raises(gltf.ExportError, match="simulated"):
            gltf.export_gltf(scene, target, take=TAKES[0], mode=mode)
        assert _state(bpy_module, scene, pair) == before
        assert target.read_bytes() == b"the previous export"
        assert [p.name for p in tmp_path.iterdir()] == ["cut.glb"]


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("cut.fbx", {}, "end it in .glb"),
        ("missing/cut.glb", {}, "does not exist"),
        ("cut.glb", {"take": "Duet Take 9"}, "takes here: Duet Take 1, Duet Take 2"),
        ("cut.glb", {"mode": "FBX"}, "use NLA or ACTIONS"),
    ],
)
def test_bad_requests_say_what_to_fix(duet_scene, bpy_module, tmp_path, name, kwargs, message) -> None:
    from duet.addon.export import ExportError, export_gltf

    scene, pair = duet_scene
    before = _state(bpy_module, scene, pair)
    with pytest.raises(ExportError, match=message):
        export_gltf(scene, tmp_path / name, **kwargs)
    assert _state(bpy_module, scene, pair) == before
    assert not list(tmp_path.iterdir())


def test_export_operator_writes_the_chosen_take(duet_scene, bpy_module, tmp_path) -> None:
    from duet.operators.export_take import DUET_OT_export_take

    bpy = bpy_module
    scene, pair = duet_scene
    bpy.utils.register_class(DUET_OT_export_take)
    try:
        path = tmp_path / "from_menu.glb"
        result = bpy.ops.duet.export_take(
            filepath=str(path), take=TAKES[0], file_format="GLTF", mode="NLA", check_existing=False
        )
        assert result == {"FINISHED"}
        assert not path.exists()  # the format decides the ending
        document, _ = _read_gltf(tmp_path / "from_menu.gltf")
        assert [a["name"] for a in document["animations"]] == [TAKES[0]]
        with pytest.raises(RuntimeError, match="Baked Actions exports one take"):
            bpy.ops.duet.export_take(filepath=str(path), take="ALL", mode="ACTIONS", check_existing=False)
    finally:
        bpy.utils.unregister_class(DUET_OT_export_take)


def _morph_target_accessors(document: dict) -> list[dict]:
    return [
        document["accessors"][index]
        for mesh in document["meshes"]
        for primitive in mesh["primitives"]
        for target in primitive.get("targets", [])
        for index in target.values()
    ]


def test_dense_shape_keys_write_no_sparse_accessors(duet_scene, bpy_module, tmp_path) -> None:
    """Godot 3 misreads sparse morph-target accessors: with dense shape keys there are none,
    from the API and from the operator; without, Blender's exporter uses them (smaller file)."""
    from duet.addon.export import export_gltf
    from duet.operators.export_take import DUET_OT_export_take

    bpy = bpy_module
    scene, pair = duet_scene
    before = _state(bpy, scene, pair)
    sparse = export_gltf(scene, tmp_path / "sparse.glb", take=TAKES[0])
    dense = export_gltf(scene, tmp_path / "dense.glb", take=TAKES[0], dense_shape_keys=True)
    assert _state(bpy, scene, pair) == before
    accessors = {
        name: _morph_target_accessors(_read_gltf(r.path)[0])
        for name, r in (("sparse", sparse), ("dense", dense))
    }
    assert len(accessors["dense"]) == len(accessors["sparse"]) >= 2 * 52
    assert any("sparse" in a for a in accessors["sparse"])
    assert not any("sparse" in a for a in accessors["dense"])
    assert all("bufferView" in a for a in accessors["dense"])
    assert dense.path.stat().st_size > sparse.path.stat().st_size
    document, buffer = _read_gltf(dense.path)
    _check_take(document, buffer, pair, 0)

    bpy.utils.register_class(DUET_OT_export_take)
    try:
        path = tmp_path / "menu_dense.glb"
        result = bpy.ops.duet.export_take(
            filepath=str(path), take=TAKES[0], mode="NLA", dense_shape_keys=True, check_existing=False
        )
        assert result == {"FINISHED"}
        assert not any("sparse" in a for a in _morph_target_accessors(_read_gltf(path)[0]))
    finally:
        bpy.utils.unregister_class(DUET_OT_export_take)


# --- labelled takes (the demo's and batch shots' "Duet Take 1: seed 0") -------------------------

LABELS = ("seed 0", "seed 1")


@pytest.fixture(scope="module")
def labelled_scene(bpy_module):
    """The default pair with two labelled takes, named as the demo and batch shots name them.
    Built after duet_scene's tests (module fixtures live until the module ends)."""
    bpy = bpy_module
    from duet.addon.stage import build_dialogue_pair

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = FPS
    scene.render.fps_base = 1.0
    pair = build_dialogue_pair(scene)
    names = _write_takes(pair, LABELS)
    assert names == ["Duet Take 1: seed 0", "Duet Take 2: seed 1"]
    return scene, pair, names


def _animated_nodes(document: dict, animation: dict) -> set[tuple[str, str]]:
    return {
        (document["nodes"][c["target"]["node"]].get("name", ""), c["target"]["path"])
        for c in animation["channels"]
    }


@pytest.mark.parametrize(
    ("mode", "asked"),
    [("NLA", "Duet Take 1"), ("NLA", "Duet Take 1: seed 0"), ("ACTIONS", "Duet Take 1"), ("ACTIONS", None)],
)
def test_a_labelled_take_exports_with_its_animation(
    labelled_scene, bpy_module, tmp_path, mode, asked
) -> None:
    """The take is found by its short or full name and comes out animated, named by its full name:
    both heads' morph weights and the head and eye bones."""
    from duet.addon.export import export_gltf

    scene, pair, names = labelled_scene
    take = 1 if asked is None else 0  # None in ACTIONS mode: the active (newest) take
    before = _state(bpy_module, scene, pair)
    report = export_gltf(scene, tmp_path / "labelled.glb", take=asked, mode=mode)
    assert _state(bpy_module, scene, pair) == before
    assert report.take == names[take]
    document, buffer = _read_gltf(report.path)
    assert [a["name"] for a in document["animations"]] == [names[take]]
    animated = _animated_nodes(document, document["animations"][0])
    for head in pair.characters.values():
        assert (head.mesh.name, "weights") in animated
    for bone in BONES:
        assert (bone, "rotation") in animated
    _check_take(document, buffer, pair, take, names[take])


def test_labelled_takes_are_listed_and_all_export_by_full_name(labelled_scene, bpy_module, tmp_path) -> None:
    from duet.addon.export import active_take, animated_ids, default_selection, export_gltf, list_takes

    scene, pair, names = labelled_scene
    ids = animated_ids(default_selection(scene))
    assert list_takes(ids) == names
    assert active_take(ids) == names[1]
    report = export_gltf(scene, tmp_path / "all.glb")
    document, buffer = _read_gltf(report.path)
    assert sorted(a["name"] for a in document["animations"]) == names
    for take, name in enumerate(names):
        _check_take(document, buffer, pair, take, name)


def test_export_operator_exports_the_active_labelled_take(labelled_scene, bpy_module, tmp_path) -> None:
    from duet.operators.export_take import DUET_OT_export_take

    bpy = bpy_module
    _scene, _pair, names = labelled_scene
    bpy.utils.register_class(DUET_OT_export_take)
    try:
        path = tmp_path / "active.glb"
        result = bpy.ops.duet.export_take(filepath=str(path), take="ACTIVE", mode="NLA", check_existing=False)
        assert result == {"FINISHED"}
        document, _ = _read_gltf(path)
        assert [a["name"] for a in document["animations"]] == [names[1]]
        assert document["animations"][0]["channels"]
    finally:
        bpy.utils.unregister_class(DUET_OT_export_take)


@pytest.mark.parametrize("mode", ["NLA", "ACTIONS"])
def test_a_take_that_comes_out_without_animation_is_an_error(
    labelled_scene, bpy_module, tmp_path, monkeypatch, mode
) -> None:
    """Whatever makes the exporter drop the take's animation, the export fails and writes nothing."""
    from duet.addon.export import gltf

    scene, pair, names = labelled_scene
    real = gltf._exporter_options

    def without_animation(*args, **kwargs) -> dict:
        return {**real(*args, **kwargs), "export_animations": False}

    monkeypatch.setattr(gltf, "_exporter_options", without_animation)
    before = _state(bpy_module, scene, pair)
    with pytest.raises(gltf.ExportError, match=f"no animation for take '{names[0]}'"):
        gltf.export_gltf(scene, tmp_path / "empty.glb", take="Duet Take 1", mode=mode)
    assert _state(bpy_module, scene, pair) == before
    assert not list(tmp_path.iterdir())


def test_only_what_the_take_moves_goes_out_and_still_targets_get_two_keys(bpy_module, tmp_path) -> None:
    """A take that holds the head still and moves the jaw: the head gets a 2-key channel, the
    weights one key per frame, and the neck (not in the take) no channel. Runs last in this
    module: it opens a fresh file."""
    from duet.addon.export import export_gltf
    from duet.addon.stage import build_dialogue_pair
    from duet.addon.takes import CurveKeys, IdCurves, write_take

    bpy = bpy_module
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    pair = build_dialogue_pair(scene)
    still = np.array([0.995, 0.0998, 0.0, 0.0])  # a held nod
    for role, head in pair.characters.items():
        jaw = np.column_stack([FRAMES, _dense_values(0, role, "jawOpen")])
        held = [
            CurveKeys(
                'pose.bones["head"].rotation_quaternion', c, np.array([[1.0, still[c]], [24.0, still[c]]])
            )
            for c in range(4)
        ]
        write_take(
            role,
            "Duet Take 1",
            [
                IdCurves(
                    head.mesh.data.shape_keys, "KEY", [CurveKeys('key_blocks["jawOpen"].value', 0, jaw)]
                ),
                IdCurves(head.rig, "OBJECT", held),
            ],
        )
    report = export_gltf(scene, tmp_path / "still.glb", take="Duet Take 1")
    document, buffer = _read_gltf(report.path)
    channels = _channels(document, buffer, document["animations"][0])
    for head in pair.characters.values():
        rig_node = _node_index(document, head.rig.name)
        times, values, _ = channels[(_node_index(document, "head", under=rig_node), "rotation")]
        np.testing.assert_allclose(times, [FRAMES[0] / FPS, FRAMES[-1] / FPS], atol=1e-6)
        expected = _quat_mul(_rest_local_quaternion(head.rig, "head"), still[None, :] / np.linalg.norm(still))
        got = values[:, [3, 0, 1, 2]]
        np.testing.assert_allclose(
            got * np.sign(np.sum(got * expected, axis=1, keepdims=True)),
            np.repeat(expected, 2, axis=0),
            atol=2e-5,
        )
        assert (_node_index(document, "neck", under=rig_node), "rotation") not in channels
        mesh_node = _node_index(document, head.mesh.name)
        times, values, _ = channels[(mesh_node, "weights")]
        np.testing.assert_allclose(times, FRAMES / FPS, atol=1e-6)
    assert len(channels) == 4  # per character: the head bone and the face
