"""Build the dialogue stage in Blender: two rigged heads facing each other, a camera
framing both, and three lights, all in one "Duet Pair" collection.

Geometry comes from duet.procedural_head (pure numpy); this module only turns it into
Blender data with the data API. The one exception is creating bones, which
Blender allows only in armature edit mode (see _add_bones).
"""

from __future__ import annotations

import dataclasses
import math

import bpy
import numpy as np
from mathutils import Matrix, Vector

from ..model.spec import ARKIT_NAMES, CANONICAL_CAMERA_DIRECTION, ROLES
from ..procedural_head.head import HeadMesh, build_head
from ..procedural_head.params import PRESETS, HeadParams
from ..procedural_head.parts import EYE_MATERIAL_NAMES

ROLE_PROP = "duet_role"  # "A" or "B" on every object of a character
PART_PROP = "duet_part"  # "rig", "head", "eye.L", "eye.R", "camera", "light"
PAIR_PROP = "duet_pair"  # on the collection, so tools can find it

DEFAULT_DISTANCE = 1.2  # metres between the two heads' eye midpoints
DEFAULT_EYE_HEIGHT = 1.55  # standing eye height, metres


@dataclasses.dataclass
class CharacterHandles:
    """One character of the pair as built: its rig, head mesh and eyes."""

    role: str
    name: str
    rig: bpy.types.Object  # armature: bones neck, head, eye.L, eye.R
    mesh: bpy.types.Object  # the head mesh: skin, mouth, teeth, tongue, ears; the 52 shape keys
    eyes: tuple[bpy.types.Object, bpy.types.Object]  # (left, right), parented to eye bones


@dataclasses.dataclass
class PairHandles:
    collection: bpy.types.Collection
    characters: dict[str, CharacterHandles]
    camera: bpy.types.Object
    lights: tuple[bpy.types.Object, ...]


def display_name(role: str, params: HeadParams) -> str:
    """How a character is named in the outliner: the role first, so A and B sort and read clearly."""
    return f"Duet {role} ({params.name})"


def _material(name: str, rgb: tuple[float, float, float], roughness: float = 0.5) -> bpy.types.Material:
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)  # what Workbench and the viewport show
    mat.roughness = roughness
    # Render engines read the node tree: 4.5 creates it on request, 5.x always has one.
    if mat.node_tree is None:
        mat.use_nodes = True
    tree = mat.node_tree
    if tree is not None:
        bsdf = next((n for n in tree.nodes if n.type == "BSDF_PRINCIPLED"), None)
        if bsdf is not None:
            bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
            bsdf.inputs["Roughness"].default_value = roughness
    return mat


def _head_materials(role: str, params: HeadParams) -> dict[str, bpy.types.Material]:
    prefix = f"Duet {role}"
    return {
        "skin": _material(f"{prefix} skin", params.skin, 0.55),
        "lips": _material(f"{prefix} lips", params.lips, 0.4),
        "brows": _material(f"{prefix} brows", params.brows, 0.8),
        "hair": _material(f"{prefix} hair", params.hair, 0.6),
        "mouth": _material(f"{prefix} mouth", (0.09, 0.018, 0.02), 0.6),
        "teeth": _material(f"{prefix} teeth", (0.66, 0.62, 0.53), 0.3),
        "tongue": _material(f"{prefix} tongue", (0.34, 0.075, 0.07), 0.45),
        "nostril": _material(f"{prefix} nostril", tuple(0.35 * c for c in params.skin), 0.7),
        "sclera": _material(f"{prefix} sclera", (0.86, 0.84, 0.80), 0.15),
        "iris": _material(f"{prefix} iris", params.iris, 0.25),
        "pupil": _material(f"{prefix} pupil", (0.01, 0.01, 0.01), 0.1),
    }


def _mesh_from_polygons(
    name: str, vertices: np.ndarray, faces, face_materials: np.ndarray, materials: list[bpy.types.Material]
) -> bpy.types.Mesh:
    mesh = bpy.data.meshes.new(name)
    loop_totals = np.fromiter((len(f) for f in faces), dtype=np.int32, count=len(faces))
    loop_starts = np.concatenate([[0], np.cumsum(loop_totals)[:-1]]).astype(np.int32)
    loop_vertices = np.fromiter((v for f in faces for v in f), dtype=np.int32, count=int(loop_totals.sum()))
    mesh.vertices.add(len(vertices))
    mesh.vertices.foreach_set("co", vertices.astype(np.float32).ravel())
    mesh.loops.add(len(loop_vertices))
    mesh.loops.foreach_set("vertex_index", loop_vertices)
    mesh.polygons.add(len(faces))
    # Polygon sizes follow from the loop starts (loop_total is read-only since Blender 4.0).
    mesh.polygons.foreach_set("loop_start", loop_starts)
    mesh.update(calc_edges=True)
    for mat in materials:
        mesh.materials.append(mat)
    mesh.polygons.foreach_set("material_index", np.asarray(face_materials, dtype=np.int32))
    mesh.polygons.foreach_set("use_smooth", np.ones(len(faces), dtype=bool))
    mesh.validate()
    return mesh


def _link(obj: bpy.types.Object, collection: bpy.types.Collection, role: str | None, part: str) -> None:
    collection.objects.link(obj)
    if role is not None:
        obj[ROLE_PROP] = role
    obj[PART_PROP] = part


def _add_bones(
    scene: bpy.types.Scene, rig: bpy.types.Object, bones: dict[str, tuple[np.ndarray, np.ndarray]]
) -> None:
    """Create the bones. Blender only lets edit bones exist in armature edit mode, so this is
    the one place the stage uses an operator (mode_set), with the rig made active for it in
    the scene it was added to (which need not be the window's scene)."""
    view_layer = scene.view_layers[0]
    previous = view_layer.objects.active
    view_layer.objects.active = rig
    with bpy.context.temp_override(scene=scene, view_layer=view_layer, active_object=rig, object=rig):
        bpy.ops.object.mode_set(mode="EDIT")
        try:
            arm = rig.data
            for name, (head, tail) in bones.items():
                eb = arm.edit_bones.new(name)
                eb.head, eb.tail = Vector(head), Vector(tail)
                eb.roll = 0.0
            arm.edit_bones["head"].parent = arm.edit_bones["neck"]
            arm.edit_bones["head"].use_connect = True
            for eye in ("eye.L", "eye.R"):
                arm.edit_bones[eye].parent = arm.edit_bones["head"]
        finally:
            bpy.ops.object.mode_set(mode="OBJECT")
    view_layer.objects.active = previous


def _place(role: str, distance: float, eye_height: float) -> Matrix:
    """World matrix of a head's face frame: A on the left facing +X, B on the right facing -X."""
    x = -distance / 2 if role == "A" else distance / 2
    yaw = math.pi / 2 if role == "A" else -math.pi / 2  # rotates the face's -Y onto the partner
    return Matrix.Translation((x, 0.0, eye_height)) @ Matrix.Rotation(yaw, 4, "Z")


def build_character(
    scene: bpy.types.Scene,
    role: str,
    head_mesh: HeadMesh,
    world_from_face: Matrix,
    collection: bpy.types.Collection,
) -> CharacterHandles:
    """One character from its procedural head mesh: rig, head mesh object with shape keys, eyes."""
    params = head_mesh.params
    name = display_name(role, params)
    s = params.scale
    neck_base = head_mesh.bones["neck"][0]  # the rig's origin sits at the base of the neck

    def to_rig(p: np.ndarray) -> np.ndarray:
        """Face frame -> rig space, metres."""
        return (np.asarray(p) - neck_base) * s

    mats = _head_materials(role, params)
    arm = bpy.data.armatures.new(f"{name} rig")
    rig = bpy.data.objects.new(name, arm)
    rig.matrix_world = world_from_face @ Matrix.Translation(Vector(neck_base * s))
    _link(rig, collection, role, "rig")
    rig["duet_character"] = params.name
    _add_bones(scene, rig, {b: (to_rig(h), to_rig(t)) for b, (h, t) in head_mesh.bones.items()})

    mesh = _mesh_from_polygons(
        f"{name} head",
        to_rig(head_mesh.vertices),
        head_mesh.faces,
        head_mesh.face_materials,
        [mats[m] for m in head_mesh.material_names],
    )
    head_obj = bpy.data.objects.new(f"{name} head", mesh)
    _link(head_obj, collection, role, "head")
    head_obj.parent = rig
    head_obj.matrix_parent_inverse = Matrix.Identity(4)
    head_obj.matrix_basis = Matrix.Identity(4)
    _add_shape_keys(head_obj, to_rig(head_mesh.vertices), {k: v * s for k, v in head_mesh.shape_keys.items()})
    for group, weights in head_mesh.vertex_groups.items():
        vg = head_obj.vertex_groups.new(name=group)
        nonzero = np.flatnonzero(weights > 1e-4)
        for value in np.unique(np.round(weights[nonzero], 3)):
            members = nonzero[np.round(weights[nonzero], 3) == value]
            vg.add(members.tolist(), float(value), "REPLACE")
    mod = head_obj.modifiers.new("Duet rig", "ARMATURE")
    mod.object = rig

    eyeball = head_mesh.eyeball
    eye_mesh = _mesh_from_polygons(
        f"{name} eye",
        eyeball.vertices * s,
        eyeball.faces,
        np.asarray(eyeball.face_materials),
        [mats[m] for m in EYE_MATERIAL_NAMES],
    )
    eyes = []
    for bone_name, centre in zip(("eye.L", "eye.R"), head_mesh.eye_centres, strict=True):
        eye = bpy.data.objects.new(f"{name} {bone_name}", eye_mesh)
        _link(eye, collection, role, bone_name)
        eye.parent = rig
        eye.parent_type = "BONE"
        eye.parent_bone = bone_name
        bone = rig.data.bones[bone_name]
        # A bone child hangs from the bone's tail; undo that so the eyeball sits at the bone head.
        parent_rest = bone.matrix_local @ Matrix.Translation((0.0, bone.length, 0.0))
        eye.matrix_parent_inverse = Matrix.Identity(4)
        eye.matrix_basis = parent_rest.inverted() @ Matrix.Translation(Vector(to_rig(centre)))
        eyes.append(eye)
    return CharacterHandles(role=role, name=name, rig=rig, mesh=head_obj, eyes=(eyes[0], eyes[1]))


def _add_shape_keys(obj: bpy.types.Object, rest: np.ndarray, deltas: dict[str, np.ndarray]) -> None:
    obj.shape_key_add(name="Basis", from_mix=False)
    for name in ARKIT_NAMES:
        block = obj.shape_key_add(name=name, from_mix=False)
        block.data.foreach_set("co", (rest + deltas[name]).astype(np.float32).ravel())
        block.slider_min, block.slider_max = 0.0, 1.0
    obj.data.shape_keys.name = f"{obj.name} keys"


def _camera(collection: bpy.types.Collection, distance: float, eye_height: float) -> bpy.types.Object:
    """A two-shot camera in front of the pair, toward A's right and B's left like the spec's
    canonical camera (spec.CANONICAL_CAMERA_DIRECTION), pulled back a little further than
    its 60 degrees so a longer lens keeps the faces undistorted at the frame edges."""
    yaw_a = abs(CANONICAL_CAMERA_DIRECTION["A"][0])
    back = 1.3 * distance / 2 * math.tan(math.radians(yaw_a))
    half_width = distance / 2 + 0.24  # both heads with a little air around them
    cam = bpy.data.cameras.new("Duet Camera")
    cam.sensor_width = 36.0
    cam.lens = cam.sensor_width / 2 * back / half_width
    cam.clip_start = 0.05
    obj = bpy.data.objects.new("Duet Camera", cam)
    _link(obj, collection, None, "camera")
    obj.location = (0.0, -back, eye_height + 0.03)
    target = Vector((0.0, 0.0, eye_height - 0.03))
    obj.rotation_euler = (target - obj.location).to_track_quat("-Z", "Y").to_euler()
    return obj


def _lights(collection: bpy.types.Collection, eye_height: float) -> tuple[bpy.types.Object, ...]:
    out = []
    for name, loc, energy, size, colour in (
        ("Duet Key", (-1.4, -1.9, eye_height + 1.1), 260.0, 1.0, (1.0, 0.95, 0.88)),
        ("Duet Fill", (1.8, -1.6, eye_height + 0.3), 90.0, 1.6, (0.85, 0.9, 1.0)),
        ("Duet Rim", (0.3, 1.8, eye_height + 1.0), 200.0, 0.8, (1.0, 1.0, 1.0)),
    ):
        light = bpy.data.lights.new(name, "AREA")
        light.energy = energy
        light.size = size
        light.color = colour
        obj = bpy.data.objects.new(name, light)
        _link(obj, collection, None, "light")
        obj.location = loc
        target = Vector((0.0, 0.0, eye_height))
        obj.rotation_euler = (target - obj.location).to_track_quat("-Z", "Y").to_euler()
        out.append(obj)
    return tuple(out)


def build_dialogue_pair(
    scene: bpy.types.Scene,
    *,
    distance: float = DEFAULT_DISTANCE,
    eye_height: float = DEFAULT_EYE_HEIGHT,
    params: dict[str, HeadParams] | None = None,
    set_active_camera: bool = True,
) -> PairHandles:
    """Add two heads facing each other, a camera and lights to the scene, in a new collection."""
    if not 0.3 <= distance <= 5.0:
        raise ValueError(
            f"distance {distance} m is not a conversational distance; use 0.3 to 5 m (1.2 is natural)"
        )
    params = params or PRESETS
    collection = bpy.data.collections.new("Duet Pair")
    collection[PAIR_PROP] = True
    scene.collection.children.link(collection)
    characters = {}
    for role in ROLES:
        characters[role] = build_character(
            scene, role, build_head(params[role]), _place(role, distance, eye_height), collection
        )
    camera = _camera(collection, distance, eye_height)
    lights = _lights(collection, eye_height)
    if set_active_camera:
        scene.camera = camera
    if scene.world is None:
        world = bpy.data.worlds.new("Duet World")
        world.color = (0.05, 0.05, 0.055)
        scene.world = world
    scene.view_layers[0].update()
    return PairHandles(collection=collection, characters=characters, camera=camera, lights=lights)


def find_pairs(scene: bpy.types.Scene) -> list[dict[str, bpy.types.Object]]:
    """Rigs of every Duet pair in the scene, as {role: armature object} per collection."""
    pairs = []
    for coll in scene.collection.children_recursive:
        if not coll.get(PAIR_PROP):
            continue
        rigs = {o[ROLE_PROP]: o for o in coll.objects if o.get(PART_PROP) == "rig" and ROLE_PROP in o}
        if set(rigs) == set(ROLES):
            pairs.append(rigs)
    return pairs
