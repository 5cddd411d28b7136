"""Teacher invariants: closures, ranges, coarticulation, blinks, gaze, head, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import spec
from duet.model.lips import phones as ph
from duet.model.training.teacher import (
    APERTURE_CLOSED,
    EVENT_KEYS,
    RoleSpeech,
    TeacherInputError,
    combine,
    from_reference_phones,
    lip_aperture,
    teach,
    teacher_checks,
)
from duet.model.training.teacher.gaze import render_saccades, saccade_duration
from duet.model.training.teacher.synthetic import render_stem, synthetic_dialogue

FPS = spec.NATIVE_FPS
ARK = spec.ARKIT_INDEX


def make_role(
    seq: list[str] | list[tuple[str, float]],
    t0: float = 0.5,
    seconds: float = 4.0,
    stem: bool = True,
    stress: list[int] | None = None,
    seed: int = 0,
) -> tuple[RoleSpeech, int]:
    """A role from a phone sequence; items are IPA or (IPA, duration s)."""
    phones = []
    t = t0
    for k, item in enumerate(seq):
        ipa, dur = (item, None) if isinstance(item, str) else item
        if dur is None:
            dur = 0.13 if ph.is_vowel(ipa) else 0.07
        st = stress[k] if stress else int(ph.is_vowel(ipa))
        phones.append((ipa, t, t + dur, st))
        t += dur
    n_samples = int(seconds * spec.SAMPLE_RATE)
    audio = render_stem(phones, n_samples, np.random.default_rng(seed)) if stem else None
    role = RoleSpeech(
        phone_ipa=np.array([p[0] for p in phones], dtype="<U8"),
        phone_start=np.array([p[1] for p in phones]),
        phone_end=np.array([p[2] for p in phones]),
        phone_stress=np.array([p[3] for p in phones]),
        stem=audio,
        segments=[(t0, t, "turn")],
    )
    return role, int(np.ceil(seconds * FPS))


def silent_role(n_frames: int) -> RoleSpeech:
    return from_reference_phones(np.array([], dtype="<U8"), np.zeros(0), np.zeros(0))


def solo(seq, **kw):
    role, n = make_role(seq, **kw)
    return teach(role, silent_role(n), n_frames=n, seed=1), role, n


@pytest.fixture(scope="module")
def dialogues():
    """Three synthetic 60 s dialogues with their teacher outputs."""
    out = []
    for seed in range(3):
        a, b, n = synthetic_dialogue(seed=seed, seconds=60.0)
        out.append((a, b, n, teach(a, b, n_frames=n, seed=seed)))
    return out


def test_output_shapes_dtypes_and_ranges(dialogues) -> None:
    for _a, _b, n, out in dialogues:
        assert out.blendshapes.shape == (n, 2, 52) and out.blendshapes.dtype == np.float32
        assert out.head.shape == (n, 2, 3) and out.head.dtype == np.float32
        assert out.gaze.shape == (n, 2, 2) and out.gaze.dtype == np.float32
        assert out.speaking.shape == (n, 2) and set(np.unique(out.speaking)) <= {0.0, 1.0}
        assert np.all(np.isfinite(out.blendshapes)) and np.all(np.isfinite(out.head))
        assert out.blendshapes.min() >= 0.0 and out.blendshapes.max() <= 1.0
        assert np.all(np.abs(out.head[..., 0]) < 45) and np.all(np.abs(out.head[..., 1:]) < 30)
        assert np.all(np.abs(out.gaze[..., 0]) <= 35.0 + 1e-4) and np.all(
            np.abs(out.gaze[..., 1]) <= 25.0 + 1e-4
        )
        assert set(EVENT_KEYS) <= set(out.events)
        for key, value in out.events.items():
            assert value.shape[:2] == (n, 2), key


def test_every_bilabial_closes_fully_in_dialogue(dialogues) -> None:
    checks = {c.name: c for c in combine(teacher_checks(out, a, b) for a, b, _n, out in dialogues)}
    assert checks["bilabial_closure"].denominator > 100
    assert checks["bilabial_closure"].value == 1.0
    # Releases land on the frame nearest the phone end: mean error within half a frame.
    assert checks["bilabial_release_error"].value <= 10.0
    # No lip release in running speech without a p/b/m before it.
    assert checks["closure_precision"].denominator > 50
    assert checks["closure_precision"].value == 1.0


@pytest.mark.parametrize(
    "seq",
    [
        ["a", "p", "a"],
        ["a", ("b", 0.012), "a"],  # shorter than a frame
        ["i", "m", "b", "u"],  # m + b: one long closure
        ["ə", "m"],  # utterance-final
        ["p", "l", "i", "z"],  # utterance-initial
        ["s", "p", "ɹ", "ɪ", "ŋ"],
        ["ɑ", "m", "p", "ʃ", "ə"],
    ],
)
def test_bilabial_sealed_for_its_duration_and_released_at_its_end(seq) -> None:
    out, role, n = solo(seq)
    aperture = lip_aperture(out.blendshapes[:, 0])
    for k, ipa in enumerate(role.phone_ipa):
        if not ph.is_bilabial_closure(ipa):
            continue
        s, e = role.phone_start[k], role.phone_end[k]
        i0, i1 = int(np.floor(s * FPS + 0.5)), int(np.floor(e * FPS + 0.5))
        if i1 <= i0:
            i0 = int(np.round((s + e) / 2 * FPS))
            i1 = i0 + 1
        assert np.all(aperture[i0:i1] <= APERTURE_CLOSED), (seq, ipa)
        assert np.all(out.blendshapes[i0:i1, 0, ARK["mouthPressLeft"]] > 0.1)
        followed_by_speech = k + 1 < len(role.phone_ipa) and not ph.is_bilabial_closure(role.phone_ipa[k + 1])
        if followed_by_speech:
            assert aperture[i1] > APERTURE_CLOSED, ("not released at the phone end", seq, ipa)


def test_lips_stay_open_on_other_consonants() -> None:
    seq = [
        "a",
        "t",
        "a",
        "f",
        "i",
        "s",
        "o",
        "k",
        "u",
        "θ",
        "e",
        "w",
        "a",
        "ʃ",
        "i",
        "n",
        "a",
        "h",
        "a",
        "l",
        "ɛ",
    ]
    out, role, _n = solo(seq)
    aperture = lip_aperture(out.blendshapes[:, 0])
    for s, e in zip(role.phone_start, role.phone_end, strict=True):
        frames = np.arange(int(np.ceil(s * FPS)), int(np.ceil(e * FPS)))
        assert np.all(aperture[frames] > 2 * APERTURE_CLOSED)


def test_labiodentals_tuck_the_lower_lip_and_only_dentals_show_the_tongue() -> None:
    out, role, _ = solo(["a", "f", "a", "θ", "a", "v", "a", "t", "a"])
    bs = out.blendshapes[:, 0]
    mid = {
        ipa: int(round((s + e) / 2 * FPS))
        for ipa, s, e in zip(role.phone_ipa, role.phone_start, role.phone_end, strict=False)
    }
    assert bs[mid["f"], ARK["mouthRollLower"]] > 0.3 and bs[mid["v"], ARK["mouthRollLower"]] > 0.3
    assert bs[mid["t"], ARK["mouthRollLower"]] < 0.1
    assert 0.1 < bs[mid["θ"], ARK["tongueOut"]] <= 0.3
    assert bs[mid["t"], ARK["tongueOut"]] < 0.02 and bs[mid["f"], ARK["tongueOut"]] < 0.02


def _rounding(bs: np.ndarray) -> np.ndarray:
    return bs[:, ARK["mouthFunnel"]] + bs[:, ARK["mouthPucker"]]


def test_rounding_is_anticipated_before_rounded_vowels() -> None:
    # "ɪ s t s t u" vs "ɪ s t s t i": the consonants are neutral for rounding.
    rounded, role_u, _ = solo(["ɪ", "s", "t", "s", "t", "u"])
    spread, _role_i, _ = solo(["ɪ", "s", "t", "s", "t", "i"])
    onset = role_u.phone_start[-1]
    peak = _rounding(rounded.blendshapes[:, 0]).max()
    for lead in (0.1, 0.15):
        i = int(round((onset - lead) * FPS))
        r_u = _rounding(rounded.blendshapes[:, 0])[i]
        r_i = _rounding(spread.blendshapes[:, 0])[i]
        assert r_u >= 0.25 * peak, f"no anticipation {lead * 1000:.0f} ms ahead"
        assert r_u > r_i + 0.1
    # ... but not half a second ahead.
    i = int(round((onset - 0.5) * FPS))
    assert _rounding(rounded.blendshapes[:, 0])[i] < 0.15 * peak


def test_rounded_versus_spread_vowels() -> None:
    out, role, _ = solo(["h", "u", "h", "i", "h", "o", "h", "ɛ"])
    bs = out.blendshapes[:, 0]
    mid = {
        ipa: int(round((s + e) / 2 * FPS))
        for ipa, s, e in zip(role.phone_ipa, role.phone_start, role.phone_end, strict=False)
    }
    for r in ("u", "o"):
        for s in ("i", "ɛ"):
            assert _rounding(bs)[mid[r]] > _rounding(bs)[mid[s]] + 0.3
            assert bs[mid[s], ARK["mouthStretchLeft"]] > bs[mid[r], ARK["mouthStretchLeft"]]


def test_jaw_follows_loudness_and_vowel_height() -> None:
    seq = ["t", "a", "t", "a", "t", "a", "t", "a", "t", "i"]
    role, n = make_role(seq, stress=[0] * len(seq))
    loud = role.stem.copy()
    s, e = role.phone_start[3], role.phone_end[3]  # the second "a"
    loud[int(s * spec.SAMPLE_RATE) : int(e * spec.SAMPLE_RATE)] *= 3.0  # +9.5 dB
    role.stem = loud
    out = teach(role, silent_role(n), n_frames=n, seed=0)
    jaw = out.blendshapes[:, 0, ARK["jawOpen"]]

    def peak(k: int) -> float:
        return float(jaw[int(role.phone_start[k] * FPS) : int(np.ceil(role.phone_end[k] * FPS))].max())

    assert peak(3) > 1.15 * peak(5)  # the louder vowel opens wider
    assert peak(5) > 1.5 * peak(9)  # open /a/ wider than close /i/


def test_phones_only_teacher_matches_invariants() -> None:
    a, b, n = synthetic_dialogue(seed=11, seconds=30.0)
    a2 = from_reference_phones(a.phone_ipa, a.phone_start, a.phone_end, a.phone_stress)
    b2 = from_reference_phones(b.phone_ipa, b.phone_start, b.phone_end)  # no stress, no segments
    out = teach(a2, b2, n_frames=n, seed=4)
    checks = {c.name: c for c in teacher_checks(out, a2, b2)}
    assert checks["bilabial_closure"].value == 1.0
    assert checks["closure_precision"].value == 1.0
    assert out.speaking[:, 0].sum() > 0 and out.speaking[:, 1].sum() > 0
    # Loudness estimated from phones still opens vowels more than consonants.
    jaw = out.blendshapes[:, 0, ARK["jawOpen"]]
    vowel = np.zeros(n, dtype=bool)
    for ipa, s, e in zip(a2.phone_ipa, a2.phone_start, a2.phone_end, strict=True):
        if ph.is_vowel(ipa):
            vowel[int(np.ceil(s * FPS)) : int(np.ceil(e * FPS))] = True
    speaking = out.speaking[:, 0] > 0
    assert jaw[vowel].mean() > 1.25 * jaw[speaking & ~vowel].mean()
    # The phones-only mouth (the "reference phones" ceiling) tracks the stem-driven one.
    with_stem = teach(a, b, n_frames=n, seed=4)
    assert np.corrcoef(jaw, with_stem.blendshapes[:, 0, ARK["jawOpen"]])[0, 1] > 0.9


def test_same_seed_same_bytes_other_seed_differs() -> None:
    a, b, n = synthetic_dialogue(seed=5, seconds=20.0)
    one = teach(a, b, n_frames=n, seed=9)
    two = teach(a, b, n_frames=n, seed=9)
    other = teach(a, b, n_frames=n, seed=10)
    for name in ("blendshapes", "head", "gaze", "speaking"):
        assert getattr(one, name).tobytes() == getattr(two, name).tobytes(), name
    for key in one.events:
        assert one.events[key].tobytes() == two.events[key].tobytes(), key
    assert one.head.tobytes() != other.head.tobytes()
    # The mouth depends on the speech, not on the seed.
    mouth = [ARK[k] for k in ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker")]
    np.testing.assert_array_equal(one.blendshapes[:, :, mouth], other.blendshapes[:, :, mouth])


def test_blinks_shape_and_rates(dialogues) -> None:
    checks = {c.name: c for c in combine(teacher_checks(out, a, b) for a, b, _n, out in dialogues)}
    speaking, listening = checks["blink_rate_speaking"].value, checks["blink_rate_listening"].value
    overall = checks["blink_rate_overall"].value
    assert speaking > listening
    assert listening >= 10.5 and speaking <= 32.5 + 3  # conversational range (Doughty 2001)
    assert 20.0 <= overall <= 32.0  # ~26/min (Bentivoglio et al. 1997)
    for _a, _b, _n, out in dialogues:
        for r in range(2):
            blink = out.blendshapes[:, r, ARK["eyeBlinkLeft"]]
            for i in np.flatnonzero(out.events["blink_onset"][:, r]):
                if i + int(0.15 * FPS) >= len(blink):
                    continue  # cut by the clip's end
                window = blink[i : i + int(0.15 * FPS) + 1]
                assert window.max() >= 0.99  # each blink closes the lids fully
            np.testing.assert_array_equal(blink, out.blendshapes[:, r, ARK["eyeBlinkRight"]])


def test_blink_close_faster_than_open() -> None:
    from duet.model.training.teacher.blinks import blink_shape

    t = np.arange(0, 0.7, 0.001)
    curve = blink_shape(t, 0.0, 0.208)
    peak = int(np.argmax(curve))
    close_time = peak / 1000.0
    open_time = (np.flatnonzero(curve > 0.01)[-1] - np.flatnonzero(curve >= 0.999)[-1]) / 1000.0
    assert 0.05 <= close_time <= 0.1 and open_time > close_time


def test_gaze_fractions_and_turn_rules(dialogues) -> None:
    checks = {c.name: c for c in combine(teacher_checks(out, a, b) for a, b, _n, out in dialogues)}
    assert 0.68 <= checks["listener_at_speaker"].value <= 0.85  # ~75 % (Argyle & Cook 1976)
    assert 0.3 <= checks["speaker_at_listener"].value < 0.5  # < 50 %
    assert checks["turn_start_averted"].value > 0.7  # Kendon 1967
    assert checks["turn_end_looking"].value > 0.7


def test_listener_glances_last_one_to_seven_seconds(dialogues) -> None:
    from duet.model.signal import mask_to_spans

    lengths = []
    for _a, _b, _n, out in dialogues:
        for r in range(2):
            for s, e in mask_to_spans(out.events["gaze_planned_at_partner"][:, r]):
                if s > 0 and e < out.n_frames and out.speaking[s:e, 1 - r].mean() > 0.7:
                    lengths.append((e - s) / FPS)
    lengths = np.array(lengths)
    assert len(lengths) > 20
    assert np.mean((lengths >= 1.0) & (lengths <= 7.0)) >= 0.6


def test_saccades_follow_the_main_sequence() -> None:
    targets = np.zeros((100, 2))
    targets[40:] = (20.0, 0.0)
    path = render_saccades(targets, FPS)
    moving = np.flatnonzero((path.world[:, 0] > 0.05) & (path.world[:, 0] < 19.95))
    assert path.saccade_onset[40] and abs(path.saccade_amplitude[40] - 20.0) < 1e-9
    duration = float(saccade_duration(20.0))
    assert abs(duration - (0.021 + 0.0022 * 20.0)) < 1e-12
    assert len(moving) <= int(np.ceil(duration * FPS)) + 1
    assert np.all(np.diff(path.world[:, 0]) >= -1e-9)


def test_eyes_lead_and_head_follows_large_gaze_shifts(dialogues) -> None:
    for _a, _b, _n, out in dialogues:
        world = out.events["gaze_world"]
        for r in range(2):
            for i in np.flatnonzero(
                out.events["saccade_onset"][:, r] & (out.events["saccade_amplitude"][:, r] > 15)
            ):
                if i < 2 or i + 30 >= out.n_frames:
                    continue
                shift = world[i + 4, r, 0] - world[i - 1, r, 0]
                head_now = out.head[i + 2, r, 0] - out.head[i - 1, r, 0]
                head_later = out.head[i + 30, r, 0] - out.head[i - 1, r, 0]
                # Right after the saccade the eyes carry most of the shift ...
                assert abs(head_now) < 0.5 * abs(shift) + 1.0
                # ... and the head has turned the same way some time later.
                if abs(shift) > 18:
                    assert np.sign(head_later) == np.sign(shift) or abs(head_later) < 1.0


def test_head_motion_is_smooth_and_listeners_nod_at_pauses(dialogues) -> None:
    nods_after_pause = 0
    for a, b, _n, out in dialogues:
        step = np.abs(np.diff(out.head, axis=0))
        assert step.max() < 3.0  # deg per 20 ms frame: no jumps
        accel = np.abs(np.diff(out.head, n=2, axis=0))
        assert accel.max() < 1.5
        for r, partner in ((0, b), (1, a)):
            nods = np.flatnonzero(out.events["nod_onset"][:, r]) / FPS
            assert not np.any(out.events["floor"][(nods * FPS).astype(int), r])  # nods are a listener's
            ends = partner.phone_end
            nods_after_pause += int(np.sum([np.any((t - ends > 0) & (t - ends < 0.5)) for t in nods]))
    assert nods_after_pause >= 5


def test_speaking_state_follows_phones() -> None:
    role, n = make_role(["h", "ɛ", "l", "oʊ", ("sil", 1.2), "b", "a", "j"], seconds=5.0)
    out = teach(role, silent_role(n), n_frames=n, seed=0)
    s0, e0 = role.phone_start[0], role.phone_end[3]
    s1 = role.phone_start[5]
    assert out.speaking[int(s0 * FPS) + 1 : int(e0 * FPS) - 1, 0].all()
    assert not out.speaking[int((e0 + 0.4) * FPS) : int((s1 - 0.4) * FPS), 0].any()
    assert not out.speaking[:, 1].any()


def test_brow_raises_fall_on_accents_or_nods(dialogues) -> None:
    total = 0
    for _a, _b, _n, out in dialogues:
        for r in range(2):
            acc = np.flatnonzero(out.events["accent"][:, r])
            nods = np.flatnonzero(out.events["nod_onset"][:, r])
            for i in np.flatnonzero(out.events["brow_onset"][:, r]):
                near_accent = len(acc) and np.min(np.abs(acc - i)) <= 0.15 * FPS
                near_nod = len(nods) and np.min(np.abs(nods - i)) <= 0.15 * FPS
                assert near_accent or near_nod
                total += 1
    assert total > 10


def test_laughs_smile_squint_and_open_the_jaw() -> None:
    role, n = make_role(["h", "ɛ", "l", "oʊ", "ð", "ɛ", "ɹ"], seconds=6.0)
    role.segments.append((3.0, 4.2, "laugh"))
    out = teach(role, silent_role(n), n_frames=n, seed=3)
    laugh = slice(int(3.3 * FPS), int(3.9 * FPS))
    bs = out.blendshapes[laugh, 0]
    assert bs[:, ARK["mouthSmileLeft"]].min() > 0.4 and bs[:, ARK["cheekSquintLeft"]].min() > 0.2
    assert bs[:, ARK["jawOpen"]].max() > 0.15
    assert lip_aperture(bs).min() > APERTURE_CLOSED  # lips apart while laughing
    assert not out.speaking[laugh, 0].any()
    # The partner smiles back at some point during or after the laugh, or not: but never laughs.
    assert out.events["laugh"][:, 1].max() == 0.0


def test_other_frame_rates_keep_closures() -> None:
    a, b, _n = synthetic_dialogue(seed=8, seconds=20.0)
    n = int(np.ceil(20.0 * 30.0))
    out = teach(a, b, n_frames=n, fps=30.0, seed=1)
    assert out.fps == 30.0 and out.blendshapes.shape[0] == n
    checks = {c.name: c for c in teacher_checks(out, a, b)}
    assert checks["bilabial_closure"].value == 1.0


def test_bad_input_gets_a_clear_message() -> None:
    role, n = make_role(["a", "p", "a"])
    bad = RoleSpeech(role.phone_ipa, role.phone_start[:2], role.phone_end, role.phone_stress)
    with pytest.raises(TeacherInputError, match="same length"):
        teach(bad, role, n_frames=n)
    backwards = RoleSpeech(role.phone_ipa, role.phone_end, role.phone_start, role.phone_stress)
    with pytest.raises(TeacherInputError, match="ends before it starts"):
        teach(backwards, role, n_frames=n)
    with pytest.raises(TeacherInputError, match="conditioning must have shape"):
        teach(role, role, n_frames=n, conditioning=np.zeros((n, 2, 3), dtype=np.float32))
    with pytest.raises(TeacherInputError, match="n_frames"):
        teach(role, role, n_frames=-1)
    stereo = RoleSpeech(
        role.phone_ipa, role.phone_start, role.phone_end, role.phone_stress, np.zeros((10, 2))
    )
    with pytest.raises(TeacherInputError, match="mono"):
        teach(stereo, role, n_frames=n)
    with pytest.raises(TeacherInputError, match="kind"):
        teach(
            RoleSpeech(
                role.phone_ipa, role.phone_start, role.phone_end, role.phone_stress, None, [(0, 1, "x")]
            ),
            role,
            n_frames=n,
        )


def test_empty_and_silent_clips() -> None:
    empty = silent_role(0)
    out = teach(empty, empty, n_frames=0)
    assert out.blendshapes.shape == (0, 2, 52)
    out = teach(empty, silent_role(100), n_frames=100, seed=2)
    assert not out.speaking.any()
    assert lip_aperture(out.blendshapes[:, 0]).max() < 0.05  # mouth at rest


def test_stems_of_any_length_are_accepted() -> None:
    role, n = make_role(["h", "a", "p", "i"], seconds=3.0)
    role.stem = role.stem[: spec.SAMPLE_RATE // 2]  # shorter than the clip
    partner = from_reference_phones([], [], [], stem=np.zeros(10, dtype=np.float32))  # silent
    out = teach(role, partner, n_frames=n, seed=0)
    assert out.blendshapes.shape == (n, 2, 52)
    assert {c.name: c for c in teacher_checks(out, role, partner)}["bilabial_closure"].value == 1.0


def test_short_gaps_are_the_interior_pauses_a_bridge_fills() -> None:
    from duet.model.signal import short_gaps

    speech = np.array([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0], dtype=bool)
    # the 2-frame pause is bridged, the 4-frame one is not, the runs at either end are not pauses
    assert short_gaps(speech, 3).tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert short_gaps(speech, 5).tolist() == [0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0]
    assert not short_gaps(np.zeros(5, dtype=bool), 10).any()
