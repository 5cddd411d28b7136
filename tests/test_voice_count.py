"""The voice counter (model/voice_count.py) and what it does to a mix's role anchor
(mix_roles.overlap_unknown) and to a script take's speaking (take.speaking_over_lines). Its numpy
runtime against its torch twin: tests/test_lip_reader.py, with the lip reader's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from classifier_weights import random_params

from duet.model import features, mix_roles, voice_count
from duet.model.performance import TakeLine
from duet.model.script import take
from duet.model.voice_count import VoiceCounter, VoiceCountError

needs_weights = pytest.mark.skipif(
    not voice_count.DEFAULT_PATH.exists(), reason="the voice counter's weights are not shipped"
)


def random_counter(seed: int = 0, width: int = 6, dilations=(1, 2)) -> VoiceCounter:
    return VoiceCounter(random_params(voice_count.N_CLASSES, seed, width, dilations))


class FixedCounter:
    """Hears two voices with the given per-frame probabilities."""

    def __init__(self, p: np.ndarray) -> None:
        self.p = p

    def two_voices(self, audio16k, voiced, log_mel=None) -> np.ndarray:
        return self.p


def alone_anchor(roles: list[int]) -> np.ndarray:
    """A dense anchor: frame i known, role roles[i] speaks alone (-1: unknown)."""
    a = np.zeros((len(roles), 2, 2), np.float32)
    for i, r in enumerate(roles):
        if r >= 0:
            a[i, :, 0] = 1.0
            a[i, r, 1] = 1.0
    return a


def test_two_voices_is_a_probability_per_frame():
    counter = random_counter()
    x = np.random.default_rng(1).normal(0, 0.1, 16000).astype(np.float32)
    n = features.n_model_frames(len(x))
    p = counter.two_voices(x, np.ones(n, bool))
    assert p.shape == (n,)
    assert (p >= 0).all() and (p <= 1).all()


def test_weights_of_another_shape_are_refused_with_the_reason(tmp_path: Path):
    params = dict(random_counter().params)
    path = tmp_path / "counter.npz"
    np.savez(path, **{k: v for k, v in params.items() if k != "mix0.w"})
    with pytest.raises(VoiceCountError, match="mix0.w"):
        VoiceCounter.load(path)
    params["output.w"], params["output.b"] = params["output.w"][:2], params["output.b"][:2]
    np.savez(path, **params)
    with pytest.raises(VoiceCountError, match="2 classes"):
        VoiceCounter.load(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(VoiceCountError, match="could not be read"):
        VoiceCounter.load(path)


def test_the_training_labels_count_the_voices_that_sound():
    from types import SimpleNamespace

    from duet.model.training import lip_reader_train

    rate, n = 16000, 50  # 1 s: A's stem sounds over 0.0-0.6 s, B's over 0.4-1.0 s
    t = np.arange(rate) / rate
    tone = (0.1 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    stems = np.zeros((rate, 2), np.float32)
    stems[: int(0.6 * rate), 0] = tone[: int(0.6 * rate)]
    stems[int(0.4 * rate) :, 1] = tone[int(0.4 * rate) :]
    speaking = np.zeros((n, 2))
    speaking[:30, 0] = 1.0
    speaking[20:, 1] = 1.0
    speaking[40:45, 0] = 1.0  # said to speak (a bridged pause) where its stem is silent
    labels = lip_reader_train.voice_labels(SimpleNamespace(speaking=speaking, stems=stems))
    assert labels.shape == (n,)
    assert (labels[2:18] == voice_count.ONE).all()
    assert (labels[22:28] == voice_count.TWO).all()
    assert (labels[32:40] == voice_count.ONE).all() and (labels[40:45] == voice_count.ONE).all()


def test_a_crop_mixed_with_another_counts_both_voices():
    """overlap_mix (training's --overlap-mix): the mel powers add, the counts add up to two, an
    unknown frame stays unknown, and a crop mixed with silence keeps its features."""
    from duet.model.training import lip_reader_train

    rng = np.random.default_rng(4)
    t = 20
    x = rng.normal(size=(2 * t, features.N_MELS)).astype(np.float32)
    y = np.array([0] * 5 + [1] * 10 + [2] * 3 + [-1] * 2, np.int16)
    other_y = np.array([1] * 8 + [0] * 12, np.int16)
    other_x = rng.normal(size=(2 * t, features.N_MELS)).astype(np.float32)
    mixed, counts = lip_reader_train.overlap_mix(x, y, other_x, other_y, rng)
    assert counts.tolist() == [1] * 5 + [2] * 3 + [1] * 7 + [2] * 3 + [-1] * 2
    voiced = np.repeat(counts > 0, 2)
    # relative to its voiced frames again, as the crop was
    np.testing.assert_allclose(mixed[voiced].mean(axis=0), x[voiced].mean(axis=0), atol=1e-4)
    # the shared shift aside, the mix's powers add: never below the crop's own
    shift = np.logaddexp(x, other_x - lip_reader_train.OVERLAP_GAIN_LN) - x
    assert np.all(shift > 0)
    silent = np.full_like(other_x, -50.0)  # e^-50: nothing
    quiet, same = lip_reader_train.overlap_mix(x, y, silent, np.zeros(t, np.int16), rng)
    np.testing.assert_allclose(quiet, x, atol=1e-4)
    assert same.tolist() == y.tolist()


def test_the_anchor_says_nothing_where_two_voices_are_heard(monkeypatch):
    p = np.array([0.9, 0.9, 0.2, 0.9, 0.9, 0.6], np.float32)
    monkeypatch.setattr(voice_count, "shipped", lambda: FixedCounter(p))
    anchor = alone_anchor([0, 0, 0, 1, -1, 1])
    voiced = np.array([True, False, True, True, True, True])
    out, two = mix_roles.overlap_unknown(anchor, np.zeros(16000, np.float32), voiced)
    assert two.tolist() == [True, False, False, True, True, p[5] > mix_roles.TWO_VOICES_P]
    assert (out[two] == 0).all()
    np.testing.assert_array_equal(out[~two], anchor[~two])  # unvoiced or one voice: as it was
    assert anchor[0, 0, 0] == 1.0  # the caller's anchor is not touched


def test_an_anchor_that_says_both_speak_keeps_it(monkeypatch):
    monkeypatch.setattr(voice_count, "shipped", lambda: FixedCounter(np.ones(3, np.float32)))
    anchor = alone_anchor([0, 0, 1])
    anchor[1, :, 1] = 1.0  # a script's overlapping lines
    out, two = mix_roles.overlap_unknown(anchor, np.zeros(16000, np.float32), np.ones(3, bool))
    assert two.tolist() == [True, False, True]
    np.testing.assert_array_equal(out[1], anchor[1])


def test_without_a_counter_the_anchor_is_unchanged(monkeypatch):
    monkeypatch.setattr(voice_count, "shipped", lambda: None)
    anchor = alone_anchor([0, 1, -1])
    out, two = mix_roles.overlap_unknown(anchor, np.zeros(16000, np.float32), np.ones(3, bool))
    np.testing.assert_array_equal(out, anchor)
    assert not two.any()


def test_a_script_line_leaves_two_voice_frames_to_the_network():
    from duet.model.script import placement as pl

    line = TakeLine(
        role="A", speaker="A", text="Hello there.", start=0.0, end=0.2, source_line=1, confidence=0.9
    )
    two = np.zeros(10, bool)
    two[4:6] = True
    aligned = take.ScriptAlignment(
        anchor=None,
        lines=(line,),
        phones={},
        notes=(),
        placement=pl.Placement((), 0.2),
        separable=True,
        two_voices=two,
    )
    network = {"A": np.full(10, 0.7, np.float32), "B": np.full(10, 0.8, np.float32)}
    out = take.speaking_over_lines(network, aligned, 50.0)
    assert out["A"][:4].tolist() == [1.0] * 4 and out["B"][:4].tolist() == [0.0] * 4  # the line says
    assert np.allclose(out["B"][4:6], 0.8) and np.allclose(out["A"][4:6], 0.7)  # the network's
    assert out["B"][6:].tolist() == [0.0] * 4


@needs_weights
def test_the_shipped_counter_loads():
    counter = voice_count.shipped()
    assert counter is not None and counter.params["output.w"].shape[0] == voice_count.N_CLASSES


def script_alignment(roles: list[str], anchor: np.ndarray):
    from duet.model.script import placement as pl

    lines = tuple(
        TakeLine(
            role=r, speaker=r, text="Hi.", start=0.1 * i, end=0.1 * i + 0.1, source_line=i + 1, confidence=0.9
        )
        for i, r in enumerate(roles)
    )
    return take.ScriptAlignment(
        anchor=anchor, lines=lines, phones={}, notes=(), placement=pl.Placement((), 0.2), separable=True
    )


def test_a_script_take_on_a_mix_leaves_two_voice_frames_unknown(monkeypatch):
    from duet.model import windowing

    n = 12
    p = np.zeros(n, np.float32)
    p[3:6] = 0.95
    monkeypatch.setattr(voice_count, "shipped", lambda: FixedCounter(p))
    monkeypatch.setattr(windowing, "voiced_frames", lambda audio, frames: np.ones(frames, bool))
    x = np.zeros(16000, np.float32)
    anchor = alone_anchor([0] * 6 + [1] * 6)
    out = mix_roles.script_overlaps(script_alignment(["A", "B"], anchor), x)
    assert out.two_voices.tolist() == [False] * 3 + [True] * 3 + [False] * 6
    assert (out.anchor[3:6] == 0).all() and (out.anchor[:3] == anchor[:3]).all()
    # One character's lines (no partner), or stems: the alignment is kept as it is.
    one = script_alignment(["A", "A"], anchor)
    assert mix_roles.script_overlaps(one, x) is one
    both = script_alignment(["A", "B"], anchor)
    assert mix_roles.script_overlaps(both, np.zeros((16000, 2), np.float32)) is both


# -- the switch (generate's hear_overlaps; tests/test_take_switches.py takes it everywhere else) -----


def test_without_overlaps_audio_roles_keeps_the_split(monkeypatch):
    from duet.model import mix_roles, windowing

    anchor = alone_anchor([0, 0, 1, 1])
    monkeypatch.setattr(mix_roles, "_split_voices", lambda *a, **k: (anchor.copy(), {"voices": 2}))
    monkeypatch.setattr(
        voice_count, "shipped", lambda: FixedCounter(np.array([0.9, 0.1, 0.1, 0.9], np.float32))
    )
    monkeypatch.setattr(windowing, "voiced_frames", lambda audio, frames: np.ones(frames, bool))
    x = np.zeros(4 * 320, np.float32)
    seed = alone_anchor([0, -1, -1, -1])
    log_mel = np.zeros((8, features.N_MELS), np.float32)
    heard, info = mix_roles.audio_roles(None, x, 4, seed, log_mel)
    assert info["two_voices_frames"] == 2 and (heard[[0, 3]] == 0).all()
    np.testing.assert_array_equal(heard[1:3], anchor[1:3])
    kept, kept_info = mix_roles.audio_roles(None, x, 4, seed, log_mel, overlaps=False)
    np.testing.assert_array_equal(kept, anchor)
    assert "two_voices_frames" not in kept_info
