"""Held-out real lips: LibriSpeech test-other readings, scored on the words pocketsphinx vouches for.

    readings = held_out_readings(data_root, cache_path)      # 100 readings of 10 unheard readers
    figures = score_readings(readings, system)               # metrics.pool() measures

docs/EVAL.md's real_aligned row rests on two sentences (five p/b/m): it cannot tell two
networks' lips apart. These readings are the voices no training corpus holds (the held-out
real_pairs' readers), read one at a time. They come without transcripts, so their phones are
"silver": pocketsphinx recognises and aligns each reading and only the words that pass
real_align's filter (acoustic cost, agreement with a free phone loop, every p/b/m confirmed,
no stretched phone) are scored; the rest of the reading is audio the mouth still moves to,
unscored. The real-voice training corpus took its lip targets from the same aligner (on
other readers), so a network trained on it is judged by the conventions it learned: the
real_aligned row's hand-checked phones stay the independent check.

Scored per accepted word, as metrics.lip_events scores a clip: the release of each p/b/m
(missed: 150 ms), the aperture peak nearest each vowel's middle, the share of releases inside
accepted words (after their first 50 ms, which may hold the previous word's release) that
follow a p/b/m (closure precision), and funnel + pucker on rounded against spread vowels.
Systems are run with roles "A" (the animator's "Only A Speaks" for a one-voice recording), so
the row measures lips, not the split of one voice (real_monologues measures that).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import features, spec
from ..lips.visemes import lip_aperture
from . import metrics
from .heldout_recordings import read_flac, test_other_files
from .real_align import AlignedWord, AlignmentCache, audio_sha256, recognise_and_align

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO / "corpus" / "test_other_alignments.json"
DEV_CACHE = REPO / "corpus" / "dev_reader_alignments.json"
WORD_ONSET_S = 0.05  # a release this early in a word may be the previous word's p/b/m


@dataclass
class Reading:
    name: str
    speaker: str
    audio16k: np.ndarray
    words: list[AlignedWord]  # the accepted words only

    @property
    def seconds(self) -> float:
        return len(self.audio16k) / spec.SAMPLE_RATE


def held_out_readings(
    root: Path, cache_path: Path = DEFAULT_CACHE, *, per_speaker: int | None = None, log: Callable = print
) -> list[Reading]:
    """The test-other readings with their accepted words; the alignments are computed once
    (about 0.6 CPU seconds per second of audio) and kept in `cache_path`."""
    files = test_other_files(root)
    paths = [p for speaker in files for p in files[speaker][:per_speaker]]
    return aligned_readings(paths, cache_path, log=log)


def development_readings(root: Path, cache_path: Path = DEV_CACHE, *, log: Callable = print) -> list[Reading]:
    """The same row on the real-voice corpus's validation readers (train-clean-100 readers that
    training never heard, one reading each): for choosing between candidates, so that the
    held-out readers only ever report."""
    from .real_sources import librispeech_readings

    paths = [r.path for r in librispeech_readings(root) if r.split == "validation"]
    return aligned_readings(paths, cache_path, log=log)


def aligned_readings(paths: list[Path], cache_path: Path, *, log: Callable = print) -> list[Reading]:
    """Readings with their accepted words, aligned once and kept in `cache_path`."""
    Path(cache_path).parent.mkdir(parents=True, exist_ok=True)
    cache = AlignmentCache.build(paths, Path(cache_path), workers=2, log=log)
    out = []
    for path in paths:
        audio = read_flac(path)
        row = cache.rows[path.name]
        if row["sha256"] != audio_sha256(audio):  # the file changed since it was aligned
            log(f"  {path.name}: audio differs from the cached alignment; aligning it again")
            words = recognise_and_align(audio)
        else:
            words = cache.words(path.name) or []
        speaker = path.name.split("-", 1)[0]
        out.append(Reading(path.stem, speaker, audio, [w for w in words if w.accepted]))
    return out


def word_phones(words: list[AlignedWord]) -> metrics.Phones:
    """The accepted words' phones as one role's reference."""
    phones = [p for w in words for p in w.phones]
    return metrics.Phones(
        np.array([p.ipa for p in phones], dtype="<U8"),
        np.array([p.start for p in phones], dtype=np.float64),
        np.array([p.end for p in phones], dtype=np.float64),
    )


def silver_counts(blend: np.ndarray, words: list[AlignedWord]) -> dict:
    """One reading's lip counts (keys of metrics.clip_counts) from one role's blendshapes (F, 52),
    scored on its accepted words only."""
    aperture = lip_aperture(np.asarray(blend, dtype=np.float64))
    ref = word_phones(words)
    ev = metrics.lip_events(aperture, ref, spans=[(w.start, w.end) for w in words], onset_s=WORD_ONSET_S)
    rounded, spread = metrics.rounding(np.asarray(blend), ref)
    return {"frames": len(aperture), **ev, "rounded": rounded, "spread": spread}


LIP_KEYS = (
    "lip_sync_error_ms",
    "closure_release_error_ms",
    "closure_recall",
    "closure_precision",
    "rounding_contrast",
    "closures",
    "lip_events",
)


def score_readings(readings: list[Reading], mouth: Callable[[Reading], np.ndarray]) -> dict:
    """Pooled lip measures of one system; `mouth` gives a reading's speaking role's
    blendshapes (F, 52)."""
    counts = [silver_counts(mouth(r), r.words) for r in readings]
    pooled = metrics.pool(counts)
    out = {k: pooled[k] for k in LIP_KEYS}
    out["readings"] = len(readings)
    out["speakers"] = len({r.speaker for r in readings})
    out["seconds"] = round(sum(r.seconds for r in readings), 1)
    out["scored_word_seconds"] = round(sum(w.end - w.start for r in readings for w in r.words), 1)
    out["words"] = sum(len(r.words) for r in readings)
    return out


def model_mouth(
    path: Path | None, read_lips: bool = True, lip_reader_weights: Path | None = None
) -> Callable[[Reading], np.ndarray]:
    """The model's speaking mouth (path None: the shipped weights; read_lips False: the network's
    own, without the lip reader; lip_reader_weights: another lip reader's)."""
    from ..generation import perform

    def mouth(r: Reading) -> np.ndarray:
        perf = perform(
            r.audio16k,
            runtime="numpy",
            seed=0,
            weights=path,
            roles="A",
            read_lips=read_lips,
            lip_reader_weights=lip_reader_weights,
        )
        return perf.blendshapes["A"]

    return mouth


def energy_jaw_mouth(r: Reading) -> np.ndarray:
    from .evaluate import energy_jaw

    return energy_jaw(r.audio16k, features.n_model_frames(len(r.audio16k))).blendshapes["A"]


def teacher_mouth(r: Reading) -> np.ndarray:
    """The procedural teacher on the accepted words' phones (what a perfect network trained on
    these targets would do; it scores below a perfect mouth on the vowel peaks)."""
    from .evaluate import Clip, teacher_from_phones

    ref = metrics.ClipReference((word_phones(r.words), metrics.Phones.empty()))
    clip = Clip(r.name, r.audio16k, None, ref, None)
    return teacher_from_phones(clip, features.n_model_frames(len(r.audio16k))).blendshapes["A"]


__all__ = [
    "DEFAULT_CACHE",
    "DEV_CACHE",
    "Reading",
    "aligned_readings",
    "development_readings",
    "energy_jaw_mouth",
    "held_out_readings",
    "model_mouth",
    "score_readings",
    "silver_counts",
    "teacher_mouth",
    "word_phones",
]
