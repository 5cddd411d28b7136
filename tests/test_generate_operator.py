"""duet.generate end to end in real Blender: settings -> model -> new take.

Uses the shipped weights when present; before the first training run it uses
the tiny test network (tests/data/model), which exercises the same code path
on both Blender versions (no torch needed).
"""

from __future__ import annotations

import time
import wave
from pathlib import Path

import numpy as np
import pytest
from example_takes import turns
from panel_drawing import draw_panel

pytestmark = [pytest.mark.blender, pytest.mark.slow]


TINY_WEIGHTS = Path(__file__).parent / "data" / "model" / "tiny_weights.npz"


def model_file() -> Path:
    from duet.model import weights

    return weights.DEFAULT_WEIGHTS if weights.DEFAULT_WEIGHTS.is_file() else TINY_WEIGHTS


@pytest.fixture(scope="module")
def weights_file() -> Path:
    return model_file()


def pin_model(scene) -> None:
    """Generate with the test's model, picked as an animator would (Generate > Model)."""
    scene.duet.weights_path = str(model_file())


def _voice(path: Path, seconds: float = 3.0, rate: int = 22050, level: float = 0.2) -> Path:
    """Two alternating buzzy 'voices' with pauses, enough to drive the model."""
    t = np.arange(int(seconds * rate)) / rate
    a = np.sign(np.sin(2 * np.pi * 120 * t)) * (t < 1.2)
    b = np.sign(np.sin(2 * np.pi * 210 * t)) * ((t > 1.5) & (t < 2.7))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    x = level * (a + b) * envelope
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    return path


def _scene_with_pair(bpy, tmp_path: Path, fps: int = 24):
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = fps
    bpy.ops.duet.add_dialogue_pair()
    bpy.ops.duet.use_scene_pair()
    scene.duet.audio_path = str(_voice(tmp_path / "dialogue.wav"))
    pin_model(scene)
    return scene


def _track_names(obj) -> list[str]:
    ad = obj.animation_data
    return [t.name for t in ad.nla_tracks] if ad else []


@pytest.mark.parametrize("fps", [24, 30])
def test_generate_bakes_a_take_on_both_characters(registered, tmp_path: Path, fps: int) -> None:
    bpy = registered
    scene = _scene_with_pair(bpy, tmp_path, fps)
    text = bpy.data.texts.new("staging")
    text.from_string("A faces left from 0.5s to 2s\nB looks at A\n")
    scene.duet.staging_text = text
    assert bpy.ops.duet.generate() == {"FINISHED"}
    for obj in (scene.duet.character_a, scene.duet.character_b):
        assert _track_names(obj) == ["Duet Take 1"]
        mesh = next(c for c in obj.children if c.type == "MESH" and c.data.shape_keys)
        assert _track_names(mesh.data.shape_keys) == ["Duet Take 1"]
    markers = [m.name for m in scene.timeline_markers]
    assert any("faces left" in m for m in markers), markers
    strips = [s for s in scene.sequence_editor.strips if s.type == "SOUND"]
    assert len(strips) == 1 and strips[0].frame_start == scene.frame_start
    # The take covers the voice-over at the scene's frame rate.
    strip = scene.duet.character_a.animation_data.nla_tracks[0].strips[0]
    assert strip.frame_end - strip.frame_start == pytest.approx(3.0 * fps - 1, abs=1.5)


def _all_fcurves(action):
    for layer in action.layers:
        for strip in layer.strips:
            for bag in strip.channelbags:
                yield from bag.fcurves


def _snapshot(bpy) -> dict:
    """Everything a take writes: actions and their keys, NLA tracks, active actions,
    markers, sound strips and sounds."""
    scene = bpy.context.scene
    animated = {}
    for id_data in [*bpy.data.objects, *bpy.data.shape_keys]:
        ad = id_data.animation_data
        if ad is None:
            continue
        animated[id_data.name] = (
            ad.action.name if ad.action else None,
            [
                (t.name, t.mute, [(x.name, x.frame_start, x.frame_end) for x in t.strips])
                for t in ad.nla_tracks
            ],
        )
    actions = {
        a.name: sorted(
            (fc.data_path, fc.array_index, tuple(np.round([p.co[1] for p in fc.keyframe_points], 6)))
            for fc in _all_fcurves(a)
        )
        for a in bpy.data.actions
    }
    editor = scene.sequence_editor
    return {
        "animated": animated,
        "actions": actions,
        "markers": sorted((m.name, m.frame) for m in scene.timeline_markers),
        "strips": sorted(x.name for x in editor.strips) if editor else [],
        "sounds": sorted(x.name for x in bpy.data.sounds),
    }


def _plain_mesh(bpy, name: str, keys: tuple[str, ...] = ()):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([(0, 0, 0), (0.1, 0, 0), (0, 0, 0.1)], [], [(0, 1, 2)])
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    if keys:
        obj.shape_key_add(name="Basis")
        for key in keys:
            obj.shape_key_add(name=key).data[2].co.z += 0.01
    return obj


def test_bad_inputs_leave_the_scene_unchanged(registered, tmp_path: Path) -> None:
    bpy = registered
    scene = _scene_with_pair(bpy, tmp_path)
    before = _snapshot(bpy)
    good = scene.duet.audio_path

    def fails(match: str) -> None:
        with pytest.raises(RuntimeError, match=match):
            bpy.ops.duet.generate()
        assert _snapshot(bpy) == before

    scene.duet.audio_path = str(tmp_path / "missing.wav")
    fails("missing.wav' does not exist")
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF" + bytes(200))
    scene.duet.audio_path = str(tmp_path / "corrupt.wav")
    fails("could not be decoded")
    (tmp_path / "notes.txt").write_text("not audio")
    scene.duet.audio_path = str(tmp_path / "notes.txt")
    fails("not a supported audio file")
    scene.duet.audio_path = str(_voice(tmp_path / "silent.wav", level=0.0))
    fails("silent.wav' is silent \\(digital silence\\)")
    scene.duet.audio_path = str(_voice(tmp_path / "hiss.wav", level=0.0004))
    fails("hiss.wav' is silent \\(peak -68 dBFS\\)")

    scene.duet.audio_path = good
    text = bpy.data.texts.new("staging")
    scene.duet.staging_text = text
    text.from_string("C faces left\n")
    fails("staging 'staging' has errors: line 1, col 1: unknown character 'C'")
    text.from_string("A faces left\nB looks at A from 2s to 1s\nMara faces lft\n")
    fails(
        "line 2, col .*it ends \\(1s\\) before it starts \\(2s\\).*line 3, col 12: 'lft': did you mean 'left'"
    )
    scene.duet.staging_text = None

    theo = scene.duet.character_b
    scene.duet.character_b = _plain_mesh(bpy, "plain")
    fails("character B 'plain' has no shape keys and no armature")
    scene.duet.character_b = _plain_mesh(bpy, "custom", keys=("Smile_big", "Key 7"))
    fails("character B 'custom' has nothing Duet can animate: none of its 2 shape keys has a name")
    scene.duet.character_b = scene.duet.character_a
    fails("A and B are the same character")
    scene.duet.character_b = theo

    model = scene.duet.weights_path
    scene.duet.weights_path = str(tmp_path / "models" / "v3.npz")
    fails("model weights '.*v3.npz' not found: pick the .npz again, or clear Model")
    (tmp_path / "stray.npz").write_bytes(b"PK not really")
    scene.duet.weights_path = str(tmp_path / "stray.npz")
    fails("stray.npz could not be read as a weights file .*or none to use the bundled model")
    scene.duet.weights_path = model
    scene.duet.seed = 3
    assert bpy.ops.duet.generate() == {"FINISHED"}  # the same settings, fixed, work
    assert _snapshot(bpy) != before


# ----------------------------------------------------------------------------- values


def _reference(bpy, weights_file: Path, staging: str | None, seed: int = 0):
    """generate() called directly on the file the operator reads, as the operator calls it."""
    from duet.addon import audio as audio_io
    from duet.addon import generate_flow, rigs
    from duet.model import generate

    scene = bpy.context.scene
    s = scene.duet
    pair = rigs.pair_from_objects(s.character_a, s.character_b, generate_flow.map_sources(scene))
    voice = audio_io.read_audio(s.audio_path, channels=1)
    performance = generate(
        voice.samples,
        voice.sample_rate,
        staging=staging,
        fps=scene.render.fps / scene.render.fps_base,
        seed=seed,
        names={r: rig.display_name for r, rig in pair.items()},
        first_frame=scene.frame_start,
        weights=weights_file,
    )
    return pair, performance


def _expected_keys(rig, performance, role: str) -> dict[str, np.ndarray]:
    """The model's ARKit curves retargeted to each driven shape key of the rig."""
    from duet.model import retarget

    out = {}
    for mesh in rig.meshes:
        blocks = [
            kb for kb in mesh.data.shape_keys.key_blocks[1:] if kb.name in set(rig.retarget_map.targets)
        ]
        ranges = {kb.name: (kb.slider_min, kb.slider_max) for kb in blocks}
        values = retarget.apply(rig.retarget_map, performance.blendshapes[role], slider_ranges=ranges)
        out.update({(mesh.name, kb.name): values[kb.name] for kb in blocks})
    return out


def _check_values(bpy, pair, performance, frames, tol: float, skip=()) -> int:
    scene = bpy.context.scene
    expected = {role: _expected_keys(pair[role], performance, role) for role in pair}
    checked = 0
    for frame in frames:
        scene.frame_set(frame)
        i = frame - scene.frame_start
        for role, curves in expected.items():
            for (mesh_name, key_name), values in curves.items():
                if (mesh_name, key_name) in skip:
                    continue
                got = bpy.data.objects[mesh_name].data.shape_keys.key_blocks[key_name].value
                assert got == pytest.approx(float(values[i]), abs=tol), (role, key_name, frame)
                checked += 1
    return checked


@pytest.mark.parametrize("key_mode", ["DENSE", "SPARSE"])
def test_evaluated_shape_keys_match_the_model_output(
    registered, weights_file: Path, tmp_path: Path, key_mode: str
) -> None:
    bpy = registered
    scene = _scene_with_pair(bpy, tmp_path)
    staging = "A faces left from 0.5s to 2s\nB looks at A\n"
    text = bpy.data.texts.new("staging")
    text.from_string(staging)
    scene.duet.staging_text = text
    scene.duet.seed = 2
    scene.duet.key_mode = key_mode
    scene.duet.key_tolerance = 0.01
    assert bpy.ops.duet.generate() == {"FINISHED"}
    pair, performance = _reference(bpy, weights_file, staging, seed=2)
    n = performance.n_frames
    frames = [1, 2, 13, 29, n // 2, n - 7, n]
    # Every frame keyed: the stored float32 value; reduced keys: within the tolerance.
    tol = 1e-4 if key_mode == "DENSE" else 0.0101
    assert _check_values(bpy, pair, performance, frames, tol) >= 2 * 52 * len(frames)


def _viseme_character(bpy, name: str, x: float, facing: float, with_rig: bool):
    """A Ready Player Me style character: 15 Oculus viseme keys, optionally an armature
    with Neck / Head / LeftEye / RightEye bones, facing `facing` radians about Z from -Y."""
    obj = _plain_mesh(bpy, name, keys=VISEMES)
    if not with_rig:
        obj.location = (x, 0.0, 1.6)
        obj.rotation_euler = (0.0, 0.0, facing)
        return obj, obj
    data = bpy.data.armatures.new(f"{name} rig")
    rig = bpy.data.objects.new(f"{name} rig", data)
    bpy.context.scene.collection.objects.link(rig)
    rig.location = (x, 0.0, 0.0)
    rig.rotation_euler = (0.0, 0.0, facing)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    neck = data.edit_bones.new("Neck")
    neck.head, neck.tail = (0, 0, 1.4), (0, 0, 1.5)
    head = data.edit_bones.new("Head")
    head.head, head.tail, head.parent = (0, 0, 1.5), (0, 0, 1.7), neck
    for bone, side in (("LeftEye", 1.0), ("RightEye", -1.0)):
        eye = data.edit_bones.new(bone)
        eye.head, eye.tail, eye.parent = (0.032 * side, -0.08, 1.6), (0.032 * side, -0.1, 1.6), head
    bpy.ops.object.mode_set(mode="OBJECT")
    obj.parent = rig
    return obj, rig


VISEMES = tuple(f"viseme_{v}" for v in "sil PP FF TH DD kk CH SS nn RR aa E I O U".split())


def test_oculus_viseme_rigs_end_to_end_keep_the_animators_keys(
    registered, weights_file: Path, tmp_path: Path
) -> None:
    """A: viseme mesh under an armature (head, neck, eyes); B: a viseme mesh alone. The
    animator's own keys (a viseme and the rig's location) stay and still play."""
    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    pin_model(scene)
    scene.render.fps = 25
    face_a, rig_a = _viseme_character(bpy, "Ava", -0.6, np.pi / 2, with_rig=True)
    face_b, _ = _viseme_character(bpy, "Ben", 0.6, -np.pi / 2, with_rig=False)
    key_a = face_a.data.shape_keys
    for frame, value in ((1, 0.2), (40, 0.8)):
        key_a.key_blocks["viseme_aa"].value = value
        key_a.key_blocks["viseme_aa"].keyframe_insert("value", frame=frame)
        rig_a.location.z = value / 10
        rig_a.keyframe_insert("location", index=2, frame=frame)
    own = {"key": key_a.animation_data.action, "rig": rig_a.animation_data.action}
    scene.duet.character_a, scene.duet.character_b = face_a, face_b
    scene.duet.audio_path = str(_voice(tmp_path / "dialogue.wav"))
    scene.duet.key_mode = "DENSE"
    before = _snapshot(bpy)

    assert bpy.ops.duet.generate() == {"FINISHED"}
    after = _snapshot(bpy)
    for name, (action, tracks) in before["animated"].items():
        assert after["animated"][name][0] == action  # the animator's actions stay active
        assert after["animated"][name][1][: len(tracks)] == tracks
    for name, keys in before["actions"].items():
        assert after["actions"][name] == keys  # ... with exactly their keys
    assert [t[0] for t in after["animated"][key_a.name][1]] == ["Duet Take 1"]
    assert [t[0] for t in after["animated"][face_b.data.shape_keys.name][1]] == ["Duet Take 1"]
    assert [t[0] for t in after["animated"][rig_a.name][1]] == ["Duet Take 1"]

    pair, performance = _reference(bpy, weights_file, None)
    assert set(pair["A"].retarget_map.targets) == set(VISEMES) == set(pair["B"].retarget_map.targets)
    assert pair["A"].head_bone == "Head" and pair["A"].eye_bones == ("LeftEye", "RightEye")
    n = performance.n_frames
    frames = [1, 9, 31, n // 2, n]
    checked = _check_values(bpy, pair, performance, frames, 1e-4, skip={("Ava", "viseme_aa")})
    assert checked == (14 + 15) * len(frames)  # A's viseme_aa is the animator's
    for frame in (1, 20, 40):  # the animator's own viseme_aa keys win on their channel
        scene.frame_set(frame)
        fcurve = next(iter(_all_fcurves(own["key"])))
        assert key_a.key_blocks["viseme_aa"].value == pytest.approx(fcurve.evaluate(frame), abs=1e-5)
        assert rig_a.location.z == pytest.approx(
            next(iter(_all_fcurves(own["rig"]))).evaluate(frame), abs=1e-5
        )
    # The head moves on the take: the Head bone is keyed.
    head_paths = {c[0] for c in after["actions"]["Duet Take 1 · Ava"]}
    assert 'pose.bones["Head"].rotation_quaternion' in head_paths
    assert 'pose.bones["LeftEye"].rotation_quaternion' in head_paths


def test_a_retarget_map_is_made_edited_saved_and_reused(
    registered, weights_file: Path, tmp_path: Path
) -> None:
    """Make A's map from what was detected, edit its JSON (visemes at 60 %, no rest key),
    save it, load it for B; the take follows the edited map. Bad maps stop Generate with
    the problem and where it is, before anything is written."""
    import json

    from duet.model import retarget

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    pin_model(scene)
    face_a, _ = _viseme_character(bpy, "Ava", -0.6, np.pi / 2, with_rig=True)
    face_b, _ = _viseme_character(bpy, "Ben", 0.6, -np.pi / 2, with_rig=False)
    scene.duet.character_a, scene.duet.character_b = face_a, face_b
    scene.duet.audio_path = str(_voice(tmp_path / "dialogue.wav"))
    scene.duet.key_mode = "DENSE"

    assert bpy.ops.duet.new_retarget_map(role="A") == {"FINISHED"}
    text = scene.duet.retarget_a
    data = json.loads(text.as_string())
    assert set(data["solves"][0]["prototypes"]) | {data["solves"][0]["rest"]} == set(VISEMES)
    data["solves"][0]["gain"] = 0.6
    data["solves"][0]["rest"] = None
    text.from_string(json.dumps(data, indent=1))
    assert bpy.ops.duet.save_retarget_map(role="A", filepath=str(tmp_path / "ava map")) == {"FINISHED"}
    saved = tmp_path / "ava map.json"
    assert retarget.RetargetMap.load(saved).solves[0].gain == 0.6
    assert bpy.ops.duet.load_retarget_map(role="B", filepath=str(saved)) == {"FINISHED"}
    assert scene.duet.retarget_b.name == "ava map.json"

    before = _snapshot(bpy)
    good = text.as_string()
    for body, message in (
        ("{ not json", "retarget map 'Duet retarget A Ava.json' is not valid JSON \\(line 1, column 3"),
        (
            good.replace('"jawOpen"', '"jawOpn"', 1),
            "'jawOpn' is not an ARKit channel \\(did you mean 'jawOpen'\\?\\)",
        ),
        (
            good.replace('"viseme_PP"', '"viseme_XX"', 1),
            "map 'Duet retarget A Ava.json' drives shape keys that character A 'Ava' lacks: viseme_XX",
        ),
    ):
        text.from_string(body)
        with pytest.raises(RuntimeError, match=message):
            bpy.ops.duet.generate()
        assert _snapshot(bpy) == before
    text.from_string(good)

    assert bpy.ops.duet.generate() == {"FINISHED"}
    pair, performance = _reference(bpy, weights_file, None)
    for role in ("A", "B"):
        assert (
            pair[role].retarget_map.solves[0].gain == 0.6 and pair[role].retarget_map.solves[0].rest is None
        )
    n = performance.n_frames
    frames = [1, 8, 30, n]
    assert _check_values(bpy, pair, performance, frames, 1e-4) == 2 * 14 * len(frames)
    # viseme_sil is no longer driven: it keeps its own value.
    assert not any("viseme_sil" in c[0] for c in _snapshot(bpy)["actions"]["Duet Take 1 · Ben"])


# ----------------------------------------------------------------------------- cancel and undo


def _wait(run, scene, timeout: float = 120.0):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        result = run.poll(scene)
        if result is not None or run.job.done:
            return result
        time.sleep(0.05)
    raise AssertionError("the generation did not finish")


def test_cancel_leaves_the_scene_unchanged(registered, tmp_path: Path) -> None:
    """The modal operator's run (generate_flow.BackgroundGenerate): Esc calls cancel(); even when
    the model has finished by then, nothing reaches the scene. (The bpy module has no
    window or event loop, so the modal operator itself cannot be driven here; its
    modal() only forwards Esc and timer ticks to this object.)"""
    from duet.addon import generate_flow

    bpy = registered
    scene = _scene_with_pair(bpy, tmp_path)
    before = _snapshot(bpy)
    run = generate_flow.BackgroundGenerate(scene)
    assert scene.duet.status == "Generating…"
    run.cancel(scene)
    assert scene.duet.status == ""
    _wait(run, scene)
    while not run.job.done:
        time.sleep(0.05)
    assert run.poll(scene) is None
    assert _snapshot(bpy) == before

    # Not cancelled, the same run bakes the take when the model is done.
    run = generate_flow.BackgroundGenerate(scene)
    take = _wait(run, scene)
    assert take is not None and take.take == "Duet Take 1"
    assert scene.duet.status == "" and _snapshot(bpy) != before


def test_one_undo_step_reverts_the_whole_take(registered, tmp_path: Path) -> None:
    """Generate pushes one undo step (bl_options UNDO): undo takes the whole take away
    (actions, NLA tracks, markers; the earlier take plays again), redo brings it back.
    Called from Python, an operator pushes its undo step only when asked (the second
    argument, True), as a click in the panel does."""
    bpy = registered
    scene = _scene_with_pair(bpy, tmp_path)
    text = bpy.data.texts.new("staging")
    text.from_string("B looks at A\nA nods at 1s\n")
    scene.duet.staging_text = text
    bpy.ops.ed.undo_push(message="scene ready")
    assert bpy.ops.duet.generate("EXEC_DEFAULT", True) == {"FINISHED"}  # a first take
    before = _snapshot(bpy)
    assert bpy.ops.duet.generate("EXEC_DEFAULT", True) == {"FINISHED"}
    after = _snapshot(bpy)
    assert len(after["actions"]) == len(before["actions"]) + 2
    assert len(after["markers"]) > len(before["markers"])
    assert bpy.ops.ed.undo() == {"FINISHED"}
    assert _snapshot(bpy) == before  # take 2's actions, tracks and markers gone; take 1 unmuted
    assert bpy.ops.ed.redo() == {"FINISHED"}
    assert _snapshot(bpy) == after


def test_example_dialogue_loads_and_generates(registered) -> None:
    """The panel's Load Example Dialogue: the bundled voice-over and its staging drive a take."""
    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    bpy.ops.duet.add_dialogue_pair()
    bpy.ops.duet.use_scene_pair()
    pin_model(scene)
    assert bpy.ops.duet.load_example() == {"FINISHED"}
    assert Path(scene.duet.audio_path).name == "example_dialogue.flac"
    assert "B looks at A" in scene.duet.staging_text.as_string()
    assert bpy.ops.duet.generate() == {"FINISHED"}
    strip = scene.duet.character_a.animation_data.nla_tracks[0].strips[0]
    assert strip.frame_end - strip.frame_start == pytest.approx(26.86 * 24 - 1, abs=2)
    markers = {m.name for m in scene.timeline_markers}
    assert {"Duet 1: B nods", "Duet 1: A glances at the camera"} <= markers


def _stereo(path: Path, stems: bool, rate: int = 22050) -> Path:
    """A left / B right (stems) or the same mix in both channels."""
    t = np.arange(3 * rate) / rate
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    a = 0.2 * np.sign(np.sin(2 * np.pi * 120 * t)) * (t < 1.2) * envelope
    b = 0.2 * np.sign(np.sin(2 * np.pi * 210 * t)) * ((t > 1.5) & (t < 2.7)) * envelope
    left, right = (a, b) if stems else (a + b, a + b)
    frames = np.stack([left, right], axis=1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((frames * 32767).astype("<i2").tobytes())
    return path


def test_a_stereo_stems_file_is_detected_and_offered(registered, tmp_path: Path) -> None:
    from duet.addon import generate_flow

    bpy = registered
    scene = _scene_with_pair(bpy, tmp_path)
    stems = _stereo(tmp_path / "stems.wav", stems=True)
    assert "each channel speaks while the other is quiet" in generate_flow.stems_hint(str(stems))
    assert generate_flow.stems_hint(str(_stereo(tmp_path / "mix.wav", stems=False))) is None
    assert generate_flow.stems_hint(scene.duet.audio_path) is None  # mono
    assert generate_flow.stems_hint(str(tmp_path / "missing.wav")) is None
    before = _snapshot(bpy)
    scene.duet.audio_mode = "STEREO_STEMS"  # the panel's "Use as Stereo Stems"
    with pytest.raises(RuntimeError, match="'dialogue.wav' is mono, so it cannot hold one actor per channel"):
        bpy.ops.duet.generate()
    assert _snapshot(bpy) == before
    scene.duet.audio_path = str(stems)
    assert bpy.ops.duet.generate() == {"FINISHED"}


# ----------------------------------------------------------------------------- roles: A Speaks At


def test_a_speaks_at_gives_a_the_voice_heard_there(registered) -> None:
    """On the example (Mara = A, Theo = B), A Speaks At over Theo's first line ('Hear it? It
    kept me up for hours.', about 3.6-5.6 s) flips the roles against the default take:
    Mara's character speaks Theo's lines and the other way round."""
    from duet.addon import generate_flow

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    bpy.ops.duet.add_dialogue_pair()
    bpy.ops.duet.use_scene_pair()
    pin_model(scene)
    assert bpy.ops.duet.load_example() == {"FINISHED"}
    scene.duet.script_text = None  # the audio-only path: roles from the voices
    assert bpy.ops.duet.generate() == {"FINISHED"}  # Duet Take 1: the default roles
    scene.duet.use_a_speaks = True
    scene.duet.a_speaks_start, scene.duet.a_speaks_end = 88, 134  # 3.625-5.625 s from frame 1
    assert generate_flow.a_speaks_seconds((88, 134), 1, 645, 24.0) == (87 / 24, 134 / 24)
    assert bpy.ops.duet.generate() == {"FINISHED"}  # Duet Take 2

    default, hinted = turns(bpy, 1), turns(bpy, 2)
    assert default[0][1] == "Mara" and hinted[0][1] == "Theo", (default, hinted)
    in_stretch = [(f, who) for f, who in default if 84 <= f <= 134]
    assert in_stretch and {who for _, who in in_stretch} == {"Theo"}, default
    assert {who for f, who in hinted if 84 <= f <= 134} == {"Mara"}, hinted
    # Every turn changes hands: the same turn starts (within 2 frames), the other name.
    flipped = {"Mara": "Theo", "Theo": "Mara"}
    matched = [
        (f, who) for f, who in default if any(abs(f - g) <= 2 and flipped[who] == w for g, w in hinted)
    ]
    assert len(matched) >= 0.8 * len(default), (default, hinted)


def test_a_speaks_at_problems_are_reported_and_change_nothing(registered, tmp_path: Path) -> None:
    """Swap A/B with A Speaks At, an empty span, a span outside the audio, and (from generate()
    itself) a span with no voice in it: one clear message each, the scene unchanged."""
    bpy = registered
    scene = _scene_with_pair(bpy, tmp_path)  # 3 s at 24 fps from frame 1: frames 1-72
    before = _snapshot(bpy)

    def fails(match: str) -> None:
        with pytest.raises(RuntimeError, match=match):
            bpy.ops.duet.generate()
        assert _snapshot(bpy) == before

    s = scene.duet
    s.use_a_speaks, s.a_speaks_start, s.a_speaks_end = True, 5, 20
    s.swap_roles = True
    fails("Swap A/B and A Speaks At are both set: use one — turn Swap A/B off .* or turn A Speaks At off")
    s.swap_roles = False
    s.a_speaks_start, s.a_speaks_end = 20, 20
    fails("A Speaks At frames 20-20 are empty: set End after Start")
    s.a_speaks_start, s.a_speaks_end = 80, 120
    fails("A Speaks At frames 80-120 are past the audio, which covers frames 1-72 at 24 fps")
    s.a_speaks_start, s.a_speaks_end = 31, 35  # 1.25-1.46 s: the pause between the two voices
    fails("roles range 1.25-1.46 s holds no voice; pick a span in which A is heard speaking")
    s.a_speaks_start, s.a_speaks_end = 40, 60
    assert bpy.ops.duet.generate() == {"FINISHED"}
    assert _snapshot(bpy) != before


def test_a_speaks_at_is_not_used_with_stems_and_says_so(tmp_path: Path) -> None:
    """Stems: each channel is its role, and generate() leaves a roles span alone; the take is the
    one without it, and its notes say A Speaks At was not used (and why)."""
    from duet.addon.generate_request import A_SPEAKS_WITH_STEMS, GenerationRequest, run_request

    with wave.open(str(_stereo(tmp_path / "stems.wav", stems=True)), "rb") as w:
        rate = w.getframerate()
        frames = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2) / 32767.0
    audio = frames.astype(np.float32)
    plain = run_request(GenerationRequest(audio, rate, True, None, 24.0, 0, False, weights=model_file()))
    hinted = run_request(
        GenerationRequest(audio, rate, True, None, 24.0, 0, False, weights=model_file(), a_speaks=(1.5, 2.5))
    )
    assert hinted.notes[-1] == A_SPEAKS_WITH_STEMS and A_SPEAKS_WITH_STEMS not in plain.notes
    for role in ("A", "B"):
        np.testing.assert_array_equal(hinted.speaking[role], plain.speaking[role])


def test_a_speaks_at_is_not_used_with_a_script_and_says_so() -> None:
    """A script names who speaks each line (generate() refuses roles with one): the request
    leaves the span out, and the notes say so, as for Swap A/B."""
    from duet.addon.audio import read_audio
    from duet.addon.generate_request import A_SPEAKS_WITH_SCRIPT, GenerationRequest, run_request
    from duet.model.weights import ASSETS

    voice = read_audio(ASSETS / "example_dialogue.flac", channels=1)
    audio = voice.samples[: int(3.4 * voice.sample_rate)]  # Mara's first line
    script = "Mara: Theo! There you are. Did you hear the rain last night?\n"
    request = GenerationRequest(
        audio, voice.sample_rate, False, None, 24.0, 0, False, script=script, a_speaks=(1.0, 2.0)
    )
    performance = run_request(request)
    assert performance.notes[-1] == A_SPEAKS_WITH_SCRIPT
    assert [x.speaker for x in performance.lines] == ["Mara"]


def test_the_characters_panel_draws_a_speaks_at_beside_swap(registered) -> None:
    from duet.panels.generate import DUET_PT_characters

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    s = bpy.context.scene.duet

    def drawn() -> list:
        return draw_panel(DUET_PT_characters, bpy.context)

    shown = drawn()
    i = shown.index(("prop", "swap_roles"))
    assert shown[i + 1] == ("prop", "use_a_speaks") and ("prop", "a_speaks_start") not in shown
    s.use_a_speaks = True
    assert ("prop", "a_speaks_start") in drawn() and ("prop", "a_speaks_end") in drawn()
    assert not any(kind == "label" and "Use one" in text for kind, text in drawn())
    s.swap_roles = True
    assert ("label", "Use one: Swap A/B or A Speaks At") in drawn()
