"""One shot, from job file to bake: the record batch.jobfile builds (checked, absolute
paths) for each shot of a job file or for ``duet bake``'s options, and the one the bake
(duet.addon.headless.shot_bake) takes. The panel's Generate has no such files (its staging, script
and maps are text blocks of the open .blend): it builds addon.generate_flow.Plan instead."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RenderJob:
    """How to render a baked shot; None fields keep the .blend's own settings."""

    dir: Path
    format: str = "images"  # "images" (PNG sequence) or "video" (MP4 through Blender's FFmpeg)
    engine: str | None = None
    resolution: tuple[int, int] | None = None
    frames: tuple[int, int] | None = None

    def video_path(self, shot: str) -> Path:
        return self.dir / f"{shot}.mp4"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dir": str(self.dir),
            "format": self.format,
            "engine": self.engine,
            "resolution": list(self.resolution) if self.resolution else None,
            "frames": list(self.frames) if self.frames else None,
        }


@dataclass(frozen=True)
class Shot:
    """One shot, checked and with absolute paths: a unit of work with its own outputs."""

    name: str
    blend: Path  # input .blend (never overwritten)
    audio: tuple[Path, ...]  # one file (mixed or stereo stems) or two stem files (A, B)
    staging: Path | None  # staging text file
    character_a: str | None  # object or character names; None: the Duet pair of the scene
    character_b: str | None
    out: Path  # output .blend
    take: str | None = None  # label for the take ("Duet Take N: label")
    seed: int = 0
    stems: bool | None = None  # None: detect from the file
    fps: float | None = None  # None: the scene's
    weights: Path | None = None  # model weights .npz; None: the bundled model
    render: RenderJob | None = None
    # Retarget maps (.json) for A and B; None: the map picked in the .blend's Duet panel,
    # else the one detected from the shape-key names.
    retarget_a: Path | None = None
    retarget_b: Path | None = None
    script: Path | None = None  # the dialogue's lines (plain, Fountain, SubRip, WebVTT); None: none
    subtitles: Path | None = None  # where the placed lines go as .srt/.vtt; None: not written
    # Who is who on an audio-only take: "first" (A is the first voice heard), "swap" (B is),
    # "A" or "B" (one voice, that character's), or (start, end) seconds of the audio in which A
    # speaks (the panel's Swap A/B, Only A/B Speaks, A Speaks At).
    roles: str | tuple[float, float] = "first"
    # Without a script: the lips of the English words recognised in the audio (generate's
    # recognise_words).
    recognise_words: bool = False
    # The lip reader shapes the speaking mouth (generate's read_lips); False: the network's own.
    read_lips: bool = True
    # Mixed: where the voice counter hears two voices at once, the network decides who speaks
    # (generate's hear_overlaps); False: one speaks there, as the voices or the script say.
    hear_overlaps: bool = True

    @property
    def swap_roles(self) -> bool:
        return self.roles == "swap"

    @property
    def a_speaks(self) -> tuple[float, float] | None:
        return self.roles if isinstance(self.roles, tuple) else None

    @property
    def one_voice(self) -> str | None:
        """One voice: "A" or "B", the take holds that character's voice only; None: two voices."""
        return self.roles if self.roles in ("A", "B") else None

    def inputs(self) -> tuple[Path, ...]:
        optional = (self.staging, self.script, self.weights, self.retarget_a, self.retarget_b)
        return (self.blend, *self.audio, *(p for p in optional if p is not None))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "blend": str(self.blend),
            "audio": [str(p) for p in self.audio],
            "staging": str(self.staging) if self.staging else None,
            "a": self.character_a,
            "b": self.character_b,
            "out": str(self.out),
            "take": self.take,
            "seed": self.seed,
            "stems": self.stems,
            "fps": self.fps,
            "weights": str(self.weights) if self.weights else None,
            "retarget_a": str(self.retarget_a) if self.retarget_a else None,
            "retarget_b": str(self.retarget_b) if self.retarget_b else None,
            "render": self.render.to_dict() if self.render else None,
            "script": str(self.script) if self.script else None,
            "subtitles": str(self.subtitles) if self.subtitles else None,
            "roles": list(self.roles) if isinstance(self.roles, tuple) else self.roles,
            "recognise_words": self.recognise_words,
            "read_lips": self.read_lips,
            "hear_overlaps": self.hear_overlaps,
        }
