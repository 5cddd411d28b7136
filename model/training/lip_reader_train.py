"""Train the lip reader (model/lips/lip_reader.py): a mouth class per frame, from the take's sound;
with --labels voices, the voice counter (model/voice_count.py) on the same network and data.

    python -m duet.model.training lip-reader --corpus corpus/full --real-corpus corpus/real \\
        --out runs/lip_reader --steps 6000 --export assets/duet_lip_reader.npz
    python -m duet.model.training lip-reader --labels voices --corpus corpus/full \\
        --real-corpus corpus/real --out runs/voice_count --export assets/duet_voice_count.npz

Frames and labels come from the training split of the corpora, the mixed track as a take sounds:
the class of the phone the one speaking role says (mouth_classes.frame_labels), silence where
nobody speaks; frames where both speak, laughs, and real clips' frames whose lips are not trusted
(target_mask) are left out. Real clips (LibriSpeech readers with pocketsphinx's phones; Fish
Fillets, whose only lip labels are its silences) are drawn --real-share of the time; with
--fillets-share, Fish Fillets' training lines with mouth classes forced-aligned from their text
(fillets_phones.py, by --fillets-reader) are drawn that share of the time; with --prompts-share, a
telephone system's real English voice prompts with their words aligned by pocketsphinx
(prompt_phones.py). Validation:
the real-voice corpus's validation readers (heldout_lips.development_readings: their accepted
words), never the held-out test-other readers, which only report. Seeded; the features are cached
in --out and RUN_DIR/checkpoint.pt (state dicts, read back with weights_only=True) lets a rerun
of the same command resume.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from .. import features, voice_count, windowing
from ..frame_classifier import KERNEL, normalised
from ..lips import lip_reader
from ..lips import mouth_classes as mc
from . import corpus_read
from .dataset import LIPS

CROP = 300  # model frames per crop (6 s)
LABELS = ("mouth", "voices")
REPO = Path(__file__).resolve().parents[2]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument(
        "--labels",
        choices=LABELS,
        default="mouth",
        help="mouth: the lip reader's mouth classes; voices: how many roles speak (the voice counter)",
    )
    parser.add_argument("--real-corpus", type=Path, default=None)
    parser.add_argument("--real-share", type=float, default=0.4)
    parser.add_argument(
        "--fillets-share",
        type=float,
        default=0.0,
        help="crops from Fish Fillets lines labelled by forced alignment (fillets_phones.py)",
    )
    parser.add_argument(
        "--prompts-share",
        type=float,
        default=0.0,
        help="crops from real English voice prompts with their words aligned (prompt_phones.py)",
    )
    parser.add_argument(
        "--prompts-languages",
        default="en",
        help="the voice prompts' languages, comma-separated (prompt_phones.VOICES: en, fr, it, ru)",
    )
    parser.add_argument(
        "--fillets-reader",
        type=Path,
        default=None,
        help="the lip reader placing Fish Fillets lines and non-English prompts (default: the shipped one)",
    )
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--dilations", default="1,2,4,8,1,2")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--time-masks", type=int, default=0, help="masked stretches (up to 0.2 s) per crop")
    parser.add_argument(
        "--band-warp",
        type=float,
        default=0.0,
        help="scale each crop's spectrum by a random factor in 1 +- this (other vocal tract lengths)",
    )
    parser.add_argument(
        "--overlap-mix",
        type=float,
        default=0.0,
        help="voice counter: this share of crops gets another crop mixed in (overlap_mix: more two voices)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument(
        "--data", type=Path, default=None, help="LibriSpeech voices (../shared/data/librispeech_voices)"
    )


def clip_labels(clip: corpus_read.ClipData, lips_mask: np.ndarray | None) -> np.ndarray:
    """(F,) int16 class per frame, -1 where unknown (module docstring)."""
    n, fps = clip.n_frames, 50.0
    per_role = [mc.frame_labels(p["ipa"], p["start"], p["end"], n, fps) for p in clip.phones]
    active = np.stack([(lab >= 0) & (lab != mc.SILENCE) for lab in per_role], axis=1)
    speaking = clip.speaking > 0.5
    trusted = np.ones((n, 2), bool) if lips_mask is None else lips_mask > 0.5
    out = np.full(n, -1, dtype=np.int16)
    nobody = ~active.any(1) & ~speaking.any(1) & trusted.all(1)
    out[nobody] = mc.SILENCE
    for r in range(2):
        only = active[:, r] & ~active[:, 1 - r] & ~speaking[:, 1 - r] & trusted[:, r]
        out[only] = per_role[r][only]
        # a pause inside the role's own speech (its phones say silence, nobody else speaks)
        pause = (per_role[r] == mc.SILENCE) & ~active[:, 1 - r] & ~speaking[:, 1 - r] & trusted.all(1)
        out[pause] = mc.SILENCE
    return out


def voice_labels(clip: corpus_read.ClipData) -> np.ndarray:
    """(F,) int16 how many voices sound in each frame (voice_count.NOBODY / ONE / TWO): a role counts
    where the corpus says it speaks and its own stem holds voice (windowing.voiced_frames), so a
    pause bridged inside a line, or a partner's silence inside an overlap, is not a voice."""
    n = len(clip.speaking)
    sounding = np.stack([windowing.voiced_frames(clip.stems[:, r], n) for r in range(2)], axis=1)
    return ((clip.speaking > 0.5) & sounding).sum(axis=1).astype(np.int16)


def _clip_rows(path: Path, index: dict, labels: str = "mouth") -> list[tuple[np.ndarray, np.ndarray, str]]:
    with np.load(path, allow_pickle=False) as z:
        a = {k: z[k] for k in z.files}
    fo = a["clip_frame_offsets"]
    kinds = a["clip_kind"].astype(str) if "clip_kind" in a else None
    rows = []
    for c, clip in enumerate(corpus_read.clips_from_arrays(a, index)):
        mask = a["target_mask"][fo[c] : fo[c + 1], :, LIPS] if "target_mask" in a else None
        y = clip_labels(clip, mask) if labels == "mouth" else voice_labels(clip)
        n = clip.n_frames
        mel = features.log_mel(clip.mix)[: 2 * n]
        voiced = windowing.voiced_frames(clip.mix, n)
        feats = normalised(mel, voiced).astype(np.float16)
        rows.append((feats, y, "synthetic" if kinds is None else str(kinds[c])))
    return rows


def cached_data(out: Path) -> dict[str, np.ndarray] | None:
    """The data a build left in `out`, or None when there is none yet."""
    if not out.exists():
        return None
    with np.load(out, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def save_rows(rows: list[tuple[np.ndarray, np.ndarray, str]], out: Path) -> dict[str, np.ndarray]:
    """Rows of (features (2F, N_MELS), labels (F,), kind) in the trainer's layout (feats, labels,
    offsets, kinds), written to `out`."""
    lengths = np.array([len(r[1]) for r in rows])
    data = {
        "feats": np.concatenate([r[0][: 2 * len(r[1])] for r in rows]),
        "labels": np.concatenate([r[1] for r in rows]),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]),
        "kinds": np.array([r[2] for r in rows]),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **data)
    return data


def build_data(
    corpus: Path, out: Path, log=print, labels: str = "mouth", split: str = "train"
) -> dict[str, np.ndarray]:
    """Features and labels (`labels`: LABELS) of a corpus's split, cached in `out`."""
    cached = cached_data(out)
    if cached is not None:
        return cached
    from multiprocessing import Pool

    index = corpus_read._clips_index(corpus)
    files = corpus_read.shard_files(corpus, split)
    t0 = time.time()
    with Pool(2) as pool:
        parts = pool.starmap(_clip_rows, [(f, index, labels) for f in files])
    rows = [r for part in parts for r in part]
    data = save_rows(rows, out)
    log(f"{corpus}: {len(rows)} clips, {len(data['labels']) / 50 / 3600:.2f} h, {time.time() - t0:.0f} s")
    return data


def module(width: int, dilations: tuple[int, ...], dropout: float = 0.1, n_classes: int = mc.N_CLASSES):
    """The torch twin of frame_classifier.FrameClassifier (same layers and names)."""
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            k = KERNEL
            self.input = torch.nn.Conv1d(features.N_MELS, width, k, stride=2, padding=k // 2)
            self.block = torch.nn.ModuleList(
                torch.nn.Conv1d(width, width, k, dilation=d, padding=d * (k // 2)) for d in dilations
            )
            self.mix = torch.nn.ModuleList(torch.nn.Conv1d(width, width, 1) for _ in dilations)
            self.output = torch.nn.Conv1d(width, n_classes, 1)
            self.drop = torch.nn.Dropout(dropout)

        def forward(self, x):  # (B, 2T, N_MELS) -> (B, T, N_CLASSES)
            f = torch.nn.functional.silu
            h = f(self.input(x.transpose(1, 2)))
            for conv, mix in zip(self.block, self.mix, strict=True):
                h = h + mix(self.drop(f(conv(h))))
            return self.output(f(h)).transpose(1, 2)

    return Net()


def export(net, dilations: tuple[int, ...], path: Path) -> None:
    params = {}
    for name, t in net.state_dict().items():
        params[
            name.replace("block.", "block")
            .replace("mix.", "mix")
            .replace(".weight", ".w")
            .replace(".bias", ".b")
        ] = t.detach().cpu().numpy().astype(np.float32)
    params["dilations"] = np.array(dilations, dtype=np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **params)


def _crops(
    data: dict, rng: np.random.Generator, n: int, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    off = data["offsets"]
    clips = rng.choice(len(off) - 1, size=n, p=weights)
    xs, ys = [], []
    for c in clips:
        length = off[c + 1] - off[c]
        s = int(rng.integers(0, max(1, length - CROP + 1)))
        f0 = off[c] + s
        m = min(CROP, length - s)
        x = np.zeros((2 * CROP, features.N_MELS), np.float32)
        y = np.full(CROP, -1, np.int64)
        x[: 2 * m] = data["feats"][2 * f0 : 2 * (f0 + m)]
        y[:m] = data["labels"][f0 : f0 + m]
        xs.append(x)
        ys.append(y)
    return np.stack(xs), np.stack(ys)


def _augment(
    x: np.ndarray, rng: np.random.Generator, time_masks: int = 0, band_warp: float = 0.0
) -> np.ndarray:
    """A random tilt across the bands and one masked band group per crop (other channels than the
    corpus's); `time_masks` stretches of up to 0.2 s set to the take's mean (context must carry
    the frame); with `band_warp`, each crop's spectrum scaled in frequency by a factor in
    1 +- band_warp (warp_bands: other vocal tract lengths than the corpus's readers')."""
    b = x.shape[0]
    tilt = rng.normal(0, 0.5, size=(b, 1, 1)) * np.linspace(-1, 1, features.N_MELS)[None, None, :]
    x = x + tilt.astype(np.float32)
    for i in range(b):
        w = int(rng.integers(0, 9))
        f = int(rng.integers(0, features.N_MELS - w + 1))
        x[i, :, f : f + w] = 0.0
        for _ in range(time_masks):
            w = int(rng.integers(0, 21))
            t = int(rng.integers(0, x.shape[1] - w + 1))
            x[i, t : t + w] = 0.0
    if band_warp > 0.0:  # drawn after the rest, so runs without it keep their random stream
        for i, factor in enumerate(rng.uniform(1.0 - band_warp, 1.0 + band_warp, size=b)):
            x[i] = warp_bands(x[i], float(factor))
    return x


# The mixed-in crop's voice relative to the crop's own, in natural-log power (+-6 dB): loud enough
# that its voice is heard, as the stems' voice activity that counts it assumes.
OVERLAP_GAIN_LN = 6.0 * np.log(10.0) / 10.0


def overlap_mix(
    x: np.ndarray, y: np.ndarray, other_x: np.ndarray, other_y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A crop (2T, N_MELS) of normalised log-mel features and its voice counts (T,) with another
    crop (another clip, so another voice) mixed in: the mel powers add (each crop is relative to
    its own voiced level, so the other is scaled by a random gain within OVERLAP_GAIN_LN), the
    mix is made relative to its voiced frames again, and the counts add (at most two; unknown
    where either is). The counter otherwise sees few overlaps (the composer's, ~6 % of frames)."""
    gain = rng.uniform(-OVERLAP_GAIN_LN, OVERLAP_GAIN_LN)
    mixed = np.logaddexp(x, other_x + np.float32(gain)).astype(np.float32)
    counts = np.where((y < 0) | (other_y < 0), -1, np.minimum(y + other_y, 2)).astype(y.dtype)
    voiced = np.repeat(counts > 0, 2)[: len(mixed)]
    if voiced.any():
        mixed -= mixed[voiced].mean(axis=0) - x[voiced].mean(axis=0)
    return mixed, counts


def warp_bands(x: np.ndarray, factor: float) -> np.ndarray:
    """Log-mel frames (T, N_MELS) of a spectrum scaled in frequency by `factor` (> 1: formants
    higher, a shorter vocal tract): each band takes the value at its centre / factor,
    interpolated between the bands' centres (held at the edges)."""
    centres = features.band_edges_hz()[1:-1]
    source = np.interp(centres / factor, centres, np.arange(features.N_MELS, dtype=np.float64))
    lo = np.floor(source).astype(np.int64)
    hi = np.minimum(lo + 1, features.N_MELS - 1)
    frac = (source - lo).astype(np.float32)
    return (x[:, lo] * (1.0 - frac) + x[:, hi] * frac).astype(np.float32)


def validation(net, readings, reader_dilations) -> dict:
    """Frame figures on the validation readers' accepted words: class accuracy, p/b/m recall and
    precision of the argmax."""
    import torch

    from .heldout_lips import word_phones

    correct = total = tp = fp = fn = 0
    net.eval()
    with torch.no_grad():
        for r in readings:
            n = features.n_model_frames(len(r.audio16k))
            mel = features.log_mel(r.audio16k)
            feats = normalised(mel, windowing.voiced_frames(r.audio16k, n))
            z = net(torch.from_numpy(feats[None]))[0].numpy()[:n]
            ref = word_phones(r.words)
            lab = mc.frame_labels(ref.ipa, ref.start, ref.end, n, 50.0)
            inside = np.zeros(n, bool)
            for w in r.words:
                inside[int(np.ceil(w.start * 50)) : int(np.ceil(w.end * 50))] = True
            keep = inside & (lab >= 0)
            pred = z.argmax(1)
            correct += int((pred[keep] == lab[keep]).sum())
            total += int(keep.sum())
            tp += int(((pred == mc.BILABIAL) & (lab == mc.BILABIAL) & keep).sum())
            fp += int(((pred == mc.BILABIAL) & (lab != mc.BILABIAL) & keep).sum())
            fn += int(((pred != mc.BILABIAL) & (lab == mc.BILABIAL) & keep).sum())
    net.train()
    return {
        "accuracy": correct / max(total, 1),
        "pbm_recall": tp / max(tp + fn, 1),
        "pbm_precision": tp / max(tp + fp, 1),
    }


def voice_validation(net, data: dict) -> dict:
    """On held-out clips (build_data's layout, labels voice_count classes): of the frames where two
    voices speak, the share called two (P > 0.5), and of those with one voice, the same share."""
    import torch

    two = one = two_hit = one_hit = 0
    net.eval()
    with torch.no_grad():
        off = data["offsets"]
        for c in range(len(off) - 1):
            y = data["labels"][off[c] : off[c + 1]]
            x = torch.from_numpy(data["feats"][2 * off[c] : 2 * off[c + 1]].astype(np.float32)[None])
            p = torch.softmax(net(x)[0], dim=-1).numpy()[: len(y), voice_count.TWO]
            said = p > 0.5
            two += int((y == voice_count.TWO).sum())
            one += int((y == voice_count.ONE).sum())
            two_hit += int((said & (y == voice_count.TWO)).sum())
            one_hit += int((said & (y == voice_count.ONE)).sum())
    net.train()
    return {"two_recall": round(two_hit / max(two, 1), 4), "one_called_two": round(one_hit / max(one, 1), 4)}


def run(args: argparse.Namespace) -> int:
    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    dilations = tuple(int(d) for d in args.dilations.split(","))
    voices = args.labels == "voices"
    n_classes = voice_count.N_CLASSES if voices else mc.N_CLASSES
    tag = "_voices" if voices else ""  # the lip reader's caches keep their names
    sets = [build_data(args.corpus, out / f"data_synthetic{tag}.npz", labels=args.labels)]
    shares = [1.0]
    if args.real_corpus is not None:
        sets.append(build_data(args.real_corpus, out / f"data_real{tag}.npz", labels=args.labels))
        shares = [1.0 - args.real_share, args.real_share]
    aligner = args.fillets_reader or lip_reader.DEFAULT_PATH  # places Fish Fillets' and the prompts' classes
    if args.fillets_share > 0:
        if voices:
            raise SystemExit("--fillets-share labels mouths only; the voice counter reads the corpora")
        from . import fillets_phones

        sets.append(fillets_phones.build_data(out / "data_fillets.npz", aligner))
        shares = [shares[0] - args.fillets_share, *shares[1:], args.fillets_share]
        if shares[0] <= 0:
            raise SystemExit("--real-share and --fillets-share leave no synthetic crops; lower them")
    if args.prompts_share > 0:
        if voices:
            raise SystemExit("--prompts-share labels mouths only; the voice counter reads the corpora")
        from . import prompt_phones

        try:
            languages = tuple(x.strip() for x in args.prompts_languages.split(",") if x.strip())
            name = "data_prompts.npz" if languages == ("en",) else f"data_prompts_{'-'.join(languages)}.npz"
            sets.append(prompt_phones.build_data(out / name, languages=languages, reader_path=aligner))
        except prompt_phones.PromptsMissing as exc:
            raise SystemExit(str(exc)) from None
        shares = [shares[0] - args.prompts_share, *shares[1:], args.prompts_share]
        if shares[0] <= 0:
            raise SystemExit("the real, Fish Fillets and prompt shares leave no synthetic crops; lower them")
    weights = []
    for d in sets:
        known = np.add.reduceat((d["labels"] >= 0).astype(np.float64), d["offsets"][:-1])
        weights.append(known / known.sum())
    readings = []
    held = []
    if voices:  # the corpora's validation splits
        for name, corpus in (("synthetic", args.corpus), ("real", args.real_corpus)):
            if corpus is not None:
                cache = out / f"val_{name}_voices.npz"
                held.append((name, build_data(corpus, cache, labels="voices", split="validation")))
    else:
        data_root = args.data or REPO.parent / "shared" / "data" / "librispeech_voices"
        if data_root.exists():
            from .heldout_lips import development_readings

            readings = development_readings(data_root, log=lambda *_: None)
    net = module(args.width, dilations, args.dropout, n_classes)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=0.01)
    ckpt = out / "checkpoint.pt"
    step = 0
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=True)
        net.load_state_dict(state["net"])
        opt.load_state_dict(state["opt"])
        step = int(state["step"])
        print(f"resumed at step {step}")
    log = (out / "train_log.jsonl").open("a")
    t0 = time.time()
    while step < args.steps:
        rng = np.random.default_rng([args.seed, step])
        counts = rng.multinomial(args.batch, shares)
        xs, ys = [], []
        for d, w, k in zip(sets, weights, counts, strict=True):
            if k:
                x, y = _crops(d, rng, int(k), w)
                xs.append(x)
                ys.append(y)
        x, y = np.concatenate(xs), np.concatenate(ys)
        if voices and args.overlap_mix > 0:  # drawn before the augmentation, after the crops
            mix = np.flatnonzero(rng.random(len(x)) < args.overlap_mix)
            for i in mix:
                k = int(rng.choice(len(sets), p=shares))
                ox, oy = _crops(sets[k], rng, 1, weights[k])
                x[i], y[i] = overlap_mix(x[i], y[i], ox[0], oy[0], rng)
        x = _augment(x, rng, args.time_masks, args.band_warp)
        lr = args.lr * min(1.0, (step + 1) / 200) * 0.5 * (1 + np.cos(np.pi * step / args.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        z = net(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(
            z.reshape(-1, n_classes),
            torch.from_numpy(y).reshape(-1),
            ignore_index=-1,
            label_smoothing=0.05,
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        row = {"step": step, "loss": loss.item(), "lr": lr, "seconds": round(time.time() - t0, 1)}
        if step % args.checkpoint_every == 0 or step == args.steps:
            if readings:
                row.update(validation(net, readings, dilations))
            for name, d in held:
                row.update({f"{name}_{k}": v for k, v in voice_validation(net, d).items()})
            torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "step": step}, ckpt)
            export(net, dilations, out / f"{'voice_count' if voices else 'lip_reader'}_{step}.npz")
            print(json.dumps(row), flush=True)
        log.write(json.dumps(row) + "\n")
        if args.max_minutes is not None and time.time() - t0 > 60 * args.max_minutes:
            torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "step": step}, ckpt)
            print(f"stopped at step {step} (time budget)")
            return 0
    if args.export is not None:
        export(net, dilations, args.export)
    return 0
