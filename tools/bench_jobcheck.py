"""Benchmark: how long ``duet batch JOB --check`` takes for a large job, and a farm task's check.

    .venv/bin/python tools/bench_jobcheck.py                 # 5,000 shots
    .venv/bin/python tools/bench_jobcheck.py --shots 1000 --shared-staging

Writes a job of N shots as a studio lays one out: one .blend for all, an audio file and a
staging file (four directions, written with the characters' names) per shot, a pinned model
(key ``weights``), renders per shot. The input files are stand-ins (the check looks at their
paths and kinds, not inside audio or .blend files), except the staging files, which the
check parses, and the model, which it loads. Then runs, in this process, as
``blender -b -c duet batch`` would:

- ``duet batch JOB --check``: the whole job, every problem looked for;
- ``duet batch JOB --shot NAME --stage bake --check``: what a farm task checks before it bakes.

Prints each wall time, the CPU time of the process (what the check costs when other work
shares the machine) and the load average before.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="duet-bench-jobcheck-"))

ROOT = Path(__file__).resolve().parent.parent
STAGING = (
    "Mara faces Theo\n"
    "Theo looks at Mara from {a}s to {b}s\n"
    "at {c}s Mara nods twice\n"
    "Mara glances at the camera at {d}s\n"
)


def write_job(folder: Path, shots: int, shared_staging: bool, weights: Path) -> Path:
    (folder / "in" / "audio").mkdir(parents=True, exist_ok=True)
    (folder / "in" / "staging").mkdir(parents=True, exist_ok=True)
    (folder / "in" / "pair.blend").write_bytes(b"BLENDER stand-in")
    for i in range(shots):
        (folder / "in" / "audio" / f"sh{i:05d}.wav").write_bytes(b"RIFF stand-in")
        if not shared_staging or i == 0:
            name = "shared" if shared_staging else f"sh{i:05d}"
            # A different text for each shot: nothing is parsed once for many.
            a = 1 + i / 10000
            text = STAGING.format(a=f"{a:.4f}", b=f"{a + 2:.4f}", c=9 + i % 3, d=13 + i % 4)
            (folder / "in" / "staging" / f"{name}.txt").write_text(text, encoding="utf-8")
    staging = "in/staging/shared.txt" if shared_staging else "in/staging/{shot}.txt"
    lines = [
        "[defaults]",
        'blend = "in/pair.blend"',
        'audio = "in/audio/{shot}.wav"',
        f'staging = "{staging}"',
        'a = "Mara"',
        'b = "Theo"',
        'out = "out/{shot}.blend"',
        f"weights = {json.dumps(str(weights))}",
        'render = { dir = "out/renders/{shot}", resolution = "1280x720", engine = "workbench" }',
    ]
    lines += [f"[shots.sh{i:05d}]\nseed = {i}" for i in range(shots)]
    job = folder / "jobs.toml"
    job.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return job


def timed(argv: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds of this process, exit code, last line on stderr)."""
    from duet.addon.headless import commands

    err = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stderr(err):
        code = commands.cli_command(argv)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return wall, cpu, code, (err.getvalue().strip().splitlines() or [""])[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=5000)
    parser.add_argument(
        "--shared-staging", action="store_true", help="one staging file for every shot (parsed once)"
    )
    parser.add_argument("--weights", type=Path, help="the model the job pins (default: the bundled one)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()

    from duet.model import weights

    model = (args.weights or weights.DEFAULT_WEIGHTS).resolve()
    if not model.is_file():
        model = ROOT / "tests" / "data" / "model" / "tiny_weights.npz"
    folder = args.keep or Path(tempfile.mkdtemp(prefix="duet-bench-jobcheck-"))
    folder.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    job = write_job(folder, args.shots, args.shared_staging, model)
    setup_s = time.perf_counter() - t0

    import bpy

    from duet.addon.headless import commands

    commands.build_parser()  # imports the command modules, as Blender's start-up would
    whole = timed(["batch", str(job), "--check"])
    middle = f"sh{args.shots // 2:05d}"
    farm = timed(["batch", str(job), "--shot", middle, "--stage", "bake", "--check"])

    staging = "one file shared by every shot" if args.shared_staging else "one file per shot"
    print(f"duet batch --check benchmark: {args.shots} shots, staging {staging}")
    print(f"  Blender {bpy.app.version_string}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"  load average (1, 5, 15 min) before: {' '.join(f'{x:.1f}' for x in load_before)}")
    print(f"  model pinned: {model}")
    print(f"  set-up (writing the job and its files): {setup_s:.1f} s (not timed below)")
    # CPU time says what the check costs where other work shares the CPUs; on an idle
    # machine the wall time is close to it.
    for label, (wall, cpu, code, last) in (("whole job --check", whole), (f"farm task {middle}", farm)):
        print(f"  {label:>22}: {wall:6.2f} s wall, {cpu:6.2f} s CPU, exit {code}: {last}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if whole[2] == farm[2] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
