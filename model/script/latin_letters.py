"""Rough phones of a word in a Latin-script (or Cyrillic) language other than English, for its lips.

The lip reader reads mouth classes (lips/mouth_classes.py), not phonemes: what matters is where the
lips seal (p b m), touch the teeth (f v), round (o u ö ü) or open wide (a). Across the languages
written in Latin letters those follow the spelling closely, so a short table of letters and
digraphs shared by French, German, Spanish, Italian, Portuguese, Dutch and Czech gives the order of
mouth shapes a line makes, without knowing which of them it is in. Where the languages disagree
(German w is v, French final consonants are silent, Spanish v is b) the common or harmless reading
is taken; read_lines drops a line whose reading does not fit what the lip reader hears. Cyrillic
is read the same way, letter by letter (Russian, Ukrainian, Belarusian, Bulgarian, Serbian).
"""

from __future__ import annotations

import unicodedata

# Longest first: digraphs and trigraphs before single letters.
_SPELLINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tsch", ("tʃ",)),
    ("sch", ("ʃ",)),
    ("eau", ("o",)),
    ("ph", ("f",)),
    ("th", ("t",)),
    ("sh", ("ʃ",)),
    ("ch", ("ʃ",)),
    ("qu", ("k",)),
    ("gn", ("ɲ",)),
    ("nh", ("ɲ",)),
    ("lh", ("ʎ",)),
    ("ng", ("ŋ",)),
    ("ou", ("u",)),
    ("au", ("aʊ",)),
    ("ai", ("ɛ",)),
    ("ei", ("aɪ",)),
    ("ie", ("i",)),
    ("eu", ("ø",)),
    ("oe", ("ø",)),
    ("ij", ("ɛɪ",)),
    ("oo", ("o",)),
    ("ee", ("e",)),
)
_LETTERS: dict[str, tuple[str, ...]] = {
    "a": ("a",),
    "b": ("b",),
    "c": ("k",),
    "d": ("d",),
    "e": ("e",),
    "f": ("f",),
    "g": ("g",),
    "h": (),  # silent in most of them; a glottal h takes its neighbours' shape anyway
    "i": ("i",),
    "j": ("j",),
    "k": ("k",),
    "l": ("l",),
    "m": ("m",),
    "n": ("n",),
    "o": ("o",),
    "p": ("p",),
    "q": ("k",),
    "r": ("r",),
    "s": ("s",),
    "t": ("t",),
    "u": ("u",),
    "v": ("v",),
    "w": ("v",),
    "x": ("k", "s"),
    "y": ("i",),
    "z": ("z",),
    "ß": ("s",),
    "ç": ("s",),
    "ñ": ("ɲ",),
    "ä": ("ɛ",),
    "æ": ("ɛ",),
    "ö": ("ø",),
    "ø": ("ø",),
    "œ": ("œ",),
    "ü": ("y",),
    "å": ("o",),
    "ð": ("ð",),
    "þ": ("θ",),
    "ł": ("w",),
}
# Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian): close to one letter, one sound.
# The soft and hard signs only colour the consonant before them; iotated vowels start with a j.
_CYRILLIC: dict[str, tuple[str, ...]] = {
    "а": ("a",),
    "б": ("b",),
    "в": ("v",),
    "г": ("g",),
    "ґ": ("g",),
    "д": ("d",),
    "е": ("j", "e"),
    "є": ("j", "e"),
    "ё": ("j", "o"),
    "ж": ("ʒ",),
    "з": ("z",),
    "и": ("i",),
    "і": ("i",),
    "ї": ("j", "i"),
    "й": ("j",),
    "ј": ("j",),
    "к": ("k",),
    "л": ("l",),
    "љ": ("l",),
    "м": ("m",),
    "н": ("n",),
    "њ": ("n",),
    "о": ("o",),
    "п": ("p",),
    "р": ("r",),
    "с": ("s",),
    "т": ("t",),
    "ћ": ("tʃ",),
    "ђ": ("dʒ",),
    "у": ("u",),
    "ў": ("w",),
    "ф": ("f",),
    "х": ("x",),
    "ц": ("ts",),
    "ч": ("tʃ",),
    "џ": ("dʒ",),
    "ш": ("ʃ",),
    "щ": ("ʃ",),
    "ъ": (),
    "ы": ("ɨ",),
    "ь": (),
    "э": ("e",),
    "ю": ("j", "u"),
    "я": ("j", "a"),
}
_CYRILLIC_NO_CONSONANT = frozenset("аеёиіїоуыэюяєъьй")  # a j-vowel after these keeps its j
_VOWEL_LETTERS = frozenset("aeiouyäæöøœüå")
_SOFTENING = frozenset("eiy")  # c before these is s, g is a postalveolar


def _base(ch: str) -> str:
    """A letter without its accents, except the letters the table knows as they are."""
    if ch in _LETTERS:
        return ch
    decomposed = unicodedata.normalize("NFD", ch)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    if bare in ("o", "u") and "\u0308" in decomposed:  # ö ü written with a combining diaeresis
        return {"o": "ö", "u": "ü"}[bare]
    return bare


def is_latin(word: str) -> bool:
    """Every letter of the word is a Latin letter (accents allowed)."""
    letters = [ch for ch in word if ch.isalpha()]
    return bool(letters) and all("LATIN" in unicodedata.name(ch, "") for ch in letters)


def is_cyrillic(word: str) -> bool:
    """Every letter of the word is a Cyrillic letter."""
    letters = [ch for ch in word if ch.isalpha()]
    return bool(letters) and all("CYRILLIC" in unicodedata.name(ch, "") for ch in letters)


def cyrillic_phones(word: str) -> list[tuple[str, int]]:
    """(IPA, stress) of a word in Cyrillic letters read one by one; [] for other words."""
    if not is_cyrillic(word):
        return []
    out: list[str] = []
    previous = ""
    for ch in unicodedata.normalize("NFC", word.lower()):
        sounds = _CYRILLIC.get(ch, ())
        if len(sounds) == 2 and sounds[0] == "j" and previous and previous not in _CYRILLIC_NO_CONSONANT:
            sounds = sounds[1:]  # after a consonant the vowel softens it instead: no j of its own
        out += sounds
        previous = ch
    return [(p, 1 if _is_vowel(p) else 0) for p in out]


def phones(word: str) -> list[tuple[str, int]]:
    """(IPA, stress) of a word read letter by letter; [] when it is not written in Latin letters.
    Stress: 1 on every vowel (the lips of a vowel do not depend on it)."""
    if not is_latin(word):
        return []
    text = "".join(_base(ch) for ch in word.lower() if ch.isalpha())
    out: list[str] = []
    i = 0
    while i < len(text):
        rest = text[i:]
        for spelling, ipa in _SPELLINGS:
            if rest.startswith(spelling):
                out += ipa
                i += len(spelling)
                break
        else:
            ch = text[i]
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if ch == nxt and ch not in _VOWEL_LETTERS:  # a doubled consonant is one
                i += 1
                continue
            if ch == "c" and nxt in _SOFTENING:
                out.append("s")
            elif ch == "g" and nxt in _SOFTENING:
                out.append("ʒ")
            elif ch == "p" and not nxt and i > 0 and text[i - 1] in "ou":
                pass  # French "trop", "coup": a final p after o/u is silent
            else:
                out += _LETTERS.get(ch, ())
            i += 1
    return [(p, 1 if _is_vowel(p) else 0) for p in out]


def _is_vowel(ipa: str) -> bool:
    return ipa[0] in "aeiouyøœɛəɔɪʊ"
