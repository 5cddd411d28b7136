"""The numpy and torch runtimes compute the same network (within 1e-4) from the same weights file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from duet.model import weights
from duet.model.errors import WeightsError
from duet.model.network_config import OUT_BLEND, OUT_SPEAKING, NetworkConfig
from duet.model.numpy_runtime import NumpyRuntime

DATA = Path(__file__).parent / "data" / "model"
TOLERANCE = 1e-4
INPUT_KEYS = ("feats", "cond", "anchor", "latent")


def _inputs(rng: np.random.Generator, cfg: NetworkConfig, chans: int, t: int) -> tuple[np.ndarray, ...]:
    return (
        (rng.normal(size=(chans, 2 * t, cfg.n_mels)) * 2.0 - 8.0).astype(np.float32),
        rng.normal(size=(t, 2, cfg.cond_dim)).astype(np.float32),
        (rng.random(size=(t, 2, cfg.anchor_dim)) < 0.3).astype(np.float32),
        rng.normal(size=(t, 2, cfg.n_latent)).astype(np.float32),
    )


def test_numpy_runtime_matches_stored_torch_outputs() -> None:
    """Runs without torch (numpy 2.x venv): outputs stored from the torch runtime."""
    w = weights.load(DATA / "tiny_weights.npz")
    rt = NumpyRuntime(w.config, w.arrays)
    with np.load(DATA / "runtime_reference.npz", allow_pickle=False) as ref:
        for tag in ("mixed", "stems"):
            out = rt.run(*(ref[f"{tag}_{k}"] for k in INPUT_KEYS))
            expected = ref[f"{tag}_torch_output"]
            assert out.shape == expected.shape
            assert out.dtype == np.float32
            assert float(np.max(np.abs(out - expected))) < TOLERANCE
            # The check has teeth: the outputs vary and are not saturated.
            assert float(out[..., OUT_BLEND].std()) > 0.05


def test_stored_reference_is_what_torch_computes_now() -> None:
    pytest.importorskip("torch")
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "tools"))
    from make_model_fixtures import torch_outputs

    w = weights.load(DATA / "tiny_weights.npz")
    with np.load(DATA / "runtime_reference.npz", allow_pickle=False) as ref:
        inputs = {k: ref[k] for k in ref.files if not k.endswith("_torch_output")}
        stored = {k: ref[k] for k in ref.files if k.endswith("_torch_output")}
    now = torch_outputs(w.arrays, inputs)
    for key, value in stored.items():
        assert (
            float(np.max(np.abs(now[key] - value))) < 1e-5
        ), f"{key}: regenerate with tools/make_model_fixtures.py"


@pytest.mark.parametrize("cross_attention", [True, False])
@pytest.mark.parametrize(("chans", "frames"), [(1, 1), (1, 97), (2, 61), (1, 620)])
def test_runtimes_agree_on_full_size_network(
    tmp_path: Path, cross_attention: bool, chans: int, frames: int
) -> None:
    pytest.importorskip("torch")
    from duet.model.torch_runtime import TorchRuntime

    cfg = NetworkConfig(cross_attention=cross_attention)
    _, arrays = weights.random_weights(cfg, seed=5)
    rng = np.random.default_rng(frames)
    # Move every parameter off its initial value (zero tables and tags would hide bugs).
    arrays = {k: (v + rng.normal(scale=0.05, size=v.shape)).astype(np.float32) for k, v in arrays.items()}
    arrays["feature_std"] = np.abs(arrays["feature_std"]) + 1.0
    path = tmp_path / "w.npz"
    weights.save(path, cfg, arrays)  # through the real export path
    w = weights.load(path)
    inputs = _inputs(rng, cfg, chans, frames)
    out_np = NumpyRuntime(w.config, w.arrays).run(*inputs)
    out_torch = TorchRuntime(w.config, w.arrays, device="cpu").run(*inputs)
    assert out_np.shape == (frames, 2, cfg.out_dim)
    assert float(np.max(np.abs(out_np - out_torch))) < TOLERANCE
    # The two roles differ (role embeddings), so a mix-up of the role axis would show.
    if frames > 1:
        assert float(np.abs(out_np[:, 0, OUT_SPEAKING] - out_np[:, 1, OUT_SPEAKING]).max()) > 1e-3


def test_weights_file_round_trip_and_provenance(tmp_path: Path) -> None:
    w = weights.load(DATA / "tiny_weights.npz")
    path = tmp_path / "m.npz"
    meta = weights.save(
        path, w.config, w.arrays, {"training_command": "python -m duet.model.training train ..."}
    )
    again = weights.load(path)
    assert again.config == w.config
    assert set(again.arrays) == set(w.arrays)
    for k in w.arrays:
        assert again.arrays[k].dtype == np.float32
        np.testing.assert_array_equal(again.arrays[k], w.arrays[k])
    info = json.loads(path.with_suffix(".json").read_text())
    assert info["sha256"] == weights.sha256_of(path) == meta["sha256"]
    assert info["training_command"].startswith("python -m duet.model.training train")


def test_damaged_or_missing_weights_are_reported(tmp_path: Path) -> None:
    w = weights.load(DATA / "tiny_weights.npz")
    path = tmp_path / "m.npz"
    weights.save(path, w.config, w.arrays)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        weights.load(path)
    with pytest.raises(WeightsError, match="not found"):
        weights.load(tmp_path / "nothing.npz")
    # Truncated, without its JSON (no sha256 to check first): still a clear WeightsError.
    cut = tmp_path / "cut.npz"
    weights.save(cut, w.config, w.arrays)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    cut.with_suffix(".json").unlink()
    with pytest.raises(WeightsError, match="could not be read"):
        weights.load(cut)
    bad = dict(w.arrays)
    bad["out.bias"] = np.full_like(bad["out.bias"], np.nan)
    with pytest.raises(WeightsError, match="NaN"):
        weights.save(tmp_path / "nan.npz", w.config, bad)


def test_weights_files_hold_no_pickles() -> None:
    for path in DATA.glob("*.npz"):
        with np.load(path, allow_pickle=False) as z:
            for key in z.files:
                assert z[key].dtype != object


def test_latent_reaches_only_the_freely_timed_channels() -> None:
    """Speaking and the mouth cannot depend on the take latent (it is inferred from the teacher's
    curves in training and must not carry who speaks or what the lips do)."""
    from duet.model.network_config import VARIATION_CHANNELS

    w = weights.load(DATA / "tiny_weights.npz")
    rt = NumpyRuntime(w.config, w.arrays)
    rng = np.random.default_rng(2)
    feats, cond, anchor, latent = _inputs(rng, w.config, 1, 40)
    a = rt.run(feats, cond, anchor, latent)
    b = rt.run(feats, cond, anchor, rng.normal(size=latent.shape).astype(np.float32))
    fixed = np.setdiff1d(np.arange(w.config.out_dim), VARIATION_CHANNELS)
    assert OUT_SPEAKING in fixed and spec_index("jawOpen") in fixed
    np.testing.assert_array_equal(a[..., fixed], b[..., fixed])
    assert float(np.abs(a[..., list(VARIATION_CHANNELS)] - b[..., list(VARIATION_CHANNELS)]).max()) > 1e-3


def spec_index(name: str) -> int:
    from duet.model import spec

    return spec.ARKIT_INDEX[name]


def test_lip_closure_output_seals_the_lips_in_both_runtimes() -> None:
    """A saturated closure channel gives aperture ~0 whatever the jaw; an open one leaves it open."""
    torch = pytest.importorskip("torch")
    from duet.model import numpy_runtime, torch_runtime
    from duet.model.network_config import CLOSURE_CHANNEL, JAW_CHANNEL
    from duet.model.training.teacher.visemes import lip_aperture

    cfg = NetworkConfig()
    rng = np.random.default_rng(4)
    raw = rng.normal(0.0, 1.5, size=(200, 52)).astype(np.float32)
    raw[:100, CLOSURE_CHANNEL] = 12.0  # sealed
    raw[100:, CLOSURE_CHANNEL] = -12.0  # open
    raw[:, JAW_CHANNEL] = np.linspace(-2.0, 2.0, 200, dtype=np.float32)
    b_np = numpy_runtime.blendshapes(raw, cfg)
    b_t = torch_runtime.blendshapes(torch.from_numpy(raw), cfg).numpy()
    assert np.max(np.abs(b_np - b_t)) < 1e-6
    assert np.all((b_np >= 0.0) & (b_np <= 1.0))
    aperture = lip_aperture(b_np)
    assert np.max(aperture[:100]) < 1e-3
    assert np.min(aperture[100:]) > 0.1
    assert np.allclose(b_np[100:, CLOSURE_CHANNEL], 0.0, atol=1e-4)
    # Without the switch the channel is plain ARKit mouthClose.
    plain = numpy_runtime.blendshapes(raw, NetworkConfig(lip_closure=False))
    assert np.allclose(plain[:100, CLOSURE_CHANNEL], 1.0, atol=1e-4)
