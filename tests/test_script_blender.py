"""The Script section in real Blender: Load Script (plain, Fountain, SubRip, WebVTT), the
live check, Generate with a script (a marker per placed line, the take's notes in the
report, the animator's keys untouched, one undo), and Write Subtitles (also after the
file is saved and opened again)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from duet.model.performance import TakeLine

pytestmark = pytest.mark.blender

TINY_WEIGHTS = Path(__file__).parent / "data" / "model" / "tiny_weights.npz"
EXAMPLE_SCRIPT = Path(__file__).resolve().parent.parent / "assets" / "example_dialogue_script.txt"


def _model_file() -> Path:
    from duet.model import weights

    return weights.DEFAULT_WEIGHTS if weights.DEFAULT_WEIGHTS.is_file() else TINY_WEIGHTS


def _pair_scene(bpy):
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    bpy.ops.duet.add_dialogue_pair()
    bpy.ops.duet.use_scene_pair()  # Mara (A) and Theo (B)
    scene.duet.weights_path = str(_model_file())
    return scene


# ----------------------------------------------------------------------------- Load Script

FILES = {
    "scene.txt": "# scene 12\nMara: Did you hear the rain?\nTheo: Hear it? (laughs)\n",
    "scene.fountain": (
        "INT. WORKSHOP - NIGHT\n\nMara looks up.\n\nMARA\nDid you hear the rain?\n\nTHEO\n(dry)\nHear it?\n"
    ),
    "scene.srt": (
        "1\n00:00:01,000 --> 00:00:02,500\nMara: Did you hear the rain?\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nTheo: Hear it?\n"
    ),
    "scene.vtt": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<v Mara>Did you hear the rain?\n\n"
        "00:00:03.000 --> 00:00:04.000\n<v Theo>Hear it?\n"
    ),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_load_script_reads_each_format_into_a_new_text_block(registered, tmp_path: Path, name: str) -> None:
    from duet.model.script import parse_script

    bpy = registered
    scene = _pair_scene(bpy)
    path = tmp_path / name
    path.write_text(FILES[name], encoding="utf-8")
    existing = set(bpy.data.texts.keys())
    assert bpy.ops.duet.load_script(filepath=str(path)) == {"FINISHED"}
    text = scene.duet.script_text
    assert text is not None and text.name == name and text.name not in existing
    script = parse_script(text.as_string(), names={"A": "Mara", "B": "Theo"})
    assert [(x.speaker, x.words[:2]) for x in script.lines] == [
        ("Mara", ("Did", "you")),
        ("Theo", ("Hear", "it")),
    ]
    if name.endswith((".srt", ".vtt")):  # the cues' times become hints
        assert [(x.hint_start, x.hint_end) for x in script.lines] == [(1.0, 2.5), (3.0, 4.0)]
    # Loading it again never overwrites the first block (the animator may have edited it).
    text.from_string(text.as_string() + "# my edit\n")
    assert bpy.ops.duet.load_script(filepath=str(path)) == {"FINISHED"}
    assert scene.duet.script_text.name != name and "# my edit" in bpy.data.texts[name].as_string()


def test_bad_script_files_give_the_importers_message(registered, tmp_path: Path) -> None:
    bpy = registered
    scene = _pair_scene(bpy)
    texts = set(bpy.data.texts.keys())

    def fails(path: Path, match: str) -> None:
        with pytest.raises(RuntimeError, match=match) as info:
            bpy.ops.duet.load_script(filepath=str(path))
        assert "Traceback" not in str(info.value)
        assert set(bpy.data.texts.keys()) == texts and scene.duet.script_text is None

    fails(tmp_path / "missing.srt", "missing.srt.* does not exist: check the path")
    (tmp_path / "audio.srt").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(64))
    fails(tmp_path / "audio.srt", "audio.srt: this is not a text file")
    (tmp_path / "nameless.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there.\n")
    fails(tmp_path / "nameless.srt", "nameless.srt: line 3, col 1: cue 1 has no speaker: add 'Name:'")
    fails(tmp_path, "is a folder, not a script file")


# ----------------------------------------------------------------------------- the live check


class _Recorder:
    """Stands in for a panel's layout: records labels, checks icon names against Blender's."""

    def __init__(self, bpy, labels: list) -> None:
        self._icons = set(bpy.types.UILayout.bl_rna.functions["label"].parameters["icon"].enum_items.keys())
        self.labels = labels

    def _icon(self, icon: str) -> None:
        assert icon in self._icons, icon

    def label(self, text: str = "", icon: str = "NONE") -> None:
        self._icon(icon)
        self.labels.append((icon, text))

    def operator(self, idname: str, text: str = "", icon: str = "NONE"):
        self._icon(icon)
        self.labels.append(("OPERATOR", idname))
        return type("Props", (), {})()

    def prop(self, *args, **kwargs) -> None:
        self._icon(kwargs.get("icon", "NONE"))

    def row(self, align: bool = False) -> _Recorder:
        return self

    column = box = row


def _draw(bpy, panel) -> list[tuple[str, str]]:
    """(icon, text) of each label; a message wrapped over several labels (its later lines drawn
    with the BLANK1 icon) comes back whole, as one."""
    labels: list = []
    fake = type("Panel", (), {"layout": _Recorder(bpy, labels)})()
    panel.draw(fake, bpy.context)
    merged: list = []
    for icon, text in labels:
        if icon == "BLANK1" and merged:
            merged[-1] = (merged[-1][0], f"{merged[-1][1]} {text}")
        else:
            merged.append((icon, text))
    return merged


def test_the_panel_checks_the_script_live_with_line_and_column(registered, tmp_path: Path) -> None:
    from duet.panels.generate import DUET_PT_script, DUET_PT_staging

    bpy = registered
    scene = _pair_scene(bpy)
    assert ("NONE", "No script: roles and lips from the audio alone") in _draw(bpy, DUET_PT_script)
    staging = bpy.data.texts.new("staging")
    scene.duet.staging_text = staging
    staging.from_string("Theo looks at Mara\nZed nods\n")  # the staging check shares the names
    assert _draw(bpy, DUET_PT_staging)[-1][1].startswith("line 2, col 1: unknown character 'Zed'")
    scene.duet.staging_text = None
    text = bpy.data.texts.new("lines")
    scene.duet.script_text = text
    text.from_string("Mara: Did you hear the rain?\nZed: Hear it?\n")
    labels = _draw(bpy, DUET_PT_script)
    errors = [t for icon, t in labels if icon == "ERROR"]
    assert errors and errors[0].startswith("line 2, col 1: unknown character 'Zed'"), labels
    assert "Mara" in errors[0] and "Theo" in errors[0]  # the panel's A/B names are the cast
    # Generate stops with the same message before anything is written.
    from duet.model.weights import ASSETS

    scene.duet.audio_path = str(ASSETS / "example_dialogue.flac")
    markers = len(scene.timeline_markers)
    with pytest.raises(
        RuntimeError, match="script 'lines' has errors: line 2, col 1: unknown character 'Zed'"
    ):
        bpy.ops.duet.generate()
    assert len(scene.timeline_markers) == markers and not bpy.data.actions

    text.from_string("Theo: Hi.\nMara: Hello.\nTheo: Mara? (laughs)\n")
    labels = _draw(bpy, DUET_PT_script)
    assert ("CHECKMARK", "3 spoken lines: Mara 1, Theo 2") in labels
    assert not [t for icon, t in labels if icon == "ERROR"]
    # A warning shows with its place, and does not stop Generate.
    scene.duet.character_b = None  # Theo is no longer the panel's B: the script names B itself
    text.from_string("A: Hello.\nTheo: Hi.\n")
    labels = _draw(bpy, DUET_PT_script)
    assert ("CHECKMARK", "2 spoken lines: Mara 1, Theo 1") in labels
    warnings = [t for icon, t in labels if icon == "INFO" and t.startswith("line ")]
    assert warnings and warnings[0].startswith("line 2, col 1: 'Theo' is taken as B"), labels


# ----------------------------------------------------------------------------- markers


def test_line_markers_fit_blenders_63_bytes_on_a_character_boundary(registered) -> None:
    from duet.addon import scene_marks

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    long = TakeLine("A", "Zoë", "Ça va? Très bien, merci — et toi, ma chère amie Éloïse?", 1.26, 3.0, 4, 0.9)
    short = TakeLine("B", "Theo", "Yeah.\n  (nods)", 2.0, 2.4, 5, 0.9)
    assert scene_marks.add_line_markers(scene, "Duet Take 3: seed 1", (long, short), 24.0, 10) == 2
    names = {m.name: m.frame for m in scene.timeline_markers}
    cut = next(n for n in names if n.startswith("Duet 3: Zoë: Ça va?"))
    assert cut.endswith("…") and len(cut.encode("utf-8")) <= 63
    assert len(cut.encode("utf-8")) >= 63 - 4  # cut as late as a whole character allows
    assert names[cut] == 10 + 30  # 1.26 s at 24 fps
    assert names["Duet 3: Theo: Yeah. (nods)"] == 10 + 48
    for n in range(1, 80):  # any text: never more than 63 bytes, never half a character
        name = scene_marks.fit_name("Duet 1: " + "é" * n)
        assert len(name.encode("utf-8")) <= 63 and name.encode("utf-8").decode("utf-8") == name


# ----------------------------------------------------------------------------- Generate with a script


def _fcurve_keys(action) -> list:
    out = []
    for layer in action.layers:
        for strip in layer.strips:
            for bag in strip.channelbags:
                for fc in bag.fcurves:
                    out.append((fc.data_path, fc.array_index, [tuple(p.co) for p in fc.keyframe_points]))
    return sorted(out)


def _state(bpy) -> dict:
    scene = bpy.context.scene
    return {
        "markers": sorted((m.name, m.frame) for m in scene.timeline_markers),
        "actions": sorted(a.name for a in bpy.data.actions),
        "tracks": sorted(
            (x.name, t.name, t.mute)
            for x in [*bpy.data.objects, *bpy.data.shape_keys]
            if x.animation_data
            for t in x.animation_data.nla_tracks
        ),
    }


def _line_markers(scene, take_number: int) -> dict[str, int]:
    head = re.compile(rf"^Duet {take_number}: (Mara|Theo): ")
    return {m.name: m.frame for m in scene.timeline_markers if head.match(m.name)}


@pytest.mark.slow
def test_generate_with_the_example_script(registered, tmp_path: Path, capfd) -> None:
    from duet.addon import dialogue_script, scene_marks
    from duet.addon.generate_request import SWAP_WITH_SCRIPT
    from duet.model.script import load_script_file, parse_script

    bpy = registered
    scene = _pair_scene(bpy)
    assert bpy.ops.duet.load_example() == {"FINISHED"}
    assert scene.duet.script_text.as_string() == EXAMPLE_SCRIPT.read_text(encoding="utf-8")
    # The animator's own keys on Mara's rig and face, before any take.
    rig = scene.duet.character_a
    face = next(c for c in rig.children if c.type == "MESH" and c.data.shape_keys).data.shape_keys
    for frame, value in ((1, 0.0), (40, 0.3)):
        rig.location.z = value
        rig.keyframe_insert("location", index=2, frame=frame)
        face.key_blocks["jawOpen"].value = value
        face.key_blocks["jawOpen"].keyframe_insert("value", frame=frame)
    own = {"rig": rig.animation_data.action, "face": face.animation_data.action}
    own_keys = {k: _fcurve_keys(a) for k, a in own.items()}
    assert not bpy.ops.duet.write_subtitles.poll()  # no take with a script yet

    scene.duet.swap_roles = True  # not used with a script on a mix: the notes always say so
    bpy.ops.ed.undo_push(message="scene ready")
    before = _state(bpy)
    capfd.readouterr()
    assert bpy.ops.duet.generate("EXEC_DEFAULT", True) == {"FINISHED"}
    report = capfd.readouterr().out
    after = _state(bpy)

    stored = dialogue_script.take_lines("Duet Take 1")
    script = parse_script(EXAMPLE_SCRIPT.read_text(encoding="utf-8"), names={"A": "Mara", "B": "Theo"})
    assert 8 <= len(stored.lines) <= len(script.lines)  # the lines found in the audio
    missing = len(script.lines) - len(stored.lines)
    assert sum("was not found in the audio" in n for n in stored.notes) == missing
    # One marker per placed line, at its start frame, with its speaker and text.
    markers = _line_markers(scene, 1)
    assert len(markers) == len(stored.lines)
    fps = scene.render.fps / scene.render.fps_base
    for line in stored.lines:
        name = scene_marks.fit_name(f"Duet 1: {line.speaker}: {line.text}")
        assert markers[name] == scene.frame_start + round(line.start * fps)
    assert "Duet 1: B nods" in dict(after["markers"])  # the staging markers as before
    # The take's notes are in the operator's report, as warnings after the summary.
    assert "Info: Duet Take 1: frames" in report
    assert stored.notes[-1] == SWAP_WITH_SCRIPT
    for note in stored.notes:
        assert f"Warning: Duet Take 1: {note}" in report
    # The animator's actions stay active with exactly their keys.
    assert rig.animation_data.action == own["rig"] and face.animation_data.action == own["face"]
    assert {k: _fcurve_keys(a) for k, a in own.items()} == own_keys

    # One undo takes the take away, markers included; redo brings it back.
    assert bpy.ops.ed.undo() == {"FINISHED"}
    scene = bpy.context.scene
    assert _state(bpy) == before and not _line_markers(scene, 1)
    assert dialogue_script.stored_takes() == []
    assert bpy.ops.ed.redo() == {"FINISHED"}
    assert _state(bpy) == after

    # Re-generating makes take 2 with its own markers; take 1's stay as they were.
    assert bpy.ops.duet.generate() == {"FINISHED"}
    scene = bpy.context.scene
    assert _line_markers(scene, 1) == markers
    assert len(_line_markers(scene, 2)) == len(dialogue_script.take_lines("Duet Take 2").lines)
    assert dialogue_script.stored_takes() == ["Duet Take 2", "Duet Take 1"]

    # Subtitles of take 1, written after saving and opening the file again.
    blend = tmp_path / "scene12.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    assert dialogue_script.subtitle_file_name("Duet Take 1") == "scene12_Duet_Take_1.srt"
    for suffix in (".srt", ".vtt"):
        out = tmp_path / f"scene12_Duet_Take_1{suffix}"
        assert bpy.ops.duet.write_subtitles(filepath=str(out), take="Duet Take 1") == {"FINISHED"}
        body, kind = load_script_file(out)
        assert kind == suffix[1:]
        back = parse_script(body, names={"A": "Mara", "B": "Theo"}).lines
        assert [(x.speaker, x.text) for x in back] == [(x.speaker, x.text) for x in stored.lines]
        for got, line in zip(back, stored.lines, strict=True):
            assert got.hint_start == pytest.approx(line.start, abs=0.0005 + 1e-9)
            assert got.hint_end == pytest.approx(line.end, abs=0.0005 + 1e-9)


def test_subtitle_errors_are_clear(registered, tmp_path: Path) -> None:
    from duet.addon import dialogue_script

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    action = bpy.data.actions.new("Duet Take 4 · Mara")
    action.use_fake_user = True
    action[dialogue_script.LINES_PROP] = json.dumps({"take": "Duet Take 4", "lines": [["A", "Mara"]]})
    with pytest.raises(
        ValueError, match="on action 'Duet Take 4 · Mara' cannot be read .*generate the take again"
    ):
        dialogue_script.take_lines("Duet Take 4")
    action[dialogue_script.LINES_PROP] = "{not json"  # not even a take's: not listed
    assert dialogue_script.stored_takes() == []
    line = ["A", "Mara", "Hello.", 0.5, 1.0, 1, 0.9]
    action[dialogue_script.LINES_PROP] = json.dumps({"format": 1, "take": "Duet Take 4", "lines": [line]})
    assert dialogue_script.stored_takes() == ["Duet Take 4"]
    path, count = dialogue_script.write_subtitles("Duet Take 4", str(tmp_path / "out" / "take4"))
    assert path.name == "take4.srt" and count == 1 and "Mara: Hello." in path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="'Duet Take 9' has no script lines"):
        dialogue_script.write_subtitles("Duet Take 9", str(tmp_path / "x.srt"))
    with pytest.raises(RuntimeError, match="could not write the subtitles to"):
        bpy.ops.duet.write_subtitles(filepath=str(path / "inside-a-file.srt"), take="Duet Take 4")


@pytest.mark.slow
def test_swap_is_not_used_with_a_script_on_a_mix(bpy_module) -> None:
    """Swap A/B passes roles='swap' to generate(), which a script refuses (the script names
    the speakers): with a script on a mix the request leaves it out and the notes say so."""
    from duet.addon.audio import read_audio
    from duet.addon.generate_request import SWAP_WITH_SCRIPT, GenerationRequest, run_request
    from duet.model.weights import ASSETS

    voice = read_audio(ASSETS / "example_dialogue.flac", channels=1)
    audio = voice.samples[: int(3.4 * voice.sample_rate)]  # Mara's first line
    script = "Mara: Theo! There you are. Did you hear the rain last night?\n"
    request = GenerationRequest(audio, voice.sample_rate, False, None, 24.0, 0, True, script=script)
    performance = run_request(request)
    assert performance.notes[-1] == SWAP_WITH_SCRIPT
    assert [x.speaker for x in performance.lines] == ["Mara"]
