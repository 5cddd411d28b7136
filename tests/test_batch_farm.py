"""The Flamenco job type (farm/flamenco/duet-bake.js), compiled with node by a
harness that provides Flamenco's documented script API; the commands it
authors are then run for real through ``blender -c duet``'s callback."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "farm" / "flamenco" / "duet-bake.js"
HARNESS = ROOT / "tests" / "farm" / "run_flamenco_job.mjs"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def compile_job(tmp_path: Path, settings: dict, **extra) -> dict:
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"name": "ep01", "settings": settings, **extra}))
    proc = subprocess.run(
        [NODE, str(HARNESS), str(SCRIPT), str(request)], capture_output=True, text=True, timeout=60
    )
    result = json.loads(proc.stdout)
    assert (proc.returncode == 0) == ("error" not in result), proc.stderr
    return result


def test_each_shot_bakes_then_renders(tmp_path: Path) -> None:
    result = compile_job(
        tmp_path,
        {
            "job_file": "/farm/ep01/jobs.toml",
            "shots": "sh010, sh020\nsh010",  # commas, newlines, a repeat
            "output_root": "/farm/ep01/out",
            "engine": "cycles",
            "resolution": "1280 x 720",
        },
        variables={"blender": "/opt/blender-4.5/blender", "blenderArgs": "-b -y"},
    )
    assert result["label"] == "Duet Bake"
    assert result["settings"]["render"] is True and result["settings"]["skip_existing"] is False
    tasks = result["tasks"]
    assert [(t["name"], t["type"], t["dependencies"]) for t in tasks] == [
        ("bake-sh010", "blender", []),
        ("render-sh010", "blender", ["bake-sh010"]),
        ("bake-sh020", "blender", []),
        ("render-sh020", "blender", ["bake-sh020"]),
    ]
    (bake,) = tasks[0]["commands"]
    assert bake["name"] == "blender-render"
    assert bake["parameters"]["exe"] == "{blender}" and bake["parameters"]["exeArgs"] == "{blenderArgs}"
    assert bake["argv"] == [
        "/opt/blender-4.5/blender",
        "-b",
        "-y",
        "-c",
        "duet",
        "batch",
        "/farm/ep01/jobs.toml",
        "--shot",
        "sh010",
        "--stage",
        "bake",
        "--output-root",
        "/farm/ep01/out",
    ]
    (render,) = tasks[3]["commands"]
    assert render["argv"][6:] == [
        "/farm/ep01/jobs.toml",
        "--shot",
        "sh020",
        "--stage",
        "render",
        "--engine",
        "cycles",
        "--resolution",
        "1280x720",
        "--output-root",
        "/farm/ep01/out",
    ]


def test_bake_only_resume_and_extra_blender_args(tmp_path: Path) -> None:
    result = compile_job(
        tmp_path,
        {
            "job_file": "/farm/jobs.toml",
            "shots": "sh010",
            "render": False,
            "skip_existing": True,
            "blender_args_before": "--log-level 1 --python-expr 'import sys'",
        },
    )
    (task,) = result["tasks"]
    assert task["name"] == "bake-sh010"
    assert task["commands"][0]["argv"] == [
        "blender",
        "-b",
        "-y",
        "--log-level",
        "1",
        "--python-expr",
        "import sys",
        "-c",
        "duet",
        "batch",
        "/farm/jobs.toml",
        "--shot",
        "sh010",
        "--stage",
        "bake",
        "--skip-existing",
    ]


def test_shots_from_the_list_json_leave_out_invalid_ones(tmp_path: Path) -> None:
    (tmp_path / "scene.blend").write_bytes(b"scene")
    (tmp_path / "a.wav").write_bytes(b"RIFF")
    job = tmp_path / "jobs.toml"
    job.write_text(
        textwrap.dedent(
            """
            [defaults]
            blend = "scene.blend"
            out = "out/{shot}.blend"
            [shots.sh010]
            audio = "a.wav"
            [shots.sh020]
            audio = "gone.wav"
            [shots.sh030]
            audio = "a.wav"
            """
        )
    )
    # The listing comes from the real command (pure: --list needs no Blender).
    import sys

    listing = subprocess.run(
        [sys.executable, "-m", "duet", "batch", str(job), "--list", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert listing.returncode == 3  # the job has an invalid shot, and says so
    result = compile_job(tmp_path, {"job_file": str(job), "shots": listing.stdout, "render": False})
    assert [t["name"] for t in result["tasks"]] == ["bake-sh010", "bake-sh030"]
    assert result["printed"] == ["Duet Bake: leaving out shot 'sh020', the job file check refused it"]


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"shots": "sh010"}, "missing required setting 'job_file'"),
        ({"job_file": "/j.toml", "shots": "  , "}, "no shots to run"),
        ({"job_file": "/j.toml", "shots": "sh010 ../etc"}, "'../etc' is not a shot name"),
        ({"job_file": "/j.toml", "shots": "{not json"}, "'shots' looks like JSON but does not parse"),
        ({"job_file": "/j.toml", "shots": '{"x": 1}'}, 'has no "shots" list'),
        ({"job_file": "/j.toml", "shots": "a", "resolution": "big"}, "resolution 'big' is not WIDTHxHEIGHT"),
        ({"job_file": "/j.toml", "shots": "a", "engine": "povray"}, "setting 'engine' is 'povray'"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(tmp_path: Path, settings: dict, error: str) -> None:
    result = compile_job(tmp_path, settings)
    assert error in result["error"]


@pytest.mark.blender
@pytest.mark.slow
def test_the_authored_render_commands_run_in_duet(bpy_module, tmp_path: Path, capsys) -> None:
    """The argv a Worker would run, minus `blender -b -y -c duet`, is what
    Blender hands to the registered command: run it through that callback."""
    from test_batch_commands import render_job

    from duet.addon.headless import commands

    job = render_job(tmp_path, bpy_module)
    result = compile_job(
        tmp_path,
        {"job_file": str(job), "shots": "sh010 sh030", "resolution": "40x30", "output_root": str(tmp_path)},
    )
    codes = {}
    for task in result["tasks"]:
        argv = task["commands"][0]["argv"]
        assert argv[:5] == ["blender", "-b", "-y", "-c", "duet"]
        if task["name"].startswith("render-"):
            codes[task["name"]] = commands.cli_command(argv[5:])
        else:  # the bake needs the model; check that Duet's parser takes the command line
            args = commands.build_parser().parse_args(argv[5:])
            assert (args.stage, args.shot, args.job_file) == ("bake", [task["name"][5:]], job)
    assert codes == {"render-sh010": 0, "render-sh030": 0}
    renders = sorted(p.name for p in (tmp_path / "renders").rglob("*.png"))
    assert renders == [
        "sh010_0001.png",
        "sh010_0002.png",
        "sh010_0003.png",
        "sh030_0002.png",
        "sh030_0003.png",
    ]
