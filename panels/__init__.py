"""Panels of the "Duet" tab in the 3D viewport sidebar."""

from __future__ import annotations

from .sidebar import DUET_PT_stage

CLASSES: list[type] = [DUET_PT_stage]
