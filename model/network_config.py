"""Sizes and switches of the dual-stream network, shared by both runtimes and the weights file."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from . import spec
from .features import N_MELS

# Output channels per role and frame, in this order.
N_BLEND = len(spec.ARKIT_NAMES)
OUT_BLEND = slice(0, N_BLEND)  # sigmoid -> 0..1
OUT_HEAD = slice(N_BLEND, N_BLEND + 3)  # x head_scale -> yaw/pitch/roll degrees
OUT_GAZE = slice(N_BLEND + 3, N_BLEND + 5)  # x gaze_scale -> gaze yaw/pitch degrees (head frame)
OUT_SPEAKING = N_BLEND + 5  # sigmoid -> probability
OUT_DIM = N_BLEND + 6

# Channels whose timing the teacher chooses freely (blinks, glances, brows, smiles, head, gaze).
# Only these receive the take-variation latent, through a separate variation stage: the
# mouth and the speaking probability never see it, so the latent (inferred from the
# teacher's curves in training) cannot leak who speaks or what the lips do.
VARIATION_BLEND = tuple(
    i
    for i, n in enumerate(spec.ARKIT_NAMES)
    if n.startswith(("eye", "brow", "cheekSquint", "noseSneer", "mouthSmile"))
)
VARIATION_CHANNELS = (*VARIATION_BLEND, *range(N_BLEND, N_BLEND + 5))  # + head (3) + gaze (2)

# Lip closure output (NetworkConfig.lip_closure): the network's mouthClose channel is read as
# the fraction of the jaw gap the lips close (0..1), as the teacher writes it; activate() turns
# it back into ARKit mouthClose (= closure x jawOpen) and scales the shapes that open the lips
# by (1 - closure). A sealed mouth is then one saturated sigmoid, not five independent channels
# landing exactly on a constraint (which regression blurs: seals never reached).
CLOSURE_CHANNEL = spec.ARKIT_INDEX["mouthClose"]
JAW_CHANNEL = spec.ARKIT_INDEX["jawOpen"]
LIP_OPENING_CHANNELS = tuple(
    spec.ARKIT_INDEX[n]
    for n in (
        "mouthLowerDownLeft",
        "mouthLowerDownRight",
        "mouthUpperUpLeft",
        "mouthUpperUpRight",
        "mouthFunnel",
    )
)

# Staging residual (NetworkConfig.staging_residual): while a head pose is commanded, the head
# output is the commanded (eased) pose plus the network's deviation, weighted by the command's
# activity; while a gaze target is commanded, the eyes point at it from wherever the head is,
# plus the network's deviation. The network then learns what the teacher adds to a staged pose
# (speech motion, nods, shakes, the ease out of a hold) instead of having to copy angles from
# its input through every layer, which regression on rare holds failed to learn (28 degrees
# off on held frames without it).
STAGING_HEAD = (spec.COND_HEAD_YAW, spec.COND_HEAD_PITCH, spec.COND_HEAD_ROLL)
STAGING_GAZE = (spec.COND_GAZE_YAW, spec.COND_GAZE_PITCH)

# Role anchors (per role and frame): [known, speaking]. "known" marks frames where
# who speaks is given (the first voice of a take, the previous window's decision,
# or a user's range); the network carries that voice's identity to the rest.
ANCHOR_DIM = 2


@dataclass(frozen=True)
class NetworkConfig:
    n_mels: int = N_MELS
    d_model: int = 128
    n_layers: int = 4
    encoder_blocks: int = 2
    ffn_mult: int = 2
    conv_kernel: int = 9  # depthwise, per layer (frames at 50 fps)
    front_kernel: int = 5  # strided front-end over 100 fps features
    n_heads: int = 2  # cross-speaker attention over the partner's nearby frames
    attn_dim: int = 64  # total over those heads
    local_window: int = 16  # frames either side (0.32 s)
    global_heads: int = 2  # voice/role attention over the whole window
    global_dim: int = 32  # total over global heads
    global_pool: int = 10  # global keys are pooled to 5 fps
    voice_dim: int = 32  # per-frame voice embedding (who is speaking in a mix; diarization.py)
    n_latent: int = 8  # take-variation latent per role
    latent_stride: int = 10  # frames per latent step (5 fps)
    cond_dim: int = spec.COND_DIM
    anchor_dim: int = ANCHOR_DIM
    out_dim: int = OUT_DIM
    head_scale: float = 30.0
    gaze_scale: float = 30.0
    cross_attention: bool = True  # ablation switch: streams do not see each other
    lip_closure: bool = True  # mouthClose is predicted as a closure fraction (see CLOSURE_CHANNEL)
    # Head and gaze are predicted as deviations from the staged pose (add_staging_base). Off by
    # default: a weights file written before the switch existed has no such key and means off.
    staging_residual: bool = False
    layer_norm_eps: float = 1e-5

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> NetworkConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown network config keys {unknown}: the weights need a newer Duet")
        return cls(**data)
