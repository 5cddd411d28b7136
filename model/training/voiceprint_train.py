"""Train the voice print (model/voiceprint.py) by distilling the GE2E teacher (voice_teacher.py).

    python -m duet.model.training voiceprint --corpus corpus/full --real-corpus corpus/real \\
        --out runs/voiceprint --steps 3000

Windows of 1.6 s are cut from the training split of the corpora (each clip's mix and each of its
stems: one voice, two voices, overlaps, the corpus's rooms and noise), where at least half of the
window is voiced. The student sees the clip's log-mel features less their voiced mean (as at run
time); the teacher sees the same samples. The loss is 1 - cosine between the student's vector and
the teacher's. Nothing of the validation or test splits, and no held-out reader or level (the
corpora leave them out), is used. Seeded; the windows are cached in --out so a rerun resumes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from .. import features, voiceprint, windowing
from . import corpus_read

WINDOWS_PER_CLIP = 30  # 10 per channel (mix, stem A, stem B)
DEFAULT_WINDOWS = 24000
PERTURB_RANGE = 0.15


def student_module(n_mels: int = features.N_MELS, channels: int = 128, hidden: int = 256, out: int = 256):
    """The torch twin of voiceprint.VoicePrint (same layers, names and padding)."""
    import torch

    class Student(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            sizes = [n_mels, channels, channels, channels]
            k = voiceprint.KERNEL
            self.convs = torch.nn.ModuleList(
                torch.nn.Conv1d(sizes[i], sizes[i + 1], k, stride, padding=k // 2)
                for i, stride in enumerate(voiceprint.STRIDES)
            )
            self.fc0 = torch.nn.Linear(2 * channels, hidden)
            self.fc1 = torch.nn.Linear(hidden, out)

        def forward(self, feats: torch.Tensor, voiced: torch.Tensor) -> torch.Tensor:
            """feats (B, T, N_MELS) normalised, voiced (B, T) bool -> (B, out) unit vectors."""
            h = feats.transpose(1, 2)
            for conv in self.convs:
                h = torch.relu(conv(h))
            h = h.transpose(1, 2)  # (B, T', C)
            mask = voiced[:, :: voiceprint.DOWN][:, : h.shape[1]].float()
            mask = torch.where(mask.sum(dim=1, keepdim=True) > 0, mask, torch.ones_like(mask))
            w = (mask / mask.sum(dim=1, keepdim=True)).unsqueeze(-1)
            mean = (h * w).sum(dim=1)
            std = torch.sqrt(torch.clamp((((h - mean.unsqueeze(1)) ** 2) * w).sum(dim=1), min=1e-6))
            v = self.fc1(torch.relu(self.fc0(torch.cat([mean, std], dim=1))))
            return v / torch.clamp(torch.linalg.norm(v, dim=1, keepdim=True), min=1e-6)

        def numpy_params(self) -> dict[str, np.ndarray]:
            out = {}
            for i, conv in enumerate(self.convs):
                out[f"conv{i}.w"] = conv.weight.detach().numpy().astype(np.float32)
                out[f"conv{i}.b"] = conv.bias.detach().numpy().astype(np.float32)
            for name in ("fc0", "fc1"):
                layer = getattr(self, name)
                out[f"{name}.w"] = layer.weight.detach().numpy().astype(np.float32)
                out[f"{name}.b"] = layer.bias.detach().numpy().astype(np.float32)
            return out

    return Student()


def clip_windows(
    audio16k: np.ndarray, rng: np.random.Generator, count: int
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Up to `count` (features (WINDOW, N_MELS) float16, voiced (WINDOW,) bool, samples, the
    channel's band means (N_MELS,)) windows of one channel, each at least half voiced; features
    less the channel's band means over its voiced frames (add them back for other norms)."""
    n = features.n_model_frames(len(audio16k))
    voiced = windowing.voiced_frames(audio16k, n)
    raw = features.log_mel(audio16k)
    feats, voiced_feat, starts = voiceprint.take_windows(raw, voiced)
    if not starts or voiced_feat.mean() < 0.1:
        return []
    band_mean = (raw[0] - feats[0]).astype(np.float32)  # what take_windows took off every frame
    out = []
    for s in rng.permutation(starts)[:count]:
        s = int(s)
        a = s * features.HOP
        samples = audio16k[a : a + voiceprint.WINDOW * features.HOP]
        if len(samples) < voiceprint.WINDOW * features.HOP:
            continue
        out.append(
            (
                feats[s : s + voiceprint.WINDOW].astype(np.float16),
                voiced_feat[s : s + voiceprint.WINDOW].copy(),
                samples.astype(np.float32),
                band_mean,
            )
        )
    return out


def speed_changed(x: np.ndarray, factor: float) -> np.ndarray:
    """x played `factor` times as fast (pitch and formants scaled alike): another voice's sound for
    the teacher to name (linear interpolation; the voice bands lie far under the new Nyquist)."""
    n = int(len(x) / factor)
    return np.interp(np.arange(n) * factor, np.arange(len(x)), x).astype(np.float32)


def build_windows(
    corpora: list[Path],
    total: int,
    seed: int,
    per_clip: int = WINDOWS_PER_CLIP,
    log=print,
    perturb_copies: int = 0,
    perturb_range: float = PERTURB_RANGE,
) -> dict[str, np.ndarray]:
    """Student inputs and teacher targets of `total` windows from the corpora's training clips.
    perturb_copies: each channel is also cut that many times more, each time played at a random
    speed within 1 +- perturb_range (new voices from the few real speakers the corpora hold)."""
    from .voice_teacher import Teacher

    teacher = Teacher()
    rng = np.random.default_rng(seed)
    feats, voiced, targets, means = [], [], [], []
    # Whose voice each window holds, for identity terms: the voice's name ("" for a mix of two),
    # its clip (a synthetic voice's warp is the clip's own) and the speed it was played at.
    names, clips, speeds = [], [], []
    per_corpus = total // len(corpora)
    t0 = time.perf_counter()
    for corpus in corpora:
        got = 0
        for clip in corpus_read.iter_clips(corpus, "train"):
            channels = [
                ("", clip.mix),
                (clip.voices[0], clip.stems[:, 0]),
                (clip.voices[1], clip.stems[:, 1]),
            ]
            batch = []
            for name, x in channels:
                x = np.asarray(x, dtype=np.float32)
                for copy in range(1 + perturb_copies):
                    # (the speed drawn before the cut, as the runs of docs/EVAL.md "Session 21" drew it)
                    factor = (
                        1.0 if copy == 0 else float(rng.uniform(1.0 - perturb_range, 1.0 + perturb_range))
                    )
                    heard = x if copy == 0 else speed_changed(x, factor)
                    cut = clip_windows(heard, rng, per_clip // len(channels))
                    batch += cut
                    names += [name] * len(cut)
                    clips += [f"{corpus.name}/{clip.clip_id}"] * len(cut)
                    speeds += [factor] * len(cut)
            if not batch:
                continue
            targets.append(teacher.embed_windows([w[2] for w in batch]))
            feats += [w[0] for w in batch]
            voiced += [w[1] for w in batch]
            means += [w[3] for w in batch]
            got += len(batch)
            if got >= per_corpus:
                break
        log(f"  {corpus}: {got} windows ({time.perf_counter() - t0:.0f} s)")
    return {
        "feats": np.stack(feats),
        "voiced": np.stack(voiced),
        "targets": np.concatenate(targets).astype(np.float32),
        "means": np.stack(means),
        "voice_names": np.asarray(names, dtype=str),
        "voice_clips": np.asarray(clips, dtype=str),
        "speeds": np.asarray(speeds, dtype=np.float32),
    }


IDENTITY_APART = 0.6  # two voices' windows: no more alike than this (the teacher's EER threshold ~0.64)
IDENTITY_TOGETHER = 0.8  # one voice's windows: at least this alike
IDENTITY_PAIRS = 16


def voice_ids(data: dict[str, np.ndarray]) -> np.ndarray:
    """(N,) an id per window's voice, -1 for a mix of two. A real voice (LibriSpeech reader, Fish
    Fillets actor) at its own speed is one voice across clips; a synthetic voice is its clip's own
    (each clip warps its voices anew), and a speed-changed copy is a voice of its own."""
    if "voice_names" not in data:
        raise ValueError(
            "these windows hold no voice names (cut before the identity term existed): cut them again"
        )
    names, clips, speeds = data["voice_names"], data["voice_clips"], data["speeds"]
    keys = []
    for name, clip, speed in zip(names.tolist(), clips.tolist(), speeds.tolist(), strict=True):
        if not name:
            keys.append("")
        elif name.split(":", 1)[0] in ("librispeech", "fillets") and speed == 1.0:
            keys.append(name)
        else:
            keys.append(f"{name}|{clip}|{speed:.5f}")
    uniq = {k: i for i, k in enumerate(sorted(set(keys) - {""}))}
    return np.array([uniq[k] if k else -1 for k in keys], dtype=np.int64)


def train(
    data: dict[str, np.ndarray],
    steps: int,
    seed: int,
    batch: int = 128,
    channels: int = 128,
    relational: float = 1.0,
    log=print,
    level_only: bool = False,
    identity: float = 0.0,
):
    """Student trained to point where the teacher points (1 - cos) and, what the one-voice rule
    reads, to be as alike or unlike across the windows of a batch as the teacher's vectors are
    (mean squared difference of the two cosine matrices, weighted by `relational`). level_only:
    the student reads features less the channel's loudness alone (voiceprint.take_windows), from
    the windows' band means added back. identity: the weight of a term on the windows of one
    voice (voice_ids): windows of two voices more alike than IDENTITY_APART are pushed apart,
    windows of one voice less alike than IDENTITY_TOGETHER drawn together (each batch then also
    holds IDENTITY_PAIRS pairs of one voice's windows)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed + 1)
    n = len(data["feats"])
    hold = rng.permutation(n)
    n_val = min(max(256, n // 20), n // 4)
    val, tr = hold[:n_val], hold[n_val:]
    model = student_module(channels=channels)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)

    if level_only and "means" not in data:
        raise ValueError("these windows hold no band means (cut before level_only existed): cut them again")
    ids = voice_ids(data) if identity > 0 else None
    if ids is not None:
        train_ids = np.full(n, -1)
        train_ids[tr] = ids[tr]
        members: dict[int, np.ndarray] = {}
        order = np.argsort(train_ids, kind="stable")
        bounds = np.flatnonzero(np.diff(train_ids[order])) + 1
        for group in np.split(order, bounds):
            if train_ids[group[0]] >= 0 and len(group) >= 2:
                members[int(train_ids[group[0]])] = group
        paired = np.array(sorted(members))
        log(f"identity term: {len(paired)} voices with two or more training windows")

    def identity_loss(y: torch.Tensor, idx: np.ndarray) -> torch.Tensor:
        who = torch.from_numpy(ids[idx])
        cos = y @ y.T
        known = (who[:, None] >= 0) & (who[None, :] >= 0) & ~torch.eye(len(idx), dtype=torch.bool)
        same = known & (who[:, None] == who[None, :])
        apart = torch.relu(cos - IDENTITY_APART) ** 2
        together = torch.relu(IDENTITY_TOGETHER - cos) ** 2
        terms = torch.where(same, together, apart)[known]
        return terms.mean() if len(terms) else cos.sum() * 0.0

    def loss_of(idx: np.ndarray) -> torch.Tensor:
        feats = data["feats"][idx].astype(np.float32)
        if level_only:
            m = data["means"][idx]
            feats += (m - m.mean(axis=1, keepdims=True))[:, None, :]
        f = torch.from_numpy(feats)
        v = torch.from_numpy(data["voiced"][idx])
        t = torch.from_numpy(data["targets"][idx])
        y = model(f, v)
        pointwise = (1.0 - (y * t).sum(dim=1)).mean()
        loss = pointwise + relational * ((y @ y.T - t @ t.T) ** 2).mean()
        if ids is not None:
            loss = loss + identity * identity_loss(y, idx)
        return loss

    for step in range(1, steps + 1):
        idx = rng.choice(tr, size=min(batch, len(tr)), replace=False)
        if ids is not None and len(paired):
            voices = rng.choice(paired, size=IDENTITY_PAIRS)
            extra = [rng.choice(members[int(k)], size=2, replace=False) for k in voices]
            idx = np.concatenate([idx[: len(idx) - 2 * IDENTITY_PAIRS], *extra])
        loss = loss_of(idx)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps:
            with torch.no_grad():
                v_loss = float(loss_of(val[:512]))
            log(f"step {step}/{steps} loss {float(loss.detach()):.4f} val {v_loss:.4f}")
    return model, v_loss


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, action="append", required=True, help="a corpus (repeat)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--windows", type=int, default=DEFAULT_WINDOWS)
    parser.add_argument("--per-clip", type=int, default=WINDOWS_PER_CLIP, help="windows cut from each clip")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--channels", type=int, default=128, help="convolution channels")
    parser.add_argument("--relational", type=float, default=1.0, help="weight of the pair-cosine loss")
    parser.add_argument("--windows-from", type=Path, default=None, help="reuse another run's windows.npz")
    parser.add_argument(
        "--perturb-copies", type=int, default=0, help="speed-changed copies of each channel cut too"
    )
    parser.add_argument(
        "--level-only", action="store_true", help="features less the take's loudness, not each band's mean"
    )
    parser.add_argument(
        "--identity", type=float, default=0.0, help="weight of the one-voice / two-voices term"
    )
    parser.add_argument("--perturb-range", type=float, default=PERTURB_RANGE, help="speeds within 1 +- this")


def run(args: argparse.Namespace) -> int:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    cache = args.windows_from or args.out / "windows.npz"
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        print(f"windows from {cache} ({len(data['feats'])})")
    else:
        print(f"cutting {args.windows} windows and their teacher vectors", flush=True)
        data = build_windows(
            args.corpus,
            args.windows,
            args.seed,
            args.per_clip,
            perturb_copies=args.perturb_copies,
            perturb_range=args.perturb_range,
        )
        np.savez(cache, **data)
    t0 = time.perf_counter()
    model, val = train(
        data,
        args.steps,
        args.seed,
        channels=args.channels,
        relational=args.relational,
        log=lambda m: print(m, flush=True),
        level_only=args.level_only,
        identity=args.identity,
    )
    weights_path = args.out / "voiceprint.npz"
    params = model.numpy_params()
    if args.level_only:
        params[voiceprint.LEVEL_KEY] = np.ones(1, np.float32)
    np.savez(weights_path, **params)
    meta = {
        "corpora": [str(c) for c in args.corpus],
        "windows": int(len(data["feats"])),
        "steps": args.steps,
        "channels": args.channels,
        "relational": args.relational,
        "level_only": args.level_only,
        "identity": args.identity,
        "perturb_copies": args.perturb_copies,
        "perturb_range": args.perturb_range,
        "seed": args.seed,
        "val_one_minus_cos": round(val, 5),
        "train_minutes": round((time.perf_counter() - t0) / 60, 1),
        "teacher": "GE2E encoder of resemblyzer 0.1.4 (weights only, training time)",
    }
    (args.out / "voiceprint.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {weights_path} (val 1 - cos {val:.4f})")
    return 0
