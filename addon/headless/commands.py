"""Headless commands: ``duet bake`` (one shot from options) and the
``blender -c duet`` entry point the extension registers.

    blender -b -c duet bake --blend shot.blend --audio take.wav --staging staging.txt \\
        --script scene.txt --a Mara --b Theo --out shot_baked.blend [--srt] [--render DIR] [--json]
    blender -b -c duet batch jobs.toml [--shot NAME] [--list --json]
    python -m duet bake ...   /   python -m duet batch ...   (with the bpy module)

Both entry points parse with the same ``add_arguments`` and run the same
``run``: this module's for ``bake``, batch_runner's for ``batch``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import bpy

COMMAND_ID = "duet"
# name -> (module with add_arguments/run, help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "bake": (__name__, "bake one shot: voice-over + staging onto a .blend, saved as a new .blend"),
    "batch": (f"{__package__}.batch_runner", "bake (and render) every shot of a TOML job file"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from . import batch_runner as batch

    parser.description = "Bake one shot into a new .blend (the input is never overwritten)."
    parser.add_argument("--blend", required=True, type=Path, help="input .blend with the two characters")
    parser.add_argument(
        "--audio",
        required=True,
        nargs="+",
        metavar="FILE",
        help="voice-over: one file (mixed, or stereo stems) or two stem files A B",
    )
    parser.add_argument("--staging", metavar="FILE", help="staging text file (directions, one per line)")
    parser.add_argument(
        "--script",
        metavar="FILE",
        help="the dialogue's lines: script text, Fountain, .srt or .vtt (docs/SCRIPT.md)",
    )
    parser.add_argument(
        "--srt",
        nargs="?",
        const=True,
        metavar="FILE",
        help="write the script's lines as placed in the take as subtitles: beside --out as .srt, "
        "or to FILE (.srt or .vtt); needs --script",
    )
    parser.add_argument("--a", metavar="OBJECT", help="character A (default: the file's Duet pair)")
    parser.add_argument("--b", metavar="OBJECT", help="character B (default: the file's Duet pair)")
    parser.add_argument("--out", required=True, type=Path, help="output .blend (must not be an input)")
    parser.add_argument("--take", help="take name (default: the next free 'Take N')")
    parser.add_argument("--seed", type=int, default=None, help="take seed: other seeds give variations (0)")
    parser.add_argument(
        "--stems",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the voice-over is stems, one actor per channel/file (default: detect)",
    )
    parser.add_argument(
        "--roles",
        metavar="swap|first|A|B|START-END",
        help="who is who on a take without a script: 'first' (A is the first voice heard, the "
        "default), 'swap' (B is), 'A' or 'B' (the take holds one voice, that character's: a "
        "monologue), or START-END, the seconds of the audio in which A speaks (12.5-14)",
    )
    parser.add_argument(
        "--recognise-words",
        action="store_true",
        default=None,
        help="without a script: recognise English words in the audio and give the lips their "
        "phones where the recogniser is sure (slower: about 0.4 s per second of audio)",
    )
    parser.add_argument(
        "--network-lips",
        dest="read_lips",
        action="store_const",
        const=False,
        default=None,
        help="the network's own mouth instead of the lip reader's seals and lip shapes (the job key "
        "read_lips = false)",
    )
    parser.add_argument(
        "--no-overlaps",
        dest="hear_overlaps",
        action="store_const",
        const=False,
        default=None,
        help="mixed voice-over: one character speaks where the voice counter hears both at once, as "
        "the voices or the script say (the job key hear_overlaps = false)",
    )
    parser.add_argument("--fps", type=float, help="frame rate to bake at (default: the scene's)")
    parser.add_argument(
        "--weights",
        metavar="FILE",
        help="model weights .npz to generate with (default: the bundled assets/duet_model.npz)",
    )
    for role in ("a", "b"):
        parser.add_argument(
            f"--retarget-{role}",
            metavar="FILE",
            help=f"retarget map .json for character {role.upper()} (default: the one picked in the "
            ".blend's Duet panel, else detected from the shape-key names)",
        )
    render = parser.add_argument_group("render")
    render.add_argument("--render", type=Path, metavar="DIR", help="render the baked shot into DIR")
    render.add_argument(
        "--video", action="store_true", help="render an MP4 (with the voice-over) instead of PNG frames"
    )
    batch.add_render_override_arguments(parser)
    batch.add_run_arguments(parser)


def shot_values(args: argparse.Namespace) -> dict[str, object]:
    """The options as job-file keys, for the job file's own checks."""
    render = None
    if args.render is not None:
        render = {
            "dir": str(args.render),
            "format": "video" if args.video else "images",
            "engine": args.engine,
            "resolution": args.resolution,
            "frames": args.frames,
        }
        render = {k: v for k, v in render.items() if v is not None}
    return {
        "blend": str(args.blend),
        "audio": [str(a) for a in args.audio],
        "staging": args.staging,
        "script": args.script,
        "subtitles": args.srt,
        "a": args.a,
        "b": args.b,
        "out": str(args.out),
        "take": args.take,
        "seed": args.seed,
        "stems": args.stems,
        "roles": args.roles,
        "recognise_words": args.recognise_words,
        "read_lips": args.read_lips,
        "hear_overlaps": args.hear_overlaps,
        "fps": args.fps,
        "weights": args.weights,
        "retarget_a": args.retarget_a,
        "retarget_b": args.retarget_b,
        "render": render,
    }


def run(args: argparse.Namespace) -> int:
    from ...batch import jobfile
    from ...batch.checks import map_file_problem, staging_problems, weights_problem
    from ...batch.paths import resolve_path
    from ...batch.progress import BatchProgress
    from ...batch.summary import EXIT_USAGE, BatchSummary
    from ...batch.text_inputs import script_problems
    from . import batch_runner as batch

    overrides = [flag for flag in ("engine", "resolution", "frames", "video") if getattr(args, flag)]
    if overrides and args.render is None:
        sys.stderr.write(f"duet bake: --{overrides[0]} needs --render DIR\n")
        return EXIT_USAGE
    if args.output_root is not None:
        args.output_root = resolve_path(args.output_root, Path.cwd())
    check = jobfile.check_single_shot(
        shot_values(args),
        Path.cwd(),
        output_root=args.output_root,
        weights_check=weights_problem,
        retarget_check=map_file_problem,
        staging_check=staging_problems,
        script_check=script_problems,
    )
    with batch.stdout_for_json(args.json) as stdout:
        summary = BatchSummary(source=check.source)
        extra = batch.summary_path_problems(args, [p for s in check.shots for p in s.inputs()])
        if check.problems or extra:
            if check.problems:
                batch.print_problems(check, check.problems, sys.stderr)
            for text in extra:
                sys.stderr.write(f"duet bake: {text}\n")
            summary.problems = [str(p) for p in check.problems] + extra
            return batch.finish(summary, args, stdout, None, write_file=not extra)
        progress = BatchProgress(1, quiet=args.quiet)
        batch.run_shots(check.shots, summary, progress, stage="all", debug=args.debug)
        return batch.finish(summary, args, stdout, progress)


# ---------------------------------------------------------------------------- blender -c duet


def build_parser(prog: str = f"blender -c {COMMAND_ID}") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Duet: bake two-character dialogue headless. See docs/BATCH.md."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(SUBCOMMANDS) + "}")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub_parser = sub.add_parser(name, help=help_text)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(run=module.run)
    return parser


def cli_command(argv: list[str]) -> int:
    """The callback of ``blender -c duet ARGS``: returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse exits on --help and on bad options; Blender wants a code
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    run_command: Callable[[argparse.Namespace], int] = args.run
    return int(run_command(args) or 0)


_handle = None


def register() -> None:
    """Register ``blender -c duet``; keeps the handle so unregister can remove it."""
    global _handle
    if _handle is None:
        _handle = bpy.utils.register_cli_command(COMMAND_ID, cli_command)


def unregister() -> None:
    global _handle
    if _handle is not None:
        bpy.utils.unregister_cli_command(_handle)
        _handle = None
