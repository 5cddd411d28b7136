"""English letter-to-sound: a pronunciation (ARPAbet with stress) for any word.

The forced aligner needs phones for every word of a script line, and scripts
are full of words no dictionary holds: character names ("Mara", "Theo"),
made-up words, numbers, accented spellings. This module guesses them with
ordered English spelling rules (consonant clusters, vowel teams, r-coloured
vowels, the silent final e that lengthens the vowel before it), good enough
for alignment: the aligner only needs the sounds roughly in order.

    spell("Mara")          # [("M", 0), ("AA", 1), ("R", 0), ("AH", 0)]
    spoken_parts("42nd")   # ["forty", "second"]
    guess_stress(["AH", "M", "EH", "R", "AH", "K", "AH", "N", "Z"])

Total by design: any text with at least one letter gives at least one phone;
text without letters or digits gives none (nothing to say). Only the 39
phones of the CMU dictionary / pocketsphinx en-us model are produced.
"""

from __future__ import annotations

import re
import unicodedata

VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})
CONSONANTS = frozenset(
    {"B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P", "R", "S", "SH", "T", "TH"}
    | {"V", "W", "Y", "Z", "ZH"}
)
PHONES = VOWELS | CONSONANTS

# Letters outside a-z: what they sound like to an English reader. Accents are
# removed by decomposition first (é -> e); these are the letters that do not decompose.
_SPECIAL_LETTERS = {
    "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "th", "þ": "th",
    "ı": "i", "ŋ": "ng", "ħ": "h", "ĸ": "k", "ſ": "s", "ə": "e",
}  # fmt: skip
# Greek and Cyrillic letters: common romanisations, so names written in them still get sounds.
_TRANSLITERATION = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "i", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi",
    "є": "ye", "ґ": "g",
}  # fmt: skip
# A letter of any other script (CJK, Arabic, ...) stands for one neutral syllable.
_OTHER_LETTER = "a"

# Names of the letters, for words made only of letters that spell nothing (and acronyms).
LETTER_NAMES: dict[str, tuple[str, ...]] = {
    "a": ("EY",), "b": ("B", "IY"), "c": ("S", "IY"), "d": ("D", "IY"), "e": ("IY",),
    "f": ("EH", "F"), "g": ("JH", "IY"), "h": ("EY", "CH"), "i": ("AY",), "j": ("JH", "EY"),
    "k": ("K", "EY"), "l": ("EH", "L"), "m": ("EH", "M"), "n": ("EH", "N"), "o": ("OW",),
    "p": ("P", "IY"), "q": ("K", "Y", "UW"), "r": ("AA", "R"), "s": ("EH", "S"), "t": ("T", "IY"),
    "u": ("Y", "UW"), "v": ("V", "IY"), "w": ("D", "AH", "B", "AH", "L", "Y", "UW"),
    "x": ("EH", "K", "S"), "y": ("W", "AY"), "z": ("Z", "IY"),
}  # fmt: skip

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINALS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip
_SYMBOL_WORDS = {"%": "percent", "&": "and", "+": "plus", "@": "at"}

# Words of one syllable that are usually unstressed in speech (their vowel reduces).
FUNCTION_WORDS = frozenset(
    "a an the of to and or but as at by for from in on with is are was were be been am do does "
    "did has have had i you he she it we they me him her us them my your his its our their that "
    "than then there this these those can could will would shall should may might must not no "
    "so if when what who how just into onto upon".split()
)


def fold(text: str) -> str:
    """Lower-case ASCII spelling of a word: accents removed, other scripts romanised.

    Keeps letters, digits, apostrophes, hyphens and periods (the dictionary
    has "don't", "twenty-one", "mr."); other symbols become spaces, except
    the few that are read out ("%" -> " percent ").
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", str(text)).lower():
        if "a" <= ch <= "z" or "0" <= ch <= "9" or ch in "'-.":
            out.append(ch)
        elif ch in "’‘ʼ`´":
            out.append("'")
        elif ch in "‐‑‒–—":
            out.append("-")
        elif ch in _SYMBOL_WORDS:
            out.append(f" {_SYMBOL_WORDS[ch]} ")
        elif ch in _SPECIAL_LETTERS:
            out.append(_SPECIAL_LETTERS[ch])
        elif ch in _TRANSLITERATION:
            out.append(_TRANSLITERATION[ch])
        elif ch.isalpha() or ch.isdigit():
            base = unicodedata.normalize("NFKD", ch)[0].lower()
            if "a" <= base <= "z" or "0" <= base <= "9":
                out.append(base)
            elif base in _SPECIAL_LETTERS or base in _TRANSLITERATION:
                out.append(_SPECIAL_LETTERS.get(base) or _TRANSLITERATION[base])
            elif ch.isdigit():
                digit = unicodedata.digit(ch, None)
                out.append(str(digit) if digit is not None else " ")
            else:
                out.append(_OTHER_LETTER)
        elif unicodedata.combining(ch):
            continue
        else:
            out.append(" ")
    return "".join(out)


def number_words(digits: str) -> list[str]:
    """Words for a run of digits: "42" -> forty two; long runs and leading zeros digit by digit."""
    if not digits.isdigit():
        raise ValueError(f"number_words takes digits only, got {digits!r}")
    if len(digits) > 12 or (len(digits) > 1 and digits[0] == "0"):
        return [_ONES[int(d)] for d in digits]
    n = int(digits)
    if len(digits) == 4 and (1100 <= n <= 1999 or 2010 <= n <= 2099) and n % 100:
        # Read as a year, in pairs: 1999 -> nineteen ninety nine, 1905 -> nineteen oh five.
        tail = _below_thousand(n % 100)
        return _below_thousand(n // 100) + (["oh"] if n % 100 < 10 else []) + tail
    if n == 0:
        return ["zero"]
    words: list[str] = []
    for scale, name in _SCALES:
        if n >= scale:
            words += [*_below_thousand(n // scale), name]
            n %= scale
    if n:
        words += _below_thousand(n)
    return words


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10])
        n %= 10
        if n:
            words.append(_ONES[n])
    elif n:
        words.append(_ONES[n])
    return words


def _ordinal(word: str) -> str:
    if word in _ORDINALS:
        return _ORDINALS[word]
    if word.endswith("y"):
        return word[:-1] + "ieth"
    return word + "th"


def spoken_parts(word: str) -> list[str]:
    """The pieces of one written word to look up or spell, in spoken order.

    "42nd" -> ["forty", "second"]; "3.5" -> ["three", "point", "five"];
    "Mara's" -> ["mara's"]; "well-known" -> ["well", "known"]; "--" -> [].
    The whole word is one piece when it is plain letters (the caller tries
    the dictionary on the whole word first, e.g. "twenty-one", "mr.").
    """
    if not any(ch.isalpha() or ch.isdigit() for ch in word):
        return []  # punctuation and symbols alone ("--", "&") are not read
    parts: list[str] = []
    for chunk in re.split(r"[\s\-]+", fold(word)):
        # Digits with an ordinal suffix, decimals, digits, then letters (with inner apostrophes).
        for m in re.finditer(r"(\d+)(st|nd|rd|th)\b|\d+(?:\.\d+)?|[a-z](?:[a-z'.]*[a-z])?", chunk):
            if m.group(1):
                words = number_words(m.group(1))
                parts += words[:-1] + [_ordinal(words[-1])]
            elif m.group(0)[0].isdigit():
                whole, _, frac = m.group(0).partition(".")
                parts += number_words(whole)
                if frac:
                    parts += ["point"] + [_ONES[int(d)] for d in frac]
            else:
                parts.append(m.group(0))
    # Letters that fold to nothing (a lone Cyrillic hard sign) still make a sound.
    return parts or [_OTHER_LETTER]


# --- spelling rules --------------------------------------------------------------------------------
# Each rule: (letters, left context, right context, phones). Contexts are regular
# expressions matched against the text just before / just after the letters ("#" marks
# the word's edges). Rules are tried in order for the letters at the cursor; the first
# that matches wins, so special cases come before general ones.
_V = "[aeiouy]"
_C = "[bcdfghjklmnpqrstvwxz]"
_RULES: dict[str, list[tuple[str, str, str, tuple[str, ...]]]] = {}


def _rule(letters: str, left: str, right: str, phones: str) -> None:
    _RULES.setdefault(letters[0], []).append((letters, left, right, tuple(phones.split())))


for _spec in (
    # consonant groups
    ("tch", "", "", "CH"), ("sch", "", "", "S K"), ("ch", "", "", "CH"), ("sh", "", "", "SH"),
    ("ph", "", "", "F"), ("th", "", "", "TH"), ("ck", "", "", "K"), ("ng", "", "[eiy]", "N JH"),
    ("ng", "", "", "NG"), ("nk", "", "", "NG K"), ("qu", "", "", "K W"), ("q", "", "", "K"),
    ("wh", "", "", "W"), ("wr", "#", "", "R"), ("kn", "#", "", "N"), ("gn", "#", "", "N"),
    ("gn", "", "#", "N"), ("mb", "", "#", "M"), ("gh", "#", "", "G"), ("gh", "", "", ""),
    ("dg", "", "", "JH"), ("tion", "", "", "SH AH N"), ("sion", f"{_V}", "", "ZH AH N"),
    ("sion", "", "", "SH AH N"), ("cial", "", "", "SH AH L"), ("tial", "", "", "SH AH L"),
    ("cious", "", "", "SH AH S"), ("tious", "", "", "SH AH S"), ("ture", "", "", "CH ER"),
    ("sure", "", "", "ZH ER"), ("x", "#", "", "Z"), ("x", "", "", "K S"),
    ("cc", "", "[eiy]", "K S"), ("c", "", "[eiy]", "S"), ("c", "", "", "K"),
    ("gg", "", "", "G"), ("ge", "", "#", "JH"), ("g", "", "[eiy]", "JH"), ("g", "", "", "G"),
    ("j", "", "", "JH"), ("y", "#", f"{_V}", "Y"), ("s", f"{_V}", f"{_V}", "Z"), ("s", "[^s]", "#", "Z"),
    # vowel teams and r-coloured vowels
    ("eau", "", "", "OW"), ("augh", "", "", "AO"), ("ough", "", "", "AO"), ("igh", "", "", "AY"),
    ("air", "", "", "EH R"), ("are", "", "#", "EH R"), ("ear", "", "", "IH R"), ("eer", "", "", "IH R"),
    ("ire", "", "#", "AY ER"), ("ore", "", "#", "AO R"), ("our", "", "", "AW ER"), ("oor", "", "", "AO R"),
    ("ar", "", "[^aeiouyr]|#", "AA R"), ("or", "", "[^aeiouyr]|#", "AO R"),
    ("er", "", "[^aeiouyr]|#", "ER"), ("ir", "", "[^aeiouyr]|#", "ER"), ("ur", "", "[^aeiouyr]|#", "ER"),
    ("yr", "", "[^aeiouyr]|#", "ER"), ("ai", "", "", "EY"), ("ay", "", "", "EY"), ("ee", "", "", "IY"),
    ("ea", "", "", "IY"), ("ei", "", "", "EY"), ("ey", "", "#", "IY"), ("ey", "", "", "EY"),
    ("ie", "", "#", "IY"), ("ie", "", "", "IY"), ("oa", "", "", "OW"), ("oo", "", "", "UW"),
    ("ou", "", "", "AW"), ("ow", "", "#", "OW"), ("ow", "", "", "AW"), ("oi", "", "", "OY"),
    ("oy", "", "", "OY"), ("au", "", "", "AO"), ("aw", "", "", "AO"), ("eu", "", "", "UW"),
    ("ew", "", "", "UW"), ("ue", "", "", "UW"), ("ui", "", "", "UW"), ("ia", "", "", "IY AH"),
    ("io", "", "", "IY OW"), ("eo", "", "", "IY OW"), ("ua", "", "", "UW AH"),
    # single vowels: silent final e, long before consonant + e, final, before a vowel, short
    ("e", f"{_V}{_C}+|{_C}{_C}", "#", ""), ("e", f"#{_C}+", "#", "IY"), ("es", f"{_C}", "#", "Z"),
    ("ed", "[td]", "#", "IH D"), ("ed", "[pkfsxc]|sh|ch", "#", "T"), ("ed", f"{_V}[bglmnrvwyz]+", "#", "D"),
    ("le", f"{_C}", "#", "AH L"), ("a", "", f"{_C}e#", "EY"), ("e", "", f"{_C}e#", "IY"),
    ("i", "", f"{_C}e#", "AY"), ("o", "", f"{_C}e#", "OW"), ("u", "", f"{_C}e#", "UW"),
    ("y", "", f"{_C}e#", "AY"), ("a", f"{_C}", "#", "AH"), ("a", "#", "#", "AH"),
    ("e", f"{_C}", "#", "IY"), ("i", "", "#", "IY"), ("o", "", "#", "OW"), ("u", "", "#", "UW"),
    ("y", f"#{_C}+", "#", "AY"), ("y", f"{_C}", "#", "IY"), ("a", "", f"{_V}", "EY"),
    ("e", "", f"{_V}", "IY"), ("i", "", f"{_V}", "IY"), ("o", "", f"{_V}", "OW"), ("u", "", f"{_V}", "UW"),
    ("a", "", "", "AE"), ("e", "", "", "EH"), ("i", "", "", "IH"), ("o", "", "", "AA"), ("u", "", "", "AH"),
    ("y", "", "", "IH"),
    # remaining consonants
    ("b", "", "", "B"), ("d", "", "", "D"), ("f", "", "", "F"), ("h", "", "", "HH"), ("k", "", "", "K"),
    ("l", "", "", "L"), ("m", "", "", "M"), ("n", "", "", "N"), ("p", "", "", "P"), ("r", "", "", "R"),
    ("s", "", "", "S"), ("t", "", "", "T"), ("v", "", "", "V"), ("w", "", "", "W"), ("z", "", "", "Z"),
):  # fmt: skip
    _rule(*_spec)

_COMPILED = {
    first: [(letters, re.compile(f"(?:{left})$") if left else None, re.compile(right) if right else None, ph)
            for letters, left, right, ph in rules]
    for first, rules in _RULES.items()
}  # fmt: skip


def _letters_to_phones(letters: str) -> list[str]:
    """Rule-based phones of a lower-case a-z word (a lone "e" gives none; the caller handles it)."""
    text = f"#{letters}#"
    phones: list[str] = []
    i = 1
    while i < len(text) - 1:
        ch = text[i]
        # A doubled consonant sounds once ("ll", "tt"), except "cc" before e/i which has its own rule.
        if ch == text[i - 1] and ch not in "aeiouyc":
            i += 1
            continue
        for word, left, right, ph in _COMPILED.get(ch, ()):
            if not text.startswith(word, i):
                continue
            if left is not None and not left.search(text, 0, i):
                continue
            if right is not None and not right.match(text, i + len(word)):
                continue
            phones.extend(ph)
            i += len(word)
            break
        else:
            i += 1  # a letter no rule knows (cannot happen for a-z): skipped
    return phones


def guess_stress(phones: list[str] | tuple[str, ...], *, function_word: bool = False) -> list[int]:
    """Stress 0/1/2 per phone for a pronunciation that has none (consonants get 0).

    English content words carry one primary stress, most often on the first
    full vowel (schwa-like AH, and IH/ER in a first syllable before a full
    vowel, usually belong to unstressed prefixes: "about", "begin").
    Monosyllabic function words are unstressed. An estimate: the bundled
    dictionary has no stress marks, and the lips hardly depend on it.
    """
    vowels = [k for k, p in enumerate(phones) if p in VOWELS]
    stress = [0] * len(phones)
    if not vowels or (function_word and len(vowels) == 1):
        return stress
    primary = vowels[0]
    if len(vowels) > 1 and phones[vowels[0]] in ("AH", "IH", "ER"):
        full = [k for k in vowels[1:] if phones[k] not in ("AH",)]
        if (full and phones[vowels[0]] == "AH") or (full and phones[full[0]] not in ("IH", "ER")):
            primary = full[0]
    stress[primary] = 1
    return stress


def spell(word: str) -> list[tuple[str, int]]:
    """(ARPAbet, stress) for one word by rule; [] only when it has no letters or digits.

    A short word written in capitals that is no word ("BBC", "TV", "XQZ") is read as letters.
    """
    letters_only = re.sub(r"[^A-Za-z]", "", fold(word) if not word.isupper() else word)
    as_letters = (
        word.isupper()
        and 2 <= len(letters_only) <= 4
        and (len(letters_only) <= 3 or not re.search("[AEIOUY]", letters_only))
    )
    phones: list[str] = []
    for part in spoken_parts(word):
        phones += _part_phones(part, as_letters=as_letters)
    if not phones:
        return []
    return list(zip(phones, guess_stress(phones, function_word=word.lower() in FUNCTION_WORDS), strict=True))


# What the common contractions after an apostrophe sound like.
_CONTRACTIONS = {"t": ["T"], "d": ["D"], "ll": ["L"], "ve": ["V"], "re": ["ER"], "m": ["M"]}
_VOICELESS = frozenset({"P", "T", "K", "F", "TH"})


def _part_phones(part: str, *, as_letters: bool = False) -> list[str]:
    """Phones of one folded piece (lower-case letters, apostrophes, periods)."""
    base, _, suffix = part.replace(".", "").partition("'")
    base = re.sub(r"[^a-z]", "", base)
    suffix = re.sub(r"[^a-z]", "", suffix)
    if not base:
        base, suffix = suffix, ""
    if not base:
        return []
    if as_letters:
        phones = [p for ch in base for p in LETTER_NAMES[ch]]
    else:
        phones = _letters_to_phones(base)
        if not any(p in VOWELS for p in phones) and len(base) == 1:
            phones = list(LETTER_NAMES[base])  # "x", "e": the letter's name
        # A final -s after a voiceless sound is voiceless ("cats").
        if len(phones) >= 2 and phones[-1] == "Z" and base.endswith("s") and phones[-2] in _VOICELESS:
            phones[-1] = "S"
    if suffix == "s":  # possessive: sounds like the plural ending
        phones += possessive_ending(phones)
    elif suffix:
        phones += _CONTRACTIONS.get(suffix) or _letters_to_phones(suffix)
    return phones


def possessive_ending(phones: list[str] | tuple[str, ...]) -> list[str]:
    """ "'s" after these phones: IH Z after sibilants, S after other voiceless sounds, else Z."""
    last = phones[-1] if phones else ""
    if last in ("S", "Z", "SH", "ZH", "CH", "JH"):
        return ["IH", "Z"]
    if last in ("P", "T", "K", "F", "TH"):
        return ["S"]
    return ["Z"]
