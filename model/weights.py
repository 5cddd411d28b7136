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
from .network_config import NetworkConfig

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


def load(path: str | Path | None = None) -> Weights:
    """Read a weights file (default: the shipped assets/duet_model.npz)."""
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
        expected = info.get("sha256")
        if expected and expected != sha256_of(path):
            raise WeightsError(
                f"{path} does not match the sha256 in {meta_path.name}; the file is damaged or was replaced "
                f"without its JSON: restore both from the same export"
            )
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k]) for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:  # truncated: BadZipFile
        raise WeightsError(f"{path} could not be read as a weights file ({exc})") from None
    if CONFIG_KEY not in arrays:
        raise WeightsError(f"{path} has no network config; it is not a Duet weights file")
    try:
        config = NetworkConfig.from_dict(json.loads(str(arrays.pop(CONFIG_KEY))))
    except (ValueError, TypeError) as exc:
        raise WeightsError(f"{path}: {exc}") from None
    arrays = {k: v.astype(np.float32, copy=False) for k, v in arrays.items()}
    return Weights(config, arrays, path, info)


def random_weights(config: NetworkConfig | None = None, seed: int = 0) -> tuple[NetworkConfig, dict]:
    """Freshly initialised weights (needs torch): for tests and benchmarks before training."""
    from . import torch_runtime

    config = config or NetworkConfig()
    net = torch_runtime.build(config, seed=seed)
    return config, {k: v.detach().cpu().numpy().astype(np.float32) for k, v in net.state_dict().items()}
