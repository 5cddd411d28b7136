"""Training-only encoder of the take-variation latent (a conditional-VAE posterior).

The teacher decides blinks, glances, brow raises and head beats partly at
random; an audio-only regression would average them away (half-closed lids
instead of blinks). In training, this encoder reads the teacher's curves of
those free channels and summarises them into a low-rate latent (n_latent
numbers per role every latent_stride frames) that the network receives; a KL
term keeps it close to a standard normal. At inference the latent is drawn
from N(0, 1) with the take's seed (generation.take_latent), so seeds give
different but plausible takes. Not exported: only the network ships.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import spec
from ..network_config import NetworkConfig
from .dataset import N_STOCHASTIC, STOCHASTIC_BLEND


def latent_frames(steps: torch.Tensor, n_frames: int, stride: int) -> torch.Tensor:
    """steps (B, S, 2, n) placed every `stride` frames -> (B, n_frames, 2, n), linear in between
    (the same interpolation as generation.latent_frames)."""
    t = torch.arange(n_frames, device=steps.device)
    j = t // stride
    a = ((t % stride).to(steps.dtype) / stride)[None, :, None, None]
    return steps[:, j] * (1.0 - a) + steps[:, j + 1] * a


def prior_latent(
    bsz: int, n_frames: int, cfg: NetworkConfig, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Latent drawn from N(0, 1) as at inference: (B, n_frames, 2, n_latent)."""
    steps = torch.randn((bsz, (n_frames - 1) // cfg.latent_stride + 2, 2, cfg.n_latent), generator=generator)
    return latent_frames(steps, n_frames, cfg.latent_stride)


class Posterior(nn.Module):
    def __init__(self, cfg: NetworkConfig, hidden: int = 64) -> None:
        super().__init__()
        self.cfg = cfg
        self.conv1 = nn.Conv1d(N_STOCHASTIC, hidden, 5, padding=2)
        self.conv2 = nn.Conv1d(hidden, hidden, 5, padding=2)
        self.out = nn.Linear(hidden, 2 * cfg.n_latent)

    def forward(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None, sample: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """-> latent per frame (B, T, 2, n_latent) and the KL to N(0, 1) (scalar)."""
        cfg = self.cfg
        idx = torch.as_tensor(STOCHASTIC_BLEND, device=batch["blendshapes"].device)
        # Staged poses and gestures are the conditioning's to give: the posterior does not see the
        # head or eyes while they are commanded, so the latent (drawn from the prior at inference)
        # cannot stand in for the staging input.
        cond = batch["cond"]
        head_free = (
            (cond[..., spec.COND_HEAD_ACTIVE] < 1.0)
            & (cond[..., spec.COND_NOD] <= 0.0)
            & (cond[..., spec.COND_SHAKE] <= 0.0)
        )
        gaze_free = cond[..., spec.COND_GAZE_ACTIVE] < 1.0
        x = torch.cat(
            [
                batch["blendshapes"][..., idx],
                batch["head"] / cfg.head_scale * head_free[..., None].to(cond.dtype),
                batch["gaze"] / cfg.gaze_scale * gaze_free[..., None].to(cond.dtype),
            ],
            dim=-1,
        )  # (B, T, 2, C)
        bsz, t, _, c = x.shape
        x = x.permute(0, 2, 3, 1).reshape(bsz * 2, c, t)
        h = F.silu(self.conv2(F.silu(self.conv1(x))))
        s = cfg.latent_stride
        # Step j summarises the frames around j * stride; (T - 1) // stride + 2 steps cover every frame.
        h = F.pad(h, (s // 2, s - s // 2 + (-t) % s))
        h = F.avg_pool1d(h, s, s)[..., : (t - 1) // s + 2]
        stats = self.out(h.transpose(1, 2))  # (B*2, S, 2n)
        mu, logvar = stats.chunk(2, dim=-1)
        logvar = logvar.clamp(-8.0, 4.0)
        kl = 0.5 * (mu * mu + logvar.exp() - 1.0 - logvar).sum(-1).mean()
        if sample:
            eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype).to(mu.device)
            z = mu + torch.exp(0.5 * logvar) * eps
        else:
            z = mu
        steps = z.view(bsz, 2, -1, cfg.n_latent).transpose(1, 2)  # (B, S, 2, n)
        return latent_frames(steps, t, s), kl
