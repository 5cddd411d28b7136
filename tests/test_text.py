"""Dialogue text grammars: kinds, languages, scripts, held-out partition, determinism."""

from __future__ import annotations

import re

import numpy as np
import pytest

from duet.model.training import text
from duet.model.training.speech import SpeechError, backend_available, synthesize
from duet.model.training.speech.voices import ESPEAK_ACCENTS
from duet.model.training.text.grammar import (
    LEXICON_TEST_EVERY,
    MIN_SPLIT_LIST,
    TEMPLATE_TEST_EVERY,
    Grammar,
    GrammarError,
)

REQUIRED_LANGUAGES = {"en", "es", "fr", "de", "it", "pt", "ja", "cmn"}
HAN = re.compile(r"[\u4e00-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")


def sample(language: str, kind: str, partition: str, n: int, seed: int = 0) -> list[text.Line]:
    rng = np.random.default_rng(seed)
    return [text.line(rng, language, kind, partition) for _ in range(n)]


def test_languages_and_kinds_all_generate():
    assert set(text.LANGUAGES) >= REQUIRED_LANGUAGES
    for lang in text.LANGUAGES:
        for kind in text.KINDS:
            for part in text.PARTITIONS:
                lines = sample(lang, kind, part, 20)
                assert all(ln.text.strip() and ln.kind == kind and ln.language == lang for ln in lines)
                assert all("{" not in ln.text and "[" not in ln.text and "<" not in ln.text for ln in lines)


def test_english_has_the_conversational_classes():
    backs = {ln.text.lower() for ln in sample("en", "backchannel", "train", 400)}
    assert {"um-hum", "yeah", "right", "oh"} <= backs
    questions = sample("en", "question", "train", 200)
    assert all(ln.text.endswith("?") for ln in questions)
    laughs = sample("en", "laugh", "train", 50)
    assert all(re.fullmatch(r"[ah ]*h[aeh ]*", ln.text.lower()) for ln in laughs)
    # Short answers are short; statements run longer.
    answer_words = np.mean([len(ln.text.split()) for ln in sample("en", "answer", "train", 300)])
    statement_words = np.mean([len(ln.text.split()) for ln in sample("en", "statement", "train", 300)])
    assert answer_words < 6 < statement_words


def test_scripts_japanese_kana_mandarin_characters():
    for kind in text.KINDS:
        for ln in sample("ja", kind, "train", 100):
            assert not HAN.search(ln.text), f"kanji in Japanese line {ln.text!r} (espeak-ng reads kana only)"
            assert KANA.search(ln.text), ln.text
        for ln in sample("cmn", kind, "train", 100):
            assert HAN.search(ln.text), ln.text


def test_same_seed_same_lines_different_seed_differs():
    a = [ln.text for ln in sample("en", "statement", "train", 50, seed=5)]
    b = [ln.text for ln in sample("en", "statement", "train", 50, seed=5)]
    c = [ln.text for ln in sample("en", "statement", "train", 50, seed=6)]
    assert a == b and a != c


@pytest.mark.parametrize("language", sorted(REQUIRED_LANGUAGES))
def test_test_partition_lines_never_appear_in_train(language):
    for kind in text.OPEN_KINDS:
        train = {ln.text for ln in sample(language, kind, "train", 2000, seed=1)}
        test = {ln.text for ln in sample(language, kind, "test", 2000, seed=2)}
        assert not train & test, f"{language} {kind}: {sorted(train & test)[:3]}"
        assert len(test) >= 30, f"{language} {kind}: only {len(test)} distinct test lines"


@pytest.mark.parametrize("language", sorted(REQUIRED_LANGUAGES))
def test_train_uses_no_held_out_template(language):
    for kind in text.OPEN_KINDS:
        for ln in sample(language, kind, "train", 300):
            index = int(ln.template.rsplit("/", 1)[1])
            assert index % TEMPLATE_TEST_EVERY != TEMPLATE_TEST_EVERY - 1
        for ln in sample(language, kind, "test", 300):
            index = int(ln.template.rsplit("/", 1)[1])
            assert index % TEMPLATE_TEST_EVERY == TEMPLATE_TEST_EVERY - 1


def test_train_never_says_a_held_out_word():
    g = text.grammar("en")
    train_text = " ".join(t for kind in text.KINDS for _, t in g.templates_for(kind, "train")).lower()
    kept, held = [], []
    for name, entries in g.lexicon.items():
        if name in g.shared_lists or len(entries) < MIN_SPLIT_LIST:
            kept += entries
            continue
        for i, e in enumerate(entries):
            (held if i % LEXICON_TEST_EVERY == LEXICON_TEST_EVERY - 1 else kept).append(e)
    kept_text = " ".join(kept).lower() + " " + train_text
    # Held-out words that cannot turn up as part of other text.
    kept_low = [k.lower() for k in kept if "{" not in k and len(k) >= 4]
    probes = [
        h.lower()
        for h in held
        if "{" not in h
        and h.lower() not in kept_text
        # "after the meeting" can be "after {topic}" + "the meeting": not a probe
        and not any(h.lower().endswith(" " + k) or h.lower().startswith(k + " ") for k in kept_low)
    ]
    assert len(probes) > 50
    lines = " | ".join(ln.text.lower() for kind in text.KINDS for ln in sample("en", kind, "train", 1500))
    found = [p for p in probes if re.search(rf"\b{re.escape(p)}\b", lines)]
    assert not found, f"held-out words in training text: {found[:5]}"
    test_lines = " | ".join(ln.text.lower() for ln in sample("en", "statement", "test", 1500))
    assert any(re.search(rf"\b{re.escape(p)}\b", test_lines) for p in probes)


def test_english_is_varied():
    for kind, least in (("question", 800), ("answer", 800), ("statement", 2000)):
        distinct = {ln.text for ln in sample("en", kind, "train", 3000)}
        assert len(distinct) >= least, (kind, len(distinct))


def test_inventory_counts_templates():
    inv = text.inventory()
    assert set(inv) == set(text.LANGUAGES)
    en = inv["en"]
    assert en["train"]["question"]["templates"] + en["test"]["question"]["templates"] == len(
        text.grammar("en").templates["question"]
    )


def test_bad_grammar_and_bad_arguments_are_named():
    kinds = {k: ("hi",) for k in text.KINDS}
    with pytest.raises(GrammarError, match="unknown slot"):
        Grammar("xx", {**kinds, "question": ("{nope}?",)}, {})
    with pytest.raises(GrammarError, match="no templates"):
        Grammar("xx", {"question": ("a",)}, {})
    with pytest.raises(ValueError, match="no text grammar"):
        text.grammar("klingon")
    with pytest.raises(ValueError, match="partition"):
        text.line(np.random.default_rng(0), "en", "question", "validation")


@pytest.mark.speech
@pytest.mark.slow
def test_every_template_and_word_is_read_in_its_own_language():
    """espeak-ng refuses text it reads partly in another language ("Party" in German is
    English to it): every template and lexicon entry must be readable by its language."""
    from duet.model.training.speech import SpeechError, Synthesizer, available_voices, backend_available

    if not backend_available("espeak"):
        pytest.skip("espeak-ng is not installed (tools/setup.sh)")
    refused = []
    with Synthesizer() as synth:
        for lang, g in text.GRAMMARS.items():
            voice = next(v for v in available_voices(lang) if v.backend == "espeak")
            items = [t for ts in g.templates.values() for t in ts] + [
                e for es in g.lexicon.values() for e in es
            ]
            plain = [re.sub(r"\{\w+\}|[\[\]<>|]", " ", item).strip() for item in items]
            plain = [p for p in plain if re.search(r"\w", p)]
            for k in range(0, len(plain), 25):  # a batch per call; item by item only on a refusal
                batch = plain[k : k + 25]
                try:
                    synth.synthesize(" . ".join(batch), voice)
                    continue
                except SpeechError:
                    pass
                for item in batch:
                    try:
                        synth.synthesize(item, voice)
                    except SpeechError as exc:
                        refused.append(f"{lang}: {item!r}: {str(exc)[:80]}")
    assert not refused, "\n".join(refused)


@pytest.mark.speech
@pytest.mark.skipif(not backend_available("espeak"), reason="espeak-ng is not installed (tools/setup.sh)")
def test_every_word_reads_in_its_own_language() -> None:
    """espeak-ng reads every lexicon entry and template without switching language (a German
    "Party" it read as English once stopped a corpus build); one voice per language."""
    slot = re.compile(r"\{[^}]*\}")
    for lang, g in text.GRAMMARS.items():
        voice = f"espeak:{ESPEAK_ACCENTS[lang][0]}"
        pieces = {
            slot.sub(" ", p).strip(" ,.")
            for p in (*sum(g.lexicon.values(), ()), *sum(g.templates.values(), ()))
        }
        pieces = sorted(p for p in pieces if re.search(r"\w", p))
        for start in range(0, len(pieces), 40):
            batch = pieces[start : start + 40]
            try:
                synthesize(" . ".join(batch), voice)
            except SpeechError:
                culprits = []
                for p in batch:
                    try:
                        synthesize(p, voice)
                    except SpeechError as err:
                        culprits.append(f"{p!r}: {err}")
                assert not culprits, f"{lang}: " + "; ".join(culprits)
