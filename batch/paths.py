"""Path safety for batch outputs: never write over an input, stay inside an
output root when one is given. Paths are compared after resolving symlinks
and ``..``; existing files are also compared by identity (hard links)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path


class FolderCache:
    """Resolved folders, remembered for one check of a job: the shots of a job share a
    few folders, and resolving a path looks at every folder on the way (an lstat each).
    A path is then its folder, resolved once, plus its name, resolved only when it is a
    link. Works on strings (pathlib's parsing cost more than the look-ups in a 5,000-shot
    job). Keep one for one check: folders can change between checks."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        return Path(self.resolve_text(os.fspath(path)))

    def resolve_text(self, path: str) -> str:
        folder, name = os.path.split(path)
        if not os.path.isabs(path) or name in ("", ".", ".."):
            return os.path.realpath(path)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        leaf = os.path.join(real, name)
        return os.path.realpath(leaf) if os.path.islink(leaf) else leaf


def resolve_path(value: str | os.PathLike[str], base: Path, cache: FolderCache | None = None) -> Path:
    """``value`` relative to ``base`` (``~`` expanded), symlinks and ``..`` resolved.
    Raises ValueError (a NUL in the path) or OSError (a name the system refuses)."""
    text = os.path.expanduser(os.fspath(value))
    if cache is not None:
        return cache.resolve(os.path.join(base, text))  # join keeps an absolute text as it is
    path = Path(text)
    if not path.is_absolute():
        path = base / path
    return path.resolve(strict=False)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file: equal once resolved, or the same
    inode when both exist (a hard link to an input is still the input)."""
    if a.resolve(strict=False) == b.resolve(strict=False):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path`` lies in ``root`` (or is it), both resolved."""
    return path.resolve(strict=False).is_relative_to(root.resolve(strict=False))


def folder_problem(folder: Path) -> str | None:
    """Why Duet could not write files into ``folder`` (creating it as needed), or None:
    the nearest folder on the way that exists must be a folder Duet may write in. Checked
    before any shot runs, so a read-only output folder is not found after the model ran."""
    existing = folder
    while True:
        try:
            mode = os.stat(existing).st_mode
            break
        except (FileNotFoundError, NotADirectoryError):
            if existing.parent == existing:
                return None
            existing = existing.parent
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return f"cannot write in '{folder}': '{existing}' cannot be read ({reason})"
    if not stat.S_ISDIR(mode):
        return f"cannot write in '{folder}': '{existing}' is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return (
            f"cannot write in '{folder}': '{existing}' is read-only for this user; "
            "choose a folder you can write in, or make it writable"
        )
    return None


class InputIndex:
    """Every input of a job, indexed so that asking whether an output is one of them
    costs a dictionary look-up, not a pass over all inputs (a job of 5,000 shots has
    some 15,000 inputs and 10,000 outputs)."""

    def __init__(self, inputs: Iterable[Path], cache: FolderCache | None = None) -> None:
        self.cache = cache or FolderCache()
        self._by_path: dict[str, Path] = {}
        self._by_inode: dict[tuple[int, int], Path] = {}
        for source in dict.fromkeys(inputs):  # a .blend shared by every shot is looked at once
            try:
                self._by_path.setdefault(self.cache.resolve_text(os.fspath(source)), source)
                stat = os.stat(source)
            except (OSError, ValueError):  # missing, or a path the system refuses: reported elsewhere
                continue
            self._by_inode.setdefault((stat.st_dev, stat.st_ino), source)

    def find(self, output: Path) -> Path | None:
        """The input that ``output`` would overwrite, or None."""
        try:
            found = self._by_path.get(self.cache.resolve_text(os.fspath(output)))
            if found is not None:
                return found
            stat = os.stat(output)  # a hard link (or another path) to an input
        except (OSError, ValueError):
            return None
        return self._by_inode.get((stat.st_dev, stat.st_ino))

    def inside(self, output: Path, root: Path) -> bool:
        """Whether ``output`` lies in ``root`` (or is it), both resolved."""
        try:
            path, folder = (self.cache.resolve_text(os.fspath(p)) for p in (output, root))
        except (OSError, ValueError):
            return is_inside(output, root)
        return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def output_problems(output: Path, inputs: Iterable[Path] | InputIndex, output_root: Path | None) -> list[str]:
    """What is wrong with writing ``output``, as sentences (empty: safe). Pass an
    InputIndex when checking many outputs against the same inputs."""
    problems = []
    index = inputs if isinstance(inputs, InputIndex) else InputIndex(inputs)
    source = index.find(output)
    if source is not None:
        problems.append(
            f"output '{output}' is an input ({source}): Duet never overwrites its inputs; "
            "choose another output path"
        )
    if output_root is not None and not index.inside(output, output_root):
        problems.append(
            f"output '{output}' is outside the output root '{output_root.resolve(strict=False)}': "
            "write it inside the root, or change --output-root"
        )
    return problems
