"""Shared constants of the output space and the data formats.

Every module that produces or consumes performances, corpus shards or
staging conditioning takes its layout from here, so the pieces agree.
"""

from __future__ import annotations

ROLES: tuple[str, str] = ("A", "B")

# Audio enters every runtime at this rate, mono or one stem per role.
SAMPLE_RATE = 16000

# Native frame rate of the teacher targets, the corpus and the model output.
# 50 fps (20 ms) keeps lip events finer than a 30 fps frame; generate()
# resamples to the scene's rate.
NATIVE_FPS = 50.0

# The 52 ARKit blendshapes (ARFaceAnchor.BlendShapeLocation), in a fixed order
# used by the corpus, the model and Performance.blendshape_names.
ARKIT_NAMES: tuple[str, ...] = (
    "eyeBlinkLeft",
    "eyeLookDownLeft",
    "eyeLookInLeft",
    "eyeLookOutLeft",
    "eyeLookUpLeft",
    "eyeSquintLeft",
    "eyeWideLeft",
    "eyeBlinkRight",
    "eyeLookDownRight",
    "eyeLookInRight",
    "eyeLookOutRight",
    "eyeLookUpRight",
    "eyeSquintRight",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawRight",
    "jawOpen",
    "mouthClose",
    "mouthFunnel",
    "mouthPucker",
    "mouthLeft",
    "mouthRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "noseSneerLeft",
    "noseSneerRight",
    "tongueOut",
)
ARKIT_INDEX: dict[str, int] = {name: i for i, name in enumerate(ARKIT_NAMES)}
assert len(ARKIT_NAMES) == 52 and len(ARKIT_INDEX) == 52

# Angles everywhere are degrees. Head yaw is positive toward the character's
# own left, pitch positive up, roll positive when the head tilts toward the
# character's own left shoulder. 0 = rest pose, facing the partner. Gaze
# yaw/pitch use the same signs.

# Where "the camera" lies for a role in the canonical stage, as yaw/pitch from
# the rest pose (facing the partner). The default stage puts the camera in
# front of the pair, to A's right and B's left. The Blender bake solves the
# real camera; the model only ever sees this canonical direction.
CANONICAL_CAMERA_DIRECTION: dict[str, tuple[float, float]] = {
    "A": (-60.0, 0.0),
    "B": (60.0, 0.0),
}

# Per-frame staging conditioning, one vector per role and frame (float32).
# Produced by duet.model.staging (and by the corpus sampler), consumed by the
# model. Angles are stored in degrees divided by ANGLE_SCALE.
ANGLE_SCALE = 90.0
COND_HEAD_ACTIVE = 0  # 1 while a head orientation is commanded, else 0 (free)
COND_HEAD_YAW = 1
COND_HEAD_PITCH = 2
COND_HEAD_ROLL = 3
COND_GAZE_ACTIVE = 4  # 1 while a gaze target is commanded, else 0 (free)
COND_GAZE_PARTNER = 5  # one-hot gaze mode: partner's eyes
COND_GAZE_CAMERA = 6  # one-hot gaze mode: the camera
COND_GAZE_DIRECTION = 7  # one-hot gaze mode: a fixed direction (down, away...)
COND_GAZE_YAW = 8  # gaze target direction from the rest pose (any mode)
COND_GAZE_PITCH = 9
COND_NOD = 10  # 1 during a commanded nod gesture
COND_SHAKE = 11  # 1 during a commanded head shake
COND_DIM = 12

# Corpus shards (npz, no objects, see docs/DATA_FORMAT.md). Audio is stored as
# int16 at SAMPLE_RATE; targets at NATIVE_FPS.
AUDIO_INT16_SCALE = 32767.0
