"""On/off switches of a take, everywhere a take is made: generate()'s keyword, the panel's property
and the request it sends, a job file's key (inherited from [defaults], checked), and duet bake's
flag. Each switch is on by default and passed on only when it is off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

# (generate's keyword = the job key = the scene property, duet bake's flag, the panel's label)
SWITCHES = [
    ("read_lips", "--network-lips", "Lip Reader"),  # the lip reader shapes the speaking mouth
    ("hear_overlaps", "--no-overlaps", "Overlaps"),  # the voice counter's overlaps go to the network
]
KEYS = [s[0] for s in SWITCHES]


@pytest.mark.parametrize("key", KEYS)
def test_generate_refuses_a_switch_that_is_not_a_bool(key: str):
    from duet.model import generate
    from duet.model.errors import InputError

    with pytest.raises(InputError, match=f"{key} must be True or False"):
        generate(np.zeros(1600, np.float32), 16000, **{key: "no"})


@pytest.mark.parametrize("key", KEYS)
def test_the_request_passes_a_switch_only_when_it_is_off(monkeypatch, key: str):
    import types

    from duet import model
    from duet.addon.generate_request import GenerationRequest, run_request

    seen: list[dict] = []
    monkeypatch.setattr(
        model, "generate", lambda audio, rate, **kw: seen.append(kw) or types.SimpleNamespace(notes=())
    )
    audio = np.zeros(1600, np.float32)
    run_request(GenerationRequest(audio, 16000, False, None, 24.0, 0, False))
    assert key not in seen[-1]  # generate's default: on
    run_request(GenerationRequest(audio, 16000, False, None, 24.0, 0, False, **{key: False}))
    assert seen[-1][key] is False


@pytest.mark.parametrize("key", KEYS)
def test_a_jobs_switch_inherits_and_is_checked(tmp_path: Path, key: str):
    import soundfile

    from duet.batch import jobfile

    (tmp_path / "sc01.blend").write_bytes(b"input blend")
    soundfile.write(tmp_path / "sh010.wav", np.zeros(16000, np.float32), 16000)
    head = '[defaults]\nblend = "sc01.blend"\naudio = "sh010.wav"\nout = "baked/{shot}.blend"\n'
    job = tmp_path / "job.toml"
    job.write_text(head + f"{key} = false\n[shots.inherits]\n[shots.on]\n{key} = true\n", encoding="utf-8")
    check = jobfile.load_job(job)
    assert not check.problems
    shots = {s.name: s for s in check.shots}
    assert getattr(shots["inherits"], key) is False and getattr(shots["on"], key) is True
    assert shots["inherits"].to_dict()[key] is False
    job.write_text(head + "[shots.plain]\n", encoding="utf-8")
    assert getattr(jobfile.load_job(job).shots[0], key) is True  # the default
    job.write_text(head + f'{key} = "no"\n[shots.a]\n', encoding="utf-8")
    assert [p.location for p in jobfile.load_job(job).problems] == [f"defaults.{key}"]


@pytest.mark.blender
@pytest.mark.parametrize(("key", "flag"), [s[:2] for s in SWITCHES])
def test_duet_bake_takes_the_switch_off_flag(key: str, flag: str):
    from duet.addon.headless import commands

    parser = commands.build_parser()
    argv = ["bake", "--blend", "a.blend", "--audio", "a.wav", "--out", "o.blend"]
    assert commands.shot_values(parser.parse_args([*argv, flag]))[key] is False
    assert commands.shot_values(parser.parse_args(argv))[key] is None


@pytest.mark.blender
@pytest.mark.parametrize(("key", "label"), [(s[0], s[2]) for s in SWITCHES])
def test_the_panel_offers_the_switch_on_by_default(registered, key: str, label: str):
    from panel_drawing import draw_panel

    from duet.panels.generate import DUET_PT_characters

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    s = bpy.context.scene.duet
    assert getattr(s, key) is True
    assert ("prop", key) in draw_panel(DUET_PT_characters, bpy.context)
    assert s.bl_rna.properties[key].name == label
