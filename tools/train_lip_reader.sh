#!/usr/bin/env bash
# Rebuild the lip reader (assets/duet_lip_reader.npz, model/lips/lip_reader.py): a mouth class per
# 50 fps frame, learned from the corpora's training splits (the synthetic corpus's phones and the
# real-voice corpus's LibriSpeech readers aligned by pocketsphinx; Fish Fillets gives its silences).
# Seeded; the features are cached in the run folder and re-running resumes from its checkpoint.
#
#   bash tools/train_lip_reader.sh          # ~1 min features + ~15 min training (~0.25 s a step) on 2 cores
#   RUN=runs/x bash tools/train_lip_reader.sh --steps 3000   # extra options go to the trainer
#
# Needs corpus/full (tools/train_model.sh) and corpus/real (tools/train_real_voices.sh) first.
# Writes runs/lr2 (the shipped reader: 128 channels, dilations 1,2,4,8,1,2, dropout 0.25, two
# masked stretches a crop, half the crops real, 4000 steps); assets/duet_lip_reader.npz is a copy
# of runs/lr2/lip_reader_4000.npz, chosen on the development readers (tools/probe_lip_reader.py)
# and shipped after the eval and heldout commands showed it better (docs/MODEL.md "The lip reader").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
RUN=${RUN:-runs/lr2}
bash tools/need_corpora.sh corpus/full corpus/real
nice -n "${NICENESS:-5}" "$PY" -m duet.model.training lip-reader --corpus corpus/full --real-corpus corpus/real \
    --out "$RUN" --steps 4000 --checkpoint-every 500 --real-share 0.5 --width 128 --dilations 1,2,4,8,1,2 \
    --dropout 0.25 --time-masks 2 "$@"
