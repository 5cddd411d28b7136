"""Procedural human heads for the dialogue stage (pure numpy, no bpy).

``build_head(params)`` returns a HeadMesh: skin with sealed lips and open
eyes, mouth bag, teeth, tongue, ears, hair and brows, region labels, rig
points and all 52 ARKit shape keys. ``PRESETS["A"]`` / ``PRESETS["B"]`` are
the two characters of the default pair.
"""

from __future__ import annotations

from .head import HeadMesh, build_head
from .params import PRESET_A, PRESET_B, PRESETS, HeadParams

__all__ = ["PRESETS", "PRESET_A", "PRESET_B", "HeadMesh", "HeadParams", "build_head"]
