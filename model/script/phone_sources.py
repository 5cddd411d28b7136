"""Where a script line's phones come from, in any language the script is written in.

English lines: the aligner's bundled dictionary, or letter-to-sound for words outside it; other
lines by their writing system: Latin and Cyrillic letters (latin_letters.py), Japanese kana
(kana.py), Chinese characters through their pinyin (hanzi.py), Hangul (hangul.py). Read by the lip
reader along them (read_lines.py) and aligned over the whole take (content.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from .text import Script, ScriptLine

ENGLISH_SHARE = 0.75  # of a script's (or a line's) words in the English dictionary: English


def script_is_english(script: Script) -> bool:
    """Most of the script's words are in the aligner's English dictionary (names and made-up
    words aside). A German or Czech script written in Latin letters is not, and is not aligned."""
    from . import english

    in_dictionary = getattr(english, "in_dictionary", None)
    words = [w for line in script.lines for w in line.words if any(ch.isalpha() for ch in w)]
    if in_dictionary is None or not words:
        return False
    sample = words[:: max(1, len(words) // 400)]  # a long script: a spread-out sample is enough
    return sum(bool(in_dictionary(w)) for w in sample) >= ENGLISH_SHARE * len(sample)


def english_like(line: ScriptLine) -> bool:
    """Written in ASCII letters (90 % or more): English words may be in it."""
    letters = [ch for w in line.words for ch in w if ch.isalpha()]
    return bool(letters) and sum(ch.isascii() for ch in letters) >= 0.9 * len(letters)


def aligner_available() -> bool:
    """pocketsphinx and its English dictionary are installed."""
    try:
        from . import english
    except ImportError:
        return False
    return bool(english.available())


def english_script(script: Script) -> bool:
    """The script is English and the aligner's dictionary is installed."""
    return aligner_available() and script_is_english(script)


def line_phones(line: ScriptLine, english_script: bool) -> list | None:
    """A line's phones (read_lines.LinePhone) from its text, or None when no source reads it.

    English (the script is English, or most of this line's words are in the dictionary): the
    bundled dictionary or letter-to-sound; Latin or Cyrillic letters: letter by letter
    (latin_letters.py); Japanese kana: mora by mora (kana.py); Chinese characters: through their
    pinyin (hanzi.py); Hangul: block by block (hangul.py). Other writing systems, and kanji mixed
    with kana, have none."""
    from . import hangul, hanzi, kana, latin_letters, read_lines

    lettered = [w for w in line.words if any(ch.isalpha() for ch in w)]
    if not lettered:
        return None
    if english_like(line) and (english_script or _english_line(lettered)):
        words = [english_pronunciation(w) for w in line.words]
    elif all(latin_letters.is_latin(w) for w in lettered):
        words = [latin_letters.phones(w) for w in line.words]
    elif all(latin_letters.is_cyrillic(w) for w in lettered):
        words = [latin_letters.cyrillic_phones(w) for w in line.words]
    elif all(kana.is_kana(w) for w in line.words):
        words = [kana.phones(w) for w in line.words]
    elif all(hanzi.is_hanzi(w) for w in line.words):
        words = [hanzi.phones(w) for w in line.words]
    elif all(hangul.is_hangul(w) for w in line.words):
        words = [hangul.phones(w) for w in line.words]
    else:
        return None
    phones = read_lines.line_phones([w for w in words if w])
    return phones or None


def _english_line(words: Sequence[str]) -> bool:
    """Most of a line's words are English (a line of English in a script of several languages)."""
    if not aligner_available():
        return False
    from . import english

    return sum(bool(english.in_dictionary(w)) for w in words) >= ENGLISH_SHARE * len(words)


def english_pronunciation(word: str) -> list[tuple[str, int]]:
    """(IPA, stress) of an English word: the dictionary, else letter-to-sound."""
    from . import english

    return [(english.to_ipa(a, stress), stress) for a, stress in english.pronounce(word)]
