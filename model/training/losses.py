"""Training losses of the dual-stream network (torch).

All take raw network outputs (B, T, 2, out_dim) and a dataset.Batch moved to
tensors, and return per-sample losses (B,) so the permutation-invariant
crops (no role anchor) can take the better of the two role orders.

Targets a clip cannot vouch for are masked per frame and role (batch["target_mask"],
groups dataset.TARGET_GROUPS: lips, motion, speaking; absent = all trusted): a masked
frame adds nothing to the loss and no gradient, and the normalisation stays the count of
valid frames, so a real-voice crop's trusted frames weigh what a synthetic crop's do.
Masked targets must still be finite numbers (the corpus writes the teacher's values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .. import spec
from ..network_config import (
    CLOSURE_CHANNEL,
    JAW_CHANNEL,
    OUT_BLEND,
    OUT_GAZE,
    OUT_HEAD,
    OUT_SPEAKING,
    NetworkConfig,
)
from ..torch_runtime import blendshapes
from .dataset import LIPS, MOTION, MOUTH, OTHER_BLEND, SPEAKING
from .teacher.gaze import AT_PARTNER_DEG

_I = spec.ARKIT_INDEX
# Mouth channels that carry the visible articulation count more in the lip loss.
_CHANNEL_EMPHASIS = {
    "jawOpen": 3.0,
    "mouthClose": 3.0,
    "mouthFunnel": 2.0,
    "mouthPucker": 2.0,
    "mouthPressLeft": 1.5,
    "mouthPressRight": 1.5,
    "mouthRollLower": 1.5,
    "mouthRollUpper": 1.5,
}
MOUTH_WEIGHTS = np.array([_CHANNEL_EMPHASIS.get(spec.ARKIT_NAMES[i], 1.0) for i in MOUTH], dtype=np.float32)
# A squared-error part beside L1: L1 alone drives rare shapes (rounding, closures) to zero
# whenever the network is unsure (the median of a mostly-zero channel); the squared part
# pulls toward the mean, so an uncertain rounded vowel still rounds a little.
LIP_SQUARED = 4.0
# Below this teacher jaw opening the closure fraction is undefined (nothing to close).
CLOSURE_MIN_JAW = 0.03


@dataclass
class LossWeights:
    lip: float = 4.0  # event-weighted L1 (+ squared part) on mouth shapes
    aperture: float = 4.0  # event-weighted L1 on the lip aperture (seals and openings)
    closure: float = 2.0  # event-weighted BCE on the lip-closure fraction (cfg.lip_closure)
    expression: float = 1.0  # L1 on eyes, brows, cheeks, nose
    head: float = 1.0  # L1 on head angles (in units of head_scale)
    velocity: float = 2.0  # pose consistency: head velocity matches the teacher's
    jerk: float = 0.5  # pose consistency: penalise head jerk
    gaze: float = 1.0  # L1 on eye angles
    staging: float = 2.0  # head and eye L1 averaged over staged holds only
    reciprocity: float = 0.5  # gaze reciprocity (at-partner and mutual gaze)
    speaking: float = 0.5  # BCE on who speaks
    realism: float = 0.2  # feature matching of motion statistics
    kl: float = 0.02  # take-variation latent
    voice: float = 0.5  # voice identity of the shared encoder (same speaker / other speaker)


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over all but the batch axis; mask (B, T) broadcast over trailing axes of x (B, T, ...)."""
    m = mask.reshape(*mask.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return (x * m).flatten(1).sum(1) / m.flatten(1).sum(1).clamp_min(1.0)


def _group(batch: dict[str, torch.Tensor], group: int, like: torch.Tensor) -> torch.Tensor:
    """Trust (B, T, 2) of one target group; ones when the batch has no target_mask."""
    tm = batch.get("target_mask")
    if tm is None:
        return torch.ones(like.shape[:3], device=like.device, dtype=like.dtype)
    return tm[..., group].to(like.dtype)


def _diff(x: torch.Tensor, n: int = 1, step: int = 1) -> torch.Tensor:
    for _ in range(n):
        x = x[:, step:] - x[:, :-step]
    return x


def _diff_mask(mask: torch.Tensor, n: int = 1, step: int = 1) -> torch.Tensor:
    for _ in range(n):
        mask = mask[:, step:] * mask[:, :-step]
    return mask


def lip_aperture_torch(b: torch.Tensor) -> torch.Tensor:
    """lips.visemes.lip_aperture in torch: vertical lip opening of ARKit values (..., 52)."""
    jaw_gap = torch.relu(b[..., _I["jawOpen"]] - b[..., _I["mouthClose"]])
    lower = 0.5 * (b[..., _I["mouthLowerDownLeft"]] + b[..., _I["mouthLowerDownRight"]])
    upper = 0.5 * (b[..., _I["mouthUpperUpLeft"]] + b[..., _I["mouthUpperUpRight"]])
    return jaw_gap + 0.5 * (lower + upper) + 0.5 * b[..., _I["mouthFunnel"]]


def _alone(speaking: torch.Tensor, mask: torch.Tensor, trust: torch.Tensor | None) -> torch.Tensor:
    """(B, T, 2) frames where one role speaks alone (both roles' speaking trusted)."""
    spk = (speaking > 0.5) & (mask[..., None] > 0)
    known = mask > 0
    if trust is not None:
        known = known & (trust[..., 0] > 0) & (trust[..., 1] > 0)
    return torch.stack([spk[..., 0] & ~spk[..., 1], spk[..., 1] & ~spk[..., 0]], dim=-1) & known[..., None]


def voice_loss(
    encoding: torch.Tensor,
    head: torch.nn.Module,
    speaking: torch.Tensor,
    mask: torch.Tensor,
    stride: int = 5,
    trust: torch.Tensor | None = None,
) -> torch.Tensor:
    """Voice identity of the shared encoder, per sample (B,).

    A small head maps encoder frames to unit vectors; frames where one role
    speaks alone should be similar to each other when the role is the same and
    dissimilar otherwise (logistic loss on scaled cosine similarity, frames
    taken every `stride`). Stems: channel 0's frames of A against channel 1's
    frames of B. This gives the global attention voice features to carry the
    anchors' roles through a mixed track. `trust` (B, T, 2): the speaking group of the
    target mask; frames whose speaking is not trusted take no part.
    """
    alone = _alone(speaking, mask, trust)  # (B, T, 2)
    emb = F.normalize(head(encoding), dim=-1, eps=1e-6)  # (B, C, T, k)
    if emb.shape[1] == 1:
        e = emb[:, 0, ::stride]  # (B, N, k)
        lab_a, lab_b = alone[:, ::stride, 0], alone[:, ::stride, 1]
    else:
        e = torch.cat([emb[:, 0, ::stride], emb[:, 1, ::stride]], dim=1)
        lab_a = torch.cat([alone[:, ::stride, 0], torch.zeros_like(alone[:, ::stride, 0])], dim=1)
        lab_b = torch.cat([torch.zeros_like(alone[:, ::stride, 1]), alone[:, ::stride, 1]], dim=1)
    used = lab_a | lab_b  # (B, N)
    same = (lab_a[:, :, None] & lab_a[:, None, :]) | (lab_b[:, :, None] & lab_b[:, None, :])
    pair = used[:, :, None] & used[:, None, :]
    logits = 10.0 * (e @ e.transpose(1, 2)) - 5.0
    bce = F.binary_cross_entropy_with_logits(logits, same.to(logits.dtype), reduction="none")
    both = (lab_a.any(1) & lab_b.any(1)).to(logits.dtype)
    per = (bce * pair).flatten(1).sum(1) / pair.flatten(1).sum(1).clamp_min(1)
    return per * both


def cross_voice_loss(
    encoding: torch.Tensor,
    head: torch.nn.Module,
    speaking: torch.Tensor,
    mask: torch.Tensor,
    speaker: torch.Tensor,
    *,
    stride: int = 5,
    per_role: int = 24,
    trust: torch.Tensor | None = None,
) -> torch.Tensor:
    """Voice identity across the crops of a batch (scalar): frames of one real speaker in two
    crops should match, frames of two different speakers differ.

    `speaker` (B, 2) holds dataset.speaker_key ids; -1 (a synthetic voice, warped per clip) is
    known only within its crop, so two such voices in different crops are not compared, while
    a synthetic voice and a real speaker are two different voices. Up to `per_role` evenly
    spaced solo frames per crop and role take part; positives and negatives weigh half each.
    """
    alone = _alone(speaking, mask, trust)[:, ::stride]  # (B, N, 2)
    emb = F.normalize(head(encoding), dim=-1, eps=1e-6)[:, :, ::stride]  # (B, C, N, k)
    rows, labels, owners = [], [], []
    for i in range(alone.shape[0]):
        for r in range(2):
            idx = torch.nonzero(alone[i, :, r]).flatten()
            if len(idx) == 0:
                continue
            if len(idx) > per_role:
                idx = idx[torch.linspace(0, len(idx) - 1, per_role, device=idx.device).round().long()]
            channel = r if emb.shape[1] == 2 else 0
            rows.append(emb[i, channel, idx])
            labels.append(speaker[i, r].expand(len(idx)))
            owners.append(torch.full((len(idx),), i, device=idx.device))
    zero = encoding.sum() * 0.0
    if len(rows) < 2:
        return zero
    e, lab, own = torch.cat(rows), torch.cat(labels), torch.cat(owners)
    known = lab >= 0
    other_crop = own[:, None] != own[None, :]
    valid = other_crop & (known[:, None] | known[None, :])
    same = (lab[:, None] == lab[None, :]) & known[:, None]
    logits = 10.0 * (e @ e.T) - 5.0
    out = zero
    for pick, target in ((valid & same, 1.0), (valid & ~same, 0.0)):
        if bool(pick.any()):
            sel = logits[pick]
            bce = F.binary_cross_entropy_with_logits(sel, torch.full_like(sel, target))
            out = out + 0.5 * bce
    return out


def world_gaze_sum(head: torch.Tensor, gaze: torch.Tensor) -> torch.Tensor:
    """Approximate world gaze yaw/pitch (degrees) = head + eye angles (small-angle composition)."""
    return head[..., :2] + gaze


def at_partner_soft(head: torch.Tensor, gaze: torch.Tensor, sharpness_deg: float = 1.0) -> torch.Tensor:
    """Soft indicator (0..1) that the world gaze is within AT_PARTNER_DEG of the partner's face."""
    w = world_gaze_sum(head, gaze)
    dist = torch.sqrt((w * w).sum(-1) + 1e-4)
    return torch.sigmoid((AT_PARTNER_DEG - dist) / sharpness_deg)


def motion_statistics(x: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
    """Per-sample, per-channel statistics of curves x (B, T, C): spread and mean |velocity| at 3 scales."""
    stats = []
    m = mask[..., None]
    n = m.sum(1).clamp_min(1.0)
    mean = (x * m).sum(1) / n
    stats.append(torch.sqrt((((x - mean[:, None]) ** 2) * m).sum(1) / n + 1e-6))
    for step in (1, 3, 9):
        dm = _diff_mask(mask, 1, step)[..., None]
        v = _diff(x, 1, step).abs()
        stats.append((v * dm).sum(1) / dm.sum(1).clamp_min(1.0))
    return stats


def per_sample_losses(
    raw: torch.Tensor,
    batch: dict[str, torch.Tensor],
    cfg: NetworkConfig,
    w: LossWeights,
    *,
    gaze_loss: bool = True,
) -> dict[str, torch.Tensor]:
    """Each loss term per sample (B,), before weighting; batch tensors as in dataset.Batch."""
    mask = batch["mask"]
    bsz, t = mask.shape
    blend = blendshapes(raw[..., OUT_BLEND], cfg)
    head = raw[..., OUT_HEAD] * cfg.head_scale
    gaze = raw[..., OUT_GAZE] * cfg.gaze_scale
    tgt_blend = batch["blendshapes"]
    tgt_head = batch["head"]
    tgt_gaze = batch["gaze"]
    mouth = torch.as_tensor(MOUTH, device=raw.device)
    other = torch.as_tensor(OTHER_BLEND, device=raw.device)
    out: dict[str, torch.Tensor] = {}
    lips_w = _group(batch, LIPS, raw)  # (B, T, 2) trust of each target group
    motion_w = _group(batch, MOTION, raw)
    speaking_w = _group(batch, SPEAKING, raw)

    # Lip sync: L1 (+ a squared part) on mouth shapes, heavier on p/b/m closures and releases
    # and at vowel peaks, and on the lip aperture itself (what makes a seal or an opening).
    cw = torch.as_tensor(MOUTH_WEIGHTS, device=raw.device)
    err = blend[..., mouth] - tgt_blend[..., mouth]
    lip = ((err.abs() + LIP_SQUARED * err * err) * cw).sum(-1) / cw.sum() * batch["event_weight"]
    out["lip"] = _masked_mean(lip * lips_w, mask)
    ap_err = (lip_aperture_torch(blend) - lip_aperture_torch(tgt_blend)).abs() * batch["event_weight"]
    out["aperture"] = _masked_mean(ap_err * lips_w, mask)
    if cfg.lip_closure:
        # The closure fraction as a classification (sealed or not), where the jaw gap is wide
        # enough to say: the teacher writes mouthClose = closure x jawOpen.
        tgt_jaw = tgt_blend[..., JAW_CHANNEL]
        known = (tgt_jaw > CLOSURE_MIN_JAW).to(raw.dtype)
        tgt_closure = (tgt_blend[..., CLOSURE_CHANNEL] / tgt_jaw.clamp_min(CLOSURE_MIN_JAW)).clamp(0.0, 1.0)
        closure_bce = F.binary_cross_entropy_with_logits(
            raw[..., CLOSURE_CHANNEL], tgt_closure, reduction="none"
        )
        closure_w = known * batch["event_weight"] * lips_w
        out["closure"] = (closure_bce * closure_w * mask[..., None]).flatten(1).sum(1) / (
            (known * lips_w * mask[..., None]).flatten(1).sum(1).clamp_min(1.0)
        )
    else:
        out["closure"] = torch.zeros(bsz, device=raw.device)
    out["expression"] = _masked_mean(
        (blend[..., other] - tgt_blend[..., other]).abs().mean(-1) * motion_w, mask
    )

    # Head: angles, velocity (consistency with the teacher's motion) and jerk (no sudden jumps).
    hs = cfg.head_scale
    head_err = ((head - tgt_head).abs() / hs).mean(-1) * motion_w  # (B, T, 2)
    out["head"] = _masked_mean(head_err, mask)
    vm = _diff_mask(mask)
    vel = ((_diff(head) - _diff(tgt_head)).abs() / hs).mean(-1) * 10.0
    out["velocity"] = _masked_mean(vel * _diff_mask(motion_w), vm)
    jm = _diff_mask(mask, 3)
    out["jerk"] = _masked_mean((_diff(head, 3).abs() / hs).mean(-1) * 10.0 * _diff_mask(motion_w, 3), jm)

    gaze_err = ((gaze - tgt_gaze).abs() / cfg.gaze_scale).mean(-1) * motion_w
    out["gaze"] = _masked_mean(gaze_err, mask)
    # Staging: the same errors averaged over the staged holds only. Holds are a few % of corpus
    # frames; averaged over all frames they hardly count, and a network that ignored its staging
    # input entirely (45 degrees off on holds) still had a small head loss.
    cond = batch["cond"]
    held_head = (cond[..., spec.COND_HEAD_ACTIVE] >= 1.0).to(raw.dtype) * mask[..., None] * motion_w
    held_gaze = (cond[..., spec.COND_GAZE_ACTIVE] >= 1.0).to(raw.dtype) * mask[..., None] * motion_w
    # Per sample, then scaled so the batch mean averages over the samples that hold anything
    # (most crops hold nothing; a plain mean would dilute the rare holds again).
    staging = torch.zeros(bsz, device=raw.device)
    for err, held in ((head_err, held_head), (gaze_err, held_gaze)):
        n_held = held.flatten(1).sum(1)
        has = (n_held > 0).to(raw.dtype)
        staging = staging + (err * held).flatten(1).sum(1) / n_held.clamp_min(
            1.0
        ) * bsz / has.sum().clamp_min(1.0)
    out["staging"] = staging
    if gaze_loss:
        # Gaze reciprocity: each role's "looking at the partner" and the pair's mutual gaze
        # follow the teacher (who looks back when looked at).
        at = at_partner_soft(head, gaze)  # (B, T, 2)
        tgt_at = batch["at_partner"]
        mutual = at[..., 0] * at[..., 1]
        tgt_mutual = tgt_at[..., 0] * tgt_at[..., 1]
        both = motion_w[..., 0] * motion_w[..., 1]
        recip = ((at - tgt_at).abs() * motion_w).mean(-1) + 2.0 * (mutual - tgt_mutual).abs() * both
        out["reciprocity"] = _masked_mean(recip, mask)
    else:
        out["reciprocity"] = torch.zeros(bsz, device=raw.device)

    bce = F.binary_cross_entropy_with_logits(raw[..., OUT_SPEAKING], batch["speaking"], reduction="none")
    out["speaking"] = _masked_mean((bce * speaking_w).mean(-1), mask)

    # Realism: motion statistics of every curve match the teacher's (L1 regression alone
    # under-shoots spread and speed); per role, over the crop.
    curves = torch.cat([blend, head / hs, gaze / cfg.gaze_scale], dim=-1)  # (B, T, 2, C)
    tgt_curves = torch.cat([tgt_blend, tgt_head / hs, tgt_gaze / cfg.gaze_scale], dim=-1)
    # Statistics over the frames whose motion is trusted, weighted by their share of the crop.
    real = torch.zeros(bsz, device=raw.device)
    n_valid = mask.sum(1).clamp_min(1.0)
    for r in range(2):
        m_r = mask * motion_w[..., r]
        share = m_r.sum(1) / n_valid
        for a, b in zip(
            motion_statistics(curves[:, :, r], m_r),
            motion_statistics(tgt_curves[:, :, r], m_r),
            strict=True,
        ):
            real = real + share * (a - b).abs().mean(-1)
    out["realism"] = real
    return out


def swap_roles(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same targets with roles A and B exchanged (for permutation-invariant crops)."""
    keys = ("blendshapes", "head", "gaze", "speaking", "at_partner", "event_weight", "target_mask")
    return {k: (v.flip(2) if k in keys else v) for k, v in batch.items()}


def total_loss(
    raw: torch.Tensor,
    batch: dict[str, torch.Tensor],
    cfg: NetworkConfig,
    w: LossWeights,
    kl: torch.Tensor,
    *,
    gaze_loss: bool = True,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Weighted sum (scalar) and the mean of each term (for logs)."""
    terms = per_sample_losses(raw, batch, cfg, w, gaze_loss=gaze_loss)
    weights = {k: getattr(w, k) for k in terms}
    per_sample = sum(weights[k] * v for k, v in terms.items())
    pit = batch["pit"]
    if bool(pit.any()):
        swapped = per_sample_losses(raw, swap_roles(batch), cfg, w, gaze_loss=gaze_loss)
        alt = sum(weights[k] * v for k, v in swapped.items())
        per_sample = torch.where(pit, torch.minimum(per_sample, alt), per_sample)
    loss = per_sample.mean() + w.kl * kl
    logs = {k: float(v.mean().detach()) for k, v in terms.items()}
    logs["kl"] = float(kl.detach())
    logs["total"] = float(loss.detach())
    return loss, logs
