"""File > Export > Duet Take (glTF): a take, or every NLA track, to .glb / .gltf.

The work is in addon/export/; this gathers the choices from the file browser.
"""

# No `from __future__ import annotations` here: Blender reads the property annotations.

import bpy
from bpy_extras.io_utils import ExportHelper

from ..addon import export

_take_items_cache: list = []  # Blender needs the enum items kept alive while it shows them


def _take_items(_self, context):
    items = [
        ("ACTIVE", "Active Take", "The take you see: the newest Duet take whose track is not muted"),
        ("ALL", "All Takes (NLA)", "Every NLA track as its own glTF animation (NLA mode only)"),
    ]
    try:
        names = export.list_takes(export.animated_ids(export.default_selection(context.scene)))
    except export.ExportError:
        names = []
    items += [(name, name, f"Only {name}") for name in names]
    _take_items_cache[:] = items
    return _take_items_cache


class DUET_OT_export_take(bpy.types.Operator, ExportHelper):
    """Export a Duet take of both characters as glTF morph-target and bone animation"""

    bl_idname = "duet.export_take"
    bl_label = "Export Duet Take"
    bl_options = {"REGISTER"}

    filename_ext = ".glb"
    filter_glob: bpy.props.StringProperty(default="*.glb;*.gltf", options={"HIDDEN"})
    take: bpy.props.EnumProperty(name="Take", description="What to export", items=_take_items)
    file_format: bpy.props.EnumProperty(
        name="Format",
        items=[
            ("GLB", "glTF Binary (.glb)", "One binary file: JSON and buffers together"),
            ("GLTF", "glTF Separate (.gltf + .bin)", "JSON text with a .bin buffer beside it"),
        ],
        default="GLB",
    )
    mode: bpy.props.EnumProperty(
        name="Animation",
        items=[
            (
                "NLA",
                "NLA Tracks",
                "Each take's track becomes a glTF animation named after it (All Takes: every track)",
            ),
            (
                "ACTIONS",
                "Baked Actions",
                "The take as plain active actions with the NLA off, as exporters that ignore the NLA "
                "see it; the scene is put back afterwards",
            ),
        ],
        default="NLA",
    )

    dense_shape_keys: bpy.props.BoolProperty(
        name="Dense Shape Keys",
        description=(
            "Write every morph target in full instead of as a sparse accessor, for engines that "
            "misread sparse ones (Godot 3 throws vertices metres away); the file is larger"
        ),
        default=False,
    )

    def check(self, context):
        if not self.filepath:
            return False
        # Keep the file name's ending in step with the format, as Blender's own exporters do.
        wanted = export.path_for_format(self.filepath, self.file_format)
        if wanted != self.filepath:
            self.filepath = wanted
            return True
        return False

    def execute(self, context):
        path = export.path_for_format(self.filepath, self.file_format)
        try:
            take = export.take_for_choice(context.scene, self.take, self.mode)
            report = export.export_gltf(
                context.scene, path, take=take, mode=self.mode, dense_shape_keys=self.dense_shape_keys
            )
        except export.ExportError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        # Tracks left out of All Takes are named, as a warning the user sees.
        self.report({"WARNING"} if report.left_out else {"INFO"}, report.summary)
        return {"FINISHED"}


def menu_export_take(self, context) -> None:
    self.layout.operator(DUET_OT_export_take.bl_idname, text="Duet Take (.glb/.gltf)")
