"""Moods in Blender: the Characters panel's default mood per character and the staging's moods
reach the baked take through the Generate button, with timeline markers."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.blender, pytest.mark.slow]


def test_panel_moods_are_settings_with_neutral_first(registered):
    from duet.addon.properties import MOOD_ITEMS, moods_of

    registered.ops.wm.read_homefile(use_empty=True)
    s = registered.context.scene.duet
    assert MOOD_ITEMS[0][0] == "NEUTRAL" and s.mood_a == "NEUTRAL" and s.mood_strength_b == pytest.approx(0.7)
    assert moods_of(s) == {}
    s.mood_b, s.mood_strength_b = "AFRAID", 0.25
    s.mood_a, s.mood_strength_a = "HAPPY", 0.0  # no strength: no mood
    assert moods_of(s) == {"B": ("afraid", 0.25)}


def test_default_and_staged_moods_reach_the_baked_take(registered):
    from duet.addon import generate_flow, stage
    from duet.model import weights

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 25
    pair = stage.build_dialogue_pair(scene)
    generate_flow.assign_scene_pair(scene)
    generate_flow.load_example(scene)
    if not weights.DEFAULT_WEIGHTS.is_file():
        pytest.skip("no shipped model")
    scene.duet.staging_text.from_string("Mara smiles from 1s to 4s\nTheo laughs at 12s\n")
    scene.duet.mood_b, scene.duet.mood_strength_b = "SAD", 0.6
    plan = generate_flow.plan_from_scene(scene)
    assert plan.request.moods == {"B": ("sad", pytest.approx(0.6))}
    summary = generate_flow.generate_and_bake(scene, plan)
    markers = {m.name: m.frame for m in scene.timeline_markers}
    prefix = summary.take.replace("Duet Take", "Duet")
    start = scene.frame_start
    assert markers[f"{prefix}: A smiles"] == start + 25
    assert markers[f"{prefix}: A smiles (ends)"] == start + 100
    assert markers[f"{prefix}: B laughs"] == start + 300
    assert markers[f"{prefix}: B is sad at 60% (whole take)"] == start

    def value(role: str, key: str, seconds: float) -> float:
        scene.frame_set(start + round(seconds * 25))
        return pair.characters[role].mesh.data.shape_keys.key_blocks[key].value

    assert value("A", "mouthSmileLeft", 3.0) > value("A", "mouthSmileLeft", 6.0) + 0.25
    assert value("B", "mouthFrownLeft", 6.0) > 0.25  # the panel's sad Theo
    assert value("B", "browInnerUp", 20.0) > 0.3


class _Row:
    """Records the props a panel draws and whether their row is enabled."""

    def __init__(self, drawn: list, parent: _Row | None = None) -> None:
        self.drawn, self.parent, self.enabled = drawn, parent, True

    def _on(self) -> bool:
        return self.enabled and (self.parent is None or self.parent._on())

    def prop(self, _data, name: str, **_kwargs) -> None:
        self.drawn.append((name, self._on()))

    def row(self, align: bool = False) -> _Row:
        return _Row(self.drawn, self)

    column = box = row

    def operator(self, *_args, **_kwargs):
        return type("Op", (), {})()

    def label(self, **_kwargs) -> None:
        pass


def test_the_characters_panel_shows_each_characters_mood(registered):
    from duet.panels.generate import DUET_PT_characters

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.duet.mood_a = "HAPPY"
    drawn: list = []
    DUET_PT_characters.draw(type("Panel", (), {"layout": _Row(drawn)})(), bpy.context)
    shown = dict(drawn)
    assert shown["mood_a"] and shown["mood_strength_a"]
    assert shown["mood_b"] and not shown["mood_strength_b"]  # neutral: nothing to size
    names = [name for name, _ in drawn]
    assert (
        names.index("character_a")
        < names.index("mood_a")
        < names.index("character_b")
        < names.index("mood_b")
    )
