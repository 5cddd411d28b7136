"""Log-mel features: the one implementation every runtime and the training use.

16 kHz audio -> 80 mel bands every 10 ms (25 ms Hann window, 512-point FFT).
Frame j is centred on sample j * HOP, so two feature frames fall on each
50 fps model frame (frame k at k / 50 s is feature frame 2k); the network's
strided front-end brings them to 50 fps. Samples outside the audio count as
zeros, so features of a window cut from a long take equal the same frames of
the whole take's features (windowed inference relies on this).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import spec

N_MELS = 80
N_FFT = 512
WIN = 400  # 25 ms
HOP = 160  # 10 ms
F_MIN = 20.0
F_MAX = 7600.0
# Floor of the mel power before the log: well under the quietest speech of a
# -1..1 signal, so silence maps to a constant instead of -inf.
POWER_FLOOR = 1e-8
FRAMES_PER_MODEL_FRAME = 2
assert FRAMES_PER_MODEL_FRAME * int(spec.NATIVE_FPS) == spec.SAMPLE_RATE // HOP


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def band_edges_hz() -> np.ndarray:
    """(N_MELS + 2,) the mel bands' edges in Hz, evenly spaced on the HTK mel scale: band k rises
    from edge k, peaks at edge k + 1 (its centre) and falls to edge k + 2."""
    return _mel_to_hz(np.linspace(_hz_to_mel(F_MIN), _hz_to_mel(F_MAX), N_MELS + 2))


@lru_cache(maxsize=2)
def mel_filterbank(n_fft: int = N_FFT) -> np.ndarray:
    """(n_fft // 2 + 1, N_MELS) float32 triangular filters on the HTK mel scale, unit area."""
    edges_hz = band_edges_hz()
    bins_hz = np.arange(n_fft // 2 + 1) * spec.SAMPLE_RATE / n_fft
    lo, mid, hi = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bins_hz[None, :] - lo) / (mid - lo)
    falling = (hi - bins_hz[None, :]) / (hi - mid)
    tri = np.maximum(0.0, np.minimum(rising, falling))
    tri *= 2.0 / (hi - lo)  # equal area: a band's value does not depend on its width
    return np.ascontiguousarray(tri.T.astype(np.float32))


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    n = np.arange(WIN)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / WIN)).astype(np.float32)  # periodic Hann


def n_model_frames(n_samples: int) -> int:
    """Model frames (50 fps) covering n_samples at 16 kHz: ceil(samples / 320), as in the corpus."""
    step = HOP * FRAMES_PER_MODEL_FRAME
    return -(-int(n_samples) // step)


# Frames per FFT pass: each frame is computed from its own samples, so blocks give the same result
# as one pass; 6000 frames (60 s) keep the float64 spectra near 25 MB.
LOG_MEL_BLOCK = 6000


def log_mel(audio: np.ndarray, start_frame: int = 0, n_frames: int | None = None) -> np.ndarray:
    """Log-mel frames [start_frame, start_frame + n_frames) of 16 kHz mono float audio.

    Returns (n_frames, N_MELS) float32. By default all 2 * n_model_frames(len)
    frames. Frames may reach past either end of the audio (zeros there).
    """
    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    if n_frames is None:
        n_frames = FRAMES_PER_MODEL_FRAME * n_model_frames(len(x)) - start_frame
    n_frames = int(n_frames)
    if n_frames <= 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    if n_frames > LOG_MEL_BLOCK:  # bounded memory: a block's spectra, not a whole take's
        out = np.empty((n_frames, N_MELS), dtype=np.float32)
        for b in range(0, n_frames, LOG_MEL_BLOCK):
            m = min(LOG_MEL_BLOCK, n_frames - b)
            out[b : b + m] = log_mel(x, start_frame + b, m)
        return out
    first = start_frame * HOP - WIN // 2  # first sample of the first window
    last = (start_frame + n_frames - 1) * HOP + WIN // 2  # one past the last sample used
    lo, hi = max(first, 0), min(last, len(x))
    seg = np.zeros(last - first, dtype=np.float32)
    if hi > lo:
        seg[lo - first : hi - first] = x[lo:hi]
    frames = np.lib.stride_tricks.sliding_window_view(seg, WIN)[::HOP][:n_frames]
    # float64 frames: pocketfft is faster on them than on float32 (numpy 1.26 upcasts
    # anyway), and numpy 1.x and 2.x then give the same spectra.
    spectrum = np.fft.rfft(frames * _window().astype(np.float64), n=N_FFT, axis=1)
    power = np.square(spectrum.real).astype(np.float32)
    power += np.square(spectrum.imag).astype(np.float32)
    mel = power @ mel_filterbank()
    return np.log(np.maximum(mel, POWER_FLOOR)).astype(np.float32)


def stream_features(
    audio16k: np.ndarray, start_frame: int, n_frames: int, take: np.ndarray | None = None
) -> np.ndarray:
    """Features of mono (S,) or stems (S, 2) audio for model frames [start, start + n).

    Returns (channels, 2 * n_frames, N_MELS) float32 with channels 1 or 2. take: this function's
    output for the whole take, when the caller has it: the frames are sliced from it (each frame
    is computed from its own samples, so they are the same frames, computed once).
    """
    f0, nf = FRAMES_PER_MODEL_FRAME * int(start_frame), FRAMES_PER_MODEL_FRAME * int(n_frames)
    if take is not None and take.shape[1] >= f0 + nf:
        return take[:, f0 : f0 + nf]
    x = np.asarray(audio16k, dtype=np.float32)
    chans = [x] if x.ndim == 1 else [x[:, c] for c in range(x.shape[1])]
    return np.stack([log_mel(c, f0, nf) for c in chans])
