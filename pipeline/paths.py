"""Path safety for batch outputs: never write over an input, stay inside an
output root when one is given. Paths are compared after resolving symlinks
and ``..``; existing files are also compared by identity (hard links)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def resolve_path(value: str | os.PathLike[str], base: Path) -> Path:
    """``value`` relative to ``base`` (``~`` expanded), symlinks and ``..`` resolved."""
    path = Path(os.path.expanduser(os.fspath(value)))
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


def output_problems(output: Path, inputs: Iterable[Path], output_root: Path | None) -> list[str]:
    """What is wrong with writing ``output``, as sentences (empty: safe)."""
    problems = []
    for source in inputs:
        if same_file(output, source):
            problems.append(
                f"output '{output}' is an input ({source}): Duet never overwrites its inputs; "
                "choose another output path"
            )
            break
    if output_root is not None and not is_inside(output, output_root):
        problems.append(
            f"output '{output}' is outside the output root '{output_root.resolve(strict=False)}': "
            "write it inside the root, or change --output-root"
        )
    return problems
