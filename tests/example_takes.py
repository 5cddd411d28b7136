"""Blender test helpers around the bundled example dialogue: a cut of its audio, the pair of
heads saved as a .blend, and a take's turn markers."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_AUDIO = ROOT / "assets" / "example_dialogue.flac"


def example_cut(path: Path, seconds: float) -> Path:
    """The example's first ``seconds`` as a mono 16-bit WAV: Mara (A) speaks 0.56-3.2 s, Theo (B)
    from 3.6 s; 0-0.5 s is the room before the first word."""
    from duet.addon import audio

    voice = audio.read_audio(EXAMPLE_AUDIO, channels=1)
    samples = voice.samples[: int(seconds * voice.sample_rate)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(voice.sample_rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def pair_blend(bpy, path: Path) -> Path:
    """An empty scene with the Duet pair, Mara (A) and Theo (B), saved as ``path``."""
    from duet.addon import stage

    bpy.ops.wm.read_homefile(use_empty=True)
    stage.build_dialogue_pair(bpy.context.scene)
    path.parent.mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(path), check_existing=False)
    return path


def turns(bpy, take: int) -> list[tuple[int, str]]:
    """(frame, name) of a take's turn markers ('Duet 2: Mara speaks'), in frame order."""
    prefix = f"Duet {take}: "
    return sorted(
        (m.frame, m.name[len(prefix) : -len(" speaks")])
        for m in bpy.context.scene.timeline_markers
        if m.name.startswith(prefix) and m.name.endswith(" speaks")
    )
