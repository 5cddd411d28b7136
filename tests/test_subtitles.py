"""Subtitles of a take's placed lines (model/script/subtitles.py), read back by the
project's own SubRip / WebVTT importers."""

from __future__ import annotations

import pytest

from duet.model.performance import TakeLine
from duet.model.script import from_srt, from_vtt, parse_script
from duet.model.script.subtitles import cues, subtitles_for, to_srt, to_vtt


def _line(role, speaker, text, start, end, source_line=1):
    return TakeLine(role, speaker, text, start, end, source_line, 0.9)


# Out of order on purpose; Theo's 'Oh no.' lies inside Mara's line (an overlap).
LINES = (
    _line("B", "Theo", "Hear it? It kept me up for hours.", 3.5978125, 6.0778125, 3),
    _line("A", "Mara", "Theo! There you are. Did you hear the rain last night?", 0.4878125, 3.2678125, 2),
    _line("A", "Mara", "The roof is leaking again. Right above the big table.", 6.4478125, 9.9078125, 4),
    _line("B", "Theo", "Oh no.", 8.1234567, 8.6, 5),
    _line("A", "Mara", "Éclairs & cake at 3 — d'accord? (laughs) # not a comment", 62.0004, 3725.5, 6),
)
MARKUP = _line("A", "Mara", "Éclairs & <cake> --> there", 1.0, 2.0)  # SubRip has no escapes: WebVTT only


def _read_back(text: str, importer) -> list[tuple[str, str, float, float]]:
    script = parse_script(importer(text), names={"A": "Mara", "B": "Theo"})
    return [(x.speaker, x.text, x.hint_start, x.hint_end) for x in script.lines]


@pytest.mark.parametrize("writer, importer", [(to_srt, from_srt), (to_vtt, from_vtt)])
def test_subtitles_read_back_as_the_same_lines_and_times(writer, importer) -> None:
    got = _read_back(writer(LINES), importer)
    expected = sorted(LINES, key=lambda x: x.start)
    assert [(s, t) for s, t, _, _ in got] == [(x.speaker, x.text) for x in expected]
    for (_, _, start, end), line in zip(got, expected, strict=True):
        assert start == pytest.approx(line.start, abs=0.0005 + 1e-9)  # to the millisecond
        assert end == pytest.approx(line.end, abs=0.0005 + 1e-9)


def test_srt_layout() -> None:
    text = to_srt(LINES[:2])
    assert text == (
        "1\n00:00:00,488 --> 00:00:03,268\nMara: Theo! There you are. Did you hear the rain last night?\n\n"
        "2\n00:00:03,598 --> 00:00:06,078\nTheo: Hear it? It kept me up for hours.\n"
    )


def test_vtt_layout_escapes_markup() -> None:
    assert to_vtt([LINES[4]]).startswith("WEBVTT\n\n00:01:02.000 --> 01:02:05.500\nMara: Éclairs &amp; cake")
    text = to_vtt([MARKUP])
    assert text.split("\n")[3] == "Mara: Éclairs &amp; &lt;cake&gt; --&gt; there"  # no second timing line
    assert _read_back(text, from_vtt) == [("Mara", MARKUP.text, 1.0, 2.0)]


def test_cues_are_sorted_and_never_empty() -> None:
    lines = [
        _line("A", "Mara", "second", 2.0, 2.0),  # zero length: the formats need end > start
        _line("B", "Theo", "first", 1.0, 1.5),
        _line("A", "Mara", "same start, later in the script", 2.0, 3.0),
        _line("B", "Theo", "  two\n  lines ", -0.2, 0.1),  # before the audio: clamped to 0
    ]
    got = cues(lines)
    assert [c.text for c in got] == ["two lines", "first", "second", "same start, later in the script"]
    assert (got[0].start_ms, got[0].end_ms) == (0, 100)
    assert (got[2].start_ms, got[2].end_ms) == (2000, 2001)
    assert [x[1] for x in _read_back(to_srt(lines), from_srt)] == [c.text for c in got]


def test_bad_times_and_formats_are_named() -> None:
    with pytest.raises(ValueError, match="number of seconds"):
        to_srt([_line("A", "Mara", "x", float("nan"), 1.0)])
    with pytest.raises(ValueError, match=r"\.srt or \.vtt, not '\.txt'"):
        subtitles_for(".txt", LINES)
    assert subtitles_for(".VTT", LINES).startswith("WEBVTT")
    assert to_srt([]) == "" and to_vtt([]) == "WEBVTT\n"
