"""Property tests: no text crashes the parser; describe() round-trips; targets stay in range."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from duet.model import spec
from duet.model.staging import Direction, Part, StagingError, StagingScript, Time, parse, validate, vocab
from duet.model.staging.directions import format_number

NAMES = {"A": "Mara", "B": "Theo Quinn"}
SETTINGS = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def parses_or_reports(text: str, names=None) -> StagingScript | None:
    """parse() either returns a script or raises StagingError; validate() agrees."""
    problems = validate(text, names=names)
    try:
        script = parse(text, names=names)
    except StagingError as exc:
        assert exc.errors == problems and problems
        for p in problems:
            assert p.line >= 0 and p.column >= 0 and p.message and p.expected and p.suggestion
        return None
    assert problems == []
    return script


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_parses_or_reports_errors(text):
    parses_or_reports(text)
    parses_or_reports(text, NAMES)


WORDS = [*sorted(vocab.KEYWORDS), "Mara", "Theo", "Quinn", "A", "B", "C", "lft", "zzz", "then"]
PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from([",", ".", ";", ":", "-", "–", "°", "\n", "#", "'", "@", "  "]),
    st.integers(0, 400).map(str),
    st.floats(0, 200, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.sampled_from(
        ["2.5s", "0:07", "1:02.5", "f120", "500ms", "3x", "0:75", "12q", "30°", "30deg", "9:99:99"]
    ),
)


@SETTINGS
@given(st.lists(PIECES, max_size=30))
def test_word_soup_parses_or_reports_errors(pieces):
    text = " ".join(pieces)
    script = parses_or_reports(text, NAMES)
    if script is not None:
        assert parse(script.describe()) == script
        c = script.to_targets(200, 50.0).conditioning
        assert np.isfinite(c).all() and np.abs(c).max() <= 1.0 + 1e-6


# ----------------------------------------------------------------------------- valid scripts

times = st.integers(0, 9000).map(lambda x: x / 100.0)
degrees = st.one_of(st.none(), st.integers(0, 40).map(float), st.floats(0, 30, allow_nan=False))
scales = st.sampled_from([None, "slightly", "far"])


@st.composite
def parts(draw, action: str) -> tuple[Part, ...]:
    yaw = draw(st.sampled_from([None, "left", "right"] + ([] if action == "tilt" else ["away"])))
    pitch = draw(st.sampled_from([None, "up", "down"]))
    chosen = [t for t in (yaw, pitch) if t] or ["left"]
    if draw(st.booleans()):
        chosen.reverse()
    out = []
    for toward in chosen:
        deg = draw(degrees)
        out.append(Part(toward=toward, degrees=deg, scale=None if deg is not None else draw(scales)))
    if action == "turn" and all(p.degrees is None for p in out):
        out[0] = Part(toward=out[0].toward, degrees=10.0)
    return tuple(out)


@st.composite
def directions(draw, slot: int) -> Direction:
    """One direction in its own 10-second slot (so directions never contradict)."""
    action = draw(st.sampled_from(["face", "turn", "tilt", "look", "glance", "nod", "shake", "relax"]))
    roles = draw(st.sampled_from([("A",), ("B",), ("A", "B")]))
    target, ps, count, pace = None, (), None, None
    if action in ("face", "look", "glance"):
        target = draw(st.sampled_from(["partner", "camera", "direction"]))
    elif action in ("turn", "tilt"):
        target = "direction"
    if target == "direction":
        ps = draw(parts(action))
    if action in ("nod", "shake"):
        count = draw(st.one_of(st.none(), st.integers(1, 4)))
    elif action != "relax":
        pace = draw(st.sampled_from([None, "slowly", "quickly"]))
    unit = draw(st.sampled_from(["s", "s", "f"]))
    offset = draw(times) / 10.0
    start = Time(
        value=slot * 10.0 + offset if unit == "s" else float((slot * 10 + int(offset)) * 24), unit=unit
    )
    timing = draw(st.sampled_from(["open", "end", "length", "brief"]))
    end = length = None
    brief = False
    if timing == "end":
        end = Time(value=start.value + (draw(st.integers(1, 40)) / 10.0 if unit == "s" else 24.0), unit=unit)
    elif timing == "length":
        length = Time(value=draw(st.integers(1, 50)) / 10.0)
    elif timing == "brief":
        brief = True
    return Direction(
        roles=roles,
        action=action,
        target=target,
        parts=ps,
        count=count,
        pace=pace,
        start=start,
        end=end,
        length=length,
        brief=brief,
    )


@st.composite
def scripts(draw) -> StagingScript:
    n = draw(st.integers(0, 8))
    ds = [draw(directions(slot)) for slot in range(n)]
    ds = [ds[i] for i in draw(st.permutations(range(n)))] if n else ds
    try:
        return StagingScript(directions=tuple(ds), frame_rate=24.0)
    except ValidationError:
        assume(False)
        raise


@SETTINGS
@given(scripts())
def test_describe_round_trips(script):
    text = script.describe()
    again = parse(text, fps=24.0)
    assert again == script, text
    assert again.describe() == text


@SETTINGS
@given(scripts(), st.sampled_from([24.0, 25.0, 30.0, 50.0]))
def test_targets_are_finite_and_holds_are_exact(script, fps):
    n = int(90 * fps)
    t = script.to_targets(n, fps)
    c = t.conditioning
    assert c.shape == (n, 2, spec.COND_DIM) and np.isfinite(c).all() and np.abs(c).max() <= 1.0 + 1e-6
    for role in spec.ROLES:
        for s, e, *pose in t.holds[role]:
            assert 0 <= s < e <= n
            np.testing.assert_array_equal(t.head[role][s:e], np.broadcast_to(pose, (e - s, 3)))
            assert t.head_active[role][s:e].all() and not (t.nod[role][s:e] | t.shake[role][s:e]).any()


@SETTINGS
@given(st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_numbers_are_written_so_they_read_back_exactly(x):
    text = format_number(x)
    assert "e" not in text.lower() and float(text) == x


@SETTINGS
@given(
    st.lists(st.sampled_from(sorted(vocab.VERBS)), min_size=1, max_size=3),
    st.sampled_from(["A", "B", "both"]),
)
def test_typos_get_suggestions(verbs, subject):
    verb = verbs[0]
    typo = verb[:-2] + verb[-1] + verb[-2] if len(verb) > 3 else verb + "zz"
    problems = validate(f"{subject} {typo} left")
    if typo not in vocab.VERBS:
        assert problems and problems[0].suggestion


@SETTINGS
@given(
    st.lists(PIECES, max_size=12),
    st.dictionaries(st.sampled_from(["A", "B", "C"]), st.one_of(st.none(), st.text(max_size=12)), max_size=3),
    st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-5, 200)),
    st.integers(-10, 100),
)
def test_any_names_and_frame_rate_parse_or_report_errors(pieces, names, fps, first_frame):
    text = " ".join(pieces)
    problems = validate(text, names=names, fps=fps, first_frame=first_frame)
    try:
        parse(text, names=names, fps=fps, first_frame=first_frame)
    except StagingError as exc:
        assert exc.errors == problems and problems
    else:
        assert problems == []
