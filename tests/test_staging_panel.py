"""The Staging panel's live check warns about directions that start after the voice-over ends."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.blender


def _wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


def test_voice_over_seconds_reads_the_length_of_each_mode(empty_scene, tmp_path):
    from duet.addon import generate_flow

    short, long = _wav(tmp_path / "a.wav", 2.0), _wav(tmp_path / "b.wav", 3.5)
    assert generate_flow.voice_over_seconds("MIXED", str(short), "") == pytest.approx(2.0, rel=1e-3)
    assert generate_flow.voice_over_seconds("STEM_FILES", str(short), str(long)) == pytest.approx(
        3.5, rel=1e-3
    )
    assert generate_flow.voice_over_seconds("MIXED", str(tmp_path / "missing.wav"), "") is None
    assert generate_flow.voice_over_seconds("MIXED", "", "") is None
    (tmp_path / "junk.wav").write_bytes(b"not audio")
    assert generate_flow.voice_over_seconds("MIXED", str(tmp_path / "junk.wav"), "") is None


def test_staging_warnings_name_directions_after_the_audio(bpy_module, empty_scene):
    from duet.addon import generate_flow

    text = bpy_module.data.texts.new("staging")
    text.from_string("A faces left\nB nods at 5s\nMara looks at B at f72")
    names = {"A": "Mara"}
    warnings = generate_flow.staging_warnings(text, names, 24.0, 0, 2.0)
    assert warnings == [
        "line 2, col 1: 'B nods' starts at 5s, after the audio ends (2s): it will not show",
        "line 3, col 1: 'A looks at B' starts at f72 = 3s at 24 fps, after the audio ends (2s): "
        "it will not show",
    ]
    assert generate_flow.staging_warnings(text, names, 24.0, 0, 10.0) == []
    assert generate_flow.staging_warnings(text, names, 24.0, 0, None) == []  # length unknown
    text.from_string("A faces lft at 5s")  # an error is staging_messages' to report
    assert generate_flow.staging_warnings(text, names, 24.0, 0, 2.0) == []
    assert generate_flow.staging_messages(text, names, 24.0, 0)


def test_a_long_staging_error_is_drawn_whole_on_lines_that_fit_the_sidebar(registered):
    """A label is cut at the sidebar's edge: the error's suggestion, which comes last, was lost."""
    from panel_drawing import draw_panel

    from duet.addon import dialogue_script, generate_flow
    from duet.panels import generate as panels

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    empty_scene = bpy.context.scene
    text = bpy.data.texts.new("staging")
    text.from_string("A faces lft at 5s")
    empty_scene.duet.staging_text = text
    context = bpy.context
    chars = panels.line_chars(context)
    names = dialogue_script.panel_names(empty_scene.duet)
    fps = empty_scene.render.fps / empty_scene.render.fps_base
    (message,) = generate_flow.staging_messages(text, names, fps, empty_scene.frame_start)
    assert len(message) > chars  # long enough to need wrapping at this width
    labels = [t for kind, t in draw_panel(panels.DUET_PT_staging, context) if kind == "label"]
    assert len(labels) > 1 and all(len(t) <= chars for t in labels)
    assert " ".join(labels).split() == message.split()
