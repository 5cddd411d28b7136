#!/usr/bin/env bash
# The ablations of docs/EVAL.md at an equal budget: the full network, no cross-speaker attention,
# no gaze reciprocity loss, each trained the same way for the same number of steps on the same
# corpus (tools/train_model.sh builds it and the shipped model first), then one evaluation
# report with the shipped model, the three ablation runs and the baselines side by side.
#
#   bash tools/ablations.sh          # ~3 x 12 min training + eval on 2 CPU cores
#
# Resumable: run it again and each run continues from its checkpoint. Writes runs/abl_*
# and docs/EVAL.md + docs/eval.json (replacing tools/train_model.sh's shipped-model-only report).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
STEPS=${ABLATION_STEPS:-600}

for spec in "full:" "nocross:--no-cross-attention" "nogaze:--no-gaze-loss"; do
    name=${spec%%:*}
    flag=${spec#*:}
    # shellcheck disable=SC2086  # $flag is one option or nothing
    "$PY" -m duet.model.training train --corpus corpus/full --out "runs/abl_$name" --steps "$STEPS" \
        $flag --export "runs/abl_$name/model.npz"
done
"$PY" -m duet.model.training eval --corpus corpus/full --real ../shared/eval/real \
    --model duet=assets/duet_model.npz --model "full-$STEPS=runs/abl_full/model.npz" \
    --model "no-cross-attention-$STEPS=runs/abl_nocross/model.npz" \
    --model "no-gaze-loss-$STEPS=runs/abl_nogaze/model.npz" --json docs/eval.json --markdown docs/EVAL.md
