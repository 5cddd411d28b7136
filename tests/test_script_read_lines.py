"""Script lines whose words did not align, read by the lip reader along their own phones
(duet.model.script.read_lines, take.read_unaligned_lines, generation._with_lines)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from reader_probabilities import reader_probabilities
from script_alignments import script_alignment

from duet.model import spec
from duet.model.lips import mouth_classes as mc
from duet.model.performance import TakeLine
from duet.model.script import hanzi, parse_script, read_lines, take

FPS = 50.0
# "bob moved" as IPA phones per word
BOB_MOVED = [[("b", 1), ("ɑ", 1), ("b", 0)], [("m", 1), ("u", 1), ("v", 0), ("d", 0)]]


def _cls(ipa: str) -> int:
    return read_lines.line_phones([[(ipa, 1)]])[0].classes[0]


TRUE_RUNS = [  # (class, frames): a pause, "bob", a short pause, "moved", a pause
    (mc.SILENCE, 10),
    (_cls("b"), 4),
    (_cls("ɑ"), 8),
    (_cls("b"), 4),
    (mc.SILENCE, 5),
    (_cls("m"), 4),
    (_cls("u"), 9),
    (_cls("v"), 4),
    (_cls("d"), 3),
    (mc.SILENCE, 10),
]


def test_a_line_is_timed_along_its_own_phones():
    probs = reader_probabilities(TRUE_RUNS, np.random.default_rng(0))
    got = read_lines.read_line(probs, read_lines.line_phones(BOB_MOVED), 0.0, len(probs) / FPS, FPS)
    assert got is not None and got.ipa == ("b", "ɑ", "b", "m", "u", "v", "d")
    starts = np.cumsum([0] + [n for _, n in TRUE_RUNS])[:-1] / FPS
    truth = [starts[i] for i, (k, _) in enumerate(TRUE_RUNS) if k != mc.SILENCE]
    assert np.allclose(got.start, truth, atol=2.5 / FPS)
    assert got.fit_loss < read_lines.MAX_FIT_LOSS


def test_a_faint_seal_the_line_holds_is_not_missed_and_none_is_invented():
    """The reader hears the second b of "bob" only faintly (it leans to the vowel): read freely
    it is lost; read along the line's phones it is there, and no seal appears elsewhere."""
    rng = np.random.default_rng(1)
    probs = reader_probabilities(TRUE_RUNS, rng)
    faint = slice(22, 26)  # the second b
    probs[faint] = 0.25 / (mc.N_CLASSES - 2)
    probs[faint, _cls("ɑ")] = 0.45  # what the reader hears most ...
    probs[faint, mc.BILABIAL] = 0.3  # ... over a seal it half hears
    free = np.argmax(probs, axis=1)
    assert not (free[faint] == mc.BILABIAL).any()
    got = read_lines.read_line(probs, read_lines.line_phones(BOB_MOVED), 0.0, len(probs) / FPS, FPS)
    assert got is not None
    second_b = got.ipa.index("b", 1)
    assert abs(got.start[second_b] - faint.start / FPS) <= 2 / FPS
    assert got.ipa.count("b") + got.ipa.count("m") == 3


def test_a_span_too_short_for_the_line_is_not_read():
    probs = reader_probabilities([(mc.SILENCE, 4)], np.random.default_rng(2))
    assert read_lines.read_line(probs, read_lines.line_phones(BOB_MOVED), 0.0, 0.08, FPS) is None


def test_a_reading_of_other_words_fits_worse_than_the_line_itself():
    probs = reader_probabilities(TRUE_RUNS, np.random.default_rng(3))
    own = read_lines.read_line(probs, read_lines.line_phones(BOB_MOVED), 0.0, len(probs) / FPS, FPS)
    other = [[("s", 1), ("i", 1), ("t", 0)], [("k", 1), ("ɪ", 1), ("t", 0)]]  # "seat kit"
    wrong = read_lines.read_line(probs, read_lines.line_phones(other), 0.0, len(probs) / FPS, FPS)
    assert own is not None and wrong is not None
    assert wrong.fit_loss > read_lines.MAX_FIT_LOSS > own.fit_loss


def _alignment(lines: tuple[TakeLine, ...], n: int, worded=frozenset()) -> take.ScriptAlignment:
    return script_alignment(lines, n, worded_lines=frozenset(worded))


@pytest.mark.skipif(not take._aligner_available(), reason="needs the bundled English dictionary")
def test_only_sure_english_lines_without_aligned_words_are_read():
    script = parse_script("A: Bob moved.\nB: Bob moved.\nA: Bob moved.\n")
    probs = reader_probabilities(TRUE_RUNS * 3, np.random.default_rng(4))
    span = len(probs) / 3 / FPS
    lines = (
        TakeLine("A", "A", "Bob moved.", 0.0, span, 1, 0.9),
        TakeLine("B", "B", "Bob moved.", span, 2 * span, 2, 0.2),  # not sure of its place
        TakeLine("A", "A", "Bob moved.", 2 * span, 3 * span, 3, 0.9),  # its words aligned
    )
    got = take.read_unaligned_lines(_alignment(lines, len(probs), worded={3}), script, [probs], FPS)
    assert [len(got[r]) for r in spec.ROLES] == [1, 0]
    assert got["A"][0].start[0] < span and got["A"][0].ipa[0] == "b"
    set_aside = dataclasses.replace(_alignment(lines, len(probs)), anchor=None)
    assert not any(take.read_unaligned_lines(set_aside, script, [probs], FPS).values())


def test_lines_in_latin_letters_are_read_letter_by_letter_and_other_writing_systems_are_not():
    """A German line has no dictionary here: its letters give its mouth shapes ("Bob" seals
    twice). A line in Arabic letters is left to the lip reader's free reading."""
    script = parse_script("A: Bob zog um.\nB: بوب انتقل\n")
    probs = reader_probabilities(TRUE_RUNS * 2, np.random.default_rng(5))
    span = len(probs) / 2 / FPS
    lines = (
        TakeLine("A", "A", "Bob zog um.", 0.0, span, 1, 0.9),
        TakeLine("B", "B", "بوب انتقل", span, 2 * span, 2, 0.9),
    )
    got = take.read_unaligned_lines(_alignment(lines, len(probs)), script, [probs], FPS)
    assert len(got["A"]) == 1 and not got["B"]
    assert got["A"][0].ipa[:3] == ("b", "o", "b")


@pytest.mark.parametrize(
    ("word", "ipa"),
    [
        ("Schön", ["ʃ", "ø", "n"]),  # German trigraph and umlaut
        ("España", ["e", "s", "p", "a", "ɲ", "a"]),
        ("beaucoup", ["b", "o", "k", "u"]),  # French: eau, ou, a final p after ou is silent
        ("Wasser", ["v", "a", "s", "e", "r"]),  # German w; a doubled consonant is one
        ("garçon", ["g", "a", "r", "s", "o", "n"]),
        ("ボブ", []),  # not Latin letters
    ],
)
def test_latin_letters_give_a_words_mouth_shapes(word, ipa):
    from duet.model.script import latin_letters

    assert [p for p, _ in latin_letters.phones(word)] == ipa


def test_a_read_line_replaces_the_free_reading_over_its_span_only():
    from duet.model import generation

    free = (["a", "p", "a", "t", "a"], [0.0, 0.2, 0.4, 1.2, 1.4], [0.2, 0.4, 0.6, 1.4, 1.6], [1, 0, 1, 0, 1])
    line = read_lines.ReadPhones(("b", "ɑ", "b"), (0.1, 0.2, 0.5), (0.2, 0.5, 0.6), (1, 1, 0), 0.2)
    ipa, start, end, stress, spans = generation._with_lines(*free, [(0.0, 0.6), (1.2, 1.6)], [line])
    kept = [(p, s) for p, s in zip(ipa, start, strict=True) if s >= 1.0]
    assert kept == [("t", 1.2), ("a", 1.4)]  # outside the line: the free reading
    assert sorted(p for p, s in zip(ipa, start, strict=True) if s < 1.0) == ["b", "b", "ɑ"]
    assert (0.1, 0.6) in spans and len(ipa) == len(start) == len(end) == len(stress)


@pytest.mark.parametrize(
    ("word", "ipa"),
    [
        ("すずきさん", ["s", "ɯ", "z", "ɯ", "k", "i", "s", "a", "n"]),
        ("ぶちょう", ["b", "ɯ", "tʃ", "j", "o", "o"]),  # a small yo; ou is a long o
        ("けっこん", ["k", "e", "k", "o", "n"]),  # the small tsu holds the next consonant
        ("パン", ["p", "a", "n"]),  # katakana
        ("ふうん", ["ɸ", "ɯ", "ɯ", "n"]),
        ("東京", []),  # kanji: no reading here
    ],
)
def test_kana_give_a_words_mouth_shapes(word, ipa):
    from duet.model.script import kana

    assert [p for p, _ in kana.phones(word)] == ipa


@pytest.mark.parametrize(
    ("syllable", "ipa"),
    [
        ("ba", ["p", "a"]),  # pinyin b is unaspirated p: the lips seal either way
        ("ma", ["m", "a"]),
        ("zhong", ["ʈʂ", "ʊ", "ŋ"]),  # -ong rounds
        ("shi", ["ʂ", "ɨ"]),  # after a sibilant, i is no /i/
        ("xue", ["ɕ", "y", "ɛ"]),  # after x, u is ü
        ("wo", ["w", "o"]),
        ("you", ["j", "oʊ"]),
        ("wei", ["w", "eɪ"]),
        ("lü", ["l", "y"]),
        ("er", ["ɚ"]),
        ("qx", []),  # not a syllable
    ],
)
def test_pinyin_syllables_give_their_mouth_shapes(syllable, ipa):
    assert hanzi.syllable_phones(syllable) == ipa


@pytest.mark.skipif(not hanzi.available(), reason="needs pypinyin")
def test_chinese_words_go_through_their_pinyin():
    assert [p for p, _ in hanzi.phones("吃饭")] == ["ʈʂ", "ɨ", "f", "a", "n"]
    assert [p for p, _ in hanzi.phones("面包")] == ["m", "j", "ɛ", "n", "p", "aʊ"]
    assert hanzi.phones("bob") == [] and hanzi.phones("パン") == []


@pytest.mark.parametrize(
    ("word", "ipa"),
    [
        ("мама", ["m", "a", "m", "a"]),
        ("номер", ["n", "o", "m", "e", "r"]),  # after a consonant, е has no j of its own
        ("объём", ["o", "b", "j", "o", "m"]),  # after the hard sign it has
        ("ёлка", ["j", "o", "l", "k", "a"]),
        ("Bob", []),
    ],
)
def test_cyrillic_letters_give_a_words_mouth_shapes(word, ipa):
    from duet.model.script import latin_letters

    assert [p for p, _ in latin_letters.cyrillic_phones(word)] == ipa


def test_on_stems_each_line_is_read_on_its_own_characters_stem():
    """B's line is read on B's stem: there "bob moved" is heard; A's stem is silent there, and
    a reading of silence as "bob moved" does not fit."""
    script = parse_script("A: Bob zog um.\nB: Bob zog um.\n")
    rng = np.random.default_rng(6)
    heard = reader_probabilities(TRUE_RUNS, rng)
    silent = reader_probabilities([(mc.SILENCE, len(heard))], rng, clarity=6.0)
    span = len(heard) / FPS
    lines = (TakeLine("B", "B", "Bob zog um.", 0.0, span, 2, 0.9),)
    got = take.read_unaligned_lines(_alignment(lines, len(heard)), script, [silent, heard], FPS)
    assert len(got["B"]) == 1 and got["B"][0].ipa[0] == "b"
    swapped = take.read_unaligned_lines(_alignment(lines, len(heard)), script, [heard, silent], FPS)
    assert not swapped["B"]


@pytest.mark.parametrize(
    ("word", "ipa"),
    [
        ("밥", ["p", "a", "p"]),  # initial, vowel and final of one block
        ("물", ["m", "u", "l"]),
        ("뭐", ["m", "w", "ʌ"]),
        ("안녕", ["a", "n", "n", "j", "ʌ", "ŋ"]),  # a silent initial
        ("bob", []),
    ],
)
def test_hangul_blocks_give_a_words_mouth_shapes(word, ipa):
    from duet.model.script import hangul

    assert [p for p, _ in hangul.phones(word)] == ipa
