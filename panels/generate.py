"""Generate panels of the Duet tab: voice-over, characters, script, staging, options."""

from __future__ import annotations

import textwrap

import bpy

from ..addon import dialogue_script, generate_flow
from ..addon.generate_request import clashing_role_options
from ..addon.properties import MOOD_ROLES, one_voice_of


class _DuetPanel:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Duet"

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return getattr(context.scene, "duet", None) is not None


class DUET_PT_voice_over(_DuetPanel, bpy.types.Panel):
    bl_label = "Voice-over"
    bl_idname = "DUET_PT_voice_over"
    bl_order = 10

    def draw(self, context: bpy.types.Context) -> None:
        s = context.scene.duet
        layout = self.layout
        layout.prop(s, "audio_mode", expand=True)
        layout.prop(s, "audio_path", text="A" if s.audio_mode == "STEM_FILES" else "File")
        if s.audio_mode == "STEM_FILES":
            layout.prop(s, "audio_path_b", text="B")
        elif s.audio_mode == "MIXED" and s.audio_path:
            hint = generate_flow.stems_hint(s.audio_path)
            if hint:
                box = layout.box().column(align=True)
                box.label(text=f"Looks like stems: {hint}", icon="INFO")
                box.prop_enum(s, "audio_mode", "STEREO_STEMS", text="Use as Stereo Stems (A left, B right)")
        layout.operator("duet.load_example", icon="FILE_SOUND")


class DUET_PT_characters(_DuetPanel, bpy.types.Panel):
    bl_label = "Characters"
    bl_idname = "DUET_PT_characters"
    bl_order = 20

    def draw(self, context: bpy.types.Context) -> None:
        s = context.scene.duet
        layout = self.layout
        layout.operator("duet.use_scene_pair", icon="COMMUNITY")
        for role, prop in (("A", "character_a"), ("B", "character_b")):
            layout.prop(s, prop)
            obj = getattr(s, prop)
            map_prop = generate_flow.RETARGET_PROPS[role]
            row = layout.row(align=True)
            row.prop(s, map_prop, text="Map")
            row.operator("duet.new_retarget_map", text="", icon="ADD").role = role
            row.operator("duet.load_retarget_map", text="", icon="FILEBROWSER").role = role
            sub = row.row(align=True)
            sub.enabled = getattr(s, map_prop) is not None
            sub.operator("duet.save_retarget_map", text="", icon="EXPORT").role = role
            lines = generate_flow.rig_summary(obj, role, getattr(s, map_prop))
            if lines:
                col = layout.box().column(align=True)
                for line in lines:
                    col.label(text=line)
            mood_prop, strength_prop = MOOD_ROLES[role]
            row = layout.row(align=True)
            row.prop(s, mood_prop)
            strength = row.row(align=True)
            strength.enabled = getattr(s, mood_prop) != "NEUTRAL"
            strength.prop(s, strength_prop, text="")
        layout.prop(s, "swap_roles")
        layout.prop(s, "use_a_speaks")
        if s.use_a_speaks:
            row = layout.row(align=True)
            row.prop(s, "a_speaks_start")
            row.prop(s, "a_speaks_end")
        layout.prop(s, "one_voice")
        clash = clashing_role_options(s.swap_roles, s.use_a_speaks, one_voice_of(s))
        if clash:  # Generate refuses both; say so before it is pressed
            layout.label(text=f"Use one: {clash[0]} or {clash[1]}", icon="ERROR")
        row = layout.row()
        row.enabled = s.script_text is None  # a script's own words align the lips
        row.prop(s, "recognise_words")
        layout.prop(s, "read_lips")
        row = layout.row()
        row.enabled = s.audio_mode == "MIXED"  # stems: each character's own stem says when it speaks
        row.prop(s, "hear_overlaps")


MAX_SHOWN = 8  # messages listed in a panel; the rest are counted
# Blender's UI font averages about 7 px a character at scale 1; the label's icon and the panel's
# borders take about 50 px. A sidebar whose width cannot be read counts as 300 px wide.
CHAR_PX = 7.0
MARGIN_PX = 50.0
DEFAULT_REGION_PX = 300
MIN_LINE_CHARS = 24


def line_chars(context: bpy.types.Context) -> int:
    """How many characters of a message fit on one line of the sidebar (a label is cut, not
    wrapped, at the region's edge: a staging error's suggestion came last and was lost)."""
    region = getattr(context, "region", None)
    width = getattr(region, "width", 0) or DEFAULT_REGION_PX
    preferences = getattr(context, "preferences", None)
    scale = (preferences.system.ui_scale if preferences is not None else 0.0) or 1.0  # 0 without a window
    return max(MIN_LINE_CHARS, int((width - MARGIN_PX * scale) / (CHAR_PX * scale)))


def _messages(layout: bpy.types.UILayout, messages, icon: str, chars: int) -> None:
    """Each message as labels of at most `chars` characters, the icon on its first."""
    for message in messages[:MAX_SHOWN]:
        lines = textwrap.wrap(str(message), chars) or [""]
        column = layout.column(align=True)
        column.label(text=lines[0], icon=icon)
        for line in lines[1:]:
            column.label(text=line, icon="BLANK1")
    if len(messages) > MAX_SHOWN:
        layout.label(text=f"… and {len(messages) - MAX_SHOWN} more")


class DUET_PT_script(_DuetPanel, bpy.types.Panel):
    bl_label = "Script"
    bl_idname = "DUET_PT_script"
    bl_order = 25

    def draw(self, context: bpy.types.Context) -> None:
        s = context.scene.duet
        layout = self.layout
        chars = line_chars(context)
        row = layout.row(align=True)
        row.prop(s, "script_text", text="")
        row.operator("duet.load_script", text="", icon="FILEBROWSER")
        if s.script_text is None:
            layout.label(text="No script: roles and lips from the audio alone")
        else:
            check = dialogue_script.check_text(s.script_text.as_string(), dialogue_script.panel_names(s))
            if check.summary:
                layout.label(text=check.summary, icon="CHECKMARK")
            _messages(layout, check.errors, "ERROR", chars)
            _messages(layout, check.warnings, "INFO", chars)
        takes = dialogue_script.stored_takes()
        if takes:  # the newest script-assisted take: what its placement had to say
            box = layout.box().column(align=True)
            try:
                stored = dialogue_script.take_lines(takes[0])
            except ValueError as exc:
                box.label(text=str(exc), icon="ERROR")
            else:
                box.label(text=f"{stored.take}: {len(stored.lines)} lines placed", icon="MARKER")
                _messages(box, stored.notes, "INFO", chars)
        layout.operator("duet.write_subtitles", icon="FILE_TEXT")


class DUET_PT_staging(_DuetPanel, bpy.types.Panel):
    bl_label = "Staging"
    bl_idname = "DUET_PT_staging"
    bl_order = 30

    def draw(self, context: bpy.types.Context) -> None:
        s = context.scene.duet
        layout = self.layout
        row = layout.row(align=True)
        row.prop(s, "staging_text", text="")
        row.operator("duet.new_staging", text="", icon="ADD")
        if s.staging_text is None:
            layout.label(text="No staging: both characters move freely")
            return
        names = dialogue_script.panel_names(s)
        scene = context.scene
        fps = scene.render.fps / scene.render.fps_base
        messages = generate_flow.staging_messages(s.staging_text, names, fps, scene.frame_start)
        if not messages:
            layout.label(text="Staging is valid", icon="CHECKMARK")
        _messages(layout, messages, "ERROR", line_chars(context))


class DUET_PT_generate(_DuetPanel, bpy.types.Panel):
    bl_label = "Generate"
    bl_idname = "DUET_PT_generate"
    bl_order = 40

    def draw(self, context: bpy.types.Context) -> None:
        s = context.scene.duet
        layout = self.layout
        col = layout.column()
        col.prop(s, "seed")
        col.prop(s, "head_strength")
        col.prop(s, "eye_strength")
        col.prop(s, "key_mode")
        if s.key_mode == "SPARSE":
            col.prop(s, "key_tolerance")
        col.prop(s, "use_frame_range")
        if s.use_frame_range:
            row = col.row(align=True)
            row.prop(s, "frame_start")
            row.prop(s, "frame_end")
        col.prop(s, "weights_path")
        if s.status:
            layout.progress(factor=s.progress, text=s.status)
        layout.operator("duet.generate", icon="PLAY")


CLASSES: list[type] = [
    DUET_PT_voice_over,
    DUET_PT_characters,
    DUET_PT_script,
    DUET_PT_staging,
    DUET_PT_generate,
]
