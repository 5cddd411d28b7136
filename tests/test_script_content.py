"""Where script lines are spoken, from what they say (duet.model.script.content) and how the
placement weighs it (placement.LineSpec.content_start/end, take.line_phones)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from reader_probabilities import reader_probabilities

from duet.model.lips import mouth_classes as mc
from duet.model.script import content, parse_script, read_lines, take
from duet.model.script import placement as pl

FPS = 50.0


def _phones(*words):
    """A line's phones from words given as IPA strings of one-letter phones."""
    return read_lines.line_phones([[(p, 1) for p in w] for w in words])


def _runs(phones, frames_each=4):
    """Runs of frames that say these phones: each sub-phone class `frames_each` frames."""
    return [(c, frames_each) for p in phones for c in p.classes]


LINE_1 = _phones("bɑb", "muvd")  # "bob moved"
LINE_2 = _phones("sɪ", "wɑt")  # "see what"
LINE_3 = _phones("mɔm")


def _take(lines, gaps, rng):
    """Probabilities of the lines said in turn with `gaps` frames of silence around them, and
    each line's true (start, end) in seconds."""
    runs, truth, t = [(mc.SILENCE, gaps[0])], [], gaps[0]
    for line, gap in zip(lines, gaps[1:], strict=True):
        r = _runs(line)
        n = sum(k for _, k in r)
        truth.append((t / FPS, (t + n) / FPS))
        runs += [*r, (mc.SILENCE, gap)]
        t += n + gap
    return reader_probabilities(runs, rng), truth


def test_each_line_is_found_where_its_phones_are_said():
    lines = [LINE_1, LINE_2, LINE_3]
    probs, truth = _take(lines, [20, 0, 15, 25], np.random.default_rng(0))  # lines 1 and 2 latch
    got = content.content_spans(probs, lines, [2, 2, 1], FPS)
    for span, (s, e) in zip(got, truth, strict=True):
        assert span is not None and span.trusted
        assert abs(span.start - s) <= 2 / FPS and abs(span.end - e) <= 2 / FPS


def test_a_line_that_is_not_said_fits_badly_and_is_not_trusted():
    said = [LINE_1, LINE_3]
    probs, _ = _take(said, [20, 30, 20], np.random.default_rng(1))
    wrong = [_phones("sɪ", "siʃ", "kɪs"), _phones("ʃi")]  # none of the said mouth shapes
    got = content.content_spans(probs, wrong, [3, 1], FPS)
    assert all(span is not None for span in got)
    assert not any(span.trusted for span in got if span is not None)
    right = content.content_spans(probs, said, [2, 1], FPS)
    assert all(span is not None and span.trusted for span in right)


def test_a_line_without_phones_takes_the_speech_between_its_neighbours():
    lines = [LINE_1, LINE_2, LINE_3]
    probs, truth = _take(lines, [20, 20, 20, 20], np.random.default_rng(2))
    got = content.content_spans(probs, [LINE_1, None, LINE_3], [2, 2, 1], FPS)
    assert got[0] is not None and got[2] is not None and got[1] is not None
    assert got[0].end <= got[1].start and got[1].end <= got[2].start
    # the middle line keeps to the speech between its neighbours, give or take a pause
    assert got[1].start >= truth[0][1] - 1e-9 and got[1].end <= truth[2][0] + 1e-9
    assert abs(got[2].start - truth[2][0]) <= 2 / FPS


def test_nothing_to_read_gives_no_spans():
    probs = reader_probabilities([(mc.SILENCE, 30)], np.random.default_rng(3))
    assert content.content_spans(probs, [None, None], [2, 2], FPS) == [None, None]
    assert content.content_spans(probs[:0], [LINE_1], [2], FPS) == [None]
    # a take far too short for the line's phones
    assert content.content_spans(probs[:3], [LINE_1], [2], FPS) == [None]


def test_a_long_take_is_aligned_block_by_block_at_the_guides_pauses(monkeypatch):
    rng = np.random.default_rng(4)
    lines = [LINE_1, LINE_2, LINE_3] * 4
    probs, truth = _take(lines, [20] + [30] * len(lines), rng)
    whole = content.content_spans(probs, lines, [2] * len(lines), FPS, truth)
    monkeypatch.setattr(content, "MAX_CELLS", len(probs) * 40)  # a block holds a few lines only
    blocks = content._blocks(len(probs), lines, [2] * len(lines), FPS, truth)
    assert len(blocks) > 2
    assert blocks[0][0] == 0 and blocks[-1][1] == len(lines) and blocks[-1][3] == len(probs)
    for (_, end_line, _, end_frame), (first, _, start, _) in pairwise(blocks):
        assert end_line == first and end_frame == start
        assert truth[first - 1][1] * FPS < start < truth[first][0] * FPS  # in the pause
    cut = content.content_spans(probs, lines, [2] * len(lines), FPS, truth)
    for a, b in zip(whole, cut, strict=True):
        assert a is not None and b is not None
        assert abs(a.start - b.start) <= 2 / FPS and abs(a.end - b.end) <= 2 / FPS


def test_content_moves_a_latched_turn_boundary_that_lengths_alone_misplace():
    """Two lines spoken back to back with no pause and no voice evidence: placement splits the
    voice by the lines' syllable counts; where their phones fell moves the cut to the truth."""
    voiced = np.zeros(300, dtype=bool)
    voiced[50:250] = True  # 4 s of voice: line 1 really ends at 3.8 s
    lines = [pl.LineSpec(0, 5), pl.LineSpec(1, 5)]
    blind = pl.place_lines(lines, voiced)
    assert abs(blind.lines[0].end - 3.0) <= 0.2  # equal syllables: cut in the middle
    told = [
        pl.LineSpec(0, 5, content_start=1.0, content_end=3.8),
        pl.LineSpec(1, 5, content_start=3.8, content_end=5.0),
    ]
    got = pl.place_lines(told, voiced)
    assert abs(got.lines[0].end - 3.8) <= 0.25 and abs(got.lines[1].start - 3.8) <= 0.25


def test_a_line_of_english_in_a_script_of_several_languages_is_read_as_english():
    if not take._aligner_available():
        pytest.skip("pocketsphinx's dictionary is not installed")
    script = parse_script("A: Bonjour, je suis désolé\nB: Please hold the line\nA: Секундочку, пожалуйста")
    assert not take.script_is_english(script)
    french, english, russian = (take.line_phones(line, False) for line in script.lines)
    assert english is not None and [p.ipa for p in english][:3] == ["p", "l", "i"]
    assert french is not None and russian is not None
    arabic = parse_script("A: مرحبا بك").lines[0]
    assert take.line_phones(arabic, False) is None


def test_phones_squeezed_far_below_the_lines_length_were_not_heard_there():
    """A backchannel under the partner's line: the chain passes over it in a few frames between
    the lines around it, where it fits no worse than the pause it stands in."""
    squeezed = content.ContentSpan(16.58, 16.64, 0.9, 0.6)
    assert squeezed.trusted and not squeezed.heard(expected_s=0.25)
    assert content.ContentSpan(16.5, 16.75, 0.9, 0.6).heard(expected_s=0.25)
    assert not content.ContentSpan(16.5, 16.75, content.MAX_FIT_LOSS + 0.1, 0.6).heard(0.25)
    assert not content.ContentSpan(16.5, 16.75, 0.9, content.MIN_CLARITY - 0.05).heard(0.25)


def test_placed_edges_move_to_where_the_phones_begin_and_end_when_near():
    """Voice reaches a little past the line (a breath, the partner's tail): the edges follow the
    phones, finer than the 10 fps search; an edge far from them stays where voice put it."""
    voiced = np.zeros(300, dtype=bool)
    voiced[50:160] = True  # 1.0-3.2 s
    near = pl.place_lines([pl.LineSpec(0, 10, content_start=1.14, content_end=3.06)], voiced).lines[0]
    assert near.start == pytest.approx(1.14, abs=0.021) and near.end == pytest.approx(3.06, abs=0.021)
    blind = pl.place_lines([pl.LineSpec(0, 10)], voiced).lines[0]
    assert blind.start == pytest.approx(1.0, abs=0.021) and blind.end == pytest.approx(3.2, abs=0.021)
    far = pl.place_lines([pl.LineSpec(0, 10, content_start=1.5, content_end=3.06)], voiced).lines[0]
    assert far.end == pytest.approx(3.06, abs=0.021)
    assert abs(far.start - 1.5) > 0.1  # 0.5 s from voice's edge: not moved onto the hint


def test_the_voices_lean_draws_each_line_to_its_characters_voice():
    """The same words said twice, the script holding them once: the phones alone cannot tell
    which; the voice evidence (here A's voice on the second) can."""
    word = _phones("bɑbmuvd")  # one word: no pause inside it to stretch over both
    probs, truth = _take([word] * 2, [20, 30, 20], np.random.default_rng(5))
    lean = np.zeros(len(probs))
    lean[int(truth[0][0] * FPS) : int(truth[0][1] * FPS)] = -1.0
    lean[int(truth[1][0] * FPS) : int(truth[1][1] * FPS)] = 1.0
    for role, said in ((0, truth[1]), (1, truth[0])):
        (span,) = content.content_spans(probs, [word], [2], FPS, roles=[role], lean=lean)
        assert span is not None
        assert abs(span.start - said[0]) <= 2 / FPS and abs(span.end - said[1]) <= 2 / FPS
