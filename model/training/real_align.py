"""Phones of real English readings that come without a transcript: recognise, align, filter.

    words = recognise_and_align(audio16k)     # [AlignedWord(word, start, end, cost, phones)]
    trusted = [w for w in words if w.accepted]
    cache = AlignmentCache.build(readings, path, workers=2)   # once per corpus; JSON, reused

LibriSpeech's train-clean-100 readings here have no transcripts. The recogniser and its filter
(which words are trusted for lip targets) live in the shipped core, model/script/recognise.py,
which takes use as well; this module caches its words per reading for the corpus builder.
docs/CORPUS.md gives the shares kept.

Deterministic: pocketsphinx's search has no randomness; the cache stores every word and the
sha256 of the audio it came from.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..script.recognise import (
    ACCEPT_COST_NATS,
    MAX_PHONE_S,
    MIN_AGREEMENT,
    SR,
    AlignedPhone,
    AlignedWord,
    guess_stress,
    recognise_and_align,
)

CACHE_VERSION = 1


# ----------------------------------------------------------------------------- cache


def audio_sha256(audio16k: np.ndarray) -> str:
    """Digest of the decoded samples (float32), not of the file: a re-encoded reading keeps it."""
    return hashlib.sha256(np.ascontiguousarray(audio16k, dtype=np.float32).tobytes()).hexdigest()


def _word_row(w: AlignedWord) -> list:
    phones = [[p.arpabet, p.ipa, p.stress, p.start, p.end] for p in w.phones]
    return [w.word, w.cost, w.agreement, w.bilabials_confirmed, phones]


def _word_from_row(row: list) -> AlignedWord:
    word, cost, agreement, confirmed, phones = row
    return AlignedWord(
        str(word),
        float(cost),
        float(agreement),
        bool(confirmed),
        tuple(AlignedPhone(str(a), str(i), int(s), float(t0), float(t1)) for a, i, s, t0, t1 in phones),
    )


def _align_job(path: str) -> tuple[str, str, float, list]:
    from .real_sources import read_audio16k

    audio = read_audio16k(Path(path))
    return path, audio_sha256(audio), len(audio) / SR, [_word_row(w) for w in recognise_and_align(audio)]


class AlignmentCache:
    """Recognised and aligned words per reading (file name -> words), stored as JSON."""

    def __init__(self, rows: dict[str, dict]) -> None:
        self.rows = rows

    def words(self, name: str) -> list[AlignedWord] | None:
        row = self.rows.get(name)
        return None if row is None else [_word_from_row(r) for r in row["words"]]

    def save(self, path: Path) -> None:
        doc = {
            "version": CACHE_VERSION,
            "method": "pocketsphinx en-us LM recognition, then state alignment of the recognised words",
            "readings": {k: self.rows[k] for k in sorted(self.rows)},
        }
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> AlignmentCache:
        path = Path(path)
        if not path.is_file():
            return cls({})
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("version") != CACHE_VERSION:
            return cls({})
        return cls(dict(doc["readings"]))

    @classmethod
    def build(
        cls, paths: Sequence[Path], cache_path: Path, *, workers: int = 2, log: Callable = print
    ) -> AlignmentCache:
        """Load the cache and recognise every reading it lacks (saved every 10 readings)."""
        cache = cls.load(cache_path)
        todo = sorted(str(p) for p in paths if Path(p).name not in cache.rows)
        if not todo:
            return cache
        log(f"recognising and aligning {len(todo)} readings with pocketsphinx ({workers} workers) ...")
        ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        pool = ctx.Pool(workers) if workers > 1 else None
        jobs = pool.imap(_align_job, todo, chunksize=1) if pool else map(_align_job, todo)
        try:
            for k, (path, sha, seconds, words) in enumerate(jobs):
                cache.rows[Path(path).name] = {"sha256": sha, "seconds": round(seconds, 3), "words": words}
                if (k + 1) % 10 == 0 or k + 1 == len(todo):
                    cache.save(cache_path)
                    log(f"  {k + 1}/{len(todo)} readings aligned")
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        return cache

    def summary(self) -> dict:
        """Words and seconds recognised and accepted (docs/CORPUS.md's filter figures)."""
        n_words = n_acc = 0
        speech_s = acc_s = 0.0
        seconds = 0.0
        for name in self.rows:
            seconds += float(self.rows[name]["seconds"])
            for w in self.words(name) or []:
                n_words += 1
                speech_s += w.end - w.start
                if w.accepted:
                    n_acc += 1
                    acc_s += w.end - w.start
        return {
            "readings": len(self.rows),
            "seconds": round(seconds, 1),
            "words": n_words,
            "accepted_words": n_acc,
            "word_seconds": round(speech_s, 1),
            "accepted_word_seconds": round(acc_s, 1),
            "accept_cost_nats": ACCEPT_COST_NATS,
            "min_agreement": MIN_AGREEMENT,
            "max_phone_s": MAX_PHONE_S,
        }


__all__ = [
    "ACCEPT_COST_NATS",
    "AlignedPhone",
    "AlignedWord",
    "AlignmentCache",
    "audio_sha256",
    "guess_stress",
    "recognise_and_align",
]
