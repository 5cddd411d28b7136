"""Register and unregister every Blender class and menu entry of Duet."""

from __future__ import annotations

import bpy

from .. import operators, panels
from . import properties
from .headless import commands

_registered: list[type] = []


def _classes() -> list[type]:
    return [*properties.CLASSES, *operators.CLASSES, *panels.CLASSES]


def register() -> None:
    for cls in _classes():
        bpy.utils.register_class(cls)
        _registered.append(cls)
    properties.register()
    operators.register_menus()
    commands.register()  # blender -c duet ...


def unregister() -> None:
    commands.unregister()
    operators.unregister_menus()
    properties.unregister()
    while _registered:
        bpy.utils.unregister_class(_registered.pop())
