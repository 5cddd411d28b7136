"""Tell a stereo file with one actor per channel from an ordinary stereo mix.

A dialogue recorded as stems has each voice mostly in one channel: frames
where one channel is loud and the other near silent are common on both
sides. A stereo mix has both channels active together (and often nearly
identical). Pure numpy, used by the panel to offer stems mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StemReport:
    likely_stems: bool
    correlation: float  # of the two channels' samples
    exclusive_a: float  # share of channel 0's active frames where channel 1 is quiet
    exclusive_b: float
    reason: str


def analyse_stereo(audio: np.ndarray, sample_rate: int, *, frame_seconds: float = 0.02) -> StemReport:
    """Judge whether a (samples, 2) array holds one actor per channel."""
    if audio.ndim != 2 or audio.shape[1] != 2:
        return StemReport(False, 1.0, 0.0, 0.0, "not a two-channel file")
    hop = max(1, int(round(sample_rate * frame_seconds)))
    n = (audio.shape[0] // hop) * hop
    if n == 0:
        return StemReport(False, 1.0, 0.0, 0.0, "too short to judge")
    x = np.asarray(audio[:n], dtype=np.float64)
    a, b = x[:, 0], x[:, 1]
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    corr = float((a * b).sum() / denom) if denom > 0 else 1.0
    energy = (x.reshape(-1, hop, 2) ** 2).mean(axis=1)
    level = 10.0 * np.log10(energy + 1e-12)
    peak = level.max(axis=0)
    active = level > (peak - 35.0)[None, :]  # within 35 dB of each channel's peak
    quiet = level < (peak - 45.0)[None, :]

    def share(ch: int) -> float:
        act = active[:, ch]
        return float((act & quiet[:, 1 - ch]).sum() / max(1, act.sum()))

    ex_a, ex_b = share(0), share(1)
    if corr > 0.95:
        return StemReport(False, corr, ex_a, ex_b, "both channels carry the same signal (a stereo mix)")
    if ex_a > 0.2 and ex_b > 0.2:
        return StemReport(True, corr, ex_a, ex_b, "each channel speaks while the other is quiet")
    return StemReport(False, corr, ex_a, ex_b, "the channels are active together (a stereo mix)")
