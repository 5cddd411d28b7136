"""Byte-reproducible .npz files: the same arrays always give the same file bytes.

``numpy.savez`` stamps every member with the current time, so two runs with the
same seed would differ. This writer uses a fixed timestamp and a fixed member
order (the order given), and writes plain arrays only (object arrays are refused,
so ``np.load(..., allow_pickle=False)`` always reads the result).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_npz(path: Path, arrays: dict[str, np.ndarray], *, compress: bool = True) -> None:
    """Write `arrays` (name -> array) to `path` atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(tmp, "w", compression=method, compresslevel=1 if compress else None) as zf:
        for name, value in arrays.items():
            arr = np.asanyarray(value)
            if arr.dtype.hasobject:
                raise TypeError(f"array {name!r} holds Python objects; corpus shards hold plain arrays only")
            buf = io.BytesIO()
            if not arr.flags.c_contiguous:
                arr = arr.copy(order="C")  # (np.ascontiguousarray would turn a scalar into 1-d)
            np.lib.format.write_array(buf, arr, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compress_type=method, compresslevel=1 if compress else None)
    tmp.replace(path)


__all__ = ["write_npz"]
