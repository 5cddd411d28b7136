"""Operators: gather settings from the UI and call the core. No logic here."""

from __future__ import annotations

import bpy

from .add_pair import DUET_OT_add_dialogue_pair, menu_add_pair

CLASSES: list[type] = [DUET_OT_add_dialogue_pair]


def register_menus() -> None:
    """Add Duet's entries to Blender menus."""
    bpy.types.VIEW3D_MT_add.append(menu_add_pair)


def unregister_menus() -> None:
    """Remove what register_menus added."""
    bpy.types.VIEW3D_MT_add.remove(menu_add_pair)
