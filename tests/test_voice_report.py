"""The take report on the sound itself: noise, no voice, one voice (issue 13)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from duet.model import generation, voice_report, windowing

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assets" / "example_dialogue.flac"
RATE = 16000


def syllables(seconds: float, seed: int = 0) -> np.ndarray:
    """Voice-like bursts (a harmonic tone, 5 syllables a second with pauses) at about -20 dBFS."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 8))
    envelope = np.clip(np.sin(2 * np.pi * 2.5 * t), 0.0, None) ** 2
    envelope[(t % 2.0) > 1.4] = 0.0  # a pause every two seconds
    x = tone * envelope
    return (0.1 * x / np.sqrt(np.mean(x**2) + 1e-12)).astype(np.float32)


def with_noise(x: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(size=len(x))
    noise *= np.sqrt(np.mean(x.astype(np.float64) ** 2) / 10 ** (snr_db / 10)) / noise.std()
    return (x + noise).astype(np.float32)


def frames(x: np.ndarray) -> int:
    return len(x) // windowing.SAMPLES_PER_FRAME


def levels(x: np.ndarray) -> np.ndarray:
    return windowing.frame_energy_db(x, frames(x))


def test_a_clean_take_gets_no_noise_note():
    x = syllables(6.0)
    assert voice_report.noise_note(levels(x)) is None


def test_speech_in_heavy_noise_is_called_very_noisy_with_its_figure():
    x = with_noise(syllables(6.0), snr_db=0.0)
    note = voice_report.noise_note(levels(x))
    assert note is not None and "very noisy" in note
    span = voice_report.speech_range_db(levels(x))
    assert span is not None and span < voice_report.VERY_NOISY_RANGE_DB
    assert f"{span:.0f} dB" in note and "script" in note and "stem" in note


def test_moderate_noise_is_called_noisy_not_very_noisy():
    x = syllables(6.0)
    # Find a noise level between the two thresholds (the figure depends on the signal, not the CPU).
    for snr in np.arange(20.0, 0.0, -1.0):
        y = with_noise(x, float(snr))
        span = voice_report.speech_range_db(levels(y))
        if voice_report.VERY_NOISY_RANGE_DB <= span < voice_report.NOISY_RANGE_DB:
            break
    else:
        pytest.fail("no noise level put the take between the two thresholds")
    note = voice_report.noise_note(levels(y), "B's stem")
    assert note is not None and note.startswith("B's stem is noisy") and "very" not in note


def test_silence_gets_the_no_voice_note_not_a_noise_note():
    x = np.zeros(RATE * 2, dtype=np.float32)
    assert voice_report.noise_note(levels(x)) is None
    note = voice_report.no_voice_note(windowing.voiced_frames(x, frames(x)))
    assert note is not None and "no voice was found" in note
    assert voice_report.no_voice_note(np.array([False, True])) is None


def test_one_voice_is_reported_with_what_helps():
    notes = voice_report.roles_notes({"voices": 1, "centroid_cos": 0.93}, 0, None)
    assert voice_report.roles_notes({"voices": 2, "centroid_cos": 0.4}, 0, None) == []
    assert "every line is B's" in voice_report.roles_notes({"voices": 1}, 1, None)[0]
    assert len(notes) == 1
    assert "only one voice was heard" in notes[0] and "0.93 alike" in notes[0]
    assert "every line is A's" in notes[0] and "A Speaks At" in notes[0] and "script" in notes[0]


def test_two_voices_that_sound_alike_are_reported_as_maybe_one():
    alike = {"voices": 2, "centroid_cos": 0.7, "print_cos": 0.953, "joined_cos": 0.9}
    notes = voice_report.roles_notes(alike, 0, None)
    assert len(notes) == 1
    assert "sound much alike" in notes[0] and "0.95 alike" in notes[0]
    assert "Only A Speaks" in notes[0] and 'roles = "A"' in notes[0] and "script" in notes[0]
    for unlike in ({"print_cos": 0.91}, {"joined_cos": 0.84}, {"print_cos": None}, {"voices": 1}):
        info = {**alike, **unlike}
        assert not voice_report.voices_alike(info)
        assert not any("sound much alike" in n for n in voice_report.roles_notes(info, 0, None))
    assert voice_report.voices_alike({**alike, "print_cos": voice_report.ALIKE_PRINT_COS})
    # Split again (mix_roles.audio_roles): the first split decides, the note quotes the kept one.
    again = voice_report.roles_notes({**alike, "resplit_print_cos": 0.931}, 0, None)
    assert len(again) == 1 and "0.93 alike" in again[0]


def test_role_likeness_compares_the_frames_each_role_speaks_alone():
    from duet.model import diarization

    n = 100
    anchor = np.zeros((n, 2, 2), np.float32)
    anchor[:40, 0, 1] = 1.0  # A alone
    anchor[40:80, 1, 1] = 1.0  # B alone
    anchor[80:, :, 1] = 1.0  # both: neither role's
    vectors = np.zeros((n, 3), np.float32)
    vectors[:40] = [1.0, 0.0, 0.0]
    vectors[40:80] = [1.0, 1.0, 0.0]
    vectors[80:] = [0.0, 0.0, 1.0]
    assert diarization.role_likeness(vectors, anchor) == pytest.approx(np.sqrt(0.5), abs=1e-6)
    vectors[:30] = 0.0  # windows without a print: 10 frames of A are too few to say
    assert diarization.role_likeness(vectors, anchor) is None


@pytest.fixture(scope="module")
def example() -> tuple[np.ndarray, int]:
    pytest.importorskip("bpy")  # read_audio decodes the FLAC with aud, which the bpy module brings
    from duet.addon.audio import read_audio

    voice = read_audio(EXAMPLE, channels=1)
    return np.asarray(voice.samples, dtype=np.float32), voice.sample_rate


@pytest.mark.blender
def test_a_clean_two_voice_take_has_nothing_to_report(example):
    x, rate = example
    assert generation.generate(x, rate, runtime="numpy").notes == ()


@pytest.mark.blender
def test_a_take_of_one_voice_says_so(example):
    x, rate = example
    first_line = x[: int(2.8 * rate)]  # Mara alone: "Theo! There you are. ..."
    notes = generation.generate(first_line, rate, runtime="numpy").notes
    assert any("only one voice was heard" in n for n in notes), notes


@pytest.mark.blender
def test_a_real_monologue_split_in_two_gets_the_alike_voices_note():
    """jfk.flac (11 s, one real voice) is split between A and B by the clustering; the report says
    the two voices sound alike and names Only A Speaks."""
    jfk = Path(__file__).resolve().parents[2] / "shared" / "eval" / "real" / "speech" / "jfk.flac"
    if not jfk.exists():
        pytest.skip("../shared/eval/real not beside the checkout")
    pytest.importorskip("bpy")
    from duet.addon.audio import read_audio

    voice = read_audio(jfk, channels=1)
    notes = generation.generate(
        np.asarray(voice.samples, np.float32), voice.sample_rate, runtime="numpy"
    ).notes
    assert any("sound much alike" in n and "Only A Speaks" in n for n in notes), notes


@pytest.mark.blender
def test_a_noisy_take_says_so_and_still_generates(example):
    x, rate = example
    noisy = with_noise(x, snr_db=0.0)
    perf = generation.generate(noisy, rate, runtime="numpy")
    assert perf.n_frames > 0
    assert any("very noisy" in n for n in perf.notes), perf.notes


@pytest.mark.blender
def test_stems_are_reported_each_on_its_own(example):
    x, rate = example
    n = len(x)
    stems = np.stack([x, np.zeros(n, dtype=np.float32)], axis=1)
    notes = generation.generate(stems, rate, runtime="numpy", stems=True).notes
    assert any(n.startswith("no voice was found in B's stem") for n in notes), notes
    assert not any("A's stem" in n for n in notes)
