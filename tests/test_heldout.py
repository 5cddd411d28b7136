"""The held-out evaluation (model/training/heldout.py, heldout_eval.py): pure parts, no data, no bpy."""

from __future__ import annotations

import re

import numpy as np
import pytest

from duet.model import spec
from duet.model.performance import Performance
from duet.model.training import augment, composer, corpus, heldout, heldout_monologues, heldout_recordings
from duet.model.training import heldout_eval as he
from duet.model.training import speaker_verification as sv
from duet.model.training.speech.voices import parse_voice

SR = spec.SAMPLE_RATE


def fake_reading(
    rng: np.random.Generator, spans: list[tuple[float, float]], seconds: float, hz: float
) -> np.ndarray:
    """A 'reading': harmonic bursts at `spans` over a faint noise floor."""
    t = np.arange(int(seconds * SR)) / SR
    x = 1e-4 * rng.standard_normal(len(t))
    for s, e in spans:
        on = (t >= s) & (t < e)
        x[on] += 0.2 * (np.sin(2 * np.pi * hz * t[on]) + 0.5 * np.sin(2 * np.pi * 2.7 * hz * t[on]))
    return x.astype(np.float32)


def fake_speaker(seed: int, hz: float) -> dict[str, list[heldout.Piece]]:
    rng = np.random.default_rng(seed)
    pieces: dict[str, list[heldout.Piece]] = {"phrase": [], "word": []}
    for k in range(4):
        spans, t = [], 0.3
        for _ in range(6):
            d = float(rng.uniform(0.2, 1.4))
            spans.append((t, t + d))
            t += d + float(rng.choice([0.1, 0.4]))
        for pool, items in heldout.reading_pieces(fake_reading(rng, spans, t + 0.3, hz), f"r{k}").items():
            pieces[pool] += items
    return pieces


# ----------------------------------------------------------------------------- readings


def test_speech_runs_find_the_voiced_stretches():
    x = fake_reading(np.random.default_rng(0), [(0.5, 1.2), (1.6, 2.0)], 3.0, 180.0)
    runs = heldout.speech_runs(x)
    assert len(runs) == 2
    for (s, e), (ts, te) in zip(runs, [(0.5, 1.2), (1.6, 2.0)], strict=True):
        assert abs(s - ts) <= 0.02 and abs(e - te) <= 0.02


def test_group_runs_split_at_pauses_and_long_phrases_at_their_largest_pause():
    runs = [(0.0, 1.0), (1.1, 2.0), (2.5, 3.0), (3.05, 7.0), (7.3, 9.0)]
    groups = heldout.group_runs(runs, min_pause=0.25, max_s=100.0)
    assert [len(g) for g in groups] == [2, 2, 1]
    split = heldout.group_runs(runs, min_pause=1.0, max_s=5.0)  # one 9 s group: split at the 0.5 s pause
    assert split[0] == [(0.0, 1.0), (1.1, 2.0)]
    assert all(g[-1][1] - g[0][0] <= 5.0 or len(g) == 1 for g in split)
    assert [r for g in split for r in g] == runs


def test_piece_phones_tile_its_voiced_runs_in_short_steps():
    x = np.zeros(3 * SR, np.float32)
    piece = heldout.make_piece(x, [(0.5, 0.83), (1.0, 1.2)], "src")
    assert abs(piece.phones[0].start - heldout.PIECE_LEAD_S) < 1e-3
    assert all(p.end - p.start <= heldout.PSEUDO_PHONE_S + 1e-9 for p in piece.phones)
    covered = sum(p.end - p.start for p in piece.phones)
    assert covered == pytest.approx(0.33 + 0.2, abs=1e-6)
    assert len(piece.audio) == round((1.2 + heldout.PIECE_TAIL_S - 0.45) * SR)
    assert piece.duration == pytest.approx(0.7, abs=1e-6)


def test_picker_serves_each_piece_of_a_pool_once_before_repeating_and_no_laughs():
    picker = heldout.PiecePicker(fake_speaker(1, 150.0), np.random.default_rng(0))
    pool = picker.pools[("statement", "phrase")]
    assert pool and all(1.0 <= p.duration <= heldout.PHRASE_MAX_S for p in pool)
    served = [picker("x", 0, "statement").audio.tobytes() for _ in range(len(pool))]
    assert len(set(served)) == len(pool)
    assert picker("ha ha", 0, "laugh").phones == []


# ----------------------------------------------------------------------------- plans and composing


def test_fillets_lines_are_split_by_fish_and_other_parts_left_out(tmp_path):
    folder = tmp_path / "sound" / "barrel" / "cs"
    folder.mkdir(parents=True)
    for stem in ("bar-m-no", "bar-v-sud", "bar-m-dost0", "bar-x-gr0", "readme"):
        (folder / f"{stem}.ogg").write_bytes(b"")
    lines = heldout_recordings.fillets_lines(tmp_path, "barrel", "cs")
    assert [p.stem for p in lines["m"]] == ["bar-m-dost0", "bar-m-no"]
    assert [p.stem for p in lines["v"]] == ["bar-v-sud"]
    assert len(set(heldout.FILLETS_HELDOUT_LEVELS)) == 10


def test_fillets_plan_puts_bursts_in_half_of_each_language():
    plan = heldout.plan_fillets(heldout.FILLETS_HELDOUT_LEVELS, 24)
    assert len(plan) == 20 and len(set(plan)) == 20
    for language in heldout.FILLETS_LANGUAGES:
        kinds = [b for _, lang, b in plan if lang == language]
        assert len(kinds) == 10 and sum(bool(b) for b in kinds) == 5
        assert {b for b in kinds if b} == set(heldout.BURST_KINDS)
    assert heldout.plan_fillets(heldout.FILLETS_HELDOUT_LEVELS, 3) == plan[:3]


def test_real_pair_plan_mixes_genders_and_puts_bursts_in_half_of_each_group():
    sexes = {f"m{i}": "M" for i in range(5)} | {f"f{i}": "F" for i in range(5)}
    plan = heldout.plan_real_pairs(sexes, sorted(sexes), 24, seed=3)
    assert plan == heldout.plan_real_pairs(sexes, sorted(sexes), 24, seed=3)
    kinds = ["".join(sorted(sexes[a] + sexes[b])) for a, b, _ in plan]
    assert kinds.count("MM") == 6 and kinds.count("FF") == 6 and kinds.count("FM") == 12
    for key in ("MM", "FF", "FM"):
        bursts = [burst for (_, _, burst), k in zip(plan, kinds, strict=True) if k == key]
        assert sum(bool(b) for b in bursts) == len(bursts) // 2
    assert len({(a, b) for a, b, _ in plan}) == 24 and all(a != b for a, b, _ in plan)


def test_synthetic_pairs_are_held_out_voices_of_one_gender():
    plan = heldout.plan_synthetic_pairs(24, seed=13)
    assert plan == heldout.plan_synthetic_pairs(24, seed=13)
    for a, b, _ in plan:
        va, vb = parse_voice(a), parse_voice(b)
        assert corpus.voice_split(a) == corpus.voice_split(b) == "test"
        assert va.gender == vb.gender
        assert (va.variant or va.id) != (vb.variant or vb.id)
    genders = [parse_voice(a).gender for a, _, _ in plan]
    assert genders.count("female") == 8 and sum("festival:ked" in (a, b) for a, b, _ in plan) == 8
    assert sum(w for _, _, w in plan) == 12


@pytest.mark.parametrize("gender", ["male", "female"])
def test_heldout_warps_use_test_cells_that_keep_the_gender(gender):
    rng = np.random.default_rng(5)
    lo, hi = heldout.GENDER_PITCH[gender]
    for _ in range(50):
        w = heldout.heldout_warp(rng, gender)
        assert w.cell in augment.TEST_CELLS
        assert lo <= w.pitch <= hi


def test_real_pair_is_deterministic_and_its_truth_is_known_by_construction():
    speakers = (fake_speaker(1, 130.0), fake_speaker(2, 230.0))
    args = ("d", "real_pairs", speakers, ("1:M", "2:F"), "breath", 7, 0, (8.0, 10.0))
    d = heldout.compose_real_pair(*args)
    again = heldout.compose_real_pair(*args)
    assert d.audio16k.tobytes() == again.audio16k.tobytes()
    assert np.array_equal(d.truth, again.truth)
    assert d.truth.shape == (composer.frame_count(len(d.audio16k)), 2)
    speech = d.truth.any(axis=1)
    first = int(np.flatnonzero(speech)[0])
    assert d.truth[first, 0] and not d.truth[first, 1]  # A speaks first
    assert first / 50.0 >= heldout.LEAD_PAD_S[0]
    # The burst sounds before anyone speaks and the truth has nobody there.
    start, end = (float(v) for v in re.findall(r"(\d+\.\d+)", d.tags["burst"])[:2])
    assert end <= first / 50.0 - heldout.BURST_CLEAR_S + 0.02
    seg = d.audio16k[int(start * SR) : int(end * SR)]
    tone = d.audio16k[int(0.01 * SR) : int(min(start, 0.05) * SR) or 1]
    assert np.sqrt(np.mean(seg**2)) > 3 * np.sqrt(np.mean(tone**2) + 1e-12)
    assert not speech[: int(end * 50)].any()
    both = d.truth.all(axis=1).sum() / speech.sum()
    assert both < 0.3
    other = heldout.compose_real_pair("d", "real_pairs", speakers, ("1:M", "2:F"), "", 7, 1, (8.0, 10.0))
    assert "burst" not in other.tags and other.tags["start"] == "room tone only"


def test_a_monologue_is_one_voice_in_a_room_and_deterministic():
    args = ("m", fake_speaker(3, 150.0), "3:M", "line", 7, 0, (8.0, 10.0), {"gender": "M"})
    d = heldout_monologues.compose_monologue(*args)
    again = heldout_monologues.compose_monologue(*args)
    assert d.audio16k.tobytes() == again.audio16k.tobytes() and np.array_equal(d.truth, again.truth)
    assert d.set == "real_monologues" and d.truth.shape == (composer.frame_count(len(d.audio16k)), 2)
    assert not d.truth[:, 1].any() and d.truth[:, 0].mean() > 0.3  # all speech is A's
    assert 8.0 <= d.seconds <= 10.0 + heldout.LEAD_PAD_S[1] + 6.0 + heldout_monologues.MONOLOGUE_PAUSE_S[1]
    first = int(np.flatnonzero(d.truth[:, 0])[0]) / 50.0
    assert first >= heldout_monologues.MONOLOGUE_LEAD_S + heldout.LEAD_PAD_S[0] - 0.02
    assert d.tags["start"] == "line burst" and d.tags["gender"] == "M"
    other = heldout_monologues.compose_monologue("m", fake_speaker(3, 150.0), "3:M", "", 7, 1, (8.0, 10.0))
    assert other.tags["start"] == "room tone only" and other.audio16k.tobytes() != d.audio16k.tobytes()


# ----------------------------------------------------------------------------- scoring


def perf_from(speaking: np.ndarray) -> Performance:
    """A performance whose mouths open exactly while each role speaks."""
    n = len(speaking)
    blend = np.zeros((n, 2, len(spec.ARKIT_NAMES)), np.float32)
    blend[:, :, spec.ARKIT_INDEX["jawOpen"]] = 0.4 * speaking
    z3 = np.zeros((n, 3), np.float32)
    return Performance(
        fps=50.0,
        blendshapes={r: blend[:, i] for i, r in enumerate(spec.ROLES)},
        head={r: z3.copy() for r in spec.ROLES},
        gaze={r: z3[:, :2].copy() for r in spec.ROLES},
        speaking={r: speaking[:, i].astype(np.float32) for i, r in enumerate(spec.ROLES)},
    )


def turns(n: int = 400) -> np.ndarray:
    truth = np.zeros((n, 2), bool)
    truth[20:120, 0] = truth[130:220, 1] = truth[230:300, 0] = truth[310:390, 1] = True
    truth[215:240, 0] = True  # an overlap
    return truth


def dialogue(truth: np.ndarray) -> heldout.HeldoutDialogue:
    return heldout.HeldoutDialogue(
        "t", "real_pairs", np.zeros(len(truth) * 320, np.float32), truth, ("a", "b")
    )


def test_perfect_output_scores_one_and_no_swap():
    truth = turns()
    _, row = he.score_dialogue(dialogue(truth), perf_from(truth.astype(np.float32)), {})
    assert row["attribution"] == 1.0 and row["wrong_role"] == 0.0 and row["roles"] == "kept"
    assert row["speech_nobody"] == 0.0 and row["leakage"] == pytest.approx(0.0, abs=1e-9)


def test_swapped_roles_count_as_a_swap_and_one_character_speaking_both_does_not():
    truth = turns()
    c, row = he.score_dialogue(dialogue(truth), perf_from(truth[:, ::-1].astype(np.float32)), {})
    assert row["roles"] == "swap" and row["a_to_b"] == row["b_to_a"] == 1.0
    assert c["attribution_correct_better_order"] == c["frames"]
    truth = np.zeros((400, 2), bool)
    truth[20:60, 0] = truth[70:300, 1] = True  # B speaks most of the dialogue
    one = np.zeros_like(truth, dtype=np.float32)
    one[:, 0] = truth.any(axis=1)  # every line given to A: B never speaks
    _, row1 = he.score_dialogue(dialogue(truth), perf_from(one), {})
    b_only = (truth[:, 1] & ~truth[:, 0]).sum()
    single = (truth.sum(axis=1) == 1).sum()
    assert row1["wrong_role"] == pytest.approx(b_only / single, abs=1e-4) and row1["wrong_role"] > 0.5
    assert row1["roles"] == "merged" and row1["a_to_b"] == 0.0 and row1["b_to_a"] == 1.0
    assert row1["leakage"] > 0.9  # A's mouth speaks B's lines


def test_role_outcome_needs_most_of_both_roles_lines_for_a_swap():
    assert he.role_outcome([(100, 60), (50, 30)]) == "swap"
    assert he.role_outcome([(100, 10), (50, 45)]) == "merged"
    assert he.role_outcome([(100, 10), (50, 20)]) == "kept"
    assert he.role_outcome([(100, 90), (0, 0)]) == "kept"  # B never speaks alone: nothing to swap


def test_pooled_rows_count_swaps_one_voice_and_speech_marked_nobody():
    truth = turns()
    silent = np.zeros_like(truth, dtype=np.float32)
    extra = {"info": {"voices": 1, "centroid_cos": 0.9}, "seed_anchor": np.zeros((400, 2, 2), np.float32),
             "anchor": np.zeros((400, 2, 2), np.float32)}  # fmt: skip
    scored = [
        he.score_dialogue(dialogue(truth), perf_from(truth[:, ::-1].astype(np.float32)), extra),
        he.score_dialogue(dialogue(truth), perf_from(silent), extra),
    ]
    fig = he.pool_rows([c for c, _ in scored], [r for _, r in scored])
    assert fig["swaps"] == 1 and fig["one_voice"] == 2 and fig["dialogues"] == 2 and fig["merged"] == 0
    c, row = he.score_dialogue(dialogue(truth), perf_from(truth[:, ::-1].astype(np.float32)), {})
    assert "swaps" not in he.pool_rows([c], [row])  # a system without role assignment (the energy jaw)
    assert fig["speech_nobody"] == pytest.approx(0.5)


def test_seed_on_names_where_the_first_voice_anchor_landed():
    truth = turns()
    anchor = np.zeros((400, 2, 2), np.float32)
    assert he.seed_on(anchor, truth) == ""
    anchor[2:15, :, 0] = 1.0  # before anyone speaks: a breath or noise
    assert he.seed_on(anchor, truth) == "nobody"
    anchor[:] = 0
    anchor[140:160, :, 0] = 1.0
    assert he.seed_on(anchor, truth) == "B"


def test_equal_error_rate():
    eer, thr = sv.equal_error_rate([0.9, 0.8, 0.3], [0.7, 0.2, 0.1])
    assert eer == pytest.approx(1 / 3) and thr == pytest.approx(0.7)
    assert sv.equal_error_rate([0.8, 0.9], [0.1, 0.2])[0] == pytest.approx(0.0)
    rng = np.random.default_rng(0)
    same = rng.normal(0.0, 1.0, 4000)
    assert sv.equal_error_rate(same, rng.normal(0.0, 1.0, 4000))[0] == pytest.approx(0.5, abs=0.03)
    # Two unit normals 2 sd apart: EER = Phi(-1) = 0.159.
    assert sv.equal_error_rate(rng.normal(2.0, 1.0, 20000), rng.normal(0.0, 1.0, 20000))[0] == pytest.approx(
        0.159, abs=0.01
    )
    with pytest.raises(ValueError):
        sv.equal_error_rate([], [0.1])


def test_verification_counts_pairs_and_separates_clear_speakers():
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((3, 8))
    vecs, spks = [], []
    for k, c in enumerate(centres):
        for _ in range(4):
            v = c + 0.05 * rng.standard_normal(8)
            vecs.append(v / np.linalg.norm(v))
            spks.append(f"s{k}")
    out = sv.verification(np.stack(vecs), spks, {"s0": "M", "s1": "M", "s2": "F"})
    assert out["same_pairs"] == 3 * 6 and out["different_pairs"] == 66 - 18
    assert out["eer"] == 0.0 and out["same_cos_mean"] > 0.95
    assert "eer_same_gender" in out


def test_a_monologue_given_partly_to_b_counts_as_split_in_two():
    truth = np.zeros((400, 2), bool)
    truth[20:380, 0] = True
    mono = heldout.HeldoutDialogue("m", "real_monologues", np.zeros(400 * 320, np.float32), truth, ("a", ""))
    kept = truth.astype(np.float32)
    split = kept.copy()
    split[200:300] = (0.0, 1.0)  # 100 of its 360 speech frames given to B
    extra = {"info": {"voices": 2, "centroid_cos": 0.7}, "seed_anchor": np.zeros((400, 2, 2), np.float32),
             "anchor": np.zeros((400, 2, 2), np.float32)}  # fmt: skip
    scored = [he.score_dialogue(mono, perf_from(p), extra) for p in (kept, split)]
    rows = [r for _, r in scored]
    assert rows[0]["b_share"] == 0.0 and rows[1]["b_share"] == pytest.approx(100 / 360, abs=1e-4)
    fig = he.pool_rows([c for c, _ in scored], rows)
    assert fig["split"] == 1 and fig["b_share"] == pytest.approx(50 / 360, abs=1e-3)
    # A two-voice dialogue has no such row.
    c_pair, pair = he.score_dialogue(dialogue(turns()), perf_from(turns().astype(np.float32)), extra)
    assert "b_share" not in pair and "split" not in he.pool_rows([c_pair], [pair])


def test_report_has_no_date_and_counts_as_k_of_n():
    fig = dict(dialogues=20, seconds=900.0, attribution=0.8, attribution_better_order=0.82, leakage=0.2)
    fig.update(speech_nobody=0.05, swaps=3, one_voice=2, seed_not_on_a=4, worst=0.4)
    row = dict(
        dialogue="real-00",
        seconds=40.0,
        attribution=0.8,
        a_to_b=0.1,
        b_to_a=0.2,
        roles="kept",
        speech_nobody=0.05,
    )
    row.update(voices=["a", "b"], tags={"start": "breath burst"}, voices_decided=1)
    report = {
        "meta": {
            "command": "python -m duet.model.training heldout",
            "seed": 13,
            "model": "m",
            "runtime_s": 12,
            "machine": "x",
            "quick": False,
        },  # fmt: skip
        "sets": {
            "real_pairs": {"duet": {"all": fig, "groups": {"start=breath burst": fig}, "dialogues": [row]}}
        },
        "speaker_verification": {
            "test_other": {
                "items": 100,
                "speakers": 10,
                "same_pairs": 450,
                "different_pairs": 4500,
                "eer": 0.12,
                "threshold": 0.8,
                "same_cos_mean": 0.9,
                "different_cos_mean": 0.5,
                "different_above_one_voice_cos": 0.1,
            }
        },  # fmt: skip
    }
    text = he.markdown(report)
    assert "3 of 20" in text and "2 of 20" in text and "12.0%" in text
    assert "| real_pairs: role swaps <= 1 in 20 | 3 of 20 | no |" in text
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)


def test_markdown_writes_the_real_lips_rows_and_their_targets():
    lips = dict(readings=100, speakers=10, seconds=700.0, words=900, scored_word_seconds=300.0)
    duet = dict(lips, lip_sync_error_ms=40.0, closure_release_error_ms=50.0, closures=200)
    duet.update(closure_recall=0.8, closure_precision=0.7, rounding_contrast=0.1, lip_events=1000)
    report = {
        "meta": {"command": "c", "seed": 13, "model": "m", "runtime_s": 1, "machine": "x", "quick": False},
        "sets": {},
        "real_lips": {"duet": duet, "energy-jaw": dict(duet, closure_recall=0.3)},
    }
    text = he.markdown(report)
    assert "## Real lips: held-out readers (silver phones)" in text
    assert "100 LibriSpeech test-other readings of 10 readers" in text
    assert "| real_lips: p/b/m release (ms) <= 35 | 50 | no |" in text
    assert "| real_lips: closure precision >= 0.6 | 0.7 | yes |" in text
    assert "| energy-jaw | 100 | 900 | 300 | 40 | 50 | 200 | 0.3 | 0.7 | 0.1 |" in text
