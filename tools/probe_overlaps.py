"""The voice counter (model/voice_count.py) on development takes: how well it hears two voices at
once, and what leaving those frames unknown in the role anchor does to who-speaks.

    .venv/bin/python tools/probe_overlaps.py [--counter runs/voice_count/voice_count_3000.npz]
        [--thresholds 0.3,0.5,0.7] [--synthetic corpus/full]

Takes (none of them in a held-out row): the 19 two-voice conversations of tools/probe_voice_count.py
(LibriSpeech train-clean-100 readers composed as heldout.real_pairs composes them; the real-voice
corpus draws its conversations from most of these readers too, so these figures flatter a counter
trained on it); with --unseen CORPUS, --pairs conversations of the train-clean-100 readers that
CORPUS (the real-voice corpus, clips.jsonl) never uses, composed the same way with a breath or
line burst before every other one (the honest development set for anything trained on CORPUS);
with --synthetic, that corpus's validation mixes (A = the first to speak).

--singles instead reads single readings (one voice: every frame the counter calls two voices is a
false alarm) and prints, per reader, the share of voiced frames called two voices (P > each
threshold): the train-clean-100 readers that --unseen CORPUS never uses, and with --test-other the
held-out test-other readers (their first six readings; a diagnostic of the held-out rows, not a
development set). For each
take it runs what mix_roles.audio_roles runs before the counter (mix_roles._split_voices) and
then the network with the anchor as it is (`none`) and with the voiced frames whose
two-voice probability exceeds each threshold left unknown (mix_roles.overlap_unknown's rule).
Prints per set: who-speaks accuracy per threshold, and the counter's recall of frames where both
speak and its false alarms on frames where one speaks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))


def unseen_files(data: Path, corpus: Path) -> list[Path]:
    """The train-clean-100 readings whose readers `corpus` (clips.jsonl) never uses."""
    import json

    from duet.model.training import heldout_recordings as hr

    used = set()
    for line in (corpus / "clips.jsonl").read_text().splitlines():
        voices = json.loads(line)["voices"]
        used.update(v.split(":", 1)[1] for v in voices if v.startswith("librispeech:"))
    return [p for p in hr.train_clean_files(data) if p.stem.split("-")[0] not in used]


def unseen_pairs(data: Path, corpus: Path, n: int, seed: int = 2026) -> list:
    """n two-voice conversations (heldout.HeldoutDialogue) of train-clean-100 readers that `corpus`
    never uses, each reader in at most one (so n is at most half of them)."""
    from duet.model.training import heldout
    from duet.model.training import heldout_recordings as hr

    files = unseen_files(data, corpus)
    readers = []
    for k in np.random.default_rng(seed).permutation(len(files)):
        pieces = heldout.reading_pieces(hr.read_flac(files[k]), files[k].stem)
        if pieces["phrase"]:  # a reading without a pause-bounded phrase gives the composer nothing
            readers.append((files[k].stem, pieces))
    out = []
    for i in range(min(n, len(readers) // 2)):
        (a, pa), (b, pb) = readers[2 * i], readers[2 * i + 1]
        burst = heldout.BURST_KINDS[(i // 2) % len(heldout.BURST_KINDS)] if i % 2 else ""
        name = f"unseen-{i:02d}"
        out.append(heldout.compose_real_pair(name, "real_pairs", (pa, pb), (a, b), burst, seed, i, (20, 40)))
    return out


def singles(counter, data: Path, unseen: Path | None, test_other: bool, thresholds: list[float]) -> None:
    from duet.model import features, windowing
    from duet.model.training import heldout_recordings as hr

    sets: dict[str, dict[str, list[Path]]] = {}
    if unseen is not None:
        files = unseen_files(data, unseen)
        sets["unseen train-clean-100"] = {p.stem.split("-")[0]: [p] for p in files}
    if test_other:
        sets["test-other"] = {spk: paths[:6] for spk, paths in hr.test_other_files(data).items()}
    for name, readers in sets.items():
        rates = {th: [] for th in thresholds}
        for reader, paths in readers.items():
            called = {th: 0 for th in thresholds}
            voiced_total = 0
            for path in paths:
                x = hr.read_flac(path)
                voiced = windowing.voiced_frames(x, features.n_model_frames(len(x)))
                p2 = counter.two_voices(x, voiced)[voiced]
                voiced_total += len(p2)
                for th in thresholds:
                    called[th] += int((p2 > th).sum())
            cells = "  ".join(f"{th}: {called[th] / max(voiced_total, 1):.3f}" for th in thresholds)
            print(f"{name} {reader}: called two voices {cells}", flush=True)
            for th in thresholds:
                rates[th].append(called[th] / max(voiced_total, 1))
        for th in thresholds:
            r = np.array(rates[th])
            print(
                f"== {name}: {len(r)} readers, threshold {th}: mean {r.mean():.4f}, worst {r.max():.3f}, "
                f"readers above 5 % {int((r > 0.05).sum())}"
            )


def takes(
    data: Path, synthetic: Path | None, unseen: Path | None, pairs: int
) -> dict[str, list[tuple[str, np.ndarray, np.ndarray]]]:
    from probe_role_split import synthetic_takes
    from probe_voice_count import dev_pairs

    out = {}
    if unseen is not None:
        out["unseen"] = [(d.name, d.audio16k, d.truth) for d in unseen_pairs(data, unseen, pairs)]
    else:
        out["real"] = [(d.name, d.audio16k, d.truth) for d in dev_pairs(data)]
    if synthetic is not None:
        out["synthetic"] = synthetic_takes(synthetic)
    return out


def take_figures(rt, cfg, counter, x: np.ndarray, truth: np.ndarray, thresholds: list[float]) -> dict:
    from duet.model import features, generation, mix_roles, spec, windowing

    n = features.n_model_frames(len(x))
    voiced = windowing.voiced_frames(x, n)
    log_mel = features.log_mel(x)
    seed = windowing.first_voice_anchor(x, n, role=0)
    anchor, report = mix_roles._split_voices(rt, x, n, seed, log_mel, voiced, True)
    m = min(n, len(truth))
    t = truth[:m]
    tf = features.stream_features(x, 0, n)
    cond = np.zeros((n, 2, cfg.cond_dim), np.float32)
    latent = generation.take_latent(n, cfg, 0)
    both, alone = t[:, 0] & t[:, 1], t[:, 0] ^ t[:, 1]
    fig = {"frames": m, "both": int(both.sum()), "alone": int(alone.sum())}
    for th in [None, *thresholds]:
        a = anchor
        if th is not None and report["voices"] == 2:
            a, flag = mix_roles.overlap_unknown(anchor, x, voiced, log_mel, counter=counter, threshold=th)
            fig[f"recall {th}"] = int((flag[:m] & both).sum())
            fig[f"false {th}"] = int((flag[:m] & alone).sum())
        y = windowing.run_windows(rt, x, n, cond, a, latent, take_features=tf)
        perf = generation._performance(y, spec.NATIVE_FPS)
        said = np.stack([perf.speaking[r] for r in spec.ROLES], 1)[:m] > 0.5
        fig[f"right {th or 'none'}"] = int(((said[:, 0] == t[:, 0]) & (said[:, 1] == t[:, 1])).sum())
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counter", type=Path, default=ROOT / "assets" / "duet_voice_count.npz")
    parser.add_argument("--thresholds", default="0.3,0.5,0.7")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "librispeech_voices")
    parser.add_argument("--synthetic", type=Path, default=None, help="a corpus: its validation mixes too")
    parser.add_argument("--unseen", type=Path, default=None, help="a real-voice corpus: avoid its readers")
    parser.add_argument("--pairs", type=int, default=20, help="conversations with --unseen")
    parser.add_argument("--singles", action="store_true", help="false alarms on single readings instead")
    parser.add_argument(
        "--test-other", action="store_true", help="with --singles: the test-other readers too"
    )
    parser.add_argument("--weights", type=Path, default=ROOT / "assets" / "duet_model.npz")
    args = parser.parse_args(argv)
    from duet.model import generation
    from duet.model.voice_count import VoiceCounter

    thresholds = [float(t) for t in args.thresholds.split(",")]
    counter = VoiceCounter.load(args.counter)
    if args.singles:
        singles(counter, args.data, args.unseen, args.test_other, thresholds)
        return 0
    w, rt = generation.get_runtime("numpy", args.weights)
    for name, items in takes(args.data, args.synthetic, args.unseen, args.pairs).items():
        total: dict[str, int] = {}
        for take, x, truth in items:
            fig = take_figures(rt, w.config, counter, x, truth, thresholds)
            for k, v in fig.items():
                total[k] = total.get(k, 0) + v
            n = fig["frames"]
            cells = "  ".join(f"{th}: {fig[f'right {th}'] / n:.3f}" for th in ["none", *thresholds])
            print(f"{name} {take}: who-speaks {cells}", flush=True)
        print(f"== {name}: {len(items)} takes, both speak on {total['both'] / total['frames']:.3f} of frames")
        for th in ["none", *thresholds]:
            line = f"   threshold {th}: who-speaks {total[f'right {th}'] / total['frames']:.4f}"
            if th != "none":
                heard = total[f"recall {th}"] / max(total["both"], 1)
                false = total[f"false {th}"] / max(total["alone"], 1)
                line += f", two voices heard where both speak {heard:.3f}, where one does {false:.4f}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
