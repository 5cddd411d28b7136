"""Panels of the "Duet" tab in the 3D viewport sidebar."""

from __future__ import annotations

from .generate import CLASSES as GENERATE_CLASSES
from .sidebar import DUET_PT_stage

CLASSES: list[type] = [DUET_PT_stage, *GENERATE_CLASSES]
