"""Panels of the "Duet" tab in the 3D viewport sidebar."""

from __future__ import annotations

CLASSES: list[type] = []
