"""Operators: gather settings from the UI and call the core. No logic here."""

from __future__ import annotations

import bpy

from .add_pair import DUET_OT_add_dialogue_pair, menu_add_pair
from .export_take import DUET_OT_export_take, menu_export_take
from .generate import DUET_OT_generate
from .retarget_map import CLASSES as RETARGET_CLASSES
from .script_ops import CLASSES as SCRIPT_CLASSES
from .settings_ops import CLASSES as SETTINGS_CLASSES

CLASSES: list[type] = [
    DUET_OT_add_dialogue_pair,
    DUET_OT_export_take,
    DUET_OT_generate,
    *SETTINGS_CLASSES,
    *RETARGET_CLASSES,
    *SCRIPT_CLASSES,
]


def register_menus() -> None:
    """Add Duet's entries to Blender menus."""
    bpy.types.VIEW3D_MT_add.append(menu_add_pair)
    bpy.types.TOPBAR_MT_file_export.append(menu_export_take)


def unregister_menus() -> None:
    """Remove what register_menus added."""
    bpy.types.VIEW3D_MT_add.remove(menu_add_pair)
    bpy.types.TOPBAR_MT_file_export.remove(menu_export_take)
