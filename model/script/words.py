"""Words and a rough syllable count of spoken text, for any script (Latin, Cyrillic, Hebrew, CJK...).

A word is a run of letters, digits and combining marks (the vowel signs of Hindi, the points
of Hebrew), with apostrophes inside it ("don't"); everything else separates words. The
syllable count is a duration prior for line placement, not phonology: vowel groups where the
script writes vowels, one per character where a character is a syllable (CJK, kana,
hangul), one per digit, and letters / 3 for words with none of those (abjads, "hmm").
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")
_ASCII_SYLLABLE = re.compile(r"[aeiouy]+|[0-9]")  # a vowel group or a digit
_ASCII_NO_VOWEL = re.compile(r"(?<!\S)[^\saeiouy0-9]+(?!\S)")  # a word without vowels or digits
_APOSTROPHES = frozenset("'’")
_VOWEL_GROUP = re.compile(r"[aeiouyæøœ]+|[аеёиоуыэюяіїє]+|[αεηιουω]+")
_DIGITS = re.compile(r"\d+")
_JOINERS = "\u200c\u200d"  # zero-width (non-)joiners sit inside Persian and Indic words


@functools.cache
def _unicode_word() -> re.Pattern[str]:
    """Word pattern for any text in the Basic Multilingual Plane: letters, digits, marks.

    Python's \\w leaves out combining marks, so the marks are listed once (built on first
    use: a few milliseconds, only when a script has non-ASCII text).
    """
    marks: list[str] = []
    start = prev = -2
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code))[0] == "M":
            if code != prev + 1:
                if start >= 0:
                    marks.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
                start = code
            prev = code
    marks.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
    char = f"(?:[^\\W_]|[{''.join(marks)}{_JOINERS}])"
    return re.compile(f"{char}+(?:['’]{char}+)*")


_CATEGORY: dict[str, str] = {}


def _word_char(ch: str) -> bool:
    cat = _CATEGORY.get(ch)
    if cat is None:
        cat = _CATEGORY[ch] = "L" if ch in _JOINERS else unicodedata.category(ch)[0]
    return cat in "LNM"


def _split_any(text: str) -> tuple[str, ...]:
    """split_words for text beyond the Basic Multilingual Plane (one character at a time)."""
    words: list[str] = []
    current: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        if _word_char(ch) or (ch in _APOSTROPHES and current and i + 1 < n and _word_char(text[i + 1])):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return tuple(words)


def split_words(text: str) -> tuple[str, ...]:
    """Word tokens of text as written: letters, digits and combining marks, with inner apostrophes."""
    if text.isascii():
        return tuple(_ASCII_WORD.findall(text))
    if max(text) > "\uffff":
        return _split_any(text)
    return tuple(_unicode_word().findall(text))


def is_kana(ch: str) -> bool:
    """Hiragana or katakana."""
    return 0x3040 <= ord(ch) <= 0x30FF


def is_han(ch: str) -> bool:
    """A CJK ideograph (unified, extension A, compatibility)."""
    code = ord(ch)
    return 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF


def _is_syllabic(ch: str) -> bool:
    """Characters written one a syllable: CJK ideographs, kana, hangul syllables."""
    return is_kana(ch) or is_han(ch) or 0xAC00 <= ord(ch) <= 0xD7AF


@functools.lru_cache(maxsize=65536)
def word_syllables(word: str) -> int:
    """Rough syllable count of one word: vowel groups (Latin, Greek, Cyrillic), one per CJK
    character, one per digit; a word with none of these counts its letters / 3 (at least 1)."""
    folded = word.lower()
    count = 0
    if not folded.isascii():
        count = sum(1 for c in folded if _is_syllabic(c))  # before NFD, which splits hangul into letters
        folded = "".join(c for c in unicodedata.normalize("NFD", folded) if unicodedata.category(c)[0] != "M")
    count += len(_VOWEL_GROUP.findall(folded)) + sum(len(d) for d in _DIGITS.findall(folded))
    if count:
        return count
    letters = sum(1 for c in folded if c.isalpha())
    return max(1, math.ceil(letters / 3))


def syllables(words: tuple[str, ...] | list[str]) -> int:
    """Rough syllable count of a line's words (the sum of word_syllables, faster for ASCII)."""
    if not words:
        return 0
    joined = " ".join(words).lower()
    if not joined.isascii():
        return sum(word_syllables(w) for w in words)
    count = len(_ASCII_SYLLABLE.findall(joined))
    for bare in _ASCII_NO_VOWEL.findall(joined):
        count += max(1, math.ceil(sum(1 for c in bare if c.isalpha()) / 3))
    return count


__all__ = ["split_words", "syllables", "word_syllables"]
