"""Dialogue composer invariants: stems sum to the mix, who-speaks-when follows the phones,
role A speaks first, turn-taking statistics, determinism.

The fast tests drive the composer with FakeSpeech, a test double of the speech
synthesiser (letters -> phones, buzz/noise audio from the teacher's synthetic stems);
the `speech` tests use the real synthesiser.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

from duet.model import spec
from duet.model.lips import phones as ph
from duet.model.training import composer as C
from duet.model.training.teacher.synthetic import render_stem

SR = spec.SAMPLE_RATE
FPS = spec.NATIVE_FPS


# ------------------------------------------------------------------ test double (tests only)
@dataclass
class FakePhone:
    ipa: str
    start: float
    end: float
    stress: int = 0


@dataclass
class FakeUtterance:
    audio: np.ndarray
    phones: list[FakePhone]


_LETTER_PHONE = {"a": "a", "e": "e", "i": "i", "o": "o", "u": "u", "y": "i", "p": "p", "b": "b", "m": "m"}


def fake_speak(text: str, role: int, kind: str) -> FakeUtterance:
    """TEST DOUBLE of speech.synthesize: one phone per letter, silences tiling the rest."""
    rng = np.random.default_rng(zlib.crc32(f"{role}|{kind}|{text}".encode()))
    t = 0.12
    phones: list[FakePhone] = [FakePhone("_", 0.0, t)]
    for ch in text.lower():
        pause = 0.04 if ch == " " else 0.14 if ch in ",.?!" else 0.0
        if pause:
            phones.append(FakePhone("_", t, t + pause))
            t += pause
        elif ch.isalpha():
            ipa = _LETTER_PHONE.get(ch, "t")
            d = 0.09 if ph.is_vowel(ipa) else 0.06
            phones.append(FakePhone(ipa, t, t + d, int(ph.is_vowel(ipa))))
            t += d
    phones.append(FakePhone("_", t, t + 0.15))
    n = int(round((t + 0.15) * SR))
    spoken = [(p.ipa, p.start, p.end, p.stress) for p in phones if p.ipa != "_"]
    audio = render_stem(spoken, n, rng, base_f0=110.0 + 70.0 * role).astype(np.float32)
    return FakeUtterance(audio, phones)


def compose(seed: int, seconds: float | None = None, language: str = "en", partition: str = "train"):
    rng = np.random.default_rng(seed)
    target = C.sample_target_seconds(rng) if seconds is None else seconds
    return C.compose(rng, fake_speak, language=language, partition=partition, target_seconds=target)


# ------------------------------------------------------------------ invariants
def test_stems_sum_to_the_mix_exactly():
    for seed in range(4):
        d = compose(seed, 20.0)
        assert d.mix.dtype == np.float32 and d.stems.dtype == np.float32
        assert d.stems.shape == (len(d.mix), 2)
        assert np.array_equal(d.mix, d.stems.sum(axis=1, dtype=np.float32))
        assert np.max(np.abs(d.mix)) <= 0.9 + 1e-6
        assert np.max(np.abs(d.stems[:, 0])) > 0 and np.max(np.abs(d.stems[:, 1])) > 0


def _activity(stem: np.ndarray) -> np.ndarray:
    """Frames where the stem carries sound (10 ms RMS above -50 dB of its peak)."""
    hop = SR // 100
    n = len(stem) // hop
    rms = np.sqrt(np.mean(stem[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1))
    return rms > np.max(rms) * 10 ** (-50 / 20)


def test_who_speaks_when_matches_each_stems_phone_activity():
    for seed in (3, 11):
        d = compose(seed, 30.0)
        for r in range(2):
            ipa, start, end, _ = d.phones[r].arrays()
            assert len(ipa) and not any(ph.is_silence(p) for p in ipa)
            active = _activity(d.stems[:, r])
            t = (np.arange(len(active)) + 0.5) / 100.0
            # Sound only around own phones (and laughs): every active 10 ms frame lies
            # within a phone or laugh span widened by the kept lead/tail audio.
            spans = [(s, e) for s, e in zip(start, end, strict=True)]
            spans += [(s, e) for s, e, k in d.segments[r] if k == "laugh"]
            covered = np.zeros(len(t), dtype=bool)
            for s, e in spans:
                covered |= (t >= s - C.LEAD_S - 0.01) & (t <= e + C.TAIL_S + 0.01)
            assert np.all(
                covered[active]
            ), f"role {r}: stem sound outside its phones at {t[active & ~covered][:5]}"
            # Every phone has sound in its own stem.
            for s, e in spans[: len(start)]:
                i0, i1 = int(s * 100), max(int(s * 100) + 1, int(e * 100))
                assert np.any(active[i0:i1]), f"role {r}: silent phone at {s:.3f}-{e:.3f} s"
            # The stored speaking state is the phones' activity merged over short pauses.
            assert np.array_equal(d.speaking[:, r], C.speaking_mask(d.phones[r], d.n_frames))
            frames = (np.arange(d.n_frames) / FPS)[d.speaking[:, r]]
            in_phone = np.zeros(len(frames), dtype=bool)
            for s, e in spans[: len(start)]:
                in_phone |= (frames >= s - 1e-9) & (frames < e + 0.3)
            assert np.all(in_phone)


def test_role_a_speaks_first_and_roles_never_talk_over_themselves():
    for seed in range(12):
        d = compose(seed)
        assert C.first_sound(d, 0) < C.first_sound(d, 1)
        assert d.lines[0].role == 0
        for r in range(2):
            own = sorted((ln.start, ln.end) for ln in d.lines if ln.role == r)
            for (_, e0), (s1, _) in itertools.pairwise(own):
                assert s1 >= e0, f"role {r} overlaps itself at {s1:.2f} s"


def test_frame_count_and_segments():
    d = compose(5, 12.0)
    assert d.n_frames == int(np.ceil(len(d.mix) / SR * FPS - 1e-9))
    assert C.frame_count(SR) == 50 and C.frame_count(SR + 1) == 51 and C.frame_count(0) == 0
    assert d.speaking.shape == (d.n_frames, 2)
    for r in range(2):
        for s, e, kind in d.segments[r]:
            assert kind in ("turn", "backchannel", "laugh") and 0 <= s <= e <= d.seconds


def test_clip_lengths_are_fft_friendly():
    for n in (1, 7, 1000, 610013, 4_800_001):
        m = C.fft_friendly_length(n)
        assert n <= m <= n * 1.1 or m <= 8
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        assert k == 1
    d = compose(4, 9.0)
    assert len(d.mix) == C.fft_friendly_length(len(d.mix))


def test_durations_follow_the_target():
    lengths = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        target = C.sample_target_seconds(rng)
        assert 5.0 <= target <= 300.0
        lengths.append(target)
    lengths = np.array(lengths)
    assert 10 <= np.median(lengths) <= 60
    for seed, target in ((1, 5.0), (2, 40.0), (3, 12.0)):
        d = compose(seed, target)
        assert max(5.0, target - C.TARGET_SLACK_S) <= d.seconds <= target + 25.0
    # On average a clip lasts about its target (corpus minutes come out close to --minutes).
    ratio = [compose(50 + k, 30.0).seconds / 30.0 for k in range(12)]
    assert 0.9 <= np.mean(ratio) <= 1.15, np.mean(ratio)


def test_turn_taking_statistics_over_many_clips():
    """Gaps near +200 ms (Stivers et al. 2009), overlaps 5-15 % of speech, backchannels,
    interruptions, laughs and pauses all occur."""
    fto, both, anyone = [], 0, 0
    kinds: dict[str, int] = {}
    truncated = 0
    for seed in range(40):
        d = compose(100 + seed)
        fto += list(C.floor_transfer_offsets(d))
        b, a = C.overlap_fraction(d.speaking)
        both, anyone = both + b, anyone + a
        for ln in d.lines:
            kinds[ln.kind] = kinds.get(ln.kind, 0) + 1
        truncated += sum(ln.truncated for ln in d.lines)
    fto = np.array(fto)
    assert 0.1 <= np.median(fto) <= 0.3, np.median(fto)
    assert 0.1 <= np.mean(fto < 0) <= 0.45
    assert np.any(fto > 1.0)  # lapses
    assert 0.05 <= both / anyone <= 0.15, both / anyone
    for kind in ("question", "answer", "statement", "interjection", "backchannel", "laugh"):
        assert kinds.get(kind, 0) > 0, kind
    assert truncated > 0


def test_same_seed_same_bytes_other_seed_differs():
    a, b, c = compose(7, 15.0), compose(7, 15.0), compose(8, 15.0)
    assert a.stems.tobytes() == b.stems.tobytes() and a.mix.tobytes() == b.mix.tobytes()
    assert a.phones[0].arrays()[1].tobytes() == b.phones[0].arrays()[1].tobytes()
    assert a.lines == b.lines
    assert a.mix.tobytes() != c.mix.tobytes()


def test_other_languages_and_test_partition_compose():
    for lang in ("ja", "cmn", "de"):
        d = compose(1, 8.0, language=lang, partition="test")
        assert d.language == lang and d.seconds >= 8.0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="target_seconds"):
        C.compose(np.random.default_rng(0), fake_speak, language="en", partition="train", target_seconds=0)

    def mute(text, role, kind):
        return FakeUtterance(np.zeros(1600, np.float32), [FakePhone("_", 0.0, 0.1)])

    with pytest.raises(C.ComposerError, match="no phones"):
        C.compose(np.random.default_rng(0), mute, language="en", partition="train", target_seconds=5)
