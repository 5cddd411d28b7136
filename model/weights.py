"""The weights file: one float32 .npz plus a JSON beside it (config, sha256, provenance).

Loading never unpickles (allow_pickle=False). The npz also carries its own
network config (as a unicode array), so it stays usable if the JSON is lost;
when the JSON is present its sha256 must match the npz.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import WeightsError
from .network_config import VARIATION_CHANNELS, NetworkConfig

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_WEIGHTS = ASSETS / "duet_model.npz"
CONFIG_KEY = "__config__"
FORMAT_VERSION = 1
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Weights:
    config: NetworkConfig
    arrays: dict[str, np.ndarray]
    path: Path | None = None
    info: dict | None = None  # the JSON beside the npz, when present

    @property
    def n_parameters(self) -> int:
        return int(sum(a.size for k, a in self.arrays.items() if k not in ("feature_mean", "feature_std")))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in blocks: the one file digest of the project (weights,
    corpus shards and manifests, alignment caches)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save(
    path: str | Path, config: NetworkConfig, arrays: dict[str, np.ndarray], info: dict | None = None
) -> dict:
    """Write path (.npz) and path.with_suffix('.json'); returns the JSON written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = {}
    for name, a in arrays.items():
        arr = np.asarray(a, dtype=np.float32)
        if not np.all(np.isfinite(arr)):
            raise WeightsError(f"weight {name} holds NaN or inf; the training diverged, do not export it")
        clean[name] = arr
    clean[CONFIG_KEY] = np.array(config.to_json())
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **clean)
    tmp.replace(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise WeightsError(f"{path} is {size / 1e6:.1f} MB, over the 20 MB limit; use a smaller network")
    meta = {
        "format_version": FORMAT_VERSION,
        "file": path.name,
        "sha256": sha256_of(path),
        "bytes": size,
        "config": json.loads(config.to_json()),
        "n_parameters": int(sum(a.size for k, a in clean.items() if k != CONFIG_KEY)),
    }
    meta.update(info or {})
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta


# The .npz is a zip archive: local file header, or the end record of an empty archive.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_REEXPORT = (
    "export it again with this version of Duet (`python -m duet.model.training train ... --export "
    "FILE.npz`, docs/MODEL.md), or use the bundled model"
)


def _fix_for(path: Path) -> str:
    if path.resolve() == DEFAULT_WEIGHTS.resolve():
        return "reinstall the Duet extension to restore its bundled model"
    return _REEXPORT


def _error(path: Path, problem: str, fix: str | None = None) -> WeightsError:
    """A WeightsError saying what is wrong with ``path`` and the fix. ``.problem`` holds the
    first part alone, for callers that give a fix of their own (the job file's key names)."""
    error = WeightsError(f"{problem}; {fix or _fix_for(path)}")
    error.problem = problem  # type: ignore[attr-defined]
    return error


def expected_shapes(config: NetworkConfig) -> dict[str, tuple[int, ...]]:
    """Every array a weights file for ``config`` holds, with its shape: the parameters and
    saved buffers of torch_runtime.DuetNet (a test keeps the two equal), written out so that
    load() can check a file without torch."""
    d, k = config.d_model, config.conv_kernel

    def conv(prefix: str) -> dict[str, tuple[int, ...]]:
        return {
            f"{prefix}.norm.weight": (d,),
            f"{prefix}.norm.bias": (d,),
            f"{prefix}.depthwise.weight": (d, 1, k),
            f"{prefix}.depthwise.bias": (d,),
            f"{prefix}.pointwise.weight": (d, d),
            f"{prefix}.pointwise.bias": (d,),
        }

    def linear(prefix: str, n_in: int, n_out: int, bias: bool = True) -> dict[str, tuple[int, ...]]:
        return {f"{prefix}.weight": (n_out, n_in), **({f"{prefix}.bias": (n_out,)} if bias else {})}

    def attention(prefix: str, dim: int) -> dict[str, tuple[int, ...]]:
        shapes = {f"{prefix}.norm.weight": (d,), f"{prefix}.norm.bias": (d,)}
        for part in ("query", "key", "value"):
            shapes |= linear(f"{prefix}.{part}", d, dim)
        return shapes | linear(f"{prefix}.out", dim, d)

    def ffn(prefix: str) -> dict[str, tuple[int, ...]]:
        return {
            f"{prefix}.norm.weight": (d,),
            f"{prefix}.norm.bias": (d,),
            **linear(f"{prefix}.up", d, config.ffn_mult * d),
            **linear(f"{prefix}.down", config.ffn_mult * d, d),
        }

    shapes: dict[str, tuple[int, ...]] = {
        "feature_mean": (config.n_mels,),
        "feature_std": (config.n_mels,),
        "front.weight": (d, config.n_mels, config.front_kernel),
        "front.bias": (d,),
        "role_embedding": (2, d),
        "mode_embedding": (2, d),
    }
    for i in range(config.encoder_blocks):
        shapes |= conv(f"encoder.{i}")
    shapes |= linear("voice", d, config.voice_dim)
    shapes |= linear("cond_proj", config.cond_dim, d)
    shapes |= linear("anchor_proj", config.anchor_dim, d, bias=False)
    for i in range(config.n_layers):
        shapes |= conv(f"layers.{i}.conv")
        if config.cross_attention:
            shapes |= attention(f"layers.{i}.cross", config.attn_dim)
            shapes[f"layers.{i}.cross.rel_bias"] = (config.n_heads, 2 * config.local_window + 1)
        shapes |= attention(f"layers.{i}.glob", config.global_dim)
        shapes[f"layers.{i}.glob.key_tag"] = (2, config.global_dim)
        shapes |= ffn(f"layers.{i}.ffn")
    shapes |= {"out_norm.weight": (d,), "out_norm.bias": (d,)}
    shapes |= linear("out", d, config.out_dim)
    shapes |= linear("variation.latent_proj", config.n_latent, d, bias=False)
    shapes |= conv("variation.conv")
    shapes |= ffn("variation.ffn")
    shapes |= {"variation.norm.weight": (d,), "variation.norm.bias": (d,)}
    shapes |= linear("variation.out", d, len(VARIATION_CHANNELS))
    return shapes


def _listed(names: list[str], most: int = 3) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _check_arrays(path: Path, config: NetworkConfig, arrays: dict[str, np.ndarray]) -> None:
    """The arrays are the network the file's config describes, as finite numbers; else a
    WeightsError that says which case it is."""
    expected = expected_shapes(config)
    missing = [name for name in expected if name not in arrays]
    if missing:
        raise _error(
            path,
            f"model weights '{path}' lack {_listed(missing)} of the {len(expected)} weights its network "
            "needs: the file is incomplete, or from another version of Duet",
        )
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise _error(
            path,
            f"model weights '{path}' hold {_listed(extra)}, which its network does not have: they come "
            "from another version of Duet's network",
        )
    for name, shape in expected.items():
        array = arrays[name]
        if array.dtype.kind not in "fiu":
            raise _error(path, f"model weights '{path}': '{name}' holds {array.dtype} values, not numbers")
        if tuple(array.shape) != shape:
            raise _error(
                path,
                f"model weights '{path}' are for another network: '{name}' is {tuple(array.shape)} where "
                f"the network in the file's config needs {shape} (arrays and config from different networks)",
            )
        if not np.all(np.isfinite(array)):
            raise _error(
                path,
                f"model weights '{path}': '{name}' holds NaN or infinite values, so every take would come "
                "out as NaN: the training that made it diverged, or the file was altered",
                None
                if path.resolve() == DEFAULT_WEIGHTS.resolve()
                else "export it again from a good checkpoint, or use the bundled model",
            )


def load(path: str | Path | None = None) -> Weights:
    """Read a weights file (default: the shipped assets/duet_model.npz). Every way a file can
    be unusable raises WeightsError (also a ValueError) naming the file, the case and the fix:
    missing, not an .npz, damaged or truncated, without its config, of another network or
    version, holding NaN."""
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    if not path.is_file():
        raise WeightsError(
            f"model weights not found at {path}; train them with "
            f"`python -m duet.model.training train --corpus DIR --out RUN_DIR --export {DEFAULT_WEIGHTS}` "
            f"(docs/MODEL.md) or pass weights=PATH"
        )
    info = None
    meta_path = path.with_suffix(".json")
    if meta_path.is_file():
        try:
            info = json.loads(meta_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise WeightsError(
                f"{meta_path} is not valid JSON ({exc}); restore it from the repository"
            ) from None
        if not isinstance(info, dict):
            raise WeightsError(
                f"{meta_path} is not the JSON Duet writes beside a model (an object with its sha256); "
                f"restore it from the same export as {path.name}, or remove it"
            )
        expected = info.get("sha256")
        if expected and expected != sha256_of(path):
            raise WeightsError(
                f"{path} does not match the sha256 in {meta_path.name}; the file is damaged or was replaced "
                f"without its JSON: restore both from the same export"
            )
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise _error(path, f"model weights '{path}' cannot be read ({exc.strerror or exc})") from None
    if head not in _ZIP_MAGIC:
        raise _error(
            path,
            f"{path} could not be read as a weights file (a Duet model is an .npz archive, and this "
            f"file is not one: it starts with {head!r})",
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k]) for k in data.files}
    except ValueError as exc:  # an object array: loading it would unpickle
        raise _error(
            path,
            f"model weights '{path}' hold Python objects ({exc}); Duet never loads those, and a Duet "
            "weights file has none: it is not one",
        ) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:  # truncated: BadZipFile
        raise _error(
            path,
            f"{path} could not be read as a weights file (it is damaged or truncated: {exc})",
            None
            if path.resolve() == DEFAULT_WEIGHTS.resolve()
            else "copy it again from where it was exported, or use the bundled model",
        ) from None
    if CONFIG_KEY not in arrays:
        raise _error(path, f"{path} has no network config; it is not a Duet weights file")
    try:
        config = NetworkConfig.from_dict(json.loads(str(arrays.pop(CONFIG_KEY))))
    except (ValueError, TypeError) as exc:
        raise _error(path, f"model weights '{path}': their network config cannot be used ({exc})") from None
    _check_arrays(path, config, arrays)
    arrays = {k: v.astype(np.float32, copy=False) for k, v in arrays.items()}
    return Weights(config, arrays, path, info)


def random_weights(config: NetworkConfig | None = None, seed: int = 0) -> tuple[NetworkConfig, dict]:
    """Freshly initialised weights (needs torch): for tests and benchmarks before training."""
    from . import torch_runtime

    config = config or NetworkConfig()
    net = torch_runtime.build(config, seed=seed)
    return config, {k: v.detach().cpu().numpy().astype(np.float32) for k, v in net.state_dict().items()}
