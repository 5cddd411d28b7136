"""Weights files that cannot run: each case named, with the file and the fix, as a
WeightsError (also a ValueError) from weights.load, generate() and the job check alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from duet.model import generation, weights
from duet.model.errors import WeightsError
from duet.model.network_config import NetworkConfig

TINY = Path(__file__).parent / "data" / "model" / "tiny_weights.npz"
REEXPORT = "export it again with this version of Duet"


def tiny_arrays() -> dict[str, np.ndarray]:
    with np.load(TINY, allow_pickle=False) as data:
        return {k: np.array(data[k]) for k in data.files}


def with_nan(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    front = arrays["front.weight"].copy()
    front[0, 0, 0] = np.nan
    return {**arrays, "front.weight": front}


# name -> (the arrays written with np.savez, or raw bytes; what the message must say)
CASES = {
    # It was blamed on a version mismatch ("do not fit this version of Duet's network").
    "nan": (with_nan, "'front.weight' holds NaN or infinite values"),
    # These showed numpy's and a KeyError's own text and raised ValueError / KeyError in the API.
    "another_network": (
        lambda a: {**a, "out.weight": np.zeros((a["out.weight"].shape[0], 7), np.float32)},
        "are for another network: 'out.weight' is (58, 7) where the network in the file's config needs",
    ),
    "missing_tensor": (
        lambda a: {k: v for k, v in a.items() if k != "front.weight"},
        "lack 'front.weight' of the 106 weights its network needs",
    ),
    "extra_tensor": (
        lambda a: {**a, "layers.9.new.weight": np.zeros(3, np.float32)},
        "hold 'layers.9.new.weight', which its network does not have",
    ),
    "text_values": (lambda a: {**a, "out.bias": np.array(["x"] * 58)}, "'out.bias' holds <U1 values"),
    # This was reported as "pickled data".
    "random_bytes": (
        np.random.default_rng(7).bytes(4096),
        "could not be read as a weights file (a Duet model is an .npz archive",
    ),
    "truncated": (
        TINY.read_bytes()[:3000],
        "could not be read as a weights file (it is damaged or truncated",
    ),
    "python_objects": ({"x": np.array([{"a": 1}], dtype=object)}, "hold Python objects"),
    "no_config": ({"scores": np.zeros(3)}, "has no network config; it is not a Duet weights file"),
}


def write_case(folder: Path, name: str) -> Path:
    content, _ = CASES[name]
    path = folder / f"{name}.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        arrays = content(tiny_arrays()) if callable(content) else content
        np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_unusable_file_says_what_is_wrong_with_the_file_and_the_fix(tmp_path: Path, name: str) -> None:
    path = write_case(tmp_path, name)
    with pytest.raises(WeightsError) as raised:
        weights.load(path)
    message = str(raised.value)
    assert str(path) in message and CASES[name][1] in message, message
    assert "pickled" not in message and "version mismatch" not in message
    assert message.rstrip().endswith("use the bundled model"), message  # the fix
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, RuntimeError)
    # The API raises the documented WeightsError too, before any audio is looked at.
    with pytest.raises(WeightsError, match=CASES[name][1].replace("(", r"\(").replace(")", r"\)")):
        generation.generate(np.zeros(16000, np.float32), 16000, runtime="numpy", weights=path)


def test_the_job_check_names_a_diverged_model_not_a_version_mismatch(tmp_path: Path) -> None:
    from duet.batch.checks import WEIGHTS_FIX, weights_problem

    problem = weights_problem(write_case(tmp_path, "nan"))
    assert problem is not None and "holds NaN or infinite values" in problem
    assert "do not fit this version" not in problem
    assert problem.endswith(WEIGHTS_FIX) and REEXPORT not in problem  # one fix, the job's


def test_the_shipped_and_test_models_pass_the_checks() -> None:
    for path in (TINY, weights.DEFAULT_WEIGHTS):
        if path.is_file():
            loaded = weights.load(path)
            assert set(loaded.arrays) == set(weights.expected_shapes(loaded.config))


@pytest.mark.parametrize(
    "config",
    [
        NetworkConfig(),
        NetworkConfig(cross_attention=False, d_model=32, n_layers=2, encoder_blocks=1, ffn_mult=3),
        NetworkConfig(n_heads=4, attn_dim=32, local_window=8, global_dim=16, n_latent=4, voice_dim=8),
    ],
)
def test_expected_shapes_are_the_torch_networks(config: NetworkConfig) -> None:
    torch_runtime = pytest.importorskip("duet.model.torch_runtime")
    net = torch_runtime.build(config)
    assert weights.expected_shapes(config) == {k: tuple(v.shape) for k, v in net.state_dict().items()}
