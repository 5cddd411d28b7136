"""Forced alignment of a line's mouth classes (model/training/fillets_phones.py)."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model.lips import mouth_classes as mc
from duet.model.training import fillets_phones as fp

A, M, ROUND = mc.NAMES.index("open"), mc.BILABIAL, mc.NAMES.index("rounded_open")
S = mc.SILENCE


def _logp(path: list[int], sure: float = 0.7) -> np.ndarray:
    p = np.full((len(path), mc.N_CLASSES), (1.0 - sure) / (mc.N_CLASSES - 1))
    p[np.arange(len(path)), path] = sure
    return np.log(p)


def test_the_forced_path_places_the_words_classes_where_the_frames_say():
    truth = [S] * 3 + [M] * 2 + [A] * 4 + [S] * 3 + [M] * 2 + [ROUND] * 5 + [S] * 2
    got, score = fp.forced_path(_logp(truth), [[M, A], [M, ROUND]])
    assert got.tolist() == truth
    assert score == pytest.approx(np.log(0.7))


def test_the_text_decides_the_classes_even_where_the_frames_doubt():
    """A p/b/m the reader hardly hears is still placed, where it is least unlikely."""
    heard = [A] * 4 + [ROUND] * 4
    logp = _logp(heard)
    logp[4, M] = np.log(0.2)  # frame 4 leans a little to p/b/m
    got, _ = fp.forced_path(logp, [[A, M, ROUND]])
    assert got.tolist() == [A] * 4 + [M] + [ROUND] * 3


def test_optional_silences_may_be_skipped_and_a_line_too_short_gives_nothing():
    got, _ = fp.forced_path(_logp([M, A, M, ROUND]), [[M, A], [M, ROUND]])
    assert got.tolist() == [M, A, M, ROUND]
    short, score = fp.forced_path(_logp([M, A]), [[M, A], [M, ROUND]])
    assert (short == -1).all() and score == float("-inf")


def test_words_become_their_phones_classes_in_order():
    espeak = pytest.importorskip("duet.model.training.speech.espeak")
    try:
        engine = espeak.engine()
    except Exception as exc:  # no espeak-ng library on this machine
        pytest.skip(f"espeak-ng unavailable: {exc}")
    words = fp.word_classes(engine, "cs", "Bombu mám.")
    assert words == [[M, ROUND, M, mc.NAMES.index("rounded_close")], [M, A, M]]


def test_rows_are_saved_in_the_trainers_layout_and_read_back(tmp_path):
    from duet.model.training.lip_reader_train import cached_data, save_rows

    out = tmp_path / "data.npz"
    assert cached_data(out) is None
    rows = [
        (np.ones((6, 80), np.float16), np.array([S, M, A], np.int16), "fillets:cs"),
        (np.zeros((4, 80), np.float16), np.array([A, S], np.int16), "fillets:nl"),
    ]
    saved = save_rows(rows, out)
    again = cached_data(out)
    assert saved["offsets"].tolist() == [0, 3, 5] and saved["feats"].shape == (10, 80)
    assert {k: v.tolist() for k, v in again.items()} == {k: v.tolist() for k, v in saved.items()}
