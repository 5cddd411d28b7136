"""The skin shell: a ray grid projected onto the head solid, with a mouth slit
and two eye slits cut along grid rows, the lips and lids rolled inward.

At the slits every grid vertex is doubled: the upper lip (lid) edge and the
lower lip (lid) edge start at the same place, so the lips are sealed and the
eyes shut before the lids are opened into their resting pose. Corners stay
single vertices shared by both edges.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import libm
from .field import eye_centres, head_field, lid_radius
from .grid import AXIS_Y, CAP_TOP_Z, RayGrid, make_grid, with_lip_rows
from .mesh import MeshBuilder
from .params import HeadParams
from .sdf import outermost_crossing

SKIN, LIPS, BROWS, HAIR, MOUTH, TEETH, TONGUE, NOSTRIL = range(8)
MATERIAL_NAMES = ("skin", "lips", "brows", "hair", "mouth", "teeth", "tongue", "nostril")

# Inside the mouth, rows continue from each lip edge: first the lip's inner face
# curling toward the gum, then a bag (palate / floor) back to the throat.
# (depth behind the edge, height away from the seam, widening, share of the lip's motion)
ROLL_ROWS = 3  # the first MOUTH_ROWS follow the lip's column; the rest form the bag
MOUTH_ROWS = (
    (0.0030, 0.0012, 1.0, 0.85),
    (0.0060, 0.0036, 1.0, 0.70),
    (0.0080, 0.0075, 1.0, 0.55),
    (0.0110, 0.0105, 1.05, 0.30),
    (0.0200, 0.0140, 1.20, 0.10),
    (0.0340, 0.0130, 1.25, 0.0),
    (0.0460, 0.0050, 1.20, 0.0),
)
LOWER_BAG_SCALE = 1.15  # the floor of the mouth sits a little deeper than the palate is high
LID_THICKNESS = 0.0016  # the lid margin rolls this far in toward the eyeball


@dataclasses.dataclass
class EyeSlit:
    """One eye opening (index arrays into the shell, ordered medial to lateral)."""

    side: int  # +1 left (+X), -1 right
    centre: np.ndarray
    cols: np.ndarray  # interior columns
    corner_cols: tuple[int, int]  # (medial, lateral)
    across: np.ndarray  # 0 at the medial corner .. 1 at the lateral, per interior column
    upper_edge: np.ndarray  # with the corners at both ends
    lower_edge: np.ndarray
    upper_inner: np.ndarray  # interior columns only
    lower_inner: np.ndarray


@dataclasses.dataclass
class Shell:
    grid: RayGrid
    builder: MeshBuilder
    closed: np.ndarray  # (n_vertices, 3) positions with lips sealed and eyes shut
    grid_index: np.ndarray  # (rows, cols): vertex below/at each grid node (lower copy at slits)
    upper_index: np.ndarray  # (rows, cols): the upper copy at slits, else as grid_index
    ray_direction: np.ndarray  # (n_vertices, 3) outward ray of each grid vertex (zero elsewhere)
    side: np.ndarray  # (n_vertices,) +1 above a slit, -1 below, 0 elsewhere (eye zones only)
    eyes: list[EyeSlit]
    mouth_cols: np.ndarray
    mouth_corner_cols: tuple[int, int]  # (right, left)
    mouth_upper_edge: np.ndarray  # right corner .. left corner
    mouth_lower_edge: np.ndarray
    lip_upper_inner: list[np.ndarray]  # per roll row, interior columns
    lip_lower_inner: list[np.ndarray]
    pole: int
    neck_centre: int
    # Derived vertices copy a scaled share of their parent's displacement.
    follow_parent: np.ndarray
    follow_factor: np.ndarray


def _project(params: HeadParams, grid: RayGrid) -> tuple[np.ndarray, np.ndarray]:
    origins, directions = grid.rays()
    shape = origins.shape
    t = outermost_crossing(
        head_field(params), origins.reshape(-1, 3), directions.reshape(-1, 3), t_max=0.26, t_min=0.02
    )
    points = origins.reshape(-1, 3) + t[:, None] * directions.reshape(-1, 3)
    return points.reshape(shape), directions


def _mirror_exact(points: np.ndarray, mirror_col: np.ndarray) -> np.ndarray:
    """Average each column with its mirror so left and right agree to the last bit."""
    mirrored = points[:, mirror_col] * np.array([-1.0, 1.0, 1.0])
    out = 0.5 * (points + mirrored)
    self_mirror = mirror_col == np.arange(len(mirror_col))
    out[:, self_mirror, 0] = 0.0
    return out


@dataclasses.dataclass
class _Draft:
    """The shell while it is built: the projected grid, and what each step adds to the builder."""

    params: HeadParams
    grid: RayGrid
    points: np.ndarray  # (rows, cols, 3) grid nodes on the skin
    directions: np.ndarray  # (rows, cols, 3) their outward rays
    builder: MeshBuilder
    grid_index: np.ndarray  # as Shell.grid_index
    upper_index: np.ndarray  # as Shell.upper_index, filled in as the slits are cut
    ray_dir: list[np.ndarray]  # outward ray per vertex, in the order the vertices are added
    # (derived vertices, their parents, share of the parent's displacement)
    follows: list[tuple[np.ndarray, np.ndarray, np.ndarray]]


def _front(grid: RayGrid) -> np.ndarray:
    return np.abs(grid.phi) < np.pi / 2


def _project_grid(params: HeadParams) -> _Draft:
    """The ray grid, its lip rows bent to the mouth line, projected onto the head and mirrored."""
    grid = make_grid(params)
    # First find where each column crosses the mouth line, then bend the lip rows to the lips.
    sin_p, cos_p = libm.sin(grid.phi), libm.cos(grid.phi)
    mouth_dirs = np.stack([sin_p, -cos_p, np.zeros_like(sin_p)], axis=1)
    mouth_origins = np.tile([0.0, AXIS_Y, params.mouth_line], (grid.n_cols, 1))
    t = outermost_crossing(head_field(params), mouth_origins, mouth_dirs, t_max=0.26, t_min=0.02)
    mouth_x = t * sin_p
    mouth_x = 0.5 * (mouth_x - mouth_x[grid.mirror_col])
    grid = with_lip_rows(grid, params, mouth_x)
    points, directions = _project(params, grid)
    points = _mirror_exact(points, grid.mirror_col)
    b = MeshBuilder()
    grid_index = b.add_vertices(points)
    return _Draft(
        params=params,
        grid=grid,
        points=points,
        directions=directions,
        builder=b,
        grid_index=grid_index,
        upper_index=grid_index.copy(),
        ray_dir=[directions.reshape(-1, 3)],
        follows=[],
    )


def _cut_mouth_slit(d: _Draft) -> tuple[np.ndarray, tuple[int, int], np.ndarray, np.ndarray]:
    """Doubles the mouth row's interior vertices; returns the interior columns, the (right, left)
    corner columns and the upper and lower lip edges (right corner .. left corner)."""
    # Interior columns are those whose stomion point lies inside the mouth width.
    m_row = d.grid.mouth_row
    mx = d.points[m_row, :, 0]
    inside = _front(d.grid) & (np.abs(mx) < d.params.mouth_half_width - 1e-4)
    mouth_cols = np.flatnonzero(inside)
    corner_r, corner_l = int(mouth_cols[0] - 1), int(mouth_cols[-1] + 1)
    upper_copies = d.builder.add_vertices(d.points[m_row, mouth_cols])
    d.ray_dir.append(d.directions[m_row, mouth_cols])
    d.upper_index[m_row, mouth_cols] = upper_copies
    gi = d.grid_index
    upper_edge = np.concatenate([[gi[m_row, corner_r]], upper_copies, [gi[m_row, corner_l]]])
    lower_edge = np.concatenate([[gi[m_row, corner_r]], gi[m_row, mouth_cols], [gi[m_row, corner_l]]])
    return mouth_cols, (corner_r, corner_l), upper_edge, lower_edge


def _cut_eye_slits(d: _Draft) -> list[EyeSlit]:
    """Doubles each eye's interior vertices on the eye row (left eye first); the lid margins
    (upper_inner, lower_inner) are left empty for _add_lid_margins."""
    # Interior columns are those whose eye-row point lies on the lid sphere, within the fissure.
    e_row = d.grid.eye_row
    points, gi = d.points, d.grid_index
    front = _front(d.grid)
    eyes: list[EyeSlit] = []
    r_lid = lid_radius(d.params)
    for centre, side in zip(eye_centres(d.params), (1, -1), strict=True):
        rel = points[e_row] - centre
        lateral = np.degrees(libm.arctan2(side * rel[:, 0], -rel[:, 1]))
        on_sphere = np.abs(np.linalg.norm(rel, axis=1) - r_lid) < 0.0025
        cols = np.flatnonzero(on_sphere & (lateral > -48.0) & (lateral < 70.0) & front)
        cols = cols[np.argsort(side * points[e_row, cols, 0])]  # medial first
        medial = int(cols[0] - side)
        lateral_col = int(cols[-1] + side)
        copies = d.builder.add_vertices(points[e_row, cols])
        d.ray_dir.append(d.directions[e_row, cols])
        d.upper_index[e_row, cols] = copies
        span = points[e_row, [medial, lateral_col], 0] * side
        across = (side * points[e_row, cols, 0] - span[0]) / (span[1] - span[0])
        eyes.append(
            EyeSlit(
                side=side,
                centre=centre,
                cols=cols,
                corner_cols=(medial, lateral_col),
                across=across,
                upper_edge=np.concatenate([[gi[e_row, medial]], copies, [gi[e_row, lateral_col]]]),
                lower_edge=np.concatenate([[gi[e_row, medial]], gi[e_row, cols], [gi[e_row, lateral_col]]]),
                upper_inner=np.zeros(0, dtype=int),
                lower_inner=np.zeros(0, dtype=int),
            )
        )
    return eyes


def _add_skin_and_caps(d: _Draft) -> tuple[int, int]:
    """The skin quads between grid rows, then the crown and neck caps; returns (pole, neck centre)."""
    b, grid_index, points = d.builder, d.grid_index, d.points
    n_rows, n_cols = points.shape[:2]
    # Upper copies are used on the row above each slit.
    for r in range(n_rows - 1):
        b.strip(d.upper_index[r], grid_index[r + 1], SKIN, closed=True)
    up_origin, up_dir = np.array([[0.0, AXIS_Y, CAP_TOP_Z]]), np.array([[0.0, 0.0, 1.0]])
    t_top = outermost_crossing(head_field(d.params), up_origin, up_dir, t_max=0.2, t_min=0.02)
    top = b.add_vertices(up_origin + t_top[:, None] * up_dir)[0]
    d.ray_dir.append(up_dir)
    b.strip(grid_index[-1], [top] * n_cols, SKIN, closed=True)
    neck_centre = b.add_vertices(np.array([[0.0, points[0, :, 1].mean(), points[0, 0, 2] - 0.004]]))[0]
    d.ray_dir.append(np.array([[0.0, 0.0, -1.0]]))
    b.fan(neck_centre, grid_index[0], SKIN)
    return int(top), int(neck_centre)


def _add_lip_roll(
    d: _Draft, mouth_cols: np.ndarray, upper_edge: np.ndarray, lower_edge: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Rows curling into the mouth from each lip edge, then the bag, closed at the back;
    returns the upper and lower rows' interior vertices, per row."""
    b = d.builder
    m_row = d.grid.mouth_row
    upper_parents, lower_parents = upper_edge[1:-1], lower_edge[1:-1]
    inward = -d.directions[m_row, mouth_cols]
    lip_upper_inner, lip_lower_inner = [], []
    prev_u, prev_l = upper_edge, lower_edge
    base = d.points[m_row, mouth_cols]
    # Rows taper toward the corners so the roll and the bag close there.
    taper = np.sqrt(np.clip(1.0 - (base[:, 0] / d.params.mouth_half_width) ** 2, 0.05, 1.0))
    for k, (depth, height, widen, share) in enumerate(MOUTH_ROWS):
        rows = []
        for sign in (1.0, -1.0):
            h = height if sign > 0 else height * LOWER_BAG_SCALE
            if k < ROLL_ROWS:  # the lip's inner face curls in along the column
                pts = base + inward * (depth * taper)[:, None] + np.outer(sign * h * taper, (0, 0, 1))
            else:  # the bag runs straight back, wider than the mouth
                t = np.sqrt(taper)
                pts = base + np.outer(depth * t, (0, 1, 0)) + np.outer(sign * h * t, (0, 0, 1))
                pts[:, 0] *= 1.0 + (widen - 1.0) * t
            rows.append(b.add_vertices(pts))
        up, lo = rows
        d.ray_dir.append(np.zeros((2 * len(mouth_cols), 3)))
        row_u = np.concatenate([[upper_edge[0]], up, [upper_edge[-1]]])
        row_l = np.concatenate([[lower_edge[0]], lo, [lower_edge[-1]]])
        material = LIPS if k < 2 else MOUTH
        b.strip(row_u, prev_u, material)
        b.strip(prev_l, row_l, material)
        prev_u, prev_l = row_u, row_l
        lip_upper_inner.append(up)
        lip_lower_inner.append(lo)
        d.follows.append((up, upper_parents, np.full(len(up), share)))
        d.follows.append((lo, lower_parents, np.full(len(lo), share)))
    # Close the bag at the back of the mouth.
    b.strip(prev_l, prev_u, MOUTH)
    return lip_upper_inner, lip_lower_inner


def _add_lid_margins(d: _Draft, eyes: list[EyeSlit]) -> None:
    """Each lid edge rolls in toward the eyeball; fills each eye's upper_inner and lower_inner."""
    b = d.builder
    for eye in eyes:
        closed_now = b.vertices()
        inner = []
        for edge in (eye.upper_edge[1:-1], eye.lower_edge[1:-1]):
            rel = closed_now[edge] - eye.centre
            scale = (d.params.eye_radius - 0.0002) / np.linalg.norm(rel, axis=1)
            inner.append(b.add_vertices(eye.centre + rel * scale[:, None]))
            d.ray_dir.append(np.zeros((len(edge), 3)))
            # Lids turn about the eye centre, so the margin moves by the radius ratio.
            d.follows.append((inner[-1], edge, scale))
        eye.upper_inner, eye.lower_inner = inner
        row_u = np.concatenate([[eye.upper_edge[0]], eye.upper_inner, [eye.upper_edge[-1]]])
        row_l = np.concatenate([[eye.lower_edge[0]], eye.lower_inner, [eye.lower_edge[-1]]])
        # Medial-to-lateral runs +X on the left eye and -X on the right: flip the right one.
        if eye.side > 0:
            b.strip(row_u, eye.upper_edge, SKIN)
            b.strip(eye.lower_edge, row_l, SKIN)
        else:
            b.strip(eye.upper_edge, row_u, SKIN)
            b.strip(row_l, eye.lower_edge, SKIN)


def _eye_zone_sides(d: _Draft, eyes: list[EyeSlit], n: int) -> np.ndarray:
    """(n,) +1 above an eye slit, -1 below, 0 at the eye corners and off the grid."""
    e_row = d.grid.eye_row
    side = np.zeros(n)
    side[d.grid_index[: e_row + 1]] = -1.0
    side[d.grid_index[e_row + 1 :]] = 1.0
    for eye in eyes:
        side[eye.upper_edge[1:-1]] = 1.0
        side[eye.lower_edge[1:-1]] = -1.0
        side[eye.upper_inner] = 1.0
        side[eye.lower_inner] = -1.0
        side[eye.upper_edge[[0, -1]]] = 0.0
    return side


def build_shell(params: HeadParams) -> Shell:
    # The order of the steps is the order of the vertices (and of ray_dir): keep it.
    d = _project_grid(params)
    mouth_cols, mouth_corner_cols, mouth_upper_edge, mouth_lower_edge = _cut_mouth_slit(d)
    eyes = _cut_eye_slits(d)
    pole, neck_centre = _add_skin_and_caps(d)
    lip_upper_inner, lip_lower_inner = _add_lip_roll(d, mouth_cols, mouth_upper_edge, mouth_lower_edge)
    _add_lid_margins(d, eyes)

    closed = d.builder.vertices()
    n = len(closed)
    follow_parent = np.arange(n)
    follow_factor = np.ones(n)
    for derived, parent, share in d.follows:
        follow_parent[derived] = parent
        follow_factor[derived] = share
    return Shell(
        grid=d.grid,
        builder=d.builder,
        closed=closed,
        grid_index=d.grid_index,
        upper_index=d.upper_index,
        ray_direction=np.concatenate(d.ray_dir, axis=0),
        side=_eye_zone_sides(d, eyes, n),
        eyes=eyes,
        mouth_cols=mouth_cols,
        mouth_corner_cols=mouth_corner_cols,
        mouth_upper_edge=mouth_upper_edge,
        mouth_lower_edge=mouth_lower_edge,
        lip_upper_inner=lip_upper_inner,
        lip_lower_inner=lip_lower_inner,
        pole=pole,
        neck_centre=neck_centre,
        follow_parent=follow_parent,
        follow_factor=follow_factor,
    )
