"""Takes leave Blender, one job per module:

- scope.py: what an export or a bake covers (objects, IDs, the take, its strips) and ExportError;
- sampled_actions.py: a take sampled per frame into a temporary LINEAR action the exporter reads as is;
- exporter_view.py: what the glTF exporter sees during one export (temporary tracks or active
  actions, the selection), every change undone afterwards;
- gltf.py: driving Blender's glTF exporter: ``export_gltf``;
- plain_actions.py: a take baked into plain actions for exporters that ignore the NLA.

The public names live here: ``from duet.addon import export; export.export_gltf(...)``.
"""

from .gltf import FORMATS, MODES, ExportReport, export_gltf, path_for_format
from .plain_actions import (
    BAKED_PROP,
    RESTORE_PROP,
    STASH_PREFIX,
    BakedActions,
    bake_take_to_actions,
    restore_baked_actions,
)
from .scope import (
    ExportError,
    active_take,
    animated_ids,
    character_objects,
    check_not_tweaking,
    check_timing,
    default_selection,
    id_names,
    list_takes,
    require_take,
    take_for_choice,
    take_strip,
)

__all__ = [
    "BAKED_PROP",
    "FORMATS",
    "MODES",
    "RESTORE_PROP",
    "STASH_PREFIX",
    "BakedActions",
    "ExportError",
    "ExportReport",
    "active_take",
    "animated_ids",
    "bake_take_to_actions",
    "character_objects",
    "check_not_tweaking",
    "check_timing",
    "default_selection",
    "export_gltf",
    "id_names",
    "list_takes",
    "path_for_format",
    "require_take",
    "restore_baked_actions",
    "take_for_choice",
    "take_strip",
]
