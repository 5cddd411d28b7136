"""Lips: IPA phones -> coarticulated ARKit mouth shapes (numpy only; no torch, scipy or bpy).

    from duet.model import lips
    track = lips.mouth_from_phones(ipa, start, end, stress, n_frames, fps, audio16k=stem)
    track.blendshapes[:, lips.MOUTH_CHANNELS]

The procedural teacher (model/training/teacher) builds its mouth from these
modules (phones, visemes, coarticulation, loudness), and script-assisted takes
use them at run time through mouth_from_phones.
"""

from __future__ import annotations

from .coarticulation import seal_closures
from .loudness import phone_gains, phone_gains_from_audio
from .track import MOUTH_CHANNELS, LipTrack, mouth_from_phones
from .visemes import APERTURE_CLOSED, MOUTH_CHANNEL_NAMES, lip_aperture

__all__ = [
    "APERTURE_CLOSED",
    "MOUTH_CHANNELS",
    "MOUTH_CHANNEL_NAMES",
    "LipTrack",
    "lip_aperture",
    "mouth_from_phones",
    "phone_gains",
    "phone_gains_from_audio",
    "seal_closures",
]
