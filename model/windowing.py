"""Windowed inference for takes of any length, with roles kept across windows.

A take is cut into windows of `core` frames. Every window after the first
starts with a prefix that reaches back into frames already decided; on the
prefix the network is given role anchors (who spoke there, from the earlier
windows' output), so it keeps the same voice on the same role. The prefix
grows (up to max_prefix) until it holds some speech of each role, and the
outputs are cross-faded over its last frames. Memory is bounded by one
window: features are computed per window from the 16 kHz audio.

The take's anchor comes from the caller: in a mix, the dense anchor of
diarization.py seeded by the first voice heard (role A, the corpus
convention; see first_voice_anchor()) or by the user's choice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from . import features, spec
from .lips.visemes import MOUTH_CHANNEL_NAMES
from .network_config import ANCHOR_DIM, OUT_BLEND, OUT_SPEAKING
from .signal import mask_to_spans, spans_to_mask

SAMPLES_PER_FRAME = features.HOP * features.FRAMES_PER_MODEL_FRAME  # 320 at 16 kHz / 50 fps


class Runtime(Protocol):
    name: str

    def run(
        self, feats: np.ndarray, cond: np.ndarray, anchor: np.ndarray, latent: np.ndarray
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class WindowPlan:
    core: int = 1500  # new frames per window (30 s at 50 fps)
    min_prefix: int = 100  # 2 s
    max_prefix: int = 400  # 8 s
    crossfade: int = 25  # 0.5 s, inside the prefix
    want_speech: int = 40  # prefix frames of each role speaking alone that end the search (0.8 s)
    align: int = 10  # window starts on multiples of this (the latent grid)


def _model_frames(audio16k: np.ndarray, n_frames: int) -> np.ndarray:
    """(n_frames, 320) float32 mono samples of each 50 fps frame (frame k centred on sample k*320)."""
    x = np.asarray(audio16k, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    half = SAMPLES_PER_FRAME // 2
    pad = np.zeros(n_frames * SAMPLES_PER_FRAME + SAMPLES_PER_FRAME, dtype=np.float32)
    n = min(len(x), len(pad) - half)
    pad[half : half + n] = x[:n]
    return pad[: n_frames * SAMPLES_PER_FRAME].reshape(n_frames, SAMPLES_PER_FRAME)


ENERGY_BLOCK = 3000  # frames per pass in frame_energy_db


def frame_energy_db(audio16k: np.ndarray, n_frames: int) -> np.ndarray:
    """Level (dBFS) of each 50 fps frame of mono audio (frame k covers samples centred on k*320)."""
    frames = _model_frames(audio16k, n_frames)
    power = np.empty(n_frames, dtype=np.float64)
    for b in range(0, n_frames, ENERGY_BLOCK):  # float64 squares of a 10-minute take were 150 MB
        power[b : b + ENERGY_BLOCK] = np.mean(frames[b : b + ENERGY_BLOCK].astype(np.float64) ** 2, axis=1)
    return 10.0 * np.log10(power + 1e-12)


# A voice-over with room tone or background noise has a floor that the fixed 30 dB range alone
# counts as voice: the first "voice" was then the noise before anyone spoke, its role anchor
# went to the noise, and whole takes came out with A and B swapped. Frames must also clear the
# take's noise floor (its 10th-percentile frame level) by NOISE_MARGIN_DB. 4 dB was chosen on
# the corpus's validation split (mixed tracks, session-2 model: attribution 0.838 -> 0.860,
# cross-talk leakage 0.109 -> 0.088; 6 and 10 dB scored 0.858 and 0.844 there), from
# `python tools/diagnose_model.py vad-margin --weights <session-2 model>`; docs/MODEL.md has more.
NOISE_FLOOR_PERCENTILE = 10.0
NOISE_MARGIN_DB = 4.0
# Nothing quieter than this (a 20 ms frame's level) is voice, whatever the rest of the take holds:
# dialogue is delivered at -30 to -18 dBFS (its vowels at -35 to -15), quiet room tone lies at
# -60 to -70 dBFS. A sentence at -30 dBFS keeps its vowels and most consonants above it; the
# quietest consonants between them fall inside VOICE_HOLD_S.
VOICE_FLOOR_DBFS = -55.0
LOUD_RANGE_DB = 30.0  # voice lies within this of the take's loud frames (98th percentile)
# Speech buried in noise: when the take's loud frames stand less than NOISY_SPAN_DB over its noise
# floor, the broadband level hardly moves with the voice (the test split's mix at 3.6 dB SNR in
# pink noise spans 13.4 dB: 0.23 of its speech frames cleared the margin, and its script was set
# aside as "spoken implausibly fast"). There voice is told band by band: a frame holds voice where
# its strongest SPEECH_TOP_BANDS speech bands (mel bands SPEECH_BANDS, ~220 Hz-3.8 kHz) rise over
# the same bands' floor in the take, by SPEECH_EDGE_DB in a run that reaches SPEECH_PEAK_DB (a
# syllable's peak). Stationary noise sets each band's floor; speech peaks in a few formant bands
# above it. On clean takes this hears more (0.94 of the test split's speech against 0.82) but also
# more room tail and breath (precision 0.955 against 0.974), which cost the audio-only mixes
# leakage (0.044 -> 0.071) and the real sentences' script-assisted attribution: so only here.
NOISY_SPAN_DB = 16.0  # the take the report calls very noisy (voice_report.VERY_NOISY_RANGE_DB)
# Only stationary noise sets a band floor that speech rises over: in a take of it the quieter
# frames (the 30th percentile) rise 7-9 dB over their bands' floor (pink, white, brown, hum,
# babble at 3 dB SNR), while a music bed's chords rise ~50 dB (its bands' floors lie between
# notes) and it would be heard as voice (a bed at -6 dB opened a mouth in 47 % of the dialogue's
# silences against 25 % with the broadband rule). Such a take keeps the broadband rule. Babble
# (distant talkers) passes this test and rises like speech: the known limitation (docs/MODEL.md).
STATIONARY_RISE_PERCENTILE = 30.0
STATIONARY_RISE_DB = 15.0
NOISY_MIN_FRAMES = 100  # 2 s: a shorter take (a pickup) has too few frames to find a noise floor in
SPEECH_BANDS = (8, 60)  # of features.mel_filterbank(320)
SPEECH_TOP_BANDS = 4
SPEECH_PEAK_DB = 10.0
SPEECH_EDGE_DB = 6.0
BAND_BLOCK = 3000  # frames per FFT pass (60 s)


def loud_and_floor(level: np.ndarray) -> tuple[float, float]:
    """(level of the take's loud frames, its noise floor) in dB, from frame_energy_db's levels:
    their 98th and NOISE_FLOOR_PERCENTILE-th percentiles."""
    return float(np.percentile(level, 98)), float(np.percentile(level, NOISE_FLOOR_PERCENTILE))


def speech_band_rise(audio16k: np.ndarray, n_frames: int) -> np.ndarray:
    """(F,) dB: how far each 50 fps frame's strongest speech bands rise over those bands' floor."""
    if n_frames == 0:
        return np.zeros(0)
    frames = _model_frames(audio16k, n_frames)
    window = np.hanning(SAMPLES_PER_FRAME + 2)[1:-1]
    lo, hi = SPEECH_BANDS
    filters = features.mel_filterbank(SAMPLES_PER_FRAME)[:, lo:hi].astype(np.float64)
    bands = np.empty((n_frames, hi - lo))
    for b in range(0, n_frames, BAND_BLOCK):  # bounded memory: a block's spectra, not a take's
        spectrum = np.fft.rfft(frames[b : b + BAND_BLOCK].astype(np.float64) * window, axis=1)
        bands[b : b + BAND_BLOCK] = (np.square(spectrum.real) + np.square(spectrum.imag)) @ filters
    # Smoothed over neighbouring frames: a single 20 ms frame of noise varies too much per band.
    padded = np.concatenate([bands[:1], bands, bands[-1:]])
    bands = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    db = 10.0 * np.log10(bands + 1e-12)
    rise = db - np.percentile(db, NOISE_FLOOR_PERCENTILE, axis=0)
    return np.partition(rise, hi - lo - SPEECH_TOP_BANDS, axis=1)[:, -SPEECH_TOP_BANDS:].mean(axis=1)


def voiced_in_noise(audio16k: np.ndarray, n_frames: int) -> np.ndarray | None:
    """Frames whose speech bands rise over their floor (SPEECH_EDGE_DB, in runs reaching
    SPEECH_PEAK_DB): the VAD of a take whose speech is buried in stationary noise; None when the
    noise is not stationary (STATIONARY_RISE_DB)."""
    rise = speech_band_rise(audio16k, n_frames)
    if n_frames and np.percentile(rise, STATIONARY_RISE_PERCENTILE) > STATIONARY_RISE_DB:
        return None
    runs = mask_to_spans(rise > SPEECH_EDGE_DB)
    peaks = np.concatenate([[0], np.cumsum(rise > SPEECH_PEAK_DB)])
    reaching = peaks[runs[:, 1]] > peaks[runs[:, 0]]
    return spans_to_mask(runs[reaching], n_frames, 1.0)  # spans in frames: fps 1


def voiced_from_level(level: np.ndarray) -> np.ndarray:
    """The broadband VAD from the frames' levels (frame_energy_db) already at hand."""
    if len(level) == 0:
        return np.zeros(0, dtype=bool)
    loud, floor = loud_and_floor(level)
    return level > max(loud - LOUD_RANGE_DB, floor + NOISE_MARGIN_DB, VOICE_FLOOR_DBFS)


# A very noisy take's band analysis (~30 ms a minute) is asked for by several stages (roles, the
# voice gate, the seed anchor, the report, a script's placement): the last few are kept by the
# audio's digest (~4 ms a minute to hash; ordinary takes need neither).
_IN_NOISE_CACHE: dict[tuple, np.ndarray | None] = {}
_IN_NOISE_CACHE_SIZE = 4


def voiced_frames(audio16k: np.ndarray, n_frames: int) -> np.ndarray:
    """Frames that hold voice: within LOUD_RANGE_DB of the take's loud frames, above
    VOICE_FLOOR_DBFS and NOISE_MARGIN_DB above its noise floor; in a take (of NOISY_MIN_FRAMES or
    more) whose loud frames stand less than NOISY_SPAN_DB over that floor, voiced_in_noise (still
    above VOICE_FLOOR_DBFS) unless its noise is not stationary.
    Returns a new (F,) bool array."""
    level = frame_energy_db(audio16k, n_frames)
    if n_frames == 0:
        return np.zeros(0, dtype=bool)
    loud, floor = loud_and_floor(level)
    if loud - floor >= NOISY_SPAN_DB or loud < VOICE_FLOOR_DBFS or n_frames < NOISY_MIN_FRAMES:
        return voiced_from_level(level)
    x = np.ascontiguousarray(audio16k, dtype=np.float32)
    key = (int(n_frames), x.shape, hashlib.blake2b(x.data, digest_size=16).digest())
    if key not in _IN_NOISE_CACHE:
        if len(_IN_NOISE_CACHE) >= _IN_NOISE_CACHE_SIZE:
            del _IN_NOISE_CACHE[next(iter(_IN_NOISE_CACHE))]
        _IN_NOISE_CACHE[key] = voiced_in_noise(x, int(n_frames))
    in_noise = _IN_NOISE_CACHE[key]
    if in_noise is None:  # the noise is not stationary: no band floor to rise over
        return voiced_from_level(level)
    return (level > VOICE_FLOOR_DBFS) & in_noise


# Below the voice floor nobody speaks. The network, given room tone or a near-silent take, still
# moved both mouths (jawOpen up to 0.39, speaking up to 0.76 on -70 dBFS noise) and opened them on
# the first frame of a silent take. So its speech channels are brought to rest away from voice: fully
# kept within VOICE_HOLD_S of a voiced stretch (the lips shape a word before its sound and finish
# after it), eased shut over VOICE_RAMP_S beyond. A stretch counts as voice from MIN_VOICE_S on
# (the shortest syllables): single loud frames of noise (a rumble's swell, a click) are not.
MIN_VOICE_S = 0.1
VOICE_HOLD_S = 0.2
VOICE_RAMP_S = 0.2
# The articulators: what speech drives (jaw, lips, tongue). Smiles, brows, blinks, the head and
# the eyes are the character's listening life and stay as the network made them.
SPEECH_CHANNELS = tuple(
    spec.ARKIT_INDEX[n] for n in MOUTH_CHANNEL_NAMES if n not in ("mouthSmileLeft", "mouthSmileRight")
)


def voice_gate(audio16k: np.ndarray, n_frames: int) -> np.ndarray:
    """(F, C) weight 0..1 of speech on each frame: C = 1 for a mix, 2 for stems (each its role).

    1 on and near voice (voiced_frames, in stretches of at least MIN_VOICE_S), easing to 0
    from VOICE_HOLD_S to VOICE_HOLD_S + VOICE_RAMP_S away from it; 0 where a channel holds none.
    """
    x = np.asarray(audio16k, dtype=np.float32)
    chans = [x] if x.ndim == 1 else [x[:, c] for c in range(x.shape[1])]
    fps = spec.NATIVE_FPS
    out = np.zeros((n_frames, len(chans)))
    for c, ch in enumerate(chans):
        voiced = _drop_short_runs(voiced_frames(ch, n_frames), int(round(MIN_VOICE_S * fps)))
        idx = np.flatnonzero(voiced)
        if len(idx) == 0:
            continue
        pos = np.arange(n_frames)
        j = np.clip(np.searchsorted(idx, pos), 0, len(idx) - 1)
        dist = np.minimum(np.abs(pos - idx[j]), np.abs(pos - idx[np.maximum(j - 1, 0)]))
        u = np.clip((dist - VOICE_HOLD_S * fps) / (VOICE_RAMP_S * fps), 0.0, 1.0)
        out[:, c] = 1.0 - u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)  # minimum jerk
    return out


def _drop_short_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    """mask without its runs of set frames shorter than min_len (a run cut by the take's edge too)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    out = np.zeros_like(mask, dtype=bool)
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a >= min_len:
            out[a:b] = True
    return out


def rest_without_voice(y: np.ndarray, gate: np.ndarray) -> np.ndarray:
    """Outputs (F, 2, out_dim) with the speech channels eased toward a closed mouth and the
    speaking probability toward 0 as gate (F, 1 or 2, from voice_gate) falls (in place)."""
    g = gate.astype(np.float32)[:, :, None]
    channels = [OUT_BLEND.start + i for i in SPEECH_CHANNELS]
    y[:, :, channels] *= g
    y[:, :, OUT_SPEAKING] *= g[:, :, 0]
    return y


# The first voice must be a voice. Room tone that rises a few dB, a breath or a line-noise click
# before the first word passed the energy VAD, took the "first voice" seed, and swapped A and B
# for the whole take (held-out real-voice pairs: 14 of 24 seeds off speech, 9 swapped). Voiced
# speech is periodic (vowels and voiced consonants repeat at the pitch period); noise is not.
# A seed starts in the first stretch that holds SEED_PERIODIC_S of periodic frames.
PITCH_LAGS = (40, 256)  # samples at 16 kHz: 400 Hz down to 62.5 Hz
PERIODIC_MIN = 0.5  # normalised autocorrelation at the pitch lag: vowels ~0.7-0.95, noise < 0.3
SEED_PERIODIC_S = 0.1
SEED_PERIODIC_SHARE = 0.35  # of a stretch's voiced frames: speech 0.7-0.9 (jfk.flac), brown rumble 0.1-0.2
# In a take whose own voices are seldom periodic (SNR ~4 dB, long reverb: 0.25-0.4), a stretch
# counts at half the take's share (a development mix's first line was skipped at 0.27 and its
# roles swapped).
SEED_RELATIVE_SHARE = 0.5
SEED_SAMPLE_S = 20.0  # of voiced frames, from the start, to measure the take's share
SEED_GAP_FRAMES = 8  # a 160 ms pause ends a stretch
SEED_RUN = 3  # consecutive periodic frames that make a voice (60 ms)
SEED_LEAD_FRAMES = 5  # the seed starts this much before them (the consonant before the vowel)


def periodicity(audio16k: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Peak normalised autocorrelation at a pitch lag (PITCH_LAGS) of the listed 50 fps frames
    (40 ms windows centred on each frame) of mono 16 kHz audio: ~1 for a steady voice, low for
    noise. Only true peaks count (a local maximum inside the lag range): low-pass noise such as a
    rumble is correlated at short lags but has no peak at a period."""
    x = np.asarray(audio16k, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    frames = np.asarray(frames, dtype=np.int64)
    if len(frames) == 0:
        return np.zeros(0)
    width = 2 * SAMPLES_PER_FRAME
    padded = np.concatenate([np.zeros(width), x, np.zeros(width)])
    starts = frames * SAMPLES_PER_FRAME - SAMPLES_PER_FRAME + width
    seg = padded[starts[:, None] + np.arange(width)[None, :]].astype(np.float64)
    seg -= seg.mean(axis=1, keepdims=True)
    taper = np.hanning(width)
    seg *= taper[None, :]
    lo, hi = PITCH_LAGS
    ac = np.fft.irfft(np.abs(np.fft.rfft(seg, 2 * width, axis=1)) ** 2, axis=1)[:, : hi + 2]
    taper_ac = np.correlate(taper, taper, mode="full")[width - 1 :][: hi + 2]
    ac = ac / np.maximum(ac[:, :1], 1e-12) / (taper_ac / taper_ac[0])[None, :]  # unbiased by the taper
    mid = ac[:, lo : hi + 1]
    peak = (mid >= ac[:, lo - 1 : hi]) & (mid >= ac[:, lo + 1 : hi + 2])
    return np.clip(np.where(peak, mid, 0.0).max(axis=1), 0.0, 1.0)


def _stretches(voiced: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs of voiced frames, joined across pauses shorter than `gap` frames."""
    idx = np.flatnonzero(voiced)
    if len(idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap)
    firsts = np.concatenate([[idx[0]], idx[breaks + 1]])
    lasts = np.concatenate([idx[breaks], [idx[-1]]])
    return [(int(a), int(b) + 1) for a, b in zip(firsts, lasts, strict=True)]


def _periodic_share(flagged, n_stretches: int) -> float:
    """The periodic share of the voiced frames of the take's first stretches, up to SEED_SAMPLE_S
    of them; flagged(k) gives stretch k's (voiced frames, periodic)."""
    sample = int(round(SEED_SAMPLE_S * 50.0))
    seen = periodic = 0
    for k in range(n_stretches):
        if seen >= sample:
            break
        frames, flags = flagged(k)
        seen += len(frames)
        periodic += int(flags.sum())
    return periodic / max(1, seen)


def first_speech_frame(audio16k: np.ndarray, voiced: np.ndarray) -> int | None:
    """The first frame of speech: in the first stretch whose voiced frames are mostly periodic,
    shortly before its first run of SEED_RUN periodic frames (noise is periodic only in single
    frames); the first voiced frame at all when no stretch is (whispers); None in silence.

    "Mostly" is SEED_PERIODIC_SHARE, or less in a take whose voices are themselves seldom
    periodic (heavy noise, a reverberant room, a breathy voice): SEED_RELATIVE_SHARE of the
    periodic share over the take's first SEED_SAMPLE_S of voiced frames."""
    stretches = _stretches(voiced, SEED_GAP_FRAMES)
    if not stretches:
        return None
    need = max(SEED_RUN, int(round(SEED_PERIODIC_S * 50.0)))
    flags: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # stretch -> (voiced frames, periodic)

    def flagged(k: int) -> tuple[np.ndarray, np.ndarray]:
        if k not in flags:
            a, b = stretches[k]
            frames = np.arange(a, b)[voiced[a:b]]
            flags[k] = (frames, periodicity(audio16k, frames) > PERIODIC_MIN)
        return flags[k]

    relative = None  # SEED_RELATIVE_SHARE of the take's share, measured only if a stretch needs it
    for k, (a, _) in enumerate(stretches):
        frames, periodic = flagged(k)
        if periodic.sum() < need:
            continue
        if periodic.sum() < SEED_PERIODIC_SHARE * len(frames):
            if relative is None:
                relative = SEED_RELATIVE_SHARE * _periodic_share(flagged, len(stretches))
            if periodic.sum() < relative * len(frames):
                continue
        runs = np.convolve(periodic.astype(np.int8), np.ones(SEED_RUN, dtype=np.int8), mode="valid")
        first_run = np.flatnonzero(runs == SEED_RUN)
        if len(first_run):
            return int(max(a, frames[first_run[0]] - SEED_LEAD_FRAMES))
    return stretches[0][0]


def first_voice_anchor(
    audio16k: np.ndarray, n_frames: int, role: int = 0, *, min_frames: int = 10, max_frames: int = 50
) -> np.ndarray:
    """Anchor (F, 2, 2): the first stretch of speech (up to 1 s, until a 160 ms pause) belongs to `role`."""
    anchor = np.zeros((n_frames, 2, ANCHOR_DIM), dtype=np.float32)
    voiced = voiced_frames(audio16k, n_frames)
    first = first_speech_frame(audio16k, voiced)
    if first is None:
        return anchor  # silence: nothing to anchor
    start = first
    end = start
    gap = 0
    while end < n_frames and end - start < max_frames:
        gap = 0 if voiced[end] else gap + 1
        if gap >= SEED_GAP_FRAMES and end - start >= min_frames:
            end -= gap - 1
            break
        end += 1
    end = max(end, min(n_frames, start + min_frames))
    anchor[start:end, :, 0] = 1.0
    anchor[start:end, role, 1] = 1.0
    return anchor


def range_anchor(
    audio16k: np.ndarray, n_frames: int, start_s: float, end_s: float, role: int = 0
) -> np.ndarray:
    """Anchor (F, 2, 2): the voiced frames inside [start_s, end_s) belong to `role` alone."""
    anchor = np.zeros((n_frames, 2, ANCHOR_DIM), dtype=np.float32)
    f0 = int(np.clip(np.floor(start_s * 50.0), 0, n_frames))
    f1 = int(np.clip(np.ceil(end_s * 50.0), f0, n_frames))
    voiced = voiced_frames(audio16k, n_frames)[f0:f1]
    anchor[f0:f1, :, 0] = voiced[:, None]
    anchor[f0:f1, role, 1] = voiced
    return anchor


def _prefix_length(decided: np.ndarray, start: int, plan: WindowPlan) -> int:
    """Frames to reach back from `start`: grow until both roles spoke alone enough, or max_prefix."""
    lo = max(0, start - plan.max_prefix)
    alone = decided[lo:start] > 0.5
    a_only = (alone[:, 0] & ~alone[:, 1])[::-1].cumsum()
    b_only = (alone[:, 1] & ~alone[:, 0])[::-1].cumsum()
    enough = np.flatnonzero((a_only >= plan.want_speech) & (b_only >= plan.want_speech))
    need = int(enough[0]) + 1 if len(enough) else start - lo
    need = max(need, min(plan.min_prefix, start))
    need = -(-need // plan.align) * plan.align
    return int(min(need, start))


def run_windows(
    runtime: Runtime,
    audio16k: np.ndarray,
    n_frames: int,
    cond: np.ndarray,
    anchor: np.ndarray,
    latent: np.ndarray,
    plan: WindowPlan | None = None,
    progress: Callable[[float], None] | None = None,
    take_features: np.ndarray | None = None,
) -> np.ndarray:
    """Outputs (F, 2, out_dim) for the whole take, window by window.

    take_features: features.stream_features(audio16k, 0, n_frames) when the caller has them (each
    window's features are then a slice of them: the same frames, computed once).

    progress, if given, is called with the fraction of frames done after each window (it may
    raise to stop the run: the caller's cancel).

    audio16k (S,) mixed or (S, 2) stems; cond (F, 2, cond_dim); anchor
    (F, 2, 2) for the whole take (a seed such as the first voice, or the dense
    anchor of diarization.py); on each later window's prefix it is replaced by
    the decisions already made. latent (F, 2, n_latent). Away from voice the mouths rest and
    nobody speaks (rest_without_voice), before any window's decisions anchor the next.
    """
    plan = plan or WindowPlan()
    gate = voice_gate(audio16k, n_frames)
    out: np.ndarray | None = None
    start = 0
    while start < n_frames:
        # The last window absorbs a short remainder instead of leaving a tiny one.
        end = n_frames if n_frames - start <= plan.core + plan.core // 4 else start + plan.core
        if start == 0:
            w0 = 0
            window_anchor = anchor[0:end].copy()
        else:
            assert out is not None
            prefix = _prefix_length(out[:start, :, OUT_SPEAKING], start, plan)
            w0 = start - prefix
            window_anchor = anchor[w0:end].copy()
            window_anchor[:prefix, :, 0] = 1.0
            window_anchor[:prefix, :, 1] = out[w0:start, :, OUT_SPEAKING] > 0.5
        feats = features.stream_features(audio16k, w0, end - w0, take_features)
        y = rest_without_voice(runtime.run(feats, cond[w0:end], window_anchor, latent[w0:end]), gate[w0:end])
        if out is None:
            out = np.empty((n_frames, 2, y.shape[-1]), dtype=np.float32)
        if start == 0:
            out[0:end] = y
        else:
            prefix = start - w0
            y = _keep_roles(y, out[w0:start], prefix)
            fade = min(plan.crossfade, prefix)
            if fade:
                ramp = ((np.arange(fade, dtype=np.float32) + 1.0) / (fade + 1.0))[:, None, None]
                seg = slice(start - fade, start)
                out[seg] = (1.0 - ramp) * out[seg] + ramp * y[prefix - fade : prefix]
            out[start:end] = y[prefix:]
        start = end
        if progress is not None:
            progress(start / n_frames)
    if out is None:
        raise ValueError("no frames to run")
    return out


def _keep_roles(y: np.ndarray, decided: np.ndarray, prefix: int) -> np.ndarray:
    """Safety net: if a window's roles came out swapped against the anchors, swap them back.

    The network is trained to follow the anchors, so this should not fire; it
    guards long takes against a role flip if it ever ignores them.
    """
    p_new = y[:prefix, :, OUT_SPEAKING]
    p_old = decided[:, :, OUT_SPEAKING]
    same = float(np.mean(np.abs(p_new - p_old)))
    swapped = float(np.mean(np.abs(p_new[:, ::-1] - p_old)))
    if swapped + 0.15 < same:
        return y[:, ::-1].copy()
    return y
