"""A take of one voice (a monologue the other character listens to): the panel's Voices (Only A
Speaks / Only B Speaks), passed to generate() as roles="A" / "B" (issue 13).

Pure: how a GenerationRequest maps the choice onto generate() (the model stubbed), the refusals
beside Swap A/B and A Speaks At, the notes with a script or on stems. In Blender: the panel
draws the choice beside Swap A/B / A Speaks At and warns of a clash, and Generate with Only B
Speaks on a cut of the bundled example gives A no speech (turn markers, A's evaluated jaw)."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest
from example_takes import example_cut, turns
from panel_drawing import draw_panel

from duet.addon import generate_request
from duet.addon.generate_request import (
    BOTH_ROLE_OPTIONS,
    ONE_VOICE_WITH_SCRIPT,
    ONE_VOICE_WITH_STEMS,
    GenerationRequest,
    clashing_role_options,
    one_voice_note,
    role_options_problem,
    run_request,
)


@pytest.fixture
def calls(monkeypatch) -> list[dict]:
    """generate() stubbed: each call's keyword arguments, and a performance with no notes."""
    from duet import model

    seen: list[dict] = []

    def fake_generate(audio, sample_rate, **kwargs):
        seen.append({"audio": audio, **kwargs})
        return types.SimpleNamespace(notes=("from the model",))

    monkeypatch.setattr(model, "generate", fake_generate)
    return seen


def _request(stems: bool = False, **fields) -> GenerationRequest:
    audio = np.zeros((1600, 2) if stems else 1600, dtype=np.float32)
    return GenerationRequest(audio, 16000, stems, None, 24.0, 0, fields.pop("swap_roles", False), **fields)


SCRIPT = "Mara: Theo! There you are.\n"


def test_only_a_or_b_speaks_reaches_generate_as_roles(calls) -> None:
    for role in ("A", "B"):
        performance = run_request(_request(one_voice=role))
        assert calls[-1]["roles"] == role
        assert performance.notes == ("from the model",)  # used: nothing to say
    run_request(_request())
    assert "roles" not in calls[-1]  # two voices: the first voice heard is A


def test_only_one_voice_with_a_script_or_on_stems_is_not_used_and_the_notes_say_so(calls) -> None:
    scripted = run_request(_request(one_voice="B", script=SCRIPT))
    assert "roles" not in calls[-1] and calls[-1]["script"] == SCRIPT  # generate() refuses both
    assert scripted.notes[-1] == "Only B Speaks was not used: the script says who speaks each line"
    assert scripted.notes[-1] == one_voice_note(ONE_VOICE_WITH_SCRIPT, "B")
    stems = run_request(_request(stems=True, one_voice="A", notes=("truncated",)))
    assert calls[-1]["stems"] is True
    assert stems.notes == ("truncated", "from the model", one_voice_note(ONE_VOICE_WITH_STEMS, "A"))
    assert stems.notes[-1].startswith("Only A Speaks was not used: with stems each channel is its own role")
    # A script and stems together: the script's note (the script decides the roles).
    both = run_request(_request(stems=True, one_voice="A", script=SCRIPT))
    assert both.notes[-1] == one_voice_note(ONE_VOICE_WITH_SCRIPT, "A")


@pytest.mark.parametrize("stems", [False, True])
def test_only_one_voice_beside_swap_or_a_speaks_at_is_refused_naming_both(calls, stems: bool) -> None:
    with pytest.raises(ValueError) as swapped:
        run_request(_request(stems=stems, swap_roles=True, one_voice="B"))
    assert str(swapped.value) == (
        "Only B Speaks and Swap A/B are both set: use one — set Voices to Two Voices to give the first "
        "voice heard to B, or turn Swap A/B off to give all the speech to B"
    )
    with pytest.raises(ValueError) as spanned:
        run_request(_request(stems=stems, a_speaks=(1.0, 2.0), one_voice="A"))
    assert str(spanned.value) == (
        "Only A Speaks and A Speaks At are both set: use one — set Voices to Two Voices to name a "
        "stretch where A speaks, or turn A Speaks At off to give all the speech to A"
    )
    with pytest.raises(ValueError, match="one_voice must be None, 'A' or 'B', not 'b'"):
        run_request(_request(stems=stems, one_voice="b"))  # the panel and the batch pass "A" / "B"
    assert calls == []  # refused before the model ran


def test_which_roles_choices_clash() -> None:
    assert clashing_role_options(False, False, None) is None
    assert clashing_role_options(True, False, None) is None
    assert clashing_role_options(False, True, None) is None
    assert clashing_role_options(False, False, "B") is None
    assert clashing_role_options(True, True, None) == ("Swap A/B", "A Speaks At")
    assert clashing_role_options(True, False, "A") == ("Only A Speaks", "Swap A/B")
    assert clashing_role_options(False, True, "B") == ("Only B Speaks", "A Speaks At")
    assert role_options_problem(True, True, None) == BOTH_ROLE_OPTIONS
    assert role_options_problem(True, True, "A") == BOTH_ROLE_OPTIONS  # the older clash is named first
    assert role_options_problem(False, False, "A") is None
    assert set(generate_request.ONE_VOICE_NAMES) == {"A", "B"}


# --------------------------------------------------------------------------- in Blender


@pytest.mark.blender
def test_the_panel_draws_voices_beside_swap_and_a_speaks_at_and_generate_refuses_a_clash(registered) -> None:
    from duet.panels.generate import DUET_PT_characters

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    s = bpy.context.scene.duet

    def drawn() -> list:
        return draw_panel(DUET_PT_characters, bpy.context)

    shown = drawn()
    i = shown.index(("prop", "swap_roles"))
    assert shown[i : i + 3] == [("prop", "swap_roles"), ("prop", "use_a_speaks"), ("prop", "one_voice")]
    assert s.one_voice == "NONE"
    assert [item.name for item in s.bl_rna.properties["one_voice"].enum_items] == [
        "Two Voices",
        "Only A Speaks",
        "Only B Speaks",
    ]
    s.one_voice = "B"
    assert not any(kind == "label" and "Use one" in text for kind, text in drawn())
    s.swap_roles = True
    assert ("label", "Use one: Only B Speaks or Swap A/B") in drawn()
    # Generate refuses it with the whole message, before it reads anything (no characters here).
    with pytest.raises(RuntimeError, match="Only B Speaks and Swap A/B are both set: use one — set Voices"):
        bpy.ops.duet.generate()
    s.swap_roles, s.use_a_speaks = False, True
    assert ("label", "Use one: Only B Speaks or A Speaks At") in drawn()
    with pytest.raises(RuntimeError, match="Only B Speaks and A Speaks At are both set: use one"):
        bpy.ops.duet.generate()
    assert len(bpy.data.actions) == 0 and len(bpy.context.scene.timeline_markers) == 0


def _jaw(bpy, character, frames: range) -> float:
    """The character's mean evaluated jawOpen over ``frames`` (its face: the mesh that has it)."""
    (face,) = (
        o
        for o in (character, *character.children_recursive)
        if o.type == "MESH" and o.data.shape_keys and "jawOpen" in o.data.shape_keys.key_blocks
    )
    scene = bpy.context.scene
    values = []
    for frame in frames:
        scene.frame_set(frame)
        values.append(face.data.shape_keys.key_blocks["jawOpen"].value)
    return float(np.mean(values))


@pytest.mark.blender
@pytest.mark.slow
def test_only_b_speaks_gives_a_no_speech(registered, tmp_path: Path) -> None:
    """On the example's first 8 s (Mara = A speaks 0.56-3.2 s, Theo = B from 3.6 s), the default
    take gives Mara her line; with Only B Speaks every turn is Theo's (her line too) and Mara's
    jaw stays nearly shut while her line is heard."""
    from duet.model import weights

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    bpy.ops.duet.add_dialogue_pair()
    bpy.ops.duet.use_scene_pair()
    scene.duet.weights_path = str(weights.DEFAULT_WEIGHTS)
    scene.duet.audio_path = str(example_cut(tmp_path / "cut.wav", 8.0))
    mara = scene.duet.character_a
    her_line = range(16, 77)  # 0.65-3.15 s from frame 1
    assert bpy.ops.duet.generate() == {"FINISHED"}  # Duet Take 1: two voices
    default = turns(bpy, 1)
    assert default[0][1] == "Mara" and {"Mara", "Theo"} <= {who for _, who in default}, default
    jaw_default = _jaw(bpy, mara, her_line)

    scene.duet.one_voice = "B"
    assert bpy.ops.duet.generate() == {"FINISHED"}  # Duet Take 2: Theo's voice only
    only_b = turns(bpy, 2)
    assert {who for _, who in only_b} == {"Theo"}, only_b
    assert any(10 <= f <= 30 for f, _ in only_b), only_b  # Mara's line is Theo's now
    jaw_only_b = _jaw(bpy, mara, her_line)
    assert jaw_only_b < 0.5 * jaw_default, (jaw_only_b, jaw_default)
