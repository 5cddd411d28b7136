"""Baking a performance onto the default pair: values, head and eyes, safety."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.blender

FPS = 24.0


def _performance(n: int = 96):
    from duet.model.performance import Performance
    from duet.model.spec import ARKIT_INDEX, ROLES

    t = np.arange(n) / FPS
    blend = {r: np.zeros((n, 52), np.float32) for r in ROLES}
    blend["A"][:, ARKIT_INDEX["jawOpen"]] = 0.5 + 0.4 * np.sin(2 * np.pi * 1.5 * t)
    blend["B"][:, ARKIT_INDEX["mouthSmileLeft"]] = np.linspace(0, 1, n)
    blend["A"][:, ARKIT_INDEX["eyeBlinkLeft"]] = (np.sin(t * 3) > 0.9).astype(np.float32)
    head = {r: np.zeros((n, 3), np.float32) for r in ROLES}
    head["A"][:, 0] = 20.0  # A turns 20 degrees toward its own left
    head["B"][:, 1] = np.linspace(0, 10, n)  # B lifts its head
    # Gaze in the head frame that undoes the head turn: both look at the partner.
    gaze = {r: -head[r][:, :2].copy() for r in ROLES}
    speaking = {"A": (t < 2).astype(np.float32), "B": (t >= 2).astype(np.float32)}
    return Performance(fps=FPS, blendshapes=blend, head=head, gaze=gaze, speaking=speaking)


@pytest.fixture
def scene_with_pair(empty_scene):
    from duet.addon import stage

    empty_scene.render.fps = int(FPS)
    pair = stage.build_dialogue_pair(empty_scene)
    return empty_scene, pair


def _plan(pair, key_mode="DENSE"):
    from duet.addon import generate_flow, rigs
    from duet.addon.generate_request import GenerationRequest

    characters = rigs.pair_from_objects(pair.characters["A"].rig, pair.characters["B"].rig)
    request = GenerationRequest(np.zeros(16000, np.float32), 16000, False, None, FPS, 0, False)
    return generate_flow.Plan(
        request=request,
        characters=characters,
        audio_paths=[],
        frame_start=1,
        bake_range=None,
        key_mode=key_mode,
        key_tolerance=0.005,
        head_strength=1.0,
        eye_strength=1.0,
    )


def _forward(matrix, axis: int) -> np.ndarray:
    v = np.array(matrix.to_3x3().col[axis])
    return v / np.linalg.norm(v)


@pytest.mark.parametrize("key_mode", ["DENSE", "SPARSE"])
def test_shape_keys_follow_the_performance(scene_with_pair, key_mode: str) -> None:
    from duet.addon import bake

    scene, pair = scene_with_pair
    perf = _performance()
    summary = bake.bake_take(scene, _plan(pair, key_mode), perf)
    assert summary.take == "Duet Take 1"
    tol = 1e-4 if key_mode == "DENSE" else 0.0051
    key_a = pair.characters["A"].mesh.data.shape_keys.key_blocks
    key_b = pair.characters["B"].mesh.data.shape_keys.key_blocks
    for i in (0, 7, 30, 95):
        scene.frame_set(1 + i)
        assert key_a["jawOpen"].value == pytest.approx(perf.blendshapes["A"][i, 17], abs=tol)
        assert key_b["mouthSmileLeft"].value == pytest.approx(perf.blendshapes["B"][i, 23], abs=tol)


def test_head_turns_and_eyes_hold_contact(scene_with_pair) -> None:
    from duet.addon import bake

    scene, pair = scene_with_pair
    rig_a, rig_b = pair.characters["A"].rig, pair.characters["B"].rig
    scene.frame_set(1)
    rest_face = _forward(rig_a.matrix_world @ rig_a.pose.bones["head"].matrix, 2)
    bake.bake_take(scene, _plan(pair), _performance())
    scene.frame_set(40)
    face = _forward(rig_a.matrix_world @ rig_a.pose.bones["head"].matrix, 2)
    turned = np.degrees(np.arccos(np.clip(face @ rest_face, -1, 1)))
    assert turned == pytest.approx(20.0, abs=0.5)
    # A's own left: for A (facing +X) that is +Y.
    assert np.cross(rest_face, face)[2] > 0
    partner_eyes = np.mean(
        [np.array(rig_b.matrix_world @ rig_b.pose.bones[b].head) for b in ("eye.L", "eye.R")], axis=0
    )
    for bone in ("eye.L", "eye.R"):
        m = rig_a.matrix_world @ rig_a.pose.bones[bone].matrix
        gaze = _forward(m, 1)  # eye bones look along their local Y
        to_partner = partner_eyes - np.array(m.translation)
        to_partner /= np.linalg.norm(to_partner)
        assert np.degrees(np.arccos(np.clip(gaze @ to_partner, -1, 1))) < 1.0


def test_second_take_keeps_the_first_and_the_animators_keys(scene_with_pair) -> None:
    from duet.addon import bake

    scene, pair = scene_with_pair
    mesh = pair.characters["B"].mesh
    kb = mesh.data.shape_keys.key_blocks["browInnerUp"]
    kb.value = 0.7
    kb.keyframe_insert("value", frame=10)
    own = mesh.data.shape_keys.animation_data.action
    bake.bake_take(scene, _plan(pair), _performance())
    second = bake.bake_take(scene, _plan(pair), _performance())
    assert second.take == "Duet Take 2"
    tracks = [t.name for t in mesh.data.shape_keys.animation_data.nla_tracks]
    assert tracks == ["Duet Take 1", "Duet Take 2"]
    assert mesh.data.shape_keys.animation_data.action == own
    scene.frame_set(20)
    assert kb.value == pytest.approx(0.7)
