"""Staging errors: every message, where it points, what it expects, how to fix it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from duet.model.staging import Direction, Part, StagingError, StagingScript, Time, parse, validate

NAMES = {"A": "Mara", "B": "Theo"}

# (text, line, column, message) of the first problem found; names are NAMES.
ERRORS = [
    (
        "A faces @ left",
        1,
        9,
        "unexpected character '@': use words, numbers, times (2.5s, 0:07, f120), ',' or '.'",
    ),
    (
        "A nods at 0:75",
        1,
        11,
        "'0:75' is not a time: the part after ':' must be below 60; did you mean 1:15 or 75s?",
    ),
    ("A nods at", 1, 10, "expected a time like 2.5s, 0:07 or f120 after 'at'"),
    ("A nods at 3", 1, 11, "'3' needs a unit: write 3s (seconds), 0:03 or f3 (frame 3)"),
    ("A nods at 2.5", 1, 11, "'2.5' needs a unit: write 2.5s (seconds)"),
    ("A nods at frame x", 1, 17, "expected a frame number after 'frame'"),
    ("A nods at noon", 1, 11, "expected a time like 2.5s, 0:07 or f120 after 'at', found 'noon'"),
    ("A nods at 100000s", 1, 11, "'100000s' is too far into the take"),
    ("A nods at 5q", 1, 11, "unknown time unit 'q' in '5q' (use s, ms or f)"),
    ("A nods at 5sex", 1, 11, "unknown time unit 'sex' in '5sex': did you mean 'sec'?"),
    ("A looks down between 2s", 1, 24, "expected 'and' after 'between 2s'"),
    ("A nods at 3s at 4s", 1, 14, "a second start time for the same direction (already given at col 8)"),
    (
        "A faces left from 1s to 2s for 3s",
        1,
        28,
        "a second end or length for the same direction (already given at col 22)",
    ),
    (
        "A faces left briefly for 2s",
        1,
        22,
        "a second end or length for the same direction (already given at col 14)",
    ),
    ("A nods for 0s", 1, 8, "a length must be more than 0"),
    ("looks at B", 1, 1, "'looks' needs a character before it"),
    ("A faces left then looks at B", 1, 14, "'then' cannot tell when the next direction starts"),
    ("at 3s 4s A nods", 1, 7, "'4s' must come before the character, after 'at' or at the end"),
    ("° A nods", 1, 1, "expected a character, found '°'"),
    ("Mra faces left", 1, 1, "unknown character 'Mra': did you mean 'Mara'? (known: A = Mara, B = Theo)"),
    ("A faces left and lokos at B", 1, 18, "'lokos': did you mean 'looks'?"),
    ("C faces left", 1, 1, "unknown character 'C' (known: A = Mara, B = Theo)"),
    ("A and A face left", 1, 7, "A is named twice"),
    ("A nods at 3s and at 5s", 1, 18, "a time with no direction after 'and'"),
    (
        "A",
        1,
        2,
        "'A' needs an action: faces, turns, tilts, looks, glances, nods, shakes, relaxes, smiles, laughs "
        "or is <mood>",
    ),
    ("A 3 left", 1, 3, "expected an action, found '3'"),
    ("A moves left", 1, 9, "'moves' needs 'freely' (as in 'A moves freely')"),
    ("A fcaes left", 1, 3, "'fcaes': did you mean 'faces'?"),
    (
        "A jumps",
        1,
        3,
        "unknown action 'jumps' (expected faces, turns, tilts, looks, glances, nods, shakes, relaxes, "
        "smiles, laughs or is <mood>)",
    ),
    ("A slowly faces left quickly", 1, 21, "a second pace word for the same direction"),
    ("A looks her head", 1, 13, "'looks her head' is not a gaze target"),
    ("A faces left looks at B", 1, 14, "a second action 'looks' in one direction"),
    ("A faces left 5s", 1, 14, "'5s' needs 'at', 'from' or 'for' before it"),
    ("A faces left twice", 1, 14, "a count ('twice') only goes with nods and shakes"),
    ("A nods twice 3 times", 1, 14, "a second count for the same direction"),
    ("A nods 0 times", 1, 8, "a count must be a whole number from 1 to 20"),
    ("A nods 2.5 times", 1, 8, "a count must be a whole number from 1 to 20"),
    ("A nods 25 times", 1, 8, "a count must be a whole number from 1 to 20"),
    ("A nods left", 1, 8, "'nods' takes no direction ('left')"),
    (
        "A faces forward",
        1,
        9,
        "'forward' is ambiguous here: write 'the camera' or the other character (e.g. 'B')",
    ),
    ("A faces lft", 1, 9, "'lft': did you mean 'left'?"),
    (
        "A faces zzz",
        1,
        9,
        "unexpected 'zzz' after 'faces' (expected a direction (left, right, up, down, away), "
        "a target (the camera, B) or a time)",
    ),
    (
        "A faces left: B",
        1,
        13,
        "unexpected ':' after 'faces' (expected a direction (left, right, up, down, away), a "
        "target (the camera, B) or a time)",
    ),
    ("A looks at B at the camera", 1, 21, "a second target 'camera' (already 'B')"),
    ("A faces 30 now", 1, 9, "'30' needs a unit: '30 degrees' for an angle, '30s' for a time"),
    ("A turns 200 degrees left", 1, 9, "200 degrees is more than a half turn"),
    ("A turns -30 degrees left", 1, 9, "angles are positive: give the other side instead of a minus sign"),
    ("A faces 30 degrees", 1, 11, "'30' needs a direction after it: left, right, up, down or away"),
    ("both look at each", 1, 18, "expected 'other' after 'each'"),
    (
        "A looks at the camera left",
        1,
        23,
        "'left' cannot go with 'camera': a direction is either a target or a way to turn",
    ),
    ("A tilts away", 1, 9, "'tilts' goes left, right, up or down, not away"),
    ("A faces left and right", 1, 18, "'left' and 'right' both set the yaw (left/right/away): keep one"),
    ("A nods slowly", 1, 8, "'slowly' does not apply to 'nods': give a length instead, e.g. 'for 2s'"),
    ("A faces", 1, 8, "'faces' needs a direction: left, right, up, down, away, the camera or B"),
    ("A looks", 1, 8, "'looks' needs a direction: at B, at the camera, left, right, up, down or away"),
    ("A tilts", 1, 8, "'tilts' needs a direction: left, right, up or down"),
    ("A tilts to the camera", 1, 16, "'tilts' goes left, right, up or down"),
    ("A looks at each other", 1, 12, "'each other' needs both characters, but only A is named"),
    ("A looks at A", 1, 12, "A cannot look at themself"),
    ("Mara faces Mara", 1, 12, "A cannot face themself"),
    ("both look at A", 1, 14, "A cannot look at themself"),
    ("A faces left from 5s to 3s", 1, 22, "it ends (3s) before it starts (5s)"),
    ("A faces left from 5s to 5s", 1, 22, "it ends at the moment it starts (5s)"),
    ("A faces left until 0s", 1, 14, "it ends at the moment it starts (0s)"),
    ("A faces left from 5s to f24", 1, 1, "it ends (1s) before it starts (5s)"),
    (
        "A faces left\nA turns 60 degrees left at 2s",
        2,
        1,
        "A's head would turn 105 degrees left (yaw); the most is 90",
    ),
    ("A faces 100 degrees left", 1, 1, "A's head would turn 100 degrees left (yaw); the most is 90"),
    ("A looks 95 degrees left", 1, 1, "A's gaze would turn 95 degrees left (yaw); the most is 90"),
    ("A tilts 50 degrees right", 1, 1, "A's head would tilt 50 degrees right (roll); the most is 40"),
    ("A faces 50 degrees up", 1, 1, "A's head would turn 50 degrees up (pitch); the most is 45"),
    (
        "A faces left. A faces right",
        1,
        15,
        "'A faces right' and 'A faces left' (line 1, col 1) both set A's head at 0s: one would never show",
    ),
    (
        "A looks at the camera from 2s to 5s\nA looks down from 3s to 6s",
        2,
        1,
        "'A looks down from 3s to 6s' contradicts 'A looks at the camera from 2s to 5s' (line "
        "1, col 1): both direct A's gaze from 3s to 5s",
    ),
    (
        "A nods from 2s to 4s\nA shakes at 3s",
        2,
        1,
        "A cannot nod and shake at once: 'A shakes their head at 3s' overlaps 'A nods from 2s "
        "to 4s' (line 1, col 1) from 3s",
    ),
    (
        "A nods at 3s with a smile",
        1,
        14,
        "unexpected 'with' after 'nods' (expected a count (twice, 3 times) or a time (at 3s, from 2s to 4s))",
    ),
    ("A relaxes left", 1, 11, "'relaxes' takes no direction ('left')"),
    (
        "A looks at speaker",
        1,
        12,
        "unexpected 'speaker' after 'looks' (expected a target (at B, at the camera, at each "
        "other), a direction (left, right, up, down, away) or a time)",
    ),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), ERRORS, ids=[e[0][:40] for e in ERRORS])
def test_every_error_message(text, line, column, message):
    problems = validate(text, names=NAMES)
    assert problems, f"{text!r} should not parse"
    first = problems[0]
    assert (first.line, first.column, first.message) == (line, column, message)
    # Every problem says what was expected and how to fix it.
    assert all(p.expected and p.suggestion for p in problems), problems
    with pytest.raises(StagingError) as info:
        parse(text, names=NAMES)
    assert info.value.errors == problems
    assert str(info.value).splitlines()[0] == f"<staging> line {line}, col {column}: {message}"


def test_every_error_is_reported_with_no_partial_result():
    text = "A faces lft\nC nods\nA looks at A, B faces left\nB jumps; A nods at 3"
    problems = validate(text, names=NAMES)
    assert [(p.line, p.column) for p in problems] == [(1, 9), (2, 1), (3, 12), (4, 3), (4, 20)]
    with pytest.raises(StagingError) as info:
        parse(text, names=NAMES)
    assert len(str(info.value).splitlines()) == 5


def test_errors_after_the_first_in_one_line_are_found():
    problems = validate("A faces lft, B lokos at A and C nods", names=NAMES)
    assert [p.column for p in problems] == [9, 16, 31]


def test_contradictions_name_both_places():
    text = "A looks at the camera from 2s to 5s\nB nods at 1s\nA looks down from 3s to 6s"
    (problem,) = validate(text)
    assert (problem.line, problem.column) == (3, 1)
    assert "(line 1, col 1)" in problem.message and "from 3s to 5s" in problem.message


def test_same_value_overlaps_are_not_contradictions():
    assert validate("A looks at B from 2s to 5s\nA looks at B from 4s to 6s") == []
    assert validate("A faces left\nA faces left") == []
    assert validate("A nods from 1s to 3s\nA nods at 2s") == []


def test_untimed_direction_supersedes_without_contradiction():
    assert validate("A faces left\nA faces right at 3s\nA faces up from 2s to 4s") == []


def test_relative_turn_inside_a_timed_direction_is_allowed_but_absolute_is_not():
    assert validate("A faces left from 1s to 5s\nA turns 10 degrees right from 2s to 3s") == []
    assert validate("A faces left from 1s to 5s\nA tilts right from 2s to 3s") == []
    assert validate("A faces left from 1s to 5s\nA faces right from 2s to 3s")


def test_frame_before_the_first_frame():
    (problem,) = validate("A nods at f0", fps=24, first_frame=1)
    assert problem.message == "f0 is before the take's first frame (f1)"
    assert validate("A nods at f1", fps=24, first_frame=1) == []


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["x"], "names must be a dict like {'A': 'Mara', 'B': 'Theo'}, got list"),
        ({"C": "X"}, "unknown role 'C' in names: use 'A' and 'B'"),
        ({"A": 3}, "the name for A must be text, got int"),
        ({"A": "123"}, "the name '123' for A has no letters"),
        ({"A": "B"}, "the name 'B' for A is the other character's letter"),
        ({"A": "left"}, "the name 'left' for A is also a staging word"),
        ({"A": "Sam", "B": "sam"}, "A and B are both called 'Sam'"),
    ],
)
def test_bad_names(names, message):
    (problem,) = validate("A nods", names=names)
    assert (problem.line, problem.message) == (0, message)
    assert problem.expected and problem.suggestion
    assert str(problem) == f"names: {message}"


def test_blank_or_own_letter_names_are_ignored():
    assert validate("A nods", names={"A": "  ", "B": None}) == []
    assert validate("A nods", names={"A": "A"}) == []


def test_bad_arguments():
    assert validate("A nods", fps=0)[0].message == "fps must be a frame rate like 24 or 30, got 0"
    assert (
        validate("A nods", first_frame=1.5)[0].message == "first_frame must be a whole frame number, got 1.5"
    )
    assert validate(3)[0].message == "staging must be text, got int"  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the model itself


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "nod", "target": "camera"}, "'nods' takes no direction"),
        ({"action": "relax", "count": 2}, "'relaxes' takes no count"),
        ({"action": "nod", "pace": "slowly"}, "'slowly' does not apply to 'nods'"),
        ({"action": "face"}, "'faces' needs a target"),
        ({"action": "face", "target": "camera", "count": 2}, "only goes with nods and shakes"),
        ({"action": "face", "target": "direction"}, "a direction target needs its parts"),
        ({"action": "turn", "target": "camera"}, "'turns' by an angle needs one"),
        ({"action": "tilt", "target": "camera"}, "'tilts' needs left, right, up or down"),
        (
            {"action": "tilt", "target": "direction", "parts": [{"toward": "away"}]},
            "'tilts' goes left, right, up or down, not away",
        ),
        (
            {"action": "face", "target": "direction", "parts": [{"toward": "left"}, {"toward": "away"}]},
            "'left' and 'away' both set the yaw",
        ),
        (
            {"action": "nod", "end": {"value": 2}, "length": {"value": 1}},
            "'to' and 'for' both give the length",
        ),
        ({"action": "nod", "start": {"value": 3}, "end": {"value": 2}}, "it ends (2s) before it starts (3s)"),
        ({"action": "nod", "length": {"value": 0}}, "a length must be more than 0"),
        (
            {
                "action": "face",
                "target": "direction",
                "parts": [{"toward": "up", "degrees": 5, "scale": "far"}],
            },
            "keep one",
        ),
    ],
)
def test_direction_model_rejects_nonsense(fields, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Direction(roles=("A",), **fields)


def test_script_model_checks_its_schedule():
    left = Direction(
        roles=("A",), action="face", target="direction", parts=(Part(toward="left"),), end=Time(value=4)
    )
    right = Direction(
        roles=("A",),
        action="face",
        target="direction",
        parts=(Part(toward="right"),),
        start=Time(value=2),
        end=Time(value=5),
    )
    with pytest.raises(ValidationError, match="contradicts"):
        StagingScript(directions=(left, right))
    assert StagingScript(directions=(left,)).directions == (left,)
    with pytest.raises(ValidationError):
        Direction(roles=("A", "A"), action="nod")
    with pytest.raises(ValidationError):
        Direction(roles=("C",), action="nod")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Time(value=-1.0)
