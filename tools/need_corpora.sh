#!/usr/bin/env bash
# The training scripts' shared check: exit 2, naming how to build it, when a corpus they read is
# missing. Run from the repository root.
#
#   bash tools/need_corpora.sh corpus/full corpus/real
set -euo pipefail
for corpus in "$@"; do
    if [ ! -f "$corpus/manifest.json" ]; then
        echo "$corpus is missing: build it first (tools/train_model.sh, tools/train_real_voices.sh)" >&2
        exit 2
    fi
done
