"""Map the model's 52 ARKit curves to the shape keys a rig has.

Three steps, all pure numpy (no bpy):

- ``detect(shape_key_names, bone_names)`` finds which naming schemes a rig
  uses (ARKit 52, Meta/Oculus visemes, VRM presets, Rhubarb or Papagayo
  mouths), which shape key plays each part, what is missing, and the head,
  neck and eye bones. ``RigReport.summary()`` is what the Blender panel shows.
- ``RetargetMap.default_for(report)`` builds a map: linear entries (a rig key =
  a weighted sum of ARKit channels, clamped) and prototype solves (each viseme
  key is an ARKit mouth pose; per frame the non-negative weights that best
  rebuild the ARKit mouth are solved). Maps save to and load from JSON.
- ``apply(map, arkit_values)`` turns (T, 52) ARKit curves into one (T,) curve
  per rig shape key.

Matching rules and the JSON format are documented in docs/RETARGET.md.
"""

from __future__ import annotations

from .detect import RigReport, SchemeMatch, detect, name_forms, normalize
from .map import MAP_FORMAT, MAP_VERSION, LinearEntry, RetargetMap, SolveGroup, apply
from .solve import DEFAULT_REGULARIZATION, solve_prototypes

__all__ = [
    "DEFAULT_REGULARIZATION",
    "MAP_FORMAT",
    "MAP_VERSION",
    "LinearEntry",
    "RetargetMap",
    "RigReport",
    "SchemeMatch",
    "SolveGroup",
    "apply",
    "detect",
    "name_forms",
    "normalize",
    "solve_prototypes",
]
