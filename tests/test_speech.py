"""Speech with exact phone timings: the IPA inventory, the Utterance helpers, both backends.

Tests marked ``speech`` need festival / espeak-ng from Debian (tools/setup.sh) and
are skipped, with the reason, only when the binaries are absent.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from pitch_track import median_f0

from duet.model.spec import SAMPLE_RATE
from duet.model.training.speech import (
    TIMING_OFFSET_S,
    Phone,
    SpeechError,
    Synthesizer,
    Utterance,
    Voice,
    available_voices,
    backend_available,
    ipa,
    parse_voice,
    timing_group,
)
from duet.model.training.speech.samples import SENTENCES
from duet.model.training.speech.voices import ESPEAK_ACCENTS, LANGUAGES

HAVE_ESPEAK = backend_available("espeak")
HAVE_FESTIVAL = backend_available("festival")
needs_espeak = pytest.mark.skipif(
    not HAVE_ESPEAK,
    reason="espeak-ng is not installed (Debian espeak-ng, libespeak-ng1: bash tools/setup.sh)",
)
needs_festival = pytest.mark.skipif(
    not HAVE_FESTIVAL,
    reason="festival voices are not installed (Debian festival festvox-kallpc16k festvox-kdlpc16k "
    "festvox-us-slt-hts: bash tools/setup.sh)",
)

# One voice per timing group and per language, each with the backend it needs.
BACKEND_VOICES = [
    pytest.param("festival:kal", marks=needs_festival),
    pytest.param("festival:ked", marks=needs_festival),
    pytest.param("festival:slt", marks=needs_festival),
    pytest.param("espeak:en-us+f3", marks=needs_espeak),
    pytest.param("espeak:en+klatt4", marks=needs_espeak),
]
LANGUAGE_VOICES = [
    pytest.param(lang, f"espeak:{ESPEAK_ACCENTS[lang][0]}+m2", marks=needs_espeak) for lang in LANGUAGES
]


@pytest.fixture(scope="module")
def synth():
    with Synthesizer() as s:
        yield s


# --- pure: IPA -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("ˈoʊ", "oʊ"),
        ("ɑːɹ", "ɑɹ"),
        ("ɯᵝ", "ɯ"),
        ("ä", "a"),
        ("o̞", "o"),
        ("t̪", "t"),
        ("ç", "ç"),
        ("õ", "õ"),
        ("ɐ̃ʊ̃", "ɐ̃ʊ̃"),
        ("s.", "ʂ"),
        ("ts.h", "tʂ"),
        ("kh", "k"),
        ("a-", "a"),
        ("g", "ɡ"),
        ("", "_"),
        ("pau", "_"),
    ],
)
def test_canonical_ipa(raw: str, canonical: str) -> None:
    assert ipa.canonical_ipa(raw) == canonical


def test_inventory_phones_are_canonical_and_classified() -> None:
    for phone in ipa.INVENTORY:
        assert ipa.canonical_ipa(phone) == phone, phone
        letters = ipa.base_letters(phone)
        assert phone == ipa.SILENCE or (letters and all(c in ipa.LETTERS for c in letters)), phone
        assert ipa.classify(phone) in ipa.CLASSES


@pytest.mark.parametrize(
    ("phone", "cls"),
    [
        ("p", ipa.BILABIAL),
        ("b", ipa.BILABIAL),
        ("m", ipa.BILABIAL),
        ("f", ipa.LABIODENTAL),
        ("v", ipa.LABIODENTAL),
        ("u", ipa.ROUNDED_VOWEL),
        ("oʊ", ipa.ROUNDED_VOWEL),
        ("uo", ipa.ROUNDED_VOWEL),
        ("i", ipa.SPREAD_VOWEL),
        ("ɛ", ipa.SPREAD_VOWEL),
        ("a", ipa.OPEN_VOWEL),
        ("aɪ", ipa.OPEN_VOWEL),
        ("ia", ipa.OPEN_VOWEL),
        ("ə", ipa.NEUTRAL_VOWEL),
        ("w", ipa.ROUNDED_CONSONANT),
        ("ʃ", ipa.POSTALVEOLAR),
        ("tʃ", ipa.POSTALVEOLAR),
        ("θ", ipa.DENTAL),
        ("t", ipa.CORONAL),
        ("k", ipa.DORSAL),
        ("h", ipa.GLOTTAL),
        ("_", ipa.SILENCE_CLASS),
    ],
)
def test_classify(phone: str, cls: str) -> None:
    assert ipa.classify(phone) == cls


def test_arpabet_to_ipa() -> None:
    assert ipa.arpabet_to_ipa("AH0") == ("ə", 0)
    assert ipa.arpabet_to_ipa("AH1") == ("ʌ", 1)
    assert ipa.arpabet_to_ipa("er0") == ("ɚ", 0)
    assert ipa.arpabet_to_ipa("B") == ("b", 0)
    assert ipa.arpabet_to_ipa("sil") == ("_", 0)
    for symbol, phone in ipa.ARPABET_TO_IPA.items():
        assert phone in ipa.INVENTORY, (symbol, phone)
    with pytest.raises(ValueError, match="not an ARPAbet phone"):
        ipa.arpabet_to_ipa("XYZ")


# --- pure: voices and utterances ------------------------------------------------------------------
def test_parse_voice() -> None:
    v = parse_voice("espeak:en-us+f3")
    assert v == Voice("espeak:en-us+f3", "espeak", "en", "female")
    assert (v.accent, v.variant) == ("en-us", "f3")
    assert parse_voice("espeak:cmn").language == "cmn"
    assert parse_voice("festival:slt").gender == "female"
    for bad in ("kal", "espeak:xx-yy", "espeak:en+robosoft", "festival:awb", "other:x"):
        with pytest.raises(SpeechError):
            parse_voice(bad)


def test_available_voices_are_installed_and_parse() -> None:
    voices = available_voices()
    assert all(parse_voice(v.id) == v for v in voices)
    assert all(v.backend == "festival" for v in voices) or HAVE_ESPEAK
    if HAVE_ESPEAK:
        for lang in LANGUAGES:
            assert available_voices(lang), lang
    with pytest.raises(SpeechError, match="unknown language"):
        available_voices("xx")


def _toy_utterance() -> Utterance:
    """0.5 s: silence, a 'ma' burst, silence."""
    n = SAMPLE_RATE // 2
    audio = np.zeros(n, np.float32)
    t = np.arange(n) / SAMPLE_RATE
    audio[4000:6000] = 0.3 * np.sin(2 * np.pi * 150 * t[4000:6000])
    phones = [Phone("_", 0.0, 0.25), Phone("m", 0.25, 0.3), Phone("a", 0.3, 0.375, 1), Phone("_", 0.375, 0.5)]
    return Utterance(audio, phones, [("ma", 0.25, 0.375)], "ma", parse_voice("festival:kal"), "en")


def test_utterance_edits_keep_phones_on_the_audio() -> None:
    u = _toy_utterance()
    u.check()
    s = u.shifted(0.1)
    s.check()
    assert s.duration == pytest.approx(0.6)
    assert s.phones[1].start == pytest.approx(0.35) and s.words[0][1] == pytest.approx(0.35)
    assert np.array_equal(s.audio[1600 + 4000 : 1600 + 6000], u.audio[4000:6000])
    e = u.shifted(-0.1)
    e.check()
    assert e.phones[1].start == pytest.approx(0.15)
    p = u.padded(0.05, 0.2)
    p.check()
    assert p.duration == pytest.approx(0.75) and p.phones[-1].ipa == "_"
    tr = u.trimmed(0.2, 0.35)
    tr.check()
    assert [ph.ipa for ph in tr.phones] == ["_", "m", "a"]
    st = u.stretched(1.5)
    st.check()
    assert st.duration == pytest.approx(0.75, abs=1 / SAMPLE_RATE)
    assert st.phones[1].start == pytest.approx(0.375)
    # the burst moved with its phones: energy onset at 1.5 x 0.25 s
    onset = np.flatnonzero(np.abs(st.audio) > 0.05)[0] / SAMPLE_RATE
    assert onset == pytest.approx(0.375, abs=0.003)
    ipas, starts, ends, stress = u.phone_arrays(offset=1.0)
    assert ipas.dtype == np.dtype("<U8") and starts[1] == pytest.approx(1.25) and stress[2] == 1


def test_tiled_fills_gaps_with_silence() -> None:
    u = _toy_utterance()
    u.phones = [Phone("m", 0.26, 0.3), Phone("a", 0.31, 0.36)]
    t = u.tiled()
    t.check()
    assert [p.ipa for p in t.phones] == ["_", "m", "_", "a", "_"]


# --- backends ------------------------------------------------------------------------------------
def _high_band_db(audio: np.ndarray, a: float, b: float) -> float:
    """Power above 1 kHz (dB) of audio[a:b]: closed lips leave little there, even in a nasal m."""
    seg = audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)].astype(np.float64)
    if len(seg) < 16:
        return -120.0
    power = np.abs(np.fft.rfft(seg * np.hanning(len(seg)))) ** 2
    freqs = np.fft.rfftfreq(len(seg), 1 / SAMPLE_RATE)
    return float(10 * np.log10(power[freqs > 1000].sum() / len(seg) + 1e-12))


@pytest.mark.speech
@pytest.mark.parametrize("voice", BACKEND_VOICES)
def test_phone_timing_interface(synth: Synthesizer, voice: str) -> None:
    closures = 0
    lower = 0
    for text in SENTENCES["en"][:6]:
        utt = synth.synthesize(text, voice)
        utt.check()  # phones tile [0, duration]: ordered, contiguous, positive
        assert utt.audio.dtype == np.float32 and utt.audio.ndim == 1
        assert np.sqrt(np.mean(utt.audio**2)) > 1e-3
        assert utt.voice is not None and utt.voice.id == voice and utt.language == "en"
        spoken = [p for p in utt.phones if p.ipa != ipa.SILENCE]
        assert len(spoken) >= 8
        assert all(p.ipa in ipa.INVENTORY for p in utt.phones)
        assert any(p.stress == 1 for p in spoken) and all(
            p.stress == 0 for p in spoken if not ipa.is_vowel(p.ipa)
        )
        assert utt.words and all(0 <= s < e <= utt.duration for _w, s, e in utt.words)
        assert all(a[1] <= b[1] for a, b in zip(utt.words, utt.words[1:], strict=False))
        # Bilabial closures: the middle of a p/b/m between vowels has far less energy above
        # 1 kHz than the vowels (a phone time off by half a phone would fail this).
        ph = utt.phones
        for i in range(1, len(ph) - 1):
            if ipa.is_bilabial(ph[i].ipa) and ipa.is_vowel(ph[i - 1].ipa) and ipa.is_vowel(ph[i + 1].ipa):
                p = ph[i]
                mid = _high_band_db(utt.audio, p.start + 0.3 * p.duration, p.end - 0.3 * p.duration)
                vowels = max(_high_band_db(utt.audio, q.start, q.end) for q in (ph[i - 1], ph[i + 1]))
                closures += 1
                lower += mid < vowels - 10.0
    assert closures >= 5
    assert lower / closures >= 0.9, f"only {lower}/{closures} bilabials are quieter than their vowels"


@pytest.mark.speech
@pytest.mark.parametrize("voice", BACKEND_VOICES)
def test_timing_correction_is_applied(voice: str) -> None:
    text = SENTENCES["en"][0]
    with Synthesizer(correct_timing=False) as raw_synth, Synthesizer() as synth:
        raw = raw_synth.synthesize(text, voice)
        fixed = synth.synthesize(text, voice)
    offset = TIMING_OFFSET_S[timing_group(parse_voice(voice))]
    assert np.array_equal(raw.audio, fixed.audio)
    inner = [(a, b) for a, b in zip(raw.phones[1:-1], fixed.phones[1:-1], strict=True)]
    assert inner
    for a, b in inner:
        assert a.ipa == b.ipa
        assert a.start - b.start == pytest.approx(offset, abs=1e-6)


@pytest.mark.speech
@pytest.mark.parametrize(("language", "voice"), LANGUAGE_VOICES)
def test_every_language_speaks_inventory_phones(synth: Synthesizer, language: str, voice: str) -> None:
    unknown: dict[str, str] = {}
    accents = ESPEAK_ACCENTS[language]
    for k, text in enumerate(SENTENCES[language]):
        # every sentence with the main accent, and each other accent on one sentence
        voices = [voice] + ([f"espeak:{accents[k]}"] if 0 < k < len(accents) else [])
        for v in voices:
            utt = synth.synthesize(text, v)
            utt.check()
            assert utt.language == language
            assert sum(p.ipa != ipa.SILENCE for p in utt.phones) >= 5
            for p in utt.phones:
                if p.ipa not in ipa.INVENTORY:
                    unknown[p.ipa] = text
    if language == "en" and HAVE_FESTIVAL:
        for name in ("kal", "ked", "slt"):
            for text in SENTENCES["en"]:
                for p in synth.synthesize(text, f"festival:{name}").phones:
                    if p.ipa not in ipa.INVENTORY:
                        unknown[p.ipa] = text
    assert not unknown, f"phones missing from speech.ipa.INVENTORY: {unknown}"


@pytest.mark.speech
@needs_espeak
def test_espeak_is_deterministic_whatever_came_before(synth: Synthesizer) -> None:
    text = SENTENCES["en"][1]

    def digest() -> str:
        return hashlib.sha256(synth.synthesize(text, "espeak:en-us+m3").audio.tobytes()).hexdigest()

    first = digest()
    synth.synthesize(SENTENCES["fr"][0], "espeak:fr+f2")
    synth.synthesize(SENTENCES["en"][2], "espeak:en-us+m3", rate=1.3, pitch=2)
    assert digest() == first


@pytest.mark.speech
@needs_festival
def test_festival_is_deterministic(synth: Synthesizer) -> None:
    a = synth.synthesize(SENTENCES["en"][3], "festival:ked")
    synth.synthesize(SENTENCES["en"][4], "festival:ked", rate=1.2, pitch=-2)
    b = synth.synthesize(SENTENCES["en"][3], "festival:ked")
    assert np.array_equal(a.audio, b.audio) and [p.start for p in a.phones] == [p.start for p in b.phones]


@pytest.mark.speech
@pytest.mark.parametrize("voice", BACKEND_VOICES)
def test_rate_and_pitch(synth: Synthesizer, voice: str) -> None:
    text = SENTENCES["en"][3]
    base = synth.synthesize(text, voice)
    fast = synth.synthesize(text, voice, rate=1.4)
    high = synth.synthesize(text, voice, pitch=4.0)
    span = base.speech_span()[1] - base.speech_span()[0]
    fast_span = fast.speech_span()[1] - fast.speech_span()[0]
    assert fast_span < 0.85 * span
    shift = 12 * np.log2(median_f0(high.audio) / median_f0(base.audio))
    assert shift == pytest.approx(4.0, abs=1.5)


@pytest.mark.speech
@needs_espeak
def test_refuses_text_the_voice_cannot_read(synth: Synthesizer) -> None:
    with pytest.raises(SpeechError, match="kana"):
        synth.synthesize("私の名前は田中です。", "espeak:ja")
    assert synth.synthesize("私の名前", "espeak:ja", allow_language_switch=True).duration > 0
    with pytest.raises(SpeechError, match="empty"):
        synth.synthesize("   ", "espeak:en-us")
    with pytest.raises(SpeechError, match="rate"):
        synth.synthesize("hello", "espeak:en-us", rate=5.0)
