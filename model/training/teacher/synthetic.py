"""Synthetic two-role dialogues (phones + buzz/noise stems) for tests and benchmarks.

Not speech: voiced phones are harmonic buzz at a declining f0 with rises on
stressed vowels, voiceless ones are noise, each at a class-typical level. That
is enough to exercise the teacher's prosody, turn and mouth logic without TTS.
"""

from __future__ import annotations

import numpy as np

from ... import spec
from ...lips import phones as ph
from .data import RoleSpeech

_ONSETS = [
    "p",
    "b",
    "m",
    "t",
    "d",
    "k",
    "ɡ",
    "s",
    "z",
    "f",
    "v",
    "θ",
    "ʃ",
    "l",
    "ɹ",
    "w",
    "j",
    "h",
    "n",
    "tʃ",
]
_VOWELS = ["i", "ɪ", "eɪ", "ɛ", "æ", "ɑ", "ɔ", "oʊ", "ʊ", "u", "ə", "ʌ", "aɪ", "aʊ"]
_CODAS = ["n", "m", "t", "s", "k", "p", "d", "l", "ŋ", "z", "b"]
_VOICED_CONS = set("bdɡvðzʒmnŋlɹwj")


def _word(rng: np.random.Generator) -> list[tuple[str, int]]:
    n_syl = int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))
    stressed = int(rng.integers(n_syl))
    out: list[tuple[str, int]] = []
    for k in range(n_syl):
        if rng.random() < 0.8:
            out.append((str(rng.choice(_ONSETS)), 0))
        out.append((str(rng.choice(_VOWELS)), 1 if k == stressed else 0))
        if rng.random() < 0.35:
            out.append((str(rng.choice(_CODAS)), 0))
    return out


def _utterance(rng: np.random.Generator, t0: float, seconds: float) -> tuple[list, float]:
    """Phones (ipa, start, end, stress) filling about `seconds` from t0, with inner pauses."""
    phones = []
    t = t0
    words_to_pause = int(rng.integers(3, 7))
    while t - t0 < seconds:
        for ipa, stress in _word(rng):
            vowel = ph.is_vowel(ipa)
            dur = rng.uniform(0.08, 0.16) * (1.3 if stress else 1.0) if vowel else rng.uniform(0.045, 0.09)
            phones.append((ipa, t, t + dur, stress))
            t += dur
        words_to_pause -= 1
        if words_to_pause == 0 and t - t0 < seconds - 0.5:
            t += rng.uniform(0.2, 0.5)
            words_to_pause = int(rng.integers(3, 7))
    return phones, t


def render_stem(phones: list, n_samples: int, rng: np.random.Generator, base_f0: float = 120.0) -> np.ndarray:
    """Buzz/noise stem for phones given as (ipa, start, end, stress) tuples."""
    sr = spec.SAMPLE_RATE
    stem = np.zeros(n_samples, dtype=np.float64)
    phase = 0.0
    phrase_t0 = None
    prev_end = -1.0
    for ipa, s, e, stress in phones:
        i0, i1 = int(s * sr), min(n_samples, int(e * sr))
        if i1 <= i0:
            continue
        if s - prev_end > 0.15 or phrase_t0 is None:
            phrase_t0 = s
        prev_end = e
        t = np.arange(i0, i1) / sr
        info = ph.phone_info(ipa)
        voiced = info.is_vowel or ipa[0] in _VOICED_CONS
        level = 0.3 if info.is_vowel else (0.08 if voiced else 0.04)
        if info.is_vowel and stress:
            level *= 1.4
        if voiced:
            st = -2.0 * (t - phrase_t0)
            if info.is_vowel and stress:
                st = st + 3.0 * np.sin(np.pi * np.clip((t - s) / (e - s), 0, 1))
            f0 = base_f0 * 2.0 ** (st / 12.0)
            ph_ = phase + 2 * np.pi * np.cumsum(f0) / sr
            phase = float(ph_[-1])
            sig = sum(np.sin(k * ph_) / k for k in range(1, 12))
        else:
            sig = rng.standard_normal(i1 - i0)
        ramp = np.minimum(1.0, np.minimum(t - s, e - t) / 0.01)
        stem[i0:i1] += level * sig * ramp
    return stem.astype(np.float32)


def synthetic_dialogue(
    seed: int = 0, seconds: float = 60.0, with_stems: bool = True, laughs: bool = True
) -> tuple[RoleSpeech, RoleSpeech, int]:
    """Two roles taking turns for about `seconds`, with backchannels and laughs. Returns (a, b, n_frames)."""
    rng = np.random.default_rng(seed)
    roles: list[dict] = [{"phones": [], "segments": []} for _ in range(2)]
    t = rng.uniform(0.3, 1.0)
    speaker = int(rng.integers(2))
    while t < seconds - 1.5:
        length = float(np.clip(rng.lognormal(np.log(3.0), 0.5), 0.8, min(8.0, seconds - t - 0.5)))
        phones, end = _utterance(rng, t, length)
        roles[speaker]["phones"] += phones
        roles[speaker]["segments"].append((t, end, "turn"))
        listener = 1 - speaker
        # Backchannels in the middle of long turns.
        if end - t > 3.0 and rng.random() < 0.6:
            bc_t = t + rng.uniform(1.2, end - t - 1.0)
            if rng.random() < 0.5:
                bc = [("m̩", 0.0, 0.16, 0), ("h", 0.16, 0.22, 0), ("m̩", 0.22, 0.45, 1)]
            else:
                bc = [("j", 0.0, 0.06, 0), ("ɛ", 0.06, 0.22, 1), ("ə", 0.22, 0.3, 0)]
            roles[listener]["phones"] += [(p, bc_t + s, bc_t + e, st) for p, s, e, st in bc]
            roles[listener]["segments"].append((bc_t, bc_t + bc[-1][2], "backchannel"))
        if laughs and rng.random() < 0.12:
            who = int(rng.integers(2))
            ls = end + rng.uniform(0.0, 0.3)
            roles[who]["segments"].append((ls, ls + rng.uniform(0.6, 1.5), "laugh"))
            end = roles[who]["segments"][-1][1]
        # Gaps cluster near 200 ms (Stivers et al. 2009); some overlap, some long silences.
        t = end + float(np.clip(rng.normal(0.2, 0.3), -0.3, 1.5))
        speaker = 1 - speaker if rng.random() < 0.85 else speaker
    n_samples = int(seconds * spec.SAMPLE_RATE)
    n_frames = int(np.ceil(n_samples / spec.SAMPLE_RATE * spec.NATIVE_FPS))
    out = []
    for r in range(2):
        phones = sorted(roles[r]["phones"], key=lambda p: p[1])
        stem = None
        if with_stems:
            stem = render_stem(phones, n_samples, rng, base_f0=float(rng.choice([110.0, 210.0])))
            for s, e, kind in roles[r]["segments"]:
                if kind == "laugh":
                    i0, i1 = int(s * spec.SAMPLE_RATE), min(n_samples, int(e * spec.SAMPLE_RATE))
                    tt = np.arange(i1 - i0) / spec.SAMPLE_RATE
                    burst = 0.5 * (1 + np.sin(2 * np.pi * 4.7 * tt)) * rng.standard_normal(i1 - i0) * 0.15
                    stem[i0:i1] += burst.astype(np.float32)
        out.append(
            RoleSpeech(
                phone_ipa=np.array([p[0] for p in phones], dtype="<U8"),
                phone_start=np.array([p[1] for p in phones]),
                phone_end=np.array([p[2] for p in phones]),
                phone_stress=np.array([p[3] for p in phones], dtype=np.int8),
                stem=stem,
                segments=sorted(roles[r]["segments"]),
            )
        )
    return out[0], out[1], n_frames
