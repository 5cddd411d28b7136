"""On stems each stem is its character: a script line never overrides a stem's own voice activity
(model/script/take.py speaking_over_lines and the anchor, model/script/placement.py)."""

from __future__ import annotations

import numpy as np

from duet.model import spec
from duet.model.script import parse_script, take
from duet.model.script import placement as pl

FPS = pl.FPS
RATE = 16000


def _stems(turns, seconds: float) -> np.ndarray:
    """(S, 2): a buzz on the role's own stem for each (role, start, seconds, level)."""
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * RATE)) / RATE
    x = 1e-3 * rng.standard_normal((len(t), 2))
    for role, start, dur, level in turns:
        seg = (t >= start) & (t < start + dur)
        x[seg, role] += level * np.sign(np.sin(2 * np.pi * (120.0 if role == 0 else 210.0) * t[seg]))
    return x.astype(np.float32)


def _words(n: int) -> str:
    return " ".join(["tak", "mu", "re", "zo"][k % 4] for k in range(n))


# A speaks 0.5-3.5 s with a pause at 1.7-2.4 s; B laughs (not in the script) at 2.8-3.2 s on its
# own stem; then B's line 5.5-7.5 s and A's 8.0-10.0 s.
TURNS = [(0, 0.5, 1.2, 0.2), (0, 2.4, 1.1, 0.2), (1, 2.8, 0.4, 0.2), (1, 5.5, 2.0, 0.2), (0, 8.0, 2.0, 0.2)]
SCRIPT = f"A: {_words(14)}\nB: {_words(12)}\nA: {_words(12)}\n"


def _frames(start: float, end: float) -> slice:
    return slice(int(round(start * FPS)), int(round(end * FPS)))


def _aligned():
    x = _stems(TURNS, 10.5)
    aligned = take.align_script(parse_script(SCRIPT), x, None, phones=False)
    assert aligned.anchor is not None and len(aligned.lines) == 3, aligned.notes
    first = min(aligned.lines, key=lambda t: t.start)
    assert first.role == "A" and first.start < 0.7 and first.end > 3.3, first  # the line spans the laugh
    assert all(t.start > 5.0 for t in aligned.lines if t.role == "B")  # and B's line does not
    return x, aligned


def test_a_line_never_silences_the_partners_own_stem():
    """B's unscripted laugh inside A's line is B speaking (before: the line made B silent there)."""
    _, aligned = _aligned()
    n = aligned.anchor.shape[0]
    network = {r: np.zeros(n, np.float32) for r in spec.ROLES}
    speaking = take.speaking_over_lines(network, aligned, FPS)
    assert (speaking["B"][_frames(2.85, 3.15)] > 0.5).all()
    assert (speaking["A"][_frames(2.85, 3.15)] > 0.5).all()  # A speaks on through the laugh
    # The anchor tells the network the same: B's laugh is not marked silent.
    assert (aligned.anchor[_frames(2.85, 3.15), 1, 1] > 0.5).all()


def test_a_line_never_makes_a_character_speak_over_its_own_stems_silence():
    """A's 0.7 s pause inside its line is silence on its stem: A does not speak there (before: the
    whole line was speech). Pauses under SPEAKING_BRIDGE_S still count as speech."""
    _, aligned = _aligned()
    n = aligned.anchor.shape[0]
    network = {r: np.ones(n, np.float32) for r in spec.ROLES}
    speaking = take.speaking_over_lines(network, aligned, FPS)
    assert (speaking["A"][_frames(1.8, 2.3)] < 0.5).all()
    assert (speaking["A"][_frames(0.6, 1.6)] > 0.5).all()
    assert (speaking["B"][_frames(0.6, 1.6)] < 0.5).all()  # the line still knows B is silent here


def test_bleed_of_the_other_stem_is_not_its_characters_voice():
    """Where a stem only holds the other character 25 dB down (a second microphone in the room),
    it is not that character speaking, though an energy VAD hears voice there."""
    turns = [(0, 0.5, 2.0, 0.3), (1, 0.5, 2.0, 0.3 * 10 ** (-25 / 20)), (1, 3.0, 1.5, 0.3)]
    x = _stems(turns, 5.0)
    n = pl.FPS * 5
    voiced = np.stack([take.windowing.voiced_frames(x[:, r], int(n)) for r in range(2)], axis=1)
    assert voiced[_frames(0.7, 2.3), 1].all()
    own = take.stem_voice(voiced, take.stem_evidence(x, int(n)))
    assert own[_frames(0.7, 2.3), 0].all()
    assert not own[_frames(0.7, 2.3), 1].any()
    assert own[_frames(3.2, 4.3), 1].all()
