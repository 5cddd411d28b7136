"""The dual-stream network in PyTorch: the definition trained, and a GPU/CPU batch runtime.

Layout (see docs/MODEL.md): log-mel (100 fps) -> strided conv front-end to
50 fps -> shared conv encoder -> two streams (role A, role B), each the
encoder output plus a learned role embedding, staging conditioning, role
anchors -> N layers of
    depthwise-conv module (lip-sync detail)
    cross-speaker attention: each stream attends to +-local_window frames
        of the other stream
    global attention over pooled keys of both streams (voice / role identity
        across the window; the partner's keys make it cross-speaker too)
    feed-forward
-> per role and frame: 52 blendshape logits, head, gaze, speaking logit; a
variation stage (conv + feed-forward on the stream state plus the take
latent) adds to the freely timed channels only (network_config.VARIATION_CHANNELS).

Weights are shared between the streams; the role embedding tags them. The
numpy runtime (numpy_runtime.py) repeats every operation here in the same
order; tests/test_runtimes.py holds the two equal. This module is left out
of the Blender extension (torch is not there).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .network_config import (
    CLOSURE_CHANNEL,
    JAW_CHANNEL,
    LIP_OPENING_CHANNELS,
    OUT_BLEND,
    OUT_GAZE,
    OUT_HEAD,
    OUT_SPEAKING,
    STAGING_GAZE,
    STAGING_HEAD,
    VARIATION_CHANNELS,
    NetworkConfig,
)
from .spec import ANGLE_SCALE, COND_GAZE_ACTIVE, COND_HEAD_ACTIVE

MASKED = -1e9  # added to scores of keys a query may not see (exp underflows to exactly 0)


class ConvModule(nn.Module):
    """Pre-norm depthwise temporal conv + pointwise projection, residual."""

    def __init__(self, d: int, kernel: int, eps: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d, eps=eps)
        self.depthwise = nn.Conv1d(d, d, kernel, padding=kernel // 2, groups=d)
        self.pointwise = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, T, d)
        y = self.depthwise(self.norm(x).transpose(1, 2)).transpose(1, 2)
        return x + self.pointwise(F.silu(y))


def relative_bias_index(window: int) -> tuple[np.ndarray, np.ndarray]:
    """For a query block of `window` frames against 3 key blocks: table index and visibility.

    Query i of block b sits at b*W + i, key j of the 3 blocks at (b-1)*W + j:
    offset j - W - i, visible when |offset| <= W.
    """
    i = np.arange(window)[:, None]
    j = np.arange(3 * window)[None, :]
    offset = j - window - i
    visible = np.abs(offset) <= window
    return np.clip(offset + window, 0, 2 * window), visible


class LocalCrossAttention(nn.Module):
    """Cross-speaker attention: each stream's frames attend to +-W frames of the other stream.

    (A stream's own local context comes from its conv modules; its long-range
    context from GlobalAttention.)
    """

    def __init__(self, cfg: NetworkConfig) -> None:
        super().__init__()
        d, h, w, da = cfg.d_model, cfg.n_heads, cfg.local_window, cfg.attn_dim
        self.cfg = cfg
        self.norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.query = nn.Linear(d, da)
        self.key = nn.Linear(d, da)
        self.value = nn.Linear(d, da)
        self.out = nn.Linear(da, d)
        self.rel_bias = nn.Parameter(torch.zeros(h, 2 * w + 1))
        index, visible = relative_bias_index(w)
        self.register_buffer("rel_index", torch.from_numpy(index), persistent=False)
        self.register_buffer("rel_visible", torch.from_numpy(visible), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 2, T, d)
        cfg = self.cfg
        bsz, _, t, _ = x.shape
        h, w, da = cfg.n_heads, cfg.local_window, cfg.attn_dim
        dh = da // h
        y = self.norm(x)
        nb = -(-t // w)
        pad = nb * w - t

        def heads(z: torch.Tensor) -> torch.Tensor:  # (B,2,T,da) -> (B,2,H,nb,W,dh)
            z = F.pad(z, (0, 0, 0, pad))
            return z.view(bsz, 2, nb, w, h, dh).permute(0, 1, 4, 2, 3, 5)

        def three_blocks(z: torch.Tensor) -> torch.Tensor:  # (B,2,H,nb,W,dh) -> (B,2,H,nb,3W,dh)
            zp = F.pad(z, (0, 0, 0, 0, 1, 1))
            return torch.cat([zp[:, :, :, :-2], zp[:, :, :, 1:-1], zp[:, :, :, 2:]], dim=4)

        q = heads(self.query(y)) * (1.0 / math.sqrt(dh))
        # Keys and values of the partner stream (flip the role axis).
        k = three_blocks(heads(self.key(y).flip(1)))
        v = three_blocks(heads(self.value(y).flip(1)))
        # Keys outside [0, T) (padding and the blocks beyond either end) are never seen.
        pos = torch.arange(-w, (nb + 1) * w, device=x.device)
        key_pos = pos.unfold(0, 3 * w, w)[:nb]  # (nb, 3W)
        valid = (key_pos >= 0) & (key_pos < t)
        bias = self.rel_bias[:, self.rel_index].masked_fill(~self.rel_visible, MASKED)  # (H, W, 3W)
        bias = bias[:, None] + torch.where(valid, 0.0, MASKED)[None, :, None, :]  # (H, nb, W, 3W)
        attn = torch.softmax(q @ k.transpose(-1, -2) + bias, dim=-1)
        out = attn @ v  # (B,2,H,nb,W,dh)
        out = out.permute(0, 1, 3, 4, 2, 5).reshape(bsz, 2, nb * w, da)[:, :, :t]
        return x + self.out(out)


def pool_frames(y: torch.Tensor, size: int) -> torch.Tensor:
    """Mean over consecutive groups of `size` frames (the last group may be partial). (..., T, d)."""
    t = y.shape[-2]
    groups = -(-t // size)
    pad = groups * size - t
    z = F.pad(y, (0, 0, 0, pad)).reshape(*y.shape[:-2], groups, size, y.shape[-1]).sum(-2)
    counts = torch.full((groups,), float(size), device=y.device, dtype=y.dtype)
    counts[-1] = float(size - pad)
    return z / counts[:, None]


class GlobalAttention(nn.Module):
    """Each frame attends to pooled frames of the whole window, own stream and partner's."""

    def __init__(self, cfg: NetworkConfig) -> None:
        super().__init__()
        d, dg = cfg.d_model, cfg.global_dim
        self.cfg = cfg
        self.norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.query = nn.Linear(d, dg)
        self.key = nn.Linear(d, dg)
        self.value = nn.Linear(d, dg)
        self.out = nn.Linear(dg, d)
        self.key_tag = nn.Parameter(torch.zeros(2, dg))  # 0: own stream, 1: partner

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 2, T, d)
        cfg = self.cfg
        bsz, _, t, _ = x.shape
        g, dg = cfg.global_heads, cfg.global_dim // cfg.global_heads
        y = self.norm(x)
        pooled = pool_frames(y, cfg.global_pool)  # (B, 2, Tg, d)
        q = self.query(y).view(bsz, 2, t, g, dg).transpose(2, 3) * (1.0 / math.sqrt(dg))
        k = self.key(pooled)
        v = self.value(pooled).view(bsz, 2, -1, g, dg).transpose(2, 3)  # (B,2,G,Tg,dg)
        k_own = (k + self.key_tag[0]).view(bsz, 2, -1, g, dg).transpose(2, 3)
        keys, values = [k_own], [v]
        if cfg.cross_attention:
            keys.append((k + self.key_tag[1]).flip(1).view(bsz, 2, -1, g, dg).transpose(2, 3))
            values.append(v.flip(1))
        kk, vv = torch.cat(keys, dim=3), torch.cat(values, dim=3)
        attn = torch.softmax(q @ kk.transpose(-1, -2), dim=-1)
        out = (attn @ vv).transpose(2, 3).reshape(bsz, 2, t, g * dg)
        return x + self.out(out)


class FeedForward(nn.Module):
    def __init__(self, cfg: NetworkConfig) -> None:
        super().__init__()
        d = cfg.d_model
        self.norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.up = nn.Linear(d, cfg.ffn_mult * d)
        self.down = nn.Linear(cfg.ffn_mult * d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.down(F.silu(self.up(self.norm(x))))


class Layer(nn.Module):
    def __init__(self, cfg: NetworkConfig) -> None:
        super().__init__()
        self.conv = ConvModule(cfg.d_model, cfg.conv_kernel, cfg.layer_norm_eps)
        self.cross = LocalCrossAttention(cfg) if cfg.cross_attention else None
        self.glob = GlobalAttention(cfg)
        self.ffn = FeedForward(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 2, T, d)
        bsz, _, t, d = x.shape
        x = self.conv(x.reshape(bsz * 2, t, d)).view(bsz, 2, t, d)
        if self.cross is not None:
            x = self.cross(x)
        x = self.glob(x)
        return self.ffn(x)


class Variation(nn.Module):
    """The take-variation stage: stream state + latent -> additions to the free channels only."""

    def __init__(self, cfg: NetworkConfig) -> None:
        super().__init__()
        d = cfg.d_model
        self.latent_proj = nn.Linear(cfg.n_latent, d, bias=False)
        self.conv = ConvModule(d, cfg.conv_kernel, cfg.layer_norm_eps)
        self.ffn = FeedForward(cfg)
        self.norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.out = nn.Linear(d, len(VARIATION_CHANNELS))

    def forward(self, x: torch.Tensor, latent: torch.Tensor) -> torch.Tensor:  # (B,2,T,d), (B,2,T,n)
        bsz, _, t, d = x.shape
        v = (x + self.latent_proj(latent)).reshape(bsz * 2, t, d)
        v = self.ffn(self.conv(v))
        return self.out(self.norm(v)).view(bsz, 2, t, -1)


class DuetNet(nn.Module):
    """The dual-stream network. forward() returns raw outputs (B, T, 2, out_dim)."""

    def __init__(self, cfg: NetworkConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.register_buffer("feature_mean", torch.zeros(cfg.n_mels))
        self.register_buffer("feature_std", torch.ones(cfg.n_mels))
        self.front = nn.Conv1d(cfg.n_mels, d, cfg.front_kernel, stride=2, padding=cfg.front_kernel // 2)
        self.encoder = nn.ModuleList(
            [ConvModule(d, cfg.conv_kernel, cfg.layer_norm_eps) for _ in range(cfg.encoder_blocks)]
        )
        self.voice = nn.Linear(d, cfg.voice_dim)  # voice embedding head on the shared encoder
        self.role_embedding = nn.Parameter(torch.randn(2, d) * 0.1)
        self.mode_embedding = nn.Parameter(torch.randn(2, d) * 0.1)  # 0 mixed track, 1 stems
        self.cond_proj = nn.Linear(cfg.cond_dim, d)
        self.anchor_proj = nn.Linear(cfg.anchor_dim, d, bias=False)
        self.layers = nn.ModuleList([Layer(cfg) for _ in range(cfg.n_layers)])
        self.out_norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.out = nn.Linear(d, cfg.out_dim)
        self.variation = Variation(cfg)
        self.register_buffer("variation_index", torch.tensor(VARIATION_CHANNELS), persistent=False)

    def encode(self, feats: torch.Tensor) -> torch.Tensor:
        """(N, 2T, n_mels) log-mel -> (N, T, d)."""
        f = (feats - self.feature_mean) / self.feature_std
        h = F.silu(self.front(f.transpose(1, 2))).transpose(1, 2)
        for block in self.encoder:
            h = block(h)
        return h

    def voice_embeddings(self, feats: torch.Tensor) -> torch.Tensor:
        """(N, 2T, n_mels) -> unit voice vectors (N, T, voice_dim) of the shared encoder."""
        return F.normalize(self.voice(self.encode(feats)), dim=-1, eps=1e-6)

    def forward(
        self,
        feats: torch.Tensor,
        cond: torch.Tensor,
        anchor: torch.Tensor,
        latent: torch.Tensor,
        return_encoding: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """feats (B, C, 2T, n_mels) with C = 1 (mixed track) or 2 (stems, channel 0 = A);
        cond (B, T, 2, cond_dim); anchor (B, T, 2, 2); latent (B, T, 2, n_latent).
        With return_encoding, also the shared encoder's output (B, C, T, d) (training's voice loss)."""
        bsz, chans, t2, m = feats.shape
        t = cond.shape[1]
        if t2 != 2 * t:
            raise ValueError(f"features have {t2} frames, expected 2 x {t}")
        encoding = self.encode(feats.reshape(bsz * chans, t2, m)).view(bsz, chans, t, -1)
        enc = encoding.expand(bsz, 2, t, encoding.shape[-1]) if chans == 1 else encoding
        mode = self.mode_embedding[1 if chans == 2 else 0]
        x = (
            enc
            + self.role_embedding[None, :, None, :]
            + mode
            + self.cond_proj(cond).transpose(1, 2)
            + self.anchor_proj(anchor).transpose(1, 2)
        )
        for layer in self.layers:
            x = layer(x)
        raw = self.out(self.out_norm(x))  # (B, 2, T, out)
        var = self.variation(x, latent.transpose(1, 2))  # (B, 2, T, n_variation)
        raw = raw.index_add(-1, self.variation_index, var).transpose(1, 2)  # (B, T, 2, out)
        if self.cfg.staging_residual:
            raw = add_staging_base(raw, cond, self.cfg)
        return (raw, encoding) if return_encoding else raw


def add_staging_base(raw: torch.Tensor, cond: torch.Tensor, cfg: NetworkConfig) -> torch.Tensor:
    """Raw outputs (..., out_dim) with the staged pose added to head and gaze
    (network_config.STAGING_HEAD): the network's head and gaze become deviations from it."""
    head_on = cond[..., COND_HEAD_ACTIVE : COND_HEAD_ACTIVE + 1].clamp(0.0, 1.0)
    gaze_on = cond[..., COND_GAZE_ACTIVE : COND_GAZE_ACTIVE + 1].clamp(0.0, 1.0)
    head = raw[..., OUT_HEAD] + head_on * cond[..., list(STAGING_HEAD)] * (ANGLE_SCALE / cfg.head_scale)
    # Eyes in the head frame = world target - head (the small-angle sum the losses use).
    eyes_to_target = cond[..., list(STAGING_GAZE)] * ANGLE_SCALE - head[..., :2] * cfg.head_scale
    gaze = raw[..., OUT_GAZE] + gaze_on * eyes_to_target / cfg.gaze_scale
    return torch.cat([raw[..., OUT_BLEND], head, gaze, raw[..., OUT_SPEAKING:]], dim=-1)


def activate(raw: torch.Tensor, cfg: NetworkConfig) -> torch.Tensor:
    """Raw outputs -> blendshapes 0..1, head/gaze degrees, speaking probability (same layout)."""
    out = torch.empty_like(raw)
    out[..., OUT_BLEND] = blendshapes(raw[..., OUT_BLEND], cfg)
    out[..., OUT_HEAD] = raw[..., OUT_HEAD] * cfg.head_scale
    out[..., OUT_GAZE] = raw[..., OUT_GAZE] * cfg.gaze_scale
    out[..., OUT_SPEAKING] = torch.sigmoid(raw[..., OUT_SPEAKING])
    return out


def blendshapes(raw_blend: torch.Tensor, cfg: NetworkConfig) -> torch.Tensor:
    """Raw blendshape outputs (..., 52) -> ARKit values 0..1 (the closure channel resolved);
    differentiable, as the losses read it."""
    b = torch.sigmoid(raw_blend)
    if not cfg.lip_closure:
        return b
    n = b.shape[-1]
    opening = torch.zeros(n, dtype=b.dtype, device=b.device)
    opening[list(LIP_OPENING_CHANNELS)] = 1.0
    closure_slot = torch.zeros(n, dtype=b.dtype, device=b.device)
    closure_slot[CLOSURE_CHANNEL] = 1.0
    closure = b[..., CLOSURE_CHANNEL : CLOSURE_CHANNEL + 1]
    jaw = b[..., JAW_CHANNEL : JAW_CHANNEL + 1]
    return b * (1.0 - opening * closure) + closure_slot * (closure * jaw - closure)


def build(cfg: NetworkConfig, seed: int = 0) -> DuetNet:
    """A freshly initialised network (deterministic for a seed)."""
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        net = DuetNet(cfg)
    finally:
        torch.random.set_rng_state(gen_state)
    return net


def from_arrays(cfg: NetworkConfig, arrays: dict[str, np.ndarray]) -> DuetNet:
    """A network holding the weights of a weights file (see weights.py)."""
    net = DuetNet(cfg)
    state = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in arrays.items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"weights do not fit the network: missing {missing}, unexpected {unexpected}")
    return net


class TorchRuntime:
    """Inference with torch (a GPU when present): same interface as numpy_runtime.NumpyRuntime."""

    name = "torch"

    def __init__(self, cfg: NetworkConfig, arrays: dict[str, np.ndarray], device: str | None = None) -> None:
        self.cfg = cfg
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.net = from_arrays(cfg, arrays).to(self.device).eval()

    @torch.no_grad()
    def run(self, feats: np.ndarray, cond: np.ndarray, anchor: np.ndarray, latent: np.ndarray) -> np.ndarray:
        """feats (C, 2T, n_mels), cond (T, 2, cond_dim), anchor (T, 2, 2), latent (T, 2, n_latent)
        -> activated outputs (T, 2, out_dim) float32."""

        def tensor(a: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None].to(self.device)

        raw = self.net(tensor(feats), tensor(cond), tensor(anchor), tensor(latent))
        return activate(raw, self.cfg)[0].float().cpu().numpy()

    @torch.no_grad()
    def voice(self, feats: np.ndarray) -> np.ndarray:
        """feats (C, 2T, n_mels) -> unit voice vectors (C, T, voice_dim) float32."""
        x = torch.from_numpy(np.ascontiguousarray(feats, dtype=np.float32)).to(self.device)
        return self.net.voice_embeddings(x).float().cpu().numpy()
