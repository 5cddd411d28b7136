"""Script importers: Fountain, SubRip, WebVTT and script files, on realistic snippets.

Every importer keeps one output line per input line, so the parser's line numbers are
the file's own: most tests check the parsed lines' numbers against the source.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duet.model.script import ScriptError, from_fountain, from_srt, from_vtt, load_script_file, parse_script
from duet.model.script.importers import sniff

NAMES = {"A": "Mara", "B": "Theo"}


def _lines(text, names=None):
    return [(ln.number, ln.role, ln.speaker, ln.text) for ln in parse_script(text, names).lines]


def _hints(text):
    return [(ln.number, ln.hint_start, ln.hint_end) for ln in parse_script(text).lines]


def _only_error(fn, text):
    with pytest.raises(ScriptError) as info:
        fn(text)
    assert len(info.value.errors) == 1, info.value.errors
    issue = info.value.errors[0]
    return issue.line, issue.column, issue.message


# ----------------------------------------------------------------------------- Fountain

FOUNTAIN = """\
Title:
    _**The Kitchen**_
Credit: Written by
Author: Sam Okafor
Draft date: 1/2/2026

INT. KITCHEN - NIGHT

Rain on the window. MARA enters, dripping wet.

MARA (V.O.)
(out of breath)
You left the *door* open.

THEO
Did I? [[check this line with Sam]]
<PAUSE>
I'm sorry.

MARA (CONT'D) ^
/* an old line
that was cut */Again.

@McKenzie
~We're #1, we're #1.

= Theo decides.

# ACT TWO

THEO
That's _all_ I had.
\\*Really\\*.

CUT TO:

BANG.

> THE END <
""".replace("<PAUSE>", "  ")  # two spaces: a pause inside the dialogue


def test_fountain_dialogue_keeps_the_file_line_numbers():
    text = from_fountain(FOUNTAIN)
    assert len(text.split("\n")) == len(FOUNTAIN.split("\n"))
    with pytest.raises(ScriptError) as info:  # McKenzie is a third speaker: the error is at the cue's line
        parse_script(text, NAMES, source="kitchen.fountain")
    assert str(info.value).startswith("kitchen.fountain line 24, col 1: unknown character 'McKenzie'")
    script = parse_script(text.replace("McKenzie:", "Mara:"), NAMES)
    assert [(ln.number, ln.role, ln.speaker, ln.text) for ln in script.lines] == [
        (11, "A", "Mara", "(out of breath) You left the door open."),
        (15, "B", "Theo", "Did I?"),
        (18, "B", "Theo", "I'm sorry."),  # a "  " line is a pause inside the dialogue: a new line
        (20, "A", "Mara", "Again."),
        (24, "A", "Mara", "We're #1, we're #1."),
        (31, "B", "Theo", "That's all I had. *Really*."),
    ]
    assert script.lines[0].words == ("You", "left", "the", "door", "open")


def test_fountain_skipped_lines_become_comments():
    text = from_fountain(FOUNTAIN).split("\n")
    assert text[0] == "# Title:"
    assert text[6] == "# INT. KITCHEN - NIGHT"
    assert text[8] == "# Rain on the window. MARA enters, dripping wet."
    assert text[10:13] == ["Mara:", "  (out of breath)", "  You left the door open."]
    assert text[34] == "# CUT TO:"
    assert text[36] == "# BANG."  # all caps but not followed by dialogue: action


def test_fountain_without_title_page_and_with_windows_line_ends():
    src = "\ufeffEXT. PARK - DAY\r\n\r\nMARA\r\nHi.\r\n\r\nTHEO\r\nHello.\r\n(beat)\r\nBye.\r\n"
    assert _lines(from_fountain(src)) == [(3, "A", "Mara", "Hi."), (6, "B", "Theo", "Hello. (beat) Bye.")]


def test_fountain_cue_at_the_start_of_the_file():
    assert _lines(from_fountain("MARA\nHi.\n\nTHEO\nHey.")) == [
        (1, "A", "Mara", "Hi."),
        (4, "B", "Theo", "Hey."),
    ]


def test_fountain_cue_that_cannot_be_a_name_is_an_error():
    assert _only_error(from_fountain, "INT. ROOM\n\nMARA/THEO\nTogether!\n") == (
        3,
        1,
        "the character cue 'MARA/THEO' is not a name a script can hold: the name holds '/' "
        "(a name holds letters, digits, spaces and . ' - _)",
    )


def test_fountain_dialogue_mistakes_point_into_the_file():
    with pytest.raises(ScriptError) as info:
        parse_script(from_fountain("INT. ROOM\n\nMARA\nHello (laughs.\n"))
    issue = info.value.errors[0]
    assert (issue.line, issue.column) == (4, 9)  # the '(' at col 7 of the file, after the 2-space indent


# ----------------------------------------------------------------------------- SubRip

SRT = """\ufeff1\r
00:00:01,000 --> 00:00:03,500\r
MARA: Hello there,\r
<i>how are you?</i>\r
\r
2\r
00:00:04,000 --> 00:00:06,000 X1:40 X2:600 Y1:20 Y2:50\r
- MARA: Hi.\r
- THEO: Hello.\r
\r
3\r
00:00:06,500 --> 00:00:07,000\r
[door slams]\r
\r
4\r
00:00:07,500 --> 00:00:09,000\r
{\\an8}<font color="#ffff00">THEO (V.O.):</font> We're #1 &amp; proud.\r
\r
5\r
00:00:09,000 --> 00:00:12,000\r
- Mara: One.\r
- Theo: Two.\r
- Mara: Three.\r
\r
6\r
00:00:12,500 --> 00:00:13,000\r
♪ la la la ♪\r
"""


def test_srt_cues_become_lines_with_their_times():
    text = from_srt(SRT)
    assert len(text.split("\n")) == len(SRT.split("\n"))
    assert _lines(text, NAMES) == [
        (3, "A", "Mara", "Hello there, how are you?"),
        (8, "A", "Mara", "Hi."),
        (9, "B", "Theo", "Hello."),
        (17, "B", "Theo", "We're #1 & proud."),
        (21, "A", "Mara", "One."),
        (22, "B", "Theo", "Two."),
        (23, "A", "Mara", "Three."),
    ]
    # one speaker: the cue's start and end; two or more: the first starts it, the last ends it
    assert _hints(text) == [
        (3, 1.0, 3.5),
        (8, 4.0, None),
        (9, None, 6.0),
        (17, 7.5, 9.0),
        (21, 9.0, None),
        (22, None, None),
        (23, None, 12.0),
    ]


def test_srt_sound_cues_and_cue_numbers_are_not_lines():
    out = from_srt(SRT).split("\n")
    assert out[0] == "" and out[1] == ""  # the number and the times (now a hint)
    assert out[12] == "# [door slams]"
    assert out[26] == "# ♪ la la la ♪"


def test_srt_cue_without_speaker_is_an_error_naming_the_cue():
    src = "1\n00:00:01,000 --> 00:00:02,000\nMara: Hi.\n\n2\n00:00:02,500 --> 00:00:04,000\nHow are you?\n"
    assert _only_error(from_srt, src) == (
        7,
        1,
        "cue 2 has no speaker: add 'Name:' at the start of the text (like 'Mara: How are you?')",
    )


def test_srt_dash_line_without_speaker_is_an_error():
    src = "7\n00:00:01,000 --> 00:00:02,000\n- MARA: Hi.\n- Hello.\n"
    assert _only_error(from_srt, src) == (
        4,
        1,
        "cue 7 has no speaker: add 'Name:' at the start of the text (like 'Mara: Hello.')",
    )


def test_srt_text_outside_a_cue():
    src = "1\n00:00:01,000 --> 00:00:02,000\nMARA: Hi.\n\nand more words\n"
    assert _only_error(from_srt, src) == (
        5,
        1,
        "text outside a cue: each cue needs a 'start --> end' line before its text "
        "(is there a blank line inside the cue above?)",
    )


def test_srt_bad_times():
    assert _only_error(from_srt, "1\n00:00:01,000 --> 00:00:xx,000\nMARA: Hi.\n") == (
        2,
        18,
        "cue 1: '00:00:xx,000' is not a time: write a time like 12, 12.5s, 0:12, 1:02.5 or 0:00:12,500",
    )
    assert _only_error(from_srt, "1\n00:00:03,000 --> 00:00:02,000\nMARA: Hi.\n") == (
        2,
        18,
        "cue 1 ends (00:00:02,000) before it starts (00:00:03,000)",
    )


def test_srt_cues_out_of_order_are_reported_by_the_parser_on_the_file_lines():
    src = "1\n00:00:05,000 --> 00:00:06,000\nMARA: Hi.\n\n2\n00:00:01,000 --> 00:00:02,000\nTHEO: Yo.\n"
    with pytest.raises(ScriptError) as info:
        parse_script(from_srt(src), source="t.srt")
    assert str(info.value) == (
        "t.srt line 7, col 1: the time hint 0:01 at line 7 is before 0:05 at line 3: hints follow the spoken "
        "order; fix a time or move the line"
    )


# ----------------------------------------------------------------------------- WebVTT

VTT = """WEBVTT - The Kitchen

NOTE
Translated by a fan.

STYLE
::cue { color: yellow }

intro
00:01.000 --> 00:04.000 align:start position:10%
<v Mara>Hello <b>there</b>, <c.loud>Theo</c>.</v>

00:05.000 --> 00:07.250
<v.whisper Theo>What?
<00:06.000>Still me.

00:01:08.000 --> 00:01:09.000
<v Mara>漢<rt>かん</rt>字 &lt;3

00:01:09.500 --> 00:01:10.000
[thunder]
"""


def test_vtt_voice_tags_and_markup():
    text = from_vtt(VTT)
    assert len(text.split("\n")) == len(VTT.split("\n"))
    assert _lines(text) == [
        (11, "A", "Mara", "Hello there, Theo."),
        (14, "B", "Theo", "What? Still me."),
        (18, "A", "Mara", "漢字 <3"),
    ]
    assert _hints(text) == [(11, 1.0, 4.0), (14, 5.0, 7.25), (18, 68.0, 69.0)]


def test_vtt_needs_its_header():
    assert _only_error(from_vtt, "00:01.000 --> 00:02.000\n<v Mara>Hi\n") == (
        1,
        1,
        "a WebVTT file starts with the line 'WEBVTT'",
    )


def test_vtt_two_voices_on_one_line_is_an_error():
    src = "WEBVTT\n\n3\n00:01.000 --> 00:02.000\n<v Mara>Hi</v> <v Theo>Yo</v>\n"
    assert _only_error(from_vtt, src) == (
        5,
        1,
        "cue 3 has two voices on one line: put each <v Name> on its own line",
    )


def test_vtt_cue_without_speaker_mentions_voice_tags():
    src = "WEBVTT\n\n00:01.000 --> 00:02.000\nNobody says this.\n"
    assert _only_error(from_vtt, src) == (
        4,
        1,
        "cue 1 has no speaker: add 'Name:' at the start of the text (like 'Mara: Nobody says this.') "
        "or a voice tag <v Mara>",
    )


def test_vtt_voices_on_separate_lines_share_the_cue():
    src = "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Mara>Hi.\n<v Theo>Hello.\n"
    assert _hints(from_vtt(src)) == [(4, 1.0, None), (5, None, 3.0)]


# ----------------------------------------------------------------------------- fuzz


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from([from_fountain, from_srt, from_vtt]))
def test_importers_give_text_or_a_script_error(text, importer):
    try:
        out = importer(text)
    except ScriptError as err:
        assert err.errors
        return
    assert isinstance(out, str)
    assert len(out.split("\n")) == len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    with contextlib.suppress(ScriptError):
        parse_script(out)


# ----------------------------------------------------------------------------- files

SMALL_SRT = "1\n00:00:01,000 --> 00:00:02,000\nMARA: Hi.\n\n2\n00:00:03,000 --> 00:00:04,000\nTHEO: Yo.\n"
SMALL_VTT = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Mara>Hi.\n\n00:03.000 --> 00:04.000\n<v Theo>Yo.\n"


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("scene.txt", "Mara: Hi.\nTheo: Yo.\n", "plain"),
        ("scene.script", "Mara: Hi.\nTheo: Yo.\n", "plain"),
        ("scene.fountain", "MARA\nHi.\n\nTHEO\nYo.\n", "fountain"),
        ("scene.spmd", "MARA\nHi.\n\nTHEO\nYo.\n", "fountain"),
        ("scene.srt", SMALL_SRT, "srt"),
        ("scene.vtt", SMALL_VTT, "vtt"),
        # the content decides when it says more than the extension
        ("subs.txt", SMALL_SRT, "srt"),
        ("subs.srt", SMALL_VTT, "vtt"),
        ("draft.txt", "INT. KITCHEN - DAY\n\nMARA\nHi.\n\nTHEO\nYo.\n", "fountain"),
        ("scene", "Mara: Hi.\nTheo: Yo.\n", "plain"),
    ],
)  # fmt: skip
def test_load_script_file_picks_the_importer(tmp_path, name, content, kind):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    text, found = load_script_file(path)
    assert found == kind
    script = parse_script(text, NAMES, source=name)
    assert [(ln.role, ln.words) for ln in script.lines] == [("A", ("Hi",)), ("B", ("Yo",))]


def test_load_script_file_encodings(tmp_path):
    path = tmp_path / "cafe.txt"
    path.write_bytes("\ufeffMara: Caf\u00e9 \u2014 na\u00efve.\r\n".encode())
    assert load_script_file(str(path)) == ("Mara: Caf\u00e9 \u2014 na\u00efve.\r\n", "plain")
    path.write_bytes("Mara: Caf\u00e9 \u2014 na\u00efve.\r\n".encode("cp1252"))
    assert load_script_file(path)[0] == "Mara: Caf\u00e9 \u2014 na\u00efve.\r\n"
    path.write_bytes("Mara: Caf\u00e9\n".encode("utf-16"))
    assert load_script_file(path)[0] == "Mara: Caf\u00e9\n"
    path.write_bytes(b"Mara: \x81\x8d bytes cp1252 leaves undefined\n")
    assert parse_script(load_script_file(path)[0]).lines[0].words[-1] == "undefined"


def test_load_script_file_errors(tmp_path):
    def message(path):
        with pytest.raises(ScriptError) as info:
            load_script_file(path)
        (issue,) = info.value.errors
        assert issue.line == 0
        return str(info.value)

    missing = tmp_path / "nope.txt"
    assert message(missing) == f"nope.txt: the script file {str(missing)!r} does not exist: check the path"
    assert message(tmp_path) == (
        f"{tmp_path.name}: {str(tmp_path)!r} is a folder, not a script file: "
        "choose a .txt, .fountain, .srt or .vtt"
    )
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(5_000_001)
    assert message(big) == "big.txt: the file is 5.0 MB; a script is text under 5 MB: is this the right file?"
    binary = tmp_path / "take.wav"
    binary.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    assert message(binary) == (
        "take.wav: this is not a text file (it holds binary data): choose the script's .txt, .fountain, "
        ".srt or .vtt file"
    )
    assert message(42) == "42: a script file path must be text, got int"


def test_importer_errors_name_the_file(tmp_path):
    path = tmp_path / "scene.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nNo speaker here.\n", encoding="utf-8")
    with pytest.raises(ScriptError) as info:
        load_script_file(path)
    assert str(info.value) == (
        "scene.srt line 3, col 1: cue 1 has no speaker: add 'Name:' at the start of the text "
        "(like 'Mara: No speaker here.')"
    )


def test_sniff_ignores_what_it_cannot_know():
    assert sniff("Mara: hi") == "plain"
    assert sniff("\ufeff\r\nWEBVTT\r\n") == "vtt"
    assert sniff("1\r\n00:00:01,000 --> 00:00:02,000\r\nMARA: Hi.", ".txt") == "srt"
    assert sniff("Mara: hi", ".fountain") == "fountain"
