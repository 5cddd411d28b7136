"""How well a voice print tells real voices apart on 1.6 s windows: a development set.

    nice -n 5 .venv/bin/python tools/probe_voiceprint.py [--weights runs/X/voiceprint.npz ...] [--teacher]

Takes the train-clean-100 readers that corpus/real never uses (tools/probe_overlaps.py
unseen_files: no voice print was trained on them) two by two, each pair's readings one after the
other as one take (a print is read against its take's own mean spectrum, so only prints of one
take are compared, as the role split compares them), prints the take's windows as generate()
does (voiceprint.take_windows, every 4th window: windows 1.6 s apart, none sharing a sample) and
scores every pair of windows of a take by cosine: one speaker or two. Prints the equal error
rate, the mean cosine of each kind and the share of different-speaker pairs above 0.86
(diarization.RESPLIT_PRINT_COS, what calls a split's voices alike). `--teacher` scores the GE2E
teacher the prints are distilled from on the same windows (training only: needs resemblyzer's
weights, as tools/train_voiceprint.sh installs).
The held-out readers (test-other) are not read here: they are the heldout command's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
WINDOW_STEP = 4  # every 4th window of voiceprint.HOP: 1.6 s apart
PAIR_GAP_S = 0.5  # silence between the two readings of a take


def takes(data: Path, corpus: Path) -> list[tuple[np.ndarray, np.ndarray, list[int], np.ndarray]]:
    """(audio, voiced model frames, printed window starts, each window's reader 0 / 1) of each take
    of two unseen readings: readers 0+1, 1+2, ... (each reader in two takes)."""
    from probe_overlaps import unseen_files

    from duet.model import features, voiceprint, windowing
    from duet.model.training import heldout_recordings as hr

    audio = [hr.read_flac(p) for p in unseen_files(data, corpus)]
    gap = np.zeros(int(PAIR_GAP_S * hr.SR), np.float32)
    out = []
    for i in range(len(audio) - 1):
        a, b = audio[i], audio[i + 1]
        x = np.concatenate([a, gap, b]).astype(np.float32)
        voiced = windowing.voiced_frames(x, features.n_model_frames(len(x)))
        _, _, starts = voiceprint.take_windows(features.log_mel(x), voiced)
        width = voiceprint.WINDOW * features.HOP
        # Windows wholly inside one reading.
        inside = [
            s
            for s in starts[::WINDOW_STEP]
            if s * features.HOP + width <= len(a) or s * features.HOP >= len(a) + len(gap)
        ]
        who = np.array([int(s * features.HOP >= len(a)) for s in inside])
        if (who == 0).sum() >= 2 and (who == 1).sum() >= 2:
            out.append((x, voiced, inside, who))
    return out


def student_vectors(prints, take) -> np.ndarray:
    from duet.model import features

    x, voiced, starts, _ = take
    vectors, window_starts = prints.prints(x, voiced)
    row = {int(s): i for i, s in enumerate(window_starts)}
    return vectors[[row[s // features.FRAMES_PER_MODEL_FRAME] for s in starts]]


def teacher_vectors(teacher, take) -> np.ndarray:
    from duet.model import features, voiceprint

    x, _, starts, _ = take
    width = voiceprint.WINDOW * features.HOP
    return teacher.embed_windows([x[s * features.HOP : s * features.HOP + width] for s in starts])


def score(name: str, per_take: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """per_take: (vectors, reader of each) of each take."""
    from duet.model import diarization
    from duet.model.training.speaker_verification import equal_error_rate

    same, different = [], []
    for vectors, who in per_take:
        cos = vectors @ vectors.T
        upper = np.triu(np.ones(cos.shape, dtype=bool), 1)
        same.append(cos[upper & (who[:, None] == who[None, :])])
        different.append(cos[upper & (who[:, None] != who[None, :])])
    same, different = np.concatenate(same), np.concatenate(different)
    eer, threshold = equal_error_rate(same, different)
    alike = float((different > diarization.RESPLIT_PRINT_COS).mean())
    print(
        f"{name}: EER {100 * eer:.1f}% at cos {threshold:.3f}; mean cos one speaker {same.mean():.3f}, "
        f"two {different.mean():.3f}; two speakers above {diarization.RESPLIT_PRINT_COS}: {100 * alike:.2f}%",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weights", type=Path, action="append", default=None, help="a voice print (repeat)")
    parser.add_argument("--teacher", action="store_true", help="also the GE2E teacher (training only)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "librispeech_voices")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "real", help="the real-voice corpus")
    args = parser.parse_args()
    from duet.model import voiceprint

    pairs = takes(args.data, args.corpus)
    print(f"{len(pairs)} takes of two unseen readers, {sum(len(t[2]) for t in pairs)} windows")
    for weights in args.weights or [voiceprint.DEFAULT_PATH]:
        name = str(weights.relative_to(ROOT)) if weights.is_relative_to(ROOT) else str(weights)
        prints = voiceprint.VoicePrint.load(weights)
        score(name, [(student_vectors(prints, t), t[3]) for t in pairs])
    if args.teacher:
        from duet.model.training.voice_teacher import Teacher

        teacher = Teacher()
        score("GE2E teacher", [(teacher_vectors(teacher, t), t[3]) for t in pairs])
    return 0


if __name__ == "__main__":
    sys.exit(main())
