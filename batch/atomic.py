"""Atomic file output: a file appears complete at its final path or not at all.

Writers get a temporary path in the destination folder (same file system, so
``os.replace`` is an atomic rename); it is flushed to disk and renamed over the
final path only after the writer returned. If the writer raises, or the
process is interrupted (Ctrl-C), the temporary file is removed and whatever
was at the final path before is left as it was. A process killed outright
(SIGKILL, power loss) may leave a hidden temporary file behind, never a
half-written final file; ``remove_stale_temps`` tidies those up.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_MARK = ".duet-tmp-"
# A temporary file untouched for this long belongs to no running writer.
STALE_AFTER_S = 600.0


class AtomicWriteError(OSError):
    """The writer finished without producing the file it was given."""


def temp_path_for(final: Path) -> Path:
    """A hidden, unique sibling of ``final`` that keeps its suffix (writers such
    as Blender's save check the extension)."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return final.with_name(f".{final.name}{TEMP_MARK}{token}{final.suffix}")


def is_temp_path(path: Path) -> bool:
    return path.name.startswith(".") and TEMP_MARK in path.name


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable; folders cannot be opened on Windows."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_into_place(tmp: Path, final: Path) -> None:
    """Flush ``tmp`` and rename it over ``final`` (the commit step)."""
    fsync_file(tmp)
    os.replace(tmp, final)
    fsync_dir(final.parent)


@contextmanager
def atomic_output(final: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``final``.

    The destination folder is created if needed.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(final)
    try:
        yield tmp
        if not tmp.is_file():
            raise AtomicWriteError(f"the writer produced no file at {tmp} for {final}")
        replace_into_place(tmp, final)
    except BaseException:  # KeyboardInterrupt too: never leave the temporary file
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(final: Path, data: bytes) -> None:
    with atomic_output(final) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(final: Path, text: str) -> None:
    atomic_write_bytes(final, text.encode("utf-8"))


def stale_temps(final: Path, *, older_than_s: float = STALE_AFTER_S, now: float | None = None) -> list[Path]:
    """Temporary files left for ``final`` by writers that were killed."""
    final = Path(final)
    if not final.parent.is_dir():
        return []
    now = time.time() if now is None else now
    found = []
    for path in final.parent.glob(f".{final.name}{TEMP_MARK}*"):
        try:
            if now - path.stat().st_mtime >= older_than_s:
                found.append(path)
        except FileNotFoundError:  # its writer just finished or cleaned up
            continue
    return sorted(found)


def remove_stale_temps(final: Path, *, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    removed = []
    for path in stale_temps(final, older_than_s=older_than_s):
        try:
            if path.is_dir():  # a render's frame folder
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            continue
    return removed
