"""Voice prints (model/voiceprint.py): 1.6 s windows that split two voices again beside the frame
voice vectors (diarization.join_prints, mix_roles.audio_roles); the numpy runtime against its
torch twin (model/training/voiceprint_train.py)."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import diarization, features, mix_roles, voice_count, voiceprint, windowing
from duet.model.voiceprint import VoicePrint, VoicePrintError

RATE = 16000


def random_print(seed: int = 0, channels: int = 8, hidden: int = 16, out: int = 12) -> VoicePrint:
    rng = np.random.default_rng(seed)
    sizes = [features.N_MELS, channels, channels, channels]
    params = {}
    for i in range(3):
        params[f"conv{i}.w"] = rng.normal(0, 0.1, (sizes[i + 1], sizes[i], voiceprint.KERNEL)).astype(
            np.float32
        )
        params[f"conv{i}.b"] = rng.normal(0, 0.1, sizes[i + 1]).astype(np.float32)
    params["fc0.w"] = rng.normal(0, 0.1, (hidden, 2 * channels)).astype(np.float32)
    params["fc0.b"] = np.zeros(hidden, np.float32)
    params["fc1.w"] = rng.normal(0, 0.1, (out, hidden)).astype(np.float32)
    params["fc1.b"] = np.zeros(out, np.float32)
    return VoicePrint(params)


def test_conv1d_is_a_strided_cross_correlation_with_zero_padding():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(11, 3)).astype(np.float32)
    w = rng.normal(size=(4, 3, 5)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    got = voiceprint.conv1d(x, w, b, 2)
    pad = np.pad(x, ((2, 2), (0, 0)))
    want = np.array([[np.sum(pad[t : t + 5].T * w[o]) + b[o] for o in range(4)] for t in range(0, 11, 2)])
    assert got.shape == (6, 4)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_masked_stats_pool_only_the_voiced_rows():
    h = np.array([[1.0, 2.0], [3.0, 2.0], [100.0, -50.0]], np.float32)
    got = voiceprint.masked_stats(h, np.array([True, True, False]))
    np.testing.assert_allclose(got, [2.0, 2.0, 1.0, np.sqrt(1e-6)], rtol=1e-5)
    assert voiceprint.masked_stats(h, np.zeros(3, bool)).shape == (4,)  # nothing voiced: every row


def test_prints_cover_the_voiced_windows_only():
    vp = random_print()
    t = np.arange(6 * RATE) / RATE
    x = (0.1 * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    n = features.n_model_frames(len(x))
    voiced = np.zeros(n, bool)
    voiced[100:250] = True  # 2-5 s
    vectors, starts = vp.prints(x, voiced)
    assert len(vectors) == len(starts) > 0
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    for s in starts:  # each window at least half voiced
        assert voiced[s : s + voiceprint.WINDOW // 2].mean() >= voiceprint.MIN_VOICED
    empty, none = vp.prints(x, np.zeros(n, bool))
    assert empty.shape == (0, 12) and none.shape == (0,)


def test_take_windows_remove_the_takes_channel_or_only_its_loudness():
    rng = np.random.default_rng(4)
    n = 3 * voiceprint.WINDOW
    tilt = np.linspace(-2.0, 2.0, features.N_MELS)  # a voice's (or a microphone's) spectral tilt
    feats = (rng.normal(size=(n, features.N_MELS)) + tilt + 5.0).astype(np.float32)
    voiced = np.ones(n // features.FRAMES_PER_MODEL_FRAME, bool)
    bands, voiced_feat, starts = voiceprint.take_windows(feats, voiced)
    level, _, level_starts = voiceprint.take_windows(feats, voiced, level_only=True)
    assert starts == level_starts and voiced_feat.all()
    np.testing.assert_allclose(bands.mean(axis=0), 0.0, atol=1e-4)  # every band's mean gone
    np.testing.assert_allclose(level.mean(), 0.0, atol=1e-4)  # the loudness gone ...
    np.testing.assert_allclose(level.mean(axis=0), tilt, atol=0.15)  # ... the tilt kept
    # A louder take (every log band raised alike) reads the same either way.
    louder, _, _ = voiceprint.take_windows(feats + 3.0, voiced, level_only=True)
    np.testing.assert_allclose(louder, level, atol=1e-4)


def test_weights_say_which_features_they_read():
    vp = random_print()
    assert not vp.level_only
    level = VoicePrint({**vp.params, voiceprint.LEVEL_KEY: np.ones(1, np.float32)})
    assert level.level_only
    t = np.arange(6 * RATE) / RATE
    x = (0.1 * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.7 * t))).astype(np.float32)
    voiced = np.ones(features.n_model_frames(len(x)), bool)
    feats, voiced_feat, starts = voiceprint.take_windows(features.log_mel(x), voiced, level_only=True)
    h = level.trunk(feats)
    s = starts[0] // voiceprint.DOWN
    e = (starts[0] + voiceprint.WINDOW) // voiceprint.DOWN
    want = level.head(voiceprint.masked_stats(h[s:e], voiced_feat[:: voiceprint.DOWN][s:e])[None])
    got, _ = level.prints(x, voiced)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(got[0], vp.prints(x, voiced)[0][0], atol=1e-3)  # the other features


def test_the_trunk_in_blocks_equals_one_pass(monkeypatch):
    vp = random_print(channels=6)
    rng = np.random.default_rng(6)
    for n in (401, 403, 640):  # ends on and off the stride
        feats = rng.normal(size=(n, features.N_MELS)).astype(np.float32)
        whole = vp.trunk(feats)
        with monkeypatch.context() as m:
            m.setattr(voiceprint, "TRUNK_BLOCK", 100)
            blocks = vp.trunk(feats)
        assert blocks.shape == whole.shape == (-(-n // voiceprint.DOWN), 6)
        np.testing.assert_allclose(blocks, whole, rtol=1e-5, atol=1e-5)


def test_frame_prints_are_the_unit_mean_of_the_windows_over_each_frame():
    span = voiceprint.WINDOW // features.FRAMES_PER_MODEL_FRAME
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    starts = np.array([0, span // 2])
    got = voiceprint.frame_prints(vectors, starts, 3 * span)
    np.testing.assert_allclose(got[0], [1.0, 0.0])
    np.testing.assert_allclose(got[span // 2], [np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-6)  # both windows
    np.testing.assert_allclose(got[span], [0.0, 1.0])
    assert not got[span // 2 + span :].any()  # no window: no print
    assert voiceprint.frame_prints(np.zeros((0, 2), np.float32), np.zeros(0, np.int64), 5).shape == (5, 2)


def test_voiced_segments_bridge_only_short_pauses():
    voiced = np.zeros(100, bool)
    voiced[10:40] = True
    voiced[43:60] = True  # a 3-frame pause: one segment
    voiced[70:80] = True  # a 10-frame pause: another
    assert voiceprint.voiced_segments(voiced, gap=5) == [(10, 60), (70, 80)]
    assert voiceprint.voiced_segments(voiced, gap=2) == [(10, 40), (43, 60), (70, 80)]
    assert voiceprint.voiced_segments(np.zeros(5, bool)) == []


def test_segment_prints_print_the_segments_of_a_turns_length_only():
    vp = random_print()
    rng = np.random.default_rng(2)
    x = (0.1 * rng.normal(size=8 * RATE)).astype(np.float32)
    n = features.n_model_frames(len(x))
    voiced = np.zeros(n, bool)
    voiced[20:30] = True  # too short to print
    voiced[50:90] = True  # a turn: printed
    voiced[100:300] = True  # long: its windows print it
    vectors, spans = vp.segment_prints(x, voiced)
    assert spans.tolist() == [[50, 90]]
    assert vectors.shape == (1, 12)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    # It pools the trunk's frames of the segment alone (4 feature frames, 2 model frames, per trunk
    # frame): model frames 50-90 are trunk frames 25-45.
    feats, voiced_feat, _ = voiceprint.take_windows(features.log_mel(x), voiced)
    h = vp.trunk(feats)
    want = vp.head(voiceprint.masked_stats(h[25:45], voiced_feat[:: voiceprint.DOWN][25:45])[None])
    np.testing.assert_allclose(vectors, want, rtol=1e-5, atol=1e-6)
    # No window fits a take this short: nothing is printed.
    short = np.ones(features.n_model_frames(RATE), bool)
    none, no_spans = vp.segment_prints(x[:RATE], short)
    assert none.shape == (0, 12) and no_spans.shape == (0, 2)
    # One pass of the trunk gives both kinds, as each alone gives them.
    windows, starts, both_vectors, both_spans = vp.take_prints(x, voiced)
    np.testing.assert_array_equal(both_vectors, vectors)
    np.testing.assert_array_equal(both_spans, spans)
    alone, alone_starts = vp.prints(x, voiced)
    np.testing.assert_array_equal(windows, alone)
    np.testing.assert_array_equal(starts, alone_starts)


def test_a_segments_print_joins_its_frames_window_prints():
    frame_prints = np.tile(np.array([[1.0, 0.0]], np.float32), (10, 1))
    frame_prints[8:] = 0.0  # no window printed these frames
    got = voiceprint.with_segment_prints(frame_prints, np.array([[0.0, 1.0]], np.float32), np.array([[2, 9]]))
    np.testing.assert_allclose(got[:2], frame_prints[:2])  # outside the segment: as they were
    np.testing.assert_allclose(got[2:8], np.tile([[np.sqrt(0.5), np.sqrt(0.5)]], (6, 1)), rtol=1e-6)
    np.testing.assert_allclose(got[8], [0.0, 1.0])  # the segment's print alone
    np.testing.assert_allclose(got[9], [0.0, 0.0])


def two_voice_take(rng, n=600, turn=60):
    """Turns of A and B whose voice vectors split more by something else (a nuisance that changes
    on its own schedule: pitch, loudness) than by the voice; the truth (F,) 0/1 and a seed on A."""
    truth = (np.arange(n) // turn) % 2
    nuisance = np.where((np.arange(n) + turn // 2) // (3 * turn) % 2 == 0, 1.0, -1.0)
    emb = 0.05 * rng.normal(size=(n, 6)).astype(np.float32)
    emb[:, 0] += nuisance
    emb[:, 1] += np.where(truth == 0, 0.9, -0.9)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    seed = np.zeros((n, 2, 2), np.float32)
    seed[:20, :, 0] = 1.0
    seed[:20, 0, 1] = 1.0
    return emb, truth, seed


def accuracy(anchor, truth):
    known = anchor[:, 0, 0] > 0
    said = np.where(anchor[:, 0, 1] > 0.5, 0, 1)
    return float((said[known] == truth[known]).mean())


def test_prints_joined_to_the_voice_vectors_mend_the_split():
    rng = np.random.default_rng(3)
    emb, truth, seed = two_voice_take(rng)
    voiced = np.ones(len(truth), bool)
    prints = np.where(truth[:, None] == 0, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]]).astype(np.float32)
    prints += 0.1 * rng.normal(size=prints.shape).astype(np.float32)
    prints /= np.linalg.norm(prints, axis=1, keepdims=True)
    alone, _ = diarization.assign_roles(emb, voiced, seed)
    joined = diarization.join_prints(emb, prints)
    np.testing.assert_allclose(np.linalg.norm(joined, axis=1), 1.0, rtol=1e-5)
    mended, _ = diarization.assign_roles(joined, voiced, seed, one_voice=False)
    assert accuracy(alone, truth) < 0.9
    assert accuracy(mended, truth) > 0.97
    # A frame without a print keeps its voice vector alone.
    np.testing.assert_allclose(diarization.join_prints(emb[:1], np.zeros((1, 3)))[0, :6], emb[0], rtol=1e-5)


def test_a_decided_number_of_voices_overrides_the_centroids():
    rng = np.random.default_rng(3)
    n = 200
    emb = np.zeros((n, 4), np.float32)
    emb[:100, 0] = 1.0
    emb[100:, 1] = 1.0  # two clearly different voices by the centroids
    emb += 0.01 * rng.normal(size=emb.shape).astype(np.float32)
    voiced = np.ones(n, bool)
    seed = np.zeros((n, 2, 2), np.float32)
    seed[:20, :, 0] = 1.0
    seed[:20, 0, 1] = 1.0
    _, by_centroids = diarization.assign_roles(emb, voiced, seed)
    anchor, one = diarization.assign_roles(emb, voiced, seed, one_voice=True)
    assert by_centroids["voices"] == 2 and one["voices"] == 1
    assert not anchor[:, 1, 1].any()  # everything A's
    _, two = diarization.assign_roles(np.tile(emb[:1], (n, 1)), voiced, seed, one_voice=False)
    assert two["voices"] == 2


class FixedVoices:
    """A runtime whose voice head gives set vectors (audio_roles reads nothing else of it)."""

    def __init__(self, emb):
        self.emb = emb

    def voice(self, feats):
        return self.emb[None, : feats.shape[1]]


class FixedPrints:
    """Prints of 1.6 s windows every 0.4 s: (1, 0) for the first voice, `other` for the second."""

    def __init__(self, truth, n_frames, other=(0.0, 1.0)):
        self.truth, self.n_frames, self.calls, self.other = truth, n_frames, 0, other

    def prints(self, audio16k, voiced, log_mel=None):
        self.calls += 1
        starts = np.arange(0, self.n_frames - 80, 20)
        vectors = np.array(
            [[1.0, 0.0] if self.truth[s + 40] == 0 else list(self.other) for s in starts], np.float32
        )
        return vectors, starts

    def segment_prints(self, audio16k, voiced, log_mel=None):
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.int64)  # one long stretch: none

    def take_prints(self, audio16k, voiced, log_mel=None):
        return (*self.prints(audio16k, voiced, log_mel), *self.segment_prints(audio16k, voiced, log_mel))


def test_audio_roles_splits_two_voices_again_with_the_shipped_prints(monkeypatch):
    from duet.model import windowing

    rng = np.random.default_rng(5)
    x = (0.1 * rng.normal(size=12 * RATE)).astype(np.float32)
    n = features.n_model_frames(len(x))
    emb, truth, seed = two_voice_take(rng, n=n, turn=100)
    fake = FixedPrints(truth, n)
    monkeypatch.setattr(voiceprint, "shipped", lambda: fake)
    monkeypatch.setattr(voice_count, "shipped", lambda: None)  # the split alone
    monkeypatch.setattr(windowing, "voiced_frames", lambda audio, frames: np.ones(frames, bool))
    # The runtime pads its chunks with context: give it vectors for every frame it may ask.
    rt = FixedVoices(np.concatenate([emb, emb[: diarization.CONTEXT]]))
    anchor, info = mix_roles.audio_roles(rt, x, n, seed)
    alone, alone_info = diarization.assign_roles(emb, windowing.voiced_frames(x, n), seed)
    assert fake.calls == 1 and info["split_by_prints"] and info["voices"] == 2
    assert info["centroid_cos"] == pytest.approx(alone_info["centroid_cos"])  # what decided two voices
    assert accuracy(anchor, truth) > accuracy(alone, truth) and accuracy(anchor, truth) > 0.95
    assert info["print_cos"] < diarization.RESPLIT_PRINT_COS and "resplit_print_cos" not in info
    assert info["seed_frames_trimmed"] == 0  # the seed lies on A alone


def test_one_voice_to_the_vectors_is_split_where_the_prints_hear_two(monkeypatch):
    """The voice vectors hear one voice (every frame's vector the same); the take is one voice only
    if the prints agree. Prints of two voices split it (and the report says the vectors heard one);
    prints that sound alike keep the one voice, all of it A's."""
    from duet.model import voice_report, windowing

    rng = np.random.default_rng(5)
    x = (0.1 * rng.normal(size=12 * RATE)).astype(np.float32)
    n = features.n_model_frames(len(x))
    emb, truth, seed = two_voice_take(rng, n=n, turn=100)
    monkeypatch.setattr(voice_count, "shipped", lambda: None)
    monkeypatch.setattr(windowing, "voiced_frames", lambda audio, frames: np.ones(frames, bool))
    same = FixedVoices(np.tile(emb[:1], (n + diarization.CONTEXT, 1)))
    monkeypatch.setattr(voiceprint, "shipped", lambda: FixedPrints(truth, n))
    anchor, info = mix_roles.audio_roles(same, x, n, seed)
    assert info["voices"] == 2 and info["centroid_cos"] > diarization.ONE_VOICE_COS
    assert accuracy(anchor, truth) > 0.9
    assert voice_report.voices_alike(info) and not voice_report.prints_alike(info)
    notes = voice_report.roles_notes(info, 0, None)
    assert "heard one voice" in notes[0] and "Only A Speaks" in notes[0], notes
    alike = FixedPrints(truth, n, other=(0.999, 0.045))
    monkeypatch.setattr(voiceprint, "shipped", lambda: alike)
    anchor, info = mix_roles.audio_roles(same, x, n, seed)
    assert alike.calls == 1 and info["voices"] == 1
    assert not anchor[:, 1, 1].any()  # everything A's
    assert "only one voice was heard" in voice_report.roles_notes(info, 0, None)[0]


class QuickExchangePrints:
    """A quick exchange's prints: every 1.6 s window holds both voices, so its print is their mean
    (weighed by how much of each it holds); each turn's segment print is its own voice's."""

    def __init__(self, truth, voiced):
        self.truth, self.voiced = truth, voiced
        self.segments = True

    def _print(self, frames):
        shares = np.bincount(self.truth[frames], minlength=2).astype(np.float32)
        return shares / np.linalg.norm(shares)

    def prints(self, audio16k, voiced, log_mel=None):
        starts = np.arange(0, len(self.truth) - 80, 20)
        vectors = [self._print(np.flatnonzero(self.voiced[s : s + 80]) + s) for s in starts]
        return np.array(vectors, np.float32), starts

    def segment_prints(self, audio16k, voiced, log_mel=None):
        if not self.segments:
            return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.int64)
        spans = [
            (a, b)
            for a, b in voiceprint.voiced_segments(voiced)
            if voiceprint.SEGMENT_MIN <= b - a <= voiceprint.SEGMENT_MAX
        ]
        vectors = [self._print(np.arange(a, b)) for a, b in spans]
        return np.array(vectors, np.float32).reshape(-1, 2), np.array(spans, np.int64).reshape(-1, 2)

    def take_prints(self, audio16k, voiced, log_mel=None):
        return (*self.prints(audio16k, voiced, log_mel), *self.segment_prints(audio16k, voiced, log_mel))


def test_short_turns_are_split_by_their_own_segments_prints(monkeypatch):
    """Turns of 0.6 s with 0.16 s pauses, voice vectors that split more by a nuisance than by the
    voice: the windows' prints hear both voices everywhere and cannot mend the split; each turn's
    own print can."""
    from duet.model import windowing

    rng = np.random.default_rng(8)
    x = (0.1 * rng.normal(size=16 * RATE)).astype(np.float32)
    n = features.n_model_frames(len(x))
    turn, pause = 30, 8
    position = np.arange(n) % (turn + pause)
    voiced = position < turn
    truth = (np.arange(n) // (turn + pause)) % 2
    emb, _, seed = two_voice_take(rng, n=n, turn=turn + pause)
    fake = QuickExchangePrints(truth, voiced)
    monkeypatch.setattr(voiceprint, "shipped", lambda: fake)
    monkeypatch.setattr(voice_count, "shipped", lambda: None)
    monkeypatch.setattr(windowing, "voiced_frames", lambda audio, frames: voiced[:frames].copy())
    rt = FixedVoices(np.concatenate([emb, emb[: diarization.CONTEXT]]))
    with_segments, _ = mix_roles.audio_roles(rt, x, n, seed)
    fake.segments = False
    windows_only, _ = mix_roles.audio_roles(rt, x, n, seed)
    assert accuracy(with_segments, truth) > 0.95
    assert accuracy(windows_only, truth) < 0.85


def test_a_split_the_prints_do_not_hear_is_made_again_with_the_prints_weighing_more(monkeypatch):
    """Voice vectors that part the take by a nuisance (a room, loudness) more than by the voice,
    and prints that tell the voices apart only moderately (cos 0.5): with the prints at weight 1
    the split follows the nuisance, so both halves hold both voices and their mean prints are
    alike; audio_roles then splits again with the prints weighing more (RESPLIT_PRINT_WEIGHTS: 1.5
    still follows the nuisance here, 2 and 3 the voices, and each frame follows the majority)."""
    from duet.model import windowing

    rng = np.random.default_rng(7)
    x = (0.1 * rng.normal(size=16 * RATE)).astype(np.float32)
    n = features.n_model_frames(len(x))
    truth = (np.arange(n) // 100) % 2
    nuisance = (np.arange(n) // 70) % 2  # its own schedule
    emb = np.zeros((n, 4), np.float32)
    emb[np.arange(n), nuisance] = 1.0
    emb[:, 2:] = 0.02 * rng.normal(size=(n, 2))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    seed = np.zeros((n, 2, 2), np.float32)
    seed[:20, :, 0] = 1.0
    seed[:20, 0, 1] = 1.0
    fake = FixedPrints(truth, n, other=(0.5, np.sqrt(0.75)))
    monkeypatch.setattr(voiceprint, "shipped", lambda: fake)
    monkeypatch.setattr(voice_count, "shipped", lambda: None)  # the split alone
    monkeypatch.setattr(windowing, "voiced_frames", lambda audio, frames: np.ones(frames, bool))
    rt = FixedVoices(np.concatenate([emb, emb[: diarization.CONTEXT]]))
    frame_prints = voiceprint.frame_prints(*fake.prints(x, None), n)
    first, _ = diarization.assign_roles(diarization.join_prints(emb, frame_prints), np.ones(n, bool), seed)
    assert accuracy(first, truth) < 0.75  # the nuisance's split
    anchor, info = mix_roles.audio_roles(rt, x, n, seed)
    assert info["print_cos"] > diarization.RESPLIT_PRINT_COS  # the first split, as the report keeps it
    assert info["resplit_print_cos"] < diarization.RESPLIT_PRINT_COS
    assert accuracy(anchor, truth) > 0.85  # the nuisance's split: under 0.75


def test_the_first_voices_seed_loses_a_tail_that_is_the_partners():
    """A short first line (0.6 s) answered without a pause: the 1 s seed runs 0.4 s into B's line.
    trim_seed cuts that tail (judged on the frames outside the seed) and keeps a clean seed whole."""
    rng = np.random.default_rng(11)
    n = 800
    truth = np.ones(n, int)
    truth[:30] = 0
    truth[200:400] = 0
    truth[600:] = 0
    emb = 0.1 * rng.normal(size=(n, 4)).astype(np.float32)
    emb[np.arange(n), truth] += 1.0
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    voiced = np.ones(n, bool)
    seed = np.zeros((n, 2, 2), np.float32)
    seed[:50, :, 0] = 1.0
    seed[:50, 0, 1] = 1.0
    anchor, _ = diarization.assign_roles(emb, voiced, seed, one_voice=False)
    trimmed, cut = diarization.trim_seed(seed, emb, anchor)
    kept = np.flatnonzero(trimmed[:, 0, 0] > 0)
    assert 16 <= cut <= 24 and kept[0] == 0 and 26 <= len(kept) <= 34
    assert (trimmed[kept, 0, 1] == 1).all() and not trimmed[kept[-1] + 1 :].any()
    mended, _ = diarization.assign_roles(emb, voiced, trimmed, one_voice=False)
    assert accuracy(mended, truth) > 0.98 and accuracy(mended, truth) > accuracy(anchor, truth)
    # A seed wholly on the first voice (and one on B after a swap) is kept as it is.
    clean = np.zeros_like(seed)
    clean[210:260, :, 0] = 1.0
    clean[210:260, 0, 1] = 1.0
    anchor, _ = diarization.assign_roles(emb, voiced, clean, one_voice=False)
    assert diarization.trim_seed(clean, emb, anchor)[1] == 0
    on_b = np.zeros_like(seed)
    on_b[20:70, :, 0] = 1.0
    on_b[20:70, 1, 1] = 1.0
    anchor, _ = diarization.assign_roles(emb, voiced, on_b, one_voice=False)
    assert diarization.trim_seed(on_b, emb, anchor)[1] == 0


def test_weights_files_are_checked_with_a_clear_message(tmp_path):
    with pytest.raises(VoicePrintError, match="could not be read"):
        VoicePrint.load(tmp_path / "missing.npz")
    partial = tmp_path / "partial.npz"
    np.savez(partial, **{"conv0.w": np.zeros((2, 80, 5), np.float32)})
    with pytest.raises(VoicePrintError, match=r"lack conv0\.b"):
        VoicePrint.load(partial)
    bad = tmp_path / "pickled.npz"
    np.savez(bad, obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(VoicePrintError):
        VoicePrint.load(bad)  # never unpickled


def test_numpy_equals_its_torch_twin():
    torch = pytest.importorskip("torch")
    from duet.model.training.voiceprint_train import student_module

    torch.manual_seed(0)
    model = student_module()
    vp = VoicePrint(model.numpy_params())
    rng = np.random.default_rng(4)
    feats = rng.normal(size=(3, voiceprint.WINDOW, features.N_MELS)).astype(np.float32)
    voiced = rng.random((3, voiceprint.WINDOW)) > 0.3
    with torch.no_grad():
        want = model(torch.from_numpy(feats), torch.from_numpy(voiced)).numpy()
    for i in range(3):
        h = vp.trunk(feats[i])
        got = vp.head(voiceprint.masked_stats(h, voiced[i][:: voiceprint.DOWN][: len(h)])[None])[0]
        np.testing.assert_allclose(got, want[i], atol=1e-4)


def test_training_windows_keep_their_channels_band_means_and_speed_changes_move_pitch():
    from duet.model.training import voiceprint_train as vt

    t = np.arange(4 * RATE) / RATE
    rng = np.random.default_rng(3)
    bursts = (t % 1.0) < 0.8  # 0.8 s of tone, 0.2 s of room tone
    tone = 0.2 * np.sin(2 * np.pi * 200 * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t)) * bursts
    x = (tone + 1e-4 * rng.normal(size=len(t))).astype(np.float32)
    faster = vt.speed_changed(x, 1.25)
    assert len(faster) == int(len(x) / 1.25)
    peak = np.argmax(np.abs(np.fft.rfft(faster))) * RATE / len(faster)
    assert abs(peak - 250.0) < 2.0  # 200 Hz played 1.25 times as fast
    windows = vt.clip_windows(x, np.random.default_rng(0), 3)
    assert windows
    raw = features.log_mel(x)
    voiced = windowing.voiced_frames(x, features.n_model_frames(len(x)))
    _, voiced_feat, starts = voiceprint.take_windows(raw, voiced)
    want_mean = raw[voiced_feat].mean(axis=0)
    for feats, _, samples, band_mean in windows:
        # what take_windows took off: the window's features plus it are its log-mel again
        np.testing.assert_allclose(band_mean, want_mean, rtol=1e-5, atol=1e-4)
        start = [
            s
            for s in starts
            if np.array_equal(x[s * features.HOP : s * features.HOP + len(samples)], samples)
        ]
        assert start
        np.testing.assert_allclose(
            feats.astype(np.float32) + band_mean, raw[start[0] : start[0] + voiceprint.WINDOW], atol=0.02
        )


def test_a_level_only_print_trains_from_the_windows_band_means():
    pytest.importorskip("torch")
    from duet.model.training import voiceprint_train as vt

    rng = np.random.default_rng(5)
    n = 300
    data = {
        "feats": rng.normal(size=(n, voiceprint.WINDOW, features.N_MELS)).astype(np.float16),
        "voiced": rng.random((n, voiceprint.WINDOW)) > 0.2,
        "targets": rng.normal(size=(n, 256)).astype(np.float32),
    }
    data["targets"] /= np.linalg.norm(data["targets"], axis=1, keepdims=True)
    with pytest.raises(ValueError, match="band means"):
        vt.train(data, 2, 0, batch=8, channels=4, level_only=True, log=lambda m: None)
    data["means"] = rng.normal(size=(n, features.N_MELS)).astype(np.float32)
    model, val = vt.train(data, 2, 0, batch=8, channels=4, level_only=True, log=lambda m: None)
    assert np.isfinite(val)


def test_voice_ids_name_one_real_voice_across_clips_and_each_synthetic_voice_per_clip():
    from duet.model.training import voiceprint_train as vt

    data = {
        "voice_names": np.array(
            ["", "librispeech:19", "librispeech:19", "librispeech:19", "espeak:en", "espeak:en"]
        ),
        "voice_clips": np.array(["full/a", "real/a", "real/b", "real/b", "full/a", "full/b"]),
        "speeds": np.array([1.0, 1.0, 1.0, 1.1, 1.0, 1.0], np.float32),
    }
    ids = vt.voice_ids(data)
    assert ids[0] == -1  # a mix of two voices
    assert ids[1] == ids[2]  # one reader in two clips
    assert len({ids[2], ids[3], ids[4], ids[5]}) == 4  # sped up, and a synthetic voice per clip
    with pytest.raises(ValueError, match="voice names"):
        vt.voice_ids({})


def test_the_identity_term_trains_on_windows_that_name_their_voices():
    pytest.importorskip("torch")
    from duet.model.training import voiceprint_train as vt

    rng = np.random.default_rng(6)
    n = 200
    targets = rng.normal(size=(n, 256)).astype(np.float32)
    data = {
        "feats": rng.normal(size=(n, voiceprint.WINDOW, features.N_MELS)).astype(np.float16),
        "voiced": rng.random((n, voiceprint.WINDOW)) > 0.2,
        "targets": targets / np.linalg.norm(targets, axis=1, keepdims=True),
        "voice_names": np.array([f"librispeech:{k % 10}" if k % 3 else "" for k in range(n)]),
        "voice_clips": np.array(["real/a"] * n),
        "speeds": np.ones(n, np.float32),
    }
    lines = []
    _, val = vt.train(data, 3, 0, batch=40, channels=4, identity=1.0, log=lines.append)
    assert np.isfinite(val)
    assert any("10 voices" in line for line in lines)


def test_the_margin_decides_which_near_ties_the_anchor_marks():
    """A voice that glides from A's to B's: the larger the margin, the wider the stretch in the
    middle left unknown (for the network); what is marked lies on its own side of the glide."""
    n = 200
    emb, voiced, seed = _glide(n)
    known = {}
    for margin in (0.0, diarization.MARGIN, diarization.LIKENESS_MARGIN, 0.3):
        anchor, _ = diarization.assign_roles(emb, voiced, seed, margin=margin)
        known[margin] = anchor[:, 0, 0] > 0
        a, b = anchor[:, 0, 1] > 0.5, anchor[:, 1, 1] > 0.5
        # each side keeps its own voice (the seed may pull the boundary a frame or two)
        assert not a[n // 2 + 2 :].any() and not b[: n // 2 - 2].any()
    sizes = [known[m].sum() for m in sorted(known)]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    assert known[0.0].sum() >= n - 2  # only an exact tie is left unknown
    default, _ = diarization.assign_roles(emb, voiced, seed)
    np.testing.assert_array_equal(default[:, 0, 0] > 0, known[diarization.MARGIN])


def test_the_voices_likeness_is_measured_over_the_frames_the_split_is_sure_of(monkeypatch):
    """Near-ties marked by a narrow MARGIN would pull the roles' mean prints together (and push a
    take over RESPLIT_PRINT_COS); the likeness reads only frames past LIKENESS_MARGIN."""
    glide, voiced, seed = _glide(200)
    monkeypatch.setattr(diarization, "MARGIN", 0.0)
    measured = mix_roles._likeness(glide, glide, voiced, seed)
    narrow, _ = diarization.assign_roles(glide, voiced, seed)
    sure, _ = diarization.assign_roles(glide, voiced, seed, margin=diarization.LIKENESS_MARGIN)
    assert measured == pytest.approx(diarization.role_likeness(glide, sure))
    assert measured < diarization.role_likeness(glide, narrow) - 0.01


def _glide(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors turning from A's (1, 0) to B's (0, 1) over n voiced frames; the first 10 seed A."""
    angle = np.linspace(0.0, np.pi / 2, n)
    vectors = np.stack([np.cos(angle), np.sin(angle)], axis=1).astype(np.float32)
    seed = np.zeros((n, 2, 2), np.float32)
    seed[:10, :, 0] = 1.0
    seed[:10, 0, 1] = 1.0
    return vectors, np.ones(n, bool), seed


def test_splits_vote_frame_by_frame_and_a_tie_is_unknown():
    n = 6
    splits = []
    for roles in ([0, 0, 1, 1, -1, 0], [0, 1, 1, 1, -1, 1], [0, 0, 0, 1, 1, -1]):
        a = np.zeros((n, 2, diarization.ANCHOR_DIM), np.float32)
        for f, r in enumerate(roles):
            if r >= 0:
                a[f, :, 0] = 1.0
                a[f, r, 1] = 1.0
        splits.append(a)
    voted = diarization.vote_roles(splits)
    known = voted[:, 0, 0] > 0
    assert known.tolist() == [True, True, True, True, True, False]  # the last frame: one each
    assert voted[known, 0, 1].tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert voted[known, 1, 1].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert voted[4, 1, 1] == 1.0  # marked by one split only: its role


def test_a_split_that_hears_the_voices_more_apart_breaks_a_tie():
    a = np.zeros((2, 2, diarization.ANCHOR_DIM), np.float32)
    a[:, :, 0] = 1.0
    a[:, 0, 1] = 1.0  # A on both frames
    b = np.zeros_like(a)
    b[:, :, 0] = 1.0
    b[:, 1, 1] = 1.0  # B on both frames
    assert diarization.vote_roles([a, b], [1.2, 1.1])[:, 0, 1].tolist() == [1.0, 1.0]
    assert diarization.vote_roles([a, b], [1.1, 1.2])[:, 1, 1].tolist() == [1.0, 1.0]
    assert not diarization.vote_roles([a, b])[:, 0, 0].any()  # unweighted: a tie, unknown


def test_joined_vectors_and_role_means_match_their_plain_numpy_forms():
    """join_prints and masked_mean avoid whole-array copies on long takes; they give what
    concatenating, normalising and indexing give."""
    rng = np.random.default_rng(3)
    emb = rng.normal(size=(500, 4)).astype(np.float32)
    prints = rng.normal(size=(500, 6)).astype(np.float32)
    prints[:20] = 0.0  # frames without a print
    want = np.concatenate([emb, 2.0 * prints], axis=1)
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    np.testing.assert_allclose(diarization.join_prints(emb, prints, 2.0), want, rtol=1e-5, atol=1e-6)
    mask = rng.random(500) < 0.3
    np.testing.assert_allclose(diarization.masked_mean(want, mask), want[mask].mean(axis=0), atol=1e-6)
