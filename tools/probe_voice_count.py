"""Can a voice model tell a recording of one voice from a conversation of two? (issue 13)

    .venv/bin/python tools/probe_voice_count.py [--model assets/duet_model.npz] [--teacher]

A development set of real voices that no held-out row uses: LibriSpeech train-clean-100 readers
(../shared/data/librispeech_voices), 19 two-voice conversations composed as heldout.real_pairs
composes them (two readers each, room tone, 20-40 s) and 19 single readings (one voice). Per
recording it prints what a one-voice rule could read:

- `cos`: diarization.assign_roles's centroid cosine of its 2-means split of the frames (the rule
  the runtime uses, ONE_VOICE_COS = 0.85);
- `p10` / `med`: the 10th percentile / median cosine over all pairs of 1.6 s windows (hop 0.8 s,
  at least half voiced), each window the mean of the model's frame voice vectors;
- with --teacher, the same over the GE2E encoder whose weights resemblyzer's wheel ships (a
  training-time teacher named by issue 13; `pip install --no-deps resemblyzer==0.1.4`, read with
  torch.load(weights_only=True), its forward pass and mel filterbank written here).

and for each measure the fewest recordings misjudged by any one threshold (read off this same
set, so an optimistic figure: it says whether the measure separates at all).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "librispeech_voices"
WINDOW_S, HOP_S = 1.6, 0.8
SEED = 2024


def dev_set(data: Path) -> list[tuple[str, np.ndarray, int]]:
    """(name, 16 kHz audio, voices) of the development recordings."""
    from duet.model.training import heldout
    from duet.model.training import heldout_recordings as hr

    files = hr.train_clean_files(data)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(files))
    out = []
    for i in range(0, 40, 2):
        a, b = files[order[i]], files[order[i + 1]]
        pa, pb = (heldout.reading_pieces(hr.read_flac(p), p.stem) for p in (a, b))
        if not pa["phrase"] or not pb["phrase"]:
            continue
        d = heldout.compose_real_pair(
            f"pair-{i}", "real_pairs", (pa, pb), (a.stem, b.stem), "", 99, 1000 + i, (20.0, 40.0)
        )
        out.append((d.name, d.audio16k, 2))
    for p in [files[i] for i in order[40:59]]:
        x = hr.read_flac(p)
        x = np.concatenate([np.zeros(8000, np.float32), x])
        x = x + rng.normal(0.0, 3e-4, len(x)).astype(np.float32)  # a faint room under the reading
        out.append((f"mono-{p.stem}", x, 1))
    return out


def window_stats(vectors: np.ndarray) -> dict[str, float]:
    if len(vectors) < 4:
        return {}
    c = vectors @ vectors.T
    pairs = c[np.triu_indices(len(vectors), 1)]
    return {"p10": float(np.percentile(pairs, 10)), "med": float(np.median(pairs))}


def voiced_windows(voiced50: np.ndarray, n_frames: int) -> list[tuple[int, int]]:
    """50 fps frame ranges of the 1.6 s windows that are at least half voiced."""
    w, h = int(WINDOW_S * 50), int(HOP_S * 50)
    return [(s, s + w) for s in range(0, max(1, n_frames - w + 1), h) if voiced50[s : s + w].mean() >= 0.5]


def model_measures(rt, x: np.ndarray) -> dict[str, float]:
    from duet.model import diarization, features, windowing

    n = features.n_model_frames(len(x))
    voiced = windowing.voiced_frames(x, n)
    emb = diarization.voice_track(rt, x, n)
    _, info = diarization.assign_roles(emb, voiced, windowing.first_voice_anchor(x, n))
    vecs = []
    for s, e in voiced_windows(voiced, n):
        m = emb[s:e][voiced[s:e]].mean(axis=0)
        vecs.append(m / max(float(np.linalg.norm(m)), 1e-9))
    out = {"cos": float(info["centroid_cos"]) if info["centroid_cos"] is not None else float("nan")}
    out.update(window_stats(np.asarray(vecs)))
    return out


class Teacher:
    """The GE2E speaker encoder of resemblyzer 0.1.4's wheel: 40 mel bands (25 ms, 10 ms hop, power),
    a 3-layer LSTM of 256, a linear layer, ReLU, unit length. Only its weights are read."""

    def __init__(self) -> None:
        import torch

        spec = importlib.util.find_spec("resemblyzer")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("resemblyzer is not installed: pip install --no-deps resemblyzer==0.1.4")
        path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
        state = torch.load(path, weights_only=True, map_location="cpu")["model_state"]
        self.lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)
        self.linear = torch.nn.Linear(256, 256)
        self.lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
        self.linear.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
        self.filters = _mel_filters(16000, 400, 40)

    def mel(self, x: np.ndarray) -> np.ndarray:
        """(T, 40) power mel at 100 fps, frames centred on k * 10 ms."""
        n_fft, hop = 400, 160
        padded = np.pad(x.astype(np.float64), (n_fft // 2, n_fft // 2))
        n = 1 + (len(padded) - n_fft) // hop
        frames = padded[np.arange(n)[:, None] * hop + np.arange(n_fft)[None, :]] * np.hanning(n_fft + 1)[:-1]
        return (np.abs(np.fft.rfft(frames, axis=1)) ** 2 @ self.filters.T).astype(np.float32)

    def embed(self, mels: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            _, (h, _) = self.lstm(torch.from_numpy(mels))
            e = torch.relu(self.linear(h[-1]))
            return (e / torch.norm(e, dim=1, keepdim=True).clamp_min(1e-9)).numpy()

    def measures(self, x: np.ndarray) -> dict[str, float]:
        from duet.model import features, windowing

        n = features.n_model_frames(len(x))
        voiced = windowing.voiced_frames(x, n)
        rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) + 1e-9
        mel = self.mel(x * max(1.0, 10 ** ((-30.0 - 20 * np.log10(rms)) / 20)))  # its -30 dBFS level
        wins = [mel[2 * s : 2 * e] for s, e in voiced_windows(voiced, n) if 2 * e <= len(mel)]
        return window_stats(self.embed(np.stack(wins))) if wins else {}


def _mel_filters(rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Triangular filters on the Slaney mel scale (linear to 1 kHz, then logarithmic), each of unit area."""

    def to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        log_part = 15 + np.log(np.maximum(f, 1e-9) / 1000) / (np.log(6.4) / 27)
        return np.where(f >= 1000, log_part, f / (200 / 3))

    def to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        return np.where(m >= 15, 1000 * np.exp((np.log(6.4) / 27) * (m - 15)), m * (200 / 3))

    bins = np.linspace(0, rate / 2, n_fft // 2 + 1)
    edges = to_hz(np.linspace(to_mel(0), to_mel(rate / 2), n_mels + 2))
    w = np.zeros((n_mels, len(bins)))
    for i in range(n_mels):
        rise = (bins - edges[i]) / (edges[i + 1] - edges[i])
        fall = (edges[i + 2] - bins) / (edges[i + 2] - edges[i + 1])
        w[i] = np.maximum(0, np.minimum(rise, fall)) * 2.0 / (edges[i + 2] - edges[i])
    return w


def best_split(values: list[float], one_voice: list[bool]) -> tuple[int, float]:
    """(fewest misjudged, threshold): one voice when the value is >= threshold."""
    best = (len(values) + 1, float("nan"))
    for t in sorted(set(values)):
        wrong = sum((v >= t) != one for v, one in zip(values, one_voice, strict=True))
        best = min(best, (wrong, t))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "assets" / "duet_model.npz")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--teacher", action="store_true", help="also resemblyzer's encoder (training-time)")
    args = parser.parse_args(argv)
    if not (args.data / "train-clean-100").is_dir():
        print(f"error: {args.data}/train-clean-100 not found: pass --data", file=sys.stderr)
        return 2
    from duet.model.generation import get_runtime

    _, rt = get_runtime("numpy", args.model)
    teacher = Teacher() if args.teacher else None
    rows = []
    for name, x, voices in dev_set(args.data):
        row = {f"model {k}": v for k, v in model_measures(rt, x).items()}
        if teacher is not None:
            row.update({f"teacher {k}": v for k, v in teacher.measures(x).items()})
        rows.append((name, voices, row))
        print(f"{name:>22} voices {voices}: " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
    keys = sorted({k for _, _, r in rows for k in r})
    print(f"\nfewest recordings misjudged by one threshold ('one voice' at or above it), {args.model.name}:")
    for key in keys:
        have = [(r[key], v == 1) for _, v, r in rows if key in r and np.isfinite(r[key])]
        wrong, t = best_split([h[0] for h in have], [h[1] for h in have])
        print(f"  {key:>13}: {wrong} of {len(have)} (threshold {t:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
