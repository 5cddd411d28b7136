"""``python -m duet demo --out DIR``: a fresh file with the dialogue pair, saved as
DIR/duet_demo.blend, and the preview renders beside it."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import bpy

from . import preview, stage


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="folder for duet_demo.blend and the preview PNGs")
    parser.add_argument("--cell", type=int, default=220, help="shape sheet cell size in pixels (default 220)")
    parser.add_argument("--width", type=int, default=640, help="stage render width (default 640)")


def build_demo(out: Path, cell: int = 220, width: int = 640) -> list[Path]:
    """Build the stage in an empty file, save it, render the previews. Returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    stage.build_dialogue_pair(scene)
    blend = out / "duet_demo.blend"
    blend.unlink(missing_ok=True)  # replace an older demo outright (no .blend1 backup beside it)
    # Saving a whole file has no data-API equivalent.
    bpy.ops.wm.save_as_mainfile(filepath=str(blend), check_existing=False, compress=True)
    return [blend, *preview.render_previews(scene, out, cell=cell, width=width)]


def run(args: argparse.Namespace) -> int:
    if args.cell < 32 or args.width < 64:
        print("error: --cell must be at least 32 and --width at least 64 pixels", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        paths = build_demo(Path(args.out), args.cell, args.width)
    except (OSError, ValueError) as exc:
        print(f"error: could not write the demo to {args.out}: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    print(f"demo done in {time.perf_counter() - started:.1f} s")
    return 0
