"""Rough phones of a Korean word written in Hangul, for reading its lips (read_lines.py).

A Hangul syllable block encodes its initial consonant, vowel and final consonant in its code
point (U+AC00 + (initial x 21 + vowel) x 28 + final), so each block is read from three small
tables. Sound changes across blocks (liaison, assimilation) are not applied: they rarely move
the lips from one mouth class to another.
"""

from __future__ import annotations

_FIRST, _LAST = 0xAC00, 0xD7A3
_INITIALS = ("k", "k", "n", "t", "t", "ɾ", "m", "p", "p", "s", "s", "", "tʃ", "tʃ", "tʃ", "k", "t", "p", "h")
_VOWELS = (
    ("a",),
    ("ɛ",),
    ("j", "a"),
    ("j", "ɛ"),
    ("ʌ",),
    ("e",),
    ("j", "ʌ"),
    ("j", "e"),
    ("o",),
    ("w", "a"),
    ("w", "ɛ"),
    ("w", "e"),
    ("j", "o"),
    ("u",),
    ("w", "ʌ"),
    ("w", "e"),
    ("w", "i"),
    ("j", "u"),
    ("ɯ",),
    ("ɯ", "i"),
    ("i",),
)
_FINALS = (
    "",
    "k",
    "k",
    "k",
    "n",
    "n",
    "n",
    "t",
    "l",
    "k",
    "m",
    "l",
    "l",
    "l",
    "p",
    "l",
    "m",
    "p",
    "p",
    "t",
    "t",
    "ŋ",
    "t",
    "t",
    "k",
    "t",
    "p",
    "t",
)
_VOWEL_SOUNDS = frozenset(v for sounds in _VOWELS for v in sounds if v not in ("j", "w"))


def is_hangul(word: str) -> bool:
    """Every character of the word is a Hangul syllable block."""
    chars = [ch for ch in word if not ch.isspace()]
    return bool(chars) and all(_FIRST <= ord(ch) <= _LAST for ch in chars)


def phones(word: str) -> list[tuple[str, int]]:
    """(IPA, stress) of a word in Hangul syllables; [] when it holds anything else."""
    if not is_hangul(word):
        return []
    out: list[str] = []
    for ch in word:
        index = ord(ch) - _FIRST
        initial, rest = divmod(index, 21 * 28)
        vowel, final = divmod(rest, 28)
        if _INITIALS[initial]:
            out.append(_INITIALS[initial])
        out += _VOWELS[vowel]
        if _FINALS[final]:
            out.append(_FINALS[final])
    return [(p, 1 if p in _VOWEL_SOUNDS else 0) for p in out]
