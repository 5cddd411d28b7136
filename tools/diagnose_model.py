"""Diagnostics behind the figures in docs/MODEL.md that the eval report does not print.

    .venv/bin/python tools/diagnose_model.py attribution    # who-speaks errors on the test mixes
    .venv/bin/python tools/diagnose_model.py gaze-holds     # eyes on commanded gaze targets
    .venv/bin/python tools/diagnose_model.py vad-margin     # the VAD noise margin on validation mixes

Each reads the corpus (corpus/full, built by tools/train_model.sh) and the shipped weights
unless --corpus / --weights say otherwise, and prints its figures.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from duet.model import generation, spec, weights, windowing
from duet.model.training import metrics
from duet.model.training.evaluate import _arrays, model_system, synthetic_clips

CLASSES = ("nobody", "A", "B", "both")


def attribution(clips: list, system) -> None:
    """Confusion of the who-speaks class (metrics.classes) on mixed tracks, and swapped takes."""
    confusion = np.zeros((4, 4))
    for clip in clips:
        perf = system(clip, False)
        speaking = np.stack([perf.speaking[r] for r in spec.ROLES], axis=1)
        n = min(len(speaking), len(clip.ref.speaking))
        truth = metrics.classes(clip.ref.speaking[:n])
        pred = metrics.classes(speaking[:n])
        swapped = metrics.classes(speaking[:n, ::-1])
        np.add.at(confusion, (truth, pred), 1)
        accuracy, accuracy_swapped = np.mean(pred == truth), np.mean(swapped == truth)
        if accuracy_swapped > accuracy:
            print(f"{clip.name}: roles swapped (accuracy {accuracy:.3f}, swapped {accuracy_swapped:.3f})")
    total = confusion.sum()
    print("rows: truth, columns: prediction (share of the row)")
    for i, name in enumerate(CLASSES):
        row = confusion[i] / max(1.0, confusion[i].sum())
        print(
            f"  {name:>6}: "
            + "  ".join(f"{CLASSES[j]} {row[j]:.3f}" for j in range(4))
            + f"  ({int(confusion[i].sum())} frames)"
        )
    wrong = {
        "one speaker taken for the other": confusion[1, 2] + confusion[2, 1],
        "overlap marked as one speaker": confusion[3, 1] + confusion[3, 2] + confusion[3, 0],
        "speech marked as nobody": confusion[1, 0] + confusion[2, 0],
        "silence marked as speech": confusion[0, 1:].sum(),
        "one speaker marked as both": confusion[1, 3] + confusion[2, 3],
    }
    print(f"wrong frames: {100 * (total - np.trace(confusion)) / total:.1f} % of {int(total)}")
    for what, count in wrong.items():
        print(f"  {what}: {100 * count / total:.1f} %")


def gaze_holds(clips: list, path: Path) -> None:
    """How far the world gaze (head + eyes) stays from a commanded target on gaze-held frames,
    with the take latent drawn from the prior (as generate() does) and with it at zero."""
    prior = generation.take_latent
    for label in ("prior latent", "zero latent"):
        if label == "zero latent":
            generation.take_latent = lambda n, cfg, seed: np.zeros((n, 2, cfg.n_latent), np.float32)
        try:
            system = model_system(path, "numpy")
            deviation, counts = [], []
            for clip in clips:
                perf = system(clip, False)
                counts.append(metrics.clip_counts(*_arrays(perf), clip.ref))
                cond = clip.ref.conditioning
                for r, role in enumerate(spec.ROLES):
                    held = cond[:, r, spec.COND_GAZE_ACTIVE] >= 1.0
                    head = perf.head[role][: len(held)][held].astype(np.float64)
                    gaze = perf.gaze[role][: len(held)][held].astype(np.float64)
                    target = cond[held, r][:, [spec.COND_GAZE_YAW, spec.COND_GAZE_PITCH]] * spec.ANGLE_SCALE
                    deviation += list(np.hypot(*(head[:, :2] + gaze - target).T))
        finally:
            generation.take_latent = prior
        pooled = metrics.pool(counts)
        print(
            f"{label}: gaze-held deviation median {np.median(deviation):.2f} deg, p90 "
            f"{np.percentile(deviation, 90):.2f} ({len(deviation)} frames); staged contact "
            f"{pooled['staged_contact_accuracy']:.3f}; listener->speaker {pooled['listener_at_speaker']:.3f}"
        )


def vad_margin(clips: list, path: Path) -> None:
    """Mixed-track attribution and leakage for VAD noise margins (off = no noise-floor test)."""
    chosen = windowing.NOISE_MARGIN_DB
    system = model_system(path, "numpy")
    try:
        for margin in (-math.inf, 4.0, 6.0, 10.0):
            windowing.NOISE_MARGIN_DB = margin
            pooled = metrics.pool([metrics.clip_counts(*_arrays(system(c, False)), c.ref) for c in clips])
            label = "off" if margin == -math.inf else f"{margin:g} dB"
            print(
                f"margin {label:>5}: attribution {pooled['speaker_attribution_accuracy']:.3f}, "
                f"leakage {pooled['cross_talk_leakage']:.3f}"
            )
    finally:
        windowing.NOISE_MARGIN_DB = chosen


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("report", choices=("attribution", "gaze-holds", "vad-margin"))
    parser.add_argument("--corpus", type=Path, default=Path("corpus/full"))
    parser.add_argument("--weights", type=Path, default=weights.DEFAULT_WEIGHTS)
    parser.add_argument("--split", default=None, help="corpus split (default: test; vad-margin: validation)")
    args = parser.parse_args()
    split = args.split or ("validation" if args.report == "vad-margin" else "test")
    clips = synthetic_clips(args.corpus, None, split)
    print(f"{args.report}: {len(clips)} {split} clips, weights {args.weights}")
    if args.report == "attribution":
        attribution(clips, model_system(args.weights, "numpy"))
    elif args.report == "gaze-holds":
        gaze_holds(clips, args.weights)
    else:
        vad_margin(clips, args.weights)


if __name__ == "__main__":
    main()
