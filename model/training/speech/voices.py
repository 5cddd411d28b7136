"""The voice catalogue: which festival voices and espeak-ng accents x variants exist.

Voice ids are "<backend>:<name>". festival: ``festival:kal``, ``festival:ked``
(US male diphone voices), ``festival:slt`` (US female HTS voice). espeak-ng:
``espeak:<accent>`` or ``espeak:<accent>+<variant>``, e.g. ``espeak:en-us+f3``.

Accents are espeak-ng voice file names (what espeak_SetVoiceByName takes):
``en`` is British English (espeak-ng has no voice named ``en-gb``). ``cmn``
stands for espeak-ng's ``cmn-latn-pinyin`` voice, which reads Chinese
characters; its plain ``cmn`` voice reads the pinyin it derives as English
letters in espeak-ng 1.51. Japanese must be written in kana: the ``ja`` voice
names every kanji as "Chinese letter" in English (synthesis refuses such text).

Variants are a curated subset of espeak-ng's ``voices/!v``: human-sounding
ones only (no robots, demons, whispers, heavy echoes), each with its gender.
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

from .types import SpeechError, Voice

LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "it", "pt", "ja", "cmn")

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "ja": "Japanese",
    "cmn": "Mandarin Chinese",
}

# Language -> espeak-ng accents (voice file names).
ESPEAK_ACCENTS: dict[str, tuple[str, ...]] = {
    "en": (
        "en-us",
        "en",
        "en-gb-x-rp",
        "en-gb-scotland",
        "en-gb-x-gbclan",
        "en-gb-x-gbcwmd",
        "en-029",
        "en-us-nyc",
    ),
    "es": ("es", "es-419"),
    "fr": ("fr", "fr-be", "fr-ch"),
    "de": ("de",),
    "it": ("it",),
    "pt": ("pt", "pt-br"),
    "ja": ("ja",),
    "cmn": ("cmn",),
}
# Accent names in voice ids that espeak-ng knows under another name.
ESPEAK_VOICE_NAME: dict[str, str] = {"cmn": "cmn-latn-pinyin"}
# Where the voice file lies below espeak-ng-data/lang (to check it is installed).
_ESPEAK_VOICE_FILE: dict[str, str] = {
    "en-us": "gmw/en-US",
    "en": "gmw/en",
    "en-gb-x-rp": "gmw/en-GB-x-rp",
    "en-gb-scotland": "gmw/en-GB-scotland",
    "en-gb-x-gbclan": "gmw/en-GB-x-gbclan",
    "en-gb-x-gbcwmd": "gmw/en-GB-x-gbcwmd",
    "en-029": "gmw/en-029",
    "en-us-nyc": "gmw/en-US-nyc",
    "es": "roa/es",
    "es-419": "roa/es-419",
    "fr": "roa/fr",
    "fr-be": "roa/fr-BE",
    "fr-ch": "roa/fr-CH",
    "de": "gmw/de",
    "it": "roa/it",
    "pt": "roa/pt",
    "pt-br": "roa/pt-BR",
    "ja": "jpx/ja",
    "cmn": "sit/cmn-Latn-pinyin",
}

# Curated espeak-ng variants -> gender ("female", "male", None for the child-like zac).
ESPEAK_VARIANTS: dict[str, str | None] = {
    **{f"f{i}": "female" for i in range(1, 6)},
    **{v: "female" for v in ("Alicia", "Andrea", "Annie", "anika", "aunty", "belinda", "linda", "grandma")},
    **{v: "female" for v in ("steph", "steph2", "steph3", "shelby")},
    **{f"m{i}": "male" for i in range(1, 9)},
    **{
        v: "male"
        for v in (
            "Alex",
            "Andy",
            "Denis",
            "Diogo",
            "Gene",
            "Gene2",
            "Henrique",
            "Hugo",
            "Jacky",
            "Lee",
            "Marco",
            "Mario",
            "Michael",
            "Mike",
            "Nguyen",
            "adam",
            "antonio",
            "benjamin",
            "boris",
            "david",
            "ed",
            "edward",
            "gustave",
            "grandpa",
            "iven",
            "iven2",
            "iven3",
            "john",
            "marcelo",
            "max",
            "michel",
            "miguel",
            "norbert",
            "pablo",
            "paul",
            "pedro",
            "quincy",
            "rob",
            "robert",
            "sandro",
            "travis",
            "victor",
        )
    },
    **{f"klatt{i}" if i > 1 else "klatt": "male" for i in range(1, 7)},
    "zac": None,
}
# The plain voice (no variant) is espeak-ng's default male voice.
ESPEAK_DEFAULT_GENDER = "male"

# Variants that use the Klatt synthesiser instead of espeak-ng's harmonic one
# (their event timing is measured separately, see docs/SPEECH.md).
KLATT_VARIANTS = frozenset(
    {"klatt", "klatt2", "klatt3", "klatt4", "klatt5", "klatt6", "adam", "benjamin", "david", "edward"}
)

FESTIVAL_VOICES: dict[str, tuple[str, str, str]] = {
    # name -> (festival voice function, gender, voice folder below the festival voices dir)
    "kal": ("voice_kal_diphone", "male", "english/kal_diphone"),
    "ked": ("voice_ked_diphone", "male", "english/ked_diphone"),
    "slt": ("voice_cmu_us_slt_arctic_hts", "female", "us/cmu_us_slt_arctic_hts"),
}
FESTIVAL_VOICE_DIRS = (Path("/usr/share/festival/voices"), Path("/usr/local/share/festival/voices"))


def espeak_voice_name(accent: str, variant: str | None) -> str:
    """The name espeak_SetVoiceByName takes for an accent and variant."""
    base = ESPEAK_VOICE_NAME.get(accent, accent)
    return f"{base}+{variant}" if variant else base


def _accent_language(accent: str) -> str | None:
    for lang, accents in ESPEAK_ACCENTS.items():
        if accent in accents:
            return lang
    return None


def parse_voice(voice: Voice | str) -> Voice:
    """A Voice from a Voice or an id string; raises SpeechError naming the fix."""
    if isinstance(voice, Voice):
        return voice
    vid = str(voice).strip()
    backend, sep, name = vid.partition(":")
    if not sep or not name:
        raise SpeechError(
            f"voice id {vid!r} must look like 'festival:kal' or 'espeak:en-us+f3'; "
            "see available_voices() for the installed ones"
        )
    if backend == "festival":
        if name not in FESTIVAL_VOICES:
            raise SpeechError(f"unknown festival voice {name!r}; use one of {', '.join(FESTIVAL_VOICES)}")
        return Voice(vid, "festival", "en", FESTIVAL_VOICES[name][1])
    if backend == "espeak":
        accent, _, variant = name.partition("+")
        lang = _accent_language(accent)
        if lang is None:
            known = ", ".join(a for accents in ESPEAK_ACCENTS.values() for a in accents)
            raise SpeechError(f"unknown espeak-ng accent {accent!r} in {vid!r}; use one of {known}")
        if variant and variant not in ESPEAK_VARIANTS:
            raise SpeechError(
                f"espeak-ng variant {variant!r} in {vid!r} is not in the curated list; "
                f"use one of {', '.join(sorted(ESPEAK_VARIANTS))}"
            )
        gender = ESPEAK_VARIANTS[variant] if variant else ESPEAK_DEFAULT_GENDER
        return Voice(vid, "espeak", lang, gender)
    raise SpeechError(f"unknown speech backend {backend!r} in {vid!r}; use 'festival' or 'espeak'")


@lru_cache(maxsize=1)
def _installed() -> tuple[bool, frozenset[str], frozenset[str], frozenset[str]]:
    """(espeak usable, installed accents, installed variants, installed festival voices)."""
    from . import espeak

    accents: set[str] = set()
    variants: set[str] = set()
    ok = espeak.find_library() is not None
    data = espeak.data_dir()
    if ok and data is not None:
        for accent, rel in _ESPEAK_VOICE_FILE.items():
            if (data / "lang" / rel).is_file():
                accents.add(accent)
        vdir = data / "voices" / "!v"
        variants = {v for v in ESPEAK_VARIANTS if (vdir / v).is_file()}
    festival: set[str] = set()
    if shutil.which("festival"):
        for name, (_fn, _g, rel) in FESTIVAL_VOICES.items():
            if any((d / rel).is_dir() for d in FESTIVAL_VOICE_DIRS):
                festival.add(name)
    return ok, frozenset(accents), frozenset(variants), frozenset(festival)


def backend_available(backend: str) -> bool:
    ok, accents, _v, festival = _installed()
    if backend == "espeak":
        return ok and bool(accents)
    if backend == "festival":
        return bool(festival)
    return False


def available_voices(language: str | None = None, *, backend: str | None = None) -> list[Voice]:
    """Voices installed on this machine (festival voices and espeak-ng accents x variants).

    ``language`` filters by language code; an unknown code raises SpeechError.
    The order is stable: festival first, then espeak-ng by language, accent, variant.
    """
    if language is not None and language not in LANGUAGES:
        raise SpeechError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    ok, accents, variants, festival = _installed()
    out: list[Voice] = []
    if backend in (None, "festival") and language in (None, "en"):
        out.extend(parse_voice(f"festival:{name}") for name in FESTIVAL_VOICES if name in festival)
    if backend in (None, "espeak") and ok:
        for lang in LANGUAGES:
            if language is not None and lang != language:
                continue
            for accent in ESPEAK_ACCENTS[lang]:
                if accent not in accents:
                    continue
                out.append(parse_voice(f"espeak:{accent}"))
                out.extend(parse_voice(f"espeak:{accent}+{v}") for v in ESPEAK_VARIANTS if v in variants)
    return out
