"""The procedural heads (duet.procedural_head): pure numpy, no Blender."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from duet.model.spec import ARKIT_NAMES
from duet.procedural_head import PRESETS, build_head
from duet.procedural_head.regions import LABEL_NAMES
from duet.procedural_head.shapes import KEY_REGIONS

ROLES = ("A", "B")
JAW_KEYS = {"jawOpen", "jawForward", "jawLeft", "jawRight"}


@pytest.fixture(scope="module", params=ROLES)
def head(request):
    return build_head(PRESETS[request.param])


def _edges(head) -> np.ndarray:
    edges = set()
    for face in head.faces:
        for a, b in zip(face, face[1:] + face[:1], strict=True):
            edges.add((min(a, b), max(a, b)))
    return np.array(sorted(edges))


def test_presets_are_two_distinct_people() -> None:
    a, b = PRESETS["A"], PRESETS["B"]
    assert a.name != b.name
    assert np.linalg.norm(np.subtract(a.skin, b.skin)) > 0.1
    assert np.linalg.norm(np.subtract(a.hair, b.hair)) > 0.05
    ha, hb = build_head(a), build_head(b)

    def lower_face_width(h) -> float:
        v = h.vertices
        band = (
            h.region_mask(["jaw_L", "jaw_R"])
            & (np.abs(v[:, 2] + h.params.jaw_drop) < 0.004)
            & (v[:, 1] < 0.06)
        )
        return float(np.ptp(v[band, 0]))

    assert lower_face_width(hb) > lower_face_width(ha) * 1.05  # B's jaw is broader
    assert not np.allclose(ha.eye_centres, hb.eye_centres)


def test_all_52_arkit_names_in_spec_order(head) -> None:
    assert list(head.shape_keys) == list(ARKIT_NAMES)
    assert len(head.shape_keys) == 52


def test_mesh_size_and_topology(head) -> None:
    n = len(head.vertices)
    assert 2000 < n < 7000, f"{n} vertices is not 'a few thousand'"
    sizes = Counter(len(f) for f in head.faces)
    assert set(sizes) <= {3, 4}
    assert sizes[4] / len(head.faces) > 0.85  # mostly quads
    flat = np.concatenate([np.asarray(f) for f in head.faces])
    assert flat.min() >= 0 and flat.max() < n
    assert all(len(set(f)) == len(f) for f in head.faces)  # no degenerate faces
    assert np.isfinite(head.vertices).all()
    assert len(head.face_materials) == len(head.faces)
    assert set(np.unique(head.face_materials)) <= set(range(len(head.material_names)))


def test_faces_are_consistently_wound(head) -> None:
    """Every edge is used at most twice, and by neighbours in opposite directions."""
    directed = Counter()
    for face in head.faces:
        for a, b in zip(face, face[1:] + face[:1], strict=True):
            directed[(a, b)] += 1
    assert max(directed.values()) == 1, "two faces run an edge the same way: flipped normals"


def test_skin_faces_point_outward(head) -> None:
    """Seen from outside, the face, scalp and neck face away from the head's centre."""
    v = head.vertices
    outward = 0
    total = 0
    centre = np.array([0.0, 0.05, -0.02])
    skin = head.material_names.index("skin")
    for face, mat in zip(head.faces, head.face_materials, strict=True):
        if mat != skin or len(face) != 4:
            continue
        p = v[list(face)]
        normal = np.cross(p[1] - p[0], p[3] - p[0]) + np.cross(p[3] - p[2], p[1] - p[2])
        c = p.mean(axis=0)
        if abs(c[0]) > 0.06 or c[2] < -0.17:  # ears and neck cap aside
            continue
        total += 1
        outward += float(np.dot(normal, c - centre)) > 0.0
    assert outward / total > 0.97


def test_deltas_finite_and_sized(head) -> None:
    for name, delta in head.shape_keys.items():
        assert delta.shape == head.vertices.shape, name
        assert np.isfinite(delta).all(), name


def test_each_key_moves_only_its_region_by_a_visible_amount(head) -> None:
    """At real head scale, every key moves something by >= 2 mm, nothing outside its regions,
    and nothing by an implausible amount."""
    assert set(KEY_REGIONS) == set(ARKIT_NAMES)
    for name, delta in head.shape_keys.items():
        moved = np.linalg.norm(delta, axis=1)
        inside = head.region_mask(KEY_REGIONS[name])
        assert moved[~inside].max(initial=0.0) == 0.0, f"{name} moves vertices outside {KEY_REGIONS[name]}"
        assert moved.max() >= 0.002, f"{name} moves at most {moved.max() * 1000:.2f} mm"
        assert moved.max() <= 0.035, f"{name} moves {moved.max() * 1000:.1f} mm"


def test_keys_fade_out_at_their_region_borders(head) -> None:
    """Where a key's region meets the rest of the mesh, its displacement has died away
    (no tearing). The jaw keys part the lips: the corners of the mouth, where the
    upper lip (still) meets the lower lip (moving), stretch by design and are exempt."""
    edges = _edges(head)
    corner_points = head.vertices[head.landmarks["mouth_upper_edge"][[0, -1]]]
    near = np.linalg.norm(head.vertices[:, None, :] - corner_points[None], axis=2).min(axis=1) < 0.006
    corners = set(np.flatnonzero(near).tolist())
    for name, delta in head.shape_keys.items():
        moved = np.linalg.norm(delta, axis=1)
        inside = head.region_mask(KEY_REGIONS[name])
        cross = inside[edges[:, 0]] != inside[edges[:, 1]]
        border = np.where(inside[edges[:, 0]], edges[:, 0], edges[:, 1])[cross]
        if name in JAW_KEYS:
            border = np.array([v for v in border if v not in corners], dtype=int)
        assert moved[border].max(initial=0.0) < 0.0013, f"{name} tears at its region border"


def test_left_keys_act_on_the_characters_left(head) -> None:
    """ARKit 'Left' is the character's own left, +X in the face frame."""
    for name in ARKIT_NAMES:
        if not name.endswith("Left") or name in {"jawLeft", "mouthLeft"}:
            continue
        moved = np.linalg.norm(head.shape_keys[name], axis=1)
        x = head.vertices[:, 0]
        assert moved[x > 0.002].sum() > 4.0 * moved[x < -0.002].sum(), name
    assert head.shape_keys["jawLeft"][:, 0].sum() > 0.0
    assert head.shape_keys["mouthLeft"][:, 0].sum() > 0.0


def test_right_keys_mirror_left_keys(head) -> None:
    flip = np.array([-1.0, 1.0, 1.0])
    assert np.allclose(head.vertices[head.mirror] * flip, head.vertices, atol=1e-7)
    for name in ARKIT_NAMES:
        if name.endswith("Left"):
            left, right = head.shape_keys[name], head.shape_keys[name.replace("Left", "Right")]
            assert np.allclose(right, left[head.mirror] * flip, atol=1e-9), name
    for name in ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "browInnerUp", "cheekPuff"):
        delta = head.shape_keys[name]
        assert np.allclose(delta[head.mirror] * flip, delta, atol=1e-9), f"{name} is not symmetric"


def _lip_gap(head, posed: np.ndarray) -> np.ndarray:
    up, lo = head.landmarks["mouth_upper_edge"], head.landmarks["mouth_lower_edge"]
    return np.linalg.norm(posed[up] - posed[lo], axis=1)


def test_jaw_open_drops_the_lower_lip_about_the_jaw_joint(head) -> None:
    rest = head.vertices
    opened = head.posed({"jawOpen": 1.0})
    gap = _lip_gap(head, opened)
    assert 0.018 < gap.max() < 0.032  # a wide-open mouth, ~2-3 cm at the middle
    assert _lip_gap(head, rest).max() < 1e-9  # sealed at rest
    # The upper teeth and the upper lip stay (but for the corners, which bend down into
    # the commissure); the lower teeth move rigidly.
    still = head.region_mask(["teeth_upper"]) | (
        head.region_mask(["upper_lip"]) & (np.abs(rest[:, 0]) < 0.55 * head.params.mouth_half_width)
    )
    assert np.abs(head.shape_keys["jawOpen"][still]).max() == 0.0
    teeth = head.landmarks["teeth_lower"]
    d_rest = np.linalg.norm(rest[teeth][:, None] - rest[teeth][None], axis=2)
    d_open = np.linalg.norm(opened[teeth][:, None] - opened[teeth][None], axis=2)
    assert np.abs(d_rest - d_open).max() < 1e-6
    # ... turning about an axis near the jaw joint: the chin swings down more than the joint area moves.
    chin = head.region_mask(["chin"])
    jaw_joint = np.linalg.norm(rest - head.jaw_pivot, axis=1) < 0.02
    moved = np.linalg.norm(head.shape_keys["jawOpen"], axis=1)
    assert moved[chin].max() > 3.0 * moved[jaw_joint].max(initial=0.0)


@pytest.mark.parametrize("amount", [0.3, 0.6, 1.0])
def test_mouth_close_seals_the_lips_over_an_open_jaw(head, amount: float) -> None:
    opened = head.posed({"jawOpen": amount})
    sealed = head.posed({"jawOpen": amount, "mouthClose": amount})
    assert _lip_gap(head, opened).max() > 0.015 * amount
    assert _lip_gap(head, sealed).max() < 1e-4


def test_funnel_opens_and_pucker_stays_sealed(head) -> None:
    funnel = _lip_gap(head, head.posed({"mouthFunnel": 1.0}))
    pucker = _lip_gap(head, head.posed({"mouthPucker": 1.0}))
    assert funnel.max() > 0.008  # an open, rounded ring
    assert pucker.max() < 1e-4  # lips pushed together
    # Both bring the corners in and push the lips forward.
    up = head.landmarks["mouth_upper_edge"]
    rest_width = np.ptp(head.vertices[up, 0])
    for name in ("mouthFunnel", "mouthPucker"):
        posed = head.posed({name: 1.0})
        assert np.ptp(posed[up, 0]) < 0.8 * rest_width, name
        assert (posed[up, 1] - head.vertices[up, 1]).min() < -0.006, name


def test_smile_lifts_the_corner_on_its_side(head) -> None:
    up = head.landmarks["mouth_upper_edge"]
    left_corner, right_corner = up[-1], up[0]
    smile = head.shape_keys["mouthSmileLeft"]
    assert smile[left_corner, 2] > 0.004 and smile[left_corner, 0] > 0.002  # up and out
    assert np.linalg.norm(smile[right_corner]) < 1e-4
    frown = head.shape_keys["mouthFrownLeft"]
    assert frown[left_corner, 2] < -0.004


def _eye(head, side: str) -> tuple[np.ndarray, float]:
    centre = head.eye_centres[0 if side == "L" else 1]
    return centre, head.params.eye_radius


def test_eye_rest_pose_is_open(head) -> None:
    for side in "LR":
        up, lo = head.landmarks[f"lid_upper_edge_{side}"], head.landmarks[f"lid_lower_edge_{side}"]
        opening = np.linalg.norm(head.vertices[up] - head.vertices[lo], axis=1).max()
        assert 0.007 < opening < 0.014  # about a centimetre between the lids


@pytest.mark.parametrize("side,other", [("Left", "R"), ("Right", "L")])
def test_blink_closes_the_lids_over_the_eyeball(head, side: str, other: str) -> None:
    s = side[0]
    posed = head.posed({f"eyeBlink{side}": 1.0})
    up, lo = head.landmarks[f"lid_upper_edge_{s}"], head.landmarks[f"lid_lower_edge_{s}"]
    assert np.linalg.norm(posed[up] - posed[lo], axis=1).max() < 2e-4
    # The other eye stays open.
    up_o, lo_o = head.landmarks[f"lid_upper_edge_{other}"], head.landmarks[f"lid_lower_edge_{other}"]
    assert np.linalg.norm(posed[up_o] - posed[lo_o], axis=1).max() > 0.007
    # Closed lids lie in front of the eyeball's front (they cover it).
    centre, radius = _eye(head, s)
    margin = posed[up[1:-1]]
    assert (margin[:, 1] < centre[1] - 0.5 * radius).all()


def test_lids_slide_over_the_eyeball_without_cutting_it(head) -> None:
    """In every eye key, the lid skin stays outside the eyeball."""
    eye_keys = [n for n in ARKIT_NAMES if n.startswith("eye") or n.startswith("cheekSquint")]
    for side, centre in zip("LR", head.eye_centres, strict=True):
        lid = head.region_mask([f"lid_upper_{side}", f"lid_lower_{side}"])
        # The margin's inner row tucks into the eyeball on purpose; test the outer skin.
        outer = lid & (np.linalg.norm(head.vertices - centre, axis=1) > head.params.eye_radius)
        for name in ["rest", *eye_keys]:
            posed = head.vertices if name == "rest" else head.posed({name: 1.0})
            dist = np.linalg.norm(posed[outer] - centre, axis=1)
            assert dist.min() > head.params.eye_radius + 0.0005, f"{name} cuts into the {side} eyeball"


def test_eye_bones_sit_at_the_eyeball_centres(head) -> None:
    for bone, centre in zip(("eye.L", "eye.R"), head.eye_centres, strict=True):
        assert np.allclose(head.bones[bone][0], centre)
        tail = head.bones[bone][1]
        assert tail[1] < centre[1]  # pointing forward (-Y), the way the eye looks
    assert head.eye_centres[0, 0] > 0 > head.eye_centres[1, 0]  # L is the character's left (+X)
    spacing = head.eye_centres[0, 0] - head.eye_centres[1, 0]
    assert 0.058 < spacing < 0.07
    ball = head.eyeball
    assert np.allclose(np.linalg.norm(ball.vertices, axis=1).min(), ball.radius, atol=1e-4)
    iris = np.flatnonzero(np.asarray(ball.face_materials) == 1)
    iris_centres = np.array([ball.vertices[list(ball.faces[f])].mean(axis=0) for f in iris])
    assert (iris_centres[:, 1] < -0.8 * ball.radius).all()  # iris on the front (-Y)


def test_tongue_out_reaches_past_the_lips(head) -> None:
    tongue = head.landmarks["tongue"]
    posed = head.posed({"jawOpen": 0.6, "tongueOut": 1.0})
    lip_front = head.vertices[head.landmarks["mouth_lower_edge"], 1].min()
    assert posed[tongue, 1].min() < lip_front
    assert head.vertices[tongue, 1].min() > lip_front + 0.005  # inside the mouth at rest


def test_labels_cover_every_vertex_and_sides_are_right(head) -> None:
    assert head.labels.shape == (len(head.vertices),)
    assert set(np.unique(head.labels)) == set(range(len(LABEL_NAMES)))
    x = head.vertices[:, 0]
    for name in LABEL_NAMES:
        mask = head.region_mask([name])
        if name.endswith("_L"):
            assert (x[mask] > -1e-9).all(), name
        if name.endswith("_R"):
            assert (x[mask] < 1e-9).all(), name


def test_vertex_groups_and_rig_points(head) -> None:
    groups = head.vertex_groups
    assert set(groups) == {"head", "neck"}
    assert np.allclose(groups["head"] + groups["neck"], 1.0)
    face = head.region_mask(["nose", "upper_lip", "forehead"])
    assert (groups["head"][face] == 1.0).all()
    lowest = head.vertices[:, 2] < head.vertices[:, 2].min() + 0.01
    assert (groups["neck"][lowest] > 0.9).all()
    neck_head, neck_tail = head.bones["neck"]
    assert np.allclose(neck_tail, head.bones["head"][0])
    assert neck_head[2] < neck_tail[2]


def test_build_is_deterministic() -> None:
    """Bit for bit, wherever numpy's arrays land: odd-sized arrays kept alive between the
    builds move the next allocations (numpy's SIMD/scalar choice for sin, arctan2, pow ...
    follows the addresses; libm.py keeps the build out of that)."""
    params = PRESETS["B"]
    first = build_head.__wrapped__(params)
    for size in (3, 1001, 77_777):
        heap_shift = [np.empty(size + k, dtype=np.uint8) for k in range(5)]
        again = build_head.__wrapped__(params)
        del heap_shift
        assert first.vertices.tobytes() == again.vertices.tobytes()
        assert first.faces == again.faces
        for name in ARKIT_NAMES:
            assert first.shape_keys[name].tobytes() == again.shape_keys[name].tobytes(), name


def test_seeded_variants_are_deterministic_and_differ() -> None:
    base = PRESETS["A"]
    v1, v2, v3 = base.with_seed(7), base.with_seed(7), base.with_seed(8)
    assert v1 == v2 and v1 != v3
    assert v1 != base
    changed = [f.name for f in dataclasses.fields(base) if getattr(base, f.name) != getattr(v1, f.name)]
    assert len(changed) > 10
    head = build_head(v1)
    assert list(head.shape_keys) == list(ARKIT_NAMES)
