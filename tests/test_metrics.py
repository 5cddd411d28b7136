"""The DESIGN.md measures on constructed curves whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import spec
from duet.model.training import metrics as m

_I = spec.ARKIT_INDEX
FPS = 50.0


def _phones(rows: list[tuple[str, float, float]]) -> m.Phones:
    return m.Phones(
        np.array([r[0] for r in rows], dtype="<U8"),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows]),
    )


def _blend_from_jaw(jaw: np.ndarray) -> np.ndarray:
    b = np.zeros((len(jaw), 2, 52), np.float32)
    b[:, 0, _I["jawOpen"]] = jaw
    return b


# "a p a b a": vowels peak at their middles, lips shut over p and b, released at their ends.
PHONES = [("a", 0.2, 0.4), ("p", 0.4, 0.5), ("a", 0.5, 0.7), ("b", 0.7, 0.8), ("a", 0.8, 1.0)]


def _jaw_curve(release_delay_s: float = 0.0, n: int = 75) -> np.ndarray:
    t = np.arange(n) / FPS
    knots_t = [0.0, 0.2, 0.3, 0.4, 0.5 + release_delay_s, 0.6, 0.7, 0.8 + release_delay_s, 0.9, 1.0, 1.5]
    knots_v = [0.0, 0.0, 0.4, 0.0, 0.0, 0.4, 0.0, 0.0, 0.4, 0.0, 0.0]
    return np.interp(t, knots_t, knots_v)


def test_exact_mouth_events_score_zero_error() -> None:
    blend = _blend_from_jaw(_jaw_curve())
    ref = m.ClipReference((_phones(PHONES), m.Phones.empty()))
    z = np.zeros((75, 2, 3))
    out = m.pool([m.clip_counts(blend, z, z[..., :2], np.zeros((75, 2)), ref)])
    assert out["closure_recall"] == 1.0
    assert out["closures"] == 2
    # Releases cross the seal level a little after the phone end (the jaw ramps over 100 ms).
    assert out["closure_release_error_ms"] == pytest.approx(12.5, abs=0.5)
    assert out["vowel_peak_error_ms"] == pytest.approx(0.0, abs=1e-6)
    assert out["closure_precision"] == 1.0


def test_late_releases_cost_their_delay_and_misses_cost_150_ms() -> None:
    ref = m.ClipReference((_phones(PHONES), m.Phones.empty()))
    z = np.zeros((75, 2, 3))
    late = m.pool([m.clip_counts(_blend_from_jaw(_jaw_curve(0.06)), z, z[..., :2], np.zeros((75, 2)), ref)])
    # Lips part 60 ms late and open over 40 ms: the seal level is crossed 65 ms after the phone end.
    assert late["closure_release_error_ms"] == pytest.approx(65.0, abs=0.5)
    never = _blend_from_jaw(np.full(75, 0.3))  # lips never meet
    out = m.pool([m.clip_counts(never, z, z[..., :2], np.zeros((75, 2)), ref)])
    assert out["closure_recall"] == 0.0
    assert out["closure_release_error_ms"] == m.MISS_MS
    assert out["vowel_peak_error_ms"] == m.MISS_MS  # a flat mouth has no opening peaks
    assert out["lip_sync_error_ms"] == m.MISS_MS


def test_lips_that_shut_on_every_consonant_lose_precision() -> None:
    rows = [("a", 0.2, 0.4), ("t", 0.4, 0.5), ("a", 0.5, 0.7), ("k", 0.7, 0.8), ("a", 0.8, 1.0)]
    ref = m.ClipReference((_phones([*rows, ("m", 1.0, 1.1), ("a", 1.1, 1.3)]), m.Phones.empty()))
    t = np.arange(75) / FPS
    jaw = np.interp(t, [0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5],
                    [0, 0, 0.4, 0, 0, 0.4, 0, 0, 0.4, 0, 0, 0.4, 0, 0])  # fmt: skip
    z = np.zeros((75, 2, 3))
    out = m.pool([m.clip_counts(_blend_from_jaw(jaw), z, z[..., :2], np.zeros((75, 2)), ref)])
    assert out["releases_in_speech"] == 3  # after t, k, m
    assert out["closure_precision"] == pytest.approx(1 / 3)


def test_rounding_contrast() -> None:
    rows = [("u", 0.0, 0.2), ("i", 0.2, 0.4), ("oʊ", 0.4, 0.6), ("ɛ", 0.6, 0.8)]
    b = np.zeros((50, 2, 52), np.float32)
    b[0:10, 0, _I["mouthPucker"]] = 0.6
    b[20:30, 0, _I["mouthFunnel"]] = 0.4
    b[10:20, 0, _I["mouthPucker"]] = 0.1
    ref = m.ClipReference((_phones(rows), m.Phones.empty()))
    z = np.zeros((50, 2, 3))
    out = m.pool([m.clip_counts(b, z, z[..., :2], np.zeros((50, 2)), ref)])
    assert out["rounding_contrast"] == pytest.approx((0.6 + 0.4) / 2 - 0.1 / 2, abs=0.02)


def test_attribution_leakage_and_order() -> None:
    n = 100
    truth = np.zeros((n, 2))
    truth[10:40, 0] = 1
    truth[50:90, 1] = 1
    truth[85:90, 0] = 1  # overlap: both
    blend = np.zeros((n, 2, 52), np.float32)
    blend[:, :, _I["jawOpen"]] = 0.02
    blend[10:40, 0, _I["jawOpen"]] = 0.3
    blend[50:90, 1, _I["jawOpen"]] = 0.3
    blend[50:85, 0, _I["jawOpen"]] = 0.06  # A's mouth moves a little while B speaks
    ref = m.ClipReference((m.Phones.empty(), m.Phones.empty()), speaking=truth)
    z = np.zeros((n, 2, 3))
    out = m.pool([m.clip_counts(blend, z, z[..., :2], truth.copy(), ref)])
    assert out["speaker_attribution_accuracy"] == 1.0
    expected = (30 * 0.02 + 35 * 0.06) / (30 * 0.3 + 35 * 0.3)
    assert out["cross_talk_leakage"] == pytest.approx(expected, rel=1e-4)
    swapped = m.pool([m.clip_counts(blend, z, z[..., :2], truth[:, ::-1].copy(), ref)])
    assert swapped["speaker_attribution_accuracy"] < 0.5
    assert swapped["speaker_attribution_better_order"] == 1.0


def test_gaze_measures() -> None:
    n = 100
    head = np.zeros((n, 2, 3))
    gaze = np.zeros((n, 2, 2))
    gaze[:, 1, 0] = 20.0  # B looks away ...
    gaze[:40, 1, 0] = 0.0  # ... except the first 40 frames
    head[60:, 0, 0] = -15.0  # A turns away from frame 60; eyes still straight in the head
    speaking = np.zeros((n, 2))
    speaking[:50, 0] = 1  # A speaks first, then B
    speaking[50:, 1] = 1
    ref = m.ClipReference((m.Phones.empty(), m.Phones.empty()), speaking=speaking)
    out = m.pool([m.clip_counts(np.zeros((n, 2, 52), np.float32), head, gaze, speaking, ref)])
    assert out["gaze_reciprocity_b_given_a"] == pytest.approx(40 / 60)
    assert out["gaze_reciprocity_a_given_b"] == pytest.approx(1.0)
    # listener at speaker: B listens over 0-50 (looks at A for 40), A listens over 50-100 (10 frames).
    assert out["listener_at_speaker"] == pytest.approx((40 + 10) / 100)
    assert out["speaker_at_listener"] == pytest.approx((50 + 0) / 100)


def test_staging_error_and_staged_contact() -> None:
    n = 60
    cond = np.zeros((n, 2, spec.COND_DIM))
    cond[:40, 0, spec.COND_HEAD_ACTIVE] = 1.0
    cond[:40, 0, spec.COND_HEAD_YAW] = 30.0 / spec.ANGLE_SCALE
    cond[:, :, spec.COND_GAZE_ACTIVE] = 1.0
    cond[:, :, spec.COND_GAZE_PARTNER] = 1.0
    head = np.zeros((n, 2, 3))
    head[:40, 0, 0] = 25.0  # 5 degrees short of the command
    gaze = np.zeros((n, 2, 2))
    gaze[:40, 0, 0] = -25.0  # eyes compensate: still at the partner
    gaze[50:, 1, 1] = 4.0  # B looks 4 degrees up: not "contact" (3 deg), still "at partner" (5 deg)
    ref = m.ClipReference((m.Phones.empty(), m.Phones.empty()), conditioning=cond)
    out = m.pool([m.clip_counts(np.zeros((n, 2, 52), np.float32), head, gaze, np.zeros((n, 2)), ref)])
    assert out["staging_error_deg"] == pytest.approx(5.0, abs=1e-6)
    assert out["staged_contact_accuracy"] == pytest.approx(50 / 60)


def test_head_angle_error_is_a_rotation_angle() -> None:
    e = m.head_angle_error(
        np.array([[10.0, 0, 0], [0, 0, 0], [0, 0, 0]]), np.array([[0.0, 0, 0], [0, 7, 0], [0, 0, -3]])
    )
    np.testing.assert_allclose(e, [10.0, 7.0, 3.0], atol=1e-9)


# -- the evaluation's small readers ----------------------------------------------------------------

LONG_GRID = """File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 1.0
tiers? <exists>
size = 1
item []:
    item [1]:
        class = "IntervalTier"
        name = "phone"
        xmin = 0
        xmax = 1.0
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 0.25
            text = ""
        intervals [2]:
            xmin = 0.25
            xmax = 0.5
            text = "M"
        intervals [3]:
            xmin = 0.5
            xmax = 1.0
            text = "AA1"
"""

SHORT_GRID = """File type = "ooTextFile"
Object class = "TextGrid"

0
1.0
<exists>
2
"IntervalTier"
"phone"
0
1.0
2
0
0.4
"p"
0.4
1.0
"a"
"TextTier"
"marks"
0
1.0
1
0.5
"x"
"""


def test_textgrid_reader_reads_long_and_short_formats(tmp_path) -> None:
    from duet.model.training import evaluate

    (tmp_path / "long.TextGrid").write_text(LONG_GRID, encoding="utf-8")
    (tmp_path / "short.TextGrid").write_text(SHORT_GRID, encoding="utf-8")
    long_tiers = evaluate.read_textgrid(tmp_path / "long.TextGrid")
    assert long_tiers == {"phone": [(0.0, 0.25, ""), (0.25, 0.5, "M"), (0.5, 1.0, "AA1")]}
    short_tiers = evaluate.read_textgrid(tmp_path / "short.TextGrid")
    assert short_tiers == {"phone": [(0.0, 0.4, "p"), (0.4, 1.0, "a")]}
    phones = evaluate.phones_to_ipa(long_tiers["phone"])
    assert list(phones.ipa) == ["m", "ɑ"]  # ARPAbet -> IPA, silence dropped


def test_wav_reader_pcm16_and_float32(tmp_path) -> None:
    import struct

    from duet.model.training import evaluate

    x = (np.sin(np.arange(800) / 10.0) * 0.5).astype(np.float32)

    def wav(path, tag, bits, payload):
        fmt = struct.pack("<HHIIHH", tag, 1, 8000, 8000 * bits // 8, bits // 8, bits)
        body = (
            b"WAVE"
            + b"fmt "
            + struct.pack("<I", 16)
            + fmt
            + b"data"
            + struct.pack("<I", len(payload))
            + payload
        )
        path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)

    wav(tmp_path / "a.wav", 1, 16, (x * 32767).astype("<i2").tobytes())
    wav(tmp_path / "b.wav", 3, 32, x.astype("<f4").tobytes())
    a, ra = evaluate.read_wav(tmp_path / "a.wav")
    b, rb = evaluate.read_wav(tmp_path / "b.wav")
    assert ra == rb == 8000
    np.testing.assert_allclose(a, x, atol=1e-4)
    np.testing.assert_array_equal(b, x)


def test_rttm_reader(tmp_path) -> None:
    from duet.model.training import evaluate

    (tmp_path / "x.rttm").write_text(
        "SPEAKER x 1 1.440 11.872 <NA> <NA> S1 <NA> <NA>\nSPEAKER x 1 13.152 3.770 <NA> <NA> S2 <NA> <NA>\n"
    )
    rows = evaluate.read_rttm(tmp_path / "x.rttm")
    assert rows[0][0] == "S1" and rows[0][1] == pytest.approx(1.44) and rows[0][2] == pytest.approx(13.312)


def test_energy_jaw_baseline_cannot_separate_a_mix() -> None:
    from duet.model.training import evaluate

    t = np.arange(16000) / 16000
    x = (0.3 * np.sin(2 * np.pi * 200 * t) * (t > 0.5)).astype(np.float32)
    perf = evaluate.energy_jaw(x, 50)
    np.testing.assert_array_equal(perf.blendshapes["A"], perf.blendshapes["B"])
    assert perf.blendshapes["A"][40, _I["jawOpen"]] > 0.3 and perf.blendshapes["A"][10, _I["jawOpen"]] == 0.0
