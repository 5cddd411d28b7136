"""Which matrix kernels numpy's OpenBLAS runs, and a better choice where it misjudges the CPU.

OpenBLAS picks its kernels from the CPU's model number. The OpenBLAS inside numpy 1.26 (Blender
4.5's) does not know recent Xeons (Emerald Rapids, on cloud machines) and falls back to its
Prescott kernels (SSE3, 2004): on the 2-core build machine its matrix products ran at 30-56
GFLOPS against 150-190 with the AVX-512 kernels the CPU has, and a 60 s take took 0.77 s against
0.46-0.54 s (docs/MODEL.md, "Speed"). Setting OPENBLAS_CORETYPE before numpy loads picks the
right ones. `python -m duet` does this for itself (cli.main runs itself again, once, with it
set); Blender's own numpy loads before any add-on, so there only the user can set it.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import sys
from pathlib import Path

# Cores OpenBLAS falls back to when it does not know a CPU: none uses AVX2.
GENERIC_CORES = frozenset(
    {
        "prescott",
        "katmai",
        "coppermine",
        "northwood",
        "banias",
        "core2",
        "penryn",
        "dunnington",
        "nehalem",
        "atom",
        "sandybridge",
    }
)
AVX512 = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})
AVX2 = frozenset({"avx2", "fma"})
ENV = "OPENBLAS_CORETYPE"
RERUN_FLAG = "DUET_BLAS_CHECKED"  # set on the re-run: never re-run twice
_CORENAME_SYMBOLS = (
    "openblas_get_corename",
    "openblas_get_corename64_",
    "scipy_openblas_get_corename64_",
    "scipy_openblas_get_corename",
)


def loaded_openblas() -> Path | None:
    """The OpenBLAS library this process has loaded (Linux: /proc/self/maps), or None."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.split()[-1] if line.strip() else ""
                if "openblas" in Path(path).name.lower():
                    return Path(path)
    except OSError:
        return None
    return None


def core_name() -> str | None:
    """The kernel family numpy's OpenBLAS chose ("SkylakeX", "Haswell", "Prescott", ...), or None
    when it cannot be told (another BLAS, another system). Loads numpy."""
    import numpy  # noqa: F401  (loads OpenBLAS)

    path = loaded_openblas()
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(str(path))
    except OSError:
        return None
    for symbol in _CORENAME_SYMBOLS:
        fn = getattr(lib, symbol, None)
        if fn is not None:
            fn.restype = ctypes.c_char_p
            name = fn()
            return name.decode("ascii", "replace").strip() if name else None
    return None


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The first CPU's feature flags from /proc/cpuinfo (or the text given); empty elsewhere."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return frozenset()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def better_core(core: str | None, flags: frozenset[str]) -> str | None:
    """The OPENBLAS_CORETYPE to run instead of `core`, or None when `core` is fine (or unknown)."""
    if core is None or core.lower() not in GENERIC_CORES:
        return None
    if AVX512.issubset(flags):
        return "SkylakeX"
    if AVX2.issubset(flags):
        return "Haswell"
    return None


def rerun_with_better_kernels() -> None:
    """Replace this process by itself with OPENBLAS_CORETYPE set, once, where numpy's OpenBLAS
    runs generic kernels on a CPU that has AVX2 or AVX-512 (Linux, `python -m duet ...`; the
    command line is run again as it was). Returns (does nothing) when no re-run is needed."""
    if sys.platform != "linux":
        return
    argv = list(getattr(sys, "orig_argv", ()))
    child = rerun_environment(dict(os.environ), core_name(), cpu_flags(), argv)
    if child is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *argv[1:]], child)


def rerun_environment(
    env: dict[str, str], core: str | None, flags: frozenset[str], argv: list[str]
) -> dict[str, str] | None:
    """The environment to run `python -m duet` again in, or None when it need not be."""
    if ENV in env or RERUN_FLAG in env or not run_as_duet(argv):
        return None
    better = better_core(core, flags)
    if better is None:
        return None
    return {**env, ENV: better, RERUN_FLAG: "1"}


def run_as_duet(argv: list[str]) -> bool:
    """Whether a command line is `python [options] -m duet ...` (not Blender, not a test run)."""
    return any(a == "-m" and b == "duet" for a, b in itertools.pairwise(argv))


__all__ = [
    "better_core",
    "core_name",
    "cpu_flags",
    "loaded_openblas",
    "rerun_environment",
    "rerun_with_better_kernels",
    "run_as_duet",
]
