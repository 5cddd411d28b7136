#!/usr/bin/env bash
# Train the network with real voices mixed in (issue 13): the shipped recipe of tools/train_model.sh
# (the 300-minute synthetic corpus of seed 7, 3000 steps, training seed 0) plus a real-voice corpus
# (LibriSpeech train-clean-100 readers and Fish Fillets lines composed into conversations,
# docs/CORPUS.md "Real voices") that gives 30 % of the crops. It never writes assets/: a later
# session judges runs/real1 against the shipped model on the held-out rows before anything ships.
#
#   bash tools/train_real_voices.sh            # -> runs/real1 (re-running resumes from its checkpoint)
#   bash tools/train_real_voices.sh ablation   # -> runs/tts1: "TTS only" at the same budget (same code,
#                                              #    corpus, seed, steps and frames per step)
#   STEPS=600 RUN=runs/real600 bash tools/train_real_voices.sh   # a shorter equal-budget pair
#
# Everything runs under `nice -n 15` (the machine is shared). Corpora land in corpus/ and runs in
# runs/ (both git-ignored). Nothing is downloaded at run time except the Fish Fillets Debian packages,
# installed once with apt for training only (never copied into the project, never shipped).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
NICE=(nice -n "${NICENESS:-15}")
MODE=${1:-real}
CORPUS_MINUTES=300
CORPUS_SEED=7
STEPS=${STEPS:-3000}
REAL_MINUTES=${REAL_MINUTES:-150}
REAL_SHARE=${REAL_SHARE:-0.3}
ALIGNMENTS=corpus/real_alignments.json # pocketsphinx alignments of the LibriSpeech readings (cache)

case "$MODE" in
    real) RUN=${RUN:-runs/real1} ;;
    ablation) RUN=${RUN:-runs/tts1} ;;
    *)
        echo "usage: bash tools/train_real_voices.sh [real|ablation]" >&2
        exit 2
        ;;
esac

if [ ! -f corpus/full/manifest.json ]; then
    rm -rf corpus/full
    "${NICE[@]}" "$PY" -m duet.model.training corpus --out corpus/full --minutes "$CORPUS_MINUTES" \
        --seed "$CORPUS_SEED"
fi

REAL_ARGS=()
if [ "$MODE" = real ]; then
    if [ ! -d /usr/share/games/fillets-ng/sound ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "Fish Fillets is missing: run 'sudo apt-get install fillets-ng-data fillets-ng-data-cs" \
                "fillets-ng-data-nl' (training only), then this script again" >&2
            exit 2
        fi
        apt-get install -y --no-install-recommends fillets-ng-data fillets-ng-data-cs fillets-ng-data-nl
    fi
    if [ ! -f corpus/real/manifest.json ]; then
        rm -rf corpus/real
        "${NICE[@]}" "$PY" -m duet.model.training corpus --out corpus/real --minutes "$REAL_MINUTES" \
            --seed "$CORPUS_SEED" --real-voices 1 --fractions 0.95,0.05,0 --real-alignments "$ALIGNMENTS"
    fi
    REAL_ARGS=(--real-corpus corpus/real --real-share "$REAL_SHARE")
fi

"${NICE[@]}" "$PY" -m duet.model.training train --corpus corpus/full "${REAL_ARGS[@]}" --out "$RUN" \
    --steps "$STEPS" --export "$RUN/model.npz"
echo "done: $RUN/model.npz (not shipped; compare with the held-out evaluation before copying to assets/)"
