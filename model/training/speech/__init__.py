"""Speech with exact phone timings for the synthetic corpus (festival and espeak-ng).

    from duet.model.training.speech import Synthesizer, available_voices
    voices = available_voices("es")            # installed voices, e.g. espeak:es+f3
    with Synthesizer() as synth:               # keeps festival / espeak-ng alive
        utt = synth.synthesize("¿Qué tal?", voices[0], rate=1.1, pitch=-2)
    utt.audio      # float32 mono, 16 kHz (spec.SAMPLE_RATE)
    utt.phones     # [Phone(ipa, start, end, stress)], tiling the audio, "_" = silence
    utt.words      # [(word, start, end)]

Phones are canonical IPA (``speech.ipa``), the same inventory for every
backend and language; ``speech.ipa.classify`` gives each phone its lip class.
Needs the Debian packages festival, festvox-kallpc16k, festvox-kdlpc16k,
festvox-us-slt-hts, espeak-ng and libespeak-ng1 (tools/setup.sh); nothing is
installed or downloaded at run time. See docs/SPEECH.md.
"""

from __future__ import annotations

from . import ipa
from .synth import TIMING_OFFSET_S, Synthesizer, synthesize, timing_group
from .types import Phone, SpeechError, Utterance, Voice
from .voices import LANGUAGES, available_voices, backend_available, parse_voice

__all__ = [
    "LANGUAGES",
    "TIMING_OFFSET_S",
    "Phone",
    "SpeechError",
    "Synthesizer",
    "Utterance",
    "Voice",
    "available_voices",
    "backend_available",
    "ipa",
    "parse_voice",
    "synthesize",
    "timing_group",
]
