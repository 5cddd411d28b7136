#!/usr/bin/env bash
# Rebuild the bundled weights from nothing: the corpus, the training run, the export, and the
# evaluation report. Every step is seeded; the same command resumes an interrupted run.
#
#   bash tools/train_model.sh            # ~7 min corpus + ~55 min training on 2 CPU cores
#
# Writes corpus/full (1.1 GB, git-ignored), runs/main (checkpoint, logs, export), assets/duet_model.npz
# (+ .json) and docs/EVAL.md (+ docs/eval.json).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
CORPUS_MINUTES=300
CORPUS_SEED=7
STEPS=3000

if [ ! -f corpus/full/manifest.json ]; then
    rm -rf corpus/full
    "$PY" -m duet.model.training corpus --out corpus/full --minutes "$CORPUS_MINUTES" --seed "$CORPUS_SEED"
fi
"$PY" -m duet.model.training train --corpus corpus/full --out runs/main --steps "$STEPS" \
    --export runs/main/model.npz
cp runs/main/model.npz assets/duet_model.npz
cp runs/main/model.json assets/duet_model.json
"$PY" -m duet.model.training eval --corpus corpus/full --real ../shared/eval/real \
    --model duet=assets/duet_model.npz --json docs/eval.json --markdown docs/EVAL.md
