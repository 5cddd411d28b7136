"""``duet bake`` / ``duet batch`` in Blender: the ``-c duet`` command and its
registration, rendering, safety (inputs untouched, output root, atomic
outputs), exit codes and the JSON summary, driven through the command
functions and through ``python -m duet`` subprocesses."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import pytest

pytestmark = pytest.mark.blender

ROOT = Path(__file__).resolve().parent.parent


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


TINY_WEIGHTS = ROOT / "tests" / "data" / "model" / "tiny_weights.npz"


def weights_file() -> Path:
    """The model the bakes here pin (job-file key weights, --weights): the bundled one when
    present; before the first training run, the small test network committed with the model
    tests (same code path, untrained motion)."""
    from duet.model import weights

    return weights.DEFAULT_WEIGHTS if weights.DEFAULT_WEIGHTS.is_file() else TINY_WEIGHTS


def weights_line(path: Path | None = None) -> str:
    """The job-file line that pins the model (TOML strings quote like JSON)."""
    return f"weights = {json.dumps(str(path or weights_file()))}\n"


def duet_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "duet", *args]


def run_duet(
    *args: str, cwd: Path, timeout: int = 300, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    env.setdefault("BLENDER_USER_RESOURCES", str(cwd / "blender-user"))
    return subprocess.run(
        duet_argv(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def save_simple_shot(bpy, path: Path, *, camera: bool = True, frames: int = 3) -> Path:
    """A small already-'baked' shot: a cube, a camera, a few frames, Workbench at 64x48."""
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    mesh = bpy.data.meshes.new("cube")
    verts = [(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    mesh.from_pydata(verts, [], faces)
    cube = bpy.data.objects.new("cube", mesh)
    scene.collection.objects.link(cube)
    cube.rotation_euler = (0.0, 0.0, 0.0)
    cube.keyframe_insert("rotation_euler", frame=1)
    cube.rotation_euler = (0.0, 0.0, 1.5)
    cube.keyframe_insert("rotation_euler", frame=frames)
    if camera:
        cam = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
        scene.collection.objects.link(cam)
        cam.location = (0.0, -8.0, 0.0)
        cam.rotation_euler = (1.5708, 0.0, 0.0)
        scene.camera = cam
    scene.frame_start, scene.frame_end = 1, frames
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.render.resolution_x, scene.render.resolution_y = 64, 48
    scene.render.resolution_percentage = 100
    path.parent.mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(path), check_existing=False)
    return path


# --------------------------------------------------------------------------- the -c command


def test_blender_command_registers_and_unregister_removes_it() -> None:
    script = ROOT / "tests" / "blender_scripts" / "cli_command_check.py"
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(
        next(x for x in proc.stdout.splitlines() if x.startswith("DUET_REPORT ")).split(" ", 1)[1]
    )
    assert report == {"handle_after_register": True, "handle_after_unregister": False}
    steps = {}
    for chunk in (proc.stderr + proc.stdout).split("\nSTEP ")[1:]:
        label, _, text = chunk.partition("\n")
        steps[label] = steps.get(label, "") + text
    duplicate_warning = 'registered duplicate command "duet"'
    # Blender warns only when "duet" is registered while already registered:
    assert duplicate_warning in steps["register_twice_directly"]
    # so a silent registration after unregister proves the command was removed.
    assert duplicate_warning not in steps["register_after_unregister"]
    assert duplicate_warning not in steps["register"]


def test_dispatcher_exit_codes(bpy_module, tmp_path: Path, capsys) -> None:
    from duet.addon.headless import commands

    assert commands.cli_command(["--help"]) == 0
    assert "bake" in capsys.readouterr().out
    assert commands.cli_command(["batch", "--help"]) == 0
    assert "--shot" in capsys.readouterr().out
    assert commands.cli_command(["render-everything"]) == 2
    assert commands.cli_command(["bake", "--blend", "x.blend"]) == 2  # --audio and --out missing
    assert "required" in capsys.readouterr().err
    assert commands.cli_command(["batch", str(tmp_path / "missing.toml")]) == 3
    assert "job file not found" in capsys.readouterr().err
    # Render options without --render are a usage error, not silently ignored.
    args = ["bake", "--blend", "a.blend", "--audio", "a.wav", "--out", "o.blend", "--engine", "cycles"]
    assert commands.cli_command(args) == 2
    assert "--engine needs --render DIR" in capsys.readouterr().err


def test_cli_table_and_blender_command_share_one_implementation() -> None:
    from duet import cli
    from duet.addon.headless import batch_runner as batch
    from duet.addon.headless import commands

    assert cli.COMMANDS["bake"][0] == commands.__name__ == commands.SUBCOMMANDS["bake"][0]
    assert cli.COMMANDS["batch"][0] == batch.__name__ == commands.SUBCOMMANDS["batch"][0]


def test_audio_suffixes_match_what_blender_decodes(bpy_module) -> None:
    from duet.addon.audio import SUPPORTED_SUFFIXES
    from duet.batch.resolver import AUDIO_SUFFIXES

    assert AUDIO_SUFFIXES == SUPPORTED_SUFFIXES


# --------------------------------------------------------------------------- rendering


@pytest.mark.slow
def test_render_images_then_a_shorter_range_replaces_them(bpy_module, tmp_path: Path) -> None:
    from duet.addon.headless.shot_render import render_baked_shot
    from duet.batch.shot import RenderJob

    blend = save_simple_shot(bpy_module, tmp_path / "baked" / "sh010.blend")
    before = digest(blend)
    seen = []
    job = RenderJob(dir=tmp_path / "renders" / "sh010", resolution=(40, 30))
    files, seconds = render_baked_shot(blend, "sh010", job, progress=lambda s, f: seen.append((s, f)))
    assert [p.name for p in files] == ["sh010_0001.png", "sh010_0002.png", "sh010_0003.png"]
    assert all(png_size(p) == (40, 30) for p in files)  # resolution override
    assert seen[0] == ("render", 0.0) and seen[-1] == ("render", 1.0) and seconds > 0
    assert digest(blend) == before  # rendering never saves the file
    # No hidden temporary folder is left beside the renders.
    assert sorted(p.name for p in (tmp_path / "renders").iterdir()) == ["sh010"]
    # A new render of fewer frames leaves no stale frame from the old one.
    job = RenderJob(dir=tmp_path / "renders" / "sh010", frames=(2, 2), engine="workbench")
    files, _ = render_baked_shot(blend, "sh010", job)
    assert [p.name for p in files] == ["sh010_0002.png"]
    assert sorted(p.name for p in job.dir.iterdir()) == ["sh010_0002.png"]
    assert png_size(files[0]) == (64, 48)  # the .blend's own resolution


@pytest.mark.slow
def test_render_video_with_ffmpeg(bpy_module, tmp_path: Path) -> None:
    from duet.addon.headless.shot_render import render_baked_shot, video_available
    from duet.batch.shot import RenderJob

    if not video_available():
        pytest.skip("this bpy build has no FFmpeg")
    blend = save_simple_shot(bpy_module, tmp_path / "sh020.blend", frames=4)
    job = RenderJob(dir=tmp_path / "renders", format="video", resolution=(64, 48))
    files, _ = render_baked_shot(blend, "sh020", job)
    assert files == [tmp_path / "renders" / "sh020.mp4"]
    head = files[0].read_bytes()[:12]
    assert head[4:8] == b"ftyp" and files[0].stat().st_size > 1000  # an MP4 container with content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["renders", "sh020.blend"]


def test_render_explains_missing_camera_and_engine(bpy_module, tmp_path: Path) -> None:
    from duet.addon.headless.shot_render import RenderError, render_baked_shot
    from duet.batch.shot import RenderJob

    blend = save_simple_shot(bpy_module, tmp_path / "nocam.blend", camera=False)
    with pytest.raises(RenderError, match="has no active camera: add one"):
        render_baked_shot(blend, "nocam", RenderJob(dir=tmp_path / "r"))
    with pytest.raises(RenderError, match="render engine 'BLENDER_POVRAY' is not available"):
        render_baked_shot(blend, "nocam", RenderJob(dir=tmp_path / "r", engine="BLENDER_POVRAY"))
    with pytest.raises(RenderError, match="run the bake stage first"):
        render_baked_shot(tmp_path / "missing.blend", "x", RenderJob(dir=tmp_path / "r"))
    assert not (tmp_path / "r").exists()


# --------------------------------------------------------------------------- batch (render stage)


def render_job(tmp_path: Path, bpy) -> Path:
    """Three shots already baked (good, no camera, good): the render stage of a farm."""
    for name in ("sh010", "sh030"):
        save_simple_shot(bpy, tmp_path / "baked" / f"{name}.blend")
    save_simple_shot(bpy, tmp_path / "baked" / "sh020.blend", camera=False)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "scene.blend").write_bytes(b"input scene, never rendered or written")
    (tmp_path / "in" / "take.wav").write_bytes(b"RIFF")
    job = tmp_path / "jobs.toml"
    job.write_text(
        textwrap.dedent(
            """
            [defaults]
            blend = "in/scene.blend"
            audio = "in/take.wav"
            out = "baked/{shot}.blend"
            render = { dir = "renders/{shot}", resolution = "32x24" }
            [shots.sh010]
            [shots.sh020]
            [shots.sh030]
            render = { frames = "2-3" }
            """
        )
    )
    return job


@pytest.mark.slow
def test_batch_render_stage_one_broken_shot_does_not_stop_the_others(
    bpy_module, tmp_path: Path, capsys
) -> None:
    from duet.addon.headless import commands

    job = render_job(tmp_path, bpy_module)
    summary_file = tmp_path / "summary.json"
    code = commands.cli_command(["batch", str(job), "--stage", "render", "--summary", str(summary_file)])
    assert code == 1
    err = capsys.readouterr().err
    assert "[2/3] sh020: FAILED" in err and "has no active camera" in err
    assert "duet: 2 ok, 1 failed of 3" in err
    summary = json.loads(summary_file.read_text())
    assert summary["exit_code"] == 1 and summary["stage"] == "render"
    assert [(s["name"], s["status"]) for s in summary["shots"]] == [
        ("sh010", "ok"),
        ("sh020", "failed"),
        ("sh030", "ok"),
    ]
    sh010, sh020, sh030 = summary["shots"]
    assert [Path(p).name for p in sh010["renders"]] == ["sh010_0001.png", "sh010_0002.png", "sh010_0003.png"]
    assert [Path(p).name for p in sh030["renders"]] == ["sh030_0002.png", "sh030_0003.png"]
    assert sh010["seconds"]["render"] > 0 and sh010["seconds"]["total"] >= sh010["seconds"]["render"]
    assert "has no active camera" in sh020["error"] and sh020["renders"] == []
    assert not (tmp_path / "renders" / "sh020").exists()
    # --shot runs one unit of work.
    code = commands.cli_command(["batch", str(job), "--stage", "render", "--shot", "sh030", "--quiet"])
    assert code == 0
    quiet_log = capsys.readouterr().err.strip().splitlines()
    assert len(quiet_log) == 1 and quiet_log[0].startswith("duet: 1 ok of 1 in "), quiet_log


@pytest.mark.slow
def test_batch_subprocess_json_stdout_is_only_the_summary(bpy_module, tmp_path: Path) -> None:
    job = render_job(tmp_path, bpy_module)
    proc = run_duet(
        "batch", str(job), "--stage", "render", "--shot", "sh010", "--shot", "sh020", "--json", cwd=tmp_path
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)  # Blender's own render prints went to stderr
    assert [(s["name"], s["status"]) for s in summary["shots"]] == [("sh010", "ok"), ("sh020", "failed")]
    assert summary["counts"]["ok"] == 1 and summary["result"] == "one or more shots failed (the others ran)"
    assert "Saved:" in proc.stderr  # ...and are still in the log
    # --skip-existing resumes: the rendered shot is skipped, the broken one tried again.
    proc = run_duet(
        "batch", str(job), "--stage", "render", "--shot", "sh010", "--skip-existing", "--json", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (entry,) = json.loads(proc.stdout)["shots"]
    assert entry["status"] == "skipped" and entry["note"] == "outputs exist (--skip-existing)"


def test_batch_list_and_check(bpy_module, tmp_path: Path) -> None:
    job = render_job(tmp_path, bpy_module)
    proc = run_duet("batch", str(job), "--list", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    listing = json.loads(proc.stdout)
    assert [s["name"] for s in listing["shots"]] == ["sh010", "sh020", "sh030"]
    assert listing["shots"][2]["render"]["frames"] == [2, 3]
    assert listing["shots"][0]["out"] == str(tmp_path / "baked" / "sh010.blend")
    assert all(s["valid"] for s in listing["shots"])
    proc = run_duet("batch", str(job), "--list", cwd=tmp_path)
    assert proc.stdout.split() == ["sh010", "sh020", "sh030"]
    # Blender 5.2 logs "Using OCIO=..." to stdout when OCIO is set (it is, in any process
    # started by one that imported bpy: a pipeline tool, this test run): the listing a farm
    # submitter parses must stay JSON.
    version = "{}.{}".format(*bpy_module.app.version[:2])
    ocio = Path(bpy_module.__file__).parent / version / "datafiles" / "colormanagement" / "config.ocio"
    proc = run_duet("batch", str(job), "--list", "--json", cwd=tmp_path, env_extra={"OCIO": str(ocio)})
    assert [s["name"] for s in json.loads(proc.stdout)["shots"]] == ["sh010", "sh020", "sh030"]
    proc = run_duet("batch", str(job), "--check", cwd=tmp_path)
    assert proc.returncode == 0 and "3 shots, no problems" in proc.stderr
    proc = run_duet("batch", str(job), "--shot", "sh999", cwd=tmp_path)
    assert (
        proc.returncode == 2
        and "unknown shot 'sh999'" in proc.stderr
        and "sh010, sh020, sh030" in proc.stderr
    )


def test_bad_job_file_exits_3_with_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "scene.blend").write_bytes(b"scene")
    job = tmp_path / "jobs.toml"
    job.write_text(
        textwrap.dedent(
            """
            [defaults]
            blend = "scene.blend"
            out = "baked/{shot}.blend"
            [shots.sh010]
            audio = "missing.wav"
            [shots.sh020]
            audio = "scene.blend"
            seed = 1.5
            [shots.sh030]
            audio = "x.wav"
            colour = "red"
            """
        )
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = run_duet("batch", str(job), "--json", cwd=tmp_path)
    assert proc.returncode == 3
    lines = [x.strip() for x in proc.stderr.splitlines()]
    assert f"duet: {job}: 5 problems:" in lines
    for expected in (
        "shots.sh010.audio: file not found: 'missing.wav'",
        "shots.sh020.audio: 'scene.blend' is not a .wav / .flac / .ogg / .mp3 / .m4a file",
        "shots.sh020.seed: must be a whole number, not a number (1.5)",
        "shots.sh030.colour: unknown key 'colour'",
        "shots.sh030.audio: file not found: 'x.wav'",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, proc.stderr)
    summary = json.loads(proc.stdout)
    assert summary["exit_code"] == 3 and len(summary["problems"]) == 5
    assert [s["status"] for s in summary["shots"]] == ["invalid"] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, not even folders


def test_bake_refuses_unsafe_outputs_and_leaves_inputs_untouched(tmp_path: Path) -> None:
    scene = tmp_path / "shot.blend"
    scene.write_bytes(b"precious input scene")
    (tmp_path / "take.wav").write_bytes(b"RIFF")
    before = digest(scene)
    base = ["bake", "--blend", "shot.blend", "--audio", "take.wav"]
    proc = run_duet(*base, "--out", "./sub/../shot.blend", cwd=tmp_path)
    assert proc.returncode == 3
    assert "--out: output" in proc.stderr and "is an input" in proc.stderr
    root = tmp_path / "deliveries"
    proc = run_duet(*base, "--out", "baked.blend", "--output-root", str(root), cwd=tmp_path)
    assert proc.returncode == 3 and "outside the output root" in proc.stderr
    proc = run_duet(
        *base,
        "--out",
        str(root / "baked.blend"),
        "--render",
        "renders",
        "--output-root",
        str(root),
        cwd=tmp_path,
    )
    assert proc.returncode == 3 and "--render: output" in proc.stderr
    proc = run_duet(*base, "--out", str(root / "ok.blend"), "--summary", "shot.blend", cwd=tmp_path)
    assert proc.returncode == 3 and "--summary: output" in proc.stderr and "is an input" in proc.stderr
    assert digest(scene) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "blender-user") == [
        "shot.blend",
        "take.wav",
    ]


def test_bake_into_folders_it_cannot_write_stops_before_running(tmp_path: Path) -> None:
    # It printed a warning after the shot and exited 0. Tests run as root, whom permission
    # bits do not stop: a folder under a regular file stands for one that cannot be written.
    (tmp_path / "shot.blend").write_bytes(b"never opened: the check stops first")
    (tmp_path / "take.wav").write_bytes(b"RIFF")
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    base = ["bake", "--blend", "shot.blend", "--audio", "take.wav"]
    proc = run_duet(*base, "--out", "ok.blend", "--summary", "notes.txt/summary.json", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert f"--summary: cannot write in '{tmp_path / 'notes.txt'}': '{tmp_path / 'notes.txt'}' is a file" in (
        proc.stderr
    )
    proc = run_duet(*base, "--out", "notes.txt/baked/o.blend", cwd=tmp_path)
    assert proc.returncode == 3 and "--out: cannot write in" in proc.stderr and "is a file" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "blender-user") == [
        "notes.txt",
        "shot.blend",
        "take.wav",
    ]


# --------------------------------------------------------------------------- with the real bake

SPEECHLIKE_SECONDS = 3.0


def write_voice(path: Path, seconds: float = SPEECHLIKE_SECONDS, *, seed: int = 0, channels: int = 1) -> Path:
    """Voiced syllables with pauses: enough structure for the model to move mouths."""
    import wave

    import numpy as np

    rate = 16000
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    voiced = np.sign(np.sin(2 * np.pi * np.cumsum(f0) / rate)) * 0.3
    envelope = (np.sin(2 * np.pi * 3.0 * t) > -0.2).astype(float) * (np.sin(2 * np.pi * 0.25 * t) > -0.6)
    signal = voiced * envelope + 0.01 * rng.standard_normal(t.size)
    data = np.stack([signal, np.roll(signal, rate // 2) * 0.8], axis=1) if channels == 2 else signal
    pcm = (np.clip(data, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


@pytest.fixture
def pair_blend(bpy_module, tmp_path: Path) -> Path:
    from duet.addon import stage

    bpy_module.ops.wm.read_homefile(use_empty=True)
    scene = bpy_module.context.scene
    stage.build_dialogue_pair(scene)
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.render.resolution_x, scene.render.resolution_y = 64, 48
    path = tmp_path / "in" / "pair.blend"
    path.parent.mkdir(parents=True, exist_ok=True)
    bpy_module.ops.wm.save_as_mainfile(filepath=str(path), check_existing=False)
    return path


@pytest.mark.slow
def test_batch_bakes_several_shots_with_one_broken(bpy_module, pair_blend: Path, tmp_path: Path) -> None:
    from duet.addon.headless import commands

    audio = tmp_path / "in"
    for i in range(3):
        write_voice(audio / f"sh0{i + 1}0.wav", seed=i)
    write_voice(audio / "sh020_B.wav", seed=7)
    write_voice(audio / "quiet.wav", seconds=1.0)
    with wave.open(str(audio / "quiet.wav"), "rb") as w:
        params, n = w.getparams(), w.getnframes()
    with wave.open(str(audio / "quiet.wav"), "wb") as w:  # the same file, digital silence
        w.setparams(params)
        w.writeframes(b"\0\0" * n)
    inputs = {p: digest(p) for p in audio.iterdir()}
    job = tmp_path / "jobs.toml"
    job.write_text(
        "[defaults]\n"
        + weights_line()
        + textwrap.dedent(
            """
            blend = "in/pair.blend"
            audio = "in/{shot}.wav"
            out = "out/baked/{shot}.blend"
            [shots.sh010]
            seed = 1
            [shots.sh020]
            audio = ["in/sh020.wav", "in/sh020_B.wav"]  # two stems
            [shots.broken]
            audio = "in/sh030.wav"
            a = "NoSuchObject"
            b = "NorThisOne"
            [shots.sh030]
            render = { dir = "out/renders/{shot}", frames = "1-2", resolution = "32x24" }
            [shots.quiet]
            audio = "in/quiet.wav"
            """
        )
    )
    summary_file = tmp_path / "out" / "summary.json"
    code = commands.cli_command(
        ["batch", str(job), "--output-root", str(tmp_path / "out"), "--summary", str(summary_file), "--quiet"]
    )
    assert code == 1
    summary = json.loads(summary_file.read_text())
    statuses = {s["name"]: s["status"] for s in summary["shots"]}
    assert statuses == {"sh010": "ok", "sh020": "ok", "broken": "failed", "sh030": "ok", "quiet": "failed"}
    by_name = {s["name"]: s for s in summary["shots"]}
    assert "NoSuchObject" in by_name["broken"]["error"]
    assert "voice-over 'quiet.wav' is silent (digital silence)" in by_name["quiet"]["error"]
    assert not (tmp_path / "out" / "baked" / "quiet.blend").exists()
    for name in ("sh010", "sh020", "sh030"):
        assert (tmp_path / "out" / "baked" / f"{name}.blend").is_file()
        assert {"load", "generate", "bake", "save", "total"} <= set(by_name[name]["seconds"])
        assert by_name[name]["take"]
    assert not (tmp_path / "out" / "baked" / "broken.blend").exists()
    assert len(by_name["sh030"]["renders"]) == 2
    # Inputs untouched, no temporary file left anywhere.
    assert {p: digest(p) for p in audio.iterdir()} == inputs
    leftovers = [p for p in tmp_path.rglob("*") if ".duet-tmp-" in p.name]
    assert leftovers == []
    # The baked file opens and holds the take's animation on both characters.
    bpy_module.ops.wm.open_mainfile(filepath=str(tmp_path / "out" / "baked" / "sh010.blend"))
    tracks = [
        t.name for o in bpy_module.data.objects if o.animation_data for t in o.animation_data.nla_tracks
    ]
    assert by_name["sh010"]["take"] in tracks


def test_unusable_weights_are_refused_before_any_shot_with_location_and_fix(
    bpy_module, tmp_path: Path, capsys
) -> None:
    import numpy as np

    from duet.addon.headless import commands

    models = tmp_path / "models"
    models.mkdir()
    (models / "truncated.npz").write_bytes(TINY_WEIGHTS.read_bytes()[:4000])
    (models / "tampered.npz").write_bytes(TINY_WEIGHTS.read_bytes()[:-1] + b"!")
    (models / "tampered.json").write_bytes(TINY_WEIGHTS.with_suffix(".json").read_bytes())
    np.savez(models / "stray.npz", scores=np.zeros(3))
    with np.load(TINY_WEIGHTS, allow_pickle=False) as data:
        np.savez(models / "older.npz", **{k: data[k] for k in data.files if k != "front.weight"})
    (tmp_path / "pair.blend").write_bytes(b"never opened: the check stops first")
    write_voice(tmp_path / "take.wav", seconds=1.0)
    shots = ["truncated", "tampered", "stray", "older", "missing"]
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\nblend = "pair.blend"\naudio = "take.wav"\nout = "out/{shot}.blend"\n'
        + "".join(f'[shots.{name}]\nweights = "models/{name}.npz"\n' for name in shots)
        + "[shots.good]\n"
        + weights_line(TINY_WEIGHTS)
    )
    assert commands.cli_command(["batch", str(job), "--check"]) == 3
    err = capsys.readouterr().err
    assert f"duet: {job}: 5 problems:" in err
    lines = {x.strip().split(": ", 1)[0]: x.strip() for x in err.splitlines() if x.startswith("  shots.")}
    assert sorted(lines) == sorted(f"shots.{name}.weights" for name in shots)
    for name in shots:  # each names its file and says what to do
        line = lines[f"shots.{name}.weights"]
        assert f"{name}.npz" in line and "use the bundled model" in line, line
    assert "could not be read as a weights file" in lines["shots.truncated.weights"]
    assert "does not match the sha256 in tampered.json" in lines["shots.tampered.weights"]
    assert "not a Duet weights file" in lines["shots.stray.weights"]
    assert "lack 'front.weight' of the" in lines["shots.older.weights"]  # from another version
    assert "file not found: 'models/missing.npz'" in lines["shots.missing.weights"]
    assert not (tmp_path / "out").exists()
    # duet bake checks --weights the same way, located by the option.
    bake = ["bake", "--blend", "pair.blend", "--audio", "take.wav", "--out", str(tmp_path / "o.blend")]
    os.chdir(tmp_path)
    try:
        assert commands.cli_command([*bake, "--weights", "models/stray.npz"]) == 3
    finally:
        os.chdir(ROOT)
    assert "--weights: " in capsys.readouterr().err


def test_a_staging_typo_is_refused_by_the_check_before_any_blender_file_opens(
    bpy_module, tmp_path: Path, capsys
) -> None:
    from duet.addon.headless import commands

    (tmp_path / "pair.blend").write_bytes(b"never opened: the check stops first")
    write_voice(tmp_path / "take.wav", seconds=1.0)
    (tmp_path / "good.txt").write_text("Mara faces left\n", encoding="utf-8")
    (tmp_path / "typo.txt").write_text("Mara faces left\nTheo lokos at Mara\n", encoding="utf-8")
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\nblend = "pair.blend"\naudio = "take.wav"\nout = "out/{shot}.blend"\n'
        'a = "Mara"\nb = "Theo"\n[shots.good]\nstaging = "good.txt"\n[shots.typo]\nstaging = "typo.txt"\n'
    )
    assert commands.cli_command(["batch", str(job), "--check"]) == 3
    err = capsys.readouterr().err
    assert f"duet: {job}: 1 problem:" in err
    assert (
        f"  shots.typo.staging: '{tmp_path / 'typo.txt'}' line 2, col 6: 'lokos': did you mean 'looks'?"
        in err
    )
    # The farm task of the good shot is not held up by it.
    assert commands.cli_command(["batch", str(job), "--shot", "good", "--stage", "bake", "--check"]) == 0
    capsys.readouterr()
    bake = ["bake", "--blend", "pair.blend", "--audio", "take.wav", "--a", "Mara", "--b", "Theo"]
    os.chdir(tmp_path)
    try:
        assert commands.cli_command([*bake, "--staging", "typo.txt", "--out", "out/o.blend"]) == 3
    finally:
        os.chdir(ROOT)
    assert "--staging: " in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_damaged_or_truncated_blend_is_named_with_the_fix_not_an_internal_error(
    bpy_module, pair_blend: Path, tmp_path: Path
) -> None:
    from duet.addon.headless import commands

    data = pair_blend.read_bytes()
    (tmp_path / "in" / "half.blend").write_bytes(data[: len(data) // 2])  # a copy cut off halfway
    (tmp_path / "in" / "text.blend").write_text("a text file renamed .blend")
    write_voice(tmp_path / "in" / "take.wav", seconds=1.0)
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\naudio = "in/take.wav"\nout = "out/{shot}.blend"\n'
        + weights_line()
        + '[shots.half]\nblend = "in/half.blend"\n[shots.text]\nblend = "in/text.blend"\n'
    )
    summary_file = tmp_path / "summary.json"
    assert commands.cli_command(["batch", str(job), "--summary", str(summary_file), "--quiet"]) == 1
    errors = {s["name"]: s["error"] for s in json.loads(summary_file.read_text())["shots"]}
    for name, what in (("half", "it is damaged or truncated"), ("text", "it is not a .blend file")):
        error = errors[name]
        assert error.startswith(
            f"shot file '{tmp_path / 'in' / name}.blend' could not be opened: {what}"
        ), error
        assert "(Blender: " in error and error.endswith("re-save it from Blender or restore a backup")
        assert "internal error" not in error
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_full_disk_is_named_with_its_folder_and_the_fix(
    bpy_module, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from duet.addon.headless import batch_runner as batch
    from duet.addon.headless import shot_bake
    from duet.batch import atomic
    from duet.batch.progress import BatchProgress
    from duet.batch.shot import Shot

    def bake_shot(spec, progress=None):  # stands for the bake: writes the temporary output
        spec.out.write_bytes(b"BLENDER baked")
        return shot_bake.ShotResult(out=spec.out, take="Duet Take 1")

    def disk_full(tmp: Path, final: Path) -> None:  # the atomic writer's commit, on a full disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    monkeypatch.setattr(shot_bake, "bake_shot", bake_shot)
    monkeypatch.setattr(atomic, "replace_into_place", disk_full)
    out = tmp_path / "out" / "sh010.blend"
    shot = Shot("sh010", tmp_path / "in.blend", (tmp_path / "take.wav",), None, None, None, out)
    outcome = batch.run_shot(shot, stage="bake", progress=BatchProgress(1, quiet=True))
    assert outcome.status == "failed"
    assert outcome.error == (
        f"the disk holding '{tmp_path / 'out'}' is full (No space left on device): free space and run again"
    )
    assert list((tmp_path / "out").iterdir()) == []  # nothing half-written left behind
    # Blender's own save says so in its message: named the same way, not an internal error.
    saved = shot_bake.blend_save_error(
        out, RuntimeError(f"Error: Cannot open file {out}@ for writing: No space left on device\n")
    )
    assert batch.describe_exception(saved, debug=False) == outcome.error
    other = shot_bake.blend_save_error(out, RuntimeError("Error: something else\n"))
    assert isinstance(other, shot_bake.ShotError) and "could not be saved" in str(other)


@pytest.mark.slow
def test_missing_bundled_model_fails_each_shot_with_the_fix(
    pair_blend: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duet.addon.headless import commands
    from duet.model import weights

    # The case itself: an installation whose bundled model file is gone.
    monkeypatch.setattr(weights, "DEFAULT_WEIGHTS", tmp_path / "assets" / "duet_model.npz")
    write_voice(tmp_path / "in" / "take.wav", seconds=1.0)
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\nblend = "in/pair.blend"\naudio = "in/take.wav"\nout = "out/{shot}.blend"\n'
        "[shots.sh010]\n[shots.sh020]\n"
    )
    summary_file = tmp_path / "summary.json"
    assert commands.cli_command(["batch", str(job), "--summary", str(summary_file), "--quiet"]) == 1
    summary = json.loads(summary_file.read_text())
    for shot in summary["shots"]:
        assert shot["status"] == "failed"
        assert shot["error"].startswith(
            f"the bundled model {tmp_path / 'assets' / 'duet_model.npz'} is missing"
        )
        assert "reinstall the Duet extension" in shot["error"] and "--weights" in shot["error"]
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    # Damaged: every shot says so, with the file and the fix, and writes nothing.
    weights.DEFAULT_WEIGHTS.parent.mkdir()
    weights.DEFAULT_WEIGHTS.write_bytes(TINY_WEIGHTS.read_bytes()[:4000])
    assert commands.cli_command(["batch", str(job), "--summary", str(summary_file), "--quiet"]) == 1
    for shot in json.loads(summary_file.read_text())["shots"]:
        assert shot["status"] == "failed"
        assert f"{weights.DEFAULT_WEIGHTS} could not be read as a weights file" in shot["error"]
        assert shot["error"].endswith(
            "reinstall the Duet extension, or set weights to a model .npz "
            "(job-file key weights, duet bake --weights, the panel's Model)"
        )
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.mark.slow
def test_a_farm_task_bakes_its_shot_whatever_is_wrong_with_another(
    bpy_module, pair_blend: Path, tmp_path: Path
) -> None:
    from duet.addon.headless import commands

    write_voice(tmp_path / "in" / "mine.wav", seconds=1.5)
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\nblend = "in/pair.blend"\nout = "out/{shot}.blend"\n'
        + weights_line()
        + '[shots.mine]\naudio = "in/mine.wav"\n'
        # Another shot's audio name is too long for the file system: the whole job's check
        # raised out of the command with it, so every farm task of the job failed.
        + f'[shots.theirs]\naudio = "in/{"x" * 300}.wav"\n'
    )
    summary_file = tmp_path / "out" / "summary.json"
    farm_task = ["batch", str(job), "--shot", "mine", "--stage", "bake", "--summary", str(summary_file)]
    assert commands.cli_command([*farm_task, "--quiet"]) == 0
    (shot,) = json.loads(summary_file.read_text())["shots"]
    assert shot["name"] == "mine" and shot["status"] == "ok"
    assert (tmp_path / "out" / "mine.blend").is_file()
    # The whole job reports the other shot's problem where it is, and runs nothing.
    assert commands.cli_command(["batch", str(job), "--check"]) == 3


@pytest.mark.slow
def test_bake_command_subprocess_with_render(pair_blend: Path, tmp_path: Path) -> None:
    voice = write_voice(tmp_path / "in" / "take.wav")
    before = digest(pair_blend)
    proc = run_duet(
        "bake",
        "--blend",
        str(pair_blend),
        "--audio",
        str(voice),
        "--out",
        "shot_baked.blend",
        "--take",
        "Batch Take",
        "--seed",
        "4",
        "--render",
        "renders",
        "--frames",
        "1-2",
        "--weights",
        str(weights_file()),
        "--json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    (shot,) = summary["shots"]
    assert shot["status"] == "ok" and shot["take"].endswith(": Batch Take")
    assert shot["out"] == str(tmp_path / "shot_baked.blend") and Path(shot["out"]).is_file()
    assert [Path(p).name for p in shot["renders"]] == ["shot_baked_0001.png", "shot_baked_0002.png"]
    assert digest(pair_blend) == before


@pytest.mark.slow
def test_interrupted_batch_keeps_finished_shots_and_leaves_no_partial_output(
    pair_blend: Path, tmp_path: Path
) -> None:
    import signal

    # The second shot is long, so that it is still running when the signal lands however
    # slowly this process reads the log; the signal most often lands while its .blend opens.
    for i, seconds in enumerate((3.0, 240.0, 3.0)):
        write_voice(tmp_path / "in" / f"s{i}.wav", seconds=seconds, seed=i)
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\nblend = "in/pair.blend"\naudio = "in/{shot}.wav"\nout = "out/{shot}.blend"\n'
        + weights_line()
        + "[shots.s0]\n[shots.s1]\n[shots.s2]\n"
    )
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "blender-user"))
    proc = subprocess.Popen(
        duet_argv("batch", str(job), "--json"),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = []
    for line in proc.stderr:  # wait until the first shot is done and the second started
        log.append(line)
        if "[2/3] s1:" in line:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, "".join(log) + err
    summary = json.loads(out)
    assert [s["status"] for s in summary["shots"]] == ["ok", "interrupted", "skipped"]
    assert (tmp_path / "out" / "s0.blend").is_file()
    assert not (tmp_path / "out" / "s1.blend").exists() and not (tmp_path / "out" / "s2.blend").exists()
    assert [p for p in (tmp_path / "out").iterdir() if p.name != "s0.blend"] == []


@pytest.mark.slow
@pytest.mark.parametrize("blender_step", ["load_post", "save_post"])
def test_signal_in_python_that_blender_runs_still_stops_the_batch(
    bpy_module, pair_blend: Path, tmp_path: Path, blender_step: str
) -> None:
    """Blender prints and drops any exception raised in Python it runs itself (its own
    load handlers, add-ons' handlers, drivers). A Ctrl-C landing there, which is likely
    while a .blend opens, must still stop the batch and leave no output of that shot."""
    import signal

    from duet.addon.headless import commands

    for i in range(3):
        write_voice(tmp_path / "in" / f"s{i}.wav", seed=i)
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\nblend = "in/pair.blend"\naudio = "in/{shot}.wav"\nout = "out/{shot}.blend"\n'
        + weights_line()
        + "[shots.s0]\n[shots.s1]\n[shots.s2]\n"
    )
    calls = []

    @bpy_module.app.handlers.persistent
    def ctrl_c_in_the_second_shot(*_args: object) -> None:
        calls.append(blender_step)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))  # Python steps inside Blender's call, where the signal handler runs

    handlers = getattr(bpy_module.app.handlers, blender_step)
    handlers.append(ctrl_c_in_the_second_shot)
    summary_file = tmp_path / "summary.json"
    try:
        code = commands.cli_command(["batch", str(job), "--summary", str(summary_file), "--quiet"])
    finally:
        handlers.remove(ctrl_c_in_the_second_shot)
    assert len(calls) == 2
    summary = json.loads(summary_file.read_text())
    assert code == 130 and summary["result"] == "interrupted"
    assert [s["status"] for s in summary["shots"]] == ["ok", "interrupted", "skipped"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["s0.blend"]


@pytest.mark.slow
def test_ctrl_c_during_a_render_stops_the_batch_without_partial_output(bpy_module, tmp_path: Path) -> None:
    import signal

    for name in ("sh010", "sh020"):
        save_simple_shot(bpy_module, tmp_path / "baked" / f"{name}.blend", frames=60)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "scene.blend").write_bytes(b"scene")
    (tmp_path / "in" / "take.wav").write_bytes(b"RIFF")
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\nblend = "in/scene.blend"\naudio = "in/take.wav"\nout = "baked/{shot}.blend"\n'
        'render = { dir = "renders/{shot}", resolution = "160x120" }\n[shots.sh010]\n[shots.sh020]\n'
    )
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "duet", "batch", str(job), "--stage", "render", "--json"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = []
    for line in proc.stderr:  # Blender saved a first frame: its render is under way
        log.append(line)
        if "Saved:" in line:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, "".join(log) + err[-3000:]
    assert "stopping after the current render" in err
    summary = json.loads(out)
    assert [(s["name"], s["status"]) for s in summary["shots"]] == [
        ("sh010", "interrupted"),
        ("sh020", "skipped"),
    ]
    assert summary["result"] == "interrupted"
    # The render finished into the hidden folder, which was removed, not moved into place.
    assert not (tmp_path / "renders" / "sh010").exists()
    leftovers = list((tmp_path / "renders").iterdir()) if (tmp_path / "renders").exists() else []
    assert leftovers == []


def staging_available() -> bool:
    try:
        from duet.model import staging
    except ImportError:
        return False
    return hasattr(staging, "validate") and hasattr(staging, "parse")


@pytest.mark.slow
def test_batch_shot_with_staging(bpy_module, pair_blend: Path, tmp_path: Path) -> None:
    if not staging_available():
        pytest.skip("duet.model.staging (the staging parser) is not in this tree yet")
    from duet.addon.headless import commands

    write_voice(tmp_path / "in" / "sh010.wav")
    (tmp_path / "in" / "sh010.txt").write_text("A looks at B\n")
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[shots.sh010]\nblend = "in/pair.blend"\naudio = "in/sh010.wav"\nstaging = "in/sh010.txt"\n'
        'out = "out/sh010.blend"\n' + weights_line()
    )
    summary_file = tmp_path / "summary.json"
    assert commands.cli_command(["batch", str(job), "--summary", str(summary_file), "--quiet"]) == 0
    (shot,) = json.loads(summary_file.read_text())["shots"]
    assert shot["status"] == "ok" and (tmp_path / "out" / "sh010.blend").is_file()


# --------------------------------------------------------------------------- retarget maps


def write_map(path: Path, targets: dict[str, str]) -> Path:
    """A retarget map that drives only ``targets`` (shape key -> its ARKit channel)."""
    linear = [{"target": key, "sources": {channel: 1.0}} for key, channel in targets.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "duet-retarget-map", "version": 1, "linear": linear}))
    return path


def driven_keys(bpy, rig_name: str) -> set[str]:
    """The shape keys the takes in the open file drive on a character (its armature's meshes)."""
    import re

    names = set()
    for mesh in bpy.data.objects[rig_name].children_recursive:
        ad = mesh.data.shape_keys.animation_data if mesh.type == "MESH" and mesh.data.shape_keys else None
        for strip in [s for t in ad.nla_tracks for s in t.strips] if ad else []:
            bag = strip.action.layers[0].strips[0].channelbag(strip.action_slot)
            names |= {re.fullmatch(r'key_blocks\["(.+)"\]\.value', fc.data_path)[1] for fc in bag.fcurves}
    return names


PANEL_MAPS = {"A": {"browInnerUp": "browInnerUp"}, "B": {"mouthFunnel": "mouthFunnel", "jawOpen": "jawOpen"}}


@pytest.fixture
def pair_blend_with_panel_maps(bpy_module, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A Duet pair whose panel (Characters > Map) picks a retarget map for each character,
    saved by the extension; the batch below runs without it registered (python -m duet)."""
    import duet
    from duet.addon import stage

    bpy_module.ops.wm.read_homefile(use_empty=True)
    scene = bpy_module.context.scene
    stage.build_dialogue_pair(scene)
    pair = stage.find_pairs(scene)[-1]
    duet.register()
    try:
        for role in ("A", "B"):
            text = bpy_module.data.texts.new(f"panel {role}.json")
            text.from_string(write_map(tmp_path / "panel.json", PANEL_MAPS[role]).read_text())
            setattr(scene.duet, f"character_{role.lower()}", pair[role])
            setattr(scene.duet, f"retarget_{role.lower()}", text)
        path = tmp_path / "in" / "pair.blend"
        path.parent.mkdir(parents=True, exist_ok=True)
        bpy_module.ops.wm.save_as_mainfile(filepath=str(path), check_existing=False)
    finally:
        duet.unregister()
    return path, {role: pair[role].name for role in ("A", "B")}


@pytest.mark.slow
def test_batch_retarget_maps_from_the_job_and_the_panel(
    bpy_module, pair_blend_with_panel_maps: tuple[Path, dict[str, str]], tmp_path: Path, capsys
) -> None:
    from duet.addon.headless import commands

    pair, rig = pair_blend_with_panel_maps
    write_voice(tmp_path / "in" / "take.wav", seconds=1.0)
    write_map(tmp_path / "maps" / "a_job.json", {"jawOpen": "jawOpen", "eyeBlinkLeft": "eyeBlinkLeft"})
    write_map(tmp_path / "maps" / "lacking.json", {"jawOpen": "jawOpen", "noSuchKey": "mouthSmileLeft"})
    (tmp_path / "maps" / "broken.json").write_text("{ not json")
    job = tmp_path / "jobs.toml"
    job.write_text(
        '[defaults]\nblend = "in/pair.blend"\naudio = "in/take.wav"\nout = "out/{shot}.blend"\n'
        + weights_line()
        + textwrap.dedent(
            f"""
            [shots.mapped]
            retarget_a = "maps/a_job.json"   # overrides the panel's map for A
            [shots.swapped]
            a = "{rig["B"]}"
            b = "{rig["A"]}"
            [shots.lacking]
            retarget_b = "maps/lacking.json"
            [shots.broken]
            retarget_a = "maps/broken.json"
            """
        )
    )
    summary_file = tmp_path / "summary.json"
    code = commands.cli_command(
        ["batch", str(job), "--skip-invalid", "--summary", str(summary_file), "--quiet"]
    )
    assert code == 1
    by_name = {s["name"]: s for s in json.loads(summary_file.read_text())["shots"]}
    assert {n: s["status"] for n, s in by_name.items()} == {
        "mapped": "ok",
        "swapped": "ok",
        "lacking": "failed",
        "broken": "invalid",
    }
    # A map naming a shape key the rig lacks fails its shot only, saying which key and what to do.
    assert (
        f"retarget map 'lacking.json' drives shape keys that character B '{rig['B']}' lacks: noSuchKey"
        in (by_name["lacking"]["error"])
    )
    assert "remove them from the map" in by_name["lacking"]["error"]
    assert not (tmp_path / "out" / "lacking.blend").exists()
    # Invalid JSON is found by the job check, with the key's location.
    (problem,) = by_name["broken"]["problems"]
    assert problem.startswith("shots.broken.retarget_a: retarget map '") and "is not valid JSON" in problem
    # The job's map drives A's keys; B keeps the map picked in the .blend's panel.
    bpy_module.ops.wm.open_mainfile(filepath=str(tmp_path / "out" / "mapped.blend"))
    assert driven_keys(bpy_module, rig["A"]) == {"jawOpen", "eyeBlinkLeft"}
    assert driven_keys(bpy_module, rig["B"]) == set(PANEL_MAPS["B"])
    # A panel map follows its character: with A and B swapped, so are the maps.
    bpy_module.ops.wm.open_mainfile(filepath=str(tmp_path / "out" / "swapped.blend"))
    assert driven_keys(bpy_module, rig["A"]) == set(PANEL_MAPS["A"])
    assert driven_keys(bpy_module, rig["B"]) == set(PANEL_MAPS["B"])
    # duet bake checks --retarget-a / --retarget-b the same way, located by the option.
    capsys.readouterr()
    bake = ["bake", "--blend", str(pair), "--audio", str(tmp_path / "in" / "take.wav")]
    bake += ["--out", str(tmp_path / "out" / "single.blend")]
    assert commands.cli_command([*bake, "--retarget-b", str(tmp_path / "maps" / "broken.json")]) == 3
    err = capsys.readouterr().err
    assert "--retarget-b: retarget map '" in err and "is not valid JSON" in err
