"""Voice prints: what a 1.6 s stretch of speech sounds like, to tell two voices apart.

The network's voice head sees about 0.2 s of sound a frame; on real voices that is too little to
keep two readers apart over a whole take (docs/EVAL.md: real pairs whose roles are half wrong). A
voice print looks at 1.6 s windows: the take's log-mel features (features.py) less their mean over
the voiced frames (the take's channel), three 1-D convolutions (the last two of stride 2), the mean
and spread of their output over each window's voiced frames, and two linear layers to a unit
vector. diarization.join_prints lays each frame's print beside its voice vector for the role
clustering. A short voiced segment (a word or two between pauses) also gets a print of its own,
read over that segment alone: in a quick exchange the 1.6 s window around a turn holds the
partner's voice too. It was distilled from a GE2E speaker encoder at training time
(model/training/voiceprint_train.py); only these weights ship, in their own .npz (loaded without
pickles). Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import features
from .signal import mask_to_spans, short_gaps

WINDOW = 160  # feature frames (100 fps): 1.6 s
HOP = 40  # 0.4 s between windows
MIN_VOICED = 0.5  # a window is printed when at least half of it is voiced
KERNEL = 5
STRIDES = (1, 2, 2)
DOWN = int(np.prod(STRIDES))  # feature frames per frame of the last convolution
# The trunk in blocks (a 10-minute take in one pass built 150 MB of convolution columns). An output
# frame sees 8 feature frames either side; the margin is a multiple of DOWN so blocks keep the phase.
TRUNK_BLOCK = 4000
TRUNK_MARGIN = 12
LAYERS = ("conv0", "conv1", "conv2", "fc0", "fc1")
# Present and 1 in a weights file: its features are the take's log-mel less one loudness figure
# (take_windows level_only); absent: less each band's mean (the first prints).
LEVEL_KEY = "norm.level"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "assets" / "duet_voiceprint.npz"
# Segment prints (model frames, 50 fps). A pause shorter than SEGMENT_GAP does not end a segment;
# segments of SEGMENT_MIN..SEGMENT_MAX get a print of their own (shorter ones say too little,
# longer ones are printed well by their windows), added to their frames' window prints
# (chosen on development takes: docs/EVAL.md "Session 19").
SEGMENT_GAP = 5
SEGMENT_MIN = 25
SEGMENT_MAX = 100
SEGMENT_WEIGHT = 1.0


class VoicePrintError(ValueError):
    """A voice-print weights file that cannot be used."""


@dataclass(frozen=True)
class VoicePrint:
    """The weights: conv{i}.w (out, in, KERNEL), conv{i}.b, fc{i}.w (out, in), fc{i}.b."""

    params: dict[str, np.ndarray]

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> VoicePrint:
        try:
            with np.load(path, allow_pickle=False) as data:
                params = {k: np.asarray(data[k], dtype=np.float32) for k in data.files}
        except (OSError, ValueError) as exc:
            raise VoicePrintError(f"voice-print weights '{path}' could not be read ({exc})") from exc
        missing = [f"{n}.{p}" for n in LAYERS for p in ("w", "b") if f"{n}.{p}" not in params]
        if missing:
            raise VoicePrintError(f"voice-print weights '{path}' lack {', '.join(missing)}")
        return cls(params)

    @property
    def level_only(self) -> bool:
        """Weights trained on features less the take's loudness alone (LEVEL_KEY), not band by band."""
        return bool(self.params.get(LEVEL_KEY, np.zeros(1)).reshape(-1)[0] > 0.5)

    def trunk(self, feats: np.ndarray) -> np.ndarray:
        """(T, N_MELS) normalised features -> (ceil(T / DOWN), C) convolution output, in blocks of
        TRUNK_BLOCK frames with TRUNK_MARGIN of context either side (bounded memory on long takes;
        the same output as one pass)."""
        n = len(feats)
        if n <= TRUNK_BLOCK + 2 * TRUNK_MARGIN:
            return self._trunk(feats)
        parts = []
        for s in range(0, n, TRUNK_BLOCK):
            a, b = max(0, s - TRUNK_MARGIN), min(n, s + TRUNK_BLOCK + TRUNK_MARGIN)
            first = (s - a) // DOWN
            parts.append(self._trunk(feats[a:b])[first : first + -(-min(TRUNK_BLOCK, n - s) // DOWN)])
        return np.concatenate(parts)

    def _trunk(self, feats: np.ndarray) -> np.ndarray:
        h = feats.astype(np.float32)
        for i, stride in enumerate(STRIDES):
            h = np.maximum(conv1d(h, self.params[f"conv{i}.w"], self.params[f"conv{i}.b"], stride), 0.0)
        return h

    def head(self, pooled: np.ndarray) -> np.ndarray:
        """(W, 2C) pooled windows -> (W, D) unit vectors."""
        h = np.maximum(pooled @ self.params["fc0.w"].T + self.params["fc0.b"], 0.0)
        v = h @ self.params["fc1.w"].T + self.params["fc1.b"]
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-6)

    def prints(
        self, audio16k: np.ndarray, voiced: np.ndarray, log_mel: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Voice prints of a mono take: ((W, D) unit vectors, (W,) their windows' first model frames).

        voiced: (F,) bool at 50 fps (windowing.voiced_frames). log_mel: the take's features.log_mel
        when the caller has it. Windows start every HOP feature frames and are kept when at least
        MIN_VOICED of them is voiced.
        """
        return self.take_prints(audio16k, voiced, log_mel, segments=False)[:2]

    def segment_prints(
        self, audio16k: np.ndarray, voiced: np.ndarray, log_mel: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Voice prints of the take's voiced segments of SEGMENT_MIN..SEGMENT_MAX model frames
        (voiced_segments), each read over its own frames only: ((S, D) unit vectors, (S, 2) their
        [start, end) model frames). Empty when the take is too short for a window."""
        return self.take_prints(audio16k, voiced, log_mel, windows=False)[2:]

    def take_prints(
        self,
        audio16k: np.ndarray,
        voiced: np.ndarray,
        log_mel: np.ndarray | None = None,
        *,
        windows: bool = True,
        segments: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """prints() and segment_prints() of a take from one pass of the trunk: (window vectors,
        their first model frames, segment vectors, their [start, end) model frames); those not
        asked for are empty."""
        dim = self.params["fc1.b"].shape[0]
        out = [
            np.zeros((0, dim), np.float32),
            np.zeros(0, np.int64),
            np.zeros((0, dim), np.float32),
            np.zeros((0, 2), np.int64),
        ]
        spans = [(a, b) for a, b in voiced_segments(voiced) if SEGMENT_MIN <= b - a <= SEGMENT_MAX]
        feats = features.log_mel(audio16k) if log_mel is None else np.asarray(log_mel, np.float32)
        feats, voiced_feat, window_starts = take_windows(feats, voiced, level_only=self.level_only)
        # A take too short for a window is too short to print, by windows or by segments.
        if not window_starts or not (windows or (segments and spans)):
            return out[0], out[1], out[2], out[3]
        h = self.trunk(feats)
        mask = voiced_feat[::DOWN][: len(h)]
        if windows:
            pooled = [
                masked_stats(h[s // DOWN : (s + WINDOW) // DOWN], mask[s // DOWN : (s + WINDOW) // DOWN])
                for s in window_starts
            ]
            out[0] = self.head(np.stack(pooled))
            out[1] = np.asarray(window_starts, dtype=np.int64) // features.FRAMES_PER_MODEL_FRAME
        if segments and spans:
            per_frame = features.FRAMES_PER_MODEL_FRAME / DOWN  # trunk frames per model frame
            pooled = []
            for a, b in spans:
                lo, hi = int(a * per_frame), int(np.ceil(b * per_frame))
                pooled.append(masked_stats(h[lo:hi], mask[lo:hi]))
            out[2] = self.head(np.stack(pooled))
            out[3] = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
        return out[0], out[1], out[2], out[3]


def voiced_segments(voiced: np.ndarray, gap: int = SEGMENT_GAP) -> list[tuple[int, int]]:
    """[start, end) model frames of the voiced stretches, pauses shorter than gap frames bridged."""
    v = np.asarray(voiced, dtype=bool)
    return [(a, b) for a, b in mask_to_spans(v | short_gaps(v, gap)).tolist()]


def take_windows(
    feats: np.ndarray, voiced: np.ndarray, *, level_only: bool = False
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """What a voice print reads of a take (run time and training alike): its log-mel features less
    their mean over the voiced frames (band by band, the take's channel; or, level_only, one
    figure over all bands, the take's loudness, which leaves each voice's spectral tilt in), its
    voiced feature frames (100 fps), and the first feature frames of the windows printed (every
    HOP, at least MIN_VOICED voiced). No windows when the take is shorter than one or holds no
    voice (the features are then returned as they came)."""
    voiced_feat = np.repeat(np.asarray(voiced, dtype=bool), features.FRAMES_PER_MODEL_FRAME)[: len(feats)]
    if len(feats) < WINDOW or not voiced_feat.any():
        return feats, voiced_feat, []
    band_mean = feats[voiced_feat].mean(axis=0)
    feats = feats - (band_mean.mean() if level_only else band_mean)
    starts = [
        s for s in range(0, len(feats) - WINDOW + 1, HOP) if voiced_feat[s : s + WINDOW].mean() >= MIN_VOICED
    ]
    return feats, voiced_feat, starts


def conv1d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, dilation: int = 1) -> np.ndarray:
    """(T, Cin) * (Cout, Cin, K) -> (ceil(T / stride), Cout); taps `dilation` apart, zero padding
    dilation * (K // 2) either side. The lip reader (lips/lip_reader.py) uses it too."""
    t, c_in = x.shape
    c_out, _, k = w.shape
    half = dilation * (k // 2)
    n = -(-t // stride)
    # cols[i, j] = x[i * stride + j * dilation - half] (zeros outside): one contiguous copy per tap.
    cols = np.zeros((n, k, c_in), dtype=np.result_type(x, np.float32))
    for j in range(k):
        offset = j * dilation - half
        i0 = -(-max(0, -offset) // stride)
        i1 = min(n, -(-(t - offset) // stride))
        if i1 > i0:
            s0 = i0 * stride + offset
            cols[i0:i1, j] = x[s0 : s0 + (i1 - i0 - 1) * stride + 1 : stride]
    out = cols.reshape(n, k * c_in) @ w.transpose(2, 1, 0).reshape(k * c_in, c_out)
    out += b
    return out


def masked_stats(h: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean and standard deviation of h's rows where mask holds (all rows when none does)."""
    rows = h[mask] if mask.any() else h
    mean = rows.mean(axis=0)
    std = np.sqrt(np.maximum(((rows - mean) ** 2).mean(axis=0), 1e-6))
    return np.concatenate([mean, std])


def frame_prints(vectors: np.ndarray, starts: np.ndarray, n_frames: int) -> np.ndarray:
    """(n_frames, D) the unit mean of the prints of the windows that cover each model frame; zero
    rows where no printed window does. vectors, starts: VoicePrint.prints' output."""
    dim = vectors.shape[1] if vectors.ndim == 2 else 1
    out = np.zeros((n_frames, dim), dtype=np.float32)
    span = WINDOW // features.FRAMES_PER_MODEL_FRAME
    for v, s in zip(vectors, np.asarray(starts, dtype=np.int64), strict=True):
        out[s : s + span] += v
    out /= np.maximum(np.sqrt(np.einsum("ij,ij->i", out, out)), 1e-6)[:, None]  # in place: 30 MB on 10 min
    return out


def take_frame_prints(
    prints: VoicePrint, audio16k: np.ndarray, voiced: np.ndarray, log_mel: np.ndarray | None = None
) -> np.ndarray | None:
    """(F, D) each model frame's print: its windows' (frame_prints) with its segment's
    (segment_prints) added; None when no window is printed (a take shorter than one, no voice)."""
    vectors, starts, segment_vectors, spans = prints.take_prints(audio16k, voiced, log_mel)
    if not len(vectors):
        return None
    window_prints = frame_prints(vectors, starts, len(voiced))
    return with_segment_prints(window_prints, segment_vectors, spans, in_place=True)


def with_segment_prints(
    window_prints: np.ndarray,
    vectors: np.ndarray,
    spans: np.ndarray,
    weight: float = SEGMENT_WEIGHT,
    *,
    in_place: bool = False,
) -> np.ndarray:
    """window_prints (F, D) (frame_prints) with each segment's print (segment_prints) added, times
    weight, to the frames it covers, rows made unit again; in_place: into window_prints itself
    (float32), which the caller no longer needs."""
    out = window_prints if in_place else np.array(window_prints, dtype=np.float32, copy=True)
    for v, (a, b) in zip(vectors, np.asarray(spans, dtype=np.int64).reshape(-1, 2), strict=True):
        rows = out[a:b] + weight * v[None, :]
        out[a:b] = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-6)
    return out


@lru_cache(maxsize=1)
def shipped() -> VoicePrint | None:
    """The bundled voice print, or None when this build has none (the centroids decide then)."""
    return VoicePrint.load(DEFAULT_PATH) if DEFAULT_PATH.is_file() else None
