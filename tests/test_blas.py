"""numpy's matrix kernels: the generic ones OpenBLAS falls back to on a CPU it does not know are
replaced by the CPU's own for `python -m duet` (blas.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from duet import blas

AVX512_FLAGS = frozenset(
    {"sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}
)
AVX2_FLAGS = frozenset({"sse3", "avx", "avx2", "fma"})
DUET = ["/usr/bin/python3", "-m", "duet", "bake", "--voice", "a.wav"]


@pytest.mark.parametrize(
    ("core", "flags", "want"),
    [
        ("Prescott", AVX512_FLAGS, "SkylakeX"),
        ("Prescott", AVX2_FLAGS, "Haswell"),
        ("Nehalem", AVX2_FLAGS, "Haswell"),
        ("Prescott", frozenset({"sse3"}), None),  # an old CPU: its generic kernels are its best
        ("SkylakeX", AVX512_FLAGS, None),  # OpenBLAS knew the CPU
        ("Haswell", AVX512_FLAGS, None),
        ("Zen", AVX2_FLAGS, None),
        (None, AVX512_FLAGS, None),  # another BLAS
    ],
)
def test_only_a_generic_core_on_a_cpu_with_better_kernels_is_replaced(core, flags, want):
    assert blas.better_core(core, flags) == want


def test_cpu_flags_are_read_from_cpuinfo_text():
    text = (
        "processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu sse3 avx2 fma\n\nprocessor\t: 1\nflags\t: fpu\n"
    )
    assert blas.cpu_flags(text) == frozenset({"fpu", "sse3", "avx2", "fma"})
    assert blas.cpu_flags("processor: 0\n") == frozenset()


def test_the_rerun_sets_the_core_once_and_only_for_duet_command_lines():
    env = {"PATH": "/usr/bin"}
    child = blas.rerun_environment(env, "Prescott", AVX512_FLAGS, DUET)
    assert child == {"PATH": "/usr/bin", "OPENBLAS_CORETYPE": "SkylakeX", blas.RERUN_FLAG: "1"}
    assert blas.rerun_environment(child, "Prescott", AVX512_FLAGS, DUET) is None  # never twice
    assert blas.rerun_environment({"OPENBLAS_CORETYPE": "Haswell"}, "Prescott", AVX512_FLAGS, DUET) is None
    assert blas.rerun_environment(env, "SkylakeX", AVX512_FLAGS, DUET) is None
    # Blender, pytest, a script importing duet: their command lines are not re-run.
    for argv in (
        ["blender", "-b", "--python", "job.py"],
        ["python", "-m", "pytest"],
        ["python", "x.py", "-m", "d"],
    ):
        assert not blas.run_as_duet(argv)
        assert blas.rerun_environment(env, "Prescott", AVX512_FLAGS, argv) is None
    assert blas.run_as_duet(["python", "-X", "dev", "-m", "duet"])


@pytest.mark.skipif(sys.platform != "linux", reason="the loaded library is found in /proc")
def test_the_loaded_core_is_named_where_numpy_uses_openblas():
    name = blas.core_name()  # loads numpy, hence its BLAS
    if blas.loaded_openblas() is not None:
        assert isinstance(name, str) and name
    else:
        assert name is None


@pytest.mark.blender
@pytest.mark.skipif(sys.platform != "linux", reason="the re-run is Linux only")
def test_python_m_duet_runs_once_with_the_cores_it_should_have(tmp_path: Path):
    """The command line as users type it; the re-run (where this machine needs one) prints once."""
    probe = tmp_path / "sitecustomize.py"  # reports the environment the command really ran in
    probe.write_text(
        "import atexit, os\n"
        "atexit.register(lambda: print('CORETYPE=' + os.environ.get('OPENBLAS_CORETYPE', '-')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", blas.RERUN_FLAG)}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "duet", "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("usage: python -m duet") == 1
    want = blas.better_core(blas.core_name(), blas.cpu_flags()) or "-"
    assert proc.stdout.strip().splitlines()[-1] == f"CORETYPE={want}"
