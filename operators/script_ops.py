"""The Script section: load a script file into a text block, write a take's subtitles.

The work is in addon/dialogue_script.py; these gather the choices from the file browser.
"""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import EnumProperty, StringProperty

from ..addon import dialogue_script


def _message(exc: Exception, doing: str) -> str:
    """One clear line: a UserError says what and how; anything else names itself."""
    if isinstance(exc, ValueError):
        return str(exc)
    return f"{doing} failed: {type(exc).__name__}: {exc} (please report this with the file)"


class DUET_OT_load_script(bpy.types.Operator):
    """Read the dialogue's script (plain text, Fountain, SubRip or WebVTT) into a new text block and use it"""

    bl_idname = "duet.load_script"
    bl_label = "Load Script"
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(subtype="FILE_PATH")  # type: ignore[valid-type]
    filter_glob: StringProperty(default=dialogue_script.SCRIPT_FILE_GLOB, options={"HIDDEN"})  # type: ignore[valid-type]

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            text, kind = dialogue_script.load_script(context.scene, self.filepath)
        except Exception as exc:  # every failure reaches the user as one clear line
            self.report({"ERROR"}, _message(exc, "loading the script"))
            return {"CANCELLED"}
        check = dialogue_script.check_text(text.as_string(), dialogue_script.panel_names(context.scene.duet))
        state = check.summary or f"{len(check.errors)} problem(s): see the Script panel"
        self.report({"INFO"}, f"Script '{text.name}' ({dialogue_script.KIND_NAMES[kind]}): {state}")
        return {"FINISHED"}


_take_items_cache: list = []  # Blender needs the enum items kept alive while it shows them


def _take_items(_self, _context):
    _take_items_cache[:] = [
        (name, name, f"The lines placed in {name}") for name in dialogue_script.stored_takes()
    ] or [("NONE", "No take with a script", "Generate a take with a script first")]
    return _take_items_cache


class DUET_OT_write_subtitles(bpy.types.Operator):
    """Write the script lines placed in a take as subtitles (.srt or .vtt), 'Mara: ...' a cue"""

    bl_idname = "duet.write_subtitles"
    bl_label = "Write Subtitles"
    bl_options = {"REGISTER"}

    filepath: StringProperty(subtype="FILE_PATH")  # type: ignore[valid-type]
    filter_glob: StringProperty(default="*.srt;*.vtt", options={"HIDDEN"})  # type: ignore[valid-type]
    take: EnumProperty(name="Take", description="The take whose lines to write", items=_take_items)  # type: ignore[valid-type]

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        if not dialogue_script.stored_takes():
            cls.poll_message_set("Generate a take with a script first")
            return False
        return True

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        name = dialogue_script.subtitle_file_name(self.take)
        folder = Path(bpy.path.abspath("//")) if bpy.data.filepath else Path.home()
        self.filepath = str(folder / name)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def check(self, context: bpy.types.Context) -> bool:
        """Follow the chosen take in the file name while it is still the suggested one."""
        path = Path(self.filepath)
        suffix = path.suffix.lower() if path.suffix.lower() in (".srt", ".vtt") else ".srt"
        wanted = dialogue_script.subtitle_file_name(self.take, suffix)
        suggested = {dialogue_script.subtitle_file_name(t, suffix) for t in dialogue_script.stored_takes()}
        if path.name in suggested and path.name != wanted:
            self.filepath = str(path.with_name(wanted))
            return True
        return False

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            path, count = dialogue_script.write_subtitles(self.take, self.filepath)
        except Exception as exc:
            self.report({"ERROR"}, _message(exc, "writing the subtitles"))
            return {"CANCELLED"}
        self.report({"INFO"}, f"{self.take}: {count} subtitles written to {path}")
        return {"FINISHED"}


CLASSES: list[type] = [DUET_OT_load_script, DUET_OT_write_subtitles]
