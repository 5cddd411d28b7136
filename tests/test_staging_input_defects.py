"""Staging text that used to be misread (issue 14, item 9): times, odd characters, limits."""

from __future__ import annotations

import time

import pytest

from duet.model.staging import StagingError, parse
from duet.model.staging.errors import MAX_REPORTED


def first_error(text: str) -> tuple[int, int, str, str]:
    with pytest.raises(StagingError) as caught:
        parse(text)
    issue = caught.value.errors[0]
    return issue.line, issue.column, issue.message, issue.suggestion


# ----------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("A faces left at .5s", 0.5, None),
        ("A nods at .25 seconds", 0.25, None),
        ("A faces left from .5s to 1.5s", 0.5, 1.5),
        ("A looks at .75s at B", 0.75, None),
        (".5s: A faces left", 0.5, None),
        ("A faces left from .5s - 1.5s", 0.5, 1.5),
    ],
)
def test_a_time_without_its_leading_zero_is_read(text, start, end):
    (d,) = parse(text).directions
    assert d.start.value == pytest.approx(start, abs=1e-12)
    assert d.start.unit == "s"
    assert (d.end.value if d.end is not None else None) == (pytest.approx(end) if end is not None else None)


def test_a_full_stop_glued_to_a_word_still_ends_the_sentence():
    script = parse("A faces left.\nat 1s\nB nods")
    assert [d.action for d in script.directions] == ["face", "nod"]
    assert script.directions[1].start.value == 1.0


@pytest.mark.parametrize(
    ("text", "column", "word"),
    [
        ("A faces left at", 14, "at"),
        ("A faces left at.", 14, "at"),
        ("A faces left at, B nods", 14, "at"),
        ("A looks at and B nods", 9, "at"),
        ("A faces left to", 14, "to"),
        ("B looks down toward", 14, "toward"),
    ],
)
def test_a_dangling_at_is_an_error_that_says_where_and_what_to_do(text, column, word):
    line, col, message, suggestion = first_error(text)
    assert (line, col) == (1, column)
    assert message.startswith(f"nothing after '{word}'")
    assert "remove it" in message
    assert suggestion == f"remove '{word}'"


def test_a_dangling_at_on_a_later_line_points_there():
    line, col, message, _ = first_error("A faces left\n\nB looks down at")
    assert (line, col) == (3, 14)


@pytest.mark.parametrize(
    ("text", "column", "shown", "fix"),
    [
        ("A faces left at -3s", 17, "-3s", "3s"),
        ("A faces left at -3", 17, "-3", "3s"),
        ("at -3s A faces left", 4, "-3s", "3s"),
        ("at –0:03, B nods", 4, "–0:03", "0:03"),
        ("A faces left from -2s to 4s", 19, "-2s", "2s"),
        ("A faces left from 2s to -4s", 25, "-4s", "4s"),
        ("A nods for -2s", 12, "-2s", "2s"),
        ("A faces left -3s", 14, "-3s", "3s"),
    ],
)
def test_a_negative_time_says_times_cannot_be_negative(text, column, shown, fix):
    line, col, message, suggestion = first_error(text)
    assert (line, col) == (1, column)
    assert message == f"times cannot be negative ('{shown}'): the take starts at 0s"
    assert suggestion == fix


def test_a_negative_angle_is_still_an_angle_problem():
    _, _, message, _ = first_error("A turns -30 degrees left")
    assert message.startswith("angles are positive")


@pytest.mark.parametrize(("text", "line", "column"), [("at 0:20", 1, 1), ("A faces left. at 5s", 1, 15)])
def test_a_time_line_with_nothing_after_it_is_an_error(text, line, column):
    got_line, col, message, _ = first_error(text)
    assert (got_line, col) == (line, column)
    assert message.startswith("a time with no direction after it")


def test_a_time_line_applies_to_the_lines_below_it():
    (d,) = parse("at 5s\n# a comment\nA nods").directions
    assert d.start.value == 5.0


@pytest.mark.parametrize(
    ("text", "example"), [("at A faces left", "at 3s"), ("between A nods", "between 2s")]
)
def test_a_leading_time_word_without_a_time_says_so(text, example):
    _, col, message, _ = first_error(text)
    assert col == 1
    assert message.startswith(f"'{text.split()[0]}' needs a time after it, e.g. '{example}")


# ----------------------------------------------------------------------------- invisible characters


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffA faces left at 2s",  # Notepad's UTF-8 byte-order mark
        "\ufeff\r\nA faces left at 2s\r\n",
        "A faces\u200bleft at 2s",  # zero-width space
        "A\u00a0faces left\u00a0at 2s",  # non-breaking spaces
        "A faces\u2060left at\u200d2s",
    ],
)
def test_a_byte_order_mark_and_invisible_spaces_are_whitespace(text):
    assert parse(text) == parse("A faces left at 2s")


def test_a_byte_order_mark_is_not_counted_as_a_column():
    with pytest.raises(StagingError) as caught:
        parse("\ufeffA faces lft")
    assert (caught.value.errors[0].line, caught.value.errors[0].column) == (1, 9)


def test_a_name_with_a_non_breaking_space_is_the_bound_name():
    names = {"A": "Mara Jade", "B": "Theo"}
    assert parse("Mara\u00a0Jade looks at Theo", names=names) == parse("A looks at B")
    assert parse("mara   jade nods", names=names) == parse("A nods")


# ----------------------------------------------------------------------------- past the audio's end


def test_directions_starting_after_the_audio_are_warned_with_their_place():
    script = parse(
        "A faces left\nB nods at 9.5s\nat 12s, A looks at B and B glances down\nA nods at f300", fps=24
    )
    warnings = script.issues_beyond(10.0)
    assert [(w.line, w.column) for w in warnings] == [(3, 1), (3, 26), (4, 1)]
    assert warnings[0].message == "'A looks at B' starts at 12s, after the audio ends (10s): it will not show"
    assert warnings[2].message.startswith("'A nods' starts at f300 = 12.5s at 24 fps, after the audio ends")
    assert all(w.suggestion == "start it before 10s, or remove it" for w in warnings)
    assert script.issues_beyond(12.5 + 1e-6) == []


def test_a_direction_at_the_very_end_is_past_it_and_frames_count_from_the_first_frame():
    script = parse("A nods at f1240", fps=24, first_frame=1000)  # 10 s into the take
    assert len(script.issues_beyond(10.0)) == 1
    assert script.issues_beyond(10.001) == []


@pytest.mark.parametrize("bad", [float("nan"), -1.0, float("inf")])
def test_issues_beyond_needs_a_duration(bad):
    with pytest.raises(ValueError, match="duration_s"):
        parse("A nods").issues_beyond(bad)


# ----------------------------------------------------------------------------- thousands of problems


def _overlapping(n: int, forms: list[str]) -> str:
    return "\n".join(f"{forms[i % len(forms)]} from 0s to 10s" for i in range(n))


def test_thousands_of_overlapping_lines_are_rejected_in_linear_work_with_a_capped_report():
    n = 2000  # took 81 s and 760 MB (1,000,000 problems, a 146 MB message) before
    text = _overlapping(n, ["A looks left", "A looks right"])
    started = time.perf_counter()
    with pytest.raises(StagingError) as caught:
        parse(text)
    assert time.perf_counter() - started < 30.0  # about 1 s on one core
    errors = caught.value.errors
    assert n // 2 <= len(errors) < n  # one contradiction per line at most, not one per pair
    message = str(caught.value).splitlines()
    assert len(message) == MAX_REPORTED + 1
    assert message[-1] == f"<staging>: and {len(errors) - MAX_REPORTED} more problems (fix these first)"
    assert message[0] == (
        "<staging> line 2, col 1: 'A looks right until 10s' contradicts 'A looks left until 10s' "
        "(line 1, col 1): both direct A's gaze from 0s to 10s"
    )


def test_overlapping_nods_and_shakes_report_once_per_line():
    n = 600
    with pytest.raises(StagingError) as caught:
        parse(_overlapping(n, ["A nods", "A shakes her head"]))
    errors = caught.value.errors
    assert n // 2 <= len(errors) < n
    assert all("cannot nod and shake at once" in e.message for e in errors)


def test_a_short_report_is_not_cut():
    with pytest.raises(StagingError) as caught:
        parse("\n".join(f"C{i} nods" for i in range(MAX_REPORTED)))
    assert len(str(caught.value).splitlines()) == MAX_REPORTED
    assert "more problem" not in str(caught.value)


def test_one_contradiction_among_many_agreeing_lines_is_still_found():
    lines = ["A looks left from 0s to 10s"] * 500 + ["A looks left from 2s to 3s"] * 500
    lines.insert(700, "A looks up from 9s to 11s")  # against the 500 long ones, which all run to 10 s
    with pytest.raises(StagingError) as caught:
        parse("\n".join(lines))
    (issue,) = caught.value.errors
    assert issue.line == 701
    assert issue.message.endswith("both direct A's gaze from 9s to 10s")
