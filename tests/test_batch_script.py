"""Script-assisted shots in job files and ``duet bake``: the key ``script`` (checked at
``--check`` time with the file, line and column, once per file and names), ``script = ""``,
the key ``subtitles`` / ``--srt``; and, in Blender, a baked shot of the bundled example
with its script: a marker per placed line, the lines stored on the take, the take's notes
in the summary and the subtitles written beside the .blend."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from example_takes import pair_blend
from job_files import write_job

from duet.batch import jobfile, text_inputs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_AUDIO = ROOT / "assets" / "example_dialogue.flac"
EXAMPLE_SCRIPT = ROOT / "assets" / "example_dialogue_script.txt"

SCRIPTS = {
    "good.txt": "# scene 12\nMara: Did you hear the rain?\nTheo: Hear it? (laughs)\n",
    "good.fountain": "INT. WORKSHOP - NIGHT\n\nMARA\nDid you hear the rain?\n\nTHEO\n(dry)\nHear it?\n",
    "good.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<v Mara>Did you hear the rain?\n",
    # Cue 1 has no speaker: the SubRip importer says so at the file's own line 3, col 1.
    "nospeaker.srt": (
        "1\n00:00:01,000 --> 00:00:02,000\nhello there\n\n2\n00:00:03,000 --> 00:00:04,000\nMara: hi\n"
    ),
    "third.txt": "Mara: Hello.\nTheo: Hi.\nZed: Hm.\n",
    "comments.txt": "# nothing spoken yet\n",
    "empty.txt": "",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("shots/sc01.blend", "audio/sh010.wav", "audio/sh020.wav"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"input " + name.encode())
    (tmp_path / "scripts").mkdir()
    for name, text in SCRIPTS.items():
        (tmp_path / "scripts" / name).write_text(text, encoding="utf-8")
    (tmp_path / "scripts" / "binary.txt").write_bytes(b"\x00\x01\x02 not text \xff")
    (tmp_path / "scripts" / "folder.txt").mkdir()
    return tmp_path


HEAD = """
[defaults]
blend = "shots/sc01.blend"
audio = "audio/sh010.wav"
out = "baked/{shot}.blend"
"""


def messages(check: jobfile.JobCheck) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in check.problems:
        found.setdefault(problem.location, []).append(problem.message)
    return found


# --------------------------------------------------------------------------- the key


def test_script_is_a_per_shot_path_and_an_empty_value_switches_one_from_defaults_off(project: Path) -> None:
    job = write_job(
        project,
        HEAD
        + """
        script = "scripts/good.txt"
        staging = "scripts/good.txt"
        [shots.inherits]
        [shots.own]
        script = "scripts/good.fountain"
        [shots.none]
        script = ""
        staging = ""                      # the same for staging: none, not the defaults'
        """,
    )
    check = jobfile.load_job(job, script_check=text_inputs.script_problems)
    assert check.problems == []
    shots = {s.name: s for s in check.shots}
    assert shots["inherits"].script == project / "scripts/good.txt"
    assert shots["own"].script == project / "scripts/good.fountain"
    assert shots["none"].script is None and shots["none"].staging is None
    assert project / "scripts/good.txt" in shots["inherits"].inputs()
    assert shots["own"].to_dict()["script"] == str(project / "scripts/good.fountain")
    assert shots["none"].to_dict()["script"] is None


def test_script_paths_are_checked_like_staging(project: Path) -> None:
    job = write_job(
        project,
        HEAD
        + """
        [shots.missing]
        script = "scripts/gone.txt"
        [shots.folder]
        script = "scripts/folder.txt"
        [shots.number]
        script = 12
        [shots.placeholder]
        script = "scripts/{scene}.txt"
        [shots.typo]
        scirpt = "scripts/good.txt"
        """,
    )
    found = messages(jobfile.load_job(job, script_check=text_inputs.script_problems))
    assert found["shots.missing.script"] == [
        f"file not found: 'scripts/gone.txt' (looked for {project / 'scripts/gone.txt'})"
    ]
    assert found["shots.folder.script"] == [
        f"'scripts/folder.txt' is a folder, not a file ({project / 'scripts/folder.txt'})"
    ]
    assert found["shots.number.script"] == ["must be a string in quotes, not an integer (12)"]
    assert "unknown placeholder '{scene}'" in found["shots.placeholder.script"][0]
    assert "unknown key 'scirpt' (did you mean 'script'?)" in found["shots.typo.scirpt"][0]


# --------------------------------------------------------------------------- the check


def test_scripts_are_parsed_at_check_time_with_file_line_and_column(project: Path) -> None:
    # What the bake would reject is refused before any Blender opens the shot.
    job = write_job(
        project,
        HEAD
        + """
        a = "Mara"
        b = "Theo"
        [shots.plain]
        script = "scripts/good.txt"
        [shots.fountain]
        script = "scripts/good.fountain"
        [shots.vtt]
        script = "scripts/good.vtt"
        [shots.nospeaker]
        script = "scripts/nospeaker.srt"
        [shots.third]
        script = "scripts/third.txt"
        [shots.other_names]
        script = "scripts/good.txt"
        a = "Mira"
        [shots.binary]
        script = "scripts/binary.txt"
        [shots.comments]
        script = "scripts/comments.txt"
        [shots.empty]
        script = "scripts/empty.txt"
        """,
    )
    check = jobfile.load_job(job, script_check=text_inputs.script_problems)
    where = project / "scripts"
    found = {key.split(".")[1]: value for key, value in messages(check).items()}
    assert all(p.location == f"shots.{p.shot}.script" for p in check.problems)
    assert found.keys() == {"nospeaker", "third", "other_names", "binary", "comments", "empty"}
    assert found["nospeaker"] == [
        f"'{where / 'nospeaker.srt'}' line 3, col 1: cue 1 has no speaker: add 'Name:' at the start "
        "of the text (like 'Mara: hello there')"
    ]
    (third,) = found["third"]
    assert third.startswith(f"'{where / 'third.txt'}' line 3, col 1: unknown character 'Zed'")
    assert "(A = Mara, B = Theo)" in third
    assert f"'{where / 'good.txt'}' line 2, col 1: unknown character 'Mara'" in found["other_names"][0]
    assert found["binary"] == [
        f"'{where / 'binary.txt'}': this is not a text file (it holds binary data): choose the script's "
        ".txt, .fountain, .srt or .vtt file"
    ]
    for name in ("comments", "empty"):  # a job that names a script means one with lines
        assert found[name] == [
            f"'{where / name}.txt' line 1, col 1: the script has no spoken lines: write one line per "
            "spoken line, like 'A: Hello.'"
        ]
    assert [s.name for s in check.shots] == ["plain", "fountain", "vtt"]
    # Without a and b the names are the .blend's Duet pair: the text's own are taken.
    job = write_job(
        project,
        HEAD + '[shots.plain]\nscript = "scripts/good.txt"\n[shots.third]\nscript = "scripts/third.txt"\n',
    )
    assert jobfile.load_job(job).problems == []  # no script check given: nothing looked inside
    found = messages(jobfile.load_job(job, script_check=text_inputs.script_problems))
    assert (
        list(found) == ["shots.third.script"] and "unknown character 'Zed'" in found["shots.third.script"][0]
    )


def test_a_script_over_the_size_limit_is_refused_without_reading_it_all(project: Path) -> None:
    from duet.model.script.importers import MAX_FILE_BYTES

    huge = project / "scripts" / "huge.txt"
    with huge.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    (problem,) = text_inputs.script_problems(huge, {"A": "Mara", "B": "Theo"})
    assert problem.startswith(f"'{huge}': the file is 5.0 MB; a script is text under 5 MB")


def test_shots_sharing_a_script_parse_it_once_per_file_state_and_names(project: Path, monkeypatch) -> None:
    from duet.model import script as script_module

    parsed: list[str] = []
    real = script_module.parse_script

    def counted(text, *args, **kwargs):
        parsed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(script_module, "parse_script", counted)
    shared = project / "scripts" / "shared.txt"
    shared.write_text("Mara: One.\nTheo: Two.\n", encoding="utf-8")
    shots = "".join(f'[shots.s{i:03d}]\nscript = "scripts/shared.txt"\n' for i in range(300))
    others = '[shots.mira]\nscript = "scripts/shared.txt"\na = "Mira"\nb = "Theo"\n'
    job = write_job(project, HEAD + 'a = "Mara"\nb = "Theo"\n' + shots + others)
    check = jobfile.load_job(job, script_check=text_inputs.script_problems)
    assert len(check.shots) == 300 and list(messages(check)) == ["shots.mira.script"]
    assert len(parsed) == 2  # once for Mara and Theo, once for Mira and Theo
    jobfile.load_job(job, script_check=text_inputs.script_problems)
    assert len(parsed) == 2  # checked again (a farm task): remembered
    # An edited file is parsed again, and its new mistake found.
    shared.write_text("Mara: One.\nTheo: Two.\nMaar: Three.\n", encoding="utf-8")
    os.utime(shared, ns=(shared.stat().st_atime_ns, shared.stat().st_mtime_ns + 1_000_000))
    check = jobfile.load_job(job, script_check=text_inputs.script_problems)
    assert len(parsed) == 4 and len(check.shots) == 0
    assert "line 3, col 1" in messages(check)["shots.s000.script"][0]


# --------------------------------------------------------------------------- subtitles


def test_subtitles_true_writes_beside_the_blend_or_to_a_path(project: Path) -> None:
    (project / "scripts" / "sh030.srt").write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nMara: hi\n", encoding="utf-8"
    )
    job = write_job(
        project,
        HEAD
        + """
        script = "scripts/good.txt"
        subtitles = true
        [shots.beside]
        [shots.path]
        subtitles = "subs/{shot}.vtt"
        [shots.off]
        subtitles = false
        [shots.no_script]
        script = ""
        """,
    )
    check = jobfile.load_job(job, script_check=text_inputs.script_problems)
    assert check.problems == []
    shots = {s.name: s for s in check.shots}
    assert shots["beside"].subtitles == project / "baked/beside.srt"
    assert shots["path"].subtitles == project / "subs/path.vtt"
    assert shots["off"].subtitles is None
    assert shots["no_script"].subtitles is None and shots["no_script"].script is None
    assert shots["path"].to_dict()["subtitles"] == str(project / "subs/path.vtt")


def test_subtitle_settings_that_cannot_work_are_refused_with_the_fix(project: Path) -> None:
    (project / "scripts" / "sh030.srt").write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nMara: hi\n", encoding="utf-8"
    )
    (project / "file").write_text("a file where a folder should be")
    job = write_job(
        project,
        HEAD
        + """
        [shots.no_script]
        subtitles = true
        [shots.own_off]
        script = ""
        subtitles = "subs/{shot}.srt"
        [shots.format]
        script = "scripts/good.txt"
        subtitles = "subs/{shot}.txt"
        [shots.number]
        script = "scripts/good.txt"
        subtitles = 1
        [shots.empty]
        script = "scripts/good.txt"
        subtitles = ""
        [shots.over_input]
        script = "scripts/sh030.srt"
        subtitles = "scripts/sh030.srt"
        [shots.same1]
        script = "scripts/good.txt"
        subtitles = "subs/scene.srt"
        [shots.same2]
        script = "scripts/good.txt"
        subtitles = "subs/scene.srt"
        [shots.not_a_folder]
        script = "scripts/good.txt"
        subtitles = "file/x.srt"
        """,
    )
    check = jobfile.load_job(job, script_check=text_inputs.script_problems)
    found = {key: value[0] for key, value in messages(check).items()}
    fix = "subtitles are the script's lines placed in the take: set script, or remove subtitles"
    assert found["shots.no_script.subtitles"] == fix
    assert found["shots.own_off.subtitles"] == fix
    assert "'subs/{shot}.txt' must end in .srt or .vtt" in found["shots.format.subtitles"]
    assert found["shots.number.subtitles"] == (
        "must be true, false or the path of an .srt or .vtt file, not an integer (1)"
    )
    assert found["shots.empty.subtitles"] == "must not be empty: write subtitles = false for none"
    assert "is an input" in found["shots.over_input.subtitles"]
    assert "same subtitle file as shot 'same1'" in found["shots.same2.subtitles"]
    assert "same subtitle file as shot 'same2'" in found["shots.same1.subtitles"]
    assert f"'{project / 'file'}' is a file, not a folder" in found["shots.not_a_folder.subtitles"]
    assert check.shots == []
    # A [defaults] subtitles with no script anywhere says where it was set.
    job = write_job(project, HEAD + "subtitles = true\n[shots.a]\n", name="defaults.toml")
    assert messages(jobfile.load_job(job)) == {"shots.a.subtitles": [fix + " (set in [defaults])"]}


def test_subtitles_stay_inside_the_output_root(project: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    job = write_job(
        project,
        HEAD
        + f'script = "scripts/good.txt"\n[shots.a]\nsubtitles = {json.dumps(str(elsewhere / "a.srt"))}\n',
    )
    found = messages(jobfile.load_job(job, output_root=project / "baked"))
    assert list(found) == ["shots.a.subtitles"] and "outside the output root" in found["shots.a.subtitles"][0]


def test_duet_bake_options_script_and_srt_are_located_by_option(project: Path) -> None:
    base = {"blend": "shots/sc01.blend", "audio": ["audio/sh010.wav"], "out": "baked/shot.blend"}
    good = jobfile.check_single_shot(
        {**base, "script": "scripts/good.txt", "subtitles": True},
        project,
        script_check=text_inputs.script_problems,
    )
    assert good.problems == []
    assert good.shots[0].script == project / "scripts/good.txt"
    assert good.shots[0].subtitles == project / "baked/shot.srt"
    bad = jobfile.check_single_shot(
        {**base, "script": "scripts/nospeaker.srt"}, project, script_check=text_inputs.script_problems
    )
    (problem,) = bad.problems
    assert str(problem).startswith(f"--script: '{project / 'scripts/nospeaker.srt'}' line 3, col 1: cue 1")
    no_script = jobfile.check_single_shot({**base, "subtitles": "subs/x.srt"}, project)
    assert [str(p) for p in no_script.problems] == [
        "--srt: subtitles are the script's lines placed in the take: set --script, or remove --srt"
    ]


# --------------------------------------------------------------------------- in Blender


@pytest.mark.blender
def test_batch_check_and_duet_bake_refuse_a_script_mistake_before_any_blender_file_opens(
    bpy_module, project: Path, capfd
) -> None:
    from duet.addon.headless import commands

    (project / "shots/sc01.blend").write_bytes(b"never opened: the check stops first")
    job = write_job(
        project,
        HEAD
        + """
        a = "Mara"
        b = "Theo"
        subtitles = true
        [shots.good]
        script = "scripts/good.txt"
        [shots.nospeaker]
        script = "scripts/nospeaker.srt"
        """,
    )
    assert commands.cli_command(["batch", str(job), "--check"]) == 3
    err = capfd.readouterr().err
    assert f"duet: {job}: 1 problem:" in err
    srt = project / "scripts/nospeaker.srt"
    assert f"  shots.nospeaker.script: '{srt}' line 3, col 1: cue 1 has no speaker" in err
    # The farm task of the good shot is not held up by it; its listing names script and subtitles.
    assert commands.cli_command(["batch", str(job), "--shot", "good", "--stage", "bake", "--check"]) == 0
    capfd.readouterr()
    assert commands.cli_command(["batch", str(job), "--list", "--json"]) == 3
    listed = {s["name"]: s for s in json.loads(capfd.readouterr().out)["shots"]}
    assert listed["good"]["script"] == str(project / "scripts/good.txt")
    assert listed["good"]["subtitles"] == str(project / "baked/good.srt")
    # The render stage reads no script: a farm's render task is not refused for one.
    assert (
        commands.cli_command(["batch", str(job), "--shot", "nospeaker", "--stage", "render", "--check"]) == 0
    )
    capfd.readouterr()
    bake = ["bake", "--blend", "shots/sc01.blend", "--audio", "audio/sh010.wav", "--a", "Mara", "--b", "Theo"]
    os.chdir(project)
    try:
        assert commands.cli_command([*bake, "--script", str(srt), "--srt", "--out", "out/o.blend"]) == 3
        assert f"--script: '{srt}' line 3, col 1: cue 1 has no speaker" in capfd.readouterr().err
        assert commands.cli_command([*bake, "--srt", "--out", "out/o.blend"]) == 3
        assert "--srt: subtitles are the script's lines placed in the take: set --script" in (
            capfd.readouterr().err
        )
    finally:
        os.chdir(ROOT)
    assert not (project / "out").exists() and not (project / "baked").exists()


def _model_file() -> Path:
    from duet.model import weights

    tiny = ROOT / "tests" / "data" / "model" / "tiny_weights.npz"
    return weights.DEFAULT_WEIGHTS if weights.DEFAULT_WEIGHTS.is_file() else tiny


def _three_channel_copy(bpy, source: Path, path: Path) -> Path:
    """The example voice-over as a 3-channel WAV: the bake mixes it down to mono and says so
    in the take's notes, so the shot has a note in every venv (with or without an aligner)."""
    import wave

    import numpy as np

    from duet.addon import audio

    voice = audio.read_audio(source)
    mono = voice.samples if voice.samples.ndim == 1 else voice.samples.mean(axis=1)
    pcm = (np.clip(np.repeat(mono[:, None], 3, axis=1), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(3)
        w.setsampwidth(2)
        w.setframerate(voice.sample_rate)
        w.writeframes(pcm.tobytes())
    return path


@pytest.mark.blender
@pytest.mark.slow
def test_batch_bakes_the_example_with_its_script(bpy_module, tmp_path: Path) -> None:
    from duet.addon import dialogue_script, scene_marks
    from duet.addon.headless import commands
    from duet.model.script import parse_script
    from duet.model.script.subtitles import to_srt

    bpy = bpy_module
    pair_blend(bpy, tmp_path / "in" / "pair.blend")  # Mara (A) and Theo (B)
    _three_channel_copy(bpy, EXAMPLE_AUDIO, tmp_path / "in" / "sc12.wav")
    job = write_job(
        tmp_path,
        f"""
        [defaults]
        blend = "in/pair.blend"
        out = "out/{{shot}}.blend"
        weights = {json.dumps(str(_model_file()))}
        subtitles = true
        [shots.sc12]
        audio = "in/sc12.wav"
        script = {json.dumps(str(EXAMPLE_SCRIPT))}
        """,
    )
    summary_file = tmp_path / "summary.json"
    assert commands.cli_command(["batch", str(job), "--summary", str(summary_file), "--quiet"]) == 0
    (shot,) = json.loads(summary_file.read_text())["shots"]
    out, srt = tmp_path / "out" / "sc12.blend", tmp_path / "out" / "sc12.srt"
    assert shot["status"] == "ok" and shot["out"] == str(out) and shot["subtitles"] == str(srt)

    bpy.ops.wm.open_mainfile(filepath=str(out))
    scene = bpy.context.scene
    stored = dialogue_script.take_lines(shot["take"])  # the lines kept on the take, as the panel keeps them
    script = parse_script(EXAMPLE_SCRIPT.read_text(encoding="utf-8"), names={"A": "Mara", "B": "Theo"})
    assert 8 <= len(stored.lines) <= len(script.lines)
    assert shot["script_lines"] == len(stored.lines)
    by_number = {line.number: line for line in script.lines}
    for line in stored.lines:  # each placed line is the script's, with its speaker
        assert (line.speaker, line.text) == (
            by_number[line.source_line].speaker,
            by_number[line.source_line].text,
        )
    # The take's notes are the shot's warnings: the mixed-down channels, and the script's own.
    assert shot["warnings"] == list(stored.notes)
    assert any("sc12.wav has 3 channels; mixed down to mono" in note for note in shot["warnings"])
    missing = len(script.lines) - len(stored.lines)
    assert sum("was not found in the audio" in note for note in shot["warnings"]) == missing
    # A marker per placed line at its start frame, as Generate in the panel adds them.
    fps = scene.render.fps / scene.render.fps_base
    markers = {m.name: m.frame for m in scene.timeline_markers if m.name.startswith("Duet 1: Mara: ")}
    markers |= {m.name: m.frame for m in scene.timeline_markers if m.name.startswith("Duet 1: Theo: ")}
    assert len(markers) == len(stored.lines)
    for line in stored.lines:
        name = scene_marks.fit_name(f"Duet 1: {line.speaker}: {line.text}")
        assert markers[name] == scene.frame_start + round(line.start * fps)
    # The subtitles beside the .blend are the stored lines, and nothing was left half-written.
    assert srt.read_text(encoding="utf-8") == to_srt(stored.lines)
    assert sorted(p.name for p in out.parent.iterdir()) == ["sc12.blend", "sc12.srt"]
