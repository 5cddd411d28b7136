"""Benchmark of the corpus generator: speed and teacher/turn-taking statistics beside their aims.

    nice -n 10 .venv/bin/python tools/bench_corpus.py [--minutes 5] [--seed 7] [--workers 2]

Same as `python -m duet.model.training measure` (model/training/measure_corpus.py).
"""

from __future__ import annotations

import sys

from duet.model.training.cli import main

if __name__ == "__main__":
    sys.exit(main(["measure", *sys.argv[1:]]))
