"""How far the real-voice lip targets can be trusted: the LibriSpeech recogniser + filter
(model/training/real_align.py) run on English corpus stems whose phones are known exactly.

    .venv/bin/python tools/check_real_align.py corpus/test7 --split test
    .venv/bin/python tools/check_real_align.py --cache corpus/real_alignments.json   # filter shares

For every English clip's dry stems it recognises and aligns the role's speech as the corpus
builder does for LibriSpeech readings, then compares the p/b/m phones (the seals the lips
learn) of (a) every recognised word and (b) the accepted words only against the true phones:
precision (an aligned p/b/m lies on a true p/b/m, +-30 ms), recall (true p/b/m inside the
words' spans that an aligned p/b/m meets), the release error (aligned end - true end) and the
share of the role's speech the words cover. Synthetic voices are easier than LibriSpeech's
readers; read the figures as an upper bound. --cache prints the accepted shares of a built
alignment cache (docs/CORPUS.md's filter figures).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from duet.model import spec
from duet.model.lips import phones as ph
from duet.model.training.real_align import AlignmentCache, recognise_and_align

TOLERANCE_S = 0.03


def _clip_rows(corpus: Path, split: str, language: str, limit: int):
    for shard in sorted(corpus.glob(f"{split}-*.npz")):
        with np.load(shard, allow_pickle=False) as z:
            langs = z["clip_language"].astype(str)
            so = z["clip_sample_offsets"]
            for c in range(len(langs)):
                if langs[c] != language:
                    continue
                keep = z["phone_clip"] == c
                yield (
                    z["audio_stems"][so[c] : so[c + 1]].astype(np.float32) / spec.AUDIO_INT16_SCALE,
                    z["phone_role"][keep],
                    z["phone_ipa"][keep].astype(str),
                    z["phone_start"][keep].astype(np.float64),
                    z["phone_end"][keep].astype(np.float64),
                )
                limit -= 1
                if limit <= 0:
                    return


def _pbm_counts(words, true_pbm: np.ndarray) -> dict:
    """p/b/m of the words against one role's true p/b/m spans (seconds)."""
    aligned = [(p.start, p.end) for w in words for p in w.phones if ph.is_bilabial_closure(p.ipa)]
    hits, release = 0, []
    for s, e in aligned:
        mid = 0.5 * (s + e)
        match = [te for ts, te in true_pbm if ts - TOLERANCE_S <= mid <= te + TOLERANCE_S]
        if match:
            hits += 1
            release.append(abs(e - match[0]))
    spans = [(w.start, w.end) for w in words]
    inside = [(ts, te) for ts, te in true_pbm if any(a <= 0.5 * (ts + te) <= b for a, b in spans)]
    met = sum(any(s <= te + TOLERANCE_S and e >= ts - TOLERANCE_S for s, e in aligned) for ts, te in inside)
    return {"aligned": len(aligned), "hits": hits, "inside": len(inside), "met": met, "release": release}


def check_corpus(corpus: Path, split: str, language: str, limit: int) -> dict:
    totals = {
        name: {"aligned": 0, "hits": 0, "inside": 0, "met": 0, "release": [], "words": 0, "covered": 0.0}
        for name in ("all recognised words", "accepted words")
    }
    speech = 0.0
    for stems, role, ipa, start, end in _clip_rows(corpus, split, language, limit):
        for r in range(2):
            words = recognise_and_align(stems[:, r])
            sel = role == r
            pbm = np.array([ph.is_bilabial_closure(p) for p in ipa[sel]], dtype=bool)
            true_pbm = np.stack([start[sel][pbm], end[sel][pbm]], axis=1) if pbm.any() else np.zeros((0, 2))
            voiced = np.array([not ph.is_silence(p) for p in ipa[sel]], dtype=bool)
            speech += float(np.sum(end[sel][voiced] - start[sel][voiced]))
            for name, ws in (
                ("all recognised words", words),
                ("accepted words", [w for w in words if w.accepted]),
            ):
                t = totals[name]
                for key, value in _pbm_counts(ws, true_pbm).items():
                    t[key] += value
                t["words"] += len(ws)
                t["covered"] += sum(w.end - w.start for w in ws)
    out = {}
    for name, t in totals.items():
        out[name] = {
            "words": t["words"],
            "speech_covered": round(t["covered"] / max(speech, 1e-9), 3),
            "pbm_aligned": t["aligned"],
            "pbm_precision": round(t["hits"] / max(1, t["aligned"]), 3),
            "pbm_recall_in_words": round(t["met"] / max(1, t["inside"]), 3),
            "release_error_ms_median": round(1000 * float(np.median(t["release"])), 1)
            if t["release"]
            else None,
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="?", help="a corpus folder with English clips")
    parser.add_argument("--split", default="test")
    parser.add_argument("--language", default="en")
    parser.add_argument("--clips", type=int, default=4, help="English clips to check")
    parser.add_argument("--cache", type=Path, default=None, help="print the shares of an alignment cache")
    args = parser.parse_args()
    if args.cache is not None:
        print(json.dumps(AlignmentCache.load(args.cache).summary(), indent=1))
    if args.corpus is not None:
        print(json.dumps(check_corpus(args.corpus, args.split, args.language, args.clips), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
