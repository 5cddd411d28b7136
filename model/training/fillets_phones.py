"""Mouth-class labels for Fish Fillets lines: real Czech and Dutch voices for the lip reader.

Fish Fillets' lines (real_sources.fillets_lines) come with their text but no phone times. Each
line's phones come from espeak-ng (word by word, in the line's language) and become a sequence of
mouth classes (mouth_classes.subphone_class: every language maps without a table); the sequence
is then placed on the recording by forced alignment over a lip reader's class probabilities: the
most likely path through the classes in their order, each at least one frame, an optional
silence before, between the words and after. The text decides which classes occur and in which
order; the reader only says where. Lines whose forced path scores far below the reader's free
reading (another text than the audio, a laugh, a sound effect) are left out.

Training data only (tools/train_lip_reader.sh); nothing of Fish Fillets ships.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import features, windowing
from ..frame_classifier import normalised
from ..lips import lip_reader
from ..lips import mouth_classes as mc
from ..lips import phones as ph
from ..script import read_lines
from . import real_sources

# A line is kept when its forced path's mean log probability per frame is within this of the free
# reading's (the best class in every frame). On 120 training lines drawn at random the gap's
# median was -0.46 and its 10th percentile -0.66: about the worst tenth is left out (the build log
# prints the spread over all lines).
MAX_SCORE_GAP = 0.65
STRESS = str.maketrans("", "", "ˈˌ")


def word_classes(engine, language: str, text: str) -> list[list[int]]:
    """Per word of `text`, its mouth classes in order (repeats merged): espeak-ng's phones of each
    word in `language`, each phone's sub-phones' classes."""
    engine.set_voice(language)
    out = []
    for word in text.split():
        classes: list[int] = []
        for token in engine.text_to_phonemes(word):
            for part in ph.phone_info(token.translate(STRESS)).parts:
                c = mc.subphone_class(part)
                if c != mc.SILENCE and (not classes or classes[-1] != c):
                    classes.append(c)
        if classes:
            out.append(classes)
    return out


def forced_path(logp: np.ndarray, words: list[list[int]]) -> tuple[np.ndarray, float]:
    """(F,) class per frame on the best path through the words' classes (optional silence before,
    between and after the words; each class at least one frame), and its mean log probability
    per frame. logp: (F, N_CLASSES) log class probabilities. A path that cannot fit (fewer frames
    than classes) gives all -1 and -inf."""
    states: list[int] = [mc.SILENCE]
    optional: list[bool] = [True]
    for w in words:
        for c in w:
            if states[-1] == c and not optional[-1]:
                continue  # the same class across a word boundary without a pause: one state
            states.append(c)
            optional.append(False)
        states.append(mc.SILENCE)
        optional.append(True)
    n = len(logp)
    need = sum(not o for o in optional)
    if n < need or need == 0:
        return np.full(n, -1, dtype=np.int16), float("-inf")
    st = np.asarray(states)
    got = read_lines.best_path(logp, st, np.ones(len(st), dtype=bool), np.asarray(optional))
    if got is None:
        return np.full(n, -1, dtype=np.int16), float("-inf")
    path, score = got
    return st[path].astype(np.int16), score


def line_labels(
    reader: lip_reader.LipReader, audio16k: np.ndarray, words: list[list[int]]
) -> tuple[np.ndarray, np.ndarray, float]:
    """(normalised features (2F, N_MELS) float16, labels (F,), forced - free mean log probability)."""
    n = features.n_model_frames(len(audio16k))
    if n == 0:
        return np.zeros((0, features.N_MELS), np.float16), np.zeros(0, np.int16), float("-inf")
    mel = features.log_mel(audio16k)[: 2 * n]
    voiced = windowing.voiced_frames(audio16k, n)
    feats = normalised(mel, voiced)
    probs = reader.probabilities(audio16k, voiced, mel)
    logp = np.log(np.maximum(probs, 1e-9))
    labels, forced = forced_path(logp, words)
    free = float(logp.max(axis=1).mean())
    return feats.astype(np.float16), labels, forced - free


def build_data(
    out: Path,
    reader_path: Path = lip_reader.DEFAULT_PATH,
    root: Path = real_sources.DEFAULT_FILLETS_ROOT,
    log: Callable = print,
) -> dict[str, np.ndarray]:
    """The training levels' lines with their forced labels (the lip-reader trainer's data layout:
    feats, labels, offsets, kinds), cached in `out`."""
    from .lip_reader_train import cached_data, save_rows
    from .speech import espeak

    cached = cached_data(out)
    if cached is not None:
        return cached

    engine = espeak.engine()
    reader = lip_reader.LipReader.load(reader_path)
    t0 = time.time()
    rows, gaps = [], []
    for line in real_sources.fillets_lines(root, "train"):
        words = word_classes(engine, line.language, line.text)
        if not words:
            continue
        x = real_sources.read_audio16k(line.path)
        feats, labels, gap = line_labels(reader, x, words)
        gaps.append(gap)
        if gap >= -MAX_SCORE_GAP:
            rows.append((feats, labels, f"fillets:{line.language}"))
    g = np.asarray(gaps)
    g = g[np.isfinite(g)]  # an empty recording or one shorter than its classes has no gap
    log(
        f"Fish Fillets lines: {len(rows)} of {len(g)} kept (forced - free log probability per frame: "
        f"quartiles {np.round(np.percentile(g, [25, 50, 75]), 2).tolist()}, kept above {-MAX_SCORE_GAP}), "
        f"{sum(len(r[1]) for r in rows) / 50 / 3600:.2f} h, {time.time() - t0:.0f} s"
    )
    return save_rows(rows, out)


__all__ = ["MAX_SCORE_GAP", "build_data", "forced_path", "line_labels", "word_classes"]
