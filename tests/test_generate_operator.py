"""duet.generate end to end in real Blender: settings -> model -> new take.

Uses the shipped weights when present; before the first training run it uses
freshly initialised weights (needs torch), which exercises the same code path.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.blender, pytest.mark.slow]


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from duet.model import weights

    if weights.DEFAULT_WEIGHTS.is_file():
        return weights.DEFAULT_WEIGHTS
    pytest.importorskip("torch", reason="no shipped weights yet and no torch to initialise some")
    path = tmp_path_factory.mktemp("weights") / "random.npz"
    config, arrays = weights.random_weights(seed=0)
    weights.save(path, config, arrays)
    return path


@pytest.fixture
def registered(bpy_module, weights_file: Path, monkeypatch: pytest.MonkeyPatch):
    import duet
    from duet.model import weights

    monkeypatch.setattr(weights, "DEFAULT_WEIGHTS", weights_file)
    duet.register()
    yield bpy_module
    duet.unregister()


def _voice(path: Path, seconds: float = 3.0, rate: int = 22050) -> Path:
    """Two alternating buzzy 'voices' with pauses, enough to drive the model."""
    t = np.arange(int(seconds * rate)) / rate
    a = np.sign(np.sin(2 * np.pi * 120 * t)) * (t < 1.2)
    b = np.sign(np.sin(2 * np.pi * 210 * t)) * ((t > 1.5) & (t < 2.7))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    x = 0.2 * (a + b) * envelope
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


def test_bad_inputs_leave_the_scene_unchanged(registered, tmp_path: Path) -> None:
    bpy = registered
    scene = _scene_with_pair(bpy, tmp_path)
    before = (len(bpy.data.actions), len(scene.timeline_markers))
    scene.duet.audio_path = str(tmp_path / "missing.wav")
    with pytest.raises(RuntimeError, match="does not exist"):
        bpy.ops.duet.generate()
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF" + bytes(200))
    scene.duet.audio_path = str(tmp_path / "corrupt.wav")
    with pytest.raises(RuntimeError, match="could not be decoded"):
        bpy.ops.duet.generate()
    scene.duet.audio_path = str(_voice(tmp_path / "ok.wav"))
    text = bpy.data.texts.new("staging")
    text.from_string("C faces left\n")
    scene.duet.staging_text = text
    with pytest.raises(RuntimeError, match="line 1"):
        bpy.ops.duet.generate()
    assert (len(bpy.data.actions), len(scene.timeline_markers)) == before
    assert _track_names(scene.duet.character_a) == []
