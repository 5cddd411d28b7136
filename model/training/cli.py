"""Command line of the training package: one subcommand per module.

Each module named in SUBCOMMANDS defines ``add_arguments(parser)`` and
``run(args) -> int``; it is imported only when its subcommand runs, so a
missing optional dependency of one command never breaks the others.
"""

from __future__ import annotations

import argparse
import importlib

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "corpus": ("duet.model.training.corpus_cli", "synthesise the dialogue corpus into shards"),
    "plot": ("duet.model.training.plot_clip", "draw one clip's audio, phones and teacher curves"),
    "measure": ("duet.model.training.measure_corpus", "print corpus speed and teacher statistics"),
    "train": ("duet.model.training.train", "train the dual-stream model"),
    "eval": ("duet.model.training.evaluate", "evaluate a model and write the report"),
    "script-ami": ("duet.model.training.eval_script", "write the AMI excerpt's machine-recognised script"),
    "heldout": ("duet.model.training.heldout_eval", "held-out voices, real voices, role swaps, speaker EER"),
    "lip-reader": ("duet.model.training.lip_reader_train", "train the lip reader (a mouth class per frame)"),
    "voiceprint": ("duet.model.training.voiceprint_train", "distil the voice print from the GE2E teacher"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m duet.model.training")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_module, help_text) in SUBCOMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    known, rest = parser.parse_known_args(argv)
    module = importlib.import_module(SUBCOMMANDS[known.command][0])
    cmd_parser = argparse.ArgumentParser(prog=f"python -m duet.model.training {known.command}")
    module.add_arguments(cmd_parser)
    return int(module.run(cmd_parser.parse_args(rest)) or 0)
