"""generate(): the public API, bad input, seeds, roles, and windowed inference on long takes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import duet.model as duet_model
from duet.model import generate, spec, windowing
from duet.model.errors import InputError
from duet.model.network_config import OUT_DIM, OUT_SPEAKING
from duet.model.performance import Performance

TINY = Path(__file__).parent / "data" / "model" / "tiny_weights.npz"


def _dialogue(seconds: float, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """Two alternating 'voices' (buzz at 110 / 220 Hz) with pauses."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    x = np.zeros_like(t)
    turn = 2.0
    for k, start in enumerate(np.arange(0.5, seconds - 0.5, turn)):
        f0 = 110.0 if k % 2 == 0 else 220.0
        seg = (t >= start) & (t < start + turn - 0.4)
        x[seg] = 0.2 * np.sign(np.sin(2 * np.pi * f0 * t[seg])) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t[seg]))
    return (x + rng.normal(scale=1e-3, size=len(x))).astype(np.float32)


def test_generate_returns_a_valid_performance_covering_the_audio() -> None:
    x = _dialogue(3.3, rate=44100)
    perf = generate(x, 44100, fps=24, weights=TINY)
    assert isinstance(perf, Performance)
    assert perf.fps == 24.0
    assert perf.n_frames == int(np.ceil(3.3 * 24))
    assert perf.blendshape_names == spec.ARKIT_NAMES
    perf.validate()
    for role in spec.ROLES:
        assert perf.blendshapes[role].dtype == np.float32
        assert perf.head[role].shape == (perf.n_frames, 3)


def test_same_seed_same_bytes_other_seed_other_take() -> None:
    x = _dialogue(4.0)
    a = generate(x, 16000, seed=3, weights=TINY)
    b = generate(x, 16000, seed=3, weights=TINY)
    c = generate(x, 16000, seed=4, weights=TINY)
    for role in spec.ROLES:
        assert a.blendshapes[role].tobytes() == b.blendshapes[role].tobytes()
        assert a.head[role].tobytes() == b.head[role].tobytes()
    assert any(float(np.abs(a.head[r] - c.head[r]).max()) > 1e-3 for r in spec.ROLES)


def test_stems_mode_and_silence() -> None:
    x = _dialogue(2.0)
    stems = np.stack([x, np.zeros_like(x)], axis=1)
    perf = generate(stems, 16000, stems=True, fps=30, weights=TINY)
    assert perf.n_frames == 60
    silent = generate(np.zeros(16000, np.float32), 16000, weights=TINY)
    silent.validate()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fps": 0}, "fps"),
        ({"fps": float("nan")}, "fps"),
        ({"runtime": "gpu"}, "runtime"),
        ({"seed": 1.5}, "seed"),
        ({"roles": "B first"}, "roles"),
        ({"roles": "C"}, "'A' or 'B'"),
        ({"roles": (5.0, 1.0)}, "roles"),
        ({"staging": 42}, "staging"),
    ],
)
def test_bad_options_get_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        generate(_dialogue(1.0), 16000, weights=TINY, **kwargs)


def test_bad_audio_is_an_input_error_not_a_crash() -> None:
    for bad, rate in (
        (np.zeros(0), 16000),
        (np.full(100, np.nan), 16000),
        (np.zeros((10, 4)), 16000),
        (np.zeros(10), -5),
    ):
        with pytest.raises(InputError):
            generate(bad, rate, weights=TINY)


class EchoRuntime:
    """A frame-local stand-in network: outputs depend only on each frame's own inputs.

    speaking of role r = the anchor's "speaking" of role r where known, else the
    frame's loudness rank; the other channels carry the features and the latent,
    so stitching mistakes between windows show up as mismatches.
    """

    name = "echo"

    def __init__(self) -> None:
        self.windows: list[int] = []

    def run(self, feats, cond, anchor, latent):
        t = cond.shape[0]
        self.windows.append(t)
        out = np.zeros((t, 2, OUT_DIM), dtype=np.float32)
        level = feats.mean(axis=(0, 2)).reshape(t, 2).mean(axis=1)
        out[:, :, 0] = level[:, None]
        out[:, :, 1] = latent[:, :, 0]
        loud = (level > np.median(level)).astype(np.float32)
        out[:, 0, OUT_SPEAKING] = np.where(anchor[:, 0, 0] > 0, anchor[:, 0, 1], loud)
        out[:, 1, OUT_SPEAKING] = np.where(anchor[:, 1, 0] > 0, anchor[:, 1, 1], 1.0 - loud)
        return out


def test_windows_stitch_into_the_same_curves_as_one_pass() -> None:
    x = _dialogue(75.0)
    n = 75 * 50
    cond = np.zeros((n, 2, spec.COND_DIM), np.float32)
    latent = np.random.default_rng(0).normal(size=(n, 2, 4)).astype(np.float32)
    anchor = windowing.first_voice_anchor(x, n)
    rt = EchoRuntime()
    plan = windowing.WindowPlan(core=1000)
    out = windowing.run_windows(rt, x, n, cond, anchor, latent, plan)
    assert len(rt.windows) >= 3  # really windowed
    assert max(rt.windows) <= plan.core + plan.core // 4 + plan.max_prefix
    one = EchoRuntime().run(
        __import__("duet.model.features", fromlist=["stream_features"]).stream_features(x, 0, n),
        cond,
        anchor,
        latent,
    )
    np.testing.assert_allclose(out[:, :, :2], one[:, :, :2], atol=1e-5)


class SwappingRuntime:
    """Ignores anchors and gives the low voice to role A in even windows, to role B in odd ones:
    a network that lost track of the roles. The stitching must still keep one voice per role."""

    name = "swapping"

    def __init__(self) -> None:
        from duet.model import features

        fb = features.mel_filterbank()
        hz = np.arange(fb.shape[0]) * 16000 / features.N_FFT
        self.low = int(np.argmax(fb[np.argmin(np.abs(hz - 110))]))
        self.high = int(np.argmax(fb[np.argmin(np.abs(hz - 220))]))
        self.count = 0

    def run(self, feats, cond, anchor, latent):
        t = cond.shape[0]
        m = feats[0].reshape(t, 2, -1).mean(axis=1)
        voiced = m.max(axis=1) > np.log(1e-4)
        low = (m[:, self.low] > m[:, self.high]) & voiced
        high = ~low & voiced
        out = np.zeros((t, 2, OUT_DIM), dtype=np.float32)
        first, second = (low, high) if self.count % 2 == 0 else (high, low)
        out[:, 0, OUT_SPEAKING] = first
        out[:, 1, OUT_SPEAKING] = second
        self.count += 1
        return out


def test_roles_stay_with_their_voices_across_windows() -> None:
    x = _dialogue(75.0)
    n = 75 * 50
    cond = np.zeros((n, 2, spec.COND_DIM), np.float32)
    latent = np.zeros((n, 2, 4), np.float32)
    rt = SwappingRuntime()
    out = windowing.run_windows(
        rt, x, n, cond, windowing.first_voice_anchor(x, n), latent, windowing.WindowPlan(core=1000)
    )
    assert rt.count >= 3
    t = np.arange(n) / 50.0
    turn = np.floor((t - 0.5) / 2.0)
    inside = ((t - 0.5) % 2.0 > 0.2) & ((t - 0.5) % 2.0 < 1.4) & (t > 0.5) & (t < 74.5)
    low_voice = inside & (turn % 2 == 0)
    high_voice = inside & (turn % 2 == 1)
    assert out[low_voice, 0, OUT_SPEAKING].mean() > 0.95  # the first voice is A everywhere
    assert out[high_voice, 1, OUT_SPEAKING].mean() > 0.95
    assert out[low_voice, 1, OUT_SPEAKING].mean() < 0.05


def test_first_voice_anchor_marks_the_first_speech() -> None:
    x = _dialogue(6.0)
    n = 300
    a = windowing.first_voice_anchor(x, n, role=0)
    known = np.flatnonzero(a[:, 0, 0])
    assert 20 <= known[0] <= 30  # speech starts at 0.5 s = frame 25
    assert 10 <= len(known) <= 50
    assert np.all(a[known, 0, 1] == 1) and np.all(a[known, 1, 1] == 0)
    b = windowing.first_voice_anchor(x, n, role=1)
    assert np.all(b[known, 1, 1] == 1)
    assert not windowing.first_voice_anchor(np.zeros(16000), 50).any()


def test_first_voice_is_speech_not_the_noise_floor_before_it() -> None:
    """A noise bed 20 dB under the voices (room tone, a fan) is not the first voice: the anchor
    starts where speech does, so the first speaker is not swapped for the noise."""
    x = _dialogue(6.0)
    rng = np.random.default_rng(1)
    voice_rms = float(np.sqrt(np.mean(x[x != 0] ** 2)))
    noisy = (x + rng.normal(scale=voice_rms * 0.1, size=len(x))).astype(np.float32)
    n = 300
    voiced = windowing.voiced_frames(noisy, n)
    assert not voiced[:20].any()  # 0-0.4 s: noise only
    assert voiced[25:40].mean() > 0.8  # the first voice from 0.5 s
    known = np.flatnonzero(windowing.first_voice_anchor(noisy, n, role=0)[:, 0, 0])
    assert 20 <= known[0] <= 30
    # Without the noise-floor margin the noise itself would have been voiced from frame 0.
    level = windowing.frame_energy_db(noisy, n)
    assert (level[:20] > np.percentile(level, 98) - 30.0).all()


@pytest.mark.parametrize("kind", ["breath", "line noise", "rumble"])
def test_a_noise_burst_before_the_first_word_does_not_take_the_first_voice(kind: str) -> None:
    """A loud non-speech sound before the first word (a breath, a click of line noise, a swell of
    rumble) clears the energy VAD; the seed still starts on the first voice, which is pitched."""
    x = _dialogue(6.0)
    rng = np.random.default_rng(2)
    voice_rms = float(np.sqrt(np.mean(x[x != 0] ** 2)))
    burst = rng.normal(size=int(0.3 * 16000))
    if kind == "breath":  # broad noise, softer
        burst = np.convolve(burst, np.ones(4) / 4, mode="same") * 0.3
    elif kind == "rumble":  # low-passed: correlated at short lags, but with no period
        burst = np.cumsum(burst)
        burst -= np.convolve(burst, np.ones(400) / 400, mode="same")
    burst *= voice_rms * (0.5 if kind == "line noise" else 0.3) / np.sqrt(np.mean(burst**2))
    noisy = x.copy()
    noisy[int(0.05 * 16000) : int(0.05 * 16000) + len(burst)] += burst.astype(np.float32)
    n = 300
    voiced = windowing.voiced_frames(noisy, n)
    assert voiced[4:15].any()  # the burst passes the energy VAD ...
    known = np.flatnonzero(windowing.first_voice_anchor(noisy, n, role=0)[:, 0, 0])
    assert 20 <= known[0] <= 30  # ... but the seed starts on the voice at 0.5 s


def _breathy_dialogue(seconds: float = 6.0, rate: int = 16000, seed: int = 3) -> np.ndarray:
    """Three turns whose voice is pitched only in short bursts between hiss (heavy noise, a
    breathy voice): A's turns are periodic on about a quarter of their frames, B's on half."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    x = np.zeros_like(t)
    for k, (start, hiss) in enumerate([(0.5, 0.23), (2.5, 0.1), (4.5, 0.23)]):
        turn = (t >= start) & (t < start + 1.6)
        pitched = turn & (((t - start) % (0.1 + hiss)) < 0.1)
        x[pitched] = 0.2 * np.sign(np.sin(2 * np.pi * (110.0 if k % 2 == 0 else 220.0) * t[pitched]))
        x[turn & ~pitched] = rng.normal(scale=0.12, size=int((turn & ~pitched).sum()))
    return (x + rng.normal(scale=1e-3, size=len(x))).astype(np.float32)


def test_the_first_voice_of_a_take_seldom_periodic_is_still_the_first_turn() -> None:
    """In a take whose voices are seldom periodic, the first turn is below the fixed share that
    tells speech from noise; measured against the take's own share it is speech, and the seed
    stays on it instead of moving to the partner's more periodic turn (a role swap)."""
    x = _breathy_dialogue()
    n = 300
    voiced = windowing.voiced_frames(x, n)
    first = windowing._stretches(voiced, windowing.SEED_GAP_FRAMES)[0]
    frames = np.arange(*first)[voiced[first[0] : first[1]]]
    share = (windowing.periodicity(x, frames) > windowing.PERIODIC_MIN).mean()
    assert share < windowing.SEED_PERIODIC_SHARE  # the fixed rule alone would skip A's turn
    known = np.flatnonzero(windowing.first_voice_anchor(x, n, role=0)[:, 0, 0])
    assert 20 <= known[0] <= 30 and known[-1] < 110  # on A's turn (0.5-2.1 s), not B's at 2.5 s


def test_swap_and_range_put_the_first_voice_on_the_chosen_role(monkeypatch) -> None:
    from duet.model import generation

    seen = []

    def fake_run(rt, x, n, cond, anchor, latent, plan=None, progress=None, take_features=None):
        seen.append(anchor.copy())
        out = np.zeros((n, 2, OUT_DIM), np.float32)
        out[:, :, OUT_SPEAKING] = anchor[:, :, 1]
        return out

    monkeypatch.setattr(generation.windowing, "run_windows", fake_run)
    x = _dialogue(6.0)
    first = windowing.first_voice_anchor(x, 300)
    seed = np.flatnonzero(first[:, 0, 0])
    generate(x, 16000, weights=TINY)
    assert np.all(seen[-1][seed, 0, 1] == 1) and np.all(seen[-1][seed, 1, 1] == 0)
    generate(x, 16000, weights=TINY, roles="swap")
    assert np.all(seen[-1][seed, 1, 1] == 1) and np.all(seen[-1][seed, 0, 1] == 0)
    generate(x, 16000, weights=TINY, roles=(2.6, 4.0))  # the second voice's turn: A there
    anchor = seen[-1]
    assert np.all(anchor[135:190, 0, 1] == 1) and np.all(anchor[135:190, 1, 1] == 0)
    with pytest.raises(InputError, match="holds no voice"):
        generate(x, 16000, weights=TINY, roles=(2.2, 2.45))  # a pause
    stems = np.stack([x, x], axis=1)
    generate(stems, 16000, stems=True, weights=TINY)
    assert not seen[-1].any()  # stems: the channels say who is who
    # One voice (a monologue): every voiced frame is that character's, whatever the voices sound like.
    voiced = windowing.voiced_frames(x, 300)
    for role, r in (("A", 0), ("b", 1)):
        generate(x, 16000, weights=TINY, roles=role)
        anchor = seen[-1]
        assert np.array_equal(anchor[:, 0, 0] > 0, voiced)
        assert np.all(anchor[voiced, r, 1] == 1) and not anchor[:, 1 - r, 1].any()


def test_a_take_of_one_voice_given_to_one_character_never_gives_the_other_a_line() -> None:
    x = _dialogue(6.0)
    perf = generate(x, 16000, fps=50, roles="B")
    voiced = windowing.voiced_frames(x, perf.n_frames)
    assert float(np.max(perf.speaking["A"])) < 0.5
    assert np.mean(perf.speaking["B"][voiced] > 0.5) > 0.9


def test_diarization_splits_two_voices_around_the_anchor() -> None:
    from duet.model import diarization

    n = 400
    rng = np.random.default_rng(0)
    va, vb = np.eye(8)[0], np.eye(8)[1]
    truth = np.full(n, -1)
    truth[20:120] = 1  # B speaks first here ...
    truth[140:260] = 0
    truth[280:380] = 1
    emb = np.zeros((n, 8))
    emb[truth == 0] = va
    emb[truth == 1] = vb
    emb += rng.normal(scale=0.3, size=emb.shape)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    voiced = truth >= 0
    seed = np.zeros((n, 2, 2), np.float32)
    seed[20:40, :, 0] = 1  # ... and the user says that first voice is B
    seed[20:40, 1, 1] = 1
    anchor, info = diarization.assign_roles(emb.astype(np.float32), voiced, seed)
    assert info["voices"] == 2
    known = anchor[:, 0, 0] > 0
    assert known[voiced].mean() > 0.9 and not known[~voiced].any()
    said_b = anchor[:, 1, 1] > 0.5
    assert (said_b[known] == (truth[known] == 1)).mean() > 0.97
    # One voice only: everything goes to the anchored role.
    one = np.tile(va, (n, 1)) + rng.normal(scale=0.2, size=(n, 8))
    one /= np.linalg.norm(one, axis=1, keepdims=True)
    anchor, info = diarization.assign_roles(one.astype(np.float32), voiced, seed)
    assert info["voices"] == 1 and np.all(anchor[voiced, 1, 1] == 1) and not anchor[:, 0, 1].any()


@pytest.mark.slow
def test_features_computed_once_for_the_take_change_nothing() -> None:
    """perform() computes the take's features once for the voice vectors, the prints and every
    window; the parts given them give what they give computing their own."""
    from duet.model import diarization, features
    from duet.model.generation import get_runtime

    x = _dialogue(70.0)  # longer than a voice-track chunk and a window
    n = features.n_model_frames(len(x))
    _, rt = get_runtime("numpy", TINY)
    take = features.stream_features(x, 0, n)
    np.testing.assert_array_equal(
        diarization.voice_track(rt, x, n, take[0]), diarization.voice_track(rt, x, n)
    )
    cond = np.zeros((n, 2, rt.cfg.cond_dim), np.float32)
    anchor = windowing.first_voice_anchor(x, n, role=0)
    latent = np.zeros((n, 2, rt.cfg.n_latent), np.float32)
    np.testing.assert_array_equal(
        windowing.run_windows(rt, x, n, cond, anchor, latent, take_features=take),
        windowing.run_windows(rt, x, n, cond, anchor, latent),
    )


def test_ten_minute_take_runs_in_bounded_memory() -> None:
    import tracemalloc

    x = _dialogue(600.0)
    tracemalloc.start()
    perf = generate(x, 16000, weights=TINY, fps=30)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert perf.n_frames == 18000
    # Audio (38 MB) and 50 fps outputs dominate; one window's work adds little. The take holds two
    # voices (split with the prints: their frame prints and joined vectors, 30 and 35 MB) and both
    # mouths are read: 207 MB traced on the 2-core host (docs/MODEL.md "The lip reader", Cost).
    assert peak < 240e6, peak


def test_staging_text_reaches_the_network_and_the_solve(monkeypatch) -> None:
    """With a stand-in staging module: conditioning goes into the network, solve() shapes the result."""
    import sys
    import types

    from duet.model import generation

    calls: dict = {}

    class Targets:
        def __init__(self, n: int) -> None:
            self.conditioning = np.zeros((n, 2, spec.COND_DIM), np.float32)
            self.conditioning[:, 0, spec.COND_HEAD_ACTIVE] = 1.0
            self.conditioning[:, 0, spec.COND_HEAD_YAW] = 40.0 / spec.ANGLE_SCALE

    class Script:
        def issues_beyond(self, duration_s: float) -> list:
            return []

        def to_targets(self, n_frames: int, fps: float) -> Targets:
            calls["to_targets"] = (n_frames, fps)
            return Targets(n_frames)

    def parse(text: str, names=None, *, fps=None, first_frame=0) -> Script:
        calls["parse_frames"] = (fps, first_frame)
        if "nonsense" in text:
            raise ValueError("line 1: 'nonsense' is not a direction; write e.g. 'A faces left'")
        calls["parse"] = (text, names)
        return Script()

    def solve(perf, targets):
        calls["solve"] = True
        perf.head["A"][:, 0] = 40.0
        return perf

    fake = types.ModuleType("duet.model.staging")
    fake.parse, fake.solve = parse, solve
    monkeypatch.setitem(sys.modules, "duet.model.staging", fake)
    # `from . import staging` reads the package attribute once the real module was imported.
    monkeypatch.setattr(duet_model, "staging", fake, raising=False)
    seen = {}
    real_run = generation.windowing.run_windows

    def spy(rt, x, n, cond, anchor, latent, plan=None, progress=None, take_features=None):
        seen["cond"] = cond
        return real_run(rt, x, n, cond, anchor, latent, plan, progress, take_features)

    monkeypatch.setattr(generation.windowing, "run_windows", spy)
    perf = generate(_dialogue(2.0), 16000, staging="A faces left.", names={"Ann": "A"}, fps=25, weights=TINY)
    assert calls["parse"] == ("A faces left.", {"Ann": "A"})
    assert calls["to_targets"] == (100, spec.NATIVE_FPS)
    assert seen["cond"][:, 0, spec.COND_HEAD_YAW].max() == pytest.approx(40.0 / spec.ANGLE_SCALE)
    assert calls["solve"] and np.allclose(perf.head["A"][:, 0], 40.0)
    with pytest.raises(InputError, match="staging text: line 1"):
        generate(_dialogue(1.0), 16000, staging="nonsense", weights=TINY)


def test_progress_rises_to_one_and_can_stop_the_run() -> None:
    """generate() reports progress window by window (the Generate operator's bar), and an
    exception raised from the callback stops the work (its cancel)."""
    x = _dialogue(75.0)
    seen: list[float] = []
    generate(x, 16000, weights=TINY, progress=seen.append)
    assert len(seen) >= 4  # diarization, three windows, the end
    assert seen == sorted(seen)
    assert 0.0 < seen[0] < 0.5 and seen[-1] == 1.0

    class Stop(Exception):
        pass

    calls: list[float] = []

    def stop_midway(fraction: float) -> None:
        calls.append(fraction)
        if fraction > 0.3:
            raise Stop

    with pytest.raises(Stop):
        generate(x, 16000, weights=TINY, progress=stop_midway)
    assert calls[-1] < 1.0


def test_staging_past_the_end_of_the_audio_is_named_in_the_notes() -> None:
    x = _dialogue(3.0)
    perf = generate(x, 16000, fps=24, weights=TINY, staging="A faces left\nB nods at 5s\nA looks up at f100")
    late = [note for note in perf.notes if "after the audio ends" in note]
    assert len(late) == 2, perf.notes
    assert late[0].startswith("staging line 2, col 1") and "'B nods'" in late[0]
    assert "line 3" in late[1]
    inside = generate(x, 16000, fps=24, weights=TINY, staging="B nods at 2s").notes
    assert not [note for note in inside if note.startswith("staging")], inside
