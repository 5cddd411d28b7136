"""Run-time lips (duet.model.lips): phones -> mouth shapes, as the teacher's mouth."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from duet.model import lips, spec
from duet.model.errors import InputError
from duet.model.lips import phones as ph
from duet.model.lips import visemes as vs
from duet.model.lips.coarticulation import closure_frame_range
from duet.model.lips.visemes import articulation_to_arkit

FPS = spec.NATIVE_FPS
ARK = spec.ARKIT_INDEX


def timed(seq, t0: float = 0.5, stressed_vowels: bool = True):
    """(ipa, start, end, stress) arrays from [(ipa, duration s), ...] laid end to end from t0."""
    ipa, start, end, stress = [], [], [], []
    t = t0
    for p, dur in seq:
        ipa.append(p)
        start.append(t)
        end.append(t + dur)
        stress.append(int(stressed_vowels and ph.is_vowel(p)))
        t += dur
    return ipa, np.array(start), np.array(end), np.array(stress)


def run(seq, n_frames: int = 100, **kw) -> tuple[lips.LipTrack, tuple]:
    phones = timed(seq)
    return lips.mouth_from_phones(*phones, n_frames, FPS, **kw), phones


def aperture(track: lips.LipTrack) -> np.ndarray:
    return lips.lip_aperture(track.blendshapes.astype(np.float64))


@pytest.mark.parametrize(
    "seq",
    [
        [("b", 0.08), ("ɑ", 0.16), ("m", 0.09), ("ə", 0.1)],
        [("ɑ", 0.13), ("p", 0.07), ("i", 0.12)],
        [("m", 0.11), ("u", 0.15), ("b", 0.06), ("oʊ", 0.2)],
    ],
)
def test_bilabials_sealed_and_released_at_their_end(seq) -> None:
    track, (ipa, start, end, _) = run(seq)
    bs = track.blendshapes
    assert bs.shape == (100, 52) and bs.dtype == np.float32
    n_bilabial = 0
    for p, s, e in zip(ipa, start, end, strict=True):
        if not ph.is_bilabial_closure(p):
            continue
        n_bilabial += 1
        i0, i1 = closure_frame_range(s, e, FPS, 100)
        assert i1 - i0 >= 3
        sealed = np.arange(i0, i1)
        assert np.all(track.closure_frames[sealed])
        # Lips together with the jaw where it is: mouthClose cancels jawOpen exactly.
        assert np.array_equal(bs[sealed, ARK["mouthClose"]], bs[sealed, ARK["jawOpen"]])
        assert np.all(bs[sealed, ARK["jawOpen"]] > 0.0)
        assert np.all(aperture(track)[sealed] <= lips.APERTURE_CLOSED)
        # Released on the frame nearest the phone end (at most half a frame late).
        release = int(np.floor(e * FPS + 0.5))
        assert abs(release / FPS - e) <= 0.5 / FPS + 1e-9
        assert not track.closure_frames[release]
        assert aperture(track)[release] > lips.APERTURE_CLOSED
    assert n_bilabial >= 1
    # Nothing else is sealed: every closure frame belongs to a p/b/m.
    expected = np.zeros(100, dtype=bool)
    for p, s, e in zip(ipa, start, end, strict=True):
        if ph.is_bilabial_closure(p):
            i0, i1 = closure_frame_range(s, e, FPS, 100)
            expected[i0:i1] = True
    assert np.array_equal(track.closure_frames, expected)


def test_seal_closures_reseals_after_layers_that_open_the_lips() -> None:
    """What a caller layers on top (a laugh's jaw, a raised upper lip) cannot reopen a p/b/m."""
    track, _ = run([("ɑ", 0.12), ("m", 0.1), ("ɑ", 0.12), ("b", 0.08), ("i", 0.12)])
    f = track.closure_frames
    assert f.sum() >= 8
    bs = track.blendshapes.astype(np.float64)
    bs[:, ARK["jawOpen"]] += 0.25
    for name in ("mouthUpperUpLeft", "mouthUpperUpRight", "mouthFunnel", "mouthLowerDownLeft"):
        bs[:, ARK[name]] += 0.15
    opened = lips.lip_aperture(bs)
    assert np.all(opened[f] > 0.1)
    before = bs.copy()
    lips.seal_closures(bs, f)
    assert np.all(lips.lip_aperture(bs)[f] <= lips.APERTURE_CLOSED)
    assert np.array_equal(bs[f, ARK["mouthClose"]], bs[f, ARK["jawOpen"]])
    assert np.array_equal(bs[~f], before[~f])  # other frames untouched


@pytest.mark.parametrize("rounded, spread", [("u", "i"), ("oʊ", "ɪ"), ("u", "ɪ"), ("oʊ", "i")])
def test_rounded_vowels_funnel_and_pucker_more_than_spread_ones(rounded: str, spread: str) -> None:
    def lips_at_vowel(v: str) -> tuple[float, float]:
        track, (_, start, end, _) = run([("h", 0.08), (v, 0.2), ("h", 0.08)])
        mid = int(round(0.5 * (start[1] + end[1]) * FPS))
        b = track.blendshapes[mid]
        return float(b[ARK["mouthFunnel"]] + b[ARK["mouthPucker"]]), float(b[ARK["mouthStretchLeft"]])

    round_r, stretch_r = lips_at_vowel(rounded)
    round_s, stretch_s = lips_at_vowel(spread)
    assert round_r > round_s + 0.3, (round_r, round_s)
    assert stretch_s > stretch_r + 0.05, (stretch_s, stretch_r)


@pytest.mark.parametrize("spread", ["i", "ɪ", "ɛ", "eɪ"])
@pytest.mark.parametrize("labial", ["ɹ", "ʃ", "w"])
def test_spread_vowels_hold_their_lips_against_rounded_neighbours(spread: str, labial: str) -> None:
    """A front vowel between rounded consonants ("Mary rolled", "issue", "we we") shows its spread
    lips: clearly less rounding than a neutral schwa in the same place, whose lips just follow
    the neighbours (both once got the same rounding: the script path's spread vowels of real
    speech then rounded nearly as much as its rounded ones)."""

    def rounding_over_vowel(v: str) -> float:
        track, (_, start, end, _) = run([("ɑ", 0.12), (labial, 0.1), (v, 0.1), (labial, 0.1), ("ɑ", 0.12)])
        i0, i1 = int(np.ceil(start[2] * FPS - 1e-9)), int(np.ceil(end[2] * FPS - 1e-9))
        b = track.blendshapes[i0:i1]
        return float(np.mean(b[:, ARK["mouthFunnel"]] + b[:, ARK["mouthPucker"]]))

    spread_r, neutral_r = rounding_over_vowel(spread), rounding_over_vowel("ə")
    assert spread_r < 0.85 * neutral_r, (spread_r, neutral_r)
    assert spread_r > 0.1  # still coarticulated: the neighbours' rounding shows at its edges


def test_silence_is_the_rest_pose() -> None:
    rest_jaw = float(vs.subphone_row(ph.SubPhone(ph.SILENCE, ""))[0][vs.JAW])
    assert 0.0 < rest_jaw < 0.05
    # Only silence phones: lips together, the jaw no further open than at rest, no lip shape.
    track = lips.mouth_from_phones(["sil", "sp"], [0.0, 1.5], [1.5, 3.0], [0, 0], 150, FPS)
    bs = track.blendshapes
    assert not track.speech_frames.any() and not track.closure_frames.any()
    assert np.all(bs[:, ARK["jawOpen"]] <= rest_jaw + 1e-6)
    assert np.all(aperture(track) <= lips.APERTURE_CLOSED)
    assert not np.delete(bs, [ARK["jawOpen"], ARK["mouthClose"]], axis=1).any()
    # A long pause between words relaxes to the rest pose in its middle, lips together.
    track, (_, start, end, _) = run([("ɑ", 0.15), ("sil", 1.6), ("ɑ", 0.15)], n_frames=150)
    mid = int(round(0.5 * (start[1] + end[1]) * FPS))
    assert track.blendshapes[mid, ARK["jawOpen"]] == pytest.approx(rest_jaw, abs=1e-3)
    assert aperture(track)[mid] <= lips.APERTURE_CLOSED
    assert not track.speech_frames[mid]
    assert track.speech_frames[int(round((start[0] + 0.07) * FPS))]
    assert aperture(track)[int(round((start[0] + 0.07) * FPS))] > 0.1


@pytest.mark.parametrize("n_frames", [0, 1, 40])
def test_no_phones_gives_zeros(n_frames: int) -> None:
    track = lips.mouth_from_phones([], [], [], [], n_frames, FPS)
    assert track.blendshapes.shape == (n_frames, 52) and track.blendshapes.dtype == np.float32
    assert not track.blendshapes.any()
    assert track.closure_frames.shape == track.speech_frames.shape == (n_frames,)
    assert not track.closure_frames.any() and not track.speech_frames.any()


def test_only_mouth_channels_are_driven_and_each_is() -> None:
    names = set(lips.MOUTH_CHANNEL_NAMES)
    assert [spec.ARKIT_NAMES[i] for i in lips.MOUTH_CHANNELS] == sorted(names, key=ARK.__getitem__)
    assert names <= set(spec.ARKIT_NAMES) and len(names) == len(lips.MOUTH_CHANNEL_NAMES) == 18
    assert all(n.startswith(("jaw", "mouth", "tongue")) for n in names)
    # articulation_to_arkit writes only these, whatever the articulation.
    rng = np.random.default_rng(0)
    bs = articulation_to_arkit(rng.uniform(0, 1, (500, 8)), rng.uniform(0, 1, 500), rng.uniform(0, 1, 500))
    assert not np.delete(bs, lips.MOUTH_CHANNELS, axis=1).any()
    # A sentence covering tuck (f), tongue (θ), press (p), spread (i) and rounding (u) drives every one.
    seq = [
        ("f", 0.08),
        ("i", 0.15),
        ("θ", 0.09),
        ("u", 0.15),
        ("p", 0.08),
        ("ɑ", 0.15),
        ("w", 0.07),
        ("ɛ", 0.1),
    ]
    track, _ = run(seq)
    driven = track.blendshapes.max(axis=0) > 0.01
    assert set(np.flatnonzero(driven)) == set(lips.MOUTH_CHANNELS.tolist())
    with pytest.raises(ValueError):
        lips.MOUTH_CHANNELS[0] = 1


def test_phone_order_and_stress_default() -> None:
    ipa, start, end, stress = timed([("b", 0.08), ("ɑ", 0.16), ("m", 0.09)])
    ref = lips.mouth_from_phones(ipa, start, end, np.zeros(3), 60, FPS)
    perm = [2, 0, 1]
    shuffled = lips.mouth_from_phones([ipa[k] for k in perm], start[perm], end[perm], None, 60, FPS)
    assert np.array_equal(ref.blendshapes, shuffled.blendshapes)
    assert np.array_equal(ref.closure_frames, shuffled.closure_frames)


def test_jaw_follows_loudness_db_and_audio() -> None:
    seq = [("t", 0.07), ("ɑ", 0.2), ("t", 0.07), ("ɑ", 0.2), ("t", 0.07)]
    ipa, start, end, stress = timed(seq, stressed_vowels=False)
    n = 80
    plain = lips.mouth_from_phones(ipa, start, end, stress, n, FPS)
    mids = [int(round(0.5 * (start[k] + end[k]) * FPS)) for k in (1, 3)]
    jaw = ARK["jawOpen"]
    # Same vowel, same stress, no loudness: same jaw.
    assert plain.blendshapes[mids[0], jaw] == pytest.approx(plain.blendshapes[mids[1], jaw], rel=0.02)
    # The second vowel 8 dB louder than the first: a lower jaw (gain 1 + 0.03 dB, clipped).
    db = np.full(n, -100.0)
    db[int(start[1] * FPS) : int(end[1] * FPS) + 1] = -4.0
    db[int(start[3] * FPS) : int(end[3] * FPS) + 1] = 4.0
    loud = lips.mouth_from_phones(ipa, start, end, stress, n, FPS, loudness_db=db)
    j0, j1 = loud.blendshapes[mids[0], jaw], loud.blendshapes[mids[1], jaw]
    assert j1 / j0 == pytest.approx(1.12 / 0.88, rel=0.08)
    # The same from audio: a tone 4x louder (12 dB) in the second vowel.
    sr = spec.SAMPLE_RATE
    audio = np.zeros(int(n / FPS * sr), dtype=np.float32)
    for k, amp in ((1, 0.05), (3, 0.2)):
        i0, i1 = int(start[k] * sr), int(end[k] * sr)
        audio[i0:i1] = amp * np.sin(2 * np.pi * 150.0 * np.arange(i1 - i0) / sr)
    heard = lips.mouth_from_phones(ipa, start, end, stress, n, FPS, audio16k=audio)
    a0, a1 = heard.blendshapes[mids[0], jaw], heard.blendshapes[mids[1], jaw]
    assert a1 > 1.2 * a0
    # Loudness never moves the closures.
    assert np.array_equal(heard.closure_frames, plain.closure_frames)


def test_phone_gains_from_audio_match_the_teachers() -> None:
    """The run-time gain (frames inside phones as the level) tracks the teacher's (its voiced frames)."""
    from duet.model.training.teacher.prosody import prosody_from_stem
    from duet.model.training.teacher.synthetic import synthetic_dialogue

    a, _b, n = synthetic_dialogue(seed=3, seconds=30.0, laughs=False)
    pros = prosody_from_stem(a.stem, n)
    teacher = lips.phone_gains(pros.loudness_db, a.phone_start, a.phone_end, FPS)
    run_time = lips.phone_gains_from_audio(a.stem, a.phone_start, a.phone_end, phone_ipa=a.phone_ipa)
    assert teacher.std() > 0.05  # the gains do vary
    assert np.max(np.abs(run_time - teacher)) < 0.03
    silent = lips.phone_gains_from_audio(np.zeros_like(a.stem), a.phone_start, a.phone_end)
    assert np.all(silent == 1.0)


def test_same_mouth_as_the_teacher() -> None:
    """Without laughs the teacher's mouth channels that no expression layer touches are these, bit for bit."""
    from duet.model.training.teacher import teach
    from duet.model.training.teacher.prosody import prosody_from_stem
    from duet.model.training.teacher.synthetic import synthetic_dialogue

    a, b, n = synthetic_dialogue(seed=1, seconds=20.0, laughs=False)
    out = teach(a, b, n_frames=n, seed=1)
    untouched = [
        i for i in lips.MOUTH_CHANNELS if spec.ARKIT_NAMES[i] not in ("mouthSmileLeft", "mouthSmileRight")
    ]
    for r, role in enumerate((a, b)):
        track = lips.mouth_from_phones(
            role.phone_ipa,
            role.phone_start,
            role.phone_end,
            role.phone_stress,
            n,
            FPS,
            loudness_db=prosody_from_stem(role.stem, n).loudness_db,
        )
        assert np.array_equal(track.blendshapes[:, untouched], out.blendshapes[:, r, untouched])
        assert np.array_equal(track.closure_frames, out.events["lip_closure"][:, r])


@pytest.mark.parametrize(
    "args, kw, message",
    [
        ((["b", "ɑ"], [0.0, 0.1], [0.1], [0, 1], 10), {}, "same length"),
        ((["b", "ɑ"], [0.0, np.nan], [0.1, 0.2], [0, 1], 10), {}, "non-finite time"),
        ((["b", "ɑ"], [0.0, 0.1], [0.1, np.inf], [0, 1], 10), {}, "non-finite time"),
        ((["b", "ɑ"], [0.0, 0.3], [0.1, 0.2], [0, 1], 10), {}, "ends before it starts"),
        ((["b", None], [0.0, 0.1], [0.1, 0.2], [0, 1], 10), {}, "not a string"),
        (("bɑ", [0.0], [0.1], [0], 10), {}, "sequence of IPA strings"),
        ((["b"], ["zero"], [0.1], [0], 10), {}, "phone_start must be numbers"),
        ((["b"], [0.0], [0.1], [0.5], 10), {}, "whole numbers"),
        ((["b"], [0.0], [0.1], [0], -1), {}, "n_frames"),
        ((["b"], [0.0], [0.1], [0], 2.5), {}, "n_frames"),
        ((["b"], [0.0], [0.1], [0], 10, 0.0), {}, "fps"),
        ((["b"], [0.0], [0.1], [0], 10, float("nan")), {}, "fps"),
        ((["b"], [0.0], [0.1], [0], 10), {"loudness_db": np.zeros(9)}, "one value per frame"),
        ((["b"], [0.0], [0.1], [0], 10), {"loudness_db": np.full(10, np.nan)}, "NaN"),
        ((["b"], [0.0], [0.1], [0], 10), {"loudness_db": ["loud"] * 10}, "loudness_db must be numbers"),
        ((["b"], [0.0], [0.1], [0], 10), {"audio16k": np.zeros((2, 100))}, "mono 1-D"),
        ((["b"], [0.0], [0.1], [0], 10), {"audio16k": np.array([0.0, np.nan])}, "NaN or infinite"),
        ((["b"], [0.0], [0.1], [0], 10), {"audio16k": np.zeros(10), "loudness_db": np.zeros(10)}, "not both"),
    ],
)
def test_bad_input_gets_a_clear_message(args, kw, message) -> None:
    with pytest.raises(InputError, match=message) as info:
        lips.mouth_from_phones(*args, **kw)
    assert isinstance(info.value, ValueError)


def test_lips_are_numpy_only() -> None:
    """The shipped lips import with torch, scipy and bpy unavailable (the extension has none of them)."""
    code = (
        "import sys\n"
        "for m in ('bpy', 'torch', 'scipy'): sys.modules[m] = None\n"
        "from duet.model import lips\n"
        "t = lips.mouth_from_phones(['m', 'a'], [0.0, 0.1], [0.1, 0.3], [0, 1], 20)\n"
        "assert 'duet.model.training' not in sys.modules, 'lips imported training code'\n"
        "print('ok', t.blendshapes.shape)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "ok (20, 52)", proc.stderr


@pytest.mark.parametrize("block", [7, 2000])
def test_loudness_from_running_sums_equals_the_windows(monkeypatch, block):
    from duet.model.lips import loudness

    rng = np.random.default_rng(8)
    x = (0.1 * rng.normal(size=16000 * 3)).astype(np.float32)
    x[16000:24000] = 0.0  # digital silence: -120 dB, not a rounding residue
    x[24000:32000] = 1e-4 * x[24000:32000] + 0.05  # quiet, on a DC offset
    n = 160  # past the end of the audio: windows of zeros
    want = loudness.frame_db(loudness.analysis_frames(x, n, 50.0)[0])
    monkeypatch.setattr(loudness, "DB_BLOCK", block)
    got = loudness.analysis_db(x, n, 50.0)
    np.testing.assert_allclose(got, want, atol=1e-3)
    assert np.all(got[55:70] <= -119.9)
    assert loudness.analysis_db(x, 0, 50.0).shape == (0,)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 1000, 1001])
def test_half_rate_audio_is_the_low_passed_decimation_in_blocks(monkeypatch, n):
    """_half_rate filters and decimates block by block (no full-rate copy of a long take); the
    samples are np.convolve's with [0.25, 0.5, 0.25], whatever the length and the block."""
    from duet.model.lips import loudness

    x = np.random.default_rng(n).normal(size=n).astype(np.float32)
    want = np.convolve(x, np.array([0.25, 0.5, 0.25], np.float32), mode="same")[::2]
    for block in (7, 64, 1 << 18):
        monkeypatch.setattr(loudness, "HALF_RATE_BLOCK", block)
        got = loudness._half_rate(x, 4, 50.0)[0]
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * float(np.abs(x).max()))
