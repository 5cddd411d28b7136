"""Voice prints (model/voiceprint.py): one voice or two, over 1.6 s windows; the numpy runtime
against its torch twin (model/training/voiceprint_train.py)."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import diarization, features, voiceprint
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


def test_one_voice_reads_the_spread_of_the_window_pairs():
    rng = np.random.default_rng(2)
    base = rng.normal(size=16)
    same = base + 0.05 * rng.normal(size=(10, 16))
    same /= np.linalg.norm(same, axis=1, keepdims=True)
    other = rng.normal(size=16)
    two = np.concatenate([same[:5], (other + 0.05 * rng.normal(size=(5, 16)))])
    two /= np.linalg.norm(two, axis=1, keepdims=True)
    assert voiceprint.one_voice(same) is True
    assert voiceprint.one_voice(two) is False
    assert voiceprint.one_voice(same[: voiceprint.MIN_WINDOWS - 1]) is None


def test_a_decision_from_voice_prints_overrides_the_centroids():
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
    assert by_centroids["voices"] == 2 and by_centroids["decided_by"] == "centroids"
    assert one["voices"] == 1 and one["decided_by"] == "voice prints"
    assert not anchor[:, 1, 1].any()  # everything A's
    _, two = diarization.assign_roles(np.tile(emb[:1], (n, 1)), voiced, seed, one_voice=False)
    assert two["voices"] == 2


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
