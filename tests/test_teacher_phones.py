"""IPA parsing of the teacher: classes, closures, diphthongs, diacritics."""

from __future__ import annotations

import importlib

import pytest

from duet.model.lips import phones as ph


@pytest.mark.parametrize("ipa", ["p", "b", "m", "pʰ", "mː", "m̩", "b̥", "ɓ", "ˈp", "pʲ"])
def test_bilabial_stops_and_nasals_need_closure(ipa: str) -> None:
    assert ph.is_bilabial_closure(ipa)


@pytest.mark.parametrize("ipa", ["f", "v", "ɸ", "β", "w", "ɱ", "pf", "t", "a", "ʃ", "sil", ""])
def test_other_phones_do_not_close_the_lips(ipa: str) -> None:
    assert not ph.is_bilabial_closure(ipa)


def test_diphthongs_and_affricates_split_into_parts() -> None:
    ai = ph.phone_info("aɪ")
    assert [p.letter for p in ai.parts] == ["a", "ɪ"]
    assert ai.fractions[0] > ai.fractions[1] and abs(sum(ai.fractions) - 1.0) < 1e-9
    tsh = ph.phone_info("tʃ")
    assert [p.cls for p in tsh.parts] == [ph.ALVEOLAR, ph.POSTALVEOLAR]
    assert [p.letter for p in ph.phone_info("ʧ").parts] == ["t", "ʃ"]  # ligature


def test_diacritics_are_ignored_except_labialisation() -> None:
    assert ph.phone_info("ɑ̃").parts[0].letter == "ɑ"  # nasal vowel
    assert ph.phone_info("ˈaː").parts[0].letter == "a"  # stress and length
    assert ph.phone_info("kʷ").parts[0].labialised
    assert not ph.phone_info("k").parts[0].labialised


def test_rounded_and_spread_vowels() -> None:
    for v in ["u", "uː", "o", "ɔ", "y", "ʊ", "w", "oʊ"]:
        assert ph.is_rounded_vowel(v), v
    for v in ["i", "ɪ", "e", "ɛ", "iː"]:
        assert ph.is_spread_vowel(v), v
        assert not ph.is_rounded_vowel(v), v


def test_silence_and_unknown_symbols() -> None:
    for s in ["", "sil", "sp", "pau", "_"]:
        assert ph.is_silence(s)
    unknown = ph.phone_info("Q")  # not an IPA letter: parsed as a consonant without lip gesture
    assert not unknown.is_silence and not unknown.is_bilabial_closure
    assert ph.is_silence("ˈ")  # nothing but a stress mark


def test_speech_inventory_parses_when_present() -> None:
    """Every phone the speech side can emit must be understood here."""
    try:
        ipa = importlib.import_module("duet.model.training.speech.ipa")
    except ModuleNotFoundError:
        pytest.skip("duet.model.training.speech.ipa not built yet")
    inventory = next(
        (
            getattr(ipa, name)
            for name in ("PHONES", "INVENTORY", "IPA_PHONES", "ALL_PHONES")
            if hasattr(ipa, name)
        ),
        None,
    )
    if inventory is None:
        pytest.skip("speech.ipa exposes no phone inventory constant")
    for phone in inventory:
        info = ph.phone_info(str(phone))
        assert info.parts, phone
