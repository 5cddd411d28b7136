"""What the take's report says about its inputs: a voice-over of more than two channels
mixed down, a frame range outside the audio (with the frames the audio covers)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.blender


def write_wav(path: Path, channels: int, seconds: float = 1.0, rate: int = 16000) -> Path:
    """A buzzy voice in every channel (a different pitch each), loud enough not to be silence."""
    t = np.arange(int(seconds * rate)) / rate
    data = np.stack([0.2 * np.sign(np.sin(2 * np.pi * (110 + 40 * c) * t)) for c in range(channels)], axis=1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((data * 32767).astype("<i2").tobytes())
    return path


def test_more_than_two_channels_mixed_down_are_named_in_the_takes_report(bpy_module, tmp_path: Path) -> None:
    from duet.addon import generate_flow
    from duet.addon.headless import shot_bake
    from duet.batch.shot import Shot

    six = str(write_wav(tmp_path / "take.wav", 6))
    voice, stems, _ = generate_flow.load_voice_over("MIXED", six, "")
    assert voice.samples.ndim == 1 and not stems
    assert voice.notes == (
        "take.wav has 6 channels; mixed down to mono — "
        "use Stereo Stems or Two Stems for one voice per channel",
    )
    voice, _, _ = generate_flow.load_voice_over("STEREO_STEMS", six, "")
    (note,) = voice.notes
    assert note.startswith("take.wav has 6 channels; mixed down to two for stems, which blends them")
    # Two channels mixed to mono is an ordinary stereo mix: nothing to say.
    voice, _, _ = generate_flow.load_voice_over("MIXED", str(write_wav(tmp_path / "stereo.wav", 2)), "")
    assert voice.notes == ()
    # A batch shot reports it too (its warnings in the summary).
    shot = Shot(
        name="sh010", blend=tmp_path / "x.blend", audio=(Path(six),), staging=None, character_a=None,
        character_b=None, out=tmp_path / "o.blend", stems=False,
    )  # fmt: skip
    voice, _ = shot_bake._voice(shot)
    (note,) = voice.notes
    assert note.startswith("take.wav has 6 channels; mixed down to mono — give two stem files")


def test_a_frame_range_outside_the_audio_says_which_frames_the_audio_covers(bpy_module) -> None:
    from duet.addon import generate_flow

    assert generate_flow.frame_range_problem((400, 500), 1, 243, 24.0) == (
        "frames 400-500 are past the audio, which covers frames 1-243 at 24 fps: "
        "set the frame range within them, or turn the frame range off"
    )
    assert generate_flow.frame_range_problem((1, 9), 10, 100, 23.976).startswith(
        "frames 1-9 are before the audio, which covers frames 10-109 at 23.976 fps"
    )
    assert generate_flow.frame_range_problem((200, 500), 1, 243, 24.0) is None  # part of it is in the take
    assert generate_flow.frame_range_note((200, 500), 1, 243, 24.0) == (
        "frames 244-500 of the frame range are outside the audio, which covers frames 1-243 at 24 fps: "
        "nothing was baked there"
    )
    assert generate_flow.frame_range_note((10, 20), 1, 243, 24.0) is None


@pytest.mark.slow
def test_generate_refuses_a_frame_range_past_the_audio_before_the_model_runs(
    bpy_module, tmp_path: Path
) -> None:
    import duet
    from duet.addon import generate_flow

    duet.register()
    try:
        bpy_module.ops.wm.read_homefile(use_empty=True)
        scene = bpy_module.context.scene
        scene.render.fps, scene.frame_start = 24, 1
        bpy_module.ops.duet.add_dialogue_pair()
        bpy_module.ops.duet.use_scene_pair()
        scene.duet.audio_path = str(write_wav(tmp_path / "take.wav", 1, seconds=3.0))
        scene.duet.use_frame_range = True
        scene.duet.frame_start, scene.duet.frame_end = 400, 500
        with pytest.raises(
            generate_flow.UserError,
            match=r"^frames 400-500 are past the audio, which covers frames 1-72 at 24 fps",
        ):
            generate_flow.plan_from_scene(scene)
    finally:
        duet.unregister()
