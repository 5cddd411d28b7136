"""Audio preparation for the model: validation and polyphase windowed-sinc resampling.

Pure numpy. Any input rate is brought to spec.SAMPLE_RATE (16 kHz) by an
exact rational resampler: the rate ratio is reduced to up/down, a Kaiser
windowed-sinc low-pass is designed at the up-sampled rate, and each output
phase is one matrix-vector product over a strided view of the input (no
Python loop over samples).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np

from . import spec
from .errors import InputError

MIN_SAMPLE_RATE = 4000
MAX_SAMPLE_RATE = 768000
# Longer takes are refused with advice to split them: memory grows with the take's
# length (the audio itself and the curves), although inference runs in windows.
MAX_SECONDS = 3600.0

# Filter design: zero crossings of the sinc on each side (at the lower of the two
# rates), Kaiser beta (about 80 dB stop band) and the pass band as a share of the
# lower Nyquist frequency.
ZERO_CROSSINGS = 16
KAISER_BETA = 8.0
ROLLOFF = 0.94
_CHUNK = 16384
_FEW_PHASES = 64


@lru_cache(maxsize=16)
def _filter_bank(up: int, down: int) -> np.ndarray:
    """Polyphase filter (up, taps), row r reversed: output = window of x . row.

    The prototype low-pass h (at the up-sampled rate, centred on index `half`)
    has tap k of phase r at h[r + k*up]; it multiplies x[b - k].
    """
    factor = max(up, down)
    half = ZERO_CROSSINGS * factor
    n = np.arange(-half, half + 1, dtype=np.float64)
    cutoff = ROLLOFF / factor  # twice the cut-off in cycles per up-sampled sample
    h = cutoff * np.sinc(cutoff * n) * np.kaiser(len(n), KAISER_BETA)
    h *= up / h.sum()  # each phase then has unit gain at DC
    taps = -(-len(h) // up)
    h = np.concatenate([h, np.zeros(taps * up - len(h))])
    bank = h.reshape(taps, up).T  # bank[r, k] = h[r + k*up]
    return np.ascontiguousarray(bank[:, ::-1])


def resample(audio: np.ndarray, sample_rate: int, target_rate: int = spec.SAMPLE_RATE) -> np.ndarray:
    """Resample a 1-D or (samples, channels) float array; returns float32 at target_rate.

    Output sample n lies at input time n * sample_rate / target_rate; the output
    has ceil(len * target_rate / sample_rate) samples.
    """
    x = np.asarray(audio, dtype=np.float32)
    if int(sample_rate) == int(target_rate):
        return x.copy()
    if x.ndim == 2:
        return np.stack([resample(x[:, c], sample_rate, target_rate) for c in range(x.shape[1])], axis=1)
    ratio = Fraction(int(target_rate), int(sample_rate))
    up, down = ratio.numerator, ratio.denominator
    bank = _filter_bank(up, down).astype(np.float32)
    taps = bank.shape[1]
    half = ZERO_CROSSINGS * max(up, down)
    n_in = len(x)
    n_out = -(-n_in * up // down)
    out = np.empty(n_out, dtype=np.float32)
    if n_out == 0:
        return out
    pad_left = taps + max(up, down)
    pad_right = half // up + taps + max(up, down) + 4
    xp = np.concatenate([np.zeros(pad_left, np.float32), x, np.zeros(pad_right, np.float32)])
    # Output n = n0 + m*up sits at up-sampled position t = n*down; with
    # b = (t + half) // up and r = (t + half) % up it is sum_k h[r + k*up] x[b - k].
    # For a given n0 the phase r is fixed and b steps by `down`.
    if up * down <= _FEW_PHASES:
        _resample_by_convolution(xp, pad_left, bank, up, down, half, out)
    else:
        _resample_by_products(xp, pad_left, bank, up, down, half, out)
    return out


def _resample_by_convolution(
    xp: np.ndarray, pad: int, bank: np.ndarray, up: int, down: int, half: int, out: np.ndarray
) -> None:
    """Small ratios (e.g. 48 kHz -> 16 kHz): per (output phase, input phase) one np.convolve.

    Splitting tap k = j*down + q turns each phase into `down` ordinary
    convolutions of strided input slices, with no overlapping-window copies.
    """
    taps = bank.shape[1]
    forward = bank[:, ::-1]  # forward[r, k] = h[r + k*up]
    n_out = len(out)
    for n0 in range(min(up, n_out)):
        b0, r = divmod(n0 * down + half, up)
        count = len(range(n0, n_out, up))
        acc = np.zeros(count, dtype=np.float32)
        for q in range(down):
            g = forward[r, q::down]
            if not np.any(g):
                continue
            lag = len(g) - 1
            start = b0 - q - lag * down + pad
            seq = xp[start : start + (count + lag - 1) * down + 1 : down]
            acc += np.convolve(seq, g, mode="full")[lag : lag + count]
        out[n0::up] = acc
    del taps


def _resample_by_products(
    xp: np.ndarray, pad: int, bank: np.ndarray, up: int, down: int, half: int, out: np.ndarray
) -> None:
    """Awkward ratios (e.g. 44.1 kHz -> 16 kHz, 160/441): per output phase one strided mat-vec."""
    taps = bank.shape[1]
    windows = np.lib.stride_tricks.sliding_window_view(xp, taps)  # windows[s] = xp[s:s+taps]
    n_out = len(out)
    for n0 in range(min(up, n_out)):
        b0, r = divmod(n0 * down + half, up)
        count = len(range(n0, n_out, up))
        s0 = b0 - taps + 1 + pad  # the window ending at x[b]
        dst = out[n0::up]
        # Chunks bound the temporary copy BLAS makes of the strided rows.
        for c0 in range(0, count, _CHUNK):
            c1 = min(count, c0 + _CHUNK)
            rows = windows[s0 + c0 * down : s0 + (c1 - 1) * down + 1 : down]
            dst[c0:c1] = rows @ bank[r]


def prepare(audio: object, sample_rate: object, *, stems: bool) -> np.ndarray:
    """Validate user audio and return float32 at 16 kHz: (samples,) or (samples, 2) for stems.

    Raises InputError naming the problem and the fix.
    """
    try:
        rate = float(sample_rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"sample_rate must be a number of samples per second, got {sample_rate!r}") from None
    if not np.isfinite(rate) or rate != int(rate) or not (MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE):
        raise InputError(
            f"sample_rate {sample_rate!r} is not a usable audio rate; pass the file's rate in Hz "
            f"(a whole number between {MIN_SAMPLE_RATE} and {MAX_SAMPLE_RATE}, e.g. 16000, 44100, 48000)"
        )
    try:
        x = np.asarray(audio)
    except Exception as exc:  # ragged lists and the like
        raise InputError(f"audio could not be read as an array ({exc}); pass a float numpy array") from None
    if x.dtype.kind not in "fiu":
        raise InputError(
            f"audio must be a float array of samples, got dtype {x.dtype}; decode the file first"
        )
    if x.dtype.kind in "iu":
        # Integer PCM: scale to -1..1 so levels match the training audio.
        info = np.iinfo(x.dtype)
        x = (x.astype(np.float64) - (info.min + info.max + 1) / 2.0) / (info.max + 1)
    if stems:
        if x.ndim != 2 or x.shape[1] != 2:
            raise InputError(
                f"stems mode needs audio of shape (samples, 2) with channel 0 = A and channel 1 = B, "
                f"got shape {x.shape}; pass stems=False for a single mixed track"
            )
    else:
        if x.ndim == 2 and x.shape[1] == 1:
            x = x[:, 0]
        elif x.ndim == 2 and x.shape[1] == 2:
            raise InputError(
                "audio has two channels but stems=False; pass stems=True if each channel holds one "
                "actor (channel 0 = A), or mix the channels down to mono first"
            )
        if x.ndim != 1:
            raise InputError(
                f"audio must have shape (samples,) for a mixed track or (samples, 2) with stems=True, "
                f"got shape {x.shape}"
            )
    n = x.shape[0]
    if n == 0:
        raise InputError("audio is empty (0 samples); pass the voice-over's samples")
    seconds = n / rate
    if seconds > MAX_SECONDS:
        raise InputError(
            f"audio is {seconds / 60:.1f} minutes long; takes longer than {MAX_SECONDS / 60:.0f} minutes "
            f"are refused: split the recording into scenes and generate each"
        )
    if not np.all(np.isfinite(x)):
        bad = int(np.count_nonzero(~np.isfinite(x)))
        raise InputError(f"audio holds {bad} NaN or infinite samples; clean or re-decode the file")
    peak = float(np.max(np.abs(x)))
    if peak > 64.0:
        raise InputError(
            f"audio peaks at {peak:.3g}, far outside -1..1; pass float samples scaled to -1..1 "
            f"(divide 16-bit PCM by 32768)"
        )
    return resample(x.astype(np.float32), int(rate))
