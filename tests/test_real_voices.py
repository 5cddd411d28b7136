"""Real voices in the corpus: composition truth, trusted targets, masked losses, held-out speakers."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import spec
from duet.model.training import composer, dataset
from duet.model.training import real_pieces as rp
from duet.model.training import real_sources as rs
from duet.model.training import real_voices as rv
from duet.model.training.real_align import AlignedPhone, AlignedWord, guess_stress

SR = spec.SAMPLE_RATE
FPS = spec.NATIVE_FPS


def _recording(rng: np.random.Generator, seconds: float, f0: float) -> tuple[np.ndarray, list]:
    """A dry 'reading': voiced bursts (harmonic tone) between pauses of 0.1-0.7 s over a quiet floor."""
    n = int(seconds * SR)
    x = rng.standard_normal(n) * 1e-4
    t = 0.3
    bursts = []
    while t < seconds - 1.0:
        d = float(rng.uniform(0.15, 1.2))
        i0, i1 = int(t * SR), int((t + d) * SR)
        k = np.arange(i1 - i0) / SR
        x[i0:i1] += 0.2 * sum(np.sin(2 * np.pi * f0 * h * k) / h for h in range(1, 6))
        bursts.append((t, t + d))
        t += d + float(rng.choice([0.1, 0.2, 0.35, 0.7]))
    return x.astype(np.float32), bursts


def _pieces(seed: int, f0: float, words=()) -> dict:
    x, _ = _recording(np.random.default_rng(seed), 20.0, f0)
    return rp.recording_pieces(x, list(words), f"test:{seed}")


def _compose(seed: int, pieces_a: dict, pieces_b: dict, seconds: float = 30.0) -> composer.Dialogue:
    rng = np.random.default_rng(seed)
    pickers = (rp.PiecePicker(pieces_a, rng), rp.PiecePicker(pieces_b, rng))
    return composer.compose(
        rng,
        lambda text, role, kind: pickers[role](text, role, kind),
        language="en",
        partition="train",
        target_seconds=seconds,
    )


# ----------------------------------------------------------------------------- composition


def test_voice_runs_find_the_bursts_of_a_dry_recording() -> None:
    x, bursts = _recording(np.random.default_rng(0), 12.0, 140.0)
    runs = rp.voice_runs(x)
    assert len(runs) == len(bursts)
    for (s, e), (bs, be) in zip(runs, bursts, strict=True):
        assert abs(s - bs) <= 0.03 and abs(e - be) <= 0.03


def test_pieces_carry_trusted_phones_only_where_a_word_was_accepted() -> None:
    x, bursts = _recording(np.random.default_rng(1), 12.0, 180.0)
    s0 = bursts[0][0]
    good = AlignedWord(
        "mama",
        0.8,
        0.9,
        True,
        (AlignedPhone("M", "m", 0, s0, s0 + 0.08), AlignedPhone("AA", "ɑ", 1, s0 + 0.08, s0 + 0.14)),
    )
    s1 = bursts[1][0]
    bad = AlignedWord("no", 3.0, 0.2, True, (AlignedPhone("N", "n", 0, s1, s1 + 0.1),))
    assert good.accepted and not bad.accepted
    pieces = rp.recording_pieces(x, [good, bad], "test")
    phones = [p for piece in pieces["phrase"] for p in piece.phones]
    trusted = [p for p in phones if p.trusted]
    assert [p.ipa for p in trusted] == ["m", "ɑ"]
    # Stand-ins fill the rest of the voice and never overlap a trusted phone.
    for piece in pieces["phrase"] + pieces["word"]:
        ts = [(p.start, p.end) for p in piece.phones if p.trusted]
        for p in piece.phones:
            if not p.trusted:
                assert p.ipa == rp.STAND_IN_IPA
                assert all(p.end <= a + 1e-9 or p.start >= b - 1e-9 for a, b in ts)
    voiced = sum(e - s for s, e in bursts)
    covered = sum(p.end - p.start for p in phones)
    assert covered == pytest.approx(voiced, rel=0.05)


def test_composed_real_voices_tell_the_truth_of_who_speaks_when() -> None:
    pieces = (_pieces(2, 120.0), _pieces(3, 210.0))
    for seed in range(6):
        d = _compose(seed, *pieces)
        level = [rp.level_db(d.stems[:, r])[::2] for r in range(2)]  # 20 ms steps = frames
        for r in range(2):
            loud = level[r][: d.n_frames] > -40.0
            spk = d.speaking[: len(loud), r]
            # Every loud frame of a role's dry stem is that role speaking (one frame of slack) ...
            near = np.convolve(spk.astype(float), np.ones(3), mode="same") > 0
            assert np.all(near[loud]), (seed, r)
            # ... and the role is never said to speak far (> 0.3 s) from its own voice.
            far = np.convolve(loud.astype(float), np.ones(31), mode="same") == 0
            assert not np.any(spk & far), (seed, r)
        assert composer.first_sound(d, 0) < composer.first_sound(d, 1)


def test_real_voice_turn_taking_stays_within_the_composers_ranges() -> None:
    pieces = (_pieces(4, 110.0), _pieces(5, 230.0))
    both = anyone = 0
    offsets = []
    backchannels = 0
    for seed in range(24):
        d = _compose(100 + seed, *pieces, seconds=40.0)
        b, a = composer.overlap_fraction(d.speaking)
        both += b
        anyone += a
        offsets += list(composer.floor_transfer_offsets(d))
        for r in range(2):
            for s, e, kind in d.segments[r]:
                if kind != "backchannel":
                    continue
                backchannels += 1
                # A backchannel lies inside the partner's turn, as the composer places it.
                turns = [(ts, te) for ts, te, k in d.segments[1 - r] if k == "turn"]
                assert any(ts - 1e-6 <= s and e <= te + 1.0 for ts, te in turns)
    overlap = both / anyone
    assert 0.03 <= overlap <= 0.2, overlap  # composer aim 5-15 % of the time anyone speaks
    offsets = np.asarray(offsets)
    assert len(offsets) > 100
    assert 0.05 <= float(np.median(offsets)) <= 0.4  # Stivers et al.: ~+200 ms
    assert 0.1 <= float(np.mean(offsets < 0)) <= 0.5  # a share of transitions overlap
    assert backchannels >= 20


class _FakeSources(rv.RealClipMaker):
    """A maker whose two 'readers' are synthetic recordings (no data files needed)."""

    def _librispeech_cast(self, plan, rng):
        x, bursts = _recording(np.random.default_rng(7), 20.0, 130.0)
        s0 = bursts[0][0]
        word = AlignedWord(
            "ma",
            0.7,
            0.9,
            True,
            (AlignedPhone("M", "m", 0, s0 + 0.02, s0 + 0.1), AlignedPhone("AA", "ɑ", 1, s0 + 0.1, s0 + 0.15)),
        )
        a = rp.recording_pieces(x, [word], "fake:a")
        b = _pieces(8, 220.0)
        return rv._Cast((a, b), ("librispeech:1", "librispeech:2"), "en", ["a", "b"])


def test_a_real_clip_carries_only_trusted_targets() -> None:
    maker = _FakeSources(rv.RealVoiceConfig(alignment_cache=None))
    plan = rv.RealClipPlan("train", 3, 11, "librispeech")
    res = maker.make(plan, 14.0)
    a = res.arrays
    n = res.info["frames"]
    assert a["blendshapes"].shape == (n, 2, 52) and a["target_mask"].shape == (
        n,
        2,
        len(dataset.TARGET_GROUPS),
    )
    tm = a["target_mask"]
    assert np.all(tm[..., dataset.SPEAKING] == 1) and np.all(tm[..., dataset.MOTION] == 0)
    assert not a["conditioning"].any()  # real clips carry no staging
    spk = a["speaking"] > 0.5
    # Lips are trusted on silence away from the voice, never on stand-in speech.
    lips = tm[..., dataset.LIPS] > 0
    stored = set(zip(a["phone_role"].tolist(), a["phone_ipa"].tolist(), strict=True))
    assert stored <= {(0, "m"), (0, "ɑ")}  # only trusted phones reach the shard's phone table
    for r in range(2):
        on_trusted = np.zeros(n, bool)
        for role, s, e in zip(a["phone_role"], a["phone_start"], a["phone_end"], strict=True):
            if role == r:
                on_trusted[int(np.ceil(s * FPS)) : int(np.floor(e * FPS)) + 1] = True
        stand_in_speech = spk[:, r] & ~on_trusted
        assert not lips[stand_in_speech, r].any()
        assert lips[~spk[:, r], r].mean() > 0.5
    # Nobody speaks during the extra lead of the recording (and its noise, if any).
    lead = int(res.info["lead_seconds"] * FPS)
    assert lead >= int(rv.LEAD_EXTRA_S[0] * FPS) and not spk[:lead].any()
    assert res.info["voices"] == ["librispeech:1", "librispeech:2"]
    # The same plan gives the same bytes.
    again = _FakeSources(rv.RealVoiceConfig(alignment_cache=None)).make(plan, 14.0)
    for key in ("audio_mix", "audio_stems", "blendshapes", "target_mask", "speaking"):
        np.testing.assert_array_equal(a[key], again.arrays[key])


def test_lead_events_are_unit_power_sounds_of_every_kind() -> None:
    rng = np.random.default_rng(0)
    for kind in rp.LEAD_EVENTS:
        x = rp.lead_event(rng, kind, 0.4)
        assert len(x) == int(0.4 * SR) and np.isfinite(x).all()
        assert np.mean(x * x) == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="unknown lead event"):
        rp.lead_event(rng, "cough", 0.3)


def test_alignment_filter_and_stress_rule() -> None:
    phones = (AlignedPhone("B", "b", 0, 0.0, 0.05), AlignedPhone("IY", "i", 1, 0.05, 0.2))
    assert AlignedWord("be", 1.0, 0.8, True, phones).accepted
    assert not AlignedWord("be", 1.7, 0.8, True, phones).accepted  # costs too much per frame
    assert not AlignedWord("be", 1.0, 0.4, True, phones).accepted  # the phone loop disagrees
    assert not AlignedWord("be", 1.0, 0.8, False, phones).accepted  # a p/b/m the loop did not hear
    long = (AlignedPhone("IY", "i", 1, 0.0, 0.5),)
    assert not AlignedWord("e", 1.0, 0.9, True, long).accepted  # a phone stretched over a pause
    assert guess_stress(["AH", "B", "AW", "T"], "about") == [0, 0, 0, 0]  # a function word
    assert guess_stress(["AH", "G", "EH", "N"], "again") == [0, 0, 1, 0]
    assert guess_stress(["K", "AE", "T"], "cat") == [0, 1, 0]


# ----------------------------------------------------------------------------- masked losses

torch = pytest.importorskip("torch")


def _random_batch(t: int = 120, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    b = {
        "blendshapes": torch.rand(2, t, 2, 52, generator=g),
        "head": torch.randn(2, t, 2, 3, generator=g) * 10,
        "gaze": torch.randn(2, t, 2, 2, generator=g) * 10,
        "speaking": (torch.rand(2, t, 2, generator=g) > 0.5).float(),
        "at_partner": (torch.rand(2, t, 2, generator=g) > 0.5).float(),
        "event_weight": 1.0 + 3.0 * (torch.rand(2, t, 2, generator=g) > 0.8).float(),
        "cond": torch.zeros(2, t, 2, spec.COND_DIM),
        "mask": torch.ones(2, t),
        "pit": torch.zeros(2, dtype=torch.bool),
    }
    b["cond"][:, 20:60, :, spec.COND_HEAD_ACTIVE] = 1.0  # a staged hold
    b["cond"][:, 30:80, :, spec.COND_GAZE_ACTIVE] = 1.0
    return b


def _terms(raw, batch):
    from duet.model.network_config import NetworkConfig
    from duet.model.training.losses import LossWeights, per_sample_losses

    return per_sample_losses(raw, batch, NetworkConfig(), LossWeights())


GROUP_TERMS = {
    "lips": ("lip", "aperture", "closure"),
    "motion": ("expression", "head", "velocity", "jerk", "gaze", "staging", "reciprocity", "realism"),
    "speaking": ("speaking",),
}


def test_all_ones_target_mask_changes_nothing() -> None:
    from duet.model.network_config import NetworkConfig

    b = _random_batch()
    raw = torch.randn(2, 120, 2, NetworkConfig().out_dim, generator=torch.Generator().manual_seed(3))
    plain = _terms(raw, b)
    b["target_mask"] = torch.ones(2, 120, 2, len(dataset.TARGET_GROUPS))
    masked = _terms(raw, b)
    for key in plain:
        torch.testing.assert_close(masked[key], plain[key], rtol=0, atol=0)


@pytest.mark.parametrize("group", dataset.TARGET_GROUPS)
def test_a_masked_target_gives_zero_loss_and_zero_gradient(group: str) -> None:
    from duet.model.network_config import NetworkConfig

    k = dataset.TARGET_GROUPS.index(group)
    b = _random_batch()
    b["target_mask"] = torch.ones(2, 120, 2, len(dataset.TARGET_GROUPS))
    b["target_mask"][..., k] = 0.0
    raw = torch.randn(2, 120, 2, NetworkConfig().out_dim, generator=torch.Generator().manual_seed(4))
    raw.requires_grad_(True)
    terms = _terms(raw, b)
    loss = sum(terms[name].sum() for name in GROUP_TERMS[group])
    assert float(loss.detach()) == 0.0
    (grad,) = torch.autograd.grad(loss, raw, allow_unused=True)
    assert grad is None or float(grad.abs().max()) == 0.0
    # The other groups still train.
    others = [name for g, names in GROUP_TERMS.items() if g != group for name in names if name != "staging"]
    assert all(float(terms[name].sum().detach()) > 0 for name in others)


def test_masked_frames_targets_do_not_matter() -> None:
    from duet.model.network_config import NetworkConfig

    b = _random_batch()
    tm = torch.ones(2, 120, 2, len(dataset.TARGET_GROUPS))
    tm[:, 40:90, 1, :] = 0.0  # role B's targets are not trusted over 0.8-1.8 s
    b["target_mask"] = tm
    raw = torch.randn(2, 120, 2, NetworkConfig().out_dim, generator=torch.Generator().manual_seed(5))
    raw.requires_grad_(True)
    other = {key: value.clone() for key, value in b.items()}
    for key in ("blendshapes", "head", "gaze", "speaking", "at_partner"):
        other[key][:, 40:90, 1] = torch.rand_like(other[key][:, 40:90, 1]) * 5
    one, two = _terms(raw, b), _terms(raw, other)
    g1 = torch.autograd.grad(sum(v.sum() for v in one.values()), raw)[0]
    g2 = torch.autograd.grad(sum(v.sum() for v in two.values()), raw)[0]
    for key in one:
        torch.testing.assert_close(one[key], two[key], rtol=1e-6, atol=1e-7, msg=key)
    torch.testing.assert_close(g1, g2, rtol=1e-6, atol=1e-8)
    assert float(g1.abs().max()) > 0


def test_cross_crop_voice_loss_compares_real_speakers_only() -> None:
    from duet.model.training.losses import cross_voice_loss

    t = 100
    speaking = torch.zeros(3, t, 2)
    speaking[:, 5:45, 0] = 1
    speaking[:, 55:95, 1] = 1
    mask = torch.ones(3, t)
    head = torch.nn.Identity()

    def enc(dirs):  # crop i: A's frames point along dirs[i][0], B's along dirs[i][1]
        e = torch.zeros(3, 1, t, 8)
        for i, (da, db) in enumerate(dirs):
            e[i, 0, :50, da] = 1.0
            e[i, 0, 50:, db] = 1.0
        return e

    speaker = torch.tensor([[11, 22], [22, 33], [-1, -1]])
    right = enc([(0, 1), (1, 2), (3, 4)])  # speaker 22 points the same way in crops 0 and 1
    wrong = enc([(0, 1), (5, 2), (3, 4)])  # ... or not
    good = float(cross_voice_loss(right, head, speaking, mask, speaker))
    bad = float(cross_voice_loss(wrong, head, speaking, mask, speaker))
    assert good < 0.05 < 1.0 < bad
    # Synthetic voices (-1) in different crops are never compared: no pairs, no loss.
    unknown = torch.full((3, 2), -1)
    assert float(cross_voice_loss(enc([(0, 0), (0, 0), (0, 0)]), head, speaking, mask, unknown)) == 0.0
    # A synthetic voice and a real speaker are two voices: alike, they cost.
    mixed = torch.tensor([[11, -1], [-1, -1], [-1, -1]])
    assert float(cross_voice_loss(enc([(0, 1), (0, 1), (0, 1)]), head, speaking, mask, mixed)) > 1.0


def test_shards_and_batches_carry_target_masks_and_speaker_ids(tmp_path) -> None:
    from duet.model.training.corpus import ClipPlan, ClipResult, shard_arrays

    out = dataset.write_synthetic_corpus(tmp_path, clips={"train": 2}, seconds=8.0)
    with np.load(out / "train-00000.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    n = arrays["blendshapes"].shape[0]
    tm = np.ones((n, 2, len(dataset.TARGET_GROUPS)), np.float32)
    tm[:, 1, dataset.LIPS] = 0.0
    arrays["target_mask"] = tm
    arrays["clip_voices"] = np.array([["librispeech:19", "espeak:en+m1"], ["fillets:cs:big", "x"]], "<U48")
    np.savez(out / "train-00000.npz", **arrays)
    corpus = dataset.Corpus(out, "train")
    b = corpus.sample(np.random.default_rng(0), 4, 100, stems=False)
    assert b.target_mask.shape == (4, 100, 2, 3) and b.speaker.dtype == np.int64
    assert np.all(b.target_mask[:, :, 1, dataset.LIPS] == 0) and np.all(b.target_mask[:, :, 0] == 1)
    keys = {dataset.speaker_key("librispeech:19"), dataset.speaker_key("fillets:cs:big")}
    assert set(b.speaker[:, 0].tolist()) <= keys and np.all(b.speaker[:, 1] == -1)
    assert dataset.speaker_key("librispeech:19") == dataset.speaker_key("librispeech:19") > 0
    # shard_arrays writes the mask only when a real clip is present, ones for synthetic clips.
    synth = ClipResult(
        ClipPlan("train", 0, 1), {"audio_mix": np.zeros(320, np.int16)}, {"frames": 1}, 0.02, 0
    )
    assert "target_mask" not in _mask_of(shard_arrays, [synth])
    real = ClipResult(
        rv.RealClipPlan("train", 0, 1, "fillets"),
        {"audio_mix": np.zeros(320, np.int16), "target_mask": np.zeros((1, 2, 3), np.float32)},
        {"frames": 1, "kind": "fillets"},
        0.02,
        0,
    )
    mixed = _mask_of(shard_arrays, [synth, real])
    np.testing.assert_array_equal(mixed["target_mask"][0], 1.0)
    np.testing.assert_array_equal(mixed["target_mask"][1], 0.0)
    assert mixed["clip_kind"].tolist() == ["synthetic", "fillets"]


def _mask_of(shard_arrays, results) -> dict:
    """shard_arrays on minimal clips: only the keys this test needs are filled in."""
    for r in results:
        f = r.info["frames"]
        r.info.setdefault("language", "en")
        r.info.setdefault("voices", ["a", "b"])
        r.info.setdefault("staging", "")
        r.arrays.setdefault("audio_stems", np.zeros((320, 2), np.int16))
        for key, shape in (
            ("blendshapes", (f, 2, 52)),
            ("head", (f, 2, 3)),
            ("gaze", (f, 2, 2)),
            ("speaking", (f, 2)),
            ("conditioning", (f, 2, spec.COND_DIM)),
        ):
            r.arrays.setdefault(key, np.zeros(shape, np.float32))
        for key, dt in (
            ("phone_role", np.int8),
            ("phone_ipa", "<U8"),
            ("phone_start", np.float32),
            ("phone_end", np.float32),
            ("phone_stress", np.int8),
            ("segment_role", np.int8),
            ("segment_start", np.float32),
            ("segment_end", np.float32),
            ("segment_kind", "<U12"),
            ("line_role", np.int8),
            ("line_start", np.float32),
            ("line_end", np.float32),
            ("line_kind", "<U12"),
            ("line_text", "<U8"),
        ):
            r.arrays.setdefault(key, np.zeros(0, dt))
    return shard_arrays(results)


# ----------------------------------------------------------------------------- held-out speakers


def _fake_librispeech(root, train_ids, test_ids) -> None:
    rows = [f"{i} | F | train-clean-100 | 25.0 | Reader {i}" for i in train_ids]
    rows += [f"{i} | M | test-other | 10.0 | Reader {i}" for i in test_ids]
    (root / "SPEAKERS.TXT").write_text(";ID|SEX|SUBSET|MINUTES|NAME\n" + "\n".join(rows) + "\n")
    (root / "train-clean-100").mkdir()
    for i in train_ids:
        (root / "train-clean-100" / f"{i}-100-0000.flac").write_bytes(b"")
    for i in test_ids:
        (root / "test-other" / str(i)).mkdir(parents=True)
        (root / "test-other" / str(i) / f"{i}-200-0000.flac").write_bytes(b"")


def test_a_test_other_reader_can_never_enter_training(tmp_path) -> None:
    _fake_librispeech(tmp_path, [19, 26, 27], [1688, 367])
    readings = rs.librispeech_readings(tmp_path)
    assert sorted(r.reader for r in readings) == ["19", "26", "27"]
    rs.check_no_heldout_speakers([r.speaker for r in readings], tmp_path)
    with pytest.raises(rs.RealSourceError, match=r"held-out test-other readers \['367'\]"):
        rs.check_no_heldout_speakers(["librispeech:19", "librispeech:367"], tmp_path)
    # A test-other reader's file planted under train-clean-100 is refused, not trained on.
    (tmp_path / "train-clean-100" / "1688-300-0001.flac").write_bytes(b"")
    with pytest.raises(rs.RealSourceError, match="1688 belongs to the held-out test-other"):
        rs.librispeech_readings(tmp_path)


@pytest.mark.skipif(not rs.DEFAULT_LIBRISPEECH_ROOT.is_dir(), reason="../shared/data not present")
def test_the_shared_librispeech_training_readers_exclude_test_other() -> None:
    readings = rs.librispeech_readings()
    held = rs.heldout_readers(rs.DEFAULT_LIBRISPEECH_ROOT)
    assert len(held) >= 10 and len(readings) == 251
    assert not {r.reader for r in readings} & held
    # Every real clip the corpus plans draws its readers from these readings.
    maker = rv.RealClipMaker(rv.RealVoiceConfig(alignment_cache=None))
    for split in ("train", "validation"):
        pool = maker._split_readings(split)
        assert not {r.reader for r in pool} & held
    assert not {r.reader for r in maker._split_readings("train")} & {
        r.reader for r in maker._split_readings("validation")
    }


def test_fillets_held_out_levels_stay_out_of_the_corpus_splits() -> None:
    from duet.model.training import heldout

    held = set(rs.FILLETS_HELDOUT_LEVELS)
    assert held == set(heldout.FILLETS_HELDOUT_LEVELS)  # the evaluation's held-out rows stay held out
    assert all(rs.fillets_split(level) == "heldout" for level in held)
    assert not held & set(rs.FILLETS_VALIDATION_LEVELS)
    assert rs.fillets_split("turtle") == "train" and rs.fillets_split("barrel") == "heldout"
    text = (
        'dialogId("bar-v-co", "font_big", "What now?")\ndialogStr("Ale co s tím?")\n\n'
        'dialogId("bar-x-1", "font_yellow", "Hi")\ndialogStr("Ahoj")\n'
    )
    assert rs.parse_dialogs(text) == [
        ("bar-v-co", "font_big", "Ale co s tím?"),
        ("bar-x-1", "font_yellow", "Ahoj"),
    ]
    if rs.DEFAULT_FILLETS_ROOT.is_dir():
        for split in ("train", "validation"):
            assert not {ln.level for ln in rs.fillets_lines(rs.DEFAULT_FILLETS_ROOT, split)} & held


@pytest.mark.slow
@pytest.mark.skipif(not rs.DEFAULT_FILLETS_ROOT.is_dir(), reason="Fish Fillets is not installed")
def test_a_real_voice_corpus_is_the_same_bytes_whatever_the_worker_count(tmp_path) -> None:
    import json

    from duet.model.training import corpus as K

    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        K.build_corpus(
            out,
            minutes=0.8,
            seed=3,
            workers=workers,
            fractions={"train": 0.7, "validation": 0.3, "test": 0.0},
            real_share=1.0,
            real_config=rv.RealVoiceConfig(kinds=("fillets",)),
            log=lambda m: None,
        )
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir()) and "train-00000.npz" in names
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    assert manifest["real_voices"]["share"] == 1.0
    assert manifest["real_voices"]["fillets"]["heldout_levels"] == list(rs.FILLETS_HELDOUT_LEVELS)
    with np.load(outs[0] / "train-00000.npz", allow_pickle=False) as z:
        assert set(z["clip_kind"].tolist()) == {"fillets"}
        assert z["target_mask"].shape == (z["clip_frame_offsets"][-1], 2, len(dataset.TARGET_GROUPS))
        assert len(z["phone_ipa"]) == 0  # Fish Fillets lines carry no phones
    rows = [json.loads(x) for x in (outs[0] / "clips.jsonl").read_text().splitlines()]
    levels = {s.split("/", 1)[0] for r in rows for s in r["sources"]}
    assert rows and all(r["kind"] == "fillets" for r in rows) and levels
    assert not levels & set(rs.FILLETS_HELDOUT_LEVELS)


def test_recordings_without_pauses_at_a_floor_are_not_used() -> None:
    rng = np.random.default_rng(9)
    x, _ = _recording(rng, 8.0, 150.0)
    assert rp.recording_usable(x)
    noisy = x + rng.standard_normal(len(x)).astype(np.float32) * 0.05  # ~10 dB below the voice
    assert not rp.recording_usable(noisy)
    assert not rp.recording_usable(rng.standard_normal(SR * 5).astype(np.float32) * 0.2)  # noise only
