"""Corpus builder: plans, held-out voices, byte-reproducible shards, the shard format, and
(with real speech) a small end-to-end build whose bytes do not depend on the worker count."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from duet.model import spec
from duet.model.training import composer as C
from duet.model.training import corpus as K
from duet.model.training.corpus_cli import _fractions
from duet.model.training.corpus_read import iter_clips, load_clip
from duet.model.training.npz_writer import write_npz
from duet.model.training.text.grammar import TEMPLATE_TEST_EVERY

# ------------------------------------------------------------------ fast, no speech


def test_plan_is_deterministic_and_split_specific():
    a = K.plan_split(3, "train", 300.0)
    b = K.plan_split(3, "train", 300.0)
    assert [(p.clip_id, t) for p, t in a] == [(p.clip_id, t) for p, t in b]
    assert sum(t for _, t in a) >= 300.0 > sum(t for _, t in a[:-1])
    other = K.plan_split(3, "test", 300.0)
    assert [t for _, t in a[:5]] != [t for _, t in other[:5]]
    assert [t for _, t in K.plan_split(4, "train", 100.0)[:3]] != [t for _, t in a[:3]]
    assert len({p.clip_id for p, _ in a}) == len(a)


def test_held_out_voices():
    assert K.voice_split("festival:ked") == "test"
    assert K.voice_split("festival:kal") == "train" and K.voice_split("festival:slt") == "train"
    assert K.voice_split("espeak:en-us+f3") == "test" and K.voice_split("espeak:ja+m4") == "test"
    assert K.voice_split("espeak:en-gb-scotland") == "test" and K.voice_split("espeak:fr-ch+m1") == "test"
    assert K.voice_split("espeak:en-us+f2") == "train" and K.voice_split("espeak:cmn") == "train"


def test_npz_writer_same_bytes_and_plain_arrays(tmp_path: Path):
    arrays = {
        "a": np.arange(5, dtype=np.int16),
        "s": np.array(["x", "yz"]),
        "f": np.ones((3, 2), np.float32).T,
        "k": np.array(16000, np.int64),
    }
    write_npz(tmp_path / "1.npz", arrays)
    write_npz(tmp_path / "2.npz", arrays)
    assert (tmp_path / "1.npz").read_bytes() == (tmp_path / "2.npz").read_bytes()
    with np.load(tmp_path / "1.npz", allow_pickle=False) as z:
        assert z.files == ["a", "s", "f", "k"] and z["s"].tolist() == ["x", "yz"]
        assert z["k"].shape == () and z["f"].shape == (2, 3) and np.array_equal(z["f"], arrays["f"])
    with pytest.raises(TypeError, match="plain arrays"):
        write_npz(tmp_path / "3.npz", {"o": np.array([{"k": 1}], dtype=object)})
    assert zipfile.ZipFile(tmp_path / "1.npz").infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)


def test_bad_requests_are_named(tmp_path: Path):
    with pytest.raises(K.CorpusError, match="minutes"):
        K.build_corpus(tmp_path, minutes=0, seed=1)
    with pytest.raises(K.CorpusError, match="fractions"):
        K.build_corpus(tmp_path, minutes=1, seed=1, fractions={"train": 1, "dev": 1})
    (tmp_path / "train-00000.npz").write_bytes(b"")
    with pytest.raises(K.CorpusError, match="already holds shards"):
        K.build_corpus(tmp_path, minutes=1, seed=1)
    assert _fractions("0.8,0.1,0.1") == {"train": 0.8, "validation": 0.1, "test": 0.1}
    for bad in ("0.8,0.2", "a,b,c", "-1,1,1"):
        with pytest.raises(Exception, match="--fractions"):
            _fractions(bad)


# ------------------------------------------------------------------ real speech, end to end

DATA_FORMAT_KEYS = {
    "sample_rate": (np.int64, 0),
    "fps": (np.float64, 0),
    "clip_ids": ("U", 1),
    "clip_sample_offsets": (np.int64, 1),
    "clip_frame_offsets": (np.int64, 1),
    "audio_mix": (np.int16, 1),
    "audio_stems": (np.int16, 2),
    "blendshapes": (np.float32, 3),
    "head": (np.float32, 3),
    "gaze": (np.float32, 3),
    "speaking": (np.float32, 2),
    "conditioning": (np.float32, 3),
    "phone_clip": (np.int32, 1),
    "phone_role": (np.int8, 1),
    "phone_ipa": ("U", 1),
    "phone_start": (np.float32, 1),
    "phone_end": (np.float32, 1),
    "phone_stress": (np.int8, 1),
    "clip_language": ("U", 1),
}


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> tuple[Path, Path]:
    pytest.importorskip("duet.model.training.augment", reason="the augmentation module has not landed yet")
    pytest.importorskip("duet.model.staging", reason="the staging parser has not landed yet")
    from duet.model.training.speech import backend_available

    if not backend_available("espeak"):
        pytest.skip("espeak-ng is not installed (tools/setup.sh)")
    one = tmp_path_factory.mktemp("corpus1")
    two = tmp_path_factory.mktemp("corpus2")
    fractions = {"train": 0.5, "validation": 0.2, "test": 0.3}
    K.build_corpus(
        one, minutes=1.2, seed=5, workers=1, fractions=fractions, shard_seconds=20.0, log=lambda m: None
    )
    K.build_corpus(
        two, minutes=1.2, seed=5, workers=2, fractions=fractions, shard_seconds=20.0, log=lambda m: None
    )
    return one, two


@pytest.mark.speech
@pytest.mark.slow
def test_same_seed_same_bytes_whatever_the_worker_count(small_corpus):
    one, two = small_corpus
    files = sorted(p.name for p in one.iterdir())
    assert files == sorted(p.name for p in two.iterdir())
    assert any(f.startswith("test-") for f in files) and any(f.startswith("validation-") for f in files)
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


@pytest.mark.speech
@pytest.mark.slow
def test_shards_follow_the_data_format(small_corpus):
    one, _ = small_corpus
    for path in sorted(one.glob("*.npz")):
        with np.load(path, allow_pickle=False) as z:
            for key, (dtype, ndim) in DATA_FORMAT_KEYS.items():
                arr = z[key]
                assert arr.ndim == ndim, key
                assert arr.dtype.kind == "U" if dtype == "U" else arr.dtype == dtype, key
            so, fo = z["clip_sample_offsets"], z["clip_frame_offsets"]
            n = len(z["clip_ids"])
            assert len(so) == len(fo) == n + 1 and so[-1] == len(z["audio_mix"]) == len(z["audio_stems"])
            assert fo[-1] == len(z["blendshapes"]) == len(z["speaking"]) == len(z["conditioning"])
            for c in range(n):
                assert fo[c + 1] - fo[c] == C.frame_count(int(so[c + 1] - so[c]))
            assert z["blendshapes"].shape[1:] == (2, 52) and z["conditioning"].shape[1:] == (2, spec.COND_DIM)
            assert z["blendshapes"].min() >= 0.0 and z["blendshapes"].max() <= 1.0
            assert np.all(z["phone_end"] >= z["phone_start"])


@pytest.mark.speech
@pytest.mark.slow
def test_clips_keep_the_composer_invariants(small_corpus):
    one, _ = small_corpus
    n = 0
    for clip in iter_clips(one):
        n += 1
        # Role A speaks first.
        a0 = min(list(clip.phones[0]["start"]) + [s for s, _, _ in clip.segments[0]])
        b0 = min(list(clip.phones[1]["start"]) + [s for s, _, _ in clip.segments[1]], default=np.inf)
        assert a0 < b0
        # The stored speaking state is the phones' activity (and the teacher's).
        for r in range(2):
            table = C.PhoneTable(
                list(clip.phones[r]["ipa"]),
                [float(x) for x in clip.phones[r]["start"]],
                [float(x) for x in clip.phones[r]["end"]],
                list(clip.phones[r]["stress"]),
            )
            assert np.array_equal(clip.speaking[:, r] > 0.5, C.speaking_mask(table, clip.n_frames))
        # Without a channel the mix is the stems' sum (to int16 rounding).
        if clip.info["channel"] is None:
            assert np.max(np.abs(clip.mix - clip.stems.sum(axis=1))) <= 2.0 / spec.AUDIO_INT16_SCALE
    assert n >= 3


@pytest.mark.speech
@pytest.mark.slow
def test_manifest_and_held_out_test_split(small_corpus):
    one, _ = small_corpus
    manifest = json.loads((one / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["format"] == K.FORMAT
    assert set(manifest["splits"]) == {"train", "validation", "test"}
    rows = [json.loads(x) for x in (one / "clips.jsonl").read_text().splitlines()]
    by_split: dict[str, list[dict]] = {}
    for row in rows:
        by_split.setdefault(row["split"], []).append(row)
    for split, info in manifest["splits"].items():
        assert info["clips"] == len(by_split[split])
        assert abs(info["seconds"] - sum(r["seconds"] for r in by_split[split])) < 0.01
        assert set(info["voices"]) == {v for r in by_split[split] for v in r["voices"]}
        assert sum(s["clips"] for s in info["shard_details"]) == info["clips"]
    for row in by_split["test"]:
        assert all(K.voice_split(v) == "test" for v in row["voices"])
        open_kinds = [t for t in row["templates"] if t.split("/")[1] in ("question", "answer", "statement")]
        assert all(int(t.split("/")[2]) % TEMPLATE_TEST_EVERY == TEMPLATE_TEST_EVERY - 1 for t in open_kinds)
    for row in by_split["train"] + by_split["validation"]:
        assert all(K.voice_split(v) == "train" for v in row["voices"])
        assert row["seconds"] >= 5.0
    clip = load_clip(one, by_split["test"][0]["id"])
    assert clip.clip_id == by_split["test"][0]["id"] and clip.voices == tuple(by_split["test"][0]["voices"])
