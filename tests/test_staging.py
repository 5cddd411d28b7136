"""Staging language: every construct parses to the right directions and round-trips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from duet.model import spec
from duet.model.staging import Direction, Part, StagingError, StagingScript, Time, parse, validate
from duet.model.staging.schedule import CAMERA, DIRECTION, PARTNER

NAMES = {"A": "Mara", "B": "Theo"}


def one(text: str, **kw) -> Direction:
    script = parse(text, **kw)
    assert len(script.directions) == 1, script.directions
    return script.directions[0]


def roundtrip(script: StagingScript, **kw) -> None:
    again = parse(script.describe(), **kw)
    assert again == script, script.describe()


def head_at(script: StagingScript, role: str, seconds: float, fps: float = 50.0) -> tuple[float, ...]:
    n = int(seconds * fps) + 2
    t = script.to_targets(n, fps)
    assert t.head_active[role][-1], f"{role}'s head is free at {seconds}s"
    return tuple(round(float(x), 6) for x in t.head[role][-1])


def gaze_at(
    script: StagingScript, role: str, seconds: float, fps: float = 50.0
) -> tuple[int, tuple[float, ...]]:
    n = int(seconds * fps) + 2
    t = script.to_targets(n, fps)
    return int(t.gaze_mode[role][-1]), tuple(round(float(x), 6) for x in t.gaze_direction[role][-1])


# ----------------------------------------------------------------------------- the issue's examples


@pytest.mark.parametrize(
    ("text", "roles", "action", "target"),
    [
        ("A faces left", ("A",), "face", "direction"),
        ("B looks at A", ("B",), "look", "partner"),
        ("A looks at the camera from 2.5s to 4s", ("A",), "look", "camera"),
        ("at 0:07 B turns 30 degrees right", ("B",), "turn", "direction"),
        ("B looks down briefly at 12s", ("B",), "look", "direction"),
        ("A nods at 3s", ("A",), "nod", None),
        ("both look at each other", ("A", "B"), "look", "partner"),
    ],
)
def test_issue_examples(text, roles, action, target):
    d = one(text)
    assert (d.roles, d.action, d.target) == (roles, action, target)
    roundtrip(parse(text))


def test_issue_example_times_and_defaults():
    d = one("A looks at the camera from 2.5s to 4s")
    assert d.start == Time(value=2.5) and d.end == Time(value=4.0)
    d = one("at 0:07 B turns 30 degrees right")
    assert d.start == Time(value=7.0) and d.parts == (Part(toward="right", degrees=30.0),)
    d = one("B looks down briefly at 12s")
    assert d.brief and d.start == Time(value=12.0)


def test_paper_wording_with_speaker_prefix():
    script = parse("Speaker A faces left, Speaker B looks at Speaker A")
    assert [(d.roles, d.action) for d in script.directions] == [(("A",), "face"), (("B",), "look")]


# ----------------------------------------------------------------------------- characters


def test_names_any_case_and_multiword():
    names = {"A": "Mara", "B": "Theo Quinn"}
    script = parse("mara faces THEO QUINN\nTheo Quinn looks at Mara", names=names)
    assert [d.roles for d in script.directions] == [("A",), ("B",)]
    assert all(d.target == "partner" for d in script.directions)
    assert parse("A faces B\nB looks at A") == script


def test_names_with_dots_and_digits():
    script = parse("Head.001 looks at the camera", names={"A": "Head.001"})
    assert script.directions[0].roles == ("A",)


def test_roles_are_case_insensitive():
    assert one("a faces left").roles == ("A",) and one("b nods").roles == ("B",)


@pytest.mark.parametrize(
    "subject", ["both", "A and B", "B and A", "both A and B", "both of them", "Mara and Theo"]
)
def test_both_characters(subject):
    d = one(f"{subject} face the camera", names=NAMES)
    assert d.roles == ("A", "B")


def test_elided_subject_after_and_or_comma():
    script = parse("A faces left and looks at B, nods twice at 3s")
    assert [(d.roles, d.action) for d in script.directions] == [
        (("A",), "face"),
        (("A",), "look"),
        (("A",), "nod"),
    ]


# ----------------------------------------------------------------------------- verbs


@pytest.mark.parametrize(
    ("verb", "action"),
    [
        ("faces", "face"),
        ("is facing", "face"),
        ("looks", "look"),
        ("is looking", "look"),
        ("gazes", "look"),
        ("stares", "look"),
        ("watches", "look"),
        ("glances", "glance"),
    ],
)
def test_verb_synonyms(verb, action):
    target = "at the camera" if action != "face" and verb != "watches" else "the camera"
    assert one(f"A {verb} {target}").action == action


def test_turns_without_angle_means_faces():
    assert one("A turns left") == one("A faces left")
    assert one("A turns to the camera") == one("A faces the camera")
    assert one("A turns to B") == one("A faces B")
    assert one("A turns back") == one("A faces B")
    assert one("A turns slightly left") == one("A faces slightly left")


def test_turns_by_an_angle_is_relative():
    script = parse("A faces left\nA turns 10 degrees right at 2s\nA turns 5 degrees up at 4s")
    assert script.directions[1].action == "turn"
    assert head_at(script, "A", 3.0) == (35.0, 0.0, 0.0)
    assert head_at(script, "A", 5.0) == (35.0, 5.0, 0.0)


def test_turn_from_rest_and_from_an_overlay():
    assert head_at(parse("B turns 20 degrees left at 1s"), "B", 2.0) == (20.0, 0.0, 0.0)
    script = parse("A faces the camera from 1s to 5s\nA turns 10 degrees left from 2s to 3s")
    assert head_at(script, "A", 2.9) == (-50.0, 0.0, 0.0)
    assert head_at(script, "A", 4.5) == (-60.0, 0.0, 0.0)


def test_tilt_sets_roll_or_pitch_and_keeps_the_rest():
    script = parse("A faces left\nA tilts her head right at 2s\nA tilts down at 4s")
    assert head_at(script, "A", 3.0) == (45.0, 0.0, -12.0)
    assert head_at(script, "A", 5.0) == (45.0, -12.0, -12.0)
    assert head_at(parse("B tilts left 20 degrees"), "B", 1.0) == (0.0, 0.0, 20.0)


@pytest.mark.parametrize(
    "text",
    [
        "A shakes her head",
        "A shakes his head",
        "A shakes their head",
        "A shakes head",
        "A shakes",
        "A is shaking",
    ],
)
def test_shake_forms(text):
    assert one(text).action == "shake"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("A nods", None),
        ("A nods once", 1),
        ("A nods twice", 2),
        ("A nods thrice", 3),
        ("A nods three times", 3),
        ("A nods 4 times", 4),
        ("A nods 5x", 5),
        ("A nods 6 x", 6),
        ("A nods her head twice", 2),
    ],
)
def test_gesture_counts(text, count):
    assert one(text).count == count
    roundtrip(parse(text))


@pytest.mark.parametrize("text", ["A relaxes", "A moves freely", "A is free", "both relax"])
def test_relax_frees_head_and_gaze(text):
    d = one(f"{text} at 2s")
    assert d.action == "relax"
    script = parse(f"A faces left\nA looks at B\n{text} at 2s")
    t = script.to_targets(200, 50.0)
    assert t.head_active["A"][50] and not t.head_active["A"][150]
    assert t.gaze_mode["A"][50] == PARTNER and t.gaze_mode["A"][150] == 0


# ----------------------------------------------------------------------------- targets and directions


def test_default_angles_of_faces():
    cam = spec.CANONICAL_CAMERA_DIRECTION
    expect = {
        "left": (45.0, 0.0, 0.0),
        "right": (-45.0, 0.0, 0.0),
        "up": (0.0, 15.0, 0.0),
        "down": (0.0, -20.0, 0.0),
        "the camera": (cam["A"][0], cam["A"][1], 0.0),
        "B": (0.0, 0.0, 0.0),
        "the partner": (0.0, 0.0, 0.0),
        "away": (45.0, 0.0, 0.0),  # A's camera is on A's right, so away is A's left
        "slightly left": (22.5, 0.0, 0.0),
        "a little down": (0.0, -10.0, 0.0),
        "a bit right": (-22.5, 0.0, 0.0),
        "a little bit up": (0.0, 7.5, 0.0),
        "far left": (67.5, 0.0, 0.0),
        "30 degrees left and 10 degrees down": (30.0, -10.0, 0.0),
        "left 30 degrees": (30.0, 0.0, 0.0),
        "30° right": (-30.0, 0.0, 0.0),
        "30deg right": (-30.0, 0.0, 0.0),
        "30 right": (-30.0, 0.0, 0.0),
        "1 degree up": (0.0, 1.0, 0.0),
        "up-left": (45.0, 15.0, 0.0),
        "down and to the left": (45.0, -20.0, 0.0),
        "to the right": (-45.0, 0.0, 0.0),
        "toward the camera": (cam["A"][0], cam["A"][1], 0.0),
    }
    for words, angles in expect.items():
        assert head_at(parse(f"A faces {words}"), "A", 2.0) == angles, words


def test_away_is_the_side_without_the_camera():
    a = head_at(parse("A faces away"), "A", 2.0)
    b = head_at(parse("B faces away"), "B", 2.0)
    assert a[0] * spec.CANONICAL_CAMERA_DIRECTION["A"][0] < 0
    assert b[0] * spec.CANONICAL_CAMERA_DIRECTION["B"][0] < 0


def test_gaze_targets_and_defaults():
    cam = spec.CANONICAL_CAMERA_DIRECTION
    expect = {
        "at B": (PARTNER, (0.0, 0.0)),
        "at the partner": (PARTNER, (0.0, 0.0)),
        "at her": (PARTNER, (0.0, 0.0)),
        "back at Theo": (PARTNER, (0.0, 0.0)),
        "at the camera": (CAMERA, cam["A"]),
        "into the camera": (CAMERA, cam["A"]),
        "at camera": (CAMERA, cam["A"]),
        "into the lens": (CAMERA, cam["A"]),
        "left": (DIRECTION, (30.0, 0.0)),
        "to the right": (DIRECTION, (-30.0, 0.0)),
        "up": (DIRECTION, (0.0, 20.0)),
        "down": (DIRECTION, (0.0, -25.0)),
        "away": (DIRECTION, (25.0, -10.0)),
        "away and up": (DIRECTION, (25.0, 20.0)),
        "15 degrees right": (DIRECTION, (-15.0, 0.0)),
    }
    for words, (mode, direction) in expect.items():
        got = gaze_at(parse(f"A looks {words}", names=NAMES), "A", 1.0)
        assert got == (mode, tuple(float(x) for x in direction)), words


def test_each_other_is_mutual_partner_gaze():
    script = parse("both look at each other")
    assert gaze_at(script, "A", 1.0) == (PARTNER, (0.0, 0.0))
    assert gaze_at(script, "B", 1.0) == (PARTNER, (0.0, 0.0))
    assert head_at(parse("both face each other"), "B", 1.0) == (0.0, 0.0, 0.0)


# ----------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("written", "time"),
    [
        ("12s", Time(value=12.0)),
        ("2.5s", Time(value=2.5)),
        ("2.5 s", Time(value=2.5)),
        ("3 sec", Time(value=3.0)),
        ("3 seconds", Time(value=3.0)),
        ("1 second", Time(value=1.0)),
        ("500ms", Time(value=0.5)),
        ("250 milliseconds", Time(value=0.25)),
        ("0:07", Time(value=7.0)),
        ("1:02.5", Time(value=62.5)),
        ("0:07.25", Time(value=7.25)),
        ("1:00:03", Time(value=3603.0)),
        ("f120", Time(value=120.0, unit="f")),
        ("F24", Time(value=24.0, unit="f")),
        ("frame 48", Time(value=48.0, unit="f")),
        ("96f", Time(value=96.0, unit="f")),
        ("10 frames", Time(value=10.0, unit="f")),
    ],
)
def test_time_forms(written, time):
    assert one(f"A nods at {written}").start == time
    assert one(f"at {written} A nods").start == time


def test_frame_times_use_the_scene_rate_and_first_frame():
    script = parse("A faces left at f48", fps=24.0)
    assert script.frame_rate == 24.0
    t = script.to_targets(250, 50.0)
    assert not t.head_active["A"][99] and t.head_active["A"][100]
    script = parse("A faces left at f49", fps=24.0, first_frame=1)
    t = script.to_targets(250, 50.0)
    assert not t.head_active["A"][99] and t.head_active["A"][100]
    t = parse("A faces left at f60").to_targets(250, 50.0)  # 24 fps when not given
    assert not t.head_active["A"][124] and t.head_active["A"][125]


@pytest.mark.parametrize(
    ("phrase", "start", "end", "length", "brief"),
    [
        ("from 2s to 4s", 2.0, 4.0, None, False),
        ("from 2s until 4s", 2.0, 4.0, None, False),
        ("from 2s till 4s", 2.0, 4.0, None, False),
        ("from 2s-4s", 2.0, 4.0, None, False),
        ("from 2s – 4s", 2.0, 4.0, None, False),
        ("between 2s and 4s", 2.0, 4.0, None, False),
        ("from 2s for 1.5s", 2.0, None, 1.5, False),
        ("at 2s for 1.5 seconds", 2.0, None, 1.5, False),
        ("until 4s", 0.0, 4.0, None, False),
        ("for 3s", 0.0, None, 3.0, False),
        ("briefly", 0.0, None, None, True),
        ("momentarily at 2s", 2.0, None, None, True),
        ("for a moment at 2s", 2.0, None, None, True),
        ("at 2s", 2.0, None, None, False),
        ("from 2s", 2.0, None, None, False),
    ],
)
def test_time_phrases(phrase, start, end, length, brief):
    d = one(f"A looks at the camera {phrase}")
    assert d.start.value == start
    assert (d.end.value if d.end else None) == end
    assert (d.length.value if d.length else None) == length
    assert d.brief == brief
    roundtrip(parse(f"A looks at the camera {phrase}"))


def test_leading_time_with_comma_or_colon():
    for text in (
        "at 0:07, B nods",
        "at 0:07: B nods",
        "0:07 B nods",
        "7s: B nods",
        "from 7s to 9s, B looks down",
    ):
        assert one(text).start == Time(value=7.0), text


def test_untimed_direction_starts_at_the_last_time_given():
    script = parse(
        "at 0:05\nA faces left\nB looks at A\nA nods at 8s\nB nods\nA looks down from 10s to 12s\nB faces up"
    )
    starts = [d.start.value for d in script.directions]
    assert starts == [5.0, 5.0, 8.0, 8.0, 10.0, 10.0]
    assert parse("A faces left\nB faces right").directions[1].start == Time(value=0.0)


def test_untimed_direction_holds_until_the_next_one():
    script = parse("A faces left\nA faces right at 5s\nA faces the camera at 10s")
    assert head_at(script, "A", 4.9)[0] == 45.0
    assert head_at(script, "A", 9.9)[0] == -45.0
    assert head_at(script, "A", 14.0)[0] == spec.CANONICAL_CAMERA_DIRECTION["A"][0]


def test_finite_direction_returns_to_what_was_held():
    script = parse(
        "A faces left\nA faces the camera from 2s to 4s\nA looks at B\nA glances at the camera at 6s"
    )
    assert head_at(script, "A", 3.9)[0] == spec.CANONICAL_CAMERA_DIRECTION["A"][0]
    assert head_at(script, "A", 5.5)[0] == 45.0
    assert gaze_at(script, "A", 6.5)[0] == CAMERA
    assert gaze_at(script, "A", 7.5) == (PARTNER, (0.0, 0.0))  # a glance lasts 0.8 s


def test_directions_without_time_do_not_end_after_a_finite_one():
    script = parse("A looks at the camera from 2s to 4s. A looks down.")
    assert script.directions[1].start == Time(value=2.0)  # the last time given
    assert gaze_at(script, "A", 3.0)[0] == CAMERA
    assert gaze_at(script, "A", 5.0) == (DIRECTION, (0.0, -25.0))


# ----------------------------------------------------------------------------- layout of the text


def test_separators_and_comments():
    text = """
    # a comment line
    A faces left, B looks at A and A nods at 3s   # trailing comment
    B looks down at 5s; A looks at B at 6s. B looks at the camera at 7s.

    both look at each other at 9s
    """
    script = parse(text)
    assert len(script.directions) == 7
    assert script.directions[-1].roles == ("A", "B")
    assert parse("") == StagingScript() and parse("# nothing\n\n  ,, and\n") == StagingScript()


def test_pace_words():
    assert one("A slowly turns to the camera").pace == "slowly"
    assert one("A faces left quickly").pace == "quickly"
    assert one("A suddenly looks at B").pace == "quickly"


def test_both_relative_turn_is_per_character():
    script = parse("A faces left\nB faces right\nboth turn 10 degrees up at 2s")
    assert head_at(script, "A", 3.0) == (45.0, 10.0, 0.0)
    assert head_at(script, "B", 3.0) == (-45.0, 10.0, 0.0)


# ----------------------------------------------------------------------------- describe


def test_describe_is_canonical_and_round_trips():
    text = """Speaker A is facing a little left
    Theo stares at Mara from 0:02 to 0:04.5 and nods twice at 3s
    at f120, both look at each other for 2 seconds
    Mara slowly turns her head 20° right and 10 degrees up at 7s
    Theo tilts his head left 8 degrees between 9s and 11s
    Mara glances into the lens at 12s, B shakes her head 3 times at 13s
    A looks down briefly at 14s, Theo moves freely at 15s
    """
    script = parse(text, names=NAMES, fps=25.0)
    canon = script.describe()
    assert canon == (
        "A faces slightly left\n"
        "B looks at A from 2s to 4.5s\n"
        "B nods twice at 3s\n"
        "both look at each other at f120 for 2s\n"
        "A turns 20 degrees right and 10 degrees up slowly at 7s\n"
        "B tilts 8 degrees left from 9s to 11s\n"
        "A glances at the camera at 12s\n"
        "B shakes their head 3 times at 13s\n"
        "A looks down briefly at 14s\n"
        "B relaxes at 15s\n"
    )
    assert parse(canon, fps=25.0) == script
    assert parse(canon, fps=25.0).describe() == canon


def test_describe_writes_starts_the_cursor_would_not_give_back():
    script = parse("A nods at 5s\nB faces left at 0s")
    assert script.describe() == "A nods at 5s\nB faces left at 0s\n"
    roundtrip(script)


def test_equality_ignores_where_directions_were_written():
    assert parse("A faces left") == parse("\n\n   A   faces   LEFT  # x")
    assert parse("A faces left") != parse("A faces right")
    assert hash(parse("A faces left")) == hash(parse("  A faces left"))


def test_events_for_markers():
    script = parse("A nods at 3s\nB looks at A from 1s to 2s\nA faces left at f48", fps=24.0)
    assert script.events() == [(1.0, "B looks at A"), (2.0, "A faces left"), (3.0, "A nods")]


def test_validate_lists_every_problem_and_parse_raises_them_all():
    text = "C faces left\nA faces lft\nB looks at B"
    problems = validate(text, names=NAMES)
    assert [(p.line, p.column) for p in problems] == [(1, 1), (2, 9), (3, 12)]
    with pytest.raises(StagingError) as info:
        parse(text, names=NAMES, source="shot_010.txt")
    assert info.value.errors == problems
    assert str(info.value).splitlines() == [
        "shot_010.txt line 1, col 1: unknown character 'C' (known: A = Mara, B = Theo)",
        "shot_010.txt line 2, col 9: 'lft': did you mean 'left'?",
        "shot_010.txt line 3, col 12: B cannot look at themself",
    ]
    assert isinstance(info.value, ValueError)
    assert validate("A faces left") == []


# ----------------------------------------------------------------------------- the documentation


DOC = Path(__file__).resolve().parents[1] / "docs" / "STAGING.md"


def test_every_example_in_the_reference_parses():
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```staging\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    for block in blocks:
        script = parse(block, names=NAMES)
        assert script.directions
        roundtrip(script)


def test_error_table_in_the_reference_is_true():
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (`.*?`) \| `(line \d+, col \d+: .*?)`", text, flags=re.M)
    assert len(rows) >= 8
    for source, message in rows:
        staging = "\n".join(re.findall(r"`([^`]*)`", source))
        problems = validate(staging, names=NAMES)
        assert problems and str(problems[0]) == message, (staging, problems)
