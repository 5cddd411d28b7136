"""Find what a picked character offers: meshes with shape keys, armature,
head / neck / eye bones, and how its shape keys map to the model's output."""

from __future__ import annotations

from dataclasses import dataclass, field

import bpy

from ..batch.checks import MapSource
from ..model import retarget
from ..model.spec import ROLES


class RigError(ValueError):
    """A character that cannot be animated, with what to do about it."""


@dataclass
class CharacterRig:
    role: str
    display_name: str
    meshes: list[bpy.types.Object]  # meshes with shape keys that take the face curves
    armature: bpy.types.Object | None
    report: retarget.RigReport
    retarget_map: retarget.RetargetMap
    head_bone: str | None = None
    neck_bone: str | None = None
    eye_bones: tuple[str | None, str | None] = (None, None)
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[bpy.types.ID]:
        out: list[bpy.types.ID] = [m.data.shape_keys for m in self.meshes]
        if self.armature is not None:
            out.append(self.armature)
        return out


def _armature_of(mesh: bpy.types.Object) -> bpy.types.Object | None:
    if mesh.parent is not None and mesh.parent.type == "ARMATURE":
        return mesh.parent
    for mod in mesh.modifiers:
        if mod.type == "ARMATURE" and mod.object is not None:
            return mod.object
    return None


def _shape_key_meshes(root: bpy.types.Object) -> list[bpy.types.Object]:
    candidates = [root, *root.children_recursive] if root.type == "ARMATURE" else [root]
    return [
        obj
        for obj in candidates
        if obj.type == "MESH" and obj.data.shape_keys is not None and len(obj.data.shape_keys.key_blocks) > 1
    ]


def rig_root(obj: bpy.types.Object) -> bpy.types.Object:
    """The object a character is known by: its armature when it has one (a picked head
    mesh and its rig are the same character), else the object itself."""
    if obj.type == "MESH":
        return _armature_of(obj) or obj
    return obj


def _custom_map(source: MapSource, role: str, obj_name: str, key_names: list[str]) -> retarget.RetargetMap:
    try:
        rmap = retarget.RetargetMap.from_json(source.text, source=f"retarget map '{source.name}'")
    except ValueError as exc:
        raise RigError(f"character {role}: {exc}") from None
    missing = rmap.missing_targets(key_names)
    if missing:
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        raise RigError(
            f"retarget map '{source.name}' drives shape keys that character {role} '{obj_name}' lacks: "
            f"{shown}; remove them from the map, or make a new map for this rig"
        )
    return rmap


def rig_from_object(
    obj: bpy.types.Object | None, role: str, custom_map: MapSource | None = None
) -> CharacterRig:
    """The character's rig; its shape keys follow custom_map when given, else the map
    detected from their names."""
    if obj is None:
        raise RigError(f"character {role} is not set: pick its head mesh or armature in the Duet panel")
    armature = obj if obj.type == "ARMATURE" else _armature_of(obj) if obj.type == "MESH" else None
    meshes = _shape_key_meshes(obj)
    if armature is not None and obj.type == "MESH":
        # Other meshes of the same rig (teeth, tongue) with shape keys take the curves too.
        meshes += [m for m in _shape_key_meshes(armature) if m not in meshes]
    if obj.type not in {"MESH", "ARMATURE"}:
        raise RigError(f"character {role} '{obj.name}' is a {obj.type.lower()}: pick a mesh or an armature")
    key_names = sorted({kb.name for m in meshes for kb in m.data.shape_keys.key_blocks[1:]})
    bone_names = [b.name for b in armature.data.bones] if armature is not None else []
    if not key_names and armature is None:
        raise RigError(
            f"character {role} '{obj.name}' has no shape keys and no armature: "
            "add face shape keys (ARKit, visemes, VRM or Rhubarb names) or pick the rig"
        )
    report = retarget.detect(key_names, bone_names)
    if custom_map is not None:
        retarget_map = _custom_map(custom_map, role, obj.name, key_names)
    else:
        retarget_map = retarget.RetargetMap.default_for(report)
    driven = set(retarget_map.targets) & set(key_names)
    if not driven and not (report.head_bone or report.has_eye_bones):
        n = len(key_names)
        keys = f"none of its {n} shape keys has a name Duet knows" if n else "no shape keys"
        raise RigError(
            f"character {role} '{obj.name}' has nothing Duet can animate: {keys} (ARKit, Meta/Oculus "
            "visemes, VRM or Rhubarb names) and no head or eye bones"
        )
    name = str(
        obj.get("duet_character") or (armature.get("duet_character") if armature else None) or obj.name
    )
    return CharacterRig(
        role=role,
        display_name=name,
        meshes=meshes,
        armature=armature,
        report=report,
        retarget_map=retarget_map,
        head_bone=report.head_bone,
        neck_bone=report.neck_bone,
        eye_bones=(report.eye_bone_left, report.eye_bone_right),
    )


def pair_from_objects(
    a: bpy.types.Object | None,
    b: bpy.types.Object | None,
    maps: dict[str, MapSource | None] | None = None,
) -> dict[str, CharacterRig]:
    maps = maps or {}
    pair = {role: rig_from_object(obj, role, maps.get(role)) for role, obj in zip(ROLES, (a, b), strict=True)}
    pointers = [{x.as_pointer() for x in pair[role].ids} for role in ROLES]
    if pointers[0] & pointers[1]:
        raise RigError("A and B are the same character: pick a different object for each")
    return pair
