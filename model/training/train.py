"""`python -m duet.model.training train`: train the dual-stream network from corpus shards.

    python -m duet.model.training train --corpus corpus/full --out runs/main \
        --export assets/duet_model.npz

Resumable: RUN_DIR/checkpoint.pt (state dicts only, read back with
weights_only=True) is written every --checkpoint-every steps and when the
--max-minutes budget runs out; running the same command again continues from
it. Every step draws its crops from a generator seeded by (seed, step), so a
resumed run makes the same batches as an uninterrupted one. Losses go to
RUN_DIR/train_log.jsonl and the console. Uses CUDA when present.
At the end the network is exported (float32 npz + JSON; weights.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .. import spec
from ..network_config import NetworkConfig

PRIOR_LATENT_SHARE = 0.2
CROP_FRAMES = (300, 500, 800, 1200)  # 6-24 s crops; the batch size keeps frames per step constant


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", required=True, type=Path, help="corpus directory (train-*.npz, ...)")
    parser.add_argument(
        "--real-corpus",
        type=Path,
        default=None,
        help="a real-voice corpus (corpus --real-voices 1) to mix in; see --real-share",
    )
    parser.add_argument(
        "--real-share",
        type=float,
        default=0.3,
        help="share of crops drawn from --real-corpus (default 0.3; docs/CORPUS.md)",
    )
    parser.add_argument(
        "--cross-voice",
        type=float,
        default=0.5,
        help="weight of the voice-identity term across crops (real speakers; 0 = off)",
    )
    parser.add_argument("--out", required=True, type=Path, help="run directory (checkpoint, logs)")
    parser.add_argument("--export", type=Path, default=None, help="weights .npz to write at the end")
    parser.add_argument("--steps", type=int, default=3000, help="optimisation steps in all")
    parser.add_argument("--frames-per-step", type=int, default=4000, help="crop frames per batch (B x T)")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--warmup", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stems-share", type=float, default=0.3, help="share of batches in stems mode")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: all cores)")
    parser.add_argument("--device", default=None, help="cuda / cpu (default: cuda when present)")
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop after this long (checkpoint, and export what there is); the same command resumes",
    )
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--validate-every", type=int, default=250)
    parser.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--d-model", type=int, default=NetworkConfig.d_model)
    parser.add_argument("--layers", type=int, default=NetworkConfig.n_layers)
    parser.add_argument(
        "--no-cross-attention", action="store_true", help="ablation: streams do not see each other"
    )
    parser.add_argument("--no-gaze-loss", action="store_true", help="ablation: no gaze reciprocity loss")
    parser.add_argument(
        "--no-staging-residual",
        action="store_true",
        help="predict head and gaze outright, not as deviations from the staged pose (older networks)",
    )


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=Path(__file__).parent,
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _lr(step: int, total: int, base: float, warmup: int) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return base * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, p))))


def _to_tensors(batch, device) -> dict:
    import torch

    out = {}
    for key in batch.__dataclass_fields__:
        value = getattr(batch, key)
        if key == "pit" or np.issubdtype(value.dtype, np.integer):
            out[key] = torch.from_numpy(np.ascontiguousarray(value)).to(device)
        else:
            out[key] = torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)).to(device)
    return out


def run(args: argparse.Namespace) -> int:
    import torch

    from .. import torch_runtime, weights
    from .dataset import SPEAKING, Corpus, MixedCorpus, manifest_sha256
    from .losses import LossWeights, cross_voice_loss, total_loss, voice_loss
    from .posterior import Posterior, prior_latent

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(args.seed)
    np.random.seed(args.seed % (2**32))  # nothing should use it; pinned anyway

    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = out_dir / "checkpoint.pt"
    log_path = out_dir / "train_log.jsonl"
    cfg = NetworkConfig(
        d_model=args.d_model,
        n_layers=args.layers,
        cross_attention=not args.no_cross_attention,
        staging_residual=not args.no_staging_residual,
    )
    # Every option spelled out (defaults included), so the line reproduces the run.
    command = "python -m duet.model.training train " + _args_line(args)

    print(f"loading corpus {args.corpus} ...", flush=True)
    train = Corpus(args.corpus, "train")
    try:
        val = Corpus(args.corpus, "validation")
    except FileNotFoundError:
        val = None
    print(
        f"train: {len(train.clips)} clips, {train.seconds / 3600:.2f} h; "
        f"validation: {0 if val is None else len(val.clips)} clips",
        flush=True,
    )
    real_val = None
    if args.real_corpus is not None:
        if not 0.0 <= args.real_share <= 1.0:
            print(f"error: --real-share must be between 0 and 1 (got {args.real_share})", file=sys.stderr)
            return 2
        real_train = Corpus(args.real_corpus, "train")
        try:
            real_val = Corpus(args.real_corpus, "validation")
        except FileNotFoundError:
            real_val = None
        print(
            f"real voices: {len(real_train.clips)} clips, {real_train.seconds / 3600:.2f} h, "
            f"{args.real_share:.0%} of the crops",
            flush=True,
        )
        train = MixedCorpus(train, real_train, args.real_share)

    net = torch_runtime.build(cfg, seed=args.seed).to(device)
    post = Posterior(cfg).to(device)
    params = list(net.parameters()) + list(post.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    step, elapsed = 0, 0.0
    if ckpt_path.is_file() and not args.restart:
        state = torch.load(ckpt_path, map_location=device, weights_only=True)
        saved_cfg = NetworkConfig.from_dict(json.loads(state["config"]))
        if saved_cfg != cfg:
            print(
                f"error: {ckpt_path} was trained with a different network ({saved_cfg}); "
                f"use the same options or --restart",
                file=sys.stderr,
            )
            return 2
        net.load_state_dict(state["net"])
        post.load_state_dict(state["posterior"])
        opt.load_state_dict(state["optimizer"])
        step, elapsed = int(state["step"]), float(state["elapsed"])
        print(f"resumed from {ckpt_path} at step {step} ({elapsed / 60:.1f} min trained)", flush=True)
    else:
        mean, std = train.feature_stats(np.random.default_rng([args.seed, 7]))
        net.feature_mean.copy_(torch.from_numpy(mean))
        net.feature_std.copy_(torch.from_numpy(std))

    def save_checkpoint() -> None:
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save(
            {
                "config": cfg.to_json(),
                "net": net.state_dict(),
                "posterior": post.state_dict(),
                "optimizer": opt.state_dict(),
                "step": step,
                "elapsed": elapsed,
            },
            tmp,
        )
        os.replace(tmp, ckpt_path)

    lw = LossWeights()
    gaze_loss = not args.no_gaze_loss
    val_sets = []
    if val is not None:
        val_sets.append(("val", val, val.fixed_crops(16, 500)))
    if real_val is not None:
        val_sets.append(("valreal", real_val, real_val.fixed_crops(16, 500)))

    def validate() -> dict:
        from .dataset import collate

        net.eval()
        out: dict[str, float] = {}
        with torch.no_grad():
            for prefix, corpus, crops in val_sets:
                sums: dict[str, float] = {}
                for k in range(0, len(crops), 4):
                    group = crops[k : k + 4]
                    for stems in (False, True):
                        items = [corpus.crop(c, s, 500, stems, None) for c, s, st in group if st == stems]
                        if not items:
                            continue
                        b = _to_tensors(collate(items), device)
                        zero = torch.zeros(*b["cond"].shape[:3], cfg.n_latent, device=device)
                        raw, enc = net(b["feats"], b["cond"], b["anchor"], zero, return_encoding=True)
                        _, logs = total_loss(
                            raw, b, cfg, lw, torch.zeros((), device=device), gaze_loss=gaze_loss
                        )
                        trust = b["target_mask"][..., SPEAKING]
                        logs["voice"] = float(
                            voice_loss(enc, net.voice, b["speaking"], b["mask"], trust=trust).mean()
                        )
                        for key, v in logs.items():
                            sums[key] = sums.get(key, 0.0) + v * len(items)
                n = max(1, len(crops))
                out.update({f"{prefix}_{k}": v / n for k, v in sums.items()})
        net.train()
        return out

    net.train()
    t_last = time.perf_counter()
    started = time.perf_counter()
    budget = None if args.max_minutes is None else args.max_minutes * 60.0
    with open(log_path, "a", encoding="utf-8") as log:
        while step < args.steps:
            rng = np.random.default_rng([args.seed, step])
            stems = bool(rng.random() < args.stems_share)
            crop = int(rng.choice(CROP_FRAMES))
            bsz = max(2, args.frames_per_step // crop)
            batch = _to_tensors(train.sample(rng, bsz, crop, stems), device)
            gen = torch.Generator().manual_seed(int(args.seed) * 1_000_003 + step)
            for g in opt.param_groups:
                g["lr"] = _lr(step, args.steps, args.lr, args.warmup)
            z, kl = post(batch, generator=gen)
            # Some crops get a latent drawn from the prior, as at inference, so the network
            # stays sound on latents the posterior did not choose.
            use_prior = torch.from_numpy(rng.random(bsz) < PRIOR_LATENT_SHARE).to(device)
            z_prior = prior_latent(bsz, crop, cfg, gen).to(device)
            z = torch.where(use_prior[:, None, None, None], z_prior, z)
            raw, encoding = net(batch["feats"], batch["cond"], batch["anchor"], z, return_encoding=True)
            loss, logs = total_loss(raw, batch, cfg, lw, kl, gaze_loss=gaze_loss)
            trust = batch["target_mask"][..., SPEAKING]
            voice = voice_loss(encoding, net.voice, batch["speaking"], batch["mask"], trust=trust).mean()
            loss = loss + lw.voice * voice
            logs["voice"] = float(voice.detach())
            if args.real_corpus is not None and args.cross_voice > 0:
                # Real speakers across the crops of the batch (synthetic voices only within theirs).
                cross = cross_voice_loss(
                    encoding, net.voice, batch["speaking"], batch["mask"], batch["speaker"], trust=trust
                )
                loss = loss + args.cross_voice * cross
                logs["voice_cross"] = float(cross.detach())
            if not torch.isfinite(loss):
                print(f"step {step}: loss is not finite; stopping (last checkpoint kept)", file=sys.stderr)
                return 3
            opt.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = float(torch.nn.utils.clip_grad_norm_(params, 1.0))
            opt.step()
            step += 1
            now = time.perf_counter()
            elapsed += now - t_last
            t_last = now
            record = {
                "step": step,
                "lr": opt.param_groups[0]["lr"],
                "crop": crop,
                "batch": bsz,
                "stems": stems,
                "grad_norm": grad_norm,
                "elapsed_s": round(elapsed, 1),
                **logs,
            }
            if val_sets and (step % args.validate_every == 0 or step == args.steps):
                record.update(validate())
            log.write(json.dumps(record) + "\n")
            if step % args.log_every == 0 or step == 1 or "val_total" in record:
                log.flush()
                shown = " ".join(
                    f"{k}={record[k]:.4f}"
                    for k in (
                        "total",
                        "lip",
                        "aperture",
                        "closure",
                        "voice",
                        "voice_cross",
                        "speaking",
                        "head",
                        "staging",
                        "gaze",
                        "reciprocity",
                        "realism",
                        "kl",
                    )
                    if k in record
                )
                extra = (
                    f" val_total={record['val_total']:.4f} val_lip={record['val_lip']:.4f}"
                    if "val_total" in record
                    else ""
                )
                if "valreal_total" in record:
                    extra += (
                        f" valreal_speaking={record['valreal_speaking']:.4f}"
                        f" valreal_voice={record['valreal_voice']:.4f}"
                    )
                print(f"step {step}/{args.steps} {elapsed / 60:.1f} min {shown}{extra}", flush=True)
            if step % args.checkpoint_every == 0:
                save_checkpoint()
            if budget is not None and now - started >= budget and step < args.steps:
                save_checkpoint()
                print(
                    f"time budget reached at step {step} of {args.steps}; run the same command again "
                    f"to resume",
                    flush=True,
                )
                break
    save_checkpoint()
    if args.export is not None:
        arrays = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in net.state_dict().items()}
        info = {
            "training_command": command,
            "corpus": str(args.corpus),
            "corpus_manifest_sha256": manifest_sha256(args.corpus),
            "corpus_train_hours": round(train.seconds / 3600.0, 3),
            "steps": step,
            "planned_steps": args.steps,
            "finished": step >= args.steps,
            "training_minutes": round(elapsed / 60.0, 1),
            "seed": args.seed,
            "git_commit": _git_commit(),
            "torch_version": torch.__version__,
            "device": str(device),
            "native_fps": spec.NATIVE_FPS,
            "ablation": {"cross_attention": not args.no_cross_attention, "gaze_loss": gaze_loss},
        }
        if args.real_corpus is not None:
            info["real_corpus"] = str(args.real_corpus)
            info["real_corpus_manifest_sha256"] = manifest_sha256(args.real_corpus)
            info["real_share"] = args.real_share
        if val_sets:
            info["validation"] = {k: round(v, 5) for k, v in validate().items()}
        meta = weights.save(args.export, cfg, arrays, info)
        state = "" if step >= args.steps else f" (stopped at step {step} of {args.steps}: resumable)"
        print(
            f"exported {args.export}{state} ({meta['bytes'] / 1e6:.2f} MB, "
            f"{meta['n_parameters']} parameters, sha256 {meta['sha256'][:12]})",
            flush=True,
        )
    return 0


def _args_line(args: argparse.Namespace) -> str:
    parts = []
    for key, value in sorted(vars(args).items()):
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            if value:
                parts.append(flag)
        elif value is not None:
            parts.append(f"{flag} {shlex.quote(str(value))}")
    return " ".join(parts)
