"""The head as an implicit solid: skull, face, jaw, nose, lips, eyelids, neck.

Built from smoothly blended ellipsoids and capsules (see sdf.py). The mesh
builder shoots rays from inside the head and puts each grid vertex where its
ray leaves this solid, so the grid follows every feature sculpted here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .params import HeadParams
from .sdf import capsule, ellipsoid, smooth_subtract, smooth_union

Field = Callable[[np.ndarray], np.ndarray]


def eye_centres(params: HeadParams) -> np.ndarray:
    """(2, 3) eyeball centres, [left, right] (character's own left is +X)."""
    e = params.eye_half_spacing
    return np.array([[e, 0.0, 0.0], [-e, 0.0, 0.0]])


def lid_radius(params: HeadParams) -> float:
    """The lids ride on a sphere this much larger than the eyeball."""
    return params.eye_radius + 0.0011


def head_field(params: HeadParams) -> Field:
    """Signed distance (approximate) of the head solid in the face frame."""
    P = params
    e = P.eye_half_spacing
    z_m = P.mouth_line

    def field(p: np.ndarray) -> np.ndarray:
        # Large masses first, blended widely: cranium (with a broad parietal vault), face, jaw.
        d = ellipsoid(p, (0.0, 0.084, 0.021), (P.skull_half_width, P.skull_length, P.skull_height))
        vault = ellipsoid(p, (0.0, 0.060, 0.040), (P.skull_half_width * 1.01, 0.082, 0.075))
        d = smooth_union(d, vault, 0.02)
        face = ellipsoid(p, (0.0, 0.046 + P.forehead_slope * 0.5, -0.012), (0.067, 0.060, 0.080))
        d = smooth_union(d, face, 0.03)
        jaw = ellipsoid(p, (0.0, 0.034, z_m + 0.001), (P.jaw_half_width + 0.006, 0.050, 0.028))
        d = smooth_union(d, jaw, 0.025)
        chin_z = z_m - 0.027
        chin = ellipsoid(
            p, (0.0, -P.chin_projection + 0.014, chin_z), (P.chin_width * 1.2, 0.014, P.chin_height)
        )
        d = smooth_union(d, chin, 0.016)
        for s in (1.0, -1.0):
            gonion = (s * P.jaw_half_width, 0.062, -P.jaw_drop)
            chin_side = (s * 0.016, -P.chin_projection + 0.016, chin_z - 0.005)
            d = smooth_union(d, capsule(p, chin_side, gonion, P.jaw_bone_radius), 0.02)
            d = smooth_union(d, capsule(p, gonion, (s * 0.054, 0.074, -0.030), P.jaw_bone_radius), 0.02)
            cheekbone = ellipsoid(
                p, (s * 0.045, 0.004, -0.021), np.array((0.022, 0.020, 0.014)) * P.cheekbone
            )
            d = smooth_union(d, cheekbone, 0.025)
            cheek = ellipsoid(
                p, (s * 0.031, 0.004, z_m + 0.020), np.array((0.021, 0.018, 0.021)) * P.cheek_fullness
            )
            d = smooth_union(d, cheek, 0.022)
            # Soft tissue between cheekbone and jaw: keeps the cheek from looking gaunt.
            buccal = ellipsoid(
                p, (s * 0.039, 0.018, z_m + 0.016), np.array((0.019, 0.021, 0.022)) * P.cheek_fullness
            )
            d = smooth_union(d, buccal, 0.02)
            brow = ellipsoid(p, (s * 0.030, -0.004, 0.022), (0.026, 0.012 + P.brow_ridge, 0.009))
            d = smooth_union(d, brow, 0.014)
        # Nose: bridge, tip, alae.
        tip_z = 0.004 - P.nose_length + 0.010
        d = smooth_union(
            d,
            capsule(p, (0.0, -0.013, 0.006), (0.0, -P.nose_projection + 0.004, tip_z + 0.004), P.nose_bridge),
            0.008,
        )
        tip = ellipsoid(p, (0.0, -P.nose_projection + 0.0085, tip_z), (0.0095, 0.0088, 0.0085))
        d = smooth_union(d, tip, 0.006)
        base_z = 0.004 - P.nose_length
        for s in (1.0, -1.0):
            ala = ellipsoid(p, (s * P.nose_width * 0.95, -0.017, base_z + 0.006), (0.0075, 0.0085, 0.0068))
            d = smooth_union(d, ala, 0.005)
        # Lips: two cushions meeting at the stomion.
        upper = ellipsoid(
            p,
            (0.0, -P.lip_projection + 0.0005, z_m + P.upper_lip * 0.8),
            (P.mouth_half_width * 0.92, 0.011, P.upper_lip),
        )
        lower = ellipsoid(
            p,
            (0.0, -P.lip_projection + 0.0015, z_m - P.lower_lip * 0.8),
            (P.mouth_half_width * 0.86, 0.011, P.lower_lip),
        )
        philtrum = ellipsoid(p, (0.0, -P.lip_projection + 0.002, z_m + 0.013), (0.016, 0.011, 0.011))
        d = smooth_union(d, smooth_union(upper, philtrum, 0.006), 0.006)
        d = smooth_union(d, lower, 0.005)
        # Neck.
        # Neck: set back under the skull, joined with a tight blend so the jawline reads.
        d = smooth_union(d, capsule(p, (0.0, 0.078, -0.30), (0.0, 0.070, -0.05), P.neck_radius), 0.014)
        # Eye sockets carved out, then the lids laid over the eyeballs.
        for c in eye_centres(P):
            socket = ellipsoid(p, c + np.array([0.0, -0.017, 0.007]), (0.017, 0.012, 0.011))
            d = smooth_subtract(d, socket, 0.008)
        for c in eye_centres(P):
            lids = np.linalg.norm(p - c, axis=-1) - lid_radius(P)
            d = smooth_union(d, lids, 0.005)
        _ = e
        return d

    return field
