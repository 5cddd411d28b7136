"""The 52 ARKit shape keys as per-vertex displacements from the rest pose.

Each key is a physically sized displacement field confined to its own regions
(KEY_REGIONS): the jaw keys are rigid motions of the lower face about the jaw
joint, the lid keys are lid poses on the eyeball (lids.py), the lip keys are
smooth fields centred on the mouth whose parts that must stay sealed agree on
both lips. Right-hand keys are exact mirror images of the left-hand ones.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..model.spec import ARKIT_NAMES
from . import libm, lids
from .params import HeadParams
from .regions import LABEL_NAMES, jawline_height
from .shell import ROLL_ROWS, Shell
from .surface import smoothstep

JAW_OPEN_DEG = 14.5  # about the jaw joint; with the glide the lower lip drops ~2.5 cm
JAW_SLIDE = np.array([0.0, -0.012, -0.003])  # the condyles glide forward down the joint as it opens
SEAL_SHARE_UPPER = 0.35  # share of the jaw gap the upper lip closes in mouthClose
CORNER_JAW_SHARE = 0.4  # how far the mouth corners follow the jaw

LIPS = ("upper_lip", "lower_lip", "mouth_inner")
KEY_REGIONS_LEFT: dict[str, tuple[str, ...]] = {
    "eyeBlinkLeft": ("lid_upper_L", "lid_lower_L"),
    "eyeLookDownLeft": ("lid_upper_L", "lid_lower_L"),
    "eyeLookInLeft": ("lid_upper_L", "lid_lower_L"),
    "eyeLookOutLeft": ("lid_upper_L", "lid_lower_L"),
    "eyeLookUpLeft": ("lid_upper_L", "lid_lower_L"),
    "eyeSquintLeft": ("lid_upper_L", "lid_lower_L", "cheek_L"),
    "eyeWideLeft": ("lid_upper_L", "lid_lower_L"),
    "jawLeft": (
        "chin",
        "lower_lip",
        "jaw_L",
        "jaw_R",
        "cheek_L",
        "cheek_R",
        "mouth_inner",
        "teeth_lower",
        "tongue",
    ),
    "mouthLeft": (*LIPS, "chin", "cheek_L", "cheek_R", "jaw_L", "jaw_R"),
    "mouthSmileLeft": (*LIPS, "chin", "cheek_L", "jaw_L"),
    "mouthFrownLeft": (*LIPS, "chin", "cheek_L", "jaw_L"),
    "mouthDimpleLeft": (*LIPS, "chin", "cheek_L", "jaw_L"),
    "mouthStretchLeft": (*LIPS, "chin", "cheek_L", "jaw_L"),
    "mouthPressLeft": LIPS,
    "mouthLowerDownLeft": ("lower_lip", "mouth_inner", "chin", "jaw_L"),
    "mouthUpperUpLeft": ("upper_lip", "mouth_inner", "cheek_L"),
    "browDownLeft": ("brow_L", "forehead", "lid_upper_L", "nose"),
    "browOuterUpLeft": ("brow_L", "forehead", "lid_upper_L"),
    "cheekSquintLeft": ("cheek_L", "lid_lower_L"),
    "noseSneerLeft": ("nose", "cheek_L", "upper_lip"),
}
# The jaw carries the lower lip; the upper lip only bends at the corners.
JAW = (
    *("chin", "lower_lip", "upper_lip", "jaw_L", "jaw_R", "cheek_L", "cheek_R"),
    *("mouth_inner", "teeth_lower", "tongue"),
)
KEY_REGIONS_CENTRE: dict[str, tuple[str, ...]] = {
    "jawForward": JAW,
    "jawOpen": JAW,
    "mouthClose": (*LIPS, "chin", "cheek_L", "cheek_R", "jaw_L", "jaw_R"),
    "mouthFunnel": (*LIPS, "chin", "cheek_L", "cheek_R", "jaw_L", "jaw_R"),
    "mouthPucker": (*LIPS, "chin", "cheek_L", "cheek_R", "jaw_L", "jaw_R"),
    "mouthRollLower": ("lower_lip", "mouth_inner", "chin"),
    "mouthRollUpper": ("upper_lip", "mouth_inner"),
    "mouthShrugLower": (*LIPS, "chin", "jaw_L", "jaw_R"),
    "mouthShrugUpper": (*LIPS, "cheek_L", "cheek_R", "chin", "jaw_L", "jaw_R"),
    "browInnerUp": ("brow_L", "brow_R", "forehead", "lid_upper_L", "lid_upper_R", "nose"),
    "cheekPuff": (*LIPS, "cheek_L", "cheek_R", "jaw_L", "jaw_R", "chin"),
    "tongueOut": ("tongue",),
}


def _swap_side(name: str) -> str:
    return name.replace("_L", "_#").replace("_R", "_L").replace("_#", "_R")


def _right(name: str) -> str:
    return name.replace("Left", "Right")


KEY_REGIONS: dict[str, tuple[str, ...]] = {**KEY_REGIONS_CENTRE}
for _name, _regions in KEY_REGIONS_LEFT.items():
    KEY_REGIONS[_name] = _regions
    KEY_REGIONS[_right(_name)] = tuple(_swap_side(r) for r in _regions)
# jawRight mirrors jawLeft; mouthRight mirrors mouthLeft (both already symmetric regions).
assert set(KEY_REGIONS) == set(ARKIT_NAMES), sorted(set(ARKIT_NAMES) ^ set(KEY_REGIONS))


def soft(q: np.ndarray, inner: float = 0.0) -> np.ndarray:
    """1 for q <= inner, easing to exactly 0 at q >= 1 (C1 smooth)."""
    return 1.0 - smoothstep(inner, 1.0, q)


def ellipsoid_falloff(p: np.ndarray, centre, radii, inner: float = 0.0) -> np.ndarray:
    q = np.linalg.norm((p - np.asarray(centre)) / np.asarray(radii), axis=1)
    return soft(q, inner)


@dataclasses.dataclass
class _Context:
    params: HeadParams
    shell: Shell
    rest: np.ndarray
    n_shell: int
    upper_side: np.ndarray  # above the mouth slit (upper lip side), incl. upper roll rows
    parts: dict[str, np.ndarray]
    tongue_front: np.ndarray
    pivot: np.ndarray
    lid_zone: np.ndarray  # (n,) 1 on vertices the lid poses move
    upper_extent: float  # from the stomion up to where the upper-lip region ends
    lip_y: float  # depth of the lip fronts at the midline


def _jaw_weight(c: _Context) -> np.ndarray:
    """How rigidly each vertex follows the jaw (0..1)."""
    P, p = c.params, c.rest
    rel = p - c.pivot
    angle = np.degrees(
        libm.arctan2(-rel[:, 2], -rel[:, 1])
    )  # below the forward horizontal, seen from the joint
    edge = c.shell.mouth_lower_edge
    edge_rel = p[edge] - c.pivot
    edge_angle = np.degrees(libm.arctan2(-edge_rel[:, 2], -edge_rel[:, 1]))
    order = np.argsort(np.abs(p[edge, 0]))
    line = np.interp(np.abs(p[:, 0]), np.abs(p[edge, 0])[order], edge_angle[order])
    beyond = np.clip((np.abs(p[:, 0]) - P.mouth_half_width) / 0.014, 0.0, 1.0)
    # Beside the corners the cheek stretches: the change happens below the mouth line
    # (the skin above it hardly follows the jaw), over a band that widens outward.
    w = smoothstep(line - 1.2 - 7.0 * beyond, line + 1.2 + 16.0 * beyond, angle)
    # Split at the lips: the lower lip goes with the jaw (lagging a little toward the
    # corners, which rounds the opening); the upper lip stays, except right at the
    # corners where it bends down into the commissure instead of forming a point.
    u = np.clip(np.abs(p[:, 0]) / P.mouth_half_width, 0.0, 1.0)
    in_mouth = np.abs(p[:, 0]) < P.mouth_half_width + 1e-6
    above_seam = np.clip(p[:, 2] - P.mouth_line, 0.0, None)
    upper_near_corner = CORNER_JAW_SHARE * smoothstep(0.55, 1.0, u) ** 2 * soft(above_seam / 0.008)
    w = np.where(in_mouth & c.upper_side, upper_near_corner, w)
    lag = 1.0 - 0.45 * libm.power(u, 2.5)
    w = np.where(in_mouth & ~c.upper_side & (p[:, 1] < 0.02), np.maximum(w, lag), w)
    corners = c.shell.mouth_upper_edge[[0, -1]]
    w[corners] = CORNER_JAW_SHARE
    # Fade out behind the jaw joint and below the jawline (the neck stays).
    w *= smoothstep(0.082, 0.052, p[:, 1])
    w *= smoothstep(-0.028, 0.0, p[:, 2] - jawline_height(P, p[:, 1]))
    # Parts.
    w[c.parts["teeth_upper"]] = 0.0
    w[c.parts["teeth_lower"]] = 1.0
    w[c.parts["tongue"]] = 1.0
    # Inside the mouth: the lips' inner faces move like their edges; deeper in, the
    # palate stays and the floor goes fully with the jaw.
    parent = c.shell.follow_parent
    n_rows = len(c.shell.lip_upper_inner)
    for k, (up_row, lo_row) in enumerate(zip(c.shell.lip_upper_inner, c.shell.lip_lower_inner, strict=True)):
        depth = np.clip((k - ROLL_ROWS + 1) / (n_rows - ROLL_ROWS), 0.0, 1.0)
        w[up_row] = w[parent[up_row]] * (1.0 - depth)
        w[lo_row] = w[parent[lo_row]] + (1.0 - w[parent[lo_row]]) * depth
    for ear in ("ear_L", "ear_R"):
        w[c.parts[ear]] = 0.0
    return w


def _rotate_x(points: np.ndarray, pivot: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """Displacement of each point turned about the X axis through pivot (positive = chin down)."""
    a = np.radians(degrees)
    rel = points - pivot
    y = rel[:, 1] * libm.cos(a) - rel[:, 2] * libm.sin(a)
    z = rel[:, 1] * libm.sin(a) + rel[:, 2] * libm.cos(a)
    out = np.zeros_like(points)
    out[:, 1] = y - rel[:, 1]
    out[:, 2] = z - rel[:, 2]
    return out


def _rotate_z(points: np.ndarray, pivot: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """Displacement of each point turned about the vertical axis through pivot (positive = chin to +X)."""
    a = np.radians(degrees)
    rel = points - pivot
    x = rel[:, 0] * libm.cos(a) - rel[:, 1] * libm.sin(a)
    y = rel[:, 0] * libm.sin(a) + rel[:, 1] * libm.cos(a)
    out = np.zeros_like(points)
    out[:, 0] = x - rel[:, 0]
    out[:, 1] = y - rel[:, 1]
    return out


def _lid_key(
    c: _Context, eye_index: int, upper_add: float, lower_add: float, swivel: float = 0.0, closed=False
):
    eye = c.shell.eyes[eye_index]
    up0, lo0 = lids.rest_margins(eye, c.params)
    pu, pl, pc = lids.profiles(eye.across)
    if closed:
        up, lo = lids.CLOSED_DEG * pc, lids.CLOSED_DEG * pc
    else:
        up, lo = up0 + upper_add * pu, lo0 + lower_add * pl
    rest_shell = c.rest[: c.n_shell]
    posed = lids.pose_lids(c.shell, c.params, rest_shell, eye, up, lo, swivel)
    out = np.zeros_like(c.rest)
    out[: c.n_shell] = posed - rest_shell
    return out


def build_shape_keys(
    params: HeadParams,
    shell: Shell,
    vertices: np.ndarray,
    labels: np.ndarray,
    mirror: np.ndarray,
    parts: dict[str, np.ndarray],
    tongue_front: np.ndarray,
    pivot: np.ndarray,
    bindings: list | None = None,
) -> dict[str, np.ndarray]:
    """All 52 keys: name -> (n, 3) displacement, zero outside the key's regions."""
    n = len(vertices)
    n_shell = len(shell.closed)
    upper_side = np.zeros(n, dtype=bool)
    upper_side[shell.upper_index[shell.grid.mouth_row :]] = True
    upper_side[shell.grid_index[shell.grid.mouth_row + 1 :]] = True
    for row in shell.lip_upper_inner:
        upper_side[row] = True
    zone = np.zeros(n)
    for eye in shell.eyes:
        up, lo = lids.lid_zone(shell, params, eye)
        zone[:n_shell] = np.maximum(zone[:n_shell], (up | lo).astype(float))
    nose_base = 0.004 - params.nose_length
    c = _Context(
        params=params,
        shell=shell,
        rest=vertices,
        n_shell=n_shell,
        upper_side=upper_side,
        parts=parts,
        tongue_front=tongue_front,
        pivot=pivot,
        lid_zone=zone,
        upper_extent=nose_base - 0.0036 - params.mouth_line,
        lip_y=float(vertices[shell.mouth_lower_edge[len(shell.mouth_lower_edge) // 2], 1]),
    )
    keys: dict[str, np.ndarray] = {}
    keys.update(_jaw_keys(c))
    keys.update(_mouth_keys(c, _jaw_weight(c)))
    keys.update(_eye_keys(c))
    keys.update(_brow_cheek_nose_keys(c))
    keys["tongueOut"] = _tongue_out(c)

    # Right-hand keys: mirror the left-hand ones vertex for vertex.
    flip = np.array([-1.0, 1.0, 1.0])
    for name in list(keys):
        if name.endswith("Left"):
            keys[_right(name)] = keys[name][mirror] * flip
    keys["jawRight"] = keys["jawLeft"][mirror] * flip
    keys["mouthRight"] = keys["mouthLeft"][mirror] * flip

    # Sheets bound to the skin (hair, brows) move with it; then confine every key to its regions.
    for name, delta in keys.items():
        for binding in bindings or []:
            binding.apply(delta)
        allowed = np.isin(labels, [LABEL_NAMES.index(r) for r in KEY_REGIONS[name]])
        delta[~allowed] = 0.0
    return keys


def _follow(c: _Context, delta: np.ndarray) -> np.ndarray:
    """Derived vertices (lip roll rows) take their share of their parent's displacement."""
    out = delta.copy()
    fp = c.shell.follow_parent
    derived = np.flatnonzero(fp != np.arange(len(fp)))
    lip_rows = np.concatenate(c.shell.lip_upper_inner + c.shell.lip_lower_inner)
    derived = np.intersect1d(derived, lip_rows)
    share = c.shell.follow_factor[derived]
    # Toward the corners the inner rows hug the edge: they follow it fully there.
    near_corner = libm.power(np.clip(np.abs(c.rest[derived, 0]) / c.params.mouth_half_width, 0.0, 1.0), 4)
    share = share + (1.0 - share) * near_corner
    out[derived] = delta[fp[derived]] * share[:, None]
    return out


def _jaw_open_motion(c: _Context) -> np.ndarray:
    """Where every point would go if it were rigidly part of the jaw; under the jaw the
    skin is only dragged down with it (pushed back, it would fold into the throat)."""
    motion = _rotate_x(c.rest, c.pivot, JAW_OPEN_DEG) + JAW_SLIDE
    below = jawline_height(c.params, c.rest[:, 1]) - c.rest[:, 2]
    drag = smoothstep(0.0, 0.02, below)
    motion[:, 1] *= 1.0 - drag
    return motion


def _jaw_keys(c: _Context) -> dict[str, np.ndarray]:
    w = _jaw_weight(c)
    p = c.rest
    jaw_open = w[:, None] * _jaw_open_motion(c)
    forward = w[:, None] * np.array([0.0, -0.0055, 0.0])
    left = w[:, None] * (_rotate_z(p, c.pivot, 3.0) + np.array([0.0045, 0.0, 0.0]))
    return {"jawOpen": jaw_open, "jawForward": forward, "jawLeft": left}


def _mouth_frame(c: _Context):
    P, p = c.params, c.rest
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    dz = z - P.mouth_line
    front = smoothstep(0.03, 0.008, y)
    return x, y, z, dz, front


def _lip_area(c: _Context, lateral: float, below: float, inner: float = 0.0) -> np.ndarray:
    """1 around the mouth, 0 at `lateral` beyond the corners, at the nose base and `below` down."""
    x, _, _, dz, front = _mouth_frame(c)
    height = np.where(dz > 0, c.upper_extent, below)
    q = np.sqrt((x / (c.params.mouth_half_width + lateral)) ** 2 + (dz / height) ** 2)
    return soft(q, inner) * front


def _mouth_keys(c: _Context, jaw_weight: np.ndarray) -> dict[str, np.ndarray]:
    P, p = c.params, c.rest
    x, y, _, dz, front = _mouth_frame(c)
    W = P.mouth_half_width
    up = c.upper_side
    sgn = np.where(up, 1.0, -1.0)
    keys: dict[str, np.ndarray] = {}
    left_side = smoothstep(-0.55, 0.85, x / W)
    corner = np.array([W, c.lip_y + 0.008, P.mouth_line])

    # mouthClose: lips meet over the open jaw. Near the mouth every point trades the share
    # of the jaw's motion it has for the share where the lips meet (SEAL_SHARE_UPPER):
    # both lip edges land on the same spot, the corners and the skin around follow.
    motion = _jaw_open_motion(c)
    vertical = np.where(up, soft(dz / c.upper_extent, 0.15), soft(-dz / 0.022, 0.2))
    lateral = soft((np.abs(x) - W) / 0.016)
    towards_seal = (SEAL_SHARE_UPPER - jaw_weight) * vertical * lateral * front
    keys["mouthClose"] = _follow(c, motion * towards_seal[:, None])

    lips = _lip_area(c, 0.016, 0.024, 0.25)
    vermilion = _lip_area(c, 0.004, 0.014, 0.3)
    gather = _lip_area(c, 0.022, 0.026, 0.3)
    edge = libm.exp(-((dz / 0.004) ** 2)) * soft(np.abs(x) / (W * 1.02))

    # mouthPucker: lips gathered to the middle, pushed forward and turned out (a kiss), sealed.
    d = np.zeros_like(p)
    d[:, 0] = -0.46 * x * gather
    d[:, 1] = -0.0105 * vermilion - 0.0035 * lips - 0.0025 * edge
    d[:, 2] = 0.0011 * libm.tanh(dz / 0.003) * vermilion
    keys["mouthPucker"] = _follow(c, d)

    # mouthFunnel: lips rounded into a flared, open ring ("oo" / "sh").
    d = np.zeros_like(p)
    opening = libm.power(libm.cos(0.5 * np.pi * np.clip(np.abs(x) / W, 0.0, 1.0)), 0.45)
    d[:, 0] = -0.40 * x * gather
    d[:, 1] = -0.0075 * vermilion - 0.0035 * edge - 0.0025 * lips
    d[:, 2] = np.where(up, 0.0060, -0.0075) * opening * soft(np.abs(dz) / 0.019, 0.1) * front
    keys["mouthFunnel"] = _follow(c, d)

    # Corner movers (left side; the right-hand keys mirror them). The corner's pull runs
    # along the lips toward the middle and out over the cheek, less down into the chin.
    u = x / W
    along = np.where(u <= 1.0, smoothstep(-0.15, 1.0, u), soft((u - 1.0) * W / 0.026))
    height = np.where(dz > 0, 0.6 * c.upper_extent, 0.024)
    corner_pull = along * soft(np.abs(dz) / height, 0.15) * front
    d = corner_pull[:, None] * np.array([0.0050, 0.0040, 0.0068])
    cheek = ellipsoid_falloff(p, (W + 0.012, c.lip_y + 0.02, P.mouth_line + 0.024), (0.02, 0.035, 0.018), 0.2)
    d += cheek[:, None] * np.array([0.0015, -0.0028, 0.0038]) * (1 - c.lid_zone)[:, None]
    keys["mouthSmileLeft"] = _follow(c, d)
    near_corner = ellipsoid_falloff(p, corner, (0.024, 0.035, 0.022), 0.15) * left_side

    low_corner = np.array([W, c.lip_y + 0.008, P.mouth_line - 0.004])
    near_low = ellipsoid_falloff(p, low_corner, (0.022, 0.035, 0.024), 0.15) * left_side
    keys["mouthFrownLeft"] = _follow(c, near_low[:, None] * np.array([0.0015, 0.0005, -0.0062]))

    d = near_corner[:, None] * np.array([0.0035, 0.0045, 0.0008])
    dimple = ellipsoid_falloff(p, (W + 0.011, c.lip_y + 0.014, P.mouth_line), (0.008, 0.02, 0.008))
    d[:, 1] += 0.0022 * dimple
    keys["mouthDimpleLeft"] = _follow(c, d)

    wide_corner = ellipsoid_falloff(p, corner, (0.032, 0.035, 0.019), 0.15) * left_side
    keys["mouthStretchLeft"] = _follow(c, wide_corner[:, None] * np.array([0.0065, 0.0015, -0.0032]))

    # mouthPress: lips squeezed together, the bulk of each lip pressed toward the seam.
    press_profile = np.abs(dz) / 0.004 * libm.exp(1.0 - np.abs(dz) / 0.004)
    lip_band = soft(np.abs(x) / W, 0.55) * left_side * front
    lip_band = lip_band * np.where(up, soft(dz / c.upper_extent, 0.3), soft(-dz / 0.017, 0.3))
    d = np.zeros_like(p)
    d[:, 2] = -sgn * 0.0024 * press_profile * lip_band
    d[:, 1] = 0.0008 * press_profile * lip_band
    keys["mouthPressLeft"] = _follow(c, d)

    # Lip rolls: the red of a lip turns in over the teeth, about an axis behind its base.
    for name, side, extent in (("mouthRollLower", -1.0, 0.016), ("mouthRollUpper", 1.0, c.upper_extent)):
        mine = (up if side > 0 else ~up) & (front > 0) & (np.arange(len(p)) < c.n_shell)
        falloff = soft(np.abs(dz) / extent, 0.1) * soft(np.abs(x) / W, 0.5) * mine
        axis = np.array([0.0, c.lip_y + 0.006, P.mouth_line + side * 0.012])
        angle = side * 30.0 * falloff  # upper: edge tips back and down; lower: back and up
        d = _rotate_x(p, axis, angle) * (falloff > 0)[:, None]
        keys[name] = _follow(c, d)

    # Shrugs: lower lip (with the chin) pushed up; upper lip raised. Continuous across the seam.
    shrug_lo = ellipsoid_falloff(
        p, (0.0, c.lip_y + 0.008, P.mouth_line - 0.010), (W + 0.01, 0.03, 0.022), 0.3
    )
    keys["mouthShrugLower"] = _follow(c, shrug_lo[:, None] * np.array([0.0, -0.0018, 0.0036]))
    shrug_up = ellipsoid_falloff(
        p, (0.0, c.lip_y + 0.008, P.mouth_line + 0.004), (W + 0.01, 0.03, c.upper_extent - 0.004), 0.3
    )
    keys["mouthShrugUpper"] = _follow(c, shrug_up[:, None] * np.array([0.0, -0.0012, 0.0030]))

    # One lip pulled away from the seam on the left (shows the teeth).
    along = soft(np.abs(x / W - 0.42) / 0.58)
    d = np.zeros_like(p)
    lower_pull = along * (~up) * soft(-dz / 0.022, 0.15) * front
    d[:, 2] = -0.0058 * lower_pull
    d[:, 1] = -0.0010 * lower_pull
    keys["mouthLowerDownLeft"] = _follow(c, d)
    d = np.zeros_like(p)
    upper_pull = along * up * soft(dz / c.upper_extent, 0.15) * front
    d[:, 2] = 0.0055 * upper_pull
    d[:, 1] = -0.0008 * upper_pull
    keys["mouthUpperUpLeft"] = _follow(c, d)

    # mouthLeft: the whole mouth slides toward the character's left.
    slide = _lip_area(c, 0.02, 0.03, 0.3)
    keys["mouthLeft"] = _follow(c, slide[:, None] * np.array([0.0075, 0.0008, 0.0]))

    # cheekPuff: air fills the cheeks (outward along the skin) and lifts the lips off the teeth.
    d = np.zeros_like(p)
    for s in (1.0, -1.0):
        bulge = ellipsoid_falloff(
            p, (s * (W + 0.016), c.lip_y + 0.03, P.mouth_line + 0.006), (0.022, 0.04, 0.022)
        )
        outward = np.stack([p[:, 0], -(p[:, 1] - 0.056), np.zeros(len(p))], axis=1)
        outward /= np.maximum(np.linalg.norm(outward, axis=1, keepdims=True), 1e-9)
        d += 0.008 * bulge[:, None] * outward
    d[:, 1] -= 0.0018 * lips
    keys["cheekPuff"] = _follow(c, d * front[:, None])
    return keys


def _eye_keys(c: _Context) -> dict[str, np.ndarray]:
    left = 0  # shell.eyes[0] is the character's left eye
    return {
        "eyeBlinkLeft": _lid_key(c, left, 0.0, 0.0, closed=True),
        "eyeWideLeft": _lid_key(c, left, 13.0, -4.0),
        "eyeSquintLeft": _lid_key(c, left, -6.0, 12.0) + _cheek_lift(c, 0.0022),
        "eyeLookUpLeft": _lid_key(c, left, 9.0, 6.0),
        "eyeLookDownLeft": _lid_key(c, left, -14.0, -5.0),
        "eyeLookInLeft": _lid_key(c, left, 0.0, 0.0, swivel=-11.0),
        "eyeLookOutLeft": _lid_key(c, left, 0.0, 0.0, swivel=11.0),
    }


def _cheek_lift(c: _Context, amount: float) -> np.ndarray:
    e = c.params.eye_half_spacing
    bump = ellipsoid_falloff(c.rest, (e + 0.006, c.lip_y + 0.012, -0.026), (0.017, 0.03, 0.015), 0.2)
    bump *= 1.0 - c.lid_zone
    return bump[:, None] * np.array([0.0, -amount * 0.3, amount])


def _brow_cheek_nose_keys(c: _Context) -> dict[str, np.ndarray]:
    P, p = c.params, c.rest
    e = P.eye_half_spacing
    free = (1.0 - c.lid_zone)[:, None]
    keys: dict[str, np.ndarray] = {}
    brow = ellipsoid_falloff(p, (e, -0.012, 0.022), (0.03, 0.03, 0.021), 0.25)
    keys["browDownLeft"] = brow[:, None] * np.array([-0.0022, -0.0008, -0.0050]) * free
    outer = ellipsoid_falloff(p, (e + 0.014, -0.006, 0.025), (0.022, 0.03, 0.024), 0.25)
    keys["browOuterUpLeft"] = outer[:, None] * np.array([0.0, 0.0, 0.0060]) * free
    inner = sum(
        ellipsoid_falloff(p, (s * 0.014, -0.014, 0.024), (0.02, 0.03, 0.022), 0.25) for s in (1.0, -1.0)
    )
    middle = ellipsoid_falloff(p, (0.0, -0.016, 0.042), (0.03, 0.03, 0.03), 0.2)
    lift = np.clip(inner + 0.5 * middle, 0.0, 1.0)
    keys["browInnerUp"] = lift[:, None] * np.array([0.0, -0.0004, 0.0060]) * free
    keys["cheekSquintLeft"] = _cheek_lift(c, 0.0042) + _lid_key(c, 0, 0.0, 6.0)
    nose_base = 0.004 - P.nose_length
    sneer = ellipsoid_falloff(p, (P.nose_width * 0.9, -0.018, nose_base + 0.008), (0.012, 0.03, 0.012), 0.2)
    keys["noseSneerLeft"] = sneer[:, None] * np.array([0.0009, -0.0005, 0.0038]) * free
    return keys


def _tongue_out(c: _Context) -> np.ndarray:
    d = np.zeros_like(c.rest)
    t = c.parts["tongue"]
    share = libm.power(c.tongue_front, 1.2)
    d[t, 1] = -0.026 * share
    d[t, 2] = -0.004 * share
    d[t, 0] = c.rest[t, 0] * 0.15 * share  # spreads a little as it flattens
    return d
