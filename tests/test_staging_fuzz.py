"""Fuzzing the staging parser: any text gives a StagingScript or a StagingError, nothing else.

tools/fuzz_staging.py runs the same check over 20,000 word-salad texts; this keeps a
bounded hypothesis run (a few seconds) and the texts the fuzzers found.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from duet.model.staging import StagingError, StagingScript, parse, vocab

NAMES = {"A": "Mara", "B": "Theo Quinn"}
WORDS = [*sorted(vocab.KEYWORDS), "A", "B", "C", "Mara", "Theo Quinn", "Quinn", "then", "lft"]
PUNCTUATION = [",", ".", ";", ":", "-", "–", "°", "\n", "#", "'", "\ufeff", "\u200b", "\xa0"]
TIMES = ["2.5s", ".5s", "-3s", "0:07", "1:02.5", "f120", "500ms", "3x", "0:75", "30°", "30deg", "12q"]
TIMES += ["60%", "150%", "0%", ".5 %", "%"]  # mood strengths
PIECE = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(TIMES),
    st.integers(0, 400).map(str),
    st.floats(0, 200, allow_nan=False).map(lambda x: f"{x:.2f}"),
)


@st.composite
def salads(draw: st.DrawFn) -> str:
    """Vocabulary words and pieces, with repeats ('both both', 'at at') drawn often."""
    pieces: list[str] = []
    for _ in range(draw(st.integers(1, 14))):
        if pieces and draw(st.integers(0, 7)) == 0:
            pieces.append(pieces[-1])
        else:
            pieces.append(draw(PIECE))
    return " ".join(pieces)


def script_or_staging_error(text: str, names: dict[str, str] | None) -> StagingScript | None:
    try:
        script = parse(text, names=names)
    except StagingError as exc:
        assert exc.errors
        for issue in exc.errors:
            assert issue.line >= 0 and issue.column >= 0 and issue.message and issue.suggestion
        return None
    assert isinstance(script, StagingScript)
    assert parse(script.describe(), names=names) == script
    return script


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(salads(), st.booleans())
@example("both both faces left", False)
@example("both both relax C", True)
@example("A faces left at", False)
@example("A faces left at -3s", False)
@example("A is very neutral at 60%", False)
@example("both look very at 50%", True)
@example("Mara seems a little bit at", True)
def test_word_salad_gives_a_script_or_a_staging_error(text, named):
    script_or_staging_error(text, NAMES if named else None)


@pytest.mark.parametrize(
    "text",
    ["both both faces left", "both both look at each other", "both A and both face left", "both  both nods"],
)
def test_both_written_twice_is_reported_not_a_crash(text):
    with pytest.raises(StagingError) as caught:
        parse(text)
    first = caught.value.errors[0]
    assert first.line == 1
    if text.startswith("both both"):
        assert "'both' is written twice" in first.message
        assert first.column == text.index("both", 1) + 1
