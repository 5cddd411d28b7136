"""Who speaks in a script-assisted take: over confidently placed lines the script decides, not the
network (duet.model.script.take.script_speaking, applied by generation.perform)."""

from __future__ import annotations

import numpy as np
from script_alignments import script_alignment

from duet.model import generation, spec
from duet.model.performance import TakeLine
from duet.model.script import parse_script, take
from duet.model.script import placement as pl

FPS = spec.NATIVE_FPS


def _line(role: str, start: float, end: float, confidence: float = 0.9, number: int = 1) -> TakeLine:
    return TakeLine(role, role, "words", start, end, number, confidence)


def _frames(start: float, end: float) -> slice:
    return slice(int(round(start * FPS)), int(round(end * FPS)))


def test_a_sure_line_speaks_for_its_character_and_silences_the_partner():
    speaks, known = take.script_speaking((_line("A", 0.5, 1.5), _line("B", 1.6, 2.5)), 150, FPS)
    assert speaks[_frames(0.5, 1.5), 0].all() and not speaks[_frames(0.5, 1.5), 1].any()
    assert speaks[_frames(1.6, 2.5), 1].all() and not speaks[_frames(1.6, 2.5), 0].any()
    assert known[_frames(0.5, 1.5)].all() and known[_frames(1.6, 2.5)].all()
    # The turn change between two characters is not bridged: the network keeps it.
    assert not known[_frames(1.5, 1.6)].any()
    assert not known[: _frames(0.5, 1.5).start].any() and not known[_frames(2.5, 3.0)].any()


def test_a_low_confidence_line_is_left_to_the_network():
    unsure = _line("A", 0.5, 1.5, confidence=pl.LOW_CONFIDENCE - 0.1)
    speaks, known = take.script_speaking((unsure,), 100, FPS)
    assert not known.any() and not speaks.any()


def test_a_short_gap_between_a_characters_lines_is_speech_a_long_one_is_not():
    speaks, known = take.script_speaking(
        (_line("A", 0.0, 1.0), _line("A", 1.2, 2.0), _line("A", 2.6, 3.0)), 200, FPS
    )
    assert speaks[_frames(1.0, 1.2), 0].all() and known[_frames(1.0, 1.2)].all()
    assert not speaks[_frames(2.0, 2.6), 0].any() and not known[_frames(2.0, 2.6)].any()


def test_an_interjection_inside_the_partners_line_is_both_speaking():
    speaks, _ = take.script_speaking((_line("A", 0.0, 3.0), _line("B", 1.0, 1.4)), 200, FPS)
    assert speaks[_frames(1.0, 1.4)].all()
    assert not speaks[_frames(1.5, 3.0), 1].any()


def test_perform_takes_who_speaks_from_the_script_lines(monkeypatch):
    """The network given this anchor may still say otherwise; the take's speaking follows the
    sure lines and keeps the network's own values elsewhere."""
    n_samples = 3 * spec.SAMPLE_RATE
    rng = np.random.default_rng(3)
    audio = (0.05 * rng.standard_normal(n_samples)).astype(np.float32)
    n = generation.features.n_model_frames(n_samples)
    lines = (_line("A", 0.2, 1.2), _line("B", 1.6, 2.6, number=2), _line("A", 2.7, 2.9, 0.1, 3))
    aligned = script_alignment(lines, n)  # its anchor says nothing: the network alone would decide
    monkeypatch.setattr(take, "align_script", lambda script, x, rt, **kwargs: aligned)
    script = parse_script("A: one two\nB: three four\nA: five\n")
    perf = generation.perform(audio, runtime="numpy", script=script)
    monkeypatch.setattr(take, "speaking_over_lines", lambda speaking, aligned, fps: speaking)
    plain = generation.perform(audio, runtime="numpy", script=script)  # the network's own speaking
    a, b = perf.speaking["A"], perf.speaking["B"]
    assert np.all(a[_frames(0.2, 1.2)] == 1.0) and np.all(b[_frames(0.2, 1.2)] == 0.0)
    assert np.all(b[_frames(1.6, 2.6)] == 1.0) and np.all(a[_frames(1.6, 2.6)] == 0.0)
    # Outside the sure lines (before the first, between turns, the low-confidence line): the network.
    for span in (_frames(0.0, 0.2), _frames(1.2, 1.6), _frames(2.7, 2.9)):
        assert np.allclose(a[span], plain.speaking["A"][span], atol=1e-5)
        assert np.allclose(b[span], plain.speaking["B"][span], atol=1e-5)


def test_a_line_reaches_the_voice_placed_next_to_its_words_but_not_far_beyond():
    # Placement found voice from 1.2 s; the words (a transcript without the first "okay") from 1.6 s.
    assert take._line_extent(1.2, 4.3, 1.6, 3.9) == (1.2, 4.3)
    # A placement that reaches further than LINE_REACH_S is more likely wrong than the words.
    far = take.LINE_REACH_S + 0.5
    assert take._line_extent(1.6 - far, 3.9 + far, 1.6, 3.9) == (1.6, 3.9)
    # The words reach past the placement: the words' edges.
    assert take._line_extent(1.8, 3.5, 1.6, 3.9) == (1.6, 3.9)
    # Voice just past the last word is its release or the room's tail, not a missing word.
    assert take._line_extent(1.6, 4.06, 1.6, 3.9) == (1.6, 3.9)
    assert take._line_extent(1.45, 3.9, 1.6, 3.9) == (1.45, 3.9)  # before the first: a word


def test_two_voices_heard_where_the_lines_say_one_are_left_to_the_network_but_not_where_they_say_both():
    """The voice counter's frames (ScriptAlignment.two_voices) hand who speaks back to the network
    where the lines give one character (an unscripted laugh over a line), never under an
    interjection the script placed there (both speak: the lines already say so)."""
    n = 200
    lines = (_line("A", 0.0, 3.0), _line("B", 1.0, 1.4, number=2))
    two = np.zeros(n, dtype=bool)
    two[_frames(1.1, 1.3)] = True  # under B's interjection
    two[_frames(2.0, 2.2)] = True  # over A's line alone
    aligned = script_alignment(lines, n, two_voices=two)
    network = {"A": np.full(n, 0.3, np.float32), "B": np.full(n, 0.3, np.float32)}
    got = take.speaking_over_lines(network, aligned, FPS)
    assert np.all(got["A"][_frames(1.1, 1.3)] == 1.0) and np.all(got["B"][_frames(1.1, 1.3)] == 1.0)
    assert np.allclose(got["B"][_frames(2.0, 2.2)], 0.3) and np.allclose(got["A"][_frames(2.0, 2.2)], 0.3)
    assert np.all(got["B"][_frames(2.3, 2.9)] == 0.0)
