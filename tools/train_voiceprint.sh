#!/usr/bin/env bash
# Rebuild the voice print (assets/duet_voiceprint.npz, model/voiceprint.py): distil the GE2E speaker
# encoder whose weights resemblyzer's PyPI wheel ships (training only: installed here without its
# dependencies, read with torch.load(weights_only=True), never shipped) on 1.6 s windows of the
# corpora's training splits. Seeded; re-running reuses the cut windows in the run folder.
#
#   bash tools/train_voiceprint.sh          # ~10 min window cutting + ~10 min training on 2 cores
#   RUN=runs/x bash tools/train_voiceprint.sh --steps 2000 --channels 64   # extra options go to the trainer
#
# Needs corpus/full (tools/train_model.sh) and corpus/real (tools/train_real_voices.sh) first.
# Writes runs/voiceprint4 (the shipped print: 128 channels, 90 windows a clip, 60,000 windows at
# most, 4000 steps); assets/duet_voiceprint.npz is a copy of runs/voiceprint4/voiceprint.npz, made
# after `python -m duet.model.training heldout` showed it better (docs/EVAL.md says how it was judged).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
RUN=${RUN:-runs/voiceprint4}
"$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('resemblyzer') is None)" \
    || "$PY" -m pip install --no-deps resemblyzer==0.1.4
bash tools/need_corpora.sh corpus/full corpus/real
nice -n "${NICENESS:-10}" "$PY" -m duet.model.training voiceprint --corpus corpus/full --corpus corpus/real \
    --out "$RUN" --windows 60000 --per-clip 90 --steps 4000 --channels 128 --relational 1.0 "$@"
