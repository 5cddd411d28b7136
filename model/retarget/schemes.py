"""Name tables and default poses for the shape-key schemes rigs use.

Data only; duet.model.retarget matches rig names against these tables and
builds maps from them. docs/RETARGET.md lists the accepted spellings.

Mouth prototypes are ARKit mouth poses on the scale the project's teacher
produces (duet.model.lips.visemes: jawOpen ~0.1-0.45 for vowels,
a p/b/m closure has mouthClose equal to jawOpen and mouthPress ~0.25-0.45), so
a clearly articulated viseme solves to a weight near 1 and softer speech to
less. The solver compares poses in the channels of MOUTH_CHANNEL_WEIGHTS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..spec import ARKIT_NAMES

# Pseudo-channel of the solver: the vertical lip gap jawOpen - mouthClose
# (mouthClose closes the lips against an open jaw, see the teacher's lip_aperture).
LIP_GAP = "lipGap"

# How much each channel counts when a frame's mouth pose is matched by prototypes.
# Lip contact and rounding decide which viseme reads on screen, so they weigh most;
# smiles are mostly expression, not speech, so they count little.
MOUTH_CHANNEL_WEIGHTS: dict[str, float] = {
    LIP_GAP: 2.0,
    "jawOpen": 1.0,
    "mouthClose": 0.5,
    "mouthFunnel": 1.5,
    "mouthPucker": 1.5,
    "mouthPressLeft": 1.2,
    "mouthPressRight": 1.2,
    "mouthRollLower": 1.2,
    "mouthRollUpper": 0.8,
    "mouthShrugLower": 0.6,
    "mouthStretchLeft": 1.0,
    "mouthStretchRight": 1.0,
    "mouthSmileLeft": 0.3,
    "mouthSmileRight": 0.3,
    "mouthLowerDownLeft": 1.0,
    "mouthLowerDownRight": 1.0,
    "mouthUpperUpLeft": 1.0,
    "mouthUpperUpRight": 1.0,
    "tongueOut": 1.0,
}

# ARKit channels that move the mouth or jaw: on a rig whose visemes drive the mouth
# these are left undriven so the jaw is not applied twice.
ARKIT_MOUTH_CHANNELS: tuple[str, ...] = tuple(
    n for n in ARKIT_NAMES if n.startswith(("jaw", "mouth")) or n in ("tongueOut", "cheekPuff")
)


def _pose(
    jaw: float = 0.0,
    close: float = 0.0,
    funnel: float = 0.0,
    pucker: float = 0.0,
    stretch: float = 0.0,
    smile: float = 0.0,
    lower: float = 0.0,
    upper: float = 0.0,
    roll_lower: float = 0.0,
    roll_upper: float = 0.0,
    shrug_lower: float = 0.0,
    press: float = 0.0,
    tongue: float = 0.0,
) -> dict[str, float]:
    """A symmetric ARKit mouth pose, zero channels left out."""
    pose = {
        "jawOpen": jaw,
        "mouthClose": close,
        "mouthFunnel": funnel,
        "mouthPucker": pucker,
        "mouthStretchLeft": stretch,
        "mouthStretchRight": stretch,
        "mouthSmileLeft": smile,
        "mouthSmileRight": smile,
        "mouthLowerDownLeft": lower,
        "mouthLowerDownRight": lower,
        "mouthUpperUpLeft": upper,
        "mouthUpperUpRight": upper,
        "mouthRollLower": roll_lower,
        "mouthRollUpper": roll_upper,
        "mouthShrugLower": shrug_lower,
        "mouthPressLeft": press,
        "mouthPressRight": press,
        "tongueOut": tongue,
    }
    return {k: v for k, v in pose.items() if v}


# Articulations, from the teacher's targets (visemes.py) pushed through its
# articulation_to_arkit: e.g. p/b/m = jaw 0.07 with the lips sealed and pressed.
POSES: dict[str, dict[str, float]] = {
    "bilabial": _pose(jaw=0.07, close=0.07, press=0.35, roll_lower=0.09, roll_upper=0.05, shrug_lower=0.21),
    "labiodental": _pose(jaw=0.07, roll_lower=0.36, roll_upper=0.07, shrug_lower=0.12, upper=0.22),
    "dental": _pose(jaw=0.10, tongue=0.25, stretch=0.02, lower=0.05, upper=0.08),
    "alveolar": _pose(jaw=0.11, stretch=0.02, lower=0.04, upper=0.03),
    "velar": _pose(jaw=0.14, lower=0.04, upper=0.02),
    "postalveolar": _pose(jaw=0.06, funnel=0.45, pucker=0.20, lower=0.14, upper=0.16),
    "sibilant": _pose(jaw=0.05, stretch=0.09, smile=0.024, lower=0.10, upper=0.12),
    "nasal": _pose(jaw=0.10, stretch=0.02, lower=0.035, upper=0.03),
    "rhotic": _pose(jaw=0.13, funnel=0.35, pucker=0.25, lower=0.04, upper=0.04),
    "open": _pose(jaw=0.42, lower=0.22, stretch=0.04, smile=0.01),
    "mid_front": _pose(jaw=0.28, lower=0.12, stretch=0.16, smile=0.04, upper=0.03),
    "close_front": _pose(jaw=0.12, lower=0.04, stretch=0.26, smile=0.07, upper=0.05),
    "mid_round": _pose(jaw=0.28, lower=0.06, funnel=0.55, pucker=0.33),
    "close_round": _pose(jaw=0.10, funnel=0.25, pucker=0.70, lower=0.015),
    "labial_velar": _pose(jaw=0.08, funnel=0.20, pucker=0.75),
    "lateral": _pose(jaw=0.15, stretch=0.04, lower=0.06, upper=0.03),
    # Clenched teeth with spread lips: Rhubarb's B and Papagayo's "etc".
    "teeth": _pose(jaw=0.06, stretch=0.15, smile=0.04, lower=0.08, upper=0.08),
    "half_round": _pose(jaw=0.22, funnel=0.45, pucker=0.25, lower=0.05),
}


@dataclass(frozen=True)
class Target:
    """One named shape of a scheme.

    spellings: per variant of the scheme, the names rigs give it (matched case-
    and separator-insensitively, see retarget.normalize). kind: 'mouth' (solved
    from its prototype pose), 'rest' (1 minus the other mouth weights), or
    'linear' (sources below). eyes_without_bones: only driven when the rig has
    no eye bones (the bake turns eye bones itself).
    """

    name: str
    spellings: dict[str, tuple[str, ...]]
    kind: str = "linear"
    pose: str | None = None
    sources: dict[str, float] = field(default_factory=dict)
    eyes_without_bones: bool = False


@dataclass(frozen=True)
class Scheme:
    key: str
    label: str
    targets: tuple[Target, ...]
    # Prefixes a rig may put before the names ('mouth_A'), matched like the names.
    prefixes: tuple[str, ...] = ()
    # Variant used when no spelling tells them apart.
    default_variant: str = ""


def _both(left: str, right: str, w: float = 0.5) -> dict[str, float]:
    return {left: w, right: w}


# Meta/Oculus (OVRLipSync order); Ready Player Me spells ih/oh/ou as I/O/U.
_META_ROWS = (
    ("sil", None, "rest"),
    ("PP", "bilabial", "mouth"),
    ("FF", "labiodental", "mouth"),
    ("TH", "dental", "mouth"),
    ("DD", "alveolar", "mouth"),
    ("kk", "velar", "mouth"),
    ("CH", "postalveolar", "mouth"),
    ("SS", "sibilant", "mouth"),
    ("nn", "nasal", "mouth"),
    ("RR", "rhotic", "mouth"),
    ("aa", "open", "mouth"),
    ("E", "mid_front", "mouth"),
    ("ih", "close_front", "mouth"),
    ("oh", "mid_round", "mouth"),
    ("ou", "close_round", "mouth"),
)
_RPM = {"ih": "I", "oh": "O", "ou": "U"}
META = Scheme(
    key="meta",
    label="Meta/Oculus visemes",
    targets=tuple(
        Target(
            name=f"viseme_{v}",
            spellings={"OVR": (f"viseme_{v}",), "Ready Player Me": (f"viseme_{_RPM.get(v, v)}",)},
            kind=kind,
            pose=pose,
        )
        for v, pose, kind in _META_ROWS
    ),
    default_variant="OVR",
)

_EYES = {
    "blinkLeft": {"eyeBlinkLeft": 1.0},
    "blinkRight": {"eyeBlinkRight": 1.0},
    "blink": _both("eyeBlinkLeft", "eyeBlinkRight"),
    "lookUp": _both("eyeLookUpLeft", "eyeLookUpRight"),
    "lookDown": _both("eyeLookDownLeft", "eyeLookDownRight"),
    # Toward the character's own left: the left eye looks out, the right eye in.
    "lookLeft": _both("eyeLookOutLeft", "eyeLookInRight"),
    "lookRight": _both("eyeLookInLeft", "eyeLookOutRight"),
}
# Whole-face expressions: driven gently from the matching ARKit channels; a user can
# raise them in the map. Half weights because these presets move the whole face.
_EMOTIONS = {
    "happy": _both("mouthSmileLeft", "mouthSmileRight"),
    "angry": _both("browDownLeft", "browDownRight"),
    "sad": _both("mouthFrownLeft", "mouthFrownRight"),
    "relaxed": {},
    "surprised": {"browInnerUp": 0.25, "eyeWideLeft": 0.25, "eyeWideRight": 0.25},
    "neutral": {},
}
#          name         VRM 1.0       VRM 0.x       VRoid export           kind / pose
_VRM_ROWS = (
    ("aa", "aa", "A", "Fcl_MTH_A", "open"),
    ("ih", "ih", "I", "Fcl_MTH_I", "close_front"),
    ("ou", "ou", "U", "Fcl_MTH_U", "close_round"),
    ("ee", "ee", "E", "Fcl_MTH_E", "mid_front"),
    ("oh", "oh", "O", "Fcl_MTH_O", "mid_round"),
    ("blink", "blink", "Blink", "Fcl_EYE_Close", None),
    ("blinkLeft", "blinkLeft", "Blink_L", "Fcl_EYE_Close_L", None),
    ("blinkRight", "blinkRight", "Blink_R", "Fcl_EYE_Close_R", None),
    ("lookUp", "lookUp", "LookUp", None, None),
    ("lookDown", "lookDown", "LookDown", None, None),
    ("lookLeft", "lookLeft", "LookLeft", None, None),
    ("lookRight", "lookRight", "LookRight", None, None),
    ("happy", "happy", "Joy", "Fcl_ALL_Joy", None),
    ("angry", "angry", "Angry", "Fcl_ALL_Angry", None),
    ("sad", "sad", "Sorrow", "Fcl_ALL_Sorrow", None),
    ("relaxed", "relaxed", "Fun", "Fcl_ALL_Fun", None),
    ("surprised", "surprised", None, "Fcl_ALL_Surprised", None),
    ("neutral", "neutral", "Neutral", "Fcl_ALL_Neutral", None),
)


def _vrm_target(name: str, v1: str, v0: str | None, vroid: str | None, pose: str | None) -> Target:
    spellings = {"VRM 1.0": (v1,)}
    if v0:
        spellings["VRM 0.x"] = (v0,)
    if vroid:
        spellings["VRoid"] = (vroid,)
    if pose:
        return Target(name, spellings, kind="mouth", pose=pose)
    sources = _EYES.get(name) or _EMOTIONS[name]
    return Target(name, spellings, sources=sources, eyes_without_bones=name.startswith("look"))


VRM = Scheme(
    key="vrm",
    label="VRM expressions",
    targets=tuple(_vrm_target(*row) for row in _VRM_ROWS),
    default_variant="VRM 1.0",
)

# Rhubarb Lip Sync's mouths (Preston Blair based): A closed (m b p), B clenched teeth
# (most consonants, ee), C open (eh), D wide open (ah), E slightly rounded (oh),
# F puckered (oo, w), G f/v, H l, X rest.
_RHUBARB_POSES = {
    "A": "bilabial",
    "B": "teeth",
    "C": "mid_front",
    "D": "open",
    "E": "half_round",
    "F": "close_round",
    "G": "labiodental",
    "H": "lateral",
}
RHUBARB = Scheme(
    key="rhubarb",
    label="Rhubarb mouths",
    targets=(
        *(Target(m, {"Rhubarb": (m,)}, kind="mouth", pose=_RHUBARB_POSES[m]) for m in "ABCDEFGH"),
        Target("X", {"Rhubarb": ("X",)}, kind="rest"),
    ),
    prefixes=("mouth", "rhubarb", "mouthshape", "shape"),
    default_variant="Rhubarb",
)

# The classic Preston Blair phoneme set as Papagayo / Moho name it.
_PAPAGAYO_POSES = {
    "AI": "open",
    "E": "mid_front",
    "O": "mid_round",
    "U": "close_round",
    "WQ": "labial_velar",
    "FV": "labiodental",
    "L": "lateral",
    "MBP": "bilabial",
    "etc": "teeth",
}
PAPAGAYO = Scheme(
    key="papagayo",
    label="Preston Blair mouths (Papagayo)",
    targets=(
        *(Target(n, {"Papagayo": (n,)}, kind="mouth", pose=p) for n, p in _PAPAGAYO_POSES.items()),
        Target("rest", {"Papagayo": ("rest",)}, kind="rest"),
    ),
    prefixes=("mouth", "phoneme", "shape"),
    default_variant="Papagayo",
)

ARKIT = Scheme(
    key="arkit",
    label="ARKit 52",
    targets=tuple(Target(n, {"ARKit": (n,)}, sources={n: 1.0}) for n in ARKIT_NAMES),
    default_variant="ARKit",
)

# Order = priority when two schemes claim the same shape key equally.
SCHEMES: tuple[Scheme, ...] = (ARKIT, META, VRM, RHUBARB, PAPAGAYO)
VISEME_SCHEMES = ("meta", "vrm", "rhubarb", "papagayo")

# Generic prefixes exporters put before any shape-key name (checked after the
# exact name): Maya blendShape nodes, "bs_", numbering like Polywink's "A01_".
GENERIC_PREFIX_PATTERN = r"^(?:blend_?shape\d*|bs|arkit|sk|shape_?key|morph|[a-z]?\d{1,3})[_\-. ]+"
