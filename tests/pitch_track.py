"""Pitch measurement for the tests: checks synthesis and augmentation pitch shifts (numpy only)."""

from __future__ import annotations

import numpy as np

from duet.model.spec import SAMPLE_RATE


def f0_track(
    audio: np.ndarray,
    *,
    sample_rate: int = SAMPLE_RATE,
    fmin: float = 60.0,
    fmax: float = 450.0,
    hop: float = 0.010,
    window: float = 0.040,
    threshold: float = 0.45,
) -> np.ndarray:
    """F0 in Hz per frame (0 where unvoiced), by normalised autocorrelation.

    Good enough to compare voices and check pitch shifts (octave errors are
    rare on clean synthetic speech); not a reference pitch tracker.
    """
    x = np.asarray(audio, dtype=np.float64)
    win = round(window * sample_rate)
    step = round(hop * sample_rate)
    if len(x) < win:
        return np.zeros(0)
    n_frames = 1 + (len(x) - win) // step
    idx = np.arange(win)[None, :] + step * np.arange(n_frames)[:, None]
    frames = x[idx]
    frames = frames - frames.mean(axis=1, keepdims=True)
    frames *= np.hanning(win)[None, :]
    nfft = 1 << int(np.ceil(np.log2(2 * win)))
    spec = np.fft.rfft(frames, nfft, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, nfft, axis=1)[:, :win]
    # Unbias for the window's own autocorrelation so long lags are not penalised.
    wac = np.fft.irfft(np.abs(np.fft.rfft(np.hanning(win), nfft)) ** 2, nfft)[:win]
    ac = ac / np.maximum(wac[None, :], 1e-9)
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    lo = max(2, int(sample_rate / fmax))
    hi = min(win - 2, int(sample_rate / fmin))
    seg = ac[:, lo:hi]
    lag = np.argmax(seg, axis=1)
    peak = seg[np.arange(n_frames), lag]
    # Parabolic refinement of the peak lag.
    i = np.clip(lag, 1, seg.shape[1] - 2)
    a, b, c = seg[np.arange(n_frames), i - 1], seg[np.arange(n_frames), i], seg[np.arange(n_frames), i + 1]
    denom = a - 2 * b + c
    delta = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / np.where(denom == 0, 1, denom), 0.0)
    true_lag = lo + i + np.clip(delta, -1, 1)
    energy_db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    voiced = (peak > threshold) & (energy_db > energy_db.max() - 35)
    return np.where(voiced, sample_rate / true_lag, 0.0)


def median_f0(audio: np.ndarray, *, sample_rate: int = SAMPLE_RATE) -> float:
    """Median F0 (Hz) over voiced frames, 0 when none is voiced."""
    f0 = f0_track(audio, sample_rate=sample_rate)
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if len(voiced) else 0.0
