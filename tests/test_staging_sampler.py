"""Staging sampler: directions, their text, and the real parser's conditioning for them."""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import spec
from duet.model.training import staging_sampler as S

FPS = spec.NATIVE_FPS


def samples(n: int, seconds: float = 30.0, seed: int = 0) -> list[S.StagingSample]:
    rng = np.random.default_rng(seed)
    return [S.sample_staging(rng, seconds) for _ in range(n)]


def test_share_without_staging_and_counts():
    got = samples(600)
    none = sum(not s.text for s in got) / len(got)
    assert abs(none - S.NO_STAGING_P) < 0.06
    staged = [s for s in got if s.text]
    assert all(1 <= len(s.directions) <= 4 for s in staged)
    actions = {d.action for s in staged for d in s.directions}
    assert actions == {"face", "look", "mutual", "nod", "shake"}
    targets = {d.target for s in staged for d in s.directions if d.action == "look"}
    assert {"partner", "camera", "down", "away"} <= targets
    faces = {d.target for s in staged for d in s.directions if d.action == "face"}
    assert faces >= {"left", "right", "camera"}


def test_directions_fit_the_clip_and_never_collide():
    for seconds in (3.0, 12.0, 95.0):
        for s in samples(200, seconds, seed=int(seconds)):
            busy: dict = {}
            for d in s.directions:
                span = (0.0, seconds) if d.start is None else (d.start, d.end)
                assert 0.0 <= span[0] < span[1] <= seconds + 1e-9
                for r in d.roles:
                    for other in busy.get((r, d.channel), []):
                        assert span[1] <= other[0] or other[1] <= span[0]
                    busy.setdefault((r, d.channel), []).append(span)


def test_text_names_roles_and_times():
    rng = np.random.default_rng(3)
    d = S.Direction("A", "face", "left", 2.0, 5.0)
    texts = {S.render(d, rng) for _ in range(60)}
    assert all(t.startswith("A ") and t.endswith(".") for t in texts)
    assert any("from 2s to 5s" in t for t in texts) and any("0:02" in t for t in texts)
    whole = S.render(S.Direction("B", "look", "camera", None, None), rng)
    assert whole.startswith("B look") and "from" not in whole


def test_names_stand_for_roles():
    named = [s for s in samples(600) if s.names]
    assert 0.15 < len(named) / sum(bool(s.text) for s in samples(600)) < 0.35
    for s in named:
        assert s.names[0] != s.names[1]
        assert any(name in s.text for name in s.names) or all(d.subject == "both" for d in s.directions)
    rng = np.random.default_rng(0)
    text = S.render(S.Direction("B", "look", "partner", 1.0, 2.0), rng, ("Mara", "Theo"))
    assert text.startswith("Theo looks at") and " B " not in text


def test_same_seed_same_text():
    assert [s.text for s in samples(30, seed=9)] == [s.text for s in samples(30, seed=9)]
    assert [s.text for s in samples(30, seed=9)] != [s.text for s in samples(30, seed=10)]


def test_no_staging_gives_zero_conditioning():
    cond = S.staging_conditioning(S.StagingSample("", ()), 40)
    assert cond.shape == (40, 2, spec.COND_DIM) and cond.dtype == np.float32 and not cond.any()


def _frames(start: float, end: float, n: int) -> slice:
    return slice(int(np.ceil(start * FPS)) + 2, min(n, int(np.floor(end * FPS))) - 2)


def test_real_parser_accepts_every_sampled_text_and_obeys_it():
    pytest.importorskip("duet.model.staging", reason="the staging parser has not landed yet")
    seconds = 40.0
    n = int(seconds * FPS)
    checked = 0
    for s in samples(300, seconds, seed=21):
        cond = S.staging_conditioning(s, n)
        assert cond.shape == (n, 2, spec.COND_DIM)
        if not s.text:
            assert not cond.any()
        for d in s.directions:
            span = _frames(0.0, seconds, n) if d.start is None else _frames(d.start, d.end, n)
            if span.stop - span.start < 2:
                continue
            for role in d.roles:
                r = spec.ROLES.index(role)
                c = cond[span, r]
                if d.action == "face":
                    assert np.all(c[:, spec.COND_HEAD_ACTIVE] > 0.5), s.text
                elif d.action in ("look", "mutual"):
                    assert np.all(c[:, spec.COND_GAZE_ACTIVE] > 0.5), s.text
                    if d.target == "partner":
                        assert np.all(c[:, spec.COND_GAZE_PARTNER] > 0.5), s.text
                    if d.target == "camera":
                        assert np.all(c[:, spec.COND_GAZE_CAMERA] > 0.5), s.text
                elif d.action == "nod":
                    assert np.any(c[:, spec.COND_NOD] > 0.5), s.text
                elif d.action == "shake":
                    assert np.any(c[:, spec.COND_SHAKE] > 0.5), s.text
                checked += 1
    assert checked > 200


def test_corpus_staging_never_asks_the_eyes_beyond_their_reach():
    pytest.importorskip("duet.model.staging", reason="the staging parser has not landed yet")
    conflict = S.StagingSample(
        "B faces the camera from 1s to 4s. B looks at A from 2s to 3s.",
        (S.Direction("B", "face", "camera", 1.0, 4.0), S.Direction("B", "look", "partner", 2.0, 3.0)),
        None,
        ("B faces the camera from 1s to 4s.", "B looks at A from 2s to 3s."),
    )
    assert S.infeasible_frames(S.staging_conditioning(conflict, 300)).any()
    rng = np.random.default_rng(5)
    for _ in range(300):
        sample, cond = S.sample_feasible_staging(rng, 20.0, 1000)
        assert not S.infeasible_frames(cond).any()
        assert np.array_equal(cond, S.staging_conditioning(sample, 1000))
    kept = S.sample_feasible_staging(np.random.default_rng(1), 20.0, 1000)[0]
    assert kept.text == " ".join(kept.sentences)
