"""The pieces inside and beside the skin: eyeballs, mouth cavity, teeth, tongue, ears."""

from __future__ import annotations

import dataclasses

import numpy as np

from . import libm
from .mesh import MeshBuilder
from .params import HeadParams

SCLERA, IRIS, PUPIL = range(3)
EYE_MATERIAL_NAMES = ("sclera", "iris", "pupil")

IRIS_DEG = 30.5  # angular radius of the iris seen from the eyeball centre
PUPIL_DEG = 13.0


@dataclasses.dataclass
class EyeballMesh:
    """One eyeball around its own centre, looking down -Y (both eyes share it)."""

    vertices: np.ndarray
    faces: list[tuple[int, ...]]
    face_materials: list[int]
    radius: float


def eyeball(params: HeadParams) -> EyeballMesh:
    """Sphere with its rings around the gaze axis, so the iris and pupil edges are exact circles.

    The cornea bulges a little in front of the iris, which catches the light.
    """
    r = params.eye_radius
    ring_deg = [PUPIL_DEG * 0.5, PUPIL_DEG, 22.0, IRIS_DEG, 45.0, 62.0, 80.0, 100.0, 125.0, 152.0]
    segments = 24
    b = MeshBuilder()
    front = b.add_vertices(np.array([[0.0, -r * 1.06, 0.0]]))[0]
    rings = []
    for deg in ring_deg:
        a = np.radians(deg)
        bulge = 1.0 + 0.06 * max(0.0, 1.0 - deg / IRIS_DEG) ** 1.5
        ang = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
        # Looking from the front (down +Y), ring order runs counter-clockwise.
        pts = np.stack(
            [
                r * bulge * libm.sin(a) * libm.cos(ang),
                -r * bulge * libm.cos(a) * np.ones_like(ang),
                r * bulge * libm.sin(a) * libm.sin(ang),
            ],
            axis=1,
        )
        rings.append(b.add_vertices(pts))
    back = b.add_vertices(np.array([[0.0, r, 0.0]]))[0]
    # Front cap: fan from the pole. Ring angle runs from +X toward +Z, which seen from the
    # front (from -Y) is counter-clockwise, so (pole, ring[j], ring[j+1]) faces forward.
    for j in range(segments):
        k = (j + 1) % segments
        b.add_face((front, rings[0][j], rings[0][k]), PUPIL)
    for i in range(len(rings) - 1):
        deg = ring_deg[i + 1]
        mat = PUPIL if deg <= PUPIL_DEG else IRIS if deg <= IRIS_DEG else SCLERA
        for j in range(segments):
            k = (j + 1) % segments
            b.add_face((rings[i][j], rings[i + 1][j], rings[i + 1][k], rings[i][k]), mat)
    for j in range(segments):
        k = (j + 1) % segments
        b.add_face((rings[-1][j], back, rings[-1][k]), SCLERA)
    return EyeballMesh(b.vertices(), b.faces, b.face_materials, r)


def _ellipsoid_grid(centre, radii, n_lat: int, n_lon: int) -> tuple[np.ndarray, np.ndarray]:
    """Lat-long points (without poles) and the two poles of an ellipsoid."""
    lat = np.linspace(-np.pi / 2, np.pi / 2, n_lat + 2)[1:-1]
    lon = np.linspace(0.0, 2 * np.pi, n_lon, endpoint=False)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    # lon 0 points forward (-Y), growing toward +X, so rings run counter-clockwise from above.
    pts = np.stack([libm.cos(la) * libm.sin(lo), -libm.cos(la) * libm.cos(lo), libm.sin(la)], axis=-1)
    pts = np.asarray(centre) + pts * np.asarray(radii)
    poles = np.asarray(centre) + np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0]]) * np.asarray(radii)
    return pts, poles


def add_ellipsoid(b: MeshBuilder, centre, radii, n_lat: int, n_lon: int, material: int, inward: bool = False):
    """A closed lat-long ellipsoid; inward=True turns the normals in (a cavity). Returns its indices."""
    pts, poles = _ellipsoid_grid(centre, radii, n_lat, n_lon)
    idx = b.add_vertices(pts)
    pole = b.add_vertices(poles)
    rows = [list(idx[i]) for i in range(n_lat)]
    if inward:
        rows = [r[::-1] for r in rows]
    b.fan(int(pole[0]), rows[0], material)
    for i in range(n_lat - 1):
        b.strip(rows[i], rows[i + 1], material, closed=True)
    b.strip(rows[-1], [int(pole[1])] * n_lon, material, closed=True)
    return np.concatenate([idx.ravel(), pole])


def dental_arch(params: HeadParams, upper: bool) -> tuple[np.ndarray, np.ndarray]:
    """Front and back curves of a tooth row as (n, 3) points at the biting edge height."""
    z_m = params.mouth_line
    half = params.mouth_half_width
    if upper:
        a, depth, y0 = half * 0.93, 0.022, -params.lip_projection - 0.0004
    else:
        a, depth, y0 = half * 0.84, 0.020, -params.lip_projection + 0.0046
    t = np.linspace(-1.0, 1.0, 17)
    x = a * libm.sin(t * 1.35) / libm.sin(1.35)
    y = y0 + depth * (1.0 - libm.cos(t * 1.35)) / (1.0 - libm.cos(1.35))
    front = np.stack([x, y, np.full_like(x, z_m)], axis=1)
    # The back face sits 6 mm in, along the arch's inward normal.
    tangent = np.gradient(front, axis=0)
    inward = np.stack([tangent[:, 1], -tangent[:, 0], np.zeros_like(x)], axis=1)
    inward /= np.linalg.norm(inward, axis=1, keepdims=True)
    inward *= np.sign(inward[len(x) // 2, 1])  # toward +Y at the middle
    back = front + inward * 0.0055
    return front, back


def _toward(a: np.ndarray, b: np.ndarray, share: float) -> np.ndarray:
    return a + (b - a) * share


def add_teeth(b: MeshBuilder, params: HeadParams, upper: bool, material: int) -> np.ndarray:
    """A row of teeth as one swept band: front, biting edge, back; tooth gaps notch the edge."""
    front, back = dental_arch(params, upper)
    z_m = params.mouth_line
    sign = 1.0 if upper else -1.0
    edge_z = z_m - 0.0036 if upper else z_m - 0.0016
    root_z = edge_z + sign * (0.0115 if upper else 0.0085)
    # Notches: the biting edge rises a little between teeth.
    n = len(front)
    notch = np.where(np.arange(n) % 2 == 0, 0.0004, 0.0)
    edge = edge_z + sign * notch
    rows = []
    # Incisors are wedges: thick at the gum, thin at the biting edge.
    edge_back = _toward(front, back, 0.35)
    roots = np.full(n, root_z)
    for pts, zs in ((front, roots), (front, edge), (edge_back, edge), (back, roots)):
        p = pts.copy()
        p[:, 2] = zs
        rows.append(b.add_vertices(p))
    for i in range(3):
        lo, hi = (rows[i], rows[i + 1]) if not upper else (rows[i + 1], rows[i])
        b.strip(list(lo), list(hi), material)
    return np.concatenate(rows)


def add_tongue(b: MeshBuilder, params: HeadParams, material: int) -> tuple[np.ndarray, np.ndarray]:
    """A flattened ellipsoid resting in the lower jaw. Returns (indices, tip-ward weight 0..1)."""
    z_m = params.mouth_line
    centre = (0.0, -params.lip_projection + 0.027, z_m - 0.0105)
    radii = (params.mouth_half_width * 0.74, 0.026, 0.0062)
    idx = add_ellipsoid(b, centre, radii, 6, 14, material)
    pts = b.vertices()[idx]
    front_share = np.clip((centre[1] - pts[:, 1]) / radii[1], 0.0, 1.0)
    return idx, front_share


def add_ear(b: MeshBuilder, params: HeadParams, side: int, material: int) -> np.ndarray:
    """A curled ear: a profile (helix rim, scapha, antihelix, concha) swept around an oval.

    Both ends of the profile sink into the head, so the ear needs no cap; the
    sweep flattens toward the face where the tragus meets the cheek.
    """
    # Ear frame: u along the head's back direction (+Y), v up (+Z), n outward (+X side).
    centre = np.array([side * (params.skull_half_width - 0.004), 0.080, -0.012])
    height, width = 0.031, 0.017  # half-sizes of the oval
    n_around = 22
    # Profile: (radial share of the oval, lift off the head in metres); from the attachment
    # behind the rim, over the helix, down through the scapha and antihelix into the concha.
    profile = np.array(
        [
            (0.80, -0.004),
            (0.98, 0.006),
            (1.04, 0.0125),
            (0.99, 0.0165),
            (0.90, 0.0160),
            (0.80, 0.0135),
            (0.70, 0.0150),
            (0.58, 0.0130),
            (0.44, 0.0080),
            (0.25, 0.0040),
            (0.05, -0.004),
        ]
    )
    theta = np.linspace(0.0, 2 * np.pi, n_around, endpoint=False)
    rings = []
    for share, lift in profile:
        pts = []
        for th in theta:
            # th = 0 points back, pi/2 up, pi toward the face, 3pi/2 down (lobe).
            cu, cv = libm.cos(th), libm.sin(th)
            toward_face = max(0.0, -cu) ** 1.5
            lobe = max(0.0, -cv) ** 2
            rim = share * (1.0 - 0.18 * toward_face)
            # The helix curl fades toward the face and into a soft lobe.
            lift_here = lift * (1.0 - 0.8 * toward_face) * (1.0 - 0.45 * lobe * (share > 0.85))
            u = width * rim * cu * (1.0 + 0.15 * lobe)
            v = height * rim * cv * (1.0 + 0.12 * max(0.0, cv))
            # The ear leans back ~15 degrees and stands off the head ~20 degrees at the back.
            lean = np.radians(15.0)
            uu = u * libm.cos(lean) + v * libm.sin(lean)
            vv = v * libm.cos(lean) - u * libm.sin(lean)
            flare = 0.35 * max(0.0, uu) / width * 0.012
            pts.append(centre + np.array([side * (lift_here + flare), uu, vv]))
        rings.append(b.add_vertices(np.array(pts)))
    for i in range(len(rings) - 1):
        lo, hi = list(rings[i]), list(rings[i + 1])
        # theta grows from back (+Y) to up (+Z): counter-clockwise seen from outside the
        # left ear, clockwise for the right one, hence the swapped strip there.
        if side > 0:
            b.strip(lo, hi, material, closed=True)
        else:
            b.strip(hi, lo, material, closed=True)
    return np.concatenate(rings)
