"""Voice and channel augmentation for the synthetic corpus (numpy only, deterministic).

Two stages, each a frozen dataclass of parameters drawn from a numpy
Generator and a function that applies it:

- VoiceWarp turns one TTS voice into another speaker: pitch (semitones),
  formants (spectral-envelope frequency scale, the vocal-tract-length
  warp), spectral tilt, speaking speed and level. ``apply_voice_warp``
  returns an Utterance whose phone times follow the audio exactly.
- Channel is the room and the microphone: reverberation from a synthetic
  room impulse response, noise at a signal-to-noise ratio, band limits of
  a telephone, a lapel microphone or a laptop, mu-law coding, level and
  clipping. It keeps the timing (direct sound at lag 0, zero-phase
  filters) and the length of the audio.

Held-out speakers: the (pitch, formant) plane is cut into a grid of cells
and a fixed set of cells belongs to the test split only
(``TEST_CELLS``); train and validation draw from the others. A test
speaker is thus a timbre training never heard, inside the same range.

How the voice warp works (all at 16 kHz):
1. envelope: the STFT of the speech is multiplied by the ratio of a
   warped to the original spectral envelope (cepstral smoothing), which
   moves the formants and keeps phase and timing (zero-phase gains);
2. pitch: resampling by P = 2^(semitones/12) raises pitch and formants by P
   and shortens by P (step 1 pre-compensates the formants to end at the
   requested formant factor); times scale by exactly 1/P;
3. speed: WSOLA time-scale modification to the requested duration. Each
   output frame is copied from an input position chosen within +-5 ms of
   its nominal place to keep the waveform periodic; those chosen positions
   form the exact time map that phone and word times go through.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

import numpy as np

from ..audio import resample
from ..spec import SAMPLE_RATE
from .speech.types import Phone, Utterance

SPLITS = ("train", "validation", "test")

# --- speaker grid and ranges -------------------------------------------------------------
PITCH_RANGE = (-6.0, 6.0)  # semitones
FORMANT_RANGE = (0.86, 1.16)  # envelope frequency factor (>1: shorter vocal tract)
SPEED_RANGE = (0.85, 1.2)  # >1 faster
LEVEL_RANGE_DB = (-10.0, 4.0)
TILT_RANGE_DB = (-3.0, 3.0)  # dB per octave around 1 kHz
GRID = 6  # cells per axis (pitch x log-formant)
N_CELLS = GRID * GRID
# Cells only the test split uses: a fixed draw (seed 8413) of 8 of the 36, so they
# are scattered over the plane rather than one corner of it.
TEST_CELLS: frozenset[int] = frozenset(int(c) for c in np.random.default_rng(8413).permutation(N_CELLS)[:8])


HELD_OUT_DESCRIPTION = (
    f"speaker cells: the (pitch {PITCH_RANGE[0]:+g}..{PITCH_RANGE[1]:+g} st, log formant "
    f"{FORMANT_RANGE[0]}..{FORMANT_RANGE[1]}) plane cut into {GRID}x{GRID} cells; cells "
    f"{sorted(TEST_CELLS)} (cell = pitch bin * {GRID} + formant bin) are drawn by the test split only, "
    "train and validation draw from the other cells; speed, level and tilt ranges are shared"
)


def split_cells(split: str) -> tuple[int, ...]:
    """Speaker cells a split draws from."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} (got {split!r})")
    if split == "test":
        return tuple(sorted(TEST_CELLS))
    return tuple(c for c in range(N_CELLS) if c not in TEST_CELLS)


def _cell_bounds(cell: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """((pitch lo, hi) semitones, (log formant lo, hi)) of a cell."""
    i, j = divmod(cell, GRID)
    p0, p1 = PITCH_RANGE
    f0, f1 = np.log(FORMANT_RANGE[0]), np.log(FORMANT_RANGE[1])
    dp, df = (p1 - p0) / GRID, (f1 - f0) / GRID
    return (p0 + i * dp, p0 + (i + 1) * dp), (f0 + j * df, f0 + (j + 1) * df)


def cell_of(pitch: float, formant: float) -> int:
    """The speaker cell of a (pitch, formant) pair (values outside the ranges clamp to the edge)."""
    p0, p1 = PITCH_RANGE
    f0, f1 = np.log(FORMANT_RANGE[0]), np.log(FORMANT_RANGE[1])
    i = int(np.clip(np.floor((pitch - p0) / (p1 - p0) * GRID), 0, GRID - 1))
    j = int(np.clip(np.floor((np.log(formant) - f0) / (f1 - f0) * GRID), 0, GRID - 1))
    return i * GRID + j


@dataclass(frozen=True)
class VoiceWarp:
    """A speaker transform. The identity is VoiceWarp()."""

    pitch: float = 0.0  # semitones
    formant: float = 1.0  # spectral-envelope frequency factor
    speed: float = 1.0  # >1 faster: durations divide by speed
    level_db: float = 0.0
    tilt_db: float = 0.0  # spectral tilt, dB per octave around 1 kHz

    @property
    def cell(self) -> int:
        return cell_of(self.pitch, self.formant)

    @property
    def speaker_id(self) -> str:
        """Names the warp for manifests: cell and rounded values."""
        return f"c{self.cell:02d}:p{self.pitch:+.1f}:f{self.formant:.3f}"

    @property
    def is_identity(self) -> bool:
        return self == VoiceWarp()


def sample_voice_warp(rng: np.random.Generator, split: str = "train") -> VoiceWarp:
    """A random speaker transform from the split's cells (test cells are test-only)."""
    cells = split_cells(split)
    cell = int(cells[int(rng.integers(len(cells)))])
    (pa, pb), (fa, fb) = _cell_bounds(cell)
    pitch = float(rng.uniform(pa, pb))
    formant = float(np.exp(rng.uniform(fa, fb)))
    # Keep the draw strictly inside its cell (a value on the upper edge belongs to the next).
    pitch = float(np.clip(pitch, pa + 1e-6, pb - 1e-6))
    formant = float(np.clip(formant, np.exp(fa + 1e-9), np.exp(fb - 1e-9)))
    speed = float(np.exp(rng.uniform(np.log(SPEED_RANGE[0]), np.log(SPEED_RANGE[1]))))
    # A high voice that also speaks slowly needs a time stretch (pitch ratio / speed) beyond
    # WSOLA keeps phone times accurate for (apply_voice_warp): such a speaker speaks a little faster.
    speed = max(speed, _pitch_ratio(pitch) / WSOLA_MAX_STRETCH * (1.0 + 1e-6))
    level = float(rng.uniform(*LEVEL_RANGE_DB))
    tilt = float(rng.uniform(*TILT_RANGE_DB))
    return VoiceWarp(pitch=pitch, formant=formant, speed=speed, level_db=level, tilt_db=tilt)


# --- STFT helpers ----------------------------------------------------------------------------
_N_FFT = 512
_HOP = 256  # the envelope gain changes slowly: half-overlapping frames are enough
_LIFTER = 30  # cepstral coefficients kept for the envelope (quefrency < 1.9 ms at 16 kHz)


@lru_cache(maxsize=4)
def _window(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float64)  # periodic Hann


def _stft(x: np.ndarray) -> tuple[np.ndarray, int]:
    pad = _N_FFT
    xp = np.concatenate([np.zeros(pad, np.float32), x.astype(np.float32), np.zeros(pad + _HOP, np.float32)])
    n_frames = 1 + (len(xp) - _N_FFT) // _HOP
    idx = np.arange(_N_FFT)[None, :] + _HOP * np.arange(n_frames)[:, None]
    return np.fft.rfft(xp[idx] * _window(_N_FFT).astype(np.float32)[None, :], axis=1), len(xp)


def _overlap_add(frames: np.ndarray, total: int) -> np.ndarray:
    """Sum frames placed every _HOP samples (the frame length is a multiple of the hop)."""
    n_frames, n = frames.shape
    parts = n // _HOP
    blocks = np.zeros((n_frames + parts - 1, _HOP), dtype=np.float64)
    for j in range(parts):
        blocks[j : j + n_frames] += frames[:, j * _HOP : (j + 1) * _HOP]
    out = blocks.reshape(-1)
    return out[:total] if len(out) >= total else np.concatenate([out, np.zeros(total - len(out))])


def _istft(spec: np.ndarray, total: int, n_out: int) -> np.ndarray:
    win = _window(_N_FFT)
    frames = np.fft.irfft(spec, _N_FFT, axis=1) * win[None, :]
    out = _overlap_add(frames, total)
    norm = _overlap_add(np.broadcast_to(win**2, frames.shape), total)
    out = out / np.maximum(norm, 1e-8)
    return out[_N_FFT : _N_FFT + n_out]


def _source_frequency(f: np.ndarray, factor: float, nyq: float) -> np.ndarray:
    """Where output frequency f takes its envelope from under a piecewise-linear warp.

    The warp maps g -> factor*g up to a knee and then linearly onto Nyquist, so
    the band edge stays put (the vocal-tract-length warp of Jaitly & Hinton 2013).
    """
    knee = 0.85 * nyq * min(1.0, 1.0 / factor)
    out_knee = factor * knee
    low = f / factor
    high = knee + (f - out_knee) * (nyq - knee) / max(nyq - out_knee, 1e-9)
    return np.where(f <= out_knee, low, high)


def envelope_warp(audio: np.ndarray, factor: float, tilt_db: float = 0.0) -> np.ndarray:
    """Move the spectral envelope (formants) by ``factor`` and tilt it; length and timing kept."""
    x = np.asarray(audio, dtype=np.float64)
    if len(x) == 0 or (abs(factor - 1.0) < 1e-4 and abs(tilt_db) < 1e-3):
        return x.astype(np.float32)
    spec, total = _stft(x)
    logmag = np.log(np.abs(spec) + 1e-7)
    ceps = np.fft.irfft(logmag, _N_FFT, axis=1)
    ceps[:, _LIFTER : -_LIFTER + 1] = 0.0
    env = np.fft.rfft(ceps, axis=1).real  # log envelope per frame
    nyq = SAMPLE_RATE / 2
    freqs = np.linspace(0, nyq, env.shape[1])
    gain = np.zeros_like(env)
    if abs(factor - 1.0) >= 1e-4:
        src = _source_frequency(freqs, factor, nyq) / nyq * (env.shape[1] - 1)
        i0 = np.clip(np.floor(src).astype(int), 0, env.shape[1] - 2)
        frac = np.clip(src - i0, 0.0, 1.0)
        warped = env[:, i0] * (1 - frac) + env[:, i0 + 1] * frac
        gain = np.clip(warped - env, -np.log(10) * 1.2, np.log(10) * 1.2)  # at most +-24 dB
    if abs(tilt_db) >= 1e-3:
        octaves = np.log2(np.maximum(freqs, 50.0) / 1000.0)
        gain = gain + (tilt_db * octaves / 20.0 * np.log(10))[None, :]
    out = _istft(spec * np.exp(gain), total, len(x))
    return out.astype(np.float32)


# --- WSOLA -------------------------------------------------------------------------------------
_WS_WIN = 512  # 32 ms
_WS_HOP = 256  # output hop
_WS_TOL = 80  # +-5 ms search


def wsola(audio: np.ndarray, stretch: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time-scale ``audio`` to ``stretch`` times its length at the same pitch.

    Returns (output, input anchors, output anchors): sample positions (frame
    centres) that correspond, increasing in both; times map through them.
    """
    x = np.asarray(audio, dtype=np.float64)
    n_in = len(x)
    n_out = max(1, round(n_in * stretch))
    if abs(stretch - 1.0) < 1e-6 or n_in < _WS_WIN:
        anchors = np.array([0.0, float(n_in)])
        return x.astype(np.float32), anchors, anchors * n_out / max(n_in, 1)
    ha = _WS_HOP / stretch  # nominal input hop
    if ha < 2 * _WS_TOL:
        raise ValueError(
            f"stretch {stretch:.3f} is beyond WSOLA's range here (at most {_WS_HOP / (2 * _WS_TOL)})"
        )
    win = _window(_WS_WIN)
    pad = _WS_WIN + _WS_TOL
    xp = np.concatenate([np.zeros(pad), x, np.zeros(pad + 2 * _WS_WIN)])
    n_frames = int(np.ceil((n_out + _WS_WIN) / _WS_HOP)) + 1
    out = np.zeros(n_frames * _WS_HOP + _WS_WIN)
    in_pos = np.zeros(n_frames)
    prev = None
    limit = len(xp) - _WS_WIN - _WS_TOL - 1
    for k in range(n_frames):
        # Frame k's window starts at output sample k*HOP - WIN/2 (centred on k*HOP).
        nominal = int(round(k * ha)) + pad - _WS_WIN // 2
        nominal = min(max(nominal, _WS_TOL), limit)
        if prev is None:
            pos = nominal
        else:
            target = xp[prev + _WS_HOP : prev + _WS_HOP + _WS_WIN]
            region = xp[nominal - _WS_TOL : nominal + _WS_TOL + _WS_WIN]
            corr = np.correlate(region, target, mode="valid")
            pos = nominal - _WS_TOL + int(np.argmax(corr)) if np.any(target) else nominal
        out[k * _WS_HOP : k * _WS_HOP + _WS_WIN] += win * xp[pos : pos + _WS_WIN]
        in_pos[k] = pos - pad + _WS_WIN // 2
        prev = pos
    # Periodic Hann at 50 % overlap sums to 1; output sample j sits at out[j + WIN/2].
    y = out[_WS_WIN // 2 : _WS_WIN // 2 + n_out]
    out_pos = np.arange(n_frames, dtype=np.float64) * _WS_HOP
    # Positions run forward by at least ha - 2*tol >= 0; make them strictly increasing for interp.
    in_pos = np.maximum.accumulate(in_pos + np.arange(n_frames) * 1e-6)
    return y.astype(np.float32), in_pos, out_pos


# One WSOLA pass reaches a stretch of _WS_HOP / (2 * _WS_TOL) = 1.6, but near that edge its
# phone times drifted up to 15 ms in a one-off check; sampled speakers stay at or below 1.5, where
# tests/test_augment.py holds them within 8 ms.
WSOLA_MAX_STRETCH = 1.5


def _pitch_ratio_fraction(semitones: float) -> Fraction:
    """The resampling ratio apply_voice_warp uses for a pitch shift (exact, small terms)."""
    return Fraction(float(2.0 ** (semitones / 12.0))).limit_denominator(64)


def _pitch_ratio(semitones: float) -> float:
    return float(_pitch_ratio_fraction(semitones))


def _map_utterance_times(utt: Utterance, audio: np.ndarray, fn) -> Utterance:
    phones = [Phone(p.ipa, float(fn(p.start)), float(fn(p.end)), p.stress) for p in utt.phones]
    words = [(w, float(fn(s)), float(fn(e))) for w, s, e in utt.words]
    return replace(utt, audio=audio.astype(np.float32), phones=phones, words=words).tiled()


def apply_voice_warp(utt: Utterance, warp: VoiceWarp) -> Utterance:
    """The utterance spoken by the warped speaker; phone and word times follow the audio."""
    if warp.is_identity:
        return utt
    x = np.asarray(utt.audio, dtype=np.float32)
    ratio = _pitch_ratio_fraction(warp.pitch)
    p_eff = float(ratio)
    # 1. envelope: pre-compensate the formant rise of step 2.
    x = envelope_warp(x, warp.formant / p_eff, warp.tilt_db)
    # 2. pitch by resampling: output sample n = input time n * P.
    if ratio != 1:
        x = resample(x, ratio.numerator * 1000, ratio.denominator * 1000)
    # 3. duration: from len/P to len/speed.
    stretch = p_eff / warp.speed
    x, in_anchor, out_anchor = wsola(x, stretch)
    n_target = round(len(utt.audio) / warp.speed)
    x = x[:n_target] if len(x) >= n_target else np.concatenate([x, np.zeros(n_target - len(x), np.float32)])
    x = x * np.float32(10.0 ** (warp.level_db / 20.0))
    sr = float(SAMPLE_RATE)

    def map_time(t: float) -> float:
        pos = t * sr / p_eff  # input sample of the resampled signal
        return float(np.interp(pos, in_anchor, out_anchor, left=pos * stretch, right=None)) / sr

    # np.interp clamps beyond the last anchor; extrapolate linearly there instead.
    last_in, last_out = in_anchor[-1], out_anchor[-1]

    def map_time_tail(t: float) -> float:
        pos = t * sr / p_eff
        if pos > last_in:
            return (last_out + (pos - last_in) * stretch) / sr
        return map_time(t)

    return _map_utterance_times(utt, x, map_time_tail)


def speak(synth, text: str, voice, warp: VoiceWarp, *, rate: float = 1.0, **options) -> Utterance:
    """``synth.synthesize`` + ``apply_voice_warp`` in one, with the cheap and clean path.

    Backends that shift pitch and change speed themselves (espeak-ng, festival's
    diphone voices) do so: the synthesiser gets ``rate * warp.speed`` and
    ``pitch=warp.pitch``, and only the envelope (formant, tilt) and level are
    done here, an STFT filter, about 3x cheaper than resampling + WSOLA. The
    others (festival:slt) get the full warp. Phone times stay exact either way;
    durations follow the synthesiser's own rate rules (pauses included) instead
    of a uniform stretch.
    """
    from .speech import parse_voice

    v = parse_voice(voice)
    native = v.backend == "espeak" or (v.backend == "festival" and v.name in NATIVE_PITCH_FESTIVAL)
    if not native:
        return apply_voice_warp(synth.synthesize(text, v, rate=rate, **options), warp)
    utt = synth.synthesize(text, v, rate=rate * warp.speed, pitch=warp.pitch or None, **options)
    return apply_voice_warp(utt, replace(warp, pitch=0.0, speed=1.0))


# festival voices whose own pitch control works (the HTS voice's does not).
NATIVE_PITCH_FESTIVAL = frozenset({"kal", "ked"})


# --- channel ------------------------------------------------------------------------------------
NOISE_KINDS = ("white", "pink", "brown", "babble", "hum")
BANDS = ("full", "phone", "lapel", "laptop")


@dataclass(frozen=True)
class Channel:
    """Room, noise and microphone. The identity is Channel()."""

    rt60: float = 0.0  # reverberation time (s); 0 = dry
    drr_db: float = 10.0  # direct-to-reverberant energy ratio
    noise: str | None = None  # one of NOISE_KINDS
    snr_db: float = 30.0  # speech (active frames) to noise
    band: str = "full"  # one of BANDS
    mulaw: bool = False  # 8-bit mu-law coding (telephone codec)
    level_db: float | None = None  # active speech RMS in dBFS; None keeps the level
    drive_db: float = 0.0  # > 0: amplified by this much into hard clipping at full scale

    @property
    def is_identity(self) -> bool:
        return self == Channel()


def sample_channel(rng: np.random.Generator) -> Channel:
    """A random channel: about a fifth clean, the rest mixes of room, noise and band limits."""
    if rng.random() < 0.2:
        return Channel(level_db=float(rng.uniform(-32.0, -16.0)))
    rt60 = float(rng.uniform(0.15, 0.9)) if rng.random() < 0.5 else 0.0
    drr = float(rng.uniform(-2.0, 12.0))
    noise = None
    snr = 30.0
    if rng.random() < 0.75:
        noise = str(rng.choice(NOISE_KINDS, p=[0.15, 0.25, 0.15, 0.3, 0.15]))
        snr = float(rng.uniform(3.0, 40.0))
    band = str(rng.choice(BANDS, p=[0.55, 0.15, 0.15, 0.15]))
    mulaw = band == "phone" and rng.random() < 0.5
    level = float(rng.uniform(-38.0, -14.0))
    drive = float(rng.uniform(2.0, 12.0)) if rng.random() < 0.08 else 0.0
    return Channel(rt60, drr, noise, snr, band, mulaw, level, drive)


def _active_power(x: np.ndarray) -> float:
    """Mean power over frames within 40 dB of the loudest (so pauses do not dilute it)."""
    n = 320
    m = len(x) // n
    if m == 0:
        return float(np.mean(x**2) + 1e-12)
    p = np.mean(x[: m * n].reshape(m, n).astype(np.float64) ** 2, axis=1)
    active = p[p > p.max() * 1e-4]
    return float(active.mean()) if len(active) else float(p.mean() + 1e-12)


def _fast_len(n: int) -> int:
    """A length >= n whose FFT is fast (a power of two)."""
    return 1 << int(np.ceil(np.log2(max(n, 2))))


def _shaped_noise(rng: np.random.Generator, n: int, slope_db_per_oct: float) -> np.ndarray:
    m = _fast_len(n)
    spec = np.fft.rfft(rng.standard_normal(m))
    f = np.fft.rfftfreq(m, 1 / SAMPLE_RATE)
    spec *= (np.maximum(f, 20.0) / 1000.0) ** (slope_db_per_oct / (20 * np.log10(2)))
    return np.fft.irfft(spec, m)[:n]


def make_noise(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    """n samples of noise of a kind (unit power)."""
    if kind == "white":
        x = rng.standard_normal(n)
    elif kind == "pink":
        x = _shaped_noise(rng, n, -3.0)
    elif kind == "brown":
        x = _shaped_noise(rng, n, -6.0)
    elif kind == "babble":
        # Speech-shaped noise (flat to 500 Hz, then about -9 dB/octave) with a 2-6 Hz
        # syllable-like envelope: the texture of distant overlapping talkers.
        m = _fast_len(n)
        spec = np.fft.rfft(rng.standard_normal(m))
        f = np.fft.rfftfreq(m, 1 / SAMPLE_RATE)
        spec *= np.where(f < 500, 1.0, (np.maximum(f, 1) / 500.0) ** (-1.5)) * (f > 80)
        x = np.fft.irfft(spec, m)[:n]
        # Envelope computed at 100 Hz and interpolated: it varies at a few Hz only.
        tc = np.arange(n // 160 + 2) / 100.0
        env_c = np.zeros(len(tc))
        for _ in range(4):  # a few talkers, each with its own rate and phase
            env_c += 1 + 0.8 * np.sin(2 * np.pi * rng.uniform(2, 6) * tc + rng.uniform(0, 2 * np.pi))
        x *= np.interp(np.arange(n) / SAMPLE_RATE, tc, env_c)
    elif kind == "hum":
        # One period of 1/base s holds every harmonic: build it once, tile it.
        base = 50.0 if rng.random() < 0.5 else 60.0
        period = round(SAMPLE_RATE / base)
        tp = np.arange(period) / SAMPLE_RATE
        cycle = np.zeros(period)
        for h in range(1, 8):
            cycle += rng.uniform(0.2, 1.0) / h * np.sin(2 * np.pi * base * h * tp + rng.uniform(0, 6.3))
        x = np.tile(cycle, n // period + 1)[:n] + 0.05 * rng.standard_normal(n)
    else:
        raise ValueError(f"unknown noise kind {kind!r}; use one of {NOISE_KINDS}")
    x = np.asarray(x, dtype=np.float64)
    return x / np.sqrt(np.mean(x**2) + 1e-12)


def room_impulse_response(rng: np.random.Generator, rt60: float, drr_db: float) -> np.ndarray:
    """Synthetic RIR at 16 kHz: direct sound at lag 0, early reflections, a diffuse tail.

    The tail is noise decaying by 60 dB in rt60 seconds, with low frequencies
    decaying slower and high ones faster (absorption grows with frequency); its
    energy is set so that direct / reverberant energy = drr_db.
    """
    n = max(32, int(SAMPLE_RATE * min(1.5 * rt60, 1.5)))
    t = np.arange(n) / SAMPLE_RATE
    f = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    tail = np.zeros(n)
    for lo, hi, scale in ((0, 500, 1.2), (500, 2500, 1.0), (2500, SAMPLE_RATE / 2 + 1, 0.6)):
        band = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * ((f >= lo) & (f < hi)), n)
        tail += band * np.exp(-6.9 * t / (rt60 * scale))
    onset = int(SAMPLE_RATE * rng.uniform(0.003, 0.012))
    tail[:onset] = 0.0
    # Early reflections: sparse taps in the first 50 ms.
    for _ in range(int(rng.integers(4, 12))):
        k = int(SAMPLE_RATE * rng.uniform(0.002, 0.05))
        if k < n:
            tail[k] += rng.choice([-1.0, 1.0]) * rng.uniform(0.1, 0.5) * np.exp(-6.9 * t[k] / rt60)
    energy = np.sum(tail**2)
    tail *= np.sqrt(10.0 ** (-drr_db / 10.0) / max(energy, 1e-12))
    rir = tail
    rir[0] = 1.0
    return rir


def _convolve_head(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The first len(x) samples of x * h (one FFT: rooms are short, takes a minute at most)."""
    size = _fast_len(len(x) + len(h) - 1)
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)[: len(x)]


def _band_response(band: str, n: int) -> np.ndarray | None:
    """Zero-phase magnitude response over rfft bins of an n-sample signal."""
    if band == "full":
        return None
    f = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)

    def highpass(fc: float, order: int) -> np.ndarray:
        return 1.0 / np.sqrt(1.0 + (fc / np.maximum(f, 1e-3)) ** (2 * order))

    def lowpass(fc: float, order: int) -> np.ndarray:
        return 1.0 / np.sqrt(1.0 + (f / fc) ** (2 * order))

    def peak(fc: float, gain_db: float, octaves: float) -> np.ndarray:
        d = np.log2(np.maximum(f, 1.0) / fc) / octaves
        return 10.0 ** (gain_db * np.exp(-0.5 * d * d) / 20.0)

    if band == "phone":  # narrow-band telephone, 300-3400 Hz
        return highpass(300.0, 4) * lowpass(3400.0, 6)
    if band == "lapel":  # chest-worn: body rumble cut, chest boost, high-frequency shadow
        return highpass(120.0, 2) * peak(700.0, 4.0, 0.7) * peak(3500.0, -5.0, 0.6) * lowpass(7000.0, 3)
    if band == "laptop":  # small capsule in a chassis
        return highpass(200.0, 3) * peak(2500.0, 5.0, 0.5) * lowpass(6000.0, 4)
    raise ValueError(f"unknown band {band!r}; use one of {BANDS}")


def _mulaw(x: np.ndarray, mu: float = 255.0) -> np.ndarray:
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    q = np.round((y + 1) / 2 * mu) / mu * 2 - 1
    return np.sign(q) * ((1 + mu) ** np.abs(q) - 1) / mu


def apply_channel(audio: np.ndarray, channel: Channel, rng: np.random.Generator) -> np.ndarray:
    """Pass audio through a room and a microphone; same length, same timing, float32 in [-1, 1]."""
    x = np.asarray(audio, dtype=np.float64)
    n = len(x)
    if n == 0 or channel.is_identity:
        return x.astype(np.float32)
    if channel.rt60 > 0:
        rir = room_impulse_response(rng, channel.rt60, channel.drr_db)
        x = _convolve_head(x, rir)
    if channel.noise is not None:
        noise = make_noise(rng, channel.noise, n)
        x = x + noise * np.sqrt(_active_power(x) / 10.0 ** (channel.snr_db / 10.0))
    if channel.band == "phone":
        # Narrow-band telephony samples at 8 kHz: nothing above 4 kHz survives.
        x = resample(resample(x, SAMPLE_RATE, 8000), 8000, SAMPLE_RATE)[:n].astype(np.float64)
        x = np.concatenate([x, np.zeros(n - len(x))]) if len(x) < n else x
    # Zero-padded to a fast FFT length with room for the filters' ringing (no wrap-around).
    size = _fast_len(n + 4096)
    response = _band_response(channel.band, size)
    if response is not None:
        x = np.fft.irfft(np.fft.rfft(x, size) * response, size)[:n]
    if channel.level_db is not None:
        x = x * np.sqrt(10.0 ** (channel.level_db / 10.0) / max(_active_power(x), 1e-12))
    if channel.drive_db > 0:
        peak = float(np.max(np.abs(x))) + 1e-12
        x = x / peak * 10.0 ** (channel.drive_db / 20.0)
    x = np.clip(x, -1.0, 1.0)
    if channel.mulaw:
        x = _mulaw(x)
    return x.astype(np.float32)
