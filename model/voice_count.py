"""The voice counter: how many voices (none, one, two at once) each 50 fps frame of a mix holds.

The role clustering (diarization.py) gives every voiced frame of a mix to one role: its voice
vectors and prints follow the louder voice where two speak at once, and the anchor then tells
the network that the partner is silent, so overlaps and backchannels lost the second speaker
(docs/EVAL.md "Session 13"). The voice counter is a frame classifier over the mix's sound
(frame_classifier.py) trained on the corpora's mixes with the count of speaking roles as labels
(model/training/lip_reader_train.py --labels voices); where it hears two voices, the anchor is
left unknown and the network decides who speaks, as it learned to where the anchor says nothing.
Its weights ship in their own .npz (no pickles). Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .frame_classifier import FrameClassifier

N_CLASSES = 3
NOBODY, ONE, TWO = range(N_CLASSES)
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "assets" / "duet_voice_count.npz"


class VoiceCountError(ValueError):
    """A voice-counter weights file that cannot be used."""


@dataclass(frozen=True)
class VoiceCounter(FrameClassifier):
    """The voice counter's weights (frame_classifier.FrameClassifier, N_CLASSES outputs)."""

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> VoiceCounter:
        return cls(cls.read_params(path, N_CLASSES, "voice-counter", VoiceCountError))

    def two_voices(
        self, audio16k: np.ndarray, voiced: np.ndarray, log_mel: np.ndarray | None = None
    ) -> np.ndarray:
        """(F,) the probability that two voices speak at once in each frame of a mono take."""
        return self.probabilities(audio16k, voiced, log_mel)[:, TWO]


def shipped(path: str | Path = DEFAULT_PATH) -> VoiceCounter | None:
    """The bundled voice counter, read once per file version; None in a build without it."""
    return VoiceCounter.cached(path) if Path(path).exists() else None
