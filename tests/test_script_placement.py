"""Placing a script's lines in a take (model/script/placement.py), on made-up voice activity."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model.script.placement import FPS, LineSpec, anchor_from_placement, place_lines


def _take(roles, rng, *, gaps=(0.15, 0.8), duration=None):
    """Voiced frames and evidence for lines of these roles: (voiced, evidence, truth spans, syllables)."""
    n = int((duration or 6.0 * len(roles) + 4.0) * FPS)
    voiced = np.zeros(n, dtype=bool)
    evidence = np.zeros(n)
    truth, syllables = [], []
    t = 1.0
    for r in roles:
        syl = int(rng.integers(3, 25))
        dur = syl * 0.2 * rng.uniform(0.8, 1.25)
        s, e = int(t * FPS), int((t + dur) * FPS)
        voiced[s:e] = rng.random(e - s) < 0.8
        evidence[s:e] = (0.5 if r == 0 else -0.5) + rng.normal(0.0, 0.3, e - s)
        truth.append((t, t + dur))
        syllables.append(syl)
        t += dur + rng.uniform(*gaps)
    return voiced, evidence, truth, syllables


def _specs(roles, syllables):
    return [LineSpec(r, s) for r, s in zip(roles, syllables, strict=True)]


ROLES = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1]


@pytest.mark.parametrize("seed", range(5))
def test_lines_land_on_their_spans(seed):
    rng = np.random.default_rng(seed)
    voiced, evidence, truth, syl = _take(ROLES, rng)
    got = place_lines(_specs(ROLES, syl), voiced, evidence, separable=True)
    for line, (a, b) in zip(got.lines, truth, strict=True):
        assert line.found
        assert abs(line.start - a) < 0.15 and abs(line.end - b) < 0.15
        assert line.confidence > 0.5


def test_latched_turns_are_split_by_the_voices():
    """No pause between turns: only the evidence says where one line ends and the next begins."""
    rng = np.random.default_rng(3)
    voiced, evidence, truth, syl = _take(ROLES, rng, gaps=(0.0, 0.0))
    got = place_lines(_specs(ROLES, syl), voiced, evidence, separable=True)
    # Where one role follows itself with no pause only the lengths can split them: not checked.
    errors = [
        abs(line.start - a)
        for k, (line, (a, _)) in enumerate(zip(got.lines, truth, strict=True))
        if k == 0 or ROLES[k - 1] != ROLES[k]
    ]
    assert max(errors) < 0.15


def test_one_voice_places_lines_on_pauses_and_lengths():
    rng = np.random.default_rng(4)
    voiced, _, truth, syl = _take(ROLES, rng, gaps=(0.4, 0.9))
    got = place_lines(_specs(ROLES, syl), voiced, None)
    for line, (a, b) in zip(got.lines, truth, strict=True):
        assert abs(line.start - a) < 0.2 and abs(line.end - b) < 0.2


def test_a_line_missing_from_the_audio_is_reported_and_does_not_shift_the_rest():
    rng = np.random.default_rng(5)
    voiced, evidence, truth, syl = _take(ROLES, rng)
    specs = _specs(ROLES, syl)
    specs.insert(4, LineSpec(0, 14))  # A's line that nobody spoke, between two B lines
    got = place_lines(specs, voiced, evidence, separable=True)
    assert not got.lines[4].found
    kept = [line for k, line in enumerate(got.lines) if k != 4]
    for line, (a, b) in zip(kept, truth, strict=True):
        assert line.found and abs(line.start - a) < 0.2 and abs(line.end - b) < 0.2


def test_an_ad_lib_outside_the_script_does_not_shift_the_lines_after_it():
    rng = np.random.default_rng(6)
    voiced, evidence, truth, syl = _take(ROLES, rng)
    drop = 5  # A's line spoken but left out of the script
    specs = [s for k, s in enumerate(_specs(ROLES, syl)) if k != drop]
    got = place_lines(specs, voiced, evidence, separable=True)
    kept_truth = [t for k, t in enumerate(truth) if k != drop]
    for line, (a, b) in list(zip(got.lines, kept_truth, strict=True))[drop:]:
        assert abs(line.start - a) < 0.2 and abs(line.end - b) < 0.2


def test_a_backchannel_inside_the_other_line_is_placed_there():
    """'B: mm-hm' listed after A's line but spoken in its middle: found inside it, and the lines
    after it keep their places."""
    rng = np.random.default_rng(7)
    roles = [0, 1, 1, 0]
    voiced, evidence, truth, syl = _take(roles, rng)
    a0, a1 = truth[0]
    mid = int((a0 + a1) / 2 * FPS)
    voiced[mid - 10 : mid + 15] = True
    evidence[mid - 10 : mid + 15] = -0.7  # B's voice
    specs = _specs(roles, syl)
    specs.insert(1, LineSpec(1, 2))  # "mm-hm"
    got = place_lines(specs, voiced, evidence, separable=True)
    bc = got.lines[1]
    assert bc.found and bc.overlapped
    assert abs(bc.start - (mid - 10) / FPS) < 0.1
    for line, (a, b) in zip(got.lines[2:], truth[1:], strict=True):
        assert abs(line.start - a) < 0.2 and abs(line.end - b) < 0.2
    anchor = anchor_from_placement(got, len(voiced), voiced, evidence)
    assert anchor[mid, 1, 1] == 1.0 and anchor[mid, 0, 1] == 0.0  # B speaks there, A does not


def _under_the_voice(seed, syllables=2, where=0.5):
    """A's long line with B's 'mm-hm' under it, quieter than A: the voice still sounds like A
    there, only less so, and the voice counter hears two voices. Returns what place_lines needs,
    the backchannel's start (frames), and A's line."""
    roles = [0, 1, 0]
    voiced, evidence, truth, syl = _take(roles, np.random.default_rng(seed))
    a0, a1 = truth[0]
    assert a1 - a0 > 2.0  # long enough to hold it
    start = int((a0 + where * (a1 - a0)) * FPS)
    under = slice(start, start + int(round(syllables * 0.2 * FPS)))
    voiced[under] = True
    evidence[under] = 0.05  # A's voice, leaning towards B's
    two = np.zeros(len(voiced))
    two[under] = 0.8
    specs = _specs(roles, syl)
    specs.insert(1, LineSpec(1, syllables))  # "mm-hm", listed after A's line
    return specs, voiced, evidence, two, start, truth


def test_a_backchannel_under_the_other_voice_is_placed_where_two_voices_are_heard():
    """A quiet 'mm-hm' under A's line never out-sounds A: the voice vectors alone leave it out or
    put it after A's line; where the voice counter hears two voices and the voice leans towards
    B, it is placed inside A's line, and the lines after it keep their places."""
    specs, voiced, evidence, two, start, truth = _under_the_voice(5)
    plain = place_lines(specs, voiced, evidence, separable=True)
    assert not plain.lines[1].found or abs(plain.lines[1].start - start / FPS) > 0.5
    got = place_lines(specs, voiced, evidence, separable=True, two_voices=two)
    bc = got.lines[1]
    assert bc.found and bc.overlapped and bc.confidence >= 0.35
    assert abs(bc.start - start / FPS) < 0.1
    for line, (a, b) in zip(got.lines[2:], truth[1:], strict=True):
        assert abs(line.start - a) < 0.2 and abs(line.end - b) < 0.2
    assert abs(got.lines[0].start - truth[0][0]) < 0.2 and abs(got.lines[0].end - truth[0][1]) < 0.2


@pytest.mark.parametrize(
    ("syllables", "where", "why"),
    [
        (6, 0.5, "a six-syllable line is a turn, not a backchannel"),
        (2, 0.01, "at the host's start: a turn in order"),
        (2, 0.95, "at its end: a turn in order"),
    ],
)
def test_two_voices_do_not_pull_in_a_line_that_is_no_backchannel(syllables, where, why):
    specs, voiced, evidence, two, start, _ = _under_the_voice(5, syllables, where)
    got = place_lines(specs, voiced, evidence, separable=True, two_voices=two)
    assert not got.lines[1].overlapped, why


def test_time_hints_pin_a_line():
    rng = np.random.default_rng(8)
    voiced, evidence, truth, syl = _take(ROLES, rng, gaps=(0.3, 0.3))
    specs = _specs(ROLES, syl)
    # Without evidence two neighbouring lines of one role are ambiguous; a hint decides.
    k = 3
    specs[k] = LineSpec(ROLES[k], syl[k] * 3, hint_start=truth[k][0])  # a badly wrong length
    got = place_lines(specs, voiced, None)
    assert abs(got.lines[k].start - truth[k][0]) < 0.5


def test_overlapping_hints_place_the_line_over_its_neighbour():
    voiced = np.zeros(500, dtype=bool)
    voiced[50:300] = True
    specs = [LineSpec(0, 20, 1.0, 6.0), LineSpec(1, 2, 3.0, 3.6)]
    got = place_lines(specs, voiced, None)
    assert got.lines[1].overlapped
    assert (got.lines[1].start, got.lines[1].end) == pytest.approx((3.0, 3.6), abs=0.03)


def test_silence_and_empty_input_place_nothing():
    got = place_lines([LineSpec(0, 5), LineSpec(1, 5)], np.zeros(300, dtype=bool), None)
    assert not any(line.found for line in got.lines)
    assert place_lines([], np.ones(100, dtype=bool)).lines == ()
    got = place_lines([LineSpec(0, 5)], np.zeros(0, dtype=bool))
    assert not got.lines[0].found


def test_many_lines_on_a_long_take():
    """1,000 lines over ~80 minutes: every line placed in order (a 1,000-line script is normal)."""
    rng = np.random.default_rng(9)
    roles = [int(r) for r in rng.integers(0, 2, 1000)]
    voiced, evidence, truth, syl = _take(roles, rng)
    got = place_lines(_specs(roles, syl), voiced, evidence, separable=True)
    starts = [line.start for line in got.lines]
    assert all(line.found for line in got.lines)
    assert starts == sorted(starts)
    err = np.median([abs(line.start - a) for line, (a, _) in zip(got.lines, truth, strict=True)])
    assert err < 0.1


def test_anchor_marks_each_role_on_its_lines_only():
    rng = np.random.default_rng(10)
    voiced, evidence, truth, syl = _take(ROLES, rng)
    got = place_lines(_specs(ROLES, syl), voiced, evidence, separable=True)
    anchor = anchor_from_placement(got, len(voiced), voiced)
    for r, (a, b) in zip(ROLES, truth, strict=True):
        s, e = int(a * FPS) + 10, int(b * FPS) - 10
        v = voiced[s:e]
        assert np.all(anchor[s:e][v, r, 1] == 1.0) and np.all(anchor[s:e][v, 1 - r, 1] == 0.0)
        assert np.all(anchor[s:e][v, :, 0] == 1.0)
    assert np.all(anchor[~voiced, :, 1] == 0.0)


def test_an_interjection_never_reorders_a_characters_own_lines():
    """An unscripted 'mm' of B inside A's first line is not B's short line two lines later: B's
    own longer line lies between them, and a character speaks its lines in order."""
    rng = np.random.default_rng(11)
    roles = [0, 1, 1, 0]
    voiced, evidence, truth, syl = _take(roles, rng)
    syl[2] = 2  # B's short line ("three")
    a0, a1 = truth[0]
    mid = int((a0 + a1) / 2 * FPS)
    voiced[mid - 10 : mid + 10] = True
    evidence[mid - 10 : mid + 10] = -0.7  # B's voice inside A's line, not in the script
    got = place_lines(_specs(roles, syl), voiced, evidence, separable=True)
    short = got.lines[2]
    assert not short.overlapped
    assert short.start >= got.lines[1].start


def test_a_backchannel_is_the_line_after_the_line_it_interrupts():
    """B: "Yes." / A: a long line / B: "Mm-hm." / A: ... with B's voice heard in the middle of A's
    line: that is the "Mm-hm." listed after A's line (a script lists lines by where they start), not
    the "Yes." before it, which keeps its own place before A's line."""
    n = 600
    voiced = np.zeros(n, dtype=bool)
    evidence = np.zeros(n)
    for (s, e), ev in (((50, 70), -0.6), ((100, 400), 0.5), ((450, 550), 0.5)):
        voiced[s:e] = True
        evidence[s:e] = ev
    evidence[240:265] = -0.7  # B's voice inside A's line
    specs = [LineSpec(1, 2), LineSpec(0, 30), LineSpec(1, 2), LineSpec(0, 10)]
    got = place_lines(specs, voiced, evidence, separable=True)
    yes, mm_hm = got.lines[0], got.lines[2]
    assert mm_hm.found and mm_hm.overlapped
    assert abs(mm_hm.start - 240 / FPS) < 0.1
    assert yes.found and not yes.overlapped and abs(yes.start - 50 / FPS) < 0.1
