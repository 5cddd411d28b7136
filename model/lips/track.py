"""Run-time lips: timed phones of one speaker -> ARKit mouth shapes (script-assisted takes).

The same coarticulation, visemes, jaw-loudness gains and p/b/m seal as the
procedural teacher's mouth, without its expression layers (smiles, brows,
blinks, laughs): the caller layers those on top, then calls
coarticulation.seal_closures again if anything it adds can open the lips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import spec
from ..errors import InputError
from .coarticulation import mouth_track, seal_closures
from .loudness import phone_gains, phone_gains_from_audio
from .visemes import MOUTH_CHANNEL_NAMES, articulation_to_arkit

# Indices into spec.ARKIT_NAMES of the channels the phones drive (read-only).
MOUTH_CHANNELS = np.array(sorted(spec.ARKIT_INDEX[name] for name in MOUTH_CHANNEL_NAMES), dtype=np.int64)
MOUTH_CHANNELS.setflags(write=False)


@dataclass
class LipTrack:
    """One speaker's mouth per frame."""

    blendshapes: np.ndarray  # (F, 52) float32 in spec.ARKIT_NAMES order; only MOUTH_CHANNELS non-zero
    closure_frames: np.ndarray  # (F,) bool: lips sealed for a p/b/m (mouthClose == jawOpen)
    speech_frames: np.ndarray  # (F,) bool: inside a non-silent phone


def _float_vector(values, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers (seconds), got {type(values).__name__}") from None
    if arr.ndim != 1:
        raise InputError(f"{name} must be a 1-D sequence, one entry per phone (got shape {arr.shape})")
    return arr


def _validated(phone_ipa, phone_start, phone_end, phone_stress, n_frames, fps):
    if isinstance(n_frames, bool) or not isinstance(n_frames, int | np.integer) or n_frames < 0:
        raise InputError(f"n_frames must be a non-negative integer, got {n_frames!r}")
    is_number = isinstance(fps, int | float | np.number) and not isinstance(fps, bool)
    if not (is_number and np.isfinite(fps) and fps > 0):
        raise InputError(f"fps must be a positive number of frames per second, got {fps!r}")
    ipa = np.asarray(phone_ipa, dtype=object).reshape(-1) if np.ndim(phone_ipa) else None
    if ipa is None:
        raise InputError("phone_ipa must be a sequence of IPA strings, one per phone (got a single value)")
    bad = [k for k, p in enumerate(ipa) if not isinstance(p, str)]
    if bad:
        raise InputError(
            f"phone_ipa[{bad[0]}] is {ipa[bad[0]]!r}, not a string; pass IPA text such as 'p' or 'aɪ'"
        )
    start = _float_vector(phone_start, "phone_start")
    end = _float_vector(phone_end, "phone_end")
    if phone_stress is None:
        stress = np.zeros(len(ipa), dtype=np.int64)
    else:
        stress_f = _float_vector(phone_stress, "phone_stress")
        if not np.all(np.isfinite(stress_f)) or np.any(stress_f != np.round(stress_f)):
            raise InputError("phone_stress must be whole numbers (0 unstressed, 1 primary, 2 secondary)")
        stress = stress_f.astype(np.int64)
    n = len(ipa)
    if not (len(start) == len(end) == len(stress) == n):
        raise InputError(
            "phone_ipa, phone_start, phone_end and phone_stress must have the same length "
            f"(got {n}, {len(start)}, {len(end)}, {len(stress)}); pass one entry per phone"
        )
    nonfinite = np.flatnonzero(~(np.isfinite(start) & np.isfinite(end)))
    if len(nonfinite):
        k = int(nonfinite[0])
        raise InputError(
            f"phone {k} ({ipa[k]!r}) has a non-finite time (start {start[k]}, end {end[k]}); "
            "phone times must be finite seconds"
        )
    backwards = np.flatnonzero(end < start)
    if len(backwards):
        k = int(backwards[0])
        raise InputError(
            f"phone {k} ({ipa[k]!r}) ends before it starts ({start[k]:.3f} > {end[k]:.3f} s); "
            "fix the phone timings"
        )
    # Phones in time order, as the teacher takes them.
    order = np.argsort(start, kind="stable")
    return ipa[order].astype(str), start[order], end[order], stress[order], int(n_frames), float(fps)


def _gains(ipa, start, end, n_frames, fps, loudness_db, audio16k) -> np.ndarray:
    if loudness_db is not None and audio16k is not None:
        raise InputError("pass loudness_db or audio16k, not both (loudness_db is used as given)")
    if loudness_db is not None:
        try:
            db = np.asarray(loudness_db, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("loudness_db must be numbers (dB per frame)") from None
        if db.shape != (n_frames,):
            raise InputError(
                f"loudness_db must have one value per frame, shape ({n_frames},), got {db.shape}"
            )
        if np.any(np.isnan(db)) or np.any(db == np.inf):
            raise InputError("loudness_db has NaN or +inf values; use finite dB (or -inf for silence)")
        return phone_gains(db, start, end, fps)
    if audio16k is not None:
        audio = np.asarray(audio16k)
        if audio.ndim != 1 or not np.issubdtype(audio.dtype, np.number):
            raise InputError(
                f"audio16k must be mono 1-D samples at {spec.SAMPLE_RATE} Hz (got shape {audio.shape}); "
                "pass one channel, the role's stem or the mix"
            )
        if not np.all(np.isfinite(audio)):
            raise InputError("audio16k has NaN or infinite samples; clean the audio before generating")
        return phone_gains_from_audio(audio, start, end, phone_ipa=ipa, fps=fps)
    return np.ones(len(ipa))


def mouth_from_phones(
    phone_ipa,
    phone_start,
    phone_end,
    phone_stress,
    n_frames: int,
    fps: float = spec.NATIVE_FPS,
    *,
    loudness_db: np.ndarray | None = None,
    audio16k: np.ndarray | None = None,
) -> LipTrack:
    """Mouth shapes of one speaker from timed IPA phones (seconds from frame 0).

    phone_stress: 0/1/2 per phone, or None (all unstressed). Frame i is at i / fps.
    Jaw opening follows each phone's loudness: from loudness_db ((F,) dB re. the
    speaker's typical level, as the teacher's prosody) or from audio16k (mono
    spec.SAMPLE_RATE samples, sample 0 at time 0); with neither, gain 1.
    Silence phones ("sil", "sp", "") give the rest pose; no phones at all give zeros.
    Raises InputError (a ValueError) naming the problem on bad input.
    """
    ipa, start, end, stress, n, fps = _validated(
        phone_ipa, phone_start, phone_end, phone_stress, n_frames, fps
    )
    gains = _gains(ipa, start, end, n, fps, loudness_db, audio16k)
    mouth = mouth_track(ipa, start, end, stress, gains, n, fps)
    bs = articulation_to_arkit(mouth.params, mouth.lip_close, mouth.press)  # within 0..1
    seal_closures(bs, mouth.closure_frames)
    return LipTrack(
        blendshapes=bs.astype(np.float32),
        closure_frames=mouth.closure_frames.copy(),
        speech_frames=mouth.speech_frames.copy(),
    )


__all__ = ["MOUTH_CHANNELS", "LipTrack", "mouth_from_phones"]
