"""The evaluation's script building (model/training/eval_script.py): pure and fast, no model run."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from duet.model.performance import TakeLine
from duet.model.script import parse_script
from duet.model.script.take import _english_like
from duet.model.training import eval_script as es
from duet.model.training import evaluate as ev

REAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "real"

# (role, start, end, kind, text) as corpus_read.ClipData.lines holds them, out of order on purpose.
LINES = [
    (1, 2.08, 3.38, "answer", "Maybe at the end of the month."),
    (0, 0.77, 2.05, "question", "Really? Kate?"),
    (1, 9.57, 10.07, "backchannel", "Right right"),
    (0, 6.29, 9.35, "statement", "Apparently there were like four weeks at the ski resort."),
    (0, 9.70, 12.39, "laugh", "Ha ha ha"),
]


def test_lines_become_a_script_in_spoken_order_with_their_roles() -> None:
    text, refs = es.script_from_lines(LINES)
    script = parse_script(text)
    assert [ln.role for ln in script.lines] == ["A", "B", "A", "B", "A"]
    assert script.lines[0].words == ("Really", "Kate")
    assert [r.start for r in refs] == sorted(r.start for r in refs)
    # Each reference names the script line it describes.
    for ref, line in zip(refs, script.lines, strict=True):
        assert ref.number == line.number
        assert "AB"[ref.role] == line.role
        assert ref.text == line.spoken
    assert len(es.script_from_lines(LINES, laughs=False)[1]) == 4


def test_any_language_parses_with_roles_and_is_not_word_aligned_unless_latin() -> None:
    lines = [
        (0, 0.59, 1.65, "question", "ちず は いくらでしたか？"),
        (1, 1.33, 1.61, "laugh", "呵呵"),
        (0, 2.52, 3.27, "statement", "我把钥匙忘在博物馆了。"),
        (1, 3.0, 4.0, "statement", "Ehrlich gesagt war die Reise langweilig."),
    ]
    text, refs = es.script_from_lines(lines)
    script = parse_script(text)
    assert [ln.role for ln in script.lines] == ["A", "B", "A", "B"]
    assert script.lines[0].syllables >= 8  # kana count one syllable each
    assert not _english_like(script.lines[2])
    assert len(refs) == 4


def test_text_that_would_break_the_format_is_made_safe() -> None:
    lines = [
        (0, 0.0, 1.0, "statement", "#1 fan (really) [sic]:\nyes"),
        (1, 1.0, 2.0, "statement", "..."),  # no words: left out, not an empty line
    ]
    text, refs = es.script_from_lines(lines)
    script = parse_script(text)
    assert len(script.lines) == 1 and len(refs) == 1
    assert script.lines[0].words == ("1", "fan", "really", "sic", "yes")


def test_a_clip_with_only_phones_gets_a_line_per_segment_with_a_syllable_each() -> None:
    phones = [
        {"ipa": np.array(["h", "ɛ", "l", "oʊ", "m", "ə"]), "start": np.arange(6) * 0.1 + 0.5,
         "end": np.arange(6) * 0.1 + 0.6},
        {"ipa": np.array(["j", "ɛ"]), "start": np.array([2.0, 2.1]), "end": np.array([2.1, 2.3])},
    ]  # fmt: skip
    segments = [[(0.5, 1.1, "turn"), (3.0, 3.5, "laugh")], [(2.0, 2.3, "backchannel")]]
    clip = SimpleNamespace(lines=[], segments=segments, phones=phones)
    text, refs, source = es.clip_script(clip)
    assert source == "segments"
    script = parse_script(text)
    assert [ln.role for ln in script.lines] == ["A", "B"]
    assert [len(ln.words) for ln in script.lines] == [3, 1]  # vowels ɛ oʊ ə; ɛ
    assert not any(_english_like(ln) for ln in script.lines)
    assert (refs[0].start, refs[0].end) == (0.5, 1.1)


def test_textgrid_words_make_one_line_of_a() -> None:
    rows = [(0.0, 0.06, ""), (0.06, 0.41, "BOBBY"), (0.41, 0.66, "RIPPED"), (0.66, 0.74, "THE"),
            (0.74, 1.12, "LEDGER"), (1.12, 1.3, "sil")]  # fmt: skip
    text, ref = es.words_script(rows)
    assert text == "A: BOBBY RIPPED THE LEDGER\n"
    assert ref is not None and (ref.start, ref.end, ref.role) == (0.06, 1.12, 0)
    assert es.words_script([(0.0, 1.0, "")]) == ("", None)


def test_jfk_sentence_is_one_line_of_a() -> None:
    script = parse_script(es.JFK_SCRIPT)
    assert len(script.lines) == 1 and script.lines[0].role == "A"
    assert len(script.lines[0].words) == 22


def test_turn_refs_follow_turn_order_and_refuse_a_different_count() -> None:
    text = "# header\nA: one two\nB: three\nA: four\n"
    turns = [("X", 5.0, 6.0), ("X", 0.0, 2.0), ("Y", 2.5, 3.0)]
    refs = es.turn_refs(text, turns)
    assert [(r.number, r.role, r.start) for r in refs] == [(2, 0, 0.0), (3, 1, 2.5), (4, 0, 5.0)]
    assert es.turn_refs(text, turns[:2]) == ()


def _perf(*lines: TakeLine) -> SimpleNamespace:
    return SimpleNamespace(lines=tuple(lines))


def test_line_counts_tell_well_placed_misplaced_and_missing_lines() -> None:
    refs = (
        es.RefLine(1, 0, 1.0, 2.0, "a"),
        es.RefLine(2, 1, 3.0, 4.0, "b"),
        es.RefLine(3, 0, 5.0, 6.0, "c"),
    )
    perf = _perf(
        TakeLine("A", "A", "a", 1.2, 2.1, 1, 0.9),  # within 0.5 s at both ends
        TakeLine("B", "B", "b", 0.5, 0.9, 2, 0.3),  # placed before line 1: misplaced
    )
    speech = np.zeros(400, dtype=bool)
    speech[50:100] = speech[150:200] = True
    c = es.line_counts(perf, refs, speech, "clip-1")
    assert (c["script_lines"], c["script_found"], c["script_well_placed"], c["script_confident"]) == (
        3,
        2,
        1,
        1,
    )
    assert c["script_start_errors_ms"] == pytest.approx([200.0, 2500.0], rel=1e-9)
    assert [(m["line"], "placed" in m) for m in c["script_misplaced"]] == [(2, True), (3, False)]
    assert c["speech_frames"] == 100
    assert c["speech_covered_frames"] == 40  # 1.2-2.0 s of the 1.0-2.0 s speech
    pooled = es.pool_line_counts([c, {"frames": 10}])
    assert pooled["lines_found"] == pytest.approx(2 / 3)
    assert pooled["lines_well_placed"] == pytest.approx(1 / 3)
    assert pooled["line_start_error_ms"] == pytest.approx(1350.0)
    assert pooled["speech_covered"] == pytest.approx(0.4)
    assert es.pool_line_counts([{"frames": 10}]) == {}


def test_keep_rows_keeps_what_was_not_recomputed_and_the_hand_written_notes(tmp_path: Path) -> None:
    old = {
        "meta": {"command": "eval --old", "date": "2026-11-25", "models": {"abl": "runs/abl.npz"}},
        "results": {"duet": {"synthetic_mixed": {"clips": 23}, "real_aligned": {"clips": 2}},
                    "abl": {"real_aligned": {"clips": 2}}},
    }  # fmt: skip
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    results = {"duet": {"real_aligned": {"clips": 2, "speaker_attribution_accuracy": 0.9}}}
    meta = {"command": "eval --new", "date": "2026-12-06", "runs": [{"command": "eval --new", "date": "x"}],
            "models": {"duet": "assets/duet_model.npz"}}  # fmt: skip
    ev.merge_kept(results, meta, path)
    assert results["duet"]["real_aligned"] == {"clips": 2, "speaker_attribution_accuracy": 0.9}
    assert results["duet"]["synthetic_mixed"]["run"] == 1
    assert results["abl"]["real_aligned"]["run"] == 1
    assert [r["command"] for r in meta["runs"]] == ["eval --new", "eval --old"]
    assert meta["models"]["abl"] == "runs/abl.npz"
    report = tmp_path / "EVAL.md"
    report.write_text(ev.markdown(results, meta, "## Script figures\n\nbench: 2.1 s\n"), encoding="utf-8")
    assert "abl (run 2)" in report.read_text(encoding="utf-8")
    assert ev.kept_notes(report).strip() == "## Script figures\n\nbench: 2.1 s"


def test_committed_ami_script_says_how_it_was_made_and_matches_the_turns() -> None:
    text = es.AMI_SCRIPT.read_text(encoding="utf-8")
    assert "MADE BY MACHINE, NOT VERIFIED BY EAR" in text and "pocketsphinx" in text
    script = parse_script(text)
    assert {ln.role for ln in script.lines} == {"A", "B"}
    rttm = REAL / "conversation" / "ami_dev00.rttm"
    if not rttm.is_file():
        pytest.skip("../shared/eval/real is not here")
    refs = es.turn_refs(text, ev.read_rttm(rttm))
    assert len(refs) == len(script.lines)
    assert refs[0].role == 0 and refs[0].start == pytest.approx(1.44)


def test_word_measures_pool_the_span_against_voice_activity() -> None:
    c = {
        "script_lines": 1, "script_found": 1, "script_well_placed": 1, "script_confident": 1,
        "script_start_errors_ms": [0.0], "script_misplaced": [],
        "script_words": 22, "words_aligned": 22, "words_start_s": [0.32], "words_end_s": [10.43],
        "voice_start_s": [0.3], "voice_end_s": [11.0], "voice_in_words_frames": 380, "voice_frames": 400,
        "word_confidences": [0.1, 0.2, 0.9], "span_confidence": [0.08],
    }  # fmt: skip
    pooled = es.pool_line_counts([c])
    assert pooled["words_aligned"] == 1.0
    assert pooled["words_span_s"] == [0.32, 10.43] and pooled["voice_span_s"] == [0.3, 11.0]
    assert pooled["voice_in_words"] == pytest.approx(0.95)
    assert pooled["word_confidence"] == pytest.approx(0.2)
    lines_only = {k: v for k, v in c.items() if k.startswith("script_") and k != "script_words"}
    assert "words_aligned" not in es.pool_line_counts([lines_only])


def test_a_script_the_take_set_aside_is_one_row_not_one_per_line() -> None:
    none = es.line_counts(
        _perf(), (es.RefLine(1, 0, 1.0, 2.0, "a"), es.RefLine(2, 1, 3.0, 4.0, "b")), None, "c"
    )
    assert [(m["line"], m["text"], m["true"]) for m in none["script_misplaced"]] == [
        ("1-2", "(all 2 lines)", [1.0, 4.0])
    ]
