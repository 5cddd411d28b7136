"""Retarget maps in the Characters panel: make one from what was detected (then edit
its JSON in the Text Editor), save it to a file, load a saved one for another rig."""

from __future__ import annotations

import bpy
from bpy.props import EnumProperty, StringProperty

from ..addon import generate_flow

_ROLE = EnumProperty(name="Character", items=[("A", "A", "Character A"), ("B", "B", "Character B")])


class DUET_OT_new_retarget_map(bpy.types.Operator):
    """Write the retarget map detected for this character into a text block to edit"""

    bl_idname = "duet.new_retarget_map"
    bl_label = "New Retarget Map"
    bl_options = {"REGISTER", "UNDO"}

    role: _ROLE  # type: ignore[valid-type]

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            text = generate_flow.new_retarget_map(context.scene, self.role)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Retarget map '{text.name}': edit it in the Text Editor")
        return {"FINISHED"}


class _MapFile:
    filepath: StringProperty(subtype="FILE_PATH")  # type: ignore[valid-type]
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})  # type: ignore[valid-type]
    role: _ROLE  # type: ignore[valid-type]

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}


class DUET_OT_save_retarget_map(_MapFile, bpy.types.Operator):
    """Check this character's retarget map and save it as a .json file to reuse"""

    bl_idname = "duet.save_retarget_map"
    bl_label = "Save Retarget Map"

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            path = generate_flow.save_retarget_map(context.scene, self.role, self.filepath)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Saved {path}")
        return {"FINISHED"}


class DUET_OT_load_retarget_map(_MapFile, bpy.types.Operator):
    """Use a saved retarget map (.json) for this character"""

    bl_idname = "duet.load_retarget_map"
    bl_label = "Load Retarget Map"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            text = generate_flow.load_retarget_map(context.scene, self.role, self.filepath)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Retarget map '{text.name}' loaded")
        return {"FINISHED"}


CLASSES: list[type] = [DUET_OT_new_retarget_map, DUET_OT_save_retarget_map, DUET_OT_load_retarget_map]
