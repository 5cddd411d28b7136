"""IPA phone strings -> articulatory classes the lips animate (teacher and run time alike).

Language-independent: a phone is read symbol by symbol (IPA letters), with
diacritics stripped except those that change the lips (labialisation). A
phone made of several letters (diphthongs "aɪ", affricates "tʃ") becomes
several sub-phones that share its time span.

This is the project's one table of vowel letters and silence spellings: the
training side's ``speech.ipa`` reads its vowels and silences from here (its
coarser lip classes are a view of this table). When that package exists its
inventory is the one the speech side emits; the tests check that every phone
of that inventory parses here (see tests/test_teacher_phones.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Articulatory classes of consonants (place/manner groups that look alike on
# the lips and jaw). Vowels are described by height/backness/rounding instead.
BILABIAL_STOP = "bilabial_stop"  # p b m: the lips close completely
BILABIAL_FRICATIVE = "bilabial_fricative"  # ɸ β ʙ: lips approach, do not seal
LABIAL_VELAR = "labial_velar"  # w ʍ: strong rounding
LABIAL_PALATAL = "labial_palatal"  # ɥ: rounding with a front tongue
LABIODENTAL = "labiodental"  # f v ɱ: lower lip to upper teeth
LABIODENTAL_APPROX = "labiodental_approx"  # ʋ: weaker lip-teeth contact
DENTAL = "dental"  # θ ð: tongue tip between the teeth
ALVEOLAR = "alveolar"  # t d n ɾ r ...: the jaw adapts to the vowels
LATERAL = "lateral"  # l ɫ ɭ ʎ ʟ
SIBILANT = "sibilant"  # s z ʂ ʐ ɕ ʑ: high jaw, teeth close
POSTALVEOLAR = "postalveolar"  # ʃ ʒ: high jaw, protruded lips
RHOTIC_APPROX = "rhotic_approx"  # ɹ ɻ: English r, some lip rounding
PALATAL = "palatal"  # j ç c ɟ ɲ ʝ: spread lips
VELAR = "velar"  # k g ŋ x ɣ and uvulars: lips follow the vowels
GLOTTAL = "glottal"  # h ɦ ʔ ħ ʕ: no oral gesture of its own
VOWEL = "vowel"
SILENCE = "silence"

# Spellings of silence and pauses across backends and aligners (festival's "brth" is a breath).
SILENCE_SYMBOLS = frozenset({"", "_", "sil", "sp", "pau", "#", "SIL", "spn", "h#", "-", "brth"})

_CONSONANTS: dict[str, str] = {}
for _cls, _letters in (
    (BILABIAL_STOP, "pbmɓ"),
    (BILABIAL_FRICATIVE, "ɸβʙ"),
    (LABIAL_VELAR, "wʍ"),
    (LABIAL_PALATAL, "ɥ"),
    (LABIODENTAL, "fvɱ"),
    (LABIODENTAL_APPROX, "ʋ"),
    (DENTAL, "θð"),
    (ALVEOLAR, "tdnɾrɬɮʈɖɳɽɺʦʣǀǃǁ"),
    (LATERAL, "lɫɭʎʟ"),
    (SIBILANT, "szʂʐɕʑ"),
    (POSTALVEOLAR, "ʃʒʧʤ"),
    (RHOTIC_APPROX, "ɹɻ"),
    (PALATAL, "jçcɟɲʝǂ"),
    (VELAR, "kgɡŋxɣɰqɢɴχʁʀɧ"),
    (GLOTTAL, "hɦʔħʕʡʢ"),
):
    for _letter in _letters:
        _CONSONANTS[_letter] = _cls

# Ligature affricates are split into their two letters.
_LIGATURES = {"ʦ": "ts", "ʣ": "dz", "ʧ": "tʃ", "ʤ": "dʒ"}

# Vowels: (height 0 = close .. 6 = open, backness 0 front / 1 central / 2 back, rounded).
VOWELS: dict[str, tuple[int, int, bool]] = {
    "i": (0, 0, False),
    "y": (0, 0, True),
    "ɨ": (0, 1, False),
    "ᵻ": (1, 1, False),
    "ʉ": (0, 1, True),
    "ɯ": (0, 2, False),
    "u": (0, 2, True),
    "ɪ": (1, 0, False),
    "ʏ": (1, 0, True),
    "ʊ": (1, 2, True),
    "e": (2, 0, False),
    "ø": (2, 0, True),
    "ɘ": (2, 1, False),
    "ɵ": (2, 1, True),
    "ɤ": (2, 2, False),
    "o": (2, 2, True),
    "ə": (3, 1, False),
    "ɚ": (3, 1, False),
    "ɛ": (4, 0, False),
    "œ": (4, 0, True),
    "ɜ": (4, 1, False),
    "ɝ": (4, 1, False),
    "ɞ": (4, 1, True),
    "ʌ": (4, 2, False),
    "ɔ": (4, 2, True),
    "æ": (5, 0, False),
    "ɐ": (5, 1, False),
    "a": (6, 0, False),
    "ɶ": (6, 0, True),
    "ä": (6, 1, False),
    "ɑ": (6, 2, False),
    "ɒ": (6, 2, True),
}

# Marks that carry no lip information and are dropped.
_DROP = frozenset("ˈˌːˑ͜͡ʰʼˠˤ˞ⁿˡ̥̬̩̯̃̊.|‖ ")
_LABIALISED = "ʷ"
_PALATALISED = "ʲ"


@dataclass(frozen=True)
class SubPhone:
    """One articulatory target inside a phone."""

    cls: str  # one of the class names above
    letter: str  # the IPA letter it came from ("" for silence)
    height: int = 0  # vowels only
    backness: int = 0
    rounded: bool = False
    labialised: bool = False  # ʷ or a rounded neighbour letter
    palatalised: bool = False


@dataclass(frozen=True)
class PhoneInfo:
    """A phone as the teacher sees it."""

    ipa: str
    parts: tuple[SubPhone, ...]  # at least one
    fractions: tuple[float, ...]  # share of the phone's duration per part, sums to 1

    @property
    def is_silence(self) -> bool:
        return self.parts[0].cls == SILENCE

    @property
    def is_vowel(self) -> bool:
        return any(p.cls == VOWEL for p in self.parts)

    @property
    def is_bilabial_closure(self) -> bool:
        """True for p, b, m (with any diacritics): every part seals the lips."""
        return all(p.cls == BILABIAL_STOP for p in self.parts)


def _letters(ipa: str) -> tuple[list[str], bool, bool]:
    """Base IPA letters of a phone, and whether it is labialised / palatalised."""
    text = unicodedata.normalize("NFC", ipa)
    # "ä" is one vowel letter; keep it composed, decompose everything else.
    labialised = _LABIALISED in text
    palatalised = _PALATALISED in text
    letters: list[str] = []
    for ch in text:
        if ch in _LIGATURES:
            letters.extend(_LIGATURES[ch])
            continue
        if ch in VOWELS or ch in _CONSONANTS:
            letters.append(ch)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base = decomposed[0]
        if ch in _DROP or ch in (_LABIALISED, _PALATALISED) or unicodedata.combining(ch):
            continue
        if base in VOWELS or base in _CONSONANTS:
            letters.append(base)
            continue
        if base.isalpha():
            letters.append(base)  # unknown letter: kept, classed as a neutral consonant
    return letters, labialised, palatalised


@lru_cache(maxsize=4096)
def phone_info(ipa: str) -> PhoneInfo:
    """Parse one IPA phone (``"p"``, ``"aɪ"``, ``"tʃ"``, ``"kʷ"``, ``"sil"``)."""
    stripped = ipa.strip()
    if stripped in SILENCE_SYMBOLS:
        return PhoneInfo(ipa, (SubPhone(SILENCE, ""),), (1.0,))
    letters, labialised, palatalised = _letters(stripped)
    if not letters:
        return PhoneInfo(ipa, (SubPhone(SILENCE, ""),), (1.0,))
    parts: list[SubPhone] = []
    for letter in letters:
        if letter in VOWELS:
            h, b, r = VOWELS[letter]
            parts.append(SubPhone(VOWEL, letter, h, b, r, labialised, palatalised))
        else:
            cls = _CONSONANTS.get(letter, VELAR)  # unknown: a consonant that borrows the vowels' lips
            parts.append(SubPhone(cls, letter, labialised=labialised, palatalised=palatalised))
    n = len(parts)
    if n == 1:
        fractions = (1.0,)
    elif all(p.cls == VOWEL for p in parts):
        # Diphthongs dwell on the first element, then glide (second part shorter).
        fractions = (0.55, *([0.45 / (n - 1)] * (n - 1)))
    else:
        # Affricates: the stop part is the shorter one.
        fractions = (0.4, *([0.6 / (n - 1)] * (n - 1)))
    return PhoneInfo(ipa, tuple(parts), fractions)


def is_bilabial_closure(ipa: str) -> bool:
    """True when the phone needs full lip closure (p, b, m and their variants)."""
    return phone_info(str(ipa)).is_bilabial_closure


def is_silence(ipa: str) -> bool:
    return phone_info(str(ipa)).is_silence


def is_vowel(ipa: str) -> bool:
    return phone_info(str(ipa)).is_vowel


def is_rounded_vowel(ipa: str) -> bool:
    """Rounded vowels (u, o, ɔ, y, ...) and the labial-velar glide w."""
    info = phone_info(str(ipa))
    return any((p.cls == VOWEL and p.rounded) or p.cls == LABIAL_VELAR for p in info.parts)


def is_spread_vowel(ipa: str) -> bool:
    """Front unrounded vowels (i, ɪ, e, ɛ) — the ones that spread the lips."""
    info = phone_info(str(ipa))
    return info.is_vowel and all(
        p.cls == VOWEL and p.backness == 0 and not p.rounded and p.height <= 4 for p in info.parts
    )
