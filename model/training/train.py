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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start the network from these exported weights (a fine-tune: fresh optimiser and "
        "posterior, the weights' feature statistics); ignored when resuming from a checkpoint",
    )
    parser.add_argument(
        "--freeze-encoder",
        action="store_true",
        help="keep the shared encoder and the voice head as --init has them, so the voice vectors "
        "(and the roles diarization draws from them) stay those of --init",
    )
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


# Losses shown on the console line, in this order (all of them go to the log).
CONSOLE_LOSSES = (
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


@dataclass
class _Training:
    """What the steps of one run share: the network, its posterior, the optimiser and the losses."""

    cfg: NetworkConfig
    device: Any
    net: Any
    post: Any
    params: list
    opt: Any
    lw: Any
    gaze_loss: bool
    val_sets: list = field(default_factory=list)  # (log prefix, corpus, fixed crops)


def run(args: argparse.Namespace) -> int:
    import torch

    from .. import torch_runtime
    from .losses import LossWeights
    from .posterior import Posterior

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

    corpora = _load_corpora(args)
    if isinstance(corpora, int):
        return corpora
    train, val, real_val = corpora

    net = torch_runtime.build(cfg, seed=args.seed).to(device)
    if args.init is not None:
        failed = _init_from(args.init, cfg, net)
        if failed is not None:
            return failed
    if args.freeze_encoder:
        if args.init is None:
            print("error: --freeze-encoder needs --init (the weights whose encoder to keep)", file=sys.stderr)
            return 2
        print(f"encoder and voice head frozen ({freeze_encoder(net)} values)", flush=True)
    post = Posterior(cfg).to(device)
    params = [p for p in net.parameters() if p.requires_grad] + list(post.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    tr = _Training(cfg, device, net, post, params, opt, LossWeights(), not args.no_gaze_loss)
    progress = _resume_or_start(args, tr, train, ckpt_path)
    if isinstance(progress, int):
        return progress
    step, elapsed = progress
    if val is not None:
        tr.val_sets.append(("val", val, val.fixed_crops(16, 500)))
    if real_val is not None:
        tr.val_sets.append(("valreal", real_val, real_val.fixed_crops(16, 500)))

    ended = _train_loop(args, tr, train, log_path, ckpt_path, step, elapsed)
    if isinstance(ended, int):
        return ended
    step, elapsed = ended
    _save_checkpoint(ckpt_path, tr, step, elapsed)
    if args.export is not None:
        _export(args, tr, train, command, step, elapsed)
    return 0


def _load_corpora(args: argparse.Namespace):
    """(train, validation or None, real-voice validation or None); an exit code on bad options."""
    from .dataset import Corpus, MixedCorpus

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
    return train, val, real_val


# The parts that make the voice vectors (torch_runtime.DuetNet.voice_embeddings).
ENCODER_PARTS = ("front", "encoder", "voice")


def _init_from(path: Path, cfg: NetworkConfig, net) -> int | None:
    """Load exported weights into `net`; an exit code when the file is unusable or of another
    network."""
    from .. import torch_runtime, weights

    try:
        loaded = weights.load(path)
    except weights.WeightsError as exc:
        print(f"error: --init: {exc}", file=sys.stderr)
        return 2
    if loaded.config != cfg:
        print(
            f"error: --init {path} holds a different network ({loaded.config}); pass the same "
            f"--d-model / --layers / ablation options it was trained with",
            file=sys.stderr,
        )
        return 2
    net.load_state_dict(torch_runtime.from_arrays(cfg, loaded.arrays).state_dict())
    print(f"network initialised from {path} (sha256 {weights.sha256_of(path)[:12]})", flush=True)
    return None


def freeze_encoder(net) -> int:
    """Stop gradients into the shared encoder and the voice head; the number of frozen values."""
    frozen = 0
    for name in ENCODER_PARTS:
        for p in getattr(net, name).parameters():
            p.requires_grad_(False)
            frozen += p.numel()
    return frozen


def _resume_or_start(args: argparse.Namespace, tr: _Training, train, ckpt_path: Path):
    """(step, elapsed seconds) read back from the checkpoint, or (0, 0.0) with the feature
    statistics of a fresh run; an exit code when the checkpoint is of another network."""
    import torch

    if ckpt_path.is_file() and not args.restart:
        state = torch.load(ckpt_path, map_location=tr.device, weights_only=True)
        saved_cfg = NetworkConfig.from_dict(json.loads(state["config"]))
        if saved_cfg != tr.cfg:
            print(
                f"error: {ckpt_path} was trained with a different network ({saved_cfg}); "
                f"use the same options or --restart",
                file=sys.stderr,
            )
            return 2
        tr.net.load_state_dict(state["net"])
        tr.post.load_state_dict(state["posterior"])
        tr.opt.load_state_dict(state["optimizer"])
        step, elapsed = int(state["step"]), float(state["elapsed"])
        print(f"resumed from {ckpt_path} at step {step} ({elapsed / 60:.1f} min trained)", flush=True)
        return step, elapsed
    if args.init is None:  # a fine-tune keeps the statistics its weights were trained with
        mean, std = train.feature_stats(np.random.default_rng([args.seed, 7]))
        tr.net.feature_mean.copy_(torch.from_numpy(mean))
        tr.net.feature_std.copy_(torch.from_numpy(std))
    return 0, 0.0


def _save_checkpoint(ckpt_path: Path, tr: _Training, step: int, elapsed: float) -> None:
    import torch

    tmp = ckpt_path.with_suffix(".tmp")
    torch.save(
        {
            "config": tr.cfg.to_json(),
            "net": tr.net.state_dict(),
            "posterior": tr.post.state_dict(),
            "optimizer": tr.opt.state_dict(),
            "step": step,
            "elapsed": elapsed,
        },
        tmp,
    )
    os.replace(tmp, ckpt_path)


def _validate(tr: _Training) -> dict:
    """Mean losses over the fixed validation crops, prefixed per set (val_total, valreal_voice, ...)."""
    import torch

    from .dataset import SPEAKING, collate
    from .losses import total_loss, voice_loss

    net, cfg, device = tr.net, tr.cfg, tr.device
    net.eval()
    out: dict[str, float] = {}
    with torch.no_grad():
        for prefix, corpus, crops in tr.val_sets:
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
                        raw, b, cfg, tr.lw, torch.zeros((), device=device), gaze_loss=tr.gaze_loss
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


def _train_step(args: argparse.Namespace, tr: _Training, train, step: int) -> dict | None:
    """One optimisation step; its log record without timing, or None when the loss is not finite.

    The crops, the latents and the prior share all come from generators seeded by (seed, step),
    so a resumed run makes the same batches as an uninterrupted one.
    """
    import torch

    from .dataset import SPEAKING
    from .losses import cross_voice_loss, total_loss, voice_loss
    from .posterior import prior_latent

    net, post, opt, cfg, device, lw = tr.net, tr.post, tr.opt, tr.cfg, tr.device, tr.lw
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
    loss, logs = total_loss(raw, batch, cfg, lw, kl, gaze_loss=tr.gaze_loss)
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
        return None
    opt.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = float(torch.nn.utils.clip_grad_norm_(tr.params, 1.0))
    opt.step()
    return {
        "lr": opt.param_groups[0]["lr"],
        "crop": crop,
        "batch": bsz,
        "stems": stems,
        "grad_norm": grad_norm,
        "logs": logs,
    }


def _train_loop(
    args: argparse.Namespace, tr: _Training, train, log_path: Path, ckpt_path: Path, step: int, elapsed: float
):
    """Steps until --steps or the --max-minutes budget, logging and checkpointing on the way;
    (step, elapsed seconds) at the end, or exit code 3 when a loss is not finite."""
    tr.net.train()
    t_last = time.perf_counter()
    started = time.perf_counter()
    budget = None if args.max_minutes is None else args.max_minutes * 60.0
    with open(log_path, "a", encoding="utf-8") as log:
        while step < args.steps:
            done = _train_step(args, tr, train, step)
            if done is None:
                print(f"step {step}: loss is not finite; stopping (last checkpoint kept)", file=sys.stderr)
                return 3
            step += 1
            now = time.perf_counter()
            elapsed += now - t_last
            t_last = now
            logs = done.pop("logs")
            record = {"step": step, **done, "elapsed_s": round(elapsed, 1), **logs}
            if tr.val_sets and (step % args.validate_every == 0 or step == args.steps):
                record.update(_validate(tr))
            log.write(json.dumps(record) + "\n")
            if step % args.log_every == 0 or step == 1 or "val_total" in record:
                log.flush()
                print(_console_line(record, args.steps, elapsed), flush=True)
            if step % args.checkpoint_every == 0:
                _save_checkpoint(ckpt_path, tr, step, elapsed)
            if budget is not None and now - started >= budget and step < args.steps:
                _save_checkpoint(ckpt_path, tr, step, elapsed)
                print(
                    f"time budget reached at step {step} of {args.steps}; run the same command again "
                    f"to resume",
                    flush=True,
                )
                break
    return step, elapsed


def _console_line(record: dict, steps: int, elapsed: float) -> str:
    shown = " ".join(f"{k}={record[k]:.4f}" for k in CONSOLE_LOSSES if k in record)
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
    return f"step {record['step']}/{steps} {elapsed / 60:.1f} min {shown}{extra}"


def _export(args: argparse.Namespace, tr: _Training, train, command: str, step: int, elapsed: float) -> None:
    """Write the weights (float32 npz + JSON with the run's provenance; weights.py)."""
    import torch

    from .. import weights
    from .dataset import manifest_sha256

    arrays = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in tr.net.state_dict().items()}
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
        "device": str(tr.device),
        "native_fps": spec.NATIVE_FPS,
        "ablation": {"cross_attention": not args.no_cross_attention, "gaze_loss": tr.gaze_loss},
    }
    if args.real_corpus is not None:
        info["real_corpus"] = str(args.real_corpus)
        info["real_corpus_manifest_sha256"] = manifest_sha256(args.real_corpus)
        info["real_share"] = args.real_share
    if tr.val_sets:
        info["validation"] = {k: round(v, 5) for k, v in _validate(tr).items()}
    meta = weights.save(args.export, tr.cfg, arrays, info)
    state = "" if step >= args.steps else f" (stopped at step {step} of {args.steps}: resumable)"
    print(
        f"exported {args.export}{state} ({meta['bytes'] / 1e6:.2f} MB, "
        f"{meta['n_parameters']} parameters, sha256 {meta['sha256'][:12]})",
        flush=True,
    )


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
