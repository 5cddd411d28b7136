"""The dual-stream network in plain numpy (numpy 1.26 and 2.x): the default inside Blender.

Every operation computes what torch_runtime.DuetNet computes, in float32;
tests/test_runtimes.py holds the two runtimes equal within 1e-4. Where it saves
passes over the frames, sums are regrouped: layer norms' scale and shift are folded
into the projection after them, attention scales into the query projection, and
softmax is normalised after its product with the values. Loops run over layers,
never over frames.
"""

from __future__ import annotations

import numpy as np

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

MASKED = np.float32(-1e9)
F32 = np.float32


# exp is vectorised in numpy and several times faster than tanh; exp(-x) may overflow
# to inf for very negative x, which gives the right limit (0), so overflow is silenced.


def silu(x: np.ndarray) -> np.ndarray:
    """x * sigmoid(x), as a new array."""
    y = np.negative(x)
    with np.errstate(over="ignore"):
        np.exp(y, out=y)
    y += F32(1.0)
    np.divide(x, y, out=y)
    return y


def _sigmoid(x: np.ndarray) -> np.ndarray:
    y = np.negative(x)
    with np.errstate(over="ignore"):
        np.exp(y, out=y)
    y += F32(1.0)
    np.reciprocal(y, out=y)
    return y


def _attend(scores: np.ndarray, values: np.ndarray, bounded: bool = False) -> np.ndarray:
    """softmax(scores) @ values over the last axis of scores, which it overwrites. The sums divide
    the (smaller) product rather than the weights. bounded: every score is known to lie within
    +-EXP_SAFE, so exp cannot overflow or underflow a whole row and the row maxima need not be
    taken off first (the result is the same up to rounding)."""
    if not bounded:
        scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    total = scores.sum(axis=-1, keepdims=True)
    out = scores @ values
    out /= total
    return out


# exp(+-60) and a row of a few thousand such terms stay well inside float32 (about e^+-87).
EXP_SAFE = 60.0


def _pad_time(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """x (N, T, ...) with zero frames before and after along axis 1 (np.pad is slower)."""
    out = np.zeros((x.shape[0], x.shape[1] + before + after, *x.shape[2:]), dtype=x.dtype)
    out[:, before : before + x.shape[1]] = x
    return out


def _largest_norm(x: np.ndarray) -> float:
    """The largest Euclidean norm of x's rows (last axis)."""
    return float(np.sqrt(np.einsum("...i,...i->...", x, x).max(initial=0.0)))


def _relative_bias_index(window: int) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(window)[:, None]
    j = np.arange(3 * window)[None, :]
    offset = j - window - i
    return np.clip(offset + window, 0, 2 * window), np.abs(offset) <= window


class NumpyRuntime:
    """Inference with numpy only. run() has the same interface as torch_runtime.TorchRuntime."""

    name = "numpy"

    def __init__(self, cfg: NetworkConfig, arrays: dict[str, np.ndarray]) -> None:
        self.cfg = cfg
        self.p = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()}
        index, visible = _relative_bias_index(cfg.local_window)
        self._rel_bias = {}
        if cfg.cross_attention:
            for li in range(cfg.n_layers):
                table = self.p[f"layers.{li}.cross.rel_bias"]
                self._rel_bias[li] = np.where(visible, table[:, index], MASKED).astype(np.float32)
        # Pre-transposed weights: y = x @ W.T + b.
        self._wt = {k[: -len(".weight")]: np.ascontiguousarray(v.T) for k, v in self.p.items() if v.ndim == 2}
        # Fused projections: one matrix product instead of three (same sums per element).
        for li in range(cfg.n_layers):
            for prefix, parts, fused in (
                (f"layers.{li}.cross", ("query", "key", "value"), "qkv"),
                (f"layers.{li}.glob", ("key", "value"), "kv"),
            ):
                if f"{prefix}.{parts[0]}.weight" not in self.p:
                    continue
                self._wt[f"{prefix}.{fused}"] = np.ascontiguousarray(
                    np.concatenate([self.p[f"{prefix}.{n}.weight"] for n in parts]).T
                )
                self.p[f"{prefix}.{fused}.bias"] = np.concatenate(
                    [self.p[f"{prefix}.{n}.bias"] for n in parts]
                )
        # A layer norm followed only by projections: its scale and shift go into them
        # (z * g + b) @ W + c = z @ (g W) + (b @ W + c); attention scales go into the queries.
        dh = cfg.attn_dim // cfg.n_heads
        dg = cfg.global_dim // cfg.global_heads
        query_scale = np.where(np.arange(3 * cfg.attn_dim) < cfg.attn_dim, 1.0 / np.sqrt(dh), 1.0)
        for li in range(cfg.n_layers):
            self._fold(f"layers.{li}.ffn.norm", (f"layers.{li}.ffn.up", 1.0))
            if cfg.cross_attention:  # fused query | key | value: the queries' columns scaled
                self._fold(f"layers.{li}.cross.norm", (f"layers.{li}.cross.qkv", query_scale))
            self._fold(
                f"layers.{li}.glob.norm",
                (f"layers.{li}.glob.query", 1.0 / np.sqrt(dg)),
                (f"layers.{li}.glob.kv", 1.0),
            )
        self._fold("variation.ffn.norm", ("variation.ffn.up", 1.0))
        self._fold("out_norm", ("out", 1.0))
        self._fold("variation.norm", ("variation.out", 1.0))
        self._depthwise = {
            k[: -len(".depthwise.weight")]: np.ascontiguousarray(v[:, 0, :].T)
            for k, v in self.p.items()
            if k.endswith(".depthwise.weight")
        }
        self._variation_index = np.array(VARIATION_CHANNELS)
        w = self.p["front.weight"]  # (d, n_mels, k)
        self._front = np.ascontiguousarray(w.reshape(w.shape[0], -1).T)  # (n_mels*k, d)

    def _fold(self, norm: str, *targets: tuple[str, float | np.ndarray]) -> None:
        """Fold layer norm `norm`'s scale and shift into each (projection, scale) of targets;
        scale (a number, or one per output) also multiplies the projection's outputs."""
        g = self.p[norm + ".weight"].astype(np.float64)
        b = self.p[norm + ".bias"].astype(np.float64)
        for name, scale in targets:
            w = self._wt[name].astype(np.float64)
            bias = self.p[name + ".bias"].astype(np.float64)
            self._wt[name] = (g[:, None] * w * scale).astype(np.float32)
            self.p[name + ".bias"] = ((b @ w + bias) * scale).astype(np.float32)

    # -- building blocks -------------------------------------------------------------

    def _linear(self, x: np.ndarray, name: str, bias: bool = True) -> np.ndarray:
        y = x @ self._wt[name]
        if bias:
            y += self.p[name + ".bias"]
        return y

    def _standardise(self, x: np.ndarray) -> np.ndarray:
        """A layer norm without its scale and shift (those folded into what follows)."""
        c = x - x.mean(axis=-1, keepdims=True)
        var = np.einsum("...i,...i->...", c, c)[..., None]
        var *= F32(1.0 / x.shape[-1])
        var += F32(self.cfg.layer_norm_eps)
        c *= F32(1.0) / np.sqrt(var)
        return c

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        c = self._standardise(x)
        c *= self.p[name + ".weight"]
        c += self.p[name + ".bias"]
        return c

    def _conv_module(self, x: np.ndarray, name: str) -> np.ndarray:
        """x (N, T, d): pre-norm depthwise conv (same padding) + pointwise, residual."""
        w = self._depthwise[name]  # (k, d)
        half = w.shape[0] // 2
        y = _pad_time(self._norm(x, name + ".norm"), half, half)
        taps = np.lib.stride_tricks.sliding_window_view(y, w.shape[0], axis=1)  # (N, T, d, k)
        acc = np.einsum("ntdk,kd->ntd", taps, w)
        acc += self.p[name + ".depthwise.bias"]
        out = self._linear(silu(acc), name + ".pointwise")
        out += x
        return out

    def _cross(self, x: np.ndarray, li: int) -> np.ndarray:
        """x (2, T, d) -> x + attention of each stream over +-W frames of the other stream."""
        cfg = self.cfg
        name = f"layers.{li}.cross"
        _, t, _ = x.shape
        h, w, da = cfg.n_heads, cfg.local_window, cfg.attn_dim
        dh = da // h
        nb = -(-t // w)
        qkv = self._linear(self._standardise(x), name + ".qkv")  # query (pre-scaled) | key | value
        # One zero-padded buffer: a block of W frames before and after, the partner's keys and values.
        buf = np.zeros((2, (nb + 2) * w, 3 * da), dtype=np.float32)
        buf[:, w : w + t, :da] = qkv[:, :, :da]
        buf[:, w : w + t, da:] = qkv[::-1, :, da:]
        q = buf[:, w : w + nb * w, :da].reshape(2, nb, w, h, dh).transpose(0, 3, 1, 2, 4)  # (2,H,nb,W,dh)
        s0, s1, s2 = buf.strides

        def three_blocks(offset: int) -> np.ndarray:  # frames [iW - W, iW + 2W) of block i: (2,H,nb,3W,dh)
            return np.lib.stride_tricks.as_strided(
                buf[:, :, offset:],
                shape=(2, h, nb, 3 * w, dh),
                strides=(s0, dh * s2, w * s1, s1, s2),
                writeable=False,
            )

        k, v = three_blocks(da), three_blocks(2 * da)
        pos = np.arange(-w, (nb + 1) * w)
        key_pos = np.lib.stride_tricks.sliding_window_view(pos, 3 * w)[::w][:nb]
        edge = np.where((key_pos >= 0) & (key_pos < t), F32(0.0), MASKED).astype(np.float32)
        scores = q @ k.transpose(0, 1, 2, 4, 3)
        scores += self._rel_bias[li][:, None]  # (H, 1, W, 3W)
        scores += edge[None, :, None, :]
        out = _attend(scores, v)  # (2,H,nb,W,dh)
        out = out.transpose(0, 2, 3, 1, 4).reshape(2, nb * w, da)[:, :t]
        out = self._linear(out, name + ".out")
        out += x
        return out

    def _global(self, x: np.ndarray, li: int) -> np.ndarray:
        cfg = self.cfg
        name = f"layers.{li}.glob"
        _, t, _ = x.shape
        g, dg = cfg.global_heads, cfg.global_dim // cfg.global_heads
        z = self._standardise(x)  # the norm's scale and shift are in the projections
        size = cfg.global_pool
        groups = -(-t // size)
        pooled = np.add.reduceat(z, np.arange(0, t, size), axis=1)
        counts = np.full(groups, size, dtype=np.float32)
        counts[-1] = t - (groups - 1) * size
        pooled /= counts[:, None]
        q = self._linear(z, name + ".query").reshape(2, t, g, dg).transpose(0, 2, 1, 3)  # pre-scaled
        kv = self._linear(pooled, name + ".kv")  # fused key | value projections
        k = kv[..., : g * dg]
        v = kv[..., g * dg :].reshape(2, groups, g, dg).transpose(0, 2, 1, 3)
        tag = self.p[name + ".key_tag"]
        keys = [(k + tag[0]).reshape(2, groups, g, dg).transpose(0, 2, 1, 3)]
        values = [v]
        if cfg.cross_attention:
            keys.append((k + tag[1])[::-1].reshape(2, groups, g, dg).transpose(0, 2, 1, 3))
            values.append(v[::-1])
        kk, vv = np.concatenate(keys, axis=2), np.concatenate(values, axis=2)
        bounded = _largest_norm(q) * _largest_norm(kk) <= EXP_SAFE  # |q.k| <= |q| |k|
        out = _attend(q @ kk.transpose(0, 1, 3, 2), vv, bounded).transpose(0, 2, 1, 3).reshape(2, t, g * dg)
        out = self._linear(out, name + ".out")
        out += x
        return out

    def _ffn(self, x: np.ndarray, li: int) -> np.ndarray:
        return self._ffn_named(x, f"layers.{li}.ffn")

    def _ffn_named(self, x: np.ndarray, name: str) -> np.ndarray:
        y = self._standardise(x)  # the norm's scale and shift are in .up
        out = self._linear(silu(self._linear(y, name + ".up")), name + ".down")
        out += x
        return out

    def encode(self, feats: np.ndarray) -> np.ndarray:
        """(C, 2T, n_mels) -> (C, T, d)."""
        cfg = self.cfg
        f = (feats - self.p["feature_mean"]) / self.p["feature_std"]
        k = cfg.front_kernel
        half = k // 2
        c, t2, m = f.shape
        t = -(-t2 // 2)
        fp = _pad_time(f, half, half)
        # windows[n, s, mel, j] = fp[n, s + j, mel]; output frame i reads s = 2i.
        win = np.lib.stride_tricks.sliding_window_view(fp, k, axis=1)[:, ::2][:, :t]
        h = win.reshape(c, t, m * k) @ self._front + self.p["front.bias"]
        h = silu(h)
        for bi in range(cfg.encoder_blocks):
            h = self._conv_module(h, f"encoder.{bi}")
        return h

    def voice(self, feats: np.ndarray) -> np.ndarray:
        """feats (C, 2T, n_mels) -> unit voice vectors (C, T, voice_dim) float32 (diarization.py)."""
        v = self._linear(self.encode(np.asarray(feats, dtype=np.float32)), "voice")
        norm = np.sqrt(np.sum(v * v, axis=-1, keepdims=True))
        return v / np.maximum(norm, F32(1e-6))

    def run(self, feats: np.ndarray, cond: np.ndarray, anchor: np.ndarray, latent: np.ndarray) -> np.ndarray:
        """feats (C, 2T, n_mels), cond (T, 2, cond_dim), anchor (T, 2, 2), latent (T, 2, n_latent)
        -> activated outputs (T, 2, out_dim) float32."""
        cfg = self.cfg
        feats = np.asarray(feats, dtype=np.float32)
        t = cond.shape[0]
        if feats.shape[1] != 2 * t:
            raise ValueError(f"features have {feats.shape[1]} frames, expected 2 x {t}")
        enc = self.encode(feats)
        if enc.shape[0] == 1:
            enc = np.broadcast_to(enc, (2, *enc.shape[1:]))
        mode = self.p["mode_embedding"][1 if feats.shape[0] == 2 else 0]
        x = enc + self.p["role_embedding"][:, None, :] + mode
        x = x + self._linear(np.asarray(cond, np.float32), "cond_proj").transpose(1, 0, 2)
        x += self._linear(np.asarray(anchor, np.float32), "anchor_proj", bias=False).transpose(1, 0, 2)
        x = np.ascontiguousarray(x, dtype=np.float32)
        for li in range(cfg.n_layers):
            x = self._conv_module(x, f"layers.{li}.conv")
            if cfg.cross_attention:
                x = self._cross(x, li)
            x = self._global(x, li)
            x = self._ffn(x, li)
        raw = self._linear(self._standardise(x), "out")  # (2, T, out); out_norm folded into out
        # Variation stage: the latent reaches the freely timed channels only.
        v = x + self._linear(np.asarray(latent, np.float32), "variation.latent_proj", bias=False).transpose(
            1, 0, 2
        )
        v = self._conv_module(v, "variation.conv")
        v = self._ffn_named(v, "variation.ffn")
        raw[..., self._variation_index] += self._linear(self._standardise(v), "variation.out")
        raw = raw.transpose(1, 0, 2)  # (T, 2, out)
        if cfg.staging_residual:
            add_staging_base(raw, np.asarray(cond, np.float32), cfg)
        return activate(raw, cfg)


def add_staging_base(raw: np.ndarray, cond: np.ndarray, cfg: NetworkConfig) -> None:
    """Add the staged pose to head and gaze of raw outputs (..., out_dim), in place
    (torch_runtime.add_staging_base, in the same order)."""
    head_on = np.clip(cond[..., COND_HEAD_ACTIVE : COND_HEAD_ACTIVE + 1], F32(0.0), F32(1.0))
    gaze_on = np.clip(cond[..., COND_GAZE_ACTIVE : COND_GAZE_ACTIVE + 1], F32(0.0), F32(1.0))
    raw[..., OUT_HEAD] += head_on * cond[..., list(STAGING_HEAD)] * F32(ANGLE_SCALE / cfg.head_scale)
    eyes_to_target = cond[..., list(STAGING_GAZE)] * F32(ANGLE_SCALE) - raw[..., OUT_HEAD][..., :2] * F32(
        cfg.head_scale
    )
    raw[..., OUT_GAZE] += gaze_on * eyes_to_target / F32(cfg.gaze_scale)


def activate(raw: np.ndarray, cfg: NetworkConfig) -> np.ndarray:
    """Raw outputs -> blendshapes 0..1, head/gaze degrees, speaking probability (same layout)."""
    out = np.empty(raw.shape, dtype=np.float32)
    out[..., OUT_BLEND] = blendshapes(raw[..., OUT_BLEND], cfg)
    out[..., OUT_HEAD] = raw[..., OUT_HEAD] * F32(cfg.head_scale)
    out[..., OUT_GAZE] = raw[..., OUT_GAZE] * F32(cfg.gaze_scale)
    out[..., OUT_SPEAKING] = _sigmoid(raw[..., OUT_SPEAKING])
    return out


def blendshapes(raw_blend: np.ndarray, cfg: NetworkConfig) -> np.ndarray:
    """Raw blendshape outputs (..., 52) -> ARKit values 0..1 (the closure channel resolved)."""
    b = _sigmoid(raw_blend)
    if cfg.lip_closure:
        closure = b[..., CLOSURE_CHANNEL].copy()
        b[..., LIP_OPENING_CHANNELS] *= (F32(1.0) - closure)[..., None]
        b[..., CLOSURE_CHANNEL] = closure * b[..., JAW_CHANNEL]
    return b
