"""The IPA phone inventory shared by every speech backend and language.

Phones are IPA strings in one canonical spelling (NFC):

- silence and pauses are the explicit phone ``"_"`` (SILENCE); every
  utterance's phones tile its audio, pauses included;
- no stress marks (stress is the Phone's own field), no length marks, no
  tone marks, no aspiration and no place diacritics (dental, lowered, ...):
  none of them changes what the lips do, and the timing carries length;
- kept: nasalisation (``ɛ̃``), labialisation ``ʷ`` and palatalisation ``ʲ``;
- diphthongs, affricates and r-coloured vowels stay one multi-letter phone
  (``aɪ``, ``tʃ``, ``ɑɹ``), as the backends time them;
- ``ɡ`` is U+0261, never ASCII g; ``ᵻ`` is written ``ɨ``.

``canonical_ipa`` maps what a backend writes (espeak-ng's IPA event names,
festival's radio phoneset, ARPAbet) to this spelling. ``INVENTORY`` lists
every phone the backends emit on the test sentences of every language (the
tests check it), and ``classify`` gives each phone the lip class the
teacher animates. ``ARPABET_TO_IPA`` converts ARPAbet phones (CMUdict,
TIMIT-style TextGrids of real speech) for evaluation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ...lips import phones as lip_phones
from ...script import english

SILENCE = "_"

# --- lip classes -------------------------------------------------------------
SILENCE_CLASS = "silence"
BILABIAL = "bilabial"  # p b m (and pf): the lips seal
BILABIAL_FRICATIVE = "bilabial_fricative"  # ɸ β: lips close in, do not seal
LABIODENTAL = "labiodental"  # f v ɱ ʋ: lower lip to the upper teeth
ROUNDED_CONSONANT = "rounded_consonant"  # w ʍ ɥ: lips rounded and protruded
POSTALVEOLAR = "postalveolar"  # ʃ ʒ tʃ dʒ ɕ ʑ ʂ ʐ: lips slightly protruded, teeth close
DENTAL = "dental"  # θ ð: tongue between the teeth
CORONAL = "coronal"  # t d n s z l r ɹ ɾ ts: tongue tip, lips follow the vowels
DORSAL = "dorsal"  # k ɡ ŋ x ɣ χ ʁ j ç ɲ: tongue body, lips follow the vowels
GLOTTAL = "glottal"  # h ɦ ʔ: no oral gesture
ROUNDED_VOWEL = "rounded_vowel"  # u o ɔ y ø œ ʊ ...
SPREAD_VOWEL = "spread_vowel"  # i ɪ e ɛ: spread lips, jaw fairly closed
OPEN_VOWEL = "open_vowel"  # a ɑ æ ɐ ʌ: jaw open
NEUTRAL_VOWEL = "neutral_vowel"  # ə ɜ ɨ ɯ ɚ ɤ: central, lips neutral

CLASSES: tuple[str, ...] = (
    SILENCE_CLASS,
    BILABIAL,
    BILABIAL_FRICATIVE,
    LABIODENTAL,
    ROUNDED_CONSONANT,
    POSTALVEOLAR,
    DENTAL,
    CORONAL,
    DORSAL,
    GLOTTAL,
    ROUNDED_VOWEL,
    SPREAD_VOWEL,
    OPEN_VOWEL,
    NEUTRAL_VOWEL,
)
VOWEL_CLASSES = frozenset({ROUNDED_VOWEL, SPREAD_VOWEL, OPEN_VOWEL, NEUTRAL_VOWEL})

# Vowel letters: (height 0 close .. 2 open, rounded), a view of the lips' vowel table
# (model/lips/phones.py, the one table of vowel letters): its chart rows close / mid / open
# (near-open counts as open), and its backness for the neutral (non-front) vowels.
# ᵻ and ä are not canonical spellings (ᵻ is written ɨ, ä loses its diaeresis), and ʌ counts
# as open: the STRUT vowel opens the jaw like a.
_NOT_CANONICAL = frozenset({"ᵻ", "ä"})
_OPEN_MID_AS_OPEN = frozenset({"ʌ"})


def _chart_row(height: int, letter: str) -> int:
    """The lips' vowel height (0 close .. 6 open) as a chart row: 0 close, 1 mid, 2 open."""
    if letter in _OPEN_MID_AS_OPEN or height >= 5:
        return 2
    return 0 if height <= 1 else 1


VOWELS: dict[str, tuple[int, bool]] = {
    letter: (_chart_row(height, letter), rounded)
    for letter, (height, _backness, rounded) in lip_phones.VOWELS.items()
    if letter not in _NOT_CANONICAL
}
_CENTRAL = frozenset(
    letter
    for letter, (_height, backness, rounded) in lip_phones.VOWELS.items()
    if letter in VOWELS and backness > 0 and not rounded and VOWELS[letter][0] < 2
)

CONSONANTS: dict[str, str] = {}
for _cls, _letters in (
    (BILABIAL, "pbmɓ"),
    (BILABIAL_FRICATIVE, "ɸβ"),
    (LABIODENTAL, "fvɱʋ"),
    (ROUNDED_CONSONANT, "wʍɥ"),
    (POSTALVEOLAR, "ʃʒɕʑʂʐ"),
    (DENTAL, "θð"),
    (CORONAL, "tdnszɾrɹlɫɬɮʈɖɳɽɻɭ"),
    (DORSAL, "kɡŋxɣχʁʀɴqɢjçʝɲʎɰ"),
    (GLOTTAL, "hɦʔħʕ"),
):
    for _letter in _letters:
        CONSONANTS[_letter] = _cls

LETTERS = frozenset(VOWELS) | frozenset(CONSONANTS)
_KEPT_MARKS = frozenset({"\u0303", "ʷ", "ʲ"})  # nasal tilde, labialised, palatalised

# --- the inventory -------------------------------------------------------------
# Every phone the backends emit (festival's three voices; espeak-ng in en, es, fr, de,
# it, pt, ja, cmn and their accents) after canonical_ipa. tests/test_speech.py
# synthesises sentences in every language and checks each phone is listed here.
_INVENTORY_TEXT = """
_
p b m ɸ β f v pf θ ð t d n s z ɾ r ɹ l ts dz ʃ ʒ tʃ dʒ tɕ dʑ ɕ ʑ tʂ ʂ ʐ ɽ
ç ʝ j ɲ ʎ k ɡ ŋ x ɣ χ ʁ ɴ h ɦ ʔ w ʍ ɥ
i y ɨ ʉ ɯ u ɪ ʏ ʊ e ø o ə ɚ ɝ ɛ œ ɜ ʌ ɔ æ ɐ a ɑ ɒ
ɛ̃ ɑ̃ ɔ̃ œ̃ ɐ̃ ã ẽ ĩ õ ũ ɐ̃ʊ̃
aɪ aʊ eɪ oʊ ɔɪ əʊ ɪə eə ʊə iə oə ɑə ɛə aɪə aʊə æʊ əl əu əɪ ʌʉ ʌʊ ɔʏ
ɑɹ ɔɹ ʊɹ ɛɹ ʌɹ ɪɹ ɜɹ oɹ əɹ ʉɹ ɔə
ai ei ou oɪ uɪ eʊ iʊ ɛʊ ɛɪ aʊ ɑu ɔø
ia iɑ iɛ iou ua uai uei uo uə yɛ yu oŋ
"""
INVENTORY: frozenset[str] = frozenset(unicodedata.normalize("NFC", tok) for tok in _INVENTORY_TEXT.split())


# --- canonical spelling ------------------------------------------------------------
# Exact backend spellings that need more than the generic rules.
_OVERRIDES: dict[str, str] = {
    # espeak-ng Mandarin: "." marks retroflex / apical, "h" marks aspiration
    "s.": "ʂ",
    "z.": "ʐ",
    "ts.": "tʂ",
    "ts.h": "tʂ",
    "i.": "ɨ",
    "i̪": "ɨ",
    "kh": "k",
    "ph": "p",
    "th": "t",
    "tsh": "ts",
    "tɕh": "tɕ",
    "ər": "ɚ",
    "onɡ": "oŋ",
    "ŋ-": "ŋ",
    # a bare palatalisation event (espeak-ng ja/cmn) is heard as a glide
    "ʲ": "j",
    # espeak-ng doubled letters for geminates and long vowels
    "aa": "a",
    "ss": "s",
    "ᵻ": "ɨ",
    # every spelling of silence the lips know (festival's pau and brth, aligners' sil, sp, ...)
    **dict.fromkeys(lip_phones.SILENCE_SYMBOLS, SILENCE),
}
_STRIP_CHARS = frozenset("ˈˌːˑ:-.|‖‿ ˥˦˧˨˩0123456789ᵝʰ'͜͡")
_LETTER_FIX = {"g": "ɡ", "ᵻ": "ɨ", "ʦ": "ts", "ʣ": "dz", "ʧ": "tʃ", "ʤ": "dʒ", "ɫ": "l"}


@lru_cache(maxsize=4096)
def canonical_ipa(raw: str) -> str:
    """A backend's phone spelling in the shared canonical IPA (``"_"`` for pauses).

    Unknown letters are kept so that a new phone shows up in the inventory
    test instead of silently turning into another phone.
    """
    text = unicodedata.normalize("NFC", str(raw).replace("\ufffd", "").strip())
    if text in _OVERRIDES:
        return _OVERRIDES[text]
    stripped = "".join(ch for ch in text if ch not in _STRIP_CHARS)
    if stripped in _OVERRIDES:
        return _OVERRIDES[stripped]
    out: list[str] = []
    for composed in unicodedata.normalize("NFC", stripped):
        if composed in LETTERS:  # ç stays ç: only letters outside the inventory decompose
            out.append(composed)
            continue
        for ch in unicodedata.normalize("NFD", composed):
            if ch in _LETTER_FIX:
                out.append(_LETTER_FIX[ch])
            elif ch in _KEPT_MARKS:
                out.append(ch)
            elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Lm", "Sk", "Mn"):
                continue  # place/phonation diacritics and modifier letters other than ʷ ʲ
            else:
                out.append(ch)
    result = unicodedata.normalize("NFC", "".join(out))
    # A long vowel written twice ("aa") is one phone; geminate consonants likewise.
    result = re.sub(r"(.)\1+", r"\1", result)
    return result if result else SILENCE


def is_silence(ipa: str) -> bool:
    return ipa == SILENCE


def base_letters(ipa: str) -> list[str]:
    """IPA letters of a canonical phone without its diacritics ("ɐ̃ʊ̃" -> ["ɐ", "ʊ"], "ç" -> ["ç"])."""
    out: list[str] = []
    for composed in unicodedata.normalize("NFC", ipa):
        if composed in LETTERS:
            out.append(composed)
            continue
        out.extend(
            ch
            for ch in unicodedata.normalize("NFD", composed)
            if not unicodedata.combining(ch) and ch not in ("ʷ", "ʲ") and ch != SILENCE
        )
    return out


@dataclass(frozen=True)
class PhoneFeatures:
    """Lip-relevant features of one canonical phone."""

    ipa: str
    cls: str  # one of CLASSES
    vowel: bool
    rounded: bool  # rounded vowel, w-like consonant, or labialised (ʷ)
    height: int  # vowels: 0 close, 1 mid, 2 open; consonants: -1
    nasal: bool  # nasal consonant or nasalised vowel


@lru_cache(maxsize=4096)
def features(ipa: str) -> PhoneFeatures:
    """Features of a phone (canonical or raw spelling); unknown letters count as dorsal."""
    phone = canonical_ipa(ipa)
    if phone == SILENCE:
        return PhoneFeatures(phone, SILENCE_CLASS, False, False, -1, False)
    letters = base_letters(phone)
    nasal = "\u0303" in unicodedata.normalize("NFD", phone) or any(c in "mnŋɲɴɱɳ" for c in letters)
    labialised = "ʷ" in phone
    vowel_letters = [c for c in letters if c in VOWELS]
    if vowel_letters:
        # The nucleus sets the class. A close first letter followed by a more open
        # vowel other than schwa is an on-glide (Mandarin "ia", "uo", "iou"): the
        # nucleus is the next vowel, and a rounded glide still rounds the lips.
        v = vowel_letters[0]
        glide_round = False
        if letters[0] in VOWELS and len(vowel_letters) > 1:
            second = vowel_letters[1]
            if VOWELS[v][0] == 0 and VOWELS[second][0] > 0 and second != "ə":
                glide_round = VOWELS[v][1]
                v = second
        elif letters[0] not in VOWELS:
            glide_round = letters[0] in "wɥ"
        height, rounded = VOWELS[v]
        if rounded:
            cls = ROUNDED_VOWEL
        elif height == 2:
            cls = OPEN_VOWEL
        elif v in _CENTRAL:
            cls = NEUTRAL_VOWEL
        else:
            cls = SPREAD_VOWEL
        if letters[0] in VOWELS or letters[-1] in VOWELS:
            return PhoneFeatures(phone, cls, True, rounded or glide_round or labialised, height, nasal)
    first = letters[0] if letters else ""
    if first in "pb" or (first == "m"):
        cls = BILABIAL  # p b m, and pf (the lips seal before the f)
    elif len(letters) >= 2 and letters[0] in "tdɖʈ":
        cls = CONSONANTS.get(letters[-1], CORONAL)  # affricate: its fricative's place
    else:
        cls = CONSONANTS.get(first, DORSAL)
    rounded = cls == ROUNDED_CONSONANT or labialised
    return PhoneFeatures(phone, cls, False, rounded, -1, nasal)


def classify(ipa: str) -> str:
    """Lip class of a phone: one of CLASSES (``bilabial`` for p/b/m, ``silence`` for "_", ...)."""
    return features(ipa).cls


def is_vowel(ipa: str) -> bool:
    return features(ipa).vowel


def is_bilabial(ipa: str) -> bool:
    """True for phones whose lips seal: p, b, m (and pf)."""
    return features(ipa).cls == BILABIAL


# --- ARPAbet -------------------------------------------------------------------------
# CMUdict / TIMIT ARPAbet (upper case, optional stress digit) -> canonical IPA: the CMU
# dictionary's 39 phones as the script aligner reads them (model/script/english.py, their one
# table), their unstressed forms (AH0 schwa, ER0 ɚ), and the TIMIT-only labels.
ARPABET_TO_IPA: dict[str, str] = {
    **english.ARPABET_TO_IPA,
    **{f"{arpabet}0": ipa for arpabet, ipa in english.UNSTRESSED_IPA.items()},
    "AX": "ə",
    "AXR": "ɚ",
    "DX": "ɾ",
    "EL": "əl",
    "EM": "m",
    "EN": "n",
    "HV": "h",
    "IX": "ɨ",
    "NX": "n",
    "UX": "ʉ",
    "WH": "ʍ",
    "SIL": SILENCE,
    "SP": SILENCE,
    "SPN": SILENCE,
    "PAU": SILENCE,
    "H#": SILENCE,
    "": SILENCE,
    # closures and other TIMIT-only labels
    "BCL": SILENCE,
    "DCL": SILENCE,
    "GCL": SILENCE,
    "PCL": SILENCE,
    "TCL": SILENCE,
    "KCL": SILENCE,
    "EPI": SILENCE,
    "Q": "ʔ",
    "ENG": "ŋ",
    "AX-H": "ə",
}


def arpabet_to_ipa(symbol: str) -> tuple[str, int]:
    """One ARPAbet phone ("AH0", "p", "sil") -> (canonical IPA, stress 0/1/2).

    Raises ValueError naming the symbol when it is not ARPAbet.
    """
    s = str(symbol).strip().upper()
    stress = 0
    if s and s[-1] in "012":
        stress = int(s[-1])
        base = s[:-1]
    else:
        base = s
    if s in ARPABET_TO_IPA:  # "AH0", "ER0" have their own entries
        ipa = ARPABET_TO_IPA[s]
    elif base in ARPABET_TO_IPA:
        ipa = ARPABET_TO_IPA[base]
    else:
        raise ValueError(
            f"{symbol!r} is not an ARPAbet phone; expected CMUdict/TIMIT symbols like AA1, B, sil"
        )
    if not features(ipa).vowel:
        stress = 0
    return ipa, stress


# Festival's radio phoneset (lower-case ARPAbet, used by kal, ked and slt).
def festival_to_ipa(name: str, syllable_stress: int = 0) -> str:
    """A festival segment name (radio phoneset) -> canonical IPA; ``er`` follows the syllable stress."""
    n = name.strip().lower()
    if n == "er":
        return "ɝ" if syllable_stress else "ɚ"
    if n == "ah":
        return "ʌ"  # festival writes schwa as "ax"; its "ah" is the STRUT vowel
    return arpabet_to_ipa(n.upper())[0]
