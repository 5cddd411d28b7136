"""Command line: ``python -m duet <command>`` (with the bpy module installed
for the commands that touch Blender data).

Each module named in COMMANDS defines ``add_arguments(parser)`` and
``run(args) -> int`` and is imported only when its command runs.
"""

from __future__ import annotations

import argparse
import importlib

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "duet.addon.headless.demo",
        "build the demo scene, save DIR/duet_demo.blend and render previews",
    ),
    "preview": (
        "duet.addon.headless.preview",
        "render the stage and the shape sheet of a .blend or a new pair",
    ),
    "bake": (
        "duet.addon.headless.commands",
        "bake one shot (voice-over, staging) into a new .blend; can render",
    ),
    "batch": (
        "duet.addon.headless.batch_runner",
        "bake and render every shot of a TOML job file (docs/BATCH.md)",
    ),
}


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the command line itself: numpy's matrix kernels chosen for this CPU first
        from . import blas

        blas.rerun_with_better_kernels()
    parser = argparse.ArgumentParser(prog="python -m duet")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    known, rest = parser.parse_known_args(argv)
    module = importlib.import_module(COMMANDS[known.command][0])
    cmd_parser = argparse.ArgumentParser(prog=f"python -m duet {known.command}")
    module.add_arguments(cmd_parser)
    return int(module.run(cmd_parser.parse_args(rest)) or 0)
