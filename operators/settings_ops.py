"""Small helpers for the Generate panel: fill in the pair, start a staging text, load the example
(voice-over, staging and script)."""

from __future__ import annotations

import bpy

from ..addon import dialogue_script, generate_flow


class DUET_OT_use_scene_pair(bpy.types.Operator):
    """Use the dialogue pair of this scene as characters A and B"""

    bl_idname = "duet.use_scene_pair"
    bl_label = "Use Scene Pair"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            generate_flow.assign_scene_pair(context.scene)
        except generate_flow.UserError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        return {"FINISHED"}


class DUET_OT_new_staging(bpy.types.Operator):
    """Create a staging text block with examples and use it"""

    bl_idname = "duet.new_staging"
    bl_label = "New Staging"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        generate_flow.new_staging_text(context.scene)
        return {"FINISHED"}


class DUET_OT_load_example(bpy.types.Operator):
    """Use the bundled example dialogue (27 s, two voices), its staging directions and its script"""

    bl_idname = "duet.load_example"
    bl_label = "Load Example Dialogue"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            text = generate_flow.load_example(context.scene)
            script = dialogue_script.load_example_script(context.scene)
        except generate_flow.UserError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report(
            {"INFO"}, f"Voice-over: the example dialogue; staging: '{text.name}'; script: '{script.name}'"
        )
        return {"FINISHED"}


CLASSES: list[type] = [DUET_OT_use_scene_pair, DUET_OT_new_staging, DUET_OT_load_example]
