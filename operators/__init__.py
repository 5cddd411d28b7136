"""Operators: gather settings from the UI and call the core. No logic here."""

from __future__ import annotations

CLASSES: list[type] = []


def register_menus() -> None:
    """Add Duet's entries to Blender menus."""


def unregister_menus() -> None:
    """Remove what register_menus added."""
