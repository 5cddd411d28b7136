"""Proportions and colours of a procedural head; two presets tell A from B.

All lengths in metres, in the head's face frame: origin midway between the
eyeball centres, -Y forward (the way the face looks), +Z up, +X the
character's own left.
"""

from __future__ import annotations

import dataclasses

import numpy as np

RGB = tuple[float, float, float]


@dataclasses.dataclass(frozen=True)
class HeadParams:
    """Everything that makes one head differ from another. Frozen: hashable, comparable."""

    name: str = "Mara"
    # Eyes.
    eye_half_spacing: float = 0.0312  # half the interpupillary distance
    eye_radius: float = 0.0120
    eye_opening: float = 1.0  # scales the resting lid aperture
    canthal_tilt_deg: float = 4.0  # outer corner higher than inner
    # Skull.
    skull_half_width: float = 0.072
    skull_length: float = 0.094  # half-length front to back
    skull_height: float = 0.094
    forehead_slope: float = 0.0  # pushes the upper forehead back
    brow_ridge: float = 0.0060  # radius of the supraorbital ridge
    # Midface and jaw.
    cheekbone: float = 1.0
    cheek_fullness: float = 1.0
    jaw_half_width: float = 0.049  # gonion distance from the midline
    jaw_drop: float = 0.074  # gonion below the eye line
    jaw_bone_radius: float = 0.012
    chin_width: float = 0.016
    chin_projection: float = 0.018  # pogonion in front of the eye centres
    chin_height: float = 0.013
    # Nose.
    nose_length: float = 0.045  # nasion to nose base, vertical
    nose_projection: float = 0.037  # tip in front of the eye centres
    nose_width: float = 0.0125  # alar half-width
    nose_bridge: float = 0.0052
    # Mouth.
    mouth_line: float = -0.063  # stomion below the eye line
    mouth_half_width: float = 0.024
    upper_lip: float = 0.0066  # vertical half-thickness of the vermilion
    lower_lip: float = 0.0072
    lip_projection: float = 0.012
    # Neck and hair.
    neck_radius: float = 0.052
    hair_thickness: float = 0.010
    hairline: float = 0.072  # height of the frontal hairline above the eye line
    hair_nape: float = -0.075  # how far down the back of the head hair reaches
    long_hair: bool = True
    # Colours (linear RGB).
    skin: RGB = (0.62, 0.40, 0.30)
    lips: RGB = (0.50, 0.20, 0.19)
    hair: RGB = (0.10, 0.040, 0.020)
    brows: RGB = (0.09, 0.045, 0.025)
    iris: RGB = (0.09, 0.24, 0.13)
    scale: float = 1.0

    def with_seed(self, seed: int, amount: float = 1.0) -> HeadParams:
        """A deterministic variation: every length nudged by up to ~4 % (times amount)."""
        rng = np.random.default_rng(seed)
        changes = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in {"scale", "eye_radius", "mouth_line"}:
                continue
            if isinstance(value, float):
                changes[field.name] = value * float(1.0 + amount * rng.uniform(-0.04, 0.04))
        return dataclasses.replace(self, **changes)


# A: Mara. Narrower jaw, finer nose, fuller lips, longer auburn hair, green eyes.
PRESET_A = HeadParams()

# B: Theo. Broader skull and jaw, heavier brows and chin, longer nose, short
# dark hair, olive skin, brown eyes, a little bigger overall.
PRESET_B = HeadParams(
    name="Theo",
    eye_half_spacing=0.0322,
    eye_radius=0.0121,
    eye_opening=0.9,
    canthal_tilt_deg=1.0,
    skull_half_width=0.075,
    skull_length=0.097,
    skull_height=0.096,
    forehead_slope=0.006,
    brow_ridge=0.0080,
    cheekbone=0.9,
    cheek_fullness=0.97,
    jaw_half_width=0.056,
    jaw_drop=0.080,
    jaw_bone_radius=0.0135,
    chin_width=0.020,
    chin_projection=0.019,
    chin_height=0.015,
    nose_length=0.049,
    nose_projection=0.041,
    nose_width=0.0140,
    nose_bridge=0.0062,
    mouth_line=-0.067,
    mouth_half_width=0.025,
    upper_lip=0.0055,
    lower_lip=0.0066,
    lip_projection=0.011,
    neck_radius=0.062,
    hair_thickness=0.006,
    hairline=0.077,
    hair_nape=-0.055,
    long_hair=False,
    skin=(0.42, 0.27, 0.17),
    lips=(0.36, 0.17, 0.13),
    hair=(0.025, 0.020, 0.018),
    brows=(0.03, 0.022, 0.018),
    iris=(0.18, 0.085, 0.03),
    scale=1.04,
)

PRESETS: dict[str, HeadParams] = {"A": PRESET_A, "B": PRESET_B}
