"""Add > Dialogue Pair: two rigged heads facing each other, a camera and lights."""

# No `from __future__ import annotations` here: Blender reads the property annotations.

import bpy

from ..addon import stage


class DUET_OT_add_dialogue_pair(bpy.types.Operator):
    """Add two rigged heads facing each other (A and B), with a camera framing both and lights"""

    bl_idname = "duet.add_dialogue_pair"
    bl_label = "Dialogue Pair"
    bl_options = {"REGISTER", "UNDO"}

    distance: bpy.props.FloatProperty(
        name="Distance",
        description="Distance between the two heads (eye to eye); 1.0 to 1.5 m is a natural conversation",
        default=stage.DEFAULT_DISTANCE,
        min=0.5,
        max=3.0,
        unit="LENGTH",
    )
    eye_height: bpy.props.FloatProperty(
        name="Eye Height",
        description="Height of both pairs of eyes above the ground",
        default=stage.DEFAULT_EYE_HEIGHT,
        min=0.3,
        max=2.5,
        unit="LENGTH",
    )
    make_active_camera: bpy.props.BoolProperty(
        name="Make Active Camera",
        description="Use the pair's camera as the scene camera",
        default=True,
    )

    @classmethod
    def poll(cls, context):
        return context.scene is not None and context.mode == "OBJECT"

    def execute(self, context):
        try:
            pair = stage.build_dialogue_pair(
                context.scene,
                distance=self.distance,
                eye_height=self.eye_height,
                set_active_camera=self.make_active_camera,
            )
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        for obj in context.view_layer.objects:
            obj.select_set(False)
        for character in pair.characters.values():
            character.rig.select_set(True)
        context.view_layer.objects.active = pair.characters["A"].rig
        names = " and ".join(character.name for character in pair.characters.values())
        self.report({"INFO"}, f"Added {names}")
        return {"FINISHED"}


def menu_add_pair(self, context) -> None:
    self.layout.operator(DUET_OT_add_dialogue_pair.bl_idname, text="Dialogue Pair", icon="COMMUNITY")
