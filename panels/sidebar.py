"""The "Duet" tab of the 3D viewport sidebar: the stage (add a pair, see what is there)."""

import bpy

from ..addon import stage


class DUET_PT_stage(bpy.types.Panel):
    bl_label = "Stage"
    bl_idname = "DUET_PT_stage"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Duet"

    def draw(self, context):
        layout = self.layout
        layout.operator("duet.add_dialogue_pair", text="Add Dialogue Pair", icon="COMMUNITY")
        pairs = stage.find_pairs(context.scene) if context.scene else []
        if not pairs:
            layout.label(text="No dialogue pair in this scene yet")
            return
        for rigs in pairs:
            box = layout.box()
            for role in sorted(rigs):
                box.label(text=rigs[role].name, icon="OUTLINER_OB_ARMATURE")
