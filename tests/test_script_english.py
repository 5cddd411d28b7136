"""English forced alignment (model/script/english.py) and its letter-to-sound fallback.

Real-speech checks read ../shared/eval/real (present in CI beside the checkout) and skip
when it is absent; the alignment checks skip where pocketsphinx is not installed.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duet.model.audio import resample
from duet.model.errors import InputError
from duet.model.script import english
from duet.model.script import letter_to_sound as lts

try:  # the phone table moves from the teacher to model/lips
    from duet.model.lips import phones as phone_table
except ImportError:  # pragma: no cover - older layout
    from duet.model.training.teacher import phones as phone_table

REAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "real"
needs_aligner = pytest.mark.skipif(not english.available(), reason="pocketsphinx is not installed here")
needs_real = pytest.mark.skipif(not (REAL / "aligned").is_dir(), reason="../shared/eval/real is not here")
JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
# Reference labels of the real recordings that are not plain ARPAbet -> ARPAbet.
_REFERENCE_LABELS = {
    "PT": ("P", "T"), "ə": ("AH",), "r": ("R",), "i": ("IY",), "o": ("OW",), "θ": ("DH",),
    "œ": ("AE",), "m": ("M",), "l": ("L",), "d": ("D",), "b": ("B",),
}  # fmt: skip
SENTENCES = {"bobby": "bobby ripped the ledger", "mary": "mary rolled the barrel"}


# -- letter to sound -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_letter_to_sound_never_fails_and_speaks_every_word_with_letters(text: str) -> None:
    phones = lts.spell(text)
    assert all(p in lts.PHONES for p, _s in phones), phones
    assert all(s in (0, 1, 2) and (s == 0 or p in lts.VOWELS) for p, s in phones), phones
    has_sound = any(ch.isalpha() or ch.isdigit() for ch in text)
    assert bool(phones) == has_sound, (text, phones)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_pronounce_never_fails(text: str) -> None:
    phones = english.pronounce(text)
    assert all(p in lts.PHONES for p, _s in phones)
    assert bool(phones) == any(ch.isalpha() or ch.isdigit() for ch in text)


@needs_aligner
@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=4))
def test_any_words_give_a_span_or_alignment_failed(words: list[str]) -> None:
    """Whatever the words (names, symbols, other scripts), never another exception."""
    rng = np.random.default_rng(len(words))
    audio = (0.02 * rng.standard_normal(24000)).astype(np.float32)
    try:
        span = english.align_words(audio, words)
    except english.AlignmentFailed:
        return
    assert [w.text for w in span.words] == [words[w.index] for w in span.words]
    assert 0.0 <= span.confidence <= 1.0


@needs_aligner
def test_a_word_outside_the_dictionary_said_twice_aligns() -> None:
    """Each unknown word is added to the decoder once: twice raised pocketsphinx's RuntimeError
    ("Failed to add word zo") out of generate(script=...)."""
    audio = (0.02 * np.random.default_rng(0).standard_normal(48000)).astype(np.float32)
    words = ["zo", "Zorblaxo", "zo", "Zorblaxo"]
    with contextlib.suppress(english.AlignmentFailed):  # noise: failing to find them is fine
        english.align_words(audio, words)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Theo", "TH IY OW"),
        ("Zorblax", "Z AO R B L AE K S"),
        ("cats", "K AE T S"),
        ("BBC", "B IY B IY S IY"),
        ("Ngozi", "NG AA Z IY"),
    ],
)
def test_letter_to_sound_reads_common_spellings(word: str, expected: str) -> None:
    assert " ".join(p for p, _s in lts.spell(word)) == expected


def test_spoken_parts_of_numbers_and_symbols() -> None:
    assert lts.spoken_parts("42") == ["forty", "two"]
    assert lts.spoken_parts("42nd") == ["forty", "second"]
    assert lts.spoken_parts("1999") == ["nineteen", "ninety", "nine"]
    assert lts.spoken_parts("3.5") == ["three", "point", "five"]
    assert lts.spoken_parts("100%") == ["one", "hundred", "percent"]
    assert lts.spoken_parts("007") == ["zero", "zero", "seven"]
    assert lts.spoken_parts("--") == []
    assert lts.spoken_parts("...") == []


def test_words_in_other_scripts_get_sounds() -> None:
    assert lts.fold("café") == "cafe"
    assert lts.fold("Привет") == "privet"
    assert lts.fold("Łukasz") == "lukasz"
    for word in ("東京", "ъ", "Ørsted", "ß"):
        assert lts.spell(word), word


def test_guessed_stress_falls_on_one_vowel_and_spares_function_words() -> None:
    stress = lts.guess_stress(["AH", "B", "AW", "T"])  # about
    assert stress == [0, 0, 1, 0]
    assert lts.guess_stress(["DH", "AH"], function_word=True) == [0, 0]
    assert lts.guess_stress(["K", "AE", "T"]) == [0, 1, 0]


# -- pronunciations and IPA ------------------------------------------------------------------------


def test_every_ipa_emitted_parses_in_the_lips_phone_table() -> None:
    known = set(phone_table.VOWELS) | set(phone_table._CONSONANTS)
    for arpabet in english.ARPABET_TO_IPA:
        for stress in (0, 1, 2):
            ipa = english.to_ipa(arpabet, stress)
            info = phone_table.phone_info(ipa)
            assert not info.is_silence, ipa
            assert all(part.letter in known for part in info.parts), (arpabet, ipa)
            assert info.is_vowel == (arpabet in lts.VOWELS), (arpabet, ipa)
    assert english.to_ipa("AH", 0) == "ə" and english.to_ipa("AH", 1) == "ʌ"
    assert english.to_ipa("ER", 0) == "ɚ" and english.to_ipa("ER", 1) == "ɝ"
    assert phone_table.is_bilabial_closure(english.to_ipa("M", 0))


@needs_aligner
def test_pronounce_uses_the_dictionary_and_spells_the_rest() -> None:
    assert [p for p, _s in english.pronounce("ledger")] == ["L", "EH", "JH", "ER"]
    assert english.pronounce("café") == english.pronounce("cafe")
    assert english.pronounce("42") == english.pronounce("forty") + english.pronounce("two")
    assert [p for p, _s in english.pronounce("Mara's")][-1] == "Z"
    assert english.in_dictionary("don't") and english.in_dictionary("Americans,")
    assert not english.in_dictionary("Zorblax")
    assert english.pronounce("—") == []
    assert sum(s == 1 for _p, s in english.pronounce("Americans")) == 1


# -- alignment -------------------------------------------------------------------------------------


def _read_real(name: str) -> np.ndarray:
    from duet.model.training.evaluate import read_wav

    x, rate = read_wav(REAL / "aligned" / name)
    return resample(x if x.ndim == 1 else x.mean(axis=1), rate, 16000)


def _reference_phones(name: str) -> list[tuple[str, float, float]]:
    from duet.model.training.evaluate import read_textgrid

    grid = "bobby_phones.TextGrid" if name == "bobby" else "mary.TextGrid"
    out = []
    for start, end, label in read_textgrid(REAL / "aligned" / grid)["phone"]:
        label = label.strip()
        if not label:
            continue
        parts = _REFERENCE_LABELS.get(label) or (re.sub(r"\d", "", label.upper()),)
        step = (end - start) / len(parts)
        out += [(p, start + k * step, start + (k + 1) * step) for k, p in enumerate(parts)]
    return out


def _boundary_errors(name: str) -> tuple[list[float], list[float]]:
    """(every matched phone start/end, those of p/b/m) aligned minus reference, seconds."""
    span = english.align_words(_read_real(f"{name}.wav"), SENTENCES[name].split())
    got = [(p.arpabet, p.start, p.end) for w in span.words for p in w.phones]
    ref = _reference_phones(name)
    matcher = difflib.SequenceMatcher(a=[r[0] for r in ref], b=[g[0] for g in got], autojunk=False)
    errors: list[float] = []
    bilabial: list[float] = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            r, g = ref[block.a + k], got[block.b + k]
            pair = [g[1] - r[1], g[2] - r[2]]
            errors += pair
            if r[0] in ("P", "B", "M"):
                bilabial += pair
    return errors, bilabial


@needs_aligner
@needs_real
def test_phone_boundaries_on_real_speech_match_the_reference() -> None:
    errors, bilabial = [], []
    for name in SENTENCES:
        e, b = _boundary_errors(name)
        errors += e
        bilabial += b
    errors_ms = np.abs(errors) * 1000
    bilabial_ms = np.abs(bilabial) * 1000
    median_ms = np.median(errors) * 1000
    print(f"real speech: {len(errors)} boundaries, mean error {errors_ms.mean():.1f} ms,")
    print(f"median signed {median_ms:+.1f} ms; p/b/m ({len(bilabial)}): {bilabial_ms.mean():.1f} ms")
    assert len(errors) >= 40  # most phones matched one to one
    assert errors_ms.mean() < 30.0  # measured 18.1 ms (the references agree among aligners to ~15-25)
    assert bilabial_ms.mean() < 30.0
    assert abs(np.median(errors)) < 0.015  # no systematic lead or lag


@needs_aligner
@needs_real
def test_right_words_are_confident_and_wrong_words_are_not() -> None:
    bobby, mary = _read_real("bobby.wav"), _read_real("mary.wav")
    right = english.align_words(bobby, SENTENCES["bobby"].split())
    assert right.confidence > 0.8 and min(w.confidence for w in right.words) > 0.5
    assert all(w.in_dictionary for w in right.words)
    noise = (0.05 * np.random.default_rng(0).standard_normal(3 * 16000)).astype(np.float32)
    for audio, words in ((bobby, SENTENCES["mary"]), (mary, SENTENCES["bobby"]), (noise, JFK_TEXT)):
        try:
            span = english.align_words(audio, words.split())
        except english.AlignmentFailed:
            continue  # the usual answer: the search cannot place these words in this audio
        assert span.confidence < 0.3, (words, span.confidence)


@needs_aligner
@needs_real
def test_names_outside_the_dictionary_align_like_the_words_they_sound_like() -> None:
    bobby = _read_real("bobby.wav")
    known = english.align_words(bobby, ["bobby", "ripped", "the", "ledger"])
    spelled = english.align_words(bobby, ["Bobbee", "ripped", "the", "Ledjer"])
    assert [w.in_dictionary for w in spelled.words] == [False, True, True, False]
    for a, b in zip(known.words, spelled.words, strict=True):
        assert abs(a.start - b.start) < 0.04 and abs(a.end - b.end) < 0.04, (a, b)
    assert spelled.confidence > 0.7


@needs_aligner
@needs_real
def test_other_speech_at_the_edges_of_the_span_is_left_out() -> None:
    """Half a second of another sentence either side: the words keep their times."""
    bobby, mary = _read_real("bobby.wav"), _read_real("mary.wav")
    core = bobby[round(0.065 * 16000) : round(1.117 * 16000)]  # the reference's speech
    alone = english.align_words(core, SENTENCES["bobby"].split())
    # the end of "the barrel" before, the start of "mary rolled" after
    mixed = np.concatenate([mary[16000 : 24000], core, mary[5120 : 13120]])  # fmt: skip
    span = english.align_words(mixed, SENTENCES["bobby"].split(), offset=-0.5)
    for a, b in zip(alone.words, span.words, strict=True):
        assert abs(a.start - b.start) < 0.05 and abs(a.end - b.end) < 0.05, (a, b)
    assert span.confidence > 0.5


@needs_aligner
@needs_real
def test_result_does_not_depend_on_earlier_calls() -> None:
    bobby, mary = _read_real("bobby.wav"), _read_real("mary.wav")
    first = english.align_words(mary, SENTENCES["mary"].split())
    english.align_words(bobby, SENTENCES["bobby"].split())
    loud = (0.3 * np.random.default_rng(0).standard_normal(16000)).astype(np.float32)
    with pytest.raises(english.AlignmentFailed):
        english.align_words(loud, ["hello"])
    assert english.align_words(mary, SENTENCES["mary"].split()) == first


@needs_aligner
@needs_real
def test_times_are_relative_to_the_audio_plus_offset() -> None:
    bobby = _read_real("bobby.wav")
    a = english.align_words(bobby, SENTENCES["bobby"].split())
    b = english.align_words(bobby, SENTENCES["bobby"].split(), offset=12.5)
    for wa, wb in zip(a.words, b.words, strict=True):
        assert wb.start == pytest.approx(wa.start + 12.5, abs=1e-9)
        for pa, pb in zip(wa.phones, wb.phones, strict=True):
            assert pb.end == pytest.approx(pa.end + 12.5, abs=1e-9)
    # Phones tile each word, words are in order, all inside the audio.
    for w in a.words:
        assert w.phones[0].start == w.start and w.phones[-1].end == w.end
        assert all(p.end == q.start for p, q in pairwise(w.phones))
    assert all(w.end <= v.start + 1e-9 for w, v in pairwise(a.words))
    assert 0.0 <= a.start < a.end <= len(bobby) / 16000 + english.FRAME_S


@needs_aligner
def test_bad_calls_get_clear_errors_never_pocketsphinx_ones() -> None:
    audio = np.zeros(16000, np.float32)
    with pytest.raises(InputError, match="1-D"):
        english.align_words(np.zeros((16000, 2), np.float32), ["hello"])
    with pytest.raises(InputError, match="sequence of words"):
        english.align_words(audio, "hello there")
    with pytest.raises(english.AlignmentFailed, match="letters or digits"):
        english.align_words(audio, ["--", "..."])
    with pytest.raises(english.AlignmentFailed, match="too short"):
        english.align_words(np.zeros(800, np.float32), ["hello"])
    with pytest.raises(english.AlignmentFailed, match="too short"):
        english.align_words(audio, ["supercalifragilisticexpialidocious"] * 3)
    nan = np.full(16000, np.nan, np.float32)
    with pytest.raises(english.AlignmentFailed):
        english.align_words(nan, ["hello", "there", "friend"])


@needs_aligner
@needs_real
def test_words_without_sound_are_skipped_and_the_rest_keep_their_index() -> None:
    bobby = _read_real("bobby.wav")
    span = english.align_words(bobby, ["—", "Bobby", "ripped", "...", "the", "ledger!"])
    assert [w.text for w in span.words] == ["Bobby", "ripped", "the", "ledger!"]
    assert [w.index for w in span.words] == [1, 2, 4, 5]


def test_available_is_false_without_pocketsphinx(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> tuple[str, str]:
        raise ImportError("No module named 'pocketsphinx'")

    monkeypatch.setattr(english, "_model_paths", missing)
    assert english.available.__wrapped__() is False
    # pronounce still answers, from the rules (the dictionary is inside pocketsphinx).
    monkeypatch.setattr(english, "available", lambda: False)
    assert [p for p, _s in english.pronounce("ledger")] == [p for p, _s in lts.spell("ledger")]
    with pytest.raises(english.AlignmentFailed, match="not installed"):
        english.align_words(np.zeros(16000, np.float32), ["hello"])


@pytest.mark.blender
@needs_aligner
@pytest.mark.skipif(not (REAL / "speech" / "jfk.flac").is_file(), reason="jfk.flac is not here")
def test_jfk_word_times_fall_on_the_words(bpy_module) -> None:
    """The 11 s speech, one line per phrase as a script would give it: every word's time holds
    speech, the long pauses between phrases hold none, and it runs well above real time."""
    from duet.addon.audio import read_audio

    voice = read_audio(REAL / "speech" / "jfk.flac", channels=1)
    audio = resample(voice.samples, voice.sample_rate, 16000)
    lines = [
        (0.0, 2.6, "And so my fellow Americans,"),
        (2.8, 8.0, "ask not what your country can do for you,"),
        (7.8, 11.0, "ask what you can do for your country."),
    ]
    words = []
    cpu = 0.0
    for start, end, text in lines:
        clip = audio[round(start * 16000) : round(end * 16000)]
        t0 = time.process_time()
        span = english.align_words(clip, text.split(), offset=start)
        cpu += time.process_time() - t0
        assert span.confidence > 0.5, (text, span.confidence)
        words += span.words
    assert " ".join(w.text for w in words) == JFK_TEXT
    assert all(a.end <= b.start + 1e-9 for a, b in pairwise(words))
    # Level (dB) in 10 ms frames: words are loud, gaps of 0.3 s or more between them are quiet.
    frames = audio[: len(audio) // 160 * 160].reshape(-1, 160)
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-10)
    in_words = np.concatenate([level[round(w.start * 100) : round(w.end * 100)] for w in words])
    gaps = [(a.end, b.start) for a, b in pairwise(words) if b.start - a.end >= 0.3]
    assert len(gaps) >= 3  # the phrase pauses (after "Americans", "ask not", "for you")
    in_gaps = np.concatenate([level[round(s * 100) + 5 : round(e * 100) - 5] for s, e in gaps])
    assert np.median(in_words) > np.median(in_gaps) + 15.0
    speed = (len(audio) / 16000) / cpu
    print(f"jfk: {speed:.0f}x real time on one core")
    assert speed > 5.0  # measured ~25-30x on the development machine (loaded); a floor, not the figure
