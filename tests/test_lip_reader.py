"""The lip reader (model/lips/lip_reader.py, mouth_classes.py): mouth classes from phones, the numpy
runtime against its torch twin (model/training/lip_reader_train.py), decoding into phones, and the
speaking character's mouth in a take."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from classifier_weights import random_params

from duet.model import features, frame_classifier, generation, spec, voice_count, voiceprint
from duet.model.lips import lip_reader
from duet.model.lips import mouth_classes as mc
from duet.model.lips import phones as ph
from duet.model.lips.lip_reader import LipReader, LipReaderError
from duet.model.lips.visemes import lip_aperture
from duet.model.voice_count import VoiceCounter

REAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "real"
needs_real = pytest.mark.skipif(not (REAL / "aligned").is_dir(), reason="../shared/eval/real is not here")
needs_weights = pytest.mark.skipif(
    not lip_reader.available(), reason="the lip reader's weights are not shipped"
)


def random_reader(seed: int = 0, width: int = 6, dilations=(1, 2, 4)) -> LipReader:
    return LipReader(random_params(mc.N_CLASSES, seed, width, dilations))


# -- classes -----------------------------------------------------------------------------------------


def test_each_representative_phone_falls_in_its_own_class():
    for k, ipa in enumerate(mc.REPRESENTATIVE):
        parts = ph.phone_info(ipa).parts
        assert len(parts) == 1 and mc.subphone_class(parts[0]) == k, ipa


@pytest.mark.parametrize(
    ("ipa", "name"),
    [("m", "bilabial"), ("b", "bilabial"), ("v", "labiodental"), ("w", "rounded_close"),
     ("uː", "rounded_close"), ("ɔ", "rounded_open"), ("ɪ", "close"), ("ɛ", "mid"), ("æ", "open"),
     ("ð", "dental"), ("l", "alveolar"), ("z", "sibilant"), ("ʒ", "postalveolar"), ("ɹ", "rhotic"),
     ("ŋ", "back"), ("h", "back"), ("sil", "silence")],
)  # fmt: skip
def test_phones_of_any_spelling_map_to_what_their_lips_do(ipa: str, name: str):
    assert mc.NAMES[mc.subphone_class(ph.phone_info(ipa).parts[0])] == name


def test_frame_labels_split_a_diphthong_and_leave_unknown_frames_out():
    # a 0.1-0.3 s, aɪ 0.3-0.5 s (its a over 55 % of the span), nothing after 0.5 s; frame i at i / 50.
    lab = mc.frame_labels(["p", "aɪ"], [0.1, 0.3], [0.3, 0.5], 30, 50.0)
    assert (lab[:5] == -1).all() and (lab[25:] == -1).all()
    assert (lab[5:15] == mc.BILABIAL).all()
    assert (lab[15:21] == mc.NAMES.index("open")).all()  # 0.30 .. 0.41 s
    assert (lab[21:25] == mc.NAMES.index("close")).all()


# -- the numpy runtime -------------------------------------------------------------------------------


def test_conv1d_is_a_dilated_cross_correlation_with_zero_padding():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(13, 3)).astype(np.float32)
    w = rng.normal(size=(4, 3, 5)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    for stride, d in ((1, 1), (2, 1), (1, 3)):
        got = voiceprint.conv1d(x, w, b, stride=stride, dilation=d)
        pad = np.pad(x, ((2 * d, 2 * d), (0, 0)))
        want = np.array(
            [
                [np.sum(pad[t : t + 4 * d + 1 : d].T * w[o]) + b[o] for o in range(4)]
                for t in range(0, 13, stride)
            ]
        )
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("cls", "n_classes", "width", "seed"),
    [(LipReader, mc.N_CLASSES, 16, 3), (VoiceCounter, voice_count.N_CLASSES, 12, 5)],
    ids=["lip reader", "voice counter"],
)
def test_the_numpy_classifiers_equal_their_torch_twin(
    tmp_path: Path, cls, n_classes: int, width: int, seed: int
):
    torch = pytest.importorskip("torch")
    from duet.model.training import lip_reader_train

    torch.manual_seed(seed)
    net = lip_reader_train.module(width, (1, 2, 4), n_classes=n_classes)
    net.eval()
    path = tmp_path / "classifier.npz"
    lip_reader_train.export(net, (1, 2, 4), path)
    classifier = cls.load(path)
    feats = np.random.default_rng(2).normal(size=(2 * 157, features.N_MELS)).astype(np.float32)
    with torch.no_grad():
        want = net(torch.from_numpy(feats[None]))[0].numpy()
    got = classifier.logits(feats)
    assert got.shape == want.shape == (157, n_classes)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * float(np.abs(want).max()))


def test_long_takes_are_read_in_blocks_with_the_same_scores(monkeypatch):
    reader = random_reader()
    feats = np.random.default_rng(4).normal(size=(2 * 700, features.N_MELS)).astype(np.float32)
    whole = reader.logits(feats)
    monkeypatch.setattr(frame_classifier, "BLOCK", 97)
    np.testing.assert_allclose(reader.logits(feats), whole, rtol=1e-5, atol=1e-5 * float(np.abs(whole).max()))


def test_probabilities_sum_to_one_per_frame_and_ignore_the_level():
    reader = random_reader()
    t = np.arange(3 * 16000) / 16000
    hiss = 1e-3 * np.random.default_rng(5).normal(size=len(t))  # no band at the log floor
    x = (0.1 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 2 * t) > 0) + hiss).astype(np.float32)
    n = features.n_model_frames(len(x))
    voiced = np.abs(np.sin(2 * np.pi * 2 * np.arange(n) / 50)) > 0.3
    p = reader.probabilities(x, voiced)
    assert p.shape == (n, mc.N_CLASSES)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    louder = reader.probabilities(4 * x, voiced)  # the voiced mean takes the level out
    np.testing.assert_allclose(louder, p, atol=1e-2)


def test_weights_that_lack_a_layer_or_a_class_are_refused(tmp_path: Path):
    reader = random_reader()
    bad = dict(reader.params)
    del bad["mix1.b"]
    np.savez(tmp_path / "a.npz", **bad)
    with pytest.raises(LipReaderError, match="mix1.b"):
        LipReader.load(tmp_path / "a.npz")
    bad = dict(reader.params)
    bad["output.w"], bad["output.b"] = bad["output.w"][:3], bad["output.b"][:3]
    np.savez(tmp_path / "b.npz", **bad)
    with pytest.raises(LipReaderError, match="3 classes"):
        LipReader.load(tmp_path / "b.npz")
    with pytest.raises(LipReaderError, match="could not be read"):
        LipReader.load(tmp_path / "missing.npz")


# -- decoding ----------------------------------------------------------------------------------------


def one_hot(path: list[int], sure: float = 0.8) -> np.ndarray:
    p = np.full((len(path), mc.N_CLASSES), (1 - sure) / (mc.N_CLASSES - 1))
    p[np.arange(len(path)), path] = sure
    return p


def test_decoding_drops_a_doubtful_one_frame_flicker_and_keeps_a_held_class():
    a, o = mc.NAMES.index("open"), mc.NAMES.index("alveolar")
    p = one_hot([a] * 13 + [o] * 5)
    p[6, o], p[6, a] = 0.5, 0.3  # one frame leans the other way, not by enough to pay two changes
    assert list(lip_reader.class_path(p)) == [a] * 13 + [o] * 5
    p[6, o], p[6, a] = 0.9, 0.02  # sure enough to be a phone of its own
    assert list(lip_reader.class_path(p)) == [a] * 6 + [o] + [a] * 6 + [o] * 5


def _path_score(logp: np.ndarray, path: np.ndarray, cost: float) -> float:
    return float(logp[np.arange(len(path)), path].sum() - cost * np.count_nonzero(np.diff(path)))


def test_decoding_finds_the_best_path_a_full_search_finds():
    """class_path against the textbook dynamic programme over every pair of classes."""
    rng = np.random.default_rng(3)
    for trial in range(20):
        n, cost = int(rng.integers(1, 60)), float(rng.uniform(0.0, 3.0))
        probs = rng.dirichlet(np.full(mc.N_CLASSES, 0.3), size=n)
        logp = np.log(np.maximum(probs, 1e-9))
        score = logp[0].copy()
        change = cost * (1.0 - np.eye(mc.N_CLASSES))  # [from, to]
        for t in range(1, n):
            score = (score[:, None] - change).max(axis=0) + logp[t]
        got = lip_reader.class_path(probs, switch_cost=cost)
        assert _path_score(logp, got, cost) == pytest.approx(float(score.max()), abs=1e-9), trial


def test_a_doubtful_pbm_is_sealed_by_the_lean():
    a = mc.NAMES.index("open")
    p = one_hot([a] * 10)
    p[4:8, mc.BILABIAL] = p[4:8, a] * 0.7  # a little less likely than the vowel
    without = lip_reader.class_path(p, switch_cost=0.1)
    lean = np.where(np.arange(mc.N_CLASSES) == mc.BILABIAL, 0.5, 0.0)
    with_bias = lip_reader.class_path(p, switch_cost=0.1, bias=lean)
    assert mc.BILABIAL not in without and (with_bias[4:8] == mc.BILABIAL).all()


def test_read_phones_cover_each_run_of_speech_with_contiguous_phones():
    fps = 50.0
    a = mc.NAMES.index("open")
    probs = one_hot([mc.SILENCE] * 5 + [mc.BILABIAL] * 4 + [a] * 11 + [mc.SILENCE] * 10 + [a] * 10)
    talking = np.zeros(40, bool)
    talking[5:20] = talking[30:40] = True
    ipa, start, end, stress, spans = lip_reader.read_phones(probs, talking, fps)
    assert spans == [(0.1, 0.4), (0.6, 0.8)]
    assert ipa == ["p", "a", "a"] and stress == [0, 1, 1]
    np.testing.assert_allclose(start, [0.1, 0.18, 0.6])
    np.testing.assert_allclose(end, [0.18, 0.4, 0.8])
    assert lip_reader.read_phones(probs, np.zeros(40, bool), fps) == ([], [], [], [], [])


# -- in a take ---------------------------------------------------------------------------------------


def _mary() -> np.ndarray:
    import soundfile

    from duet.model import audio as audio_io

    x, rate = soundfile.read(REAL / "aligned" / "mary.wav", dtype="float32")
    return audio_io.prepare(x if x.ndim == 1 else x.mean(axis=1), rate, stems=False)


@needs_weights
@needs_real
def test_the_read_lips_seal_marys_m_and_change_nothing_but_the_speakers_mouth():
    # mary.wav: "Mary rolled the barrel"; the reference phones put m at 0.32-0.39 s and b at
    # 1.06-1.12 s. The network alone leaves Mary's m open.
    x = _mary()
    plain = generation.perform(x, runtime="numpy", roles="A", read_lips=False)
    read = generation.perform(x, runtime="numpy", roles="A")

    def least_aperture(perf, s: float, e: float) -> float:
        span = slice(int(s * 50), int(np.ceil(e * 50)) + 1)
        return float(lip_aperture(perf.blendshapes["A"][span].astype(np.float64)).min())

    assert least_aperture(plain, 0.32, 0.39) > 0.05
    assert least_aperture(read, 0.32, 0.39) <= 0.05 and least_aperture(read, 1.06, 1.12) <= 0.05
    np.testing.assert_array_equal(read.head["A"], plain.head["A"])
    np.testing.assert_array_equal(read.speaking["A"], plain.speaking["A"])
    np.testing.assert_array_equal(read.blendshapes["B"], plain.blendshapes["B"])  # the listener's own
    brows = spec.ARKIT_INDEX["browInnerUp"]
    np.testing.assert_array_equal(read.blendshapes["A"][:, brows], plain.blendshapes["A"][:, brows])


def test_without_weights_the_network_keeps_the_mouth(tmp_path: Path):
    t = np.arange(2 * 16000) / 16000
    x = (0.1 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    plain = generation.perform(x, runtime="numpy", roles="A", read_lips=False)
    missing = generation.perform(x, runtime="numpy", roles="A", lip_reader_weights=tmp_path / "none.npz")
    np.testing.assert_array_equal(missing.blendshapes["A"], plain.blendshapes["A"])


def test_where_the_network_holds_the_lips_closed_a_doubtful_pbm_seals():
    a = mc.NAMES.index("open")
    probs = one_hot([a] * 20)
    probs[8:12, mc.BILABIAL] = probs[8:12, a] * 0.4  # the reader alone doubts the p
    talking = np.ones(20, bool)
    assert "p" not in lip_reader.read_phones(probs, talking, 50.0)[0]
    closed = np.zeros(20)
    closed[8:12] = 1.0  # the network's lips are shut there
    ipa, start, end, _, _ = lip_reader.read_phones(probs, talking, 50.0, closed=closed)
    assert ipa == ["a", "p", "a"] and start[1] == 8 / 50 and end[1] == 12 / 50
    # and where the network's lips are open, the reader's doubtful p is not given the lean
    assert "p" not in lip_reader.read_phones(probs, talking, 50.0, closed=np.zeros(20))[0]


def test_band_warp_moves_a_formant_up_or_down_and_leaves_factor_one_alone() -> None:
    """Training's --band-warp: a spectrum scaled by a factor > 1 puts a formant peak in a higher
    band (a shorter vocal tract), < 1 in a lower one; factor 1 changes nothing."""
    from duet.model import features
    from duet.model.training.lip_reader_train import _augment, warp_bands

    frames = np.full((3, features.N_MELS), -5.0, np.float32)
    frames[:, 40] = 5.0  # one formant peak in band 40
    np.testing.assert_array_equal(warp_bands(frames, 1.0), frames)
    up, down = warp_bands(frames, 1.15), warp_bands(frames, 0.85)
    assert up.shape == down.shape == frames.shape
    assert int(np.argmax(up[0])) > 40 > int(np.argmax(down[0]))
    assert up.max() <= 5.0 + 1e-6 and up.min() >= -5.0 - 1e-6  # interpolated, never extrapolated
    # Without the warp the augmentation's random stream is the one runs without the option had.
    x = np.zeros((4, 20, features.N_MELS), np.float32)
    plain = _augment(x.copy(), np.random.default_rng(7), 2)
    again = _augment(x.copy(), np.random.default_rng(7), 2, 0.0)
    np.testing.assert_array_equal(plain, again)
    warped = _augment(x.copy(), np.random.default_rng(7), 2, 0.2)
    assert warped.shape == plain.shape and not np.array_equal(warped, plain)
