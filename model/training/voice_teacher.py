"""A training-time teacher for voice prints: the GE2E speaker encoder whose weights resemblyzer's
PyPI wheel ships (issue 13 names it). Only the weights file is read (torch.load(weights_only=True));
the forward pass and the mel filterbank are written here. Never shipped, never used at run time.

    pip install --no-deps resemblyzer==0.1.4   # training only; tools/train_voiceprint.sh does it
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

TEACHER_VERSION = "resemblyzer==0.1.4"
WINDOW_S = 1.6  # the encoder's partial utterance: 160 frames of 10 ms


class Teacher:
    """The GE2E speaker encoder of resemblyzer 0.1.4's wheel: 40 mel bands (25 ms, 10 ms hop, power),
    a 3-layer LSTM of 256, a linear layer, ReLU, unit length. Only its weights are read."""

    def __init__(self) -> None:
        import torch

        spec = importlib.util.find_spec("resemblyzer")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(
                f"resemblyzer is not installed: pip install --no-deps {TEACHER_VERSION} (training only)"
            )
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

    def embed_windows(self, windows: list[np.ndarray]) -> np.ndarray:
        """(W, 256) unit vectors of sample windows of WINDOW_S each, each levelled as the encoder
        was trained (what a voice print is distilled from)."""
        frames = round(WINDOW_S * 100)
        mels = np.stack([self.mel(self.level(w))[:frames] for w in windows])
        return self.embed(mels.astype(np.float32))

    def level(self, x: np.ndarray) -> np.ndarray:
        """Raised (never lowered) to -30 dBFS, as the encoder was trained."""
        rms = float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2))) + 1e-9
        return np.asarray(x, dtype=np.float64) * max(1.0, 10 ** ((-30.0 - 20 * np.log10(rms)) / 20))


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
