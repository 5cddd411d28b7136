"""Staged moods: the words (model/staging), the patterns (model/expressions) and the layer
over a performance (model/staging/moods), on synthetic curves. The targets on the bundled
example through generate() are in test_moods_example.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from duet.model import expressions as ex
from duet.model import spec
from duet.model.lips import lip_aperture
from duet.model.performance import Performance
from duet.model.staging import StagingError, parse, validate, vocab
from duet.model.staging import moods as mood_layer
from duet.model.staging.directions import Mood

NAMES = {"A": "Mara", "B": "Theo"}
SHAPE = spec.ARKIT_INDEX
FPS = 50.0


def describe(text: str, names=NAMES) -> str:
    return parse(text, names=names).describe()


# ----------------------------------------------------------------------------- the words


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("A smiles from 1s to 4s", "A smiles from 1s to 4s"),
        ("B frowns slightly at 0:02", "B frowns slightly at 2s"),
        ("B is angry from 0:02 to 0:05", "B is angry from 2s to 5s"),
        ("both look surprised briefly at 3s", "both are surprised briefly at 3s"),
        ("Mara is sad from 0:01", "A is sad at 1s"),
        ("A laughs at 12s", "A laughs at 12s"),
        ("B relaxes", "B relaxes"),
        ("A smiles at 60%", "A smiles at 60%"),
        ("Theo is very afraid until 0:04", "B is very afraid until 4s"),
        ("A is a little bit disgusted for 2s", "A is slightly disgusted for 2s"),
        ("both are 40 percent bored", "both are bored at 40%"),
        ("Mara seems thoughtful, gets angry at 5s", "A is thoughtful\nA is angry at 5s"),
        ("A is smiling broadly", "A smiles broadly"),
        ("A scowls", "A is angry"),
        ("B laughs heartily for 2s", "B laughs heartily for 2s"),
        ("A is very happy and looks at B", "A smiles broadly\nA looks at B"),
        ("A slowly frowns at 2s", "A frowns slowly at 2s"),
        ("B is calm at 3s", "B is neutral at 3s"),
    ],
)
def test_mood_directions_parse_and_describe_back(text, canonical):
    script = parse(text, names=NAMES)
    assert script.describe().strip() == canonical
    assert parse(script.describe(), names=NAMES) == script


def test_every_mood_of_the_patterns_is_a_mood_of_the_language():
    assert set(ex.MOODS) == set(Mood.__args__)  # type: ignore[attr-defined]
    assert {*vocab.MOOD_ADJECTIVES.values(), *vocab.MOOD_VERBS.values()} == set(ex.MOODS)
    for word in (*vocab.MOOD_ADJECTIVES, *vocab.MOOD_LINKING, *vocab.INTENSITY_WORDS):
        assert word in vocab.KEYWORDS  # the fuzzers draw their words from KEYWORDS


def test_strengths_order_and_percentages():
    def strength(text: str) -> float:
        return parse(text).directions[0].strength

    assert strength("A is slightly sad") < strength("A is sad") < strength("A is very sad") == 1.0
    assert strength("A is sad at 60%") == pytest.approx(0.6)
    assert strength("A is 25% sad") == pytest.approx(0.25)
    assert strength("A smiles a touch") == strength("A smiles slightly")


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "suggestion"),
    [
        ("A faces left\nB is hapy", 2, 6, "'hapy': did you mean 'happy'?", "happy"),
        ("A smiels at 2s", 1, 3, "'smiels': did you mean 'smiles'?", "smiles"),
        ("Theo looks surprized", 1, 12, "'surprized': did you mean 'surprised'?", "surprised"),
        ("Mara seems anrgy", 1, 12, "'anrgy': did you mean 'angry'?", "angry"),
        ("A is very hungry", 1, 11, "unknown mood 'hungry' after 'is'", "e.g. 'is very happy'"),
        ("A smiles at 160%", 1, 13, "a strength is more than 0% and at most 100%", "e.g. 'at 60%'"),
        ("A faces left at 60%", 1, 17, "a strength ('60%') only goes with a mood or a laugh", ""),
        ("A smiles at B", 1, 13, "'smiles' takes no target ('B')", "remove the target"),
        ("A smiles slightly very", 1, 19, "a second strength 'very' (already 'slightly')", "keep one"),
        ("A is very neutral", 1, 6, "'neutral' has no strength ('very')", "remove 'very'"),
        ("A laughs slowly", 1, 10, "'slowly' does not apply to 'laughs'", "remove it"),
        ("A smiles at 60", 1, 13, "'60' needs a unit: 60% for how strong, 60s for a time", "60%"),
        (
            "A looks at B surprised",
            1,
            14,
            "'surprised' is a mood: give it its own direction",
            "and is surprised",
        ),
    ],
)
def test_mood_mistakes_are_located_with_a_fix(text, line, column, message, suggestion):
    problems = validate(text, names=NAMES)
    assert problems, text
    first = problems[0]
    assert (first.line, first.column) == (line, column), first
    assert first.message.startswith(message), first.message
    assert first.suggestion.startswith(suggestion) and first.expected


def test_contradictory_moods_are_errors_never_guessed():
    with pytest.raises(StagingError) as caught:
        parse("A smiles from 1s to 4s\nA is angry from 2s to 5s")
    (issue,) = caught.value.errors
    assert (issue.line, issue.column) == (2, 1)
    assert "contradicts 'A smiles from 1s to 4s' (line 1, col 1): both direct A's mood from 2s to 4s" in (
        issue.message
    )
    with pytest.raises(StagingError, match="both set A's mood at 0s"):
        parse("A smiles. A is sad")
    with pytest.raises(StagingError, match="both direct B's laugh"):
        parse("B laughs at 2s\nB laughs slightly at 2.5s")
    # Not contradictions: a timed mood over an untimed one, the same mood overlapping, a laugh in a mood,
    # a mood for each character, an untimed mood taking over from the one before.
    parse("A is sad\nA smiles from 1s to 4s\nA laughs at 2s\nB is angry from 1s to 4s\nA is bored at 6s")
    parse("A smiles from 1s to 4s\nA smiles from 3s to 5s")


def test_thousands_of_overlapping_moods_are_checked_in_linear_time():
    import time

    text = "\n".join(f"A {'smiles' if k % 2 else 'is sad'} from {k}s to {k + 5}s" for k in range(4000))
    t0 = time.perf_counter()
    problems = validate(text)
    assert len(problems) == 3999  # one contradiction a direction
    assert time.perf_counter() - t0 < 20.0


def test_relaxes_ends_head_gaze_and_mood():
    tl = parse("A faces left and looks up and is sad\nA relaxes at 3s").schedule
    for channel in (tl.head, tl.gaze, tl.mood):
        assert [e.value is None for e in channel["A"]] == [False, True]
        assert channel["A"][1].start == 3.0


def test_untimed_moods_hold_until_the_next_one():
    tl = parse("A is sad\nA smiles at 2s\nA is bored at 5s").schedule
    assert [(e.start, e.end, ex.MOODS[int(e.value[0])]) for e in tl.mood["A"]] == [
        (0.0, None, "sad"),
        (2.0, None, "happy"),
        (5.0, None, "bored"),
    ]


def test_a_laugh_lasts_a_second_unless_timed():
    tl = parse("A laughs at 2s\nB laughs for 2.5s at 4s").schedule
    assert [(e.start, e.end) for e in tl.laughs["A"]] == [(2.0, 3.0)]
    assert [(e.start, e.end) for e in tl.laughs["B"]] == [(4.0, 6.5)]


def test_mood_markers_name_where_timed_moods_end():
    script = parse("both smile from 1s to 4s\nB is sad at 5s\nA laughs at 6s", names=NAMES)
    assert (1.0, "both smile") in script.events()
    assert mood_layer.mood_end_events(script) == [(4.0, "A smiles (ends)"), (4.0, "B smiles (ends)")]


# ----------------------------------------------------------------------------- the patterns


def test_patterns_follow_the_facs_action_units():
    def shapes(mood: str) -> set[str]:
        return {spec.ARKIT_NAMES[k] for k in np.flatnonzero(ex.PATTERNS[ex.MOOD_INDEX[mood]] > 0)}

    assert {"cheekSquintLeft", "mouthSmileLeft", "mouthSmileRight"} <= shapes("happy")  # AU6 + AU12
    assert {"browInnerUp", "browDownLeft", "mouthFrownRight"} <= shapes("sad")  # AU1 + AU4 + AU15
    assert {"browDownLeft", "eyeWideLeft", "eyeSquintLeft", "mouthPressLeft"} <= shapes("angry")  # 4+5+7+23
    assert {"browInnerUp", "browOuterUpLeft", "eyeWideRight", "jawOpen"} <= shapes("surprised")  # 1+2+5+26
    assert {"browDownRight", "eyeWideLeft", "mouthStretchLeft", "jawOpen"} <= shapes("afraid")  # ...+20+26
    assert {"noseSneerLeft", "mouthFrownLeft", "mouthLowerDownRight"} <= shapes("disgusted")  # 9+15+16
    assert shapes("neutral") == set()
    assert np.all((ex.PATTERNS >= 0) & (ex.PATTERNS <= 1))
    # Moods do not close the eyes: at most a heavy lid (sad, bored).
    blink = ex.PATTERNS[:, [SHAPE["eyeBlinkLeft"], SHAPE["eyeBlinkRight"]]]
    assert blink.max() <= 0.3


# ----------------------------------------------------------------------------- the layer


def speech_take(n: int = 500, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(n, 52) curves of a talker: jaw opening and closing, p/b/m seals (mouthClose = jawOpen),
    rounded stretches, blinks; and its speaking curve (speaks 1-7 s)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FPS
    b = np.zeros((n, 52))
    speaking = ((t >= 1.0) & (t < 7.0)).astype(float)
    b[:, SHAPE["jawOpen"]] = speaking * (0.18 + 0.12 * np.sin(2 * np.pi * 4 * t)) + 0.02 * rng.random(n)
    b[:, SHAPE["mouthLowerDownLeft"]] = b[:, SHAPE["mouthLowerDownRight"]] = 0.3 * b[:, SHAPE["jawOpen"]]
    for start in np.arange(1.3, 7.0, 0.6):  # a closure every 0.6 s
        f = slice(int(start * FPS), int(start * FPS) + 4)
        b[f, SHAPE["mouthClose"]] = b[f, SHAPE["jawOpen"]]
        b[f, SHAPE["mouthLowerDownLeft"]] = b[f, SHAPE["mouthLowerDownRight"]] = 0.0
    rounded = (t % 1.5 > 1.0) & (speaking > 0)
    b[rounded, SHAPE["mouthFunnel"]] = 0.25
    b[rounded, SHAPE["mouthPucker"]] = 0.3
    for start in (0.5, 3.0, 8.2):  # blinks
        f = slice(int(start * FPS), int(start * FPS) + 8)
        b[f, SHAPE["eyeBlinkLeft"]] = b[f, SHAPE["eyeBlinkRight"]] = np.sin(np.linspace(0, np.pi, 8))
    return b, speaking


def held(mood: str, strength: float, n: int = 500) -> mood_layer.MoodTrack:
    w = np.zeros((n, len(ex.MOODS)))
    w[:, ex.MOOD_INDEX[mood]] = strength
    return mood_layer.MoodTrack(w, np.zeros(n), np.zeros(n))


def test_a_mood_over_speech_keeps_every_seal_and_release():
    base, speaking = speech_take()
    sealed = (lip_aperture(base) <= mood_layer.SEAL_APERTURE) & (speaking > 0)
    assert sealed.sum() >= 20
    for mood in ex.MOODS:
        out = mood_layer.layer(base, speaking, held(mood, 1.0), FPS)
        ap = lip_aperture(out.astype(np.float64))
        assert np.all(ap[sealed] <= mood_layer.SEAL_APERTURE), mood
        # While speaking, the mouth opens exactly as the network opened it.
        talking = speaking > 0
        assert np.allclose(ap[talking], lip_aperture(base)[talking], atol=1e-6), mood
        assert np.all((out >= 0) & (out <= 1))


def test_without_the_speech_hold_a_surprised_jaw_would_break_the_seals():
    """The test above fails when the lip-parting shapes are laid over speech (what the hold prevents)."""
    base, speaking = speech_take()
    sealed = (lip_aperture(base) <= mood_layer.SEAL_APERTURE) & (speaking > 0)
    silent = np.zeros_like(speaking)  # a layer that thinks nobody speaks
    out = mood_layer.layer(base, silent, held("surprised", 1.0), FPS)
    assert np.mean(lip_aperture(out.astype(np.float64))[sealed] <= mood_layer.SEAL_APERTURE) < 0.2


def test_a_listener_shows_the_whole_mood_and_a_speaker_all_but_the_jaw():
    base, speaking = speech_take()
    out = mood_layer.layer(base, speaking, held("surprised", 1.0), FPS)
    jaw = ex.PATTERNS[ex.MOOD_INDEX["surprised"], SHAPE["jawOpen"]]
    listening = slice(int(8.0 * FPS), int(9.5 * FPS))  # not speaking, no blink near
    added = out[:, SHAPE["jawOpen"]] - base[:, SHAPE["jawOpen"]]
    assert added[listening].min() > 0.9 * jaw
    talking = speaking > 0
    assert np.abs(added[talking]).max() < 1e-6
    # The upper face shows while speaking too.
    brows = out[:, SHAPE["browInnerUp"]] - base[:, SHAPE["browInnerUp"]]
    assert brows[talking].min() > 0.7


def test_a_smile_yields_to_rounded_lips():
    base, speaking = speech_take()
    out = mood_layer.layer(base, speaking, held("happy", 1.0), FPS)
    smile = out[:, SHAPE["mouthSmileLeft"]] - base[:, SHAPE["mouthSmileLeft"]]
    rounded = base[:, SHAPE["mouthFunnel"]] + base[:, SHAPE["mouthPucker"]] >= mood_layer.ROUND_FULL
    spread = (speaking > 0) & ~rounded
    assert smile[spread].mean() > 0.75
    assert smile[rounded].max() < 0.4 * smile[spread].mean()
    assert np.array_equal(
        out[:, [SHAPE["mouthFunnel"], SHAPE["mouthPucker"]]],
        base[:, [SHAPE["mouthFunnel"], SHAPE["mouthPucker"]]].astype(np.float32),
    )


def test_blinks_still_close_under_a_mood():
    base, speaking = speech_take()
    blink = base[:, SHAPE["eyeBlinkLeft"]]
    peaks = blink >= 0.99
    for mood in ("angry", "surprised", "afraid", "bored", "sad"):
        out = mood_layer.layer(base, speaking, held(mood, 1.0), FPS)
        assert np.all(out[peaks, SHAPE["eyeBlinkLeft"]] >= 0.99), mood  # the lid still closes
        assert np.all(out[peaks, SHAPE["eyeWideLeft"]] < 0.02), mood  # the wide eye lets it
    angry = mood_layer.layer(base, speaking, held("angry", 1.0), FPS)
    assert np.allclose(angry[:, SHAPE["eyeBlinkLeft"]], blink, atol=1e-6)  # an angry brow leaves the lids


def test_a_mood_adds_with_saturation_and_holds_back_its_opposite():
    n = 100
    base = np.zeros((n, 52))
    base[:, SHAPE["mouthSmileLeft"]] = 0.9
    base[:, SHAPE["mouthFrownLeft"]] = 0.5
    out = mood_layer.layer(base, np.zeros(n), held("happy", 1.0, n), FPS)
    assert np.all(out[:, SHAPE["mouthSmileLeft"]] <= 1.0) and out[0, SHAPE["mouthSmileLeft"]] > 0.97
    assert out[0, SHAPE["mouthFrownLeft"]] < 0.5 * 0.5  # a smile does not sit on a frown


def test_moods_ease_in_and_out_like_head_moves():
    script = parse("A smiles from 1s to 3s")
    w = mood_layer.render_moods(script.schedule, 250, FPS)["A"].weights[:, ex.MOOD_INDEX["happy"]]
    assert w[: int(FPS)].max() == 0.0
    assert w[int(1.6 * FPS) : int(3.0 * FPS)].min() == pytest.approx(ex.DEFAULT_INTENSITY)
    ease = vocab.MOOD_EASE_BASE_S + vocab.MOOD_EASE_PER_UNIT_S * ex.DEFAULT_INTENSITY
    assert w[int((3.0 + ease) * FPS) + 1 :].max() == 0.0
    assert np.abs(np.diff(w)).max() < 0.1  # no step from one frame to the next
    quick = mood_layer.render_moods(parse("A smiles quickly from 1s to 3s").schedule, 250, FPS)["A"].weights
    assert np.abs(np.diff(quick[:, ex.MOOD_INDEX["happy"]])).max() > np.abs(np.diff(w)).max()


def test_a_take_that_starts_in_a_mood_starts_there():
    w = mood_layer.render_moods(parse("B is sad").schedule, 50, FPS)["B"].weights
    assert np.all(w[:, ex.MOOD_INDEX["sad"]] == ex.DEFAULT_INTENSITY)


def test_default_moods_show_where_nothing_is_staged():
    defaults = mood_layer.check_defaults({"A": ("sad", 0.5), "B": "scared"})
    assert defaults == {"A": ("sad", 0.5), "B": ("afraid", ex.DEFAULT_INTENSITY)}
    script = parse("A smiles from 2s to 4s\nA relaxes at 6s\nA is neutral at 8s\nA is sad at 9s")
    tracks = mood_layer.render_moods(script.schedule, 600, FPS, defaults)
    w = tracks["A"].weights
    sad, happy = ex.MOOD_INDEX["sad"], ex.MOOD_INDEX["happy"]

    def at(seconds: float) -> np.ndarray:
        return w[int(seconds * FPS)]

    assert at(1.0)[sad] == 0.5 and at(1.0)[happy] == 0  # the default
    assert at(3.5)[happy] == ex.DEFAULT_INTENSITY and at(3.5)[sad] == 0  # the staging overrides it
    assert at(5.5)[sad] == pytest.approx(0.5)  # back to the default after the timed smile
    assert at(7.5)[sad] == pytest.approx(0.5)  # relaxes: the default again
    assert not at(8.9).any()  # neutral: no mood, not even the default
    assert at(11.0)[sad] == ex.DEFAULT_INTENSITY
    assert np.all(tracks["B"].weights[:, ex.MOOD_INDEX["afraid"]] == ex.DEFAULT_INTENSITY)
    assert mood_layer.check_defaults({"A": None, "B": ("neutral", 0.5)}) == {}


@pytest.mark.parametrize(
    ("moods", "message"),
    [
        ({"A": "hapy"}, "unknown mood 'hapy' for A: did you mean 'happy'?"),
        ({"C": "happy"}, "unknown role 'C'"),
        ({"A": ("happy", 70)}, "A's strength must be from 0 to 1"),
        ({"A": ("happy", 0.5, 1)}, "must be a mood word or (mood, strength)"),
        ("happy", "moods must be a dict"),
    ],
)
def test_bad_default_moods_are_named(moods, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        mood_layer.check_defaults(moods)


def test_a_laugh_is_a_short_burst_with_jaw_pulses():
    script = parse("B laughs at 2s")
    track = mood_layer.render_moods(script.schedule, 250, FPS)["B"]
    base = np.zeros((250, 52))
    out = mood_layer.layer(base, np.zeros(250), track, FPS)
    jaw = out[:, SHAPE["jawOpen"]]
    burst = slice(int(2.0 * FPS), int(3.0 * FPS))
    assert jaw[: int(2.0 * FPS)].max() == 0.0 and jaw[int(3.0 * FPS) :].max() == 0.0
    peaks = np.flatnonzero((jaw[1:-1] > jaw[:-2]) & (jaw[1:-1] >= jaw[2:]) & (jaw[1:-1] > 0.05)) + 1
    assert 3 <= len(peaks) <= 6  # ~4.8 pulses a second
    assert (
        out[burst, SHAPE["cheekSquintLeft"]].max() > 0.5 and out[burst, SHAPE["mouthSmileRight"]].max() > 0.6
    )


def test_apply_moods_leaves_a_take_without_moods_alone():
    n = 100
    perf = Performance(
        fps=FPS,
        blendshapes={r: np.full((n, 52), 0.1, np.float32) for r in spec.ROLES},
        head={r: np.zeros((n, 3), np.float32) for r in spec.ROLES},
        gaze={r: np.zeros((n, 2), np.float32) for r in spec.ROLES},
        speaking={r: np.zeros(n, np.float32) for r in spec.ROLES},
    )
    assert mood_layer.apply_moods(perf, parse("A faces left").schedule) is perf
    out = mood_layer.apply_moods(perf, parse("B is sad").schedule)
    assert np.array_equal(out.blendshapes["A"], perf.blendshapes["A"])
    assert out.blendshapes["B"][:, SHAPE["mouthFrownLeft"]].min() > 0.4
    assert perf.blendshapes["B"][0, SHAPE["mouthFrownLeft"]] == np.float32(0.1)  # the input is not changed


def test_the_job_check_validates_mood_words(tmp_path: Path):
    """batch --check reaches the staging parser (batch/checks.py staging_problems): mood typos and
    contradictions in a shot's staging file are named with the file, line and column."""
    from duet.batch.checks import staging_problems

    path = tmp_path / "sh010.txt"
    path.write_text(
        "Mara faces Theo\nTheo is anrgy from 1s to 3s\nMara smiles from 1s to 4s\n", encoding="utf-8"
    )
    assert staging_problems(path, NAMES) == [f"'{path}' line 2, col 9: 'anrgy': did you mean 'angry'?"]
    path.write_text("Mara smiles from 1s to 4s\nMara is sad from 2s to 5s\n", encoding="utf-8")
    (message,) = staging_problems(path, NAMES)
    assert message.startswith(f"'{path}' line 2, col 1: 'A is sad from 2s to 5s' contradicts")
    path.write_text("Mara smiles at 60% from 1s to 4s\nboth look surprised briefly at 5s\n", encoding="utf-8")
    assert staging_problems(path, None) == []  # names taken from the text (Mara, not a mood word)


SUBJECTS = ["A", "B", "Mara", "Theo", "both"]
PHRASES = [
    ("smiles", "smile"),
    ("frowns", "frown"),
    ("scowls", "scowl"),
    ("laughs", "laugh"),
    *((f"is {adj}", f"are {adj}") for adj in vocab.MOOD_ADJECTIVES),
    *((f"looks {adj}", f"look {adj}") for adj in ("surprised", "bored", "scared")),
    *((f"seems {adj}", f"seem {adj}") for adj in ("sad", "pensive")),
]
STRENGTHS = ["", "slightly", "a little", "very", "heartily", "at 60%", "at 15.5 percent", "100%"]
TIMES = ["", "at 2s", "from 1s to 3s", "for 2s", "briefly at 0:04", "until 5s", "from f24 to f48"]


@pytest.mark.parametrize("seed", range(3))
def test_written_moods_parse_and_describe_back(seed):
    """Mood directions built from the words (subjects, phrases, strengths, times) parse to the
    mood they name, or are refused with a located problem; describe() gives them back."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.sampled_from(SUBJECTS),
        st.sampled_from(PHRASES),
        st.sampled_from(STRENGTHS),
        st.sampled_from(TIMES),
    )
    def check(subject, phrase, strength, when):
        text = " ".join(w for w in (subject, phrase[int(subject == "both")], strength, when) if w)
        text = text if seed == 0 else text.upper() if seed == 1 else text.replace(" ", "  ")
        try:
            script = parse(text, names=NAMES)
        except StagingError as exc:
            # Only 'neutral' with a strength and a slowed laugh are refused, with a place.
            assert exc.errors[0].line == 1 and exc.errors[0].column >= 1
            assert "neutral" in text.lower() or "calm" in text.lower() or "expressionless" in text.lower()
            return
        (d,) = script.directions
        assert d.action in vocab.FACE_ACTIONS and len(d.roles) == (2 if subject == "both" else 1)
        assert parse(script.describe(), names=NAMES) == script

    check()
