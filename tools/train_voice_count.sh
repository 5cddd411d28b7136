#!/usr/bin/env bash
# Rebuild the voice counter (assets/duet_voice_count.npz, model/voice_count.py): the lip reader's
# network (model/frame_classifier.py) trained to say, per frame of a mix, whether nobody, one voice
# or two voices at once speak, on the corpora's training splits (the synthetic corpus and the
# real-voice conversations, half the crops each). Seeded; re-running resumes from the run folder.
#
#   bash tools/train_voice_count.sh          # ~1 min features + ~4 min training on 2 cores
#
# Needs corpus/full (tools/train_model.sh) and corpus/real (tools/train_real_voices.sh) first.
# Writes runs/voice_count; assets/duet_voice_count.npz is a copy of runs/voice_count/voice_count.npz,
# made after tools/probe_overlaps.py (development takes) and `python -m duet.model.training heldout`
# showed it better (docs/MODEL.md "The voice counter").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
RUN=${RUN:-runs/voice_count}
bash tools/need_corpora.sh corpus/full corpus/real
nice -n "${NICENESS:-5}" "$PY" -m duet.model.training lip-reader --labels voices --corpus corpus/full \
    --real-corpus corpus/real --real-share 0.5 --out "$RUN" --steps 3000 --checkpoint-every 500 \
    --width 64 --dilations 1,2,4,8,1,2 --dropout 0.1 --export "$RUN/voice_count.npz" "$@"
