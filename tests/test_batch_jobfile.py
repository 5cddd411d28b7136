"""Job files and the pure batch pipeline (no bpy): checks with locations,
path safety, atomic writes, summaries and progress."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from job_files import write_job

from duet.batch import atomic, checks, jobfile, paths
from duet.batch.progress import BatchProgress
from duet.batch.shot import RenderJob
from duet.batch.summary import (
    EXIT_INTERRUPTED,
    EXIT_INVALID_JOB,
    EXIT_OK,
    EXIT_SHOT_FAILED,
    FAILED,
    INVALID,
    OK,
    SKIPPED,
    BatchSummary,
    ShotOutcome,
    format_duration,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with input files as a studio would lay them out."""
    for name in ("shots/sc01.blend", "shots/sc02.blend", "audio/sh010.wav", "audio/sh020.wav"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"input " + name.encode())
    (tmp_path / "audio/sh030_A.flac").write_bytes(b"a")
    (tmp_path / "audio/sh030_B.flac").write_bytes(b"b")
    (tmp_path / "staging").mkdir()
    (tmp_path / "staging/sh010.txt").write_text("A looks at B\n")
    return tmp_path


def located(check: jobfile.JobCheck) -> dict[str, str]:
    """location -> message (each location appears once in these tests)."""
    found: dict[str, str] = {}
    for problem in check.problems:
        assert problem.location not in found, f"two problems at {problem.location}: {check.problems}"
        found[problem.location] = problem.message
    return found


GOOD_JOB = """
    [defaults]
    blend = "shots/sc01.blend"
    a = "Mara"
    b = "Theo"
    out = "baked/{shot}.blend"
    seed = 7
    render = { dir = "renders/{shot}", engine = "workbench", resolution = "640x360" }

    [shots.sh010]
    audio = "audio/{shot}.wav"
    staging = "staging/sh010.txt"
    take = "first pass"

    [shots.sh020]
    blend = "shots/sc02.blend"
    audio = "audio/sh020.wav"
    fps = 24
    render = { format = "video", frames = "1-48" }

    [shots.sh030]
    audio = ["audio/sh030_A.flac", "audio/sh030_B.flac"]
    a = "Theo"
    b = "Mara"
    seed = 3
    render = false
"""


def test_good_job_resolves_every_shot(project: Path) -> None:
    check = jobfile.load_job(write_job(project, GOOD_JOB))
    assert check.problems == []
    assert check.names == ["sh010", "sh020", "sh030"]
    sh010, sh020, sh030 = check.shots
    # Paths relative to the job file, {shot} expanded, defaults inherited.
    assert sh010.blend == project / "shots/sc01.blend"
    assert sh010.audio == (project / "audio/sh010.wav",)
    assert sh010.staging == project / "staging/sh010.txt"
    assert sh010.out == project / "baked/sh010.blend"
    assert (sh010.character_a, sh010.character_b, sh010.seed, sh010.take) == ("Mara", "Theo", 7, "first pass")
    assert sh010.stems is None and sh010.fps is None
    assert sh010.render == RenderJob(
        dir=project / "renders/sh010", format="images", engine="workbench", resolution=(640, 360)
    )
    # A shot's render table merges key by key over the defaults'.
    assert sh020.blend == project / "shots/sc02.blend" and sh020.fps == 24.0
    assert sh020.render == RenderJob(
        dir=project / "renders/sh020",
        format="video",
        engine="workbench",
        resolution=(640, 360),
        frames=(1, 48),
    )
    assert sh020.render.video_path("sh020") == project / "renders/sh020/sh020.mp4"
    # Two stem files; render = false switches the inherited render off.
    assert sh030.audio == (project / "audio/sh030_A.flac", project / "audio/sh030_B.flac")
    assert (sh030.character_a, sh030.character_b, sh030.seed, sh030.render) == ("Theo", "Mara", 3, None)
    # The JSON form (used by --list --json and the farm) round-trips the essentials.
    as_json = json.loads(json.dumps(sh020.to_dict()))
    assert as_json["render"]["frames"] == [1, 48] and as_json["out"] == str(project / "baked/sh020.blend")


def test_every_problem_is_reported_with_its_location(project: Path) -> None:
    job = write_job(
        project,
        """
        version = 1
        output = "x"

        [defaults]
        blend = "shots/sc01.blend"
        out = "baked/{shot}.blend"
        seed = "3"
        render = { dir = "renders/{shot}", enginee = "cycles" }

        [shots.sh010]
        audio = "audio/sh010.wav"
        audoi = "audio/sh010.wav"
        fps = "24"
        stems = "yes"

        [shots.sh020]
        audio = ["audio/sh020.wav", "audio/nope.wav"]
        staging = "staging/missing.txt"
        blend = "shots"
        a = "Mara"

        [shots.sh030]
        audio = 3
        take = ""
        render = "yes"

        [shots.sh040]
        audio = ["a.wav", "b.wav", "c.wav"]
        out = "baked/{name}.blend"
        render = { resolution = "wide", frames = "9-3", format = "gif", engine = "povray" }

        [shots.sh050]
        audio = "audio/sh010.wav"
        out = "shots/sc01.blend"

        [shots.sh060]
        blend = "shots/sc01.txt"
        audio = "staging/sh010.txt"
        out = "baked/sh060.txt"
        """,
    )
    (project / "shots/sc01.txt").write_text("not a blend")
    check = jobfile.load_job(job)
    problems = located(check)
    expected = {
        "output": "unknown top-level key 'output'",
        "defaults.seed": "must be a whole number, not a string ('3')",
        "defaults.render.enginee": "unknown key 'enginee' (did you mean 'engine'?)",
        "shots.sh010.audoi": "unknown key 'audoi' (did you mean 'audio'?)",
        "shots.sh010.fps": "must be a number, not a string ('24')",
        "shots.sh010.stems": "must be true or false, not a string ('yes')",
        "shots.sh020.audio": "file not found: 'audio/nope.wav'",
        "shots.sh020.staging": "file not found: 'staging/missing.txt'",
        "shots.sh020.blend": "'shots' is a folder, not a file",
        "shots.sh020.b": "give both characters (a and b)",
        "shots.sh030.audio": "must be a file path or an array of one or two paths, not an integer",
        "shots.sh030.take": "must not be empty",
        "shots.sh030.render": "must be a table, not a string ('yes')",
        "shots.sh040.audio": "audio takes one file (mixed, or stereo stems) or two stem files [A, B], not 3",
        "shots.sh040.out": "unknown placeholder '{name}'",
        "shots.sh040.render.resolution": "resolution 'wide' is not WIDTHxHEIGHT",
        "shots.sh040.render.frames": "frames '9-3' ends before it starts",
        "shots.sh040.render.format": "must be 'images' or 'video' (got 'gif')",
        "shots.sh040.render.engine": "engine 'povray' is unknown",
        "shots.sh050.out": "is an input",
        "shots.sh060.blend": "'sc01.txt' is not a .blend file",
        "shots.sh060.audio": "'sh010.txt' is not a .wav / .flac / .ogg / .mp3 / .m4a file",
        "shots.sh060.out": "output 'sh060.txt' must be a .blend file",
    }
    assert set(problems) == set(expected), sorted(set(problems) ^ set(expected))
    for location, fragment in expected.items():
        assert fragment in problems[location], (location, problems[location])
    assert check.shots == []  # every shot has a problem
    # Problems know their shot; job-level ones have none.
    assert {p.location for p in check.job_problems()} == {
        "output",
        "defaults.seed",
        "defaults.render.enginee",
    }
    assert {p.shot for p in check.problems_for("sh040")} == {"sh040"}
    # The error lists them all, each with its location.
    message = str(check.error())
    assert message.startswith(f"{job}: 23 problems:")
    assert all(f"  {location}: " in message for location in expected)


def test_missing_required_keys_say_where_to_set_them(project: Path) -> None:
    job = write_job(project, "[shots.sh010]\nstaging = 'staging/sh010.txt'\n")
    problems = located(jobfile.load_job(job))
    assert problems == {
        "shots.sh010.blend": "missing: set blend for this shot or in [defaults]",
        "shots.sh010.audio": "missing: set audio for this shot or in [defaults]",
        "shots.sh010.out": "missing: set out for this shot or in [defaults]",
    }


def test_a_broken_default_is_reported_once_not_per_shot(project: Path) -> None:
    job = write_job(
        project,
        """
        [defaults]
        audio = 5
        blend = "shots/sc01.blend"
        out = "baked/{shot}.blend"
        [shots.sh010]
        [shots.sh020]
        """,
    )
    problems = located(jobfile.load_job(job))
    assert list(problems) == ["defaults.audio"]


def test_syntax_errors_and_empty_jobs(project: Path) -> None:
    bad = write_job(project, "[shots.sh010]\nseed = = 1\n", "bad.toml")
    (problem,) = jobfile.load_job(bad).problems
    assert (
        problem.location == str(bad) and "not valid TOML" in problem.message and "line 2" in problem.message
    )
    empty = write_job(project, "[defaults]\nseed = 1\n", "empty.toml")
    assert located(jobfile.load_job(empty)) == {"shots": "no shots: add one [shots.NAME] table per shot"}
    missing = jobfile.load_job(project / "nope.toml")
    assert [p.message for p in missing.problems] == ["job file not found: check the path"]
    duplicate = write_job(project, "[shots.a]\nseed = 1\n[shots.a]\nseed = 2\n", "dup.toml")
    assert "not valid TOML" in jobfile.load_job(duplicate).problems[0].message
    wrong_version = write_job(project, "version = 2\n[shots.a]\n", "v2.toml")
    assert "unsupported job file version 2" in located(jobfile.load_job(wrong_version))["version"]


def test_shot_names_must_be_usable_as_file_names(project: Path) -> None:
    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        out = "baked/{shot}.blend"
        [shots."sc 01/010"]
        [shots."sc01.010"]
        """,
    )
    check = jobfile.load_job(job)
    problems = located(check)
    assert list(problems) == ['shots."sc 01/010"']
    assert "letters, digits" in problems['shots."sc 01/010"']
    assert [s.name for s in check.shots] == ["sc01.010"]


def test_outputs_never_overwrite_inputs_even_through_links(project: Path) -> None:
    os.symlink(project / "shots/sc01.blend", project / "link.blend")
    os.link(project / "shots/sc02.blend", project / "hard.blend")
    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        [shots.via_dotdot]
        out = "baked/../shots/./sc01.blend"
        [shots.via_symlink]
        out = "link.blend"
        [shots.via_hardlink]
        blend = "shots/sc02.blend"
        out = "hard.blend"
        [shots.other_shots_input]
        out = "shots/sc02.blend"
        [shots.same_out_1]
        out = "baked/same.blend"
        [shots.same_out_2]
        out = "baked/same.blend"
        [shots.ok]
        out = "baked/ok.blend"
        """,
    )
    check = jobfile.load_job(job)
    problems = located(check)
    for name in ("via_dotdot", "via_symlink", "via_hardlink", "other_shots_input"):
        assert (
            "is an input" in problems[f"shots.{name}.out"]
            and "never overwrites" in problems[f"shots.{name}.out"]
        )
    assert "same output as shot 'same_out_2'" in problems["shots.same_out_1.out"]
    assert "same output as shot 'same_out_1'" in problems["shots.same_out_2.out"]
    assert [s.name for s in check.shots] == ["ok"]


def test_output_folders_that_cannot_be_written_are_refused_before_any_shot_runs(
    project: Path, monkeypatch
) -> None:
    # Found only after the model ran, at the save. Tests run as root, whom permission bits do
    # not stop: a folder under a regular file stands for one that cannot be made, and
    # os.access is patched to say that a folder is read-only.
    (project / "locked").mkdir()
    (project / "notes.txt").write_text("a file, not a folder")
    access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode, **kw: Path(path) != project / "locked" and access(path, mode, **kw)
    )
    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        [shots.under_a_file]
        out = "notes.txt/baked/{shot}.blend"
        [shots.read_only]
        out = "locked/{shot}.blend"
        [shots.read_only_below]
        out = "locked/new/deeper/{shot}.blend"
        [shots.render_read_only]
        out = "baked/{shot}.blend"
        render = { dir = "locked/renders/{shot}" }
        [shots.ok]
        out = "baked/{shot}.blend"
        render = { dir = "renders/{shot}" }
        """,
    )
    check = jobfile.load_job(job)
    problems = located(check)
    assert set(problems) == {
        "shots.under_a_file.out",
        "shots.read_only.out",
        "shots.read_only_below.out",
        "shots.render_read_only.render.dir",
    }
    assert f"'{project / 'notes.txt'}' is a file, not a folder" in problems["shots.under_a_file.out"]
    for key in ("shots.read_only.out", "shots.read_only_below.out", "shots.render_read_only.render.dir"):
        assert f"'{project / 'locked'}' is read-only for this user" in problems[key], problems[key]
    assert [s.name for s in check.shots] == ["ok"]


def test_a_summary_that_cannot_be_written_is_refused_first_and_fails_the_run(
    project: Path, monkeypatch, capsys
) -> None:
    import argparse
    import errno

    from duet.addon.headless import batch_runner as batch

    (project / "notes.txt").write_text("a file, not a folder")
    args = argparse.Namespace(summary=project / "notes.txt" / "summary.json", output_root=None, json=False)
    (problem,) = batch.summary_path_problems(args, [])
    assert problem.startswith("--summary: cannot write in") and "is a file, not a folder" in problem
    args.summary = project / "summary.json"
    assert batch.summary_path_problems(args, []) == []
    # Written at the end: a failure there (the disk filled while the shots ran) is a failed run.
    summary = BatchSummary(source="j", outcomes=[ShotOutcome("sh010", OK)])

    def refused(path, text):
        raise OSError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(batch, "atomic_write_text", refused)
    assert batch.finish(summary, args, io.StringIO(), None) == EXIT_SHOT_FAILED
    assert f"could not write the summary to {args.summary}: Permission denied" in capsys.readouterr().err


def test_output_root_refuses_anything_outside_it(project: Path, tmp_path_factory) -> None:
    root = project / "out"
    root.mkdir()
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    os.symlink(elsewhere, root / "escape")  # a folder inside the root that leads outside it
    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        [shots.inside]
        out = "out/baked/inside.blend"
        render = { dir = "out/renders/{shot}" }
        [shots.dotdot]
        out = "out/../baked/dotdot.blend"
        [shots.symlink]
        out = "out/escape/symlink.blend"
        [shots.render_outside]
        out = "out/render_outside.blend"
        render = { dir = "renders/{shot}", format = "video" }
        """,
    )
    check = jobfile.load_job(job, output_root=root)
    problems = located(check)
    assert set(problems) == {"shots.dotdot.out", "shots.symlink.out", "shots.render_outside.render.dir"}
    assert all("outside the output root" in m for m in problems.values())
    assert [s.name for s in check.shots] == ["inside"]
    # Without the root, the same job is fine.
    assert jobfile.load_job(job).problems == []


def test_video_needs_even_sizes_and_engine_names(project: Path) -> None:
    assert jobfile.check_engine("Cycles") == "cycles"
    assert jobfile.check_engine("BLENDER_EEVEE_NEXT") == "BLENDER_EEVEE_NEXT"
    with pytest.raises(ValueError, match="engine 'eevee next' is unknown"):
        jobfile.check_engine("eevee next")
    assert jobfile.parse_resolution("1920x1080") == (1920, 1080)
    assert jobfile.parse_frames("48") == (48, 48) and jobfile.parse_frames("1..24") == (1, 24)
    with pytest.raises(ValueError, match="between 4 and"):
        jobfile.parse_resolution("2x2")
    job = write_job(
        project,
        """
        [shots.sh010]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        out = "baked/sh010.blend"
        render = { dir = "r", format = "video", resolution = "641x360" }
        """,
    )
    assert (
        "video needs even sizes (H.264), not 641x360"
        in located(jobfile.load_job(job))["shots.sh010.render.resolution"]
    )


def test_single_shot_options_get_the_same_checks_with_option_names(project: Path) -> None:
    values = {
        "blend": str(project / "shots/sc01.blend"),
        "audio": [str(project / "audio/sh010.wav"), str(project / "audio/gone.wav")],
        "a": "Mara",
        "out": str(project / "shots/sc01.blend"),
        "seed": -1,
        "render": {"dir": str(project / "r"), "resolution": "10by10"},
    }
    check = jobfile.check_single_shot(values, project)
    problems = located(check)
    assert set(problems) == {"--audio", "--b", "--out", "--seed", "--resolution"}
    assert "give both characters (--a and --b)" in problems["--b"]
    assert "is an input" in problems["--out"]
    assert problems["--seed"] == "seed must be a whole number from 0 to 4294967295, got -1"
    good = jobfile.check_single_shot(
        {"blend": "shots/sc01.blend", "audio": ["audio/sh010.wav"], "out": "baked/shot 1.blend"}, project
    )
    assert good.problems == [] and good.shots[0].name == "shot_1"
    assert good.shots[0].out == project / "baked/shot 1.blend"
    missing = located(jobfile.check_single_shot({"audio": ["audio/sh010.wav"]}, project))
    assert missing == {"--blend": "missing: give --blend", "--out": "missing: give --out"}


def many_shots_job(folder: Path, shots: int) -> Path:
    """A job of ``shots`` shots, each with its own audio, output and render folder."""
    (folder / "audio").mkdir(exist_ok=True)
    for i in range(shots):
        (folder / f"audio/s{i:04d}.wav").write_bytes(b"a")
    return write_job(
        folder,
        '[defaults]\nblend = "shots/sc01.blend"\naudio = "audio/{shot}.wav"\nout = "out/{shot}.blend"\n'
        'render = { dir = "out/renders/{shot}" }\n' + "".join(f"[shots.s{i:04d}]\n" for i in range(shots)),
        name=f"jobs_{shots}.toml",
    )


def test_checking_a_job_looks_at_each_file_a_bounded_number_of_times(project: Path, monkeypatch) -> None:
    # Each output was compared with every input (stat and resolve of both each time):
    # 1,000 shots took 78 s, 5,000 over 400 s. Count the file-system look-ups instead of
    # timing them (tools/bench_jobcheck.py prints the time): twice the shots, twice the look-ups.
    counts = {"n": 0}
    for name in ("stat", "lstat"):
        real = getattr(os, name)

        def counted(*args, _real=real, **kwargs):
            counts["n"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, counted)
    looks = []
    for shots in (60, 120):
        job = many_shots_job(project, shots)
        counts["n"] = 0
        check = jobfile.load_job(job)
        assert check.problems == [] and len(check.shots) == shots
        looks.append(counts["n"])
    assert looks[1] <= 2.2 * looks[0], looks
    assert looks[1] / 120 <= 20, looks  # a handful per shot: its inputs, its outputs, their folders


def test_a_farm_task_checks_its_own_shot_and_a_broken_other_does_not_stop_it(project: Path) -> None:
    looked_inside: list[str] = []

    def weights_check(path: Path) -> str | None:  # stands for loading a model (batch.checks)
        looked_inside.append(path.name)
        return None

    def staging_check(path: Path, names) -> list[str]:  # stands for parsing it (batch.checks)
        looked_inside.append(path.name)
        return ["'broken.txt' line 1, col 3: 'facs': did you mean 'faces'?"] if "broken" in path.name else []

    (project / "models").mkdir()
    for name in ("mine.npz", "theirs.npz"):
        (project / "models" / name).write_bytes(b"stands for a model")
    (project / "staging/broken.txt").write_text("A facs left\n")
    job = write_job(
        project,
        f"""
        [defaults]
        blend = "shots/sc01.blend"
        out = "baked/{{shot}}.blend"
        [shots.mine]
        blend = "shots/sc02.blend"
        audio = "audio/sh010.wav"
        staging = "staging/sh010.txt"
        weights = "models/mine.npz"
        [shots.broken]
        audio = "audio/{"x" * 300}.wav"
        staging = "staging/broken.txt"
        weights = "models/theirs.npz"
        [shots.nul]
        audio = "audio/a\\u0000b.wav"
        [shots.takes_my_input]
        audio = "audio/sh020.wav"
        out = "shots/sc02.blend"
        """,
    )
    checks = {"weights_check": weights_check, "staging_check": staging_check}
    # The whole job: every shot checked, a file name too long for the system and a NUL
    # in a path reported as problems of their shots (they raised out of the check before).
    whole = located(jobfile.load_job(job, **checks))
    too_long = whole["shots.broken.audio"]
    assert "cannot be read" in too_long and "File name too long" in too_long
    assert "cannot be a path (embedded null byte)" in whole["shots.nul.audio"]
    assert "'facs'" in whole["shots.broken.staging"]
    assert "is an input" in whole["shots.takes_my_input.out"]
    assert sorted(looked_inside) == ["broken.txt", "mine.npz", "sh010.txt", "theirs.npz"]
    # The farm task for "mine": its own files looked at, the others' left alone, and
    # their problems are not its problems.
    looked_inside.clear()
    farm = jobfile.load_job(job, only=["mine"], **checks)
    assert farm.problems == [] and [s.name for s in farm.shots] == ["mine"]
    assert farm.names == ["mine", "broken", "nul", "takes_my_input"]
    assert sorted(looked_inside) == ["mine.npz", "sh010.txt"]
    # The others' inputs still count: a farm task never writes over another shot's input.
    thief = jobfile.load_job(job, only=["takes_my_input"], **checks)
    assert [p.location for p in thief.problems] == ["shots.takes_my_input.out"] and thief.shots == []


def by_shot(check: jobfile.JobCheck) -> dict[str, str]:
    """shot -> its problems' messages, one a line (all at the key staging)."""
    found: dict[str, str] = {}
    for problem in check.problems:
        assert problem.location == f"shots.{problem.shot}.staging", problem
        found[problem.shot] = (found.get(problem.shot, "") + "\n" + problem.message).strip()
    return found


def test_staging_files_are_parsed_at_check_time_with_line_and_column(project: Path, monkeypatch) -> None:
    # A staging typo passed the check, then failed each shot on the farm after Blender opened it.
    from duet.batch.checks import staging_problems
    from duet.model import staging

    parsed = []
    validate = staging.validate

    def counted(text, *args, **kwargs):
        parsed.append(text)
        return validate(text, *args, **kwargs)

    monkeypatch.setattr(staging, "validate", counted)
    texts = {
        "shared.txt": "Mara faces left\nTheo looks at Mara from 2s to 4s\n",
        "typo.txt": "Mara faces left\nTheo lokos at Mara\n",
        "overlap.txt": "A faces left from 1s to 3s\nA faces right from 2s to 4s\n",
        "jade.txt": "Mara Jade nods twice\nTheo looks at Mara Jade at 2s\n",  # names of the .blend
        # Frame times count from the scene's first frame at its rate: timing checked in the bake.
        "frames.txt": "at f10 A faces left\nat f10 A faces right\n",
        "frames_typo.txt": "at f10 A facs left\n",
    }
    for name, text in texts.items():
        (project / "staging" / name).write_text(text, encoding="utf-8")
    (project / "staging/latin1.txt").write_bytes("A nods # Zoë\n".encode("latin-1"))
    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        out = "baked/{shot}.blend"
        a = "Mara"
        b = "Theo"
        [shots.shared1]
        staging = "staging/shared.txt"
        [shots.shared2]
        staging = "staging/shared.txt"
        [shots.typo]
        staging = "staging/typo.txt"
        [shots.other_names]
        staging = "staging/shared.txt"
        a = "Mira"
        [shots.overlap]
        staging = "staging/overlap.txt"
        [shots.frames]
        staging = "staging/frames.txt"
        a = "Mara Jade"
        [shots.frames_typo]
        staging = "staging/frames_typo.txt"
        [shots.latin1]
        staging = "staging/latin1.txt"
        """,
    )
    check = jobfile.load_job(job, staging_check=staging_problems)
    where = project / "staging"
    found = by_shot(check)
    assert found.keys() == {"typo", "other_names", "overlap", "frames_typo", "latin1"}
    assert found["typo"] == f"'{where / 'typo.txt'}' line 2, col 6: 'lokos': did you mean 'looks'?"
    assert found["other_names"].startswith(
        f"'{where / 'shared.txt'}' line 1, col 1: unknown character 'Mara': did you mean 'Mira'?"
    )
    assert "line 2, col 1: 'A faces right from 2s to 4s' contradicts" in found["overlap"]
    assert "line 1, col 10:" in found["frames_typo"] and "'facs'" in found["frames_typo"]
    assert "is not UTF-8 text (byte 11 is 0xeb)" in found["latin1"]
    assert [s.name for s in check.shots] == ["shared1", "shared2", "frames"]
    assert parsed.count(texts["shared.txt"]) == 2  # once per set of names, not once per shot
    # Without a and b the names are the .blend's Duet pair: the text's are taken for them.
    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        out = "baked/{shot}.blend"
        [shots.shared1]
        staging = "staging/shared.txt"
        [shots.typo]
        staging = "staging/typo.txt"
        [shots.overlap]
        staging = "staging/overlap.txt"
        """,
        name="unnamed.toml",
    )
    assert jobfile.load_job(job).problems == []  # no staging check given: nothing looked inside
    found = by_shot(jobfile.load_job(job, staging_check=staging_problems))
    assert found.keys() == {"typo", "overlap"}
    jade = staging_problems(where / "jade.txt", None)
    assert jade == [] and staging_problems(where / "jade.txt", {"A": "Mara", "B": "Theo"}) != []
    third = where / "third.txt"
    third.write_text("Mara nods\nTheo nods\nZed nods\n", encoding="utf-8")
    (problem,) = staging_problems(third, None)
    assert "line 3, col 1: unknown character 'Zed'" in problem and "set a and b" in problem


@pytest.mark.parametrize("seed", [-1, 2**32, np.int64(-5)])
def test_the_api_and_job_files_refuse_the_same_seeds_with_the_same_words(project: Path, seed) -> None:
    # generate() took seed -1 while a job file refused it.
    from duet.model import generation
    from duet.model.errors import InputError

    check = jobfile.check_single_shot(
        {"blend": "shots/sc01.blend", "audio": ["audio/sh010.wav"], "out": "o.blend", "seed": int(seed)},
        project,
    )
    (problem,) = check.problems
    with pytest.raises(InputError) as raised:
        generation.generate(np.zeros(16000, np.float32), 16000, seed=seed)
    assert str(raised.value) == problem.message == jobfile.seed_problem(int(seed))
    for fine in (0, 2**32 - 1):
        assert (
            jobfile.check_single_shot(
                {"blend": "shots/sc01.blend", "audio": ["audio/sh010.wav"], "out": "o.blend", "seed": fine},
                project,
            ).problems
            == []
        )


def test_weights_pin_a_model_per_shot_checked_with_location_and_fix(project: Path) -> None:
    (project / "models").mkdir()
    (project / "models/v3.npz").write_bytes(b"stands for a model")
    (project / "models/damaged.npz").write_bytes(b"not a zip")
    (project / "models/v3.json").write_text("{}")
    looked_inside = []

    def weights_check(path: Path) -> str | None:  # stands for loading the model (batch.checks)
        looked_inside.append(path.name)
        return f"'{path}' could not be read as a weights file" if path.name == "damaged.npz" else None

    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        out = "baked/{shot}.blend"
        weights = "models/v3.npz"
        [shots.sh010]
        [shots.sh020]
        weights = "models/damaged.npz"
        [shots.sh030]
        weights = "models/v4.npz"
        [shots.sh040]
        weights = "models/v3.json"
        [shots.sh050]
        weights = 3
        [shots.sh060]
        weights = "models/{shot}.npz"
        """,
    )
    check = jobfile.load_job(job, weights_check=weights_check)
    problems = located(check)
    assert set(problems) == {
        "shots.sh020.weights",
        "shots.sh030.weights",
        "shots.sh040.weights",
        "shots.sh050.weights",
        "shots.sh060.weights",
    }
    assert "damaged.npz' could not be read as a weights file" in problems["shots.sh020.weights"]
    missing = problems["shots.sh030.weights"]
    assert missing.startswith("file not found: 'models/v4.npz' (looked for ")
    assert missing.endswith("give a Duet model .npz, or remove weights to use the bundled model")
    assert problems["shots.sh040.weights"].startswith("'v3.json' is not a .npz file")
    assert problems["shots.sh050.weights"] == "must be a string in quotes, not an integer (3)"
    assert "models/sh060.npz); give" in problems["shots.sh060.weights"]  # {shot} expanded
    assert [s.name for s in check.shots] == ["sh010"]
    assert check.shots[0].weights == project / "models/v3.npz"
    assert check.shots[0].to_dict()["weights"] == str(project / "models/v3.npz")
    assert project / "models/v3.npz" in check.shots[0].inputs()  # so no output may overwrite it
    # Each file is looked inside only when it exists and is an .npz (the cost is the caller's).
    assert sorted(set(looked_inside)) == ["damaged.npz", "v3.npz"]
    # Inherited from [defaults], the message says so; without the key, the bundled model.
    job = write_job(
        project,
        '[defaults]\nweights = "models/damaged.npz"\n[shots.sh010]\nblend = "shots/sc01.blend"\n'
        'audio = "audio/sh010.wav"\nout = "baked/x.blend"\n[shots.sh020]\nblend = "shots/sc01.blend"\n'
        'audio = "audio/sh010.wav"\nout = "baked/y.blend"\nweights = "models/v3.npz"\n',
        "inherit.toml",
    )
    check = jobfile.load_job(job, weights_check=weights_check)
    assert located(check)["shots.sh010.weights"].startswith("set in [defaults]: '")
    assert [s.name for s in check.shots] == ["sh020"]
    assert jobfile.load_job(write_job(project, GOOD_JOB)).shots[0].weights is None
    # The single-shot command: the option's name is the location.
    values = {"blend": "shots/sc01.blend", "audio": ["audio/sh010.wav"], "out": "o.blend"}
    problems = located(jobfile.check_single_shot({**values, "weights": "models/v4.npz"}, project))
    assert list(problems) == ["--weights"] and problems["--weights"].endswith(
        "or remove --weights to use the bundled model"
    )
    bad = located(
        jobfile.check_single_shot(
            {**values, "weights": "models/damaged.npz"}, project, weights_check=weights_check
        )
    )
    assert "could not be read as a weights file" in bad["--weights"]


def write_map(path: Path, targets: dict[str, dict[str, float]]) -> Path:
    linear = [{"target": key, "sources": sources} for key, sources in targets.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "duet-retarget-map", "version": 1, "linear": linear}))
    return path


def test_retarget_maps_per_character_checked_with_location_and_fix(project: Path) -> None:
    write_map(project / "maps/hero.json", {"Jaw": {"jawOpen": 1.0}})
    write_map(project / "maps/sh020_b.json", {"Blink": {"eyeBlinkLeft": 1.0}})
    write_map(project / "maps/typo.json", {"Jaw": {"jawOpn": 1.0}})
    (project / "maps/broken.json").write_text("{ not json")
    (project / "maps/hero.txt").write_text("{}")
    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        audio = "audio/sh010.wav"
        out = "baked/{shot}.blend"
        retarget_a = "maps/hero.json"
        [shots.sh010]
        [shots.sh020]
        retarget_b = "maps/{shot}_b.json"
        [shots.sh030]
        retarget_a = "maps/missing.json"
        [shots.sh040]
        retarget_b = "maps/hero.txt"
        [shots.sh050]
        retarget_b = "maps/broken.json"
        [shots.sh060]
        retarget_a = "maps/typo.json"
        [shots.sh070]
        retarget_b = ""
        [shots.sh080]
        retarget_c = "maps/hero.json"
        """,
    )
    check = jobfile.load_job(job, retarget_check=checks.map_file_problem)
    problems = located(check)
    assert set(problems) == {
        "shots.sh030.retarget_a",
        "shots.sh040.retarget_b",
        "shots.sh050.retarget_b",
        "shots.sh060.retarget_a",
        "shots.sh070.retarget_b",
        "shots.sh080.retarget_c",
    }
    missing = problems["shots.sh030.retarget_a"]
    assert missing.startswith("file not found: 'maps/missing.json' (looked for ")
    assert missing.endswith(
        "give a retarget map saved from the Duet panel (.json), or remove retarget_a to use the map "
        "picked in the .blend (or the one detected from the key names)"
    )
    assert problems["shots.sh040.retarget_b"].startswith(
        "'hero.txt' is not a .json file; give a retarget map"
    )
    assert "broken.json' is not valid JSON (line 1, column 3" in problems["shots.sh050.retarget_b"]
    assert "'jawOpn' is not an ARKit channel (did you mean 'jawOpen'?)" in problems["shots.sh060.retarget_a"]
    assert problems["shots.sh070.retarget_b"].startswith("must not be empty")
    assert problems["shots.sh080.retarget_c"].startswith("unknown key 'retarget_c' (did you mean 'retarget_")
    assert "retarget_a, retarget_b" in problems["shots.sh080.retarget_c"]
    # Inherited from [defaults]; {shot} expanded; a job without the keys leaves them to the .blend.
    sh010, sh020 = check.shots
    assert (sh010.retarget_a, sh010.retarget_b) == (project / "maps/hero.json", None)
    assert (sh020.retarget_a, sh020.retarget_b) == (project / "maps/hero.json", project / "maps/sh020_b.json")
    assert sh020.to_dict()["retarget_b"] == str(project / "maps/sh020_b.json")
    assert sh010.to_dict()["retarget_b"] is None
    assert project / "maps/sh020_b.json" in sh020.inputs()  # so no output may overwrite it
    good = jobfile.load_job(write_job(project, GOOD_JOB)).shots[0]
    assert (good.retarget_a, good.retarget_b) == (None, None)
    # A broken map in [defaults] says so, in every shot that inherits it.
    job = write_job(
        project,
        '[defaults]\nretarget_b = "maps/typo.json"\nblend = "shots/sc01.blend"\naudio = "audio/sh010.wav"\n'
        'out = "baked/{shot}.blend"\n[shots.sh010]\n',
        "inherit.toml",
    )
    assert located(jobfile.load_job(job, retarget_check=checks.map_file_problem))[
        "shots.sh010.retarget_b"
    ].startswith("set in [defaults]: retarget map '")
    # The single-shot command: the option's name is the location.
    values = {"blend": "shots/sc01.blend", "audio": ["audio/sh010.wav"], "out": "o.blend"}
    bad = located(
        jobfile.check_single_shot(
            {**values, "retarget_a": "maps/broken.json", "retarget_b": "maps/gone.json"},
            project,
            retarget_check=checks.map_file_problem,
        )
    )
    assert set(bad) == {"--retarget-a", "--retarget-b"}
    assert "is not valid JSON" in bad["--retarget-a"]
    assert bad["--retarget-b"].endswith(
        "or remove --retarget-b to use the map picked in the .blend "
        "(or the one detected from the key names)"
    )
    single = jobfile.check_single_shot({**values, "retarget_b": "maps/sh020_b.json"}, project)
    assert single.problems == [] and single.shots[0].retarget_b == project / "maps/sh020_b.json"


def test_the_example_job_file_in_the_docs_is_valid(tmp_path: Path) -> None:
    import re

    text = (ROOT / "docs" / "BATCH.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    for name in (
        "scenes/sc01.blend",
        "scenes/sc01_closeup.blend",
        "models/duet_2026-11.npz",
        *(f"audio/sc01_0{n}0.wav" for n in (1, 2, 4)),
        "audio/sc01_030_mara.wav",
        "audio/sc01_030_theo.wav",
        *(f"staging/sc01_0{n}0.txt" for n in (1, 2, 4)),
        "staging/sc01_030_v2.txt",
        *(f"scripts/sc01_0{n}0.srt" for n in (1, 2, 3)),
        "maps/theo_closeup.json",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    check = jobfile.load_job(write_job(tmp_path, example))
    assert check.problems == []
    assert [s.name for s in check.shots] == ["sc01_010", "sc01_020", "sc01_030", "sc01_040"]
    assert {s.weights for s in check.shots} == {tmp_path / "models/duet_2026-11.npz"}
    assert [s.retarget_b for s in check.shots][-1] == tmp_path / "maps/theo_closeup.json"
    scripted = [f"sc01_0{n}0" for n in (1, 2, 3)]  # sc01_040 switches its script off
    assert [s.script for s in check.shots] == [*(tmp_path / f"scripts/{n}.srt" for n in scripted), None]
    assert [s.subtitles for s in check.shots] == [*(tmp_path / f"out/baked/{n}.srt" for n in scripted), None]


def test_path_helpers(tmp_path: Path) -> None:
    base = tmp_path / "a"
    assert paths.resolve_path("b/../c.txt", base) == (tmp_path / "a/c.txt").resolve()
    assert paths.resolve_path("~", base) == Path.home().resolve()
    assert paths.is_inside(tmp_path / "a/b", tmp_path / "a")
    assert not paths.is_inside(tmp_path / "ab", tmp_path / "a")  # a prefix is not a parent
    assert paths.output_problems(tmp_path / "x.blend", [tmp_path / "y.blend"], None) == []


# --------------------------------------------------------------------------- atomic writes


def test_atomic_write_replaces_only_when_complete(tmp_path: Path) -> None:
    final = tmp_path / "sub" / "shot.blend"
    atomic.atomic_write_bytes(final, b"first")
    assert final.read_bytes() == b"first"
    with pytest.raises(RuntimeError), atomic.atomic_output(final) as tmp:
        assert tmp.parent == final.parent and tmp.suffix == ".blend" and atomic.is_temp_path(tmp)
        tmp.write_bytes(b"half")
        raise RuntimeError("writer crashed")
    assert final.read_bytes() == b"first"
    assert sorted(p.name for p in final.parent.iterdir()) == ["shot.blend"]
    with pytest.raises(atomic.AtomicWriteError, match="produced no file"), atomic.atomic_output(final):
        pass
    assert final.read_bytes() == b"first"


def test_failure_between_temp_write_and_replace_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    final = tmp_path / "shot.blend"
    final.write_bytes(b"old")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space"), atomic.atomic_output(final) as tmp:
        tmp.write_bytes(b"new" * 1000)
    assert final.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["shot.blend"]


def test_keyboard_interrupt_removes_the_temporary_file(tmp_path: Path) -> None:
    final = tmp_path / "shot.blend"
    with pytest.raises(KeyboardInterrupt), atomic.atomic_output(final) as tmp:
        tmp.write_bytes(b"partial")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


SLOW_WRITER = """
import signal, sys, time
from pathlib import Path
from duet.batch.atomic import atomic_output
# A shell that starts a job in the background leaves SIGINT ignored for it and its children;
# this writer stands for a command that is interrupted, so it takes Ctrl-C as Python does.
signal.signal(signal.SIGINT, signal.default_int_handler)
final = Path(sys.argv[1])
with atomic_output(final) as tmp:
    with open(tmp, "wb") as fh:
        for _ in range(400):
            fh.write(b"x" * 4096)
            fh.flush()
            print("writing", flush=True)
            time.sleep(0.01)
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_killed_writer_never_leaves_a_half_written_file(tmp_path: Path, how: str) -> None:
    final = tmp_path / "shot.blend"
    final.write_bytes(b"complete older version")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(final)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    for _ in range(20):  # let it write a few blocks into the temporary file
        assert proc.stdout.readline()
    proc.send_signal(getattr(signal, how))
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert final.read_bytes() == b"complete older version"
    leftovers = [p for p in tmp_path.iterdir() if p != final]
    if how == "SIGINT":  # Python unwinds: the temporary file is removed
        assert leftovers == []
    else:  # killed outright: a hidden temporary file may remain, found and removed later
        assert len(leftovers) == 1 and atomic.is_temp_path(leftovers[0])
        assert atomic.stale_temps(final) == []  # too fresh to be called stale
        assert atomic.remove_stale_temps(final, older_than_s=0) == leftovers
        assert [p.name for p in tmp_path.iterdir()] == ["shot.blend"]


def test_stale_temps_are_only_this_outputs_and_old(tmp_path: Path) -> None:
    final = tmp_path / "shot.blend"
    old = atomic.temp_path_for(final)
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    fresh = atomic.temp_path_for(final)
    fresh.write_bytes(b"x")
    other = atomic.temp_path_for(tmp_path / "other.blend")
    other.write_bytes(b"x")
    os.utime(other, (time.time() - 3600, time.time() - 3600))
    assert atomic.stale_temps(final) == [old]


# --------------------------------------------------------------------------- summary and progress


def test_summary_exit_codes_and_json() -> None:
    summary = BatchSummary(source="jobs.toml")
    summary.outcomes = [ShotOutcome("a", OK, seconds={"bake": 1.0, "total": 1.5}), ShotOutcome("b", OK)]
    summary.seconds = 30.0
    assert summary.exit_code == EXIT_OK
    assert summary.shots_per_minute == pytest.approx(4.0)
    summary.outcomes.append(ShotOutcome("c", SKIPPED, note="outputs exist (--skip-existing)"))
    assert summary.exit_code == EXIT_OK
    summary.outcomes.append(ShotOutcome("d", FAILED, error="rig has no shape keys"))
    assert summary.exit_code == EXIT_SHOT_FAILED
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["exit_code"] == 1 and data["counts"]["failed"] == 1 and data["counts"]["ok"] == 2
    assert data["shots"][3] == {
        "name": "d",
        "status": "failed",
        "out": None,
        "renders": [],
        "take": None,
        "seconds": {},
        "error": "rig has no shape keys",
        "problems": [],
        "note": None,
        "warnings": [],
        "script_lines": None,
        "subtitles": None,
    }
    summary.interrupted = True
    assert summary.exit_code == EXIT_INTERRUPTED
    summary.problems = ["shots.x.audio: file not found"]
    assert summary.exit_code == EXIT_INVALID_JOB
    only_invalid = BatchSummary(source="j", outcomes=[ShotOutcome("x", INVALID)])
    assert only_invalid.exit_code == EXIT_SHOT_FAILED
    assert format_duration(42.14) == "42.1 s" and format_duration(187) == "3:07"
    assert format_duration(3723) == "1:02:03"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_progress_in_a_log_prints_stage_changes_with_elapsed_and_eta() -> None:
    clock, out = FakeClock(), io.StringIO()
    progress = BatchProgress(3, stream=out, live=False, clock=clock, log_interval_s=10)
    progress.start_shot(0, "sh010")
    progress.update("generate", 0.0)
    clock.now += 2
    progress.update("generate", 0.5)  # same stage, too soon: not logged
    clock.now += 2
    progress.update("bake", 0.1)
    clock.now += 6
    progress.end_shot(ShotOutcome("sh010", OK, out="/o/sh010.blend", seconds={"bake": 6.0, "total": 10.0}))
    progress.start_shot(1, "sh020")
    clock.now += 4
    progress.update("generate", 0.2)
    lines = out.getvalue().splitlines()
    assert lines[0] == "[1/3] sh010: started"
    assert lines[1].startswith(
        "[1/3] sh010: generate   0% | shot 0.0 s | batch 0/3 done, 0.0 s elapsed, ETA ?"
    )
    assert lines[2].startswith("[1/3] sh010: bake  10% | shot 4.0 s")
    assert lines[3] == "[1/3] sh010: ok in 10.0 s (bake 6.0) -> /o/sh010.blend"
    assert lines[4] == "[2/3] sh020: started"
    # One shot took 10 s: 6 s left of this one and 10 s for the last one.
    assert lines[5] == (
        "[2/3] sh020: generate  20% | shot 4.0 s | batch 1/3 done, 14.0 s elapsed, ETA 16.0 s"
    )
    assert len(lines) == 6


def test_progress_live_rewrites_one_line_and_quiet_keeps_failures() -> None:
    clock, out = FakeClock(), io.StringIO()
    live = BatchProgress(1, stream=out, live=True, clock=clock)
    live.start_shot(0, "sh010")
    live.update("generate", 0.25)
    live.update("generate", 0.5)
    assert out.getvalue().count("\r\x1b[K") == 2 and "\n" not in out.getvalue()
    live.end_shot(ShotOutcome("sh010", FAILED, error="no camera", seconds={"total": 1.0}))
    assert out.getvalue().endswith("\r\x1b[K[1/1] sh010: FAILED after 1.0 s: no camera\n")

    quiet_out = io.StringIO()
    quiet = BatchProgress(2, stream=quiet_out, quiet=True, live=False, clock=clock)
    quiet.start_shot(0, "a")
    quiet.update("generate", 0.5)
    quiet.end_shot(ShotOutcome("a", OK, seconds={"total": 1.0}))
    quiet.start_shot(1, "b")
    quiet.end_shot(ShotOutcome("b", FAILED, error="boom", seconds={"total": 1.0}))
    summary = BatchSummary(source="j", outcomes=[ShotOutcome("a", OK), ShotOutcome("b", FAILED)], seconds=2)
    quiet.end(summary)
    assert quiet_out.getvalue().splitlines() == [
        "[2/2] b: FAILED after 1.0 s: boom",
        "duet: 1 ok, 1 failed of 2 in 2.0 s, 30.0 shots/min",
    ]


def test_batch_package_is_pure() -> None:
    code = (
        "import sys; sys.modules['bpy'] = None\n"
        "import duet.batch.jobfile, duet.batch.progress, duet.batch.atomic\nprint('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.stdout.strip() == "ok", proc.stderr


NO_BLENDER = (
    "import runpy, sys\n"
    "sys.modules['bpy'] = None  # any import of bpy (or of the Blender layer that needs it) fails\n"
    "sys.argv = ['duet', *sys.argv[1:]]\n"
    "runpy.run_module('duet', run_name='__main__')\n"
)


def duet_without_blender(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", NO_BLENDER, *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_batch_list_and_check_run_without_blender(project: Path) -> None:
    """docs/BATCH.md: ``duet batch JOB --list`` and ``--check`` need no Blender; the checks
    that look inside the files (staging, retarget maps) run too."""
    write_map(project / "maps/hero.json", {"jawOpen": {"jawOpen": 1.0}})
    (project / "maps/broken.json").write_text("{ not json")
    job = write_job(
        project,
        """
        [defaults]
        blend = "shots/sc01.blend"
        out = "baked/{shot}.blend"
        [shots.sh010]
        audio = "audio/sh010.wav"
        staging = "staging/sh010.txt"
        retarget_a = "maps/hero.json"
        [shots.sh020]
        audio = "audio/sh020.wav"
        """,
    )
    listed = duet_without_blender("batch", str(job), "--list", "--json", cwd=project)
    assert listed.returncode == EXIT_OK, listed.stderr
    shots = json.loads(listed.stdout)["shots"]
    assert [(s["name"], s["valid"], s["retarget_a"]) for s in shots] == [
        ("sh010", True, str(project / "maps/hero.json")),
        ("sh020", True, None),
    ]
    checked = duet_without_blender("batch", str(job), "--check", cwd=project)
    assert checked.returncode == EXIT_OK, checked.stderr
    assert "2 shots, no problems" in checked.stderr
    # The map and staging checks ran: a broken map and a staging typo are refused, with locations.
    (project / "staging/sh010.txt").write_text("A lokos at B\n")
    broken = write_job(project, job.read_text().replace("maps/hero.json", "maps/broken.json"), "broken.toml")
    refused = duet_without_blender("batch", str(broken), "--check", cwd=project)
    assert refused.returncode == EXIT_INVALID_JOB, refused.stderr
    assert (
        "shots.sh010.retarget_a: retarget map '" in refused.stderr and "is not valid JSON" in refused.stderr
    )
    assert (
        "shots.sh010.staging: " in refused.stderr
        and "line 1, col 3: expected an action, found 'lokos'" in refused.stderr
    )


# --------------------------------------------------------------------------- interrupts

INTERRUPTIBLE = """
import sys, time
from duet.batch import interrupts
mode = sys.argv[1]
try:
    with interrupts.handling():
        print("ready", flush=True)
        if mode == "deferred":
            with interrupts.deferred("the current render"):
                time.sleep(1.5)  # stands for Blender's render: C code
                print("call finished", flush=True)
            print("not reached", flush=True)
        else:
            while True:
                time.sleep(0.01)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
"""


def start_interruptible(mode: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTIBLE, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_first_signal_interrupts_python_code(signame: str) -> None:
    proc = start_interruptible("loop")
    proc.send_signal(getattr(signal, signame))
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and out.split() == ["interrupted"]


def test_signal_during_a_deferred_call_waits_for_it_then_interrupts() -> None:
    proc = start_interruptible("deferred")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert out.split("\n")[:2] == ["call finished", "interrupted"]
    assert "stopping after the current render; press Ctrl-C again to kill" in err


def test_second_signal_kills_at_once() -> None:
    proc = start_interruptible("deferred")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGINT and "call finished" not in out
