"""Fixing a wrong role in a batch shot: the job-file key ``roles`` and ``duet bake --roles``
("first", "swap", or the seconds in which A speaks), as the panel's Swap A/B and A Speaks At.

Pure: the values and their messages, a script beside roles, a span outside the audio (read from
the WAV / FLAC header), the listing, the docs. In Blender: shots of the bundled example baked
with the default roles, swapped, and with a span over B's first line (the turns change hands),
and a span over a pause failing with generate()'s message."""

from __future__ import annotations

import json
import re
import wave
from pathlib import Path

import numpy as np
import pytest
from example_takes import example_cut, pair_blend, turns
from job_files import write_job

from duet.batch import audio_length, jobfile, text_inputs
from duet.batch.shot import Shot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_AUDIO = ROOT / "assets" / "example_dialogue.flac"
EXAMPLE_SECONDS = 26.8578125  # its FLAC stream info: 429725 samples at 16 kHz


def write_wav(path: Path, seconds: float, rate: int = 16000, channels: int = 1) -> Path:
    """A WAV of a quiet tone (the check reads only its header)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(round(seconds * rate))) / rate
    tone = (0.1 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone[:, None], channels, axis=1).tobytes())
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "shots").mkdir()
    (tmp_path / "shots/sc01.blend").write_bytes(b"input blend")
    write_wav(tmp_path / "audio/sh010.wav", 20.0)
    write_wav(tmp_path / "audio/sh010_B.wav", 20.0)
    (tmp_path / "audio/sh020.ogg").write_bytes(b"OggS not really")  # no header length: left to generate()
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/sc01.txt").write_text("Mara: Hello.\nTheo: Hi.\n", encoding="utf-8")
    return tmp_path


HEAD = """
[defaults]
blend = "shots/sc01.blend"
audio = "audio/sh010.wav"
out = "baked/{shot}.blend"
"""


def located(check: jobfile.JobCheck) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in check.problems:
        assert problem.location not in found, check.problems
        found[problem.location] = problem.message
    return found


# --------------------------------------------------------------------------- the key


def test_roles_from_defaults_and_shots_reach_the_shot_and_its_listing(project: Path) -> None:
    job = write_job(
        project,
        HEAD
        + """
        roles = "swap"
        [shots.inherits]
        [shots.first]
        roles = "first"                # switches the defaults' swap off
        [shots.span]
        roles = [12.5, 14]
        [shots.text]
        roles = " 3-4.25 "             # as duet bake --roles takes it
        [shots.whole]
        roles = [0, 20]                # ints are seconds too
        [shots.upper]
        roles = "SWAP"
        """,
    )
    check = jobfile.load_job(job)
    assert check.problems == []
    shots = {s.name: s for s in check.shots}
    assert {name: s.roles for name, s in shots.items()} == {
        "inherits": "swap",
        "first": "first",
        "span": (12.5, 14.0),
        "text": (3.0, 4.25),
        "whole": (0.0, 20.0),
        "upper": "swap",
    }
    # What the bake hands GenerationRequest (swap_roles / a_speaks).
    assert (shots["inherits"].swap_roles, shots["inherits"].a_speaks) == (True, None)
    assert (shots["first"].swap_roles, shots["first"].a_speaks) == (False, None)
    assert (shots["span"].swap_roles, shots["span"].a_speaks) == (False, (12.5, 14.0))
    listed = {n: json.loads(json.dumps(s.to_dict()))["roles"] for n, s in shots.items()}
    assert listed["span"] == [12.5, 14.0] and listed["inherits"] == "swap" and listed["first"] == "first"


def test_roles_a_or_b_is_a_take_of_one_voice_in_either_case(project: Path) -> None:
    """roles = "A" / "B": the take holds one voice, that character's (the panel's Only A / B
    Speaks); stored upper case, handed to the bake as one_voice, listed as given."""
    job = write_job(
        project,
        HEAD
        + """
        roles = "b"
        [shots.inherits]
        [shots.a]
        roles = "A"
        [shots.lower_a]
        roles = " a "
        [shots.upper_b]
        roles = "B"
        [shots.stems]
        audio = ["audio/sh010.wav", "audio/sh010_B.wav"]
        roles = "A"                  # not used with stems: the take's notes say so, no problem here
        """,
    )
    check = jobfile.load_job(job)
    assert check.problems == []
    shots = {s.name: s for s in check.shots}
    expected = {"inherits": "B", "a": "A", "lower_a": "A", "upper_b": "B", "stems": "A"}
    assert {name: s.roles for name, s in shots.items()} == expected
    assert {name: s.one_voice for name, s in shots.items()} == expected
    assert all(not s.swap_roles and s.a_speaks is None for s in shots.values())
    assert {n: json.loads(json.dumps(s.to_dict()))["roles"] for n, s in shots.items()} == expected
    for other in ("first", "swap", (1.0, 2.0)):
        shot = Shot("sh", Path("/a.blend"), (Path("/a.wav"),), None, None, None, Path("/o"), roles=other)
        assert shot.one_voice is None, other
    for given, stored in (("A", "A"), ("b", "B")):  # duet bake --roles
        single = jobfile.check_single_shot({**BAKE, "roles": given}, project)
        assert single.problems == [] and single.shots[0].roles == stored, given


def test_a_shot_without_roles_keeps_the_default() -> None:
    shot = Shot("sh", Path("/a.blend"), (Path("/a.wav"),), None, None, None, Path("/o.blend"))
    assert (shot.roles, shot.swap_roles, shot.a_speaks) == ("first", False, None)
    assert shot.to_dict()["roles"] == "first"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"swp"', "'swp' is not a roles value (did you mean 'swap'?): use \"first\""),
        ('"only B"', "'only B' is not a roles value (did you mean 'B'?)"),
        ('"a-only"', "'a-only' is not a roles value (did you mean 'A'?)"),
        ('"ab"', "'ab' is not a roles value: use"),  # could be either role: no guess
        ('"default"', "'default' is not a roles value (did you mean 'first'?)"),
        ('""', 'must not be empty: write "first" for the default, or remove the key'),
        ("3", 'must be "first" (A is the first voice heard), "swap" (B is), "A" or "B" (the take holds one '),
        ("true", "not true/false (True)"),
        ("{ start = 1 }", "not a table"),
        ("[12.5]", "[start, end] takes two numbers (seconds in which A speaks), not 1 value"),
        ("[1, 2, 3]", "[start, end] takes two numbers (seconds in which A speaks), not 3 values"),
        ('["12", 14]', "[start, end] must be numbers of seconds, not a string ('12')"),
        ("[true, 14]", "[start, end] must be numbers of seconds, not true/false (True)"),
        ("[nan, 14]", "[start, end] must be finite numbers of seconds, not nan"),
        ("[1, inf]", "[start, end] must be finite numbers of seconds, not inf"),
        ("[-1, 2]", "the span starts at -1 s: seconds count from 0, the start of the audio"),
        ('"-1-2"', "the span starts at -1 s: seconds count from 0, the start of the audio"),
        ("[14, 12.5]", "the span 14-12.5 s ends before it starts: give the start, then a later end"),
        ("[3, 3]", "the span 3-3 s is empty: give the start, then a later end"),
    ],
)
def test_a_wrong_roles_value_is_named_with_what_to_write(project: Path, value: str, message: str) -> None:
    job = write_job(project, HEAD + f"[shots.sh010]\nroles = {value}\n")
    check = jobfile.load_job(job)
    found = located(check)
    assert list(found) == ["shots.sh010.roles"], found
    assert message in found["shots.sh010.roles"]
    assert check.shots == []


def test_a_wrong_roles_value_in_the_defaults_is_reported_once_there(project: Path) -> None:
    job = write_job(project, HEAD + 'roles = "swapp"\n[shots.a]\n[shots.b]\nroles = "first"\n')
    found = located(jobfile.load_job(job))
    assert list(found) == ["defaults.roles"]
    assert found["defaults.roles"].startswith("'swapp' is not a roles value (did you mean 'swap'?)")


# --------------------------------------------------------------------------- with a script


def test_roles_beside_a_script_names_both_keys(project: Path) -> None:
    job = write_job(
        project,
        HEAD
        + """
        script = "scripts/sc01.txt"
        [shots.swapped]
        roles = "swap"
        [shots.span]
        roles = [1, 2]
        [shots.one_voice]
        roles = "B"
        [shots.first]
        roles = "first"              # the default: nothing to choose between
        [shots.unscripted]
        script = ""
        roles = "swap"
        """,
    )
    check = jobfile.load_job(job, script_check=text_inputs.script_problems)
    found = located(check)
    both = "roles and script are both set, but a script names who speaks each line: remove roles or script"
    assert found == {"shots.swapped.roles": both, "shots.span.roles": both, "shots.one_voice.roles": both}
    assert {s.name: s.roles for s in check.shots} == {"first": "first", "unscripted": "swap"}


def test_roles_in_the_defaults_beside_a_shots_script_says_how_to_switch_it_off(project: Path) -> None:
    job = write_job(project, HEAD + 'roles = "swap"\n[shots.sh010]\nscript = "scripts/sc01.txt"\n')
    found = located(jobfile.load_job(job))
    assert found["shots.sh010.roles"].endswith(
        'remove roles or script (set in [defaults]: write roles = "first" in this shot to switch it off)'
    )


# --------------------------------------------------------------------------- the audio's length


def test_declared_length_of_wav_and_flac_from_their_headers(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "a.wav", 3.0, rate=22050, channels=2)
    assert audio_length.declared_seconds(wav) == pytest.approx(3.0, abs=1e-9)
    with wav.open("rb") as f:
        assert audio_length.wav_header(f) == (66150, 22050)
    assert audio_length.declared_seconds(EXAMPLE_AUDIO) == pytest.approx(EXAMPLE_SECONDS, abs=1e-9)
    # What says no length: another format, a WAV that is not RIFF, a FLAC with no total, no file.
    (tmp_path / "fake.wav").write_bytes(b"not a riff header at all")
    flac = bytearray(EXAMPLE_AUDIO.read_bytes()[:64])
    flac[21] &= 0xF0  # the 36-bit total: the low 4 bits of byte 21, then bytes 22-25
    flac[22:26] = b"\0\0\0\0"
    (tmp_path / "unknown.flac").write_bytes(bytes(flac))
    (tmp_path / "x.ogg").write_bytes(b"OggS")
    for name in ("fake.wav", "unknown.flac", "x.ogg", "missing.wav"):
        assert audio_length.declared_seconds(tmp_path / name) is None, name


def test_a_span_outside_the_audio_is_refused_at_check_time(project: Path) -> None:
    (project / "audio/sc.flac").write_bytes(EXAMPLE_AUDIO.read_bytes())
    job = write_job(
        project,
        HEAD
        + """
        [shots.past]
        roles = [30, 32]
        [shots.over]
        roles = [18, 25]
        [shots.edge]
        roles = [18, 20.004]         # within the rounding of the length shown
        [shots.inside]
        roles = [0, 19.5]
        [shots.flac]
        audio = "audio/sc.flac"
        roles = [26, 28]
        [shots.ogg]
        audio = "audio/sh020.ogg"   # the length is known once decoded: generate() checks it
        roles = [30, 32]
        [shots.stems]
        audio = ["audio/sh010.wav", "audio/sh010_B.wav"]
        roles = [30, 32]             # not used with stems: the take's notes say so, no problem here
        [shots.stereo_stems]
        stems = true
        roles = [30, 32]
        """,
    )
    check = jobfile.load_job(job)
    found = located(check)
    assert found == {
        "shots.past.roles": "the span 30-32 s starts after the audio ends: 'sh010.wav' lasts 20.00 s; "
        "give seconds from its start, from 0 to 20.00",
        "shots.over.roles": "the span 18-25 s ends after the audio does: 'sh010.wav' lasts 20.00 s; "
        "give seconds from its start, from 0 to 20.00",
        "shots.flac.roles": "the span 26-28 s ends after the audio does: 'sc.flac' lasts 26.86 s; "
        "give seconds from its start, from 0 to 26.86",
    }
    assert [s.name for s in check.shots] == ["edge", "inside", "ogg", "stems", "stereo_stems"]


def test_a_span_in_the_defaults_outside_one_shots_audio_says_where_it_was_set(project: Path) -> None:
    write_wav(project / "audio/short.wav", 5.0)
    job = write_job(
        project, HEAD + "roles = [8, 9]\n[shots.long]\n[shots.short]\naudio = 'audio/short.wav'\n"
    )
    found = located(jobfile.load_job(job))
    assert list(found) == ["shots.short.roles"]
    assert found["shots.short.roles"].endswith("from 0 to 5.00 (set in [defaults])")


# --------------------------------------------------------------------------- duet bake --roles

BAKE = {"blend": "shots/sc01.blend", "audio": ["audio/sh010.wav"], "out": "baked/shot.blend"}


def test_duet_bake_roles_option_takes_the_same_values_located_by_option(project: Path) -> None:
    for given, roles in (
        ("swap", "swap"),
        ("first", "first"),
        ("12.5-14", (12.5, 14.0)),
        ("1..2", (1.0, 2.0)),
    ):
        check = jobfile.check_single_shot({**BAKE, "roles": given}, project)
        assert check.problems == [] and check.shots[0].roles == roles, given
    problems = {
        given: [str(p) for p in jobfile.check_single_shot({**BAKE, "roles": given}, project).problems]
        for given in ("swp", "14-12", "25-30")
    }
    assert problems["swp"][0].startswith("--roles: 'swp' is not a roles value (did you mean 'swap'?)")
    assert problems["14-12"] == [
        "--roles: the span 14-12 s ends before it starts: give the start, then a later end"
    ]
    assert problems["25-30"] == [
        "--roles: the span 25-30 s starts after the audio ends: 'sh010.wav' lasts 20.00 s; "
        "give seconds from its start, from 0 to 20.00"
    ]
    scripted = jobfile.check_single_shot({**BAKE, "roles": "swap", "script": "scripts/sc01.txt"}, project)
    assert [str(p) for p in scripted.problems] == [
        "--roles: --roles and --script are both set, but a script names who speaks each line: "
        "remove --roles or --script"
    ]


# --------------------------------------------------------------------------- the docs


def test_every_key_and_bake_option_is_in_the_docs() -> None:
    text = (ROOT / "docs" / "BATCH.md").read_text(encoding="utf-8")
    first_cells = [line.split("|")[1] for line in text.splitlines() if line.startswith("| `")]
    keys = {k for cell in first_cells for k in re.findall(r"`([a-z_]+)`", cell)}
    options = {o for cell in first_cells for o in re.findall(r"--[a-z-]+", cell)}
    assert set(jobfile.SHOT_KEYS) <= keys, set(jobfile.SHOT_KEYS) - keys
    assert set(jobfile.BAKE_OPTION_NAMES.values()) <= options, (
        set(jobfile.BAKE_OPTION_NAMES.values()) - options
    )
    (example,) = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    assert re.search(r"^roles = ", example, flags=re.M), "the example job shows roles"


# --------------------------------------------------------------------------- in Blender


def baked_turns(bpy, blend: Path) -> list[tuple[int, str]]:
    """(frame, name) of the turn markers ('Duet 1: Mara speaks') of a baked file's take."""
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    return turns(bpy, 1)


def _model_file() -> Path:
    from duet.model import weights

    tiny = ROOT / "tests" / "data" / "model" / "tiny_weights.npz"
    return weights.DEFAULT_WEIGHTS if weights.DEFAULT_WEIGHTS.is_file() else tiny


@pytest.mark.blender
@pytest.mark.slow
def test_roles_swap_and_a_span_change_who_speaks_in_the_baked_take(
    bpy_module, tmp_path: Path, capfd, monkeypatch
) -> None:
    """Shots of one voice-over: the default gives Mara (A) the first voice; roles =
    [3.625, 5.625] (over Theo's first line) and duet bake --roles swap give every turn to the
    other character. A span over the room before the first word fails that shot with
    generate()'s message, not a traceback; the others bake. On stems the span is a warning."""
    from duet.addon.generate_request import A_SPEAKS_WITH_STEMS
    from duet.addon.headless import commands

    bpy = bpy_module
    pair_blend(bpy, tmp_path / "in" / "pair.blend")  # Mara (A) and Theo (B)
    example_cut(tmp_path / "in" / "sc12.wav", 8.0)
    (tmp_path / "in" / "sc12_b.wav").write_bytes((tmp_path / "in" / "sc12.wav").read_bytes())
    job = write_job(
        tmp_path,
        f"""
        [defaults]
        blend = "in/pair.blend"
        audio = "in/sc12.wav"
        out = "out/{{shot}}.blend"
        weights = {json.dumps(str(_model_file()))}
        [shots.default]
        [shots.span]
        roles = [3.625, 5.625]
        [shots.pause]
        roles = [0.1, 0.5]
        [shots.stems]
        audio = ["in/sc12.wav", "in/sc12_b.wav"]
        roles = [3.625, 5.625]
        """,
    )
    summary_file = tmp_path / "summary.json"
    assert commands.cli_command(["batch", str(job), "--summary", str(summary_file), "--quiet"]) == 1
    by_name = {s["name"]: s for s in json.loads(summary_file.read_text())["shots"]}
    statuses = {n: s["status"] for n, s in by_name.items()}
    assert statuses == {"default": "ok", "span": "ok", "pause": "failed", "stems": "ok"}
    # With stems each file is its role: the span is not used, and the shot's warnings say so.
    assert A_SPEAKS_WITH_STEMS in by_name["stems"]["warnings"]
    assert A_SPEAKS_WITH_STEMS not in by_name["span"]["warnings"]
    assert by_name["pause"]["error"] == (
        "roles range 0.10-0.50 s holds no voice; pick a span in which A is heard speaking"
    )
    assert not (tmp_path / "out" / "pause.blend").exists()
    assert "Traceback" not in capfd.readouterr().err

    monkeypatch.chdir(tmp_path)
    bake = ["bake", "--blend", "in/pair.blend", "--audio", "in/sc12.wav", "--weights", str(_model_file())]
    assert commands.cli_command([*bake, "--roles", "swp", "--out", "out/bad.blend"]) == 3
    assert "--roles: 'swp' is not a roles value (did you mean 'swap'?)" in capfd.readouterr().err
    assert commands.cli_command([*bake, "--roles", "swap", "--out", "out/swap.blend", "--quiet"]) == 0

    default = baked_turns(bpy, tmp_path / "out" / "default.blend")
    assert default and default[0][1] == "Mara", default
    assert {who for f, who in default if 3.7 * 24 <= f <= 5.6 * 24} == {"Theo"}, default
    flipped = {"Mara": "Theo", "Theo": "Mara"}
    for name in ("span", "swap"):
        turns = baked_turns(bpy, tmp_path / "out" / f"{name}.blend")
        assert turns[0][1] == "Theo", (name, turns)
        # Every turn changes hands: the same turn starts (within 2 frames), the other name.
        matched = [(f, w) for f, w in default if any(abs(f - g) <= 2 and flipped[w] == v for g, v in turns)]
        assert len(matched) >= 0.8 * len(default), (name, default, turns)


@pytest.mark.blender
@pytest.mark.slow
def test_roles_a_gives_every_turn_to_a_in_the_baked_take(bpy_module, tmp_path: Path, capfd) -> None:
    """roles = "A" (the take holds one voice, A's): Theo's first line (3.6-5.6 s of the example's
    first 8 s, B's in the default take) is baked as Mara's, and Theo never speaks."""
    from duet.addon.headless import commands

    bpy = bpy_module
    pair_blend(bpy, tmp_path / "in" / "pair.blend")  # Mara (A) and Theo (B)
    example_cut(tmp_path / "in" / "sc12.wav", 8.0)
    job = write_job(
        tmp_path,
        f"""
        [shots.only_a]
        blend = "in/pair.blend"
        audio = "in/sc12.wav"
        out = "out/{{shot}}.blend"
        weights = {json.dumps(str(_model_file()))}
        roles = "a"
        """,
    )
    summary_file = tmp_path / "summary.json"
    assert commands.cli_command(["batch", str(job), "--summary", str(summary_file), "--quiet"]) == 0
    (shot,) = json.loads(summary_file.read_text())["shots"]
    assert shot["status"] == "ok"
    assert "Traceback" not in capfd.readouterr().err
    turns = baked_turns(bpy, tmp_path / "out" / "only_a.blend")
    assert {who for _, who in turns} == {"Mara"}, turns
    assert any(3.6 * 24 <= f <= 5.6 * 24 for f, _ in turns), turns  # Theo's first line is Mara's
