"""Rough phones of a word written in Japanese kana, for reading its lips (read_lines.py).

Each kana is a mora whose sound its Unicode name spells (HIRAGANA LETTER MA, KATAKANA LETTER PA,
SMALL YO), so the syllabary needs no table of its own: the romanisation is read with a few
Japanese values (u is unrounded, hu is a bilabial fricative, si/ti/tu are sibilants). Kanji have
no reading here: a line with kanji keeps the lip reader's free reading.
"""

from __future__ import annotations

import unicodedata

_VOWELS = {"a": "a", "i": "i", "u": "ɯ", "e": "e", "o": "o"}
_CONSONANTS = {
    "k": "k",
    "g": "g",
    "s": "s",
    "z": "z",
    "t": "t",
    "d": "d",
    "n": "n",
    "h": "h",
    "b": "b",
    "p": "p",
    "m": "m",
    "y": "j",
    "r": "ɾ",
    "w": "w",
    "v": "v",
}
_SPECIAL = {
    "si": ("ʃ", "i"),
    "zi": ("ʒ", "i"),
    "di": ("ʒ", "i"),
    "ti": ("tʃ", "i"),
    "tu": ("ts", "ɯ"),
    "hu": ("ɸ", "ɯ"),
}
_PROLONG = "\u30fc"  # ー: the vowel before lasts longer


def _mora(ch: str) -> tuple[str, bool] | None:
    """(romanisation, small) of one kana; None for anything else."""
    name = unicodedata.name(ch, "")
    for prefix in ("HIRAGANA LETTER ", "KATAKANA LETTER "):
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            small = rest.startswith("SMALL ")
            return rest.removeprefix("SMALL ").lower(), small
    return None


def is_kana(word: str) -> bool:
    """Every character of the word is a kana (or the prolonged sound mark)."""
    chars = [ch for ch in word if not ch.isspace()]
    return bool(chars) and all(ch == _PROLONG or _mora(ch) is not None for ch in chars)


def phones(word: str) -> list[tuple[str, int]]:
    """(IPA, stress) of a word in kana; [] when it holds anything else."""
    if not is_kana(word):
        return []
    out: list[str] = []
    for ch in word:
        if ch == _PROLONG:
            if out and out[-1] in _VOWELS.values():
                out.append(out[-1])
            continue
        mora = _mora(ch)
        assert mora is not None
        roman, small = mora
        if roman == "tu" and small:  # っ: the next consonant is held; its closure is the next mora's
            continue
        if small and roman in ("ya", "yu", "yo") and out and out[-1] == "i":
            out[-1] = "j"  # きょ: k + yo
            out.append(_VOWELS[roman[1]])
            continue
        if small and roman in _VOWELS and out and out[-1] in _VOWELS.values():
            out[-1] = _VOWELS[roman]  # ヴァ, ファ: the small vowel replaces the mora's own
            continue
        if roman == "u" and out and out[-1] == "o":
            out.append("o")  # こう: a long o
            continue
        if roman == "n":
            out.append("n")
            continue
        if roman in _SPECIAL:
            out += _SPECIAL[roman]
            continue
        consonant, vowel = roman[:-1], roman[-1:]
        if vowel not in _VOWELS:
            continue
        if consonant:
            ipa = _CONSONANTS.get(consonant[-1])
            if ipa is None:
                continue
            out.append(ipa)
        out.append(_VOWELS[vowel])
    vowels = set(_VOWELS.values())
    return [(p, 1 if p in vowels else 0) for p in out]
