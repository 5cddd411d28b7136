"""Assemble a complete head: skin shell, mouth interior, ears, eyeballs, rig points,
region labels and the 52 ARKit shape-key deltas."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ..model.spec import ARKIT_NAMES
from . import hair, lids, parts, regions, shapes, surface
from .params import HeadParams
from .shell import BROWS, HAIR, MATERIAL_NAMES, SKIN, TEETH, TONGUE, build_shell

JAW_PIVOT_Y = 0.074  # the jaw turns about the left-right axis through the jaw joints
JAW_PIVOT_Z = -0.024


@dataclasses.dataclass(frozen=True, eq=False)
class HeadMesh:
    """One head in its face frame (origin between the eyeball centres, -Y forward,
    +Z up, +X the character's own left), in metres.

    ``faces`` are vertex-index tuples (mostly quads); ``shape_keys`` maps every
    ARKit name, in spec order, to per-vertex displacements from ``vertices``.
    """

    params: HeadParams
    vertices: np.ndarray  # (n, 3) float64, the rest pose
    faces: tuple[tuple[int, ...], ...]
    face_materials: np.ndarray  # (n_faces,) indices into material_names
    material_names: tuple[str, ...]
    labels: np.ndarray  # (n,) indices into regions.LABEL_NAMES
    mirror: np.ndarray  # (n,) index of each vertex's mirror image (x -> -x)
    shape_keys: dict[str, np.ndarray]  # name -> (n, 3) float64 displacement
    vertex_groups: dict[str, np.ndarray]  # bone name -> (n,) weight
    eye_centres: np.ndarray  # (2, 3): [left, right]
    eyeball: parts.EyeballMesh
    jaw_pivot: np.ndarray  # (3,) a point on the jaw's hinge axis (parallel to X)
    bones: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (head, tail)
    landmarks: dict[str, np.ndarray]  # named vertex-index arrays used by tests and tools

    @property
    def label_names(self) -> tuple[str, ...]:
        return regions.LABEL_NAMES

    def posed(self, weights: dict[str, float]) -> np.ndarray:
        """Vertices with the given shape-key values applied (Blender's relative keys add up)."""
        out = self.vertices.copy()
        for name, value in weights.items():
            out += value * self.shape_keys[name]
        return out

    def region_mask(self, names: tuple[str, ...] | list[str]) -> np.ndarray:
        ids = [regions.LABEL_NAMES.index(n) for n in names]
        return np.isin(self.labels, ids)


def _mirror_map(points: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """Index of each vertex's mirror image among vertices of the same tag.

    Parts are built symmetric to rounding error, so mirror images meet on a
    micrometre grid; the few that straddle a grid line are matched by distance.
    """
    mirror = np.full(len(points), -1)
    reflected = points * np.array([-1.0, 1.0, 1.0])
    for tag in np.unique(tags):
        idx = np.flatnonzero(tags == tag)
        table = {(*np.round(p * 1e6).astype(np.int64),): i for p, i in zip(points[idx], idx, strict=True)}
        for p, i in zip(reflected[idx], idx, strict=True):
            mirror[i] = table.get((*np.round(p * 1e6).astype(np.int64),), -1)
        missing = idx[mirror[idx] < 0]
        for i in missing:
            d = np.linalg.norm(points[idx] - reflected[i], axis=1)
            mirror[i] = idx[np.argmin(d)]
        if (np.linalg.norm(points[mirror[idx]] - reflected[idx], axis=1) > 1e-7).any():
            raise AssertionError(f"head part {tag} is not mirror-symmetric")
    return mirror


def _vertex_groups(params: HeadParams, points: np.ndarray) -> dict[str, np.ndarray]:
    """Skin weights: the neck stump bends with the neck bone, everything above with the head."""
    behind_jaw = surface.smoothstep(-0.02, 0.03, points[:, 1])
    low = surface.smoothstep(params.mouth_line - 0.03, params.mouth_line - 0.10, points[:, 2])
    neck = np.clip(low * (0.4 + 0.6 * behind_jaw), 0.0, 1.0)
    neck = np.where(points[:, 2] < params.mouth_line - 0.12, 1.0, neck)
    return {"head": 1.0 - neck, "neck": neck}


def _bones(params: HeadParams, eye_centres: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    base = np.array([0.0, 0.076, -0.19])  # the neck's cut, where the rig stands
    pivot = np.array([0.0, 0.066, JAW_PIVOT_Z - 0.018])  # top of the spine, behind the jaw
    bones = {
        "neck": (base, pivot),
        "head": (pivot, pivot + np.array([0.0, 0.0, 0.15])),
    }
    for name, c in zip(("eye.L", "eye.R"), eye_centres, strict=True):
        bones[name] = (c.copy(), c + np.array([0.0, -0.025, 0.0]))
    return bones


@functools.lru_cache(maxsize=8)
def build_head(params: HeadParams) -> HeadMesh:
    """The whole head for these parameters. Deterministic; cached per params."""
    shell = build_shell(params)
    rest_shell = lids.open_eyes(shell, params)
    b = shell.builder
    b.set_vertices(np.arange(len(rest_shell)), rest_shell)
    n_shell = len(rest_shell)
    surface.face_materials(params, shell, rest_shell)

    tags = [np.zeros(n_shell, dtype=int)]
    # Tag the slit copies and roll rows apart from the grid so mirroring pairs like with like.
    tags[0][shell.upper_index[shell.upper_index != shell.grid_index]] = 1
    for k, (up, lo) in enumerate(zip(shell.lip_upper_inner, shell.lip_lower_inner, strict=True)):
        tags[0][up] = 10 + k
        tags[0][lo] = 20 + k
    for eye in shell.eyes:
        tags[0][eye.upper_inner] = 30
        tags[0][eye.lower_inner] = 31

    start = b.vertex_count
    upper_teeth = parts.add_teeth(b, params, True, TEETH)
    lower_teeth = parts.add_teeth(b, params, False, TEETH)
    tongue, tongue_front = parts.add_tongue(b, params, TONGUE)
    ear_l = parts.add_ear(b, params, 1, SKIN)
    ear_r = parts.add_ear(b, params, -1, SKIN)
    hair_idx = hair.add_hair(b, params, shell, rest_shell, HAIR)
    brow_l, brow_r = hair.add_brows(b, params, BROWS)
    part_tags = np.zeros(b.vertex_count - start, dtype=int)
    for tag, idx in (
        (41, upper_teeth),
        (42, lower_teeth),
        (43, tongue),
        (44, ear_l),
        (44, ear_r),
        (45, hair_idx),
        (46, brow_l),
        (46, brow_r),
    ):
        part_tags[idx - start] = tag
    tags.append(part_tags)

    vertices = b.vertices()
    tags_all = np.concatenate(tags)
    mirror = _mirror_map(vertices, tags_all)
    eye_centres = np.array([e.centre for e in shell.eyes])
    jaw_pivot = np.array([0.0, JAW_PIVOT_Y, JAW_PIVOT_Z])

    parts_index = {
        "teeth_upper": upper_teeth,
        "teeth_lower": lower_teeth,
        "tongue": tongue,
        "ear_L": ear_l,
        "ear_R": ear_r,
        "hair": hair_idx,
        "brow_L": brow_l,
        "brow_R": brow_r,
    }
    # Hair and brows ride on the skin: bind them to the grid skin (not the slit copies).
    skin_ids = np.unique(shell.grid_index)
    bindings = []
    for sheet in (hair_idx, brow_l, brow_r):
        near, weights = hair.bind(vertices[sheet], vertices[skin_ids], skin_ids)
        bindings.append(hair.Binding(sheet, near, weights))
    labels = regions.label_vertices(params, shell, vertices, parts_index)
    for binding in bindings:
        labels[binding.vertices] = labels[
            binding.skin[np.arange(len(binding.vertices)), binding.weights.argmax(axis=1)]
        ]
    keys = shapes.build_shape_keys(
        params, shell, vertices, labels, mirror, parts_index, tongue_front, jaw_pivot, bindings
    )
    landmarks = {
        "mouth_upper_edge": shell.mouth_upper_edge,
        "mouth_lower_edge": shell.mouth_lower_edge,
        "lid_upper_edge_L": shell.eyes[0].upper_edge,
        "lid_lower_edge_L": shell.eyes[0].lower_edge,
        "lid_upper_edge_R": shell.eyes[1].upper_edge,
        "lid_lower_edge_R": shell.eyes[1].lower_edge,
        **parts_index,
    }
    ordered = {name: keys[name] for name in ARKIT_NAMES}
    return HeadMesh(
        params=params,
        vertices=vertices,
        faces=tuple(b.faces),
        face_materials=np.asarray(b.face_materials, dtype=np.int32),
        material_names=MATERIAL_NAMES,
        labels=labels,
        mirror=mirror,
        shape_keys=ordered,
        vertex_groups=_vertex_groups(params, vertices),
        eye_centres=eye_centres,
        eyeball=parts.eyeball(params),
        jaw_pivot=jaw_pivot,
        bones=_bones(params, eye_centres),
        landmarks=landmarks,
    )
