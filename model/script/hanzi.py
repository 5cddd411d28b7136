"""Rough phones of Chinese (Mandarin) words, for reading their lips (read_lines.py).

Characters are turned into pinyin by pypinyin (bundled with the extension, MIT; its dictionaries
ship inside its wheel, nothing is fetched), and each syllable's initial and final into the few
sounds that shape the lips: where they seal (b p m), touch the teeth (f), round (o, u, ü, w, the
-ong finals) or open wide (a). Tones do not change the lips and are dropped. Without pypinyin a
Chinese line keeps the lip reader's free reading.
"""

from __future__ import annotations

import unicodedata

_INITIALS: tuple[tuple[str, tuple[str, ...]], ...] = (  # longest first
    ("zh", ("ʈʂ",)),
    ("ch", ("ʈʂ",)),
    ("sh", ("ʂ",)),
    ("b", ("p",)),
    ("p", ("p",)),
    ("m", ("m",)),
    ("f", ("f",)),
    ("d", ("t",)),
    ("t", ("t",)),
    ("n", ("n",)),
    ("l", ("l",)),
    ("g", ("k",)),
    ("k", ("k",)),
    ("h", ("x",)),
    ("j", ("tɕ",)),
    ("q", ("tɕ",)),
    ("x", ("ɕ",)),
    ("r", ("ɻ",)),
    ("z", ("ts",)),
    ("c", ("ts",)),
    ("s", ("s",)),
    ("y", ()),  # y and w only spell the final's glide
    ("w", ()),
)
_FINALS: tuple[tuple[str, tuple[str, ...]], ...] = (  # longest first
    ("iang", ("j", "a", "ŋ")),
    ("iong", ("j", "ʊ", "ŋ")),
    ("uang", ("w", "a", "ŋ")),
    ("ueng", ("w", "ə", "ŋ")),
    ("ang", ("a", "ŋ")),
    ("eng", ("ə", "ŋ")),
    ("ing", ("i", "ŋ")),
    ("ong", ("ʊ", "ŋ")),
    ("iao", ("j", "aʊ")),
    ("iou", ("j", "oʊ")),  # you
    ("uei", ("w", "eɪ")),  # wei
    ("uen", ("w", "ə", "n")),  # wen
    ("ian", ("j", "ɛ", "n")),
    ("uai", ("w", "aɪ")),
    ("uan", ("w", "a", "n")),
    ("üan", ("y", "ɛ", "n")),
    ("ai", ("aɪ",)),
    ("ei", ("eɪ",)),
    ("ao", ("aʊ",)),
    ("ou", ("oʊ",)),
    ("an", ("a", "n")),
    ("en", ("ə", "n")),
    ("in", ("i", "n")),
    ("un", ("w", "ə", "n")),
    ("ün", ("y", "n")),
    ("ia", ("j", "a")),
    ("ie", ("j", "ɛ")),
    ("iu", ("j", "oʊ")),
    ("ua", ("w", "a")),
    ("uo", ("w", "o")),
    ("ui", ("w", "eɪ")),
    ("üe", ("y", "ɛ")),
    ("er", ("ɚ",)),
    ("a", ("a",)),
    ("o", ("o",)),
    ("e", ("ɤ",)),
    ("i", ("i",)),
    ("u", ("u",)),
    ("ü", ("y",)),
)
_SIBILANT_INITIALS = frozenset(("z", "c", "s", "zh", "ch", "sh", "r"))  # their "i" is no /i/
_PALATAL_INITIALS = frozenset(("j", "q", "x", "y"))  # their "u" is ü


def is_hanzi(word: str) -> bool:
    """Every character of the word is a Chinese character."""
    chars = [ch for ch in word if not ch.isspace()]
    return bool(chars) and all(unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH") for ch in chars)


def available() -> bool:
    try:
        import pypinyin  # noqa: F401
    except ImportError:
        return False
    return True


def syllable_phones(syllable: str) -> list[str]:
    """IPA of one toneless pinyin syllable ("zhong", "lü", "er"); [] when it is not one."""
    s = syllable.lower().replace("v", "ü")
    initial = ""
    for spelling, _ in _INITIALS:
        if s.startswith(spelling) and len(s) > len(spelling):
            initial = spelling
            break
    final = s[len(initial) :]
    if initial in _PALATAL_INITIALS and final.startswith("u"):
        final = "ü" + final[1:]
    if initial == "y" and not final.startswith(("i", "ü")):
        final = "i" + final  # ya, yao, you: the glide is an i
    if initial == "w" and not final.startswith("u"):
        final = "u" + final  # wa, wo, wei: the glide is a u
    out = list(dict(_INITIALS)[initial]) if initial else []
    if initial in _SIBILANT_INITIALS and final == "i":
        return [*out, "ɨ"]
    while final:
        for spelling, ipa in _FINALS:
            if final.startswith(spelling):
                out += ipa
                final = final[len(spelling) :]
                break
        else:
            return []
    return out


def phones(word: str) -> list[tuple[str, int]]:
    """(IPA, stress) of a word in Chinese characters; [] when it holds anything else or pypinyin
    is missing. Every syllable's vowels are stressed (tones do not change the lips)."""
    if not is_hanzi(word) or not available():
        return []
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    for syllable in lazy_pinyin(word, style=Style.NORMAL, v_to_u=True, errors="ignore"):
        out += syllable_phones(syllable)
    return [(p, 0 if p in ("j", "w", "n", "ŋ") or p[0] not in "aeiouyɛəɤɨʊɚ" else 1) for p in out]
