"""Validation losses of weights files on a real-voice corpus's validation split (readers and
Fish Fillets levels no training saw): the figures train.py logs as valreal_*, for any model.

    .venv/bin/python tools/real_voice_val.py --corpus corpus/real \
        --model shipped=assets/duet_model.npz --model real1=runs/real1/model.npz

Per model: speaking BCE (who speaks, trusted everywhere on real clips), the within-crop voice
loss (one voice's frames alike, two voices apart), the lip losses on the frames whose lips are
trusted, and the speaking accuracy (frames where the thresholded output matches the truth; the
crops carry validation's dense role anchors, which say much of it) and the same without any
anchor (the network alone; roles free, the better of the two orders), over
the same fixed crops (16 of 10 s, a quarter in stems mode) as training's validation. The same
crops and latents for every model, so rows compare.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def evaluate(model: Path, corpus_dir: Path, crops: int) -> dict[str, float]:
    import torch

    from duet.model import torch_runtime, weights
    from duet.model.network_config import OUT_SPEAKING
    from duet.model.training.dataset import SPEAKING, Corpus, collate
    from duet.model.training.losses import LossWeights, total_loss, voice_loss
    from duet.model.training.train import _to_tensors

    w = weights.load(model)
    net = torch_runtime.from_arrays(w.config, w.arrays).eval()
    val = Corpus(corpus_dir, "validation")
    sums: dict[str, float] = {}
    n = 0
    correct = frames = correct_free = 0.0
    with torch.no_grad():
        for clip, start, stems in val.fixed_crops(crops, 500):
            b = _to_tensors(collate([val.crop(clip, start, 500, stems, None)]), torch.device("cpu"))
            zero = torch.zeros(*b["cond"].shape[:3], w.config.n_latent)
            raw, enc = net(b["feats"], b["cond"], b["anchor"], zero, return_encoding=True)
            _, logs = total_loss(raw, b, w.config, LossWeights(), torch.zeros(()))
            trust = b["target_mask"][..., SPEAKING]
            logs["voice"] = float(voice_loss(enc, net.voice, b["speaking"], b["mask"], trust=trust).mean())
            for key in ("speaking", "voice", "lip", "aperture", "closure"):
                sums[key] = sums.get(key, 0.0) + logs[key]
            said = (raw[..., OUT_SPEAKING] > 0) == (b["speaking"] > 0.5)
            m = b["mask"][..., None].expand_as(said)
            correct += float((said.float() * m).sum())
            frames += float(m.sum())
            # Without any anchor the network alone decides who speaks (roles free: the better order).
            free = net(b["feats"], torch.zeros_like(b["cond"]), torch.zeros_like(b["anchor"]), zero)
            out_free = free[..., OUT_SPEAKING] > 0
            truth = b["speaking"] > 0.5
            best = max(
                float(((out_free == truth).float() * m).sum()),
                float(((out_free == truth.flip(-1)).float() * m).sum()),
            )
            correct_free += best
            n += 1
    out = {k: v / max(n, 1) for k, v in sums.items()}
    out["speaking_accuracy"] = correct / max(frames, 1.0)
    out["no_anchor_accuracy"] = correct_free / max(frames, 1.0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus/real"))
    parser.add_argument("--model", action="append", required=True, help="NAME=weights.npz (repeatable)")
    parser.add_argument("--crops", type=int, default=16)
    args = parser.parse_args()
    rows = []
    for item in args.model:
        name, _, path = item.partition("=")
        rows.append((name, evaluate(Path(path or name), args.corpus, args.crops)))
    keys = ("speaking", "speaking_accuracy", "no_anchor_accuracy", "voice", "lip", "aperture", "closure")
    print("| model | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, r in rows:
        print(f"| {name} | " + " | ".join(f"{r[k]:.4f}" for k in keys) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
