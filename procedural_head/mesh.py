"""A tiny polygon-soup builder shared by the head parts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class MeshBuilder:
    """Collects vertices and polygons (quads preferred, triangles where a strip closes)."""

    def __init__(self) -> None:
        self._vertices: list[np.ndarray] = []
        self._count = 0
        self.faces: list[tuple[int, ...]] = []
        self.face_materials: list[int] = []

    @property
    def vertex_count(self) -> int:
        return self._count

    def add_vertices(self, points: np.ndarray) -> np.ndarray:
        """Append (..., 3) points; returns their indices in the same shape (minus the last axis)."""
        points = np.asarray(points, dtype=np.float64)
        flat = points.reshape(-1, 3)
        indices = np.arange(self._count, self._count + len(flat))
        self._vertices.append(flat)
        self._count += len(flat)
        return indices.reshape(points.shape[:-1])

    def vertices(self) -> np.ndarray:
        return np.concatenate(self._vertices, axis=0) if self._vertices else np.zeros((0, 3))

    def set_vertices(self, indices: np.ndarray, points: np.ndarray) -> None:
        """Move already added vertices (used once all parts are placed)."""
        allv = self.vertices()
        allv[np.asarray(indices)] = points
        self._vertices = [allv]

    def add_face(self, corners: Sequence[int], material: int) -> None:
        unique: list[int] = []
        for c in corners:
            c = int(c)
            if not unique or unique[-1] != c:
                unique.append(c)
        if len(unique) > 1 and unique[0] == unique[-1]:
            unique.pop()
        if len(unique) >= 3:
            self.faces.append(tuple(unique))
            self.face_materials.append(material)

    def strip(self, lower: Sequence[int], upper: Sequence[int], material: int, closed: bool = False) -> None:
        """Faces (lower[j], lower[j+1], upper[j+1], upper[j]): with lower running left to right
        as seen from outside and upper above it, the normals face the viewer."""
        n = len(lower)
        assert len(upper) == n
        last = n if closed else n - 1
        for j in range(last):
            k = (j + 1) % n
            self.add_face((lower[j], lower[k], upper[k], upper[j]), material)

    def fan(self, centre: int, ring: Sequence[int], material: int, closed: bool = True) -> None:
        """Triangles (centre, ring[j+1], ring[j])."""
        self.strip([centre] * len(ring), list(ring), material, closed)
