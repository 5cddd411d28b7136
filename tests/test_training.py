"""Training pipeline: corpus loader, role anchors, losses, and the resumable train command."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from duet.model import spec
from duet.model.training import dataset

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    return dataset.write_synthetic_corpus(out, clips={"train": 3, "validation": 1, "test": 1}, seconds=12.0)


def test_shards_follow_the_data_format_and_load(corpus_dir: Path) -> None:
    with np.load(corpus_dir / "train-00000.npz", allow_pickle=False) as z:
        f = z["clip_frame_offsets"]
        s = z["clip_sample_offsets"]
        assert z["blendshapes"].shape == (f[-1], 2, 52)
        assert z["audio_stems"].shape == (s[-1], 2)
        for c in range(len(f) - 1):
            assert f[c + 1] - f[c] == int(np.ceil((s[c + 1] - s[c]) / spec.SAMPLE_RATE * spec.NATIVE_FPS))
    corpus = dataset.Corpus(corpus_dir, "train")
    assert len(corpus.clips) == 3
    assert corpus.seconds == pytest.approx(36.0)
    # Lip events weigh more: p/b/m frames get the closure weight.
    sd = corpus.shards[0]
    assert sd.event_weight.max() == pytest.approx(1.0 + dataset.CLOSURE_WEIGHT)
    assert 0.0 < float(sd.at_partner.mean()) < 1.0


def test_batches_have_the_network_layout(corpus_dir: Path) -> None:
    corpus = dataset.Corpus(corpus_dir, "train")
    rng = np.random.default_rng(0)
    b = corpus.sample(rng, 3, 200, stems=False)
    assert b.feats.shape == (3, 1, 400, 80)
    assert b.cond.shape == (3, 200, 2, spec.COND_DIM)
    assert b.anchor.shape == (3, 200, 2, 2)
    s = corpus.sample(rng, 2, 800, stems=True)  # longer than the clips: padded and masked
    assert s.feats.shape == (2, 2, 1600, 80)
    assert s.mask[:, 600:].sum() == 0 and s.mask[:, :600].all()
    same = corpus.sample(np.random.default_rng(5), 2, 100, stems=False)
    again = corpus.sample(np.random.default_rng(5), 2, 100, stems=False)
    np.testing.assert_array_equal(same.feats, again.feats)


def test_anchor_kinds() -> None:
    speaking = np.zeros((600, 2), np.float32)
    speaking[50:150, 1] = 1.0  # B speaks first in this crop
    speaking[170:300, 0] = 1.0
    speaking[280:300, 1] = 1.0  # overlap: never anchored
    anchor, pit = dataset.make_anchor(speaking, 600, stems=False, rng=None)
    assert not pit  # validation: the dense (diarized) kind, without errors
    np.testing.assert_array_equal(anchor[:, 0, 0] > 0, (speaking.sum(1) == 1))
    assert np.all(anchor[50:150, 1, 1] == 1) and np.all(anchor[50:150, 0, 1] == 0)
    assert np.all(anchor[170:280, 0, 1] == 1) and not anchor[280:300].any()
    kinds = {"dense": 0, "first": 0, "prefix": 0, "none": 0}
    rng = np.random.default_rng(0)
    for _ in range(400):
        a, pit = dataset.make_anchor(speaking, 600, stems=False, rng=rng)
        k = np.flatnonzero(a[:, 0, 0])
        if pit:
            kinds["none"] += 1
            assert not a.any()
        elif len(k) and k[0] == 0 and k[-1] == len(k) - 1:
            kinds["prefix"] += 1  # the first 2-8 s, as decided before (both roles, overlaps too)
            np.testing.assert_array_equal(a[k, :, 1], speaking[k] > 0.5)
        elif len(k) > 150:
            kinds["dense"] += 1
            agree = (a[k, 0, 1] == (speaking[k, 0] > 0.5)).mean()
            assert agree > 0.85  # a few simulated clustering errors, no more
        else:
            kinds["first"] += 1
    assert kinds["dense"] > 120 and kinds["first"] > 60 and kinds["prefix"] > 40 and 5 <= kinds["none"] <= 40
    assert sum(kinds.values()) == 400


def _batch_tensors(corpus_dir: Path, stems: bool = False) -> dict:
    from duet.model.training.train import _to_tensors

    corpus = dataset.Corpus(corpus_dir, "train")
    return _to_tensors(corpus.sample(np.random.default_rng(1), 2, 300, stems), torch.device("cpu"))


def _raw_blend_for(target: torch.Tensor) -> torch.Tensor:
    """Raw outputs whose resolved blendshapes (lip closure: torch_runtime.blendshapes) are target."""
    from duet.model.network_config import CLOSURE_CHANNEL, JAW_CHANNEL, LIP_OPENING_CHANNELS

    b = target.clone().double()
    jaw = b[..., JAW_CHANNEL]
    closure = torch.where(jaw > 1e-4, b[..., CLOSURE_CHANNEL] / jaw.clamp_min(1e-4), torch.zeros_like(jaw))
    closure = closure.clamp(0.0, 1.0 - 1e-6)
    b[..., CLOSURE_CHANNEL] = closure
    opening = list(LIP_OPENING_CHANNELS)
    b[..., opening] = b[..., opening] / (1.0 - closure[..., None])
    return torch.logit(b.clamp(1e-7, 1 - 1e-7)).float()


def test_losses_vanish_on_the_targets_and_pit_takes_the_better_order(corpus_dir: Path) -> None:
    from duet.model.network_config import OUT_BLEND, OUT_GAZE, OUT_HEAD, OUT_SPEAKING, NetworkConfig
    from duet.model.training.losses import LossWeights, per_sample_losses, swap_roles, total_loss

    cfg = NetworkConfig()
    b = _batch_tensors(corpus_dir)
    raw = torch.zeros(*b["blendshapes"].shape[:3], cfg.out_dim)
    raw[..., OUT_BLEND] = _raw_blend_for(b["blendshapes"])
    raw[..., OUT_HEAD] = b["head"] / cfg.head_scale
    raw[..., OUT_GAZE] = b["gaze"] / cfg.gaze_scale
    raw[..., OUT_SPEAKING] = (b["speaking"] * 2 - 1) * 20.0
    terms = per_sample_losses(raw, b, cfg, LossWeights())
    for key in ("lip", "aperture", "expression", "head", "velocity", "gaze", "realism", "speaking"):
        assert float(terms[key].max()) < 1e-3, key
    assert float(terms["jerk"].max()) < 0.5  # the teacher's own jerk, small
    wrong = per_sample_losses(raw, swap_roles(b), cfg, LossWeights())
    assert float(wrong["lip"].min()) > 0.005 and float(wrong["speaking"].min()) > 0.5
    # Free-role crops take the better of the two orders.
    swapped = swap_roles(b)
    kl = torch.zeros(())
    swapped["pit"] = torch.ones(2, dtype=torch.bool)
    loss_free, _ = total_loss(raw, swapped, cfg, LossWeights(), kl)
    loss_true, _ = total_loss(raw, b, cfg, LossWeights(), kl)
    assert float(loss_free) == pytest.approx(float(loss_true), rel=1e-5)
    swapped["pit"] = torch.zeros(2, dtype=torch.bool)
    assert float(total_loss(raw, swapped, cfg, LossWeights(), kl)[0]) > float(loss_true) + 0.1


def test_voice_loss_rewards_one_direction_per_speaker() -> None:
    from duet.model.training.losses import voice_loss

    t = 200
    speaking = torch.zeros(1, t, 2)
    speaking[0, 10:90, 0] = 1
    speaking[0, 110:190, 1] = 1
    mask = torch.ones(1, t)
    head = torch.nn.Identity()
    separated = torch.zeros(1, 1, t, 4)
    separated[0, 0, :100, 0] = 1.0  # A's frames point one way, B's another
    separated[0, 0, 100:, 1] = 1.0
    mixed = torch.zeros(1, 1, t, 4)
    mixed[0, 0, :, 2] = 1.0  # every frame alike: the voices are not told apart
    good = float(voice_loss(separated, head, speaking, mask)[0])
    bad = float(voice_loss(mixed, head, speaking, mask)[0])
    assert good < 0.05 < 1.0 < bad
    stems = torch.cat(
        [separated[:, :, :100].repeat(1, 1, 2, 1), separated[:, :, 100:].repeat(1, 1, 2, 1)], dim=1
    )
    assert float(voice_loss(stems, head, speaking, mask)[0]) < 0.05
    one_voice = speaking.clone()
    one_voice[..., 1] = 0
    assert float(voice_loss(mixed, head, one_voice, mask)[0]) == 0.0  # no contrast without two voices


def test_posterior_latent_has_the_inference_layout(corpus_dir: Path) -> None:
    from duet.model.generation import latent_frames as np_latent_frames
    from duet.model.network_config import NetworkConfig
    from duet.model.training.posterior import Posterior, latent_frames

    cfg = NetworkConfig()
    b = _batch_tensors(corpus_dir)
    z, kl = Posterior(cfg)(b, generator=torch.Generator().manual_seed(0))
    assert z.shape == (2, 300, 2, cfg.n_latent)
    assert float(kl.detach()) >= 0.0
    steps = np.random.default_rng(0).normal(size=(1, 33, 2, 3)).astype(np.float32)
    a = latent_frames(torch.from_numpy(steps), 315, 10)[0].numpy()
    np.testing.assert_allclose(a, np_latent_frames(steps[0], 315, 10), atol=1e-6)


def test_posterior_does_not_see_staged_poses(corpus_dir: Path) -> None:
    """Staged head and gaze reach the network only through the conditioning: changing the
    teacher's head or eyes where they are commanded leaves the latent alone."""
    from duet.model import spec
    from duet.model.network_config import NetworkConfig
    from duet.model.training.posterior import Posterior

    cfg = NetworkConfig()
    post = Posterior(cfg)
    b = _batch_tensors(corpus_dir)
    b["cond"] = b["cond"].clone()
    b["cond"][:, 100:200, 0, spec.COND_HEAD_ACTIVE] = 1.0
    b["cond"][:, 150:250, 1, spec.COND_GAZE_ACTIVE] = 1.0
    z, _ = post(b, sample=False)
    moved = dict(b)
    moved["head"] = b["head"].clone()
    moved["head"][:, 100:200, 0] += 40.0
    moved["gaze"] = b["gaze"].clone()
    moved["gaze"][:, 150:250, 1] -= 20.0
    z_moved, _ = post(moved, sample=False)
    assert torch.equal(z, z_moved)
    # Outside the holds the head still informs the latent.
    free = dict(b)
    free["head"] = b["head"].clone()
    free["head"][:, 250:300, 0] += 40.0
    assert not torch.equal(z, post(free, sample=False)[0])


def _train_args(corpus_dir: Path, out: Path, steps: int, **extra) -> argparse.Namespace:
    from duet.model.training import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    argv = ["--corpus", str(corpus_dir), "--out", str(out), "--steps", str(steps), "--threads", "1"]
    argv += ["--frames-per-step", "600", "--validate-every", "2", "--d-model", "32", "--layers", "1"]
    for key, value in extra.items():
        argv += [f"--{key.replace('_', '-')}"] + ([] if value is True else [str(value)])
    return parser.parse_args(argv)


@pytest.mark.slow
def test_train_command_resumes_and_exports_weights_generate_can_use(corpus_dir: Path, tmp_path: Path) -> None:
    from duet.model import generate, weights
    from duet.model.training import train

    run_dir = tmp_path / "run"
    export = tmp_path / "model.npz"
    assert train.run(_train_args(corpus_dir, run_dir, 2)) == 0
    state = torch.load(run_dir / "checkpoint.pt", weights_only=True)
    assert state["step"] == 2
    first = torch.load(run_dir / "checkpoint.pt", weights_only=True)["net"]["out.bias"].clone()
    assert train.run(_train_args(corpus_dir, run_dir, 3, export=export)) == 0
    log = [json.loads(line) for line in (run_dir / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3]  # resumed at step 3, not restarted
    assert all(np.isfinite(r["total"]) for r in log)
    assert "val_total" in log[1]
    last = torch.load(run_dir / "checkpoint.pt", weights_only=True)["net"]["out.bias"]
    assert not torch.equal(first, last)  # the resumed step trained
    w = weights.load(export)
    assert w.config.d_model == 32
    command = w.info["training_command"]
    assert command.startswith("python -m duet.model.training train ") and f"--corpus {corpus_dir}" in command
    assert w.info["corpus_manifest_sha256"] == dataset.manifest_sha256(corpus_dir)
    assert not np.allclose(w.arrays["feature_mean"], 0.0)  # input scaling from the corpus
    perf = generate(np.zeros(16000, np.float32), 16000, weights=export)
    perf.validate()
    # A different network config cannot silently resume the run.
    assert train.run(_train_args(corpus_dir, run_dir, 4, no_cross_attention=True)) == 2


@pytest.mark.slow
def test_a_fine_tune_starts_from_weights_and_can_keep_their_voice_vectors(
    corpus_dir: Path, tmp_path: Path
) -> None:
    from duet.model import weights
    from duet.model.training import train

    base = tmp_path / "base.npz"
    assert train.run(_train_args(corpus_dir, tmp_path / "base", 2, export=base)) == 0
    tuned = tmp_path / "tuned.npz"
    args = _train_args(corpus_dir, tmp_path / "tuned", 2, init=base, freeze_encoder=True, export=tuned)
    assert train.run(args) == 0
    before, after = weights.load(base).arrays, weights.load(tuned).arrays
    encoder = [k for k in before if k.split(".")[0] in train.ENCODER_PARTS]
    assert encoder and all(np.array_equal(before[k], after[k]) for k in encoder)
    # The feature statistics are the initial weights', and the rest of the network trained on.
    assert np.array_equal(before["feature_mean"], after["feature_mean"])
    assert not np.array_equal(before["out.bias"], after["out.bias"])
    assert "--init" in weights.load(tuned).info["training_command"]
    # Freezing needs weights to keep; weights of another network are refused.
    assert train.run(_train_args(corpus_dir, tmp_path / "x", 1, freeze_encoder=True)) == 2
    assert train.run(_train_args(corpus_dir, tmp_path / "y", 1, init=base, layers=2)) == 2
