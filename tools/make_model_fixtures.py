"""Write the small model fixtures the runtime tests use where torch is missing (Python 3.13 venv).

    .venv/bin/python tools/make_model_fixtures.py

tests/data/model/tiny_weights.npz (+ .json): a tiny network with random weights,
written through the real export path (weights.save). tests/data/model/
runtime_reference.npz: random inputs and the torch runtime's outputs on them,
so the numpy runtime is checked against torch on numpy 2.x too.
tests/test_runtimes.py checks (with torch) that the stored outputs are still
what the torch definition computes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from duet.model import spec, weights
from duet.model.network_config import OUT_GAZE, OUT_HEAD, VARIATION_CHANNELS, NetworkConfig

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "model"

TINY = NetworkConfig(
    d_model=32,
    n_layers=2,
    encoder_blocks=1,
    n_heads=2,
    attn_dim=16,
    local_window=8,
    global_heads=2,
    global_dim=8,
    global_pool=5,
    n_latent=4,
    latent_stride=10,
    staging_residual=True,
)


def tiny_arrays(seed: int = 3) -> dict[str, np.ndarray]:
    """Random weights with every parameter (biases, tables, tags) away from its initial value."""
    _, arrays = weights.random_weights(TINY, seed=seed)
    rng = np.random.default_rng(seed)
    out = {}
    for name, a in arrays.items():
        if name == "feature_mean":
            out[name] = (rng.normal(size=a.shape) * 2.0 - 8.0).astype(np.float32)
        elif name == "feature_std":
            out[name] = rng.uniform(1.5, 3.0, size=a.shape).astype(np.float32)
        else:
            out[name] = (a + rng.normal(scale=0.15, size=a.shape)).astype(np.float32)
    # Head and gaze rows of the output layers scaled down so angles stay in the range a trained
    # network gives (tens of degrees, not hundreds): at 250 deg one float32 step is 1.5e-5 and
    # the x30 scale of the angle outputs turns summation-order noise into ~1e-4.
    pose_rows = list(range(OUT_HEAD.start, OUT_GAZE.stop))
    out["out.weight"][pose_rows] *= 0.25
    out["out.bias"][pose_rows] *= 0.25
    varied_pose = [i for i, c in enumerate(VARIATION_CHANNELS) if c in pose_rows]
    out["variation.out.weight"][varied_pose] *= 0.25
    out["variation.out.bias"][varied_pose] *= 0.25
    return out


def reference_inputs(seed: int = 11) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for tag, chans, t in (("mixed", 1, 53), ("stems", 2, 37)):
        out[f"{tag}_feats"] = (rng.normal(size=(chans, 2 * t, TINY.n_mels)) * 2.0 - 8.0).astype(np.float32)
        out[f"{tag}_cond"] = staging_like_conditioning(rng, t, TINY.cond_dim)
        out[f"{tag}_anchor"] = (rng.random(size=(t, 2, TINY.anchor_dim)) < 0.3).astype(np.float32)
        out[f"{tag}_latent"] = rng.normal(size=(t, 2, TINY.n_latent)).astype(np.float32)
    return out


def staging_like_conditioning(rng: np.random.Generator, t: int, cond_dim: int) -> np.ndarray:
    """Random conditioning in the range staging writes: angles within +-60 deg (/ ANGLE_SCALE),
    flags 0 or 1. (Unbounded normal draws gave 300-degree poses, where float32 rounding of the
    staged pose alone is ~1e-4 and would swamp the runtime comparison.)"""
    cond = rng.uniform(-0.67, 0.67, size=(t, 2, cond_dim))
    flags = [spec.COND_HEAD_ACTIVE, spec.COND_GAZE_ACTIVE, spec.COND_GAZE_PARTNER, spec.COND_GAZE_CAMERA]
    flags += [spec.COND_GAZE_DIRECTION, spec.COND_NOD, spec.COND_SHAKE]
    cond[..., flags] = rng.random(size=(t, 2, len(flags))) < 0.5
    return cond.astype(np.float32)


def torch_outputs(arrays: dict, inputs: dict) -> dict[str, np.ndarray]:
    from duet.model.torch_runtime import TorchRuntime

    rt = TorchRuntime(TINY, arrays, device="cpu")
    return {
        f"{tag}_torch_output": rt.run(*(inputs[f"{tag}_{k}"] for k in ("feats", "cond", "anchor", "latent")))
        for tag in ("mixed", "stems")
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    arrays = tiny_arrays()
    weights.save(OUT / "tiny_weights.npz", TINY, arrays, {"note": "random tiny network for tests"})
    inputs = reference_inputs()
    np.savez(OUT / "runtime_reference.npz", **inputs, **torch_outputs(arrays, inputs))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
