"""Takes leave Blender: glTF export (gltf.py) and plain actions for other exporters (plain_actions.py).

The public names live here, so ``from duet.addon import export; export.export_gltf(...)`` reads as before.
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
