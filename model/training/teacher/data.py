"""Inputs and outputs of the teacher."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ... import spec
from ...pose import world_gaze

SEGMENT_KINDS = ("turn", "backchannel", "laugh")


class TeacherInputError(ValueError):
    """Bad input to the teacher; the message names the problem and the fix."""


@dataclass
class RoleSpeech:
    """One role's speech in a clip: phones (seconds from the clip start) and its own stem.

    ``stem`` may be None (e.g. reference phones of a real recording without a clean
    stem): loudness and pitch are then estimated from the phones. ``segments`` may be
    empty: turns are then inferred from the phones.
    """

    phone_ipa: np.ndarray  # (P,) <U8 IPA
    phone_start: np.ndarray  # (P,) float seconds
    phone_end: np.ndarray
    phone_stress: np.ndarray  # (P,) int 0/1/2
    stem: np.ndarray | None = None  # float32 mono SAMPLE_RATE, this role's clean speech
    segments: list[tuple[float, float, str]] = field(default_factory=list)

    def validated(self, role: str) -> RoleSpeech:
        """Return a copy with normalised dtypes, or raise TeacherInputError."""
        ipa = np.asarray(self.phone_ipa).astype(str)
        start = np.asarray(self.phone_start, dtype=np.float64).reshape(-1)
        end = np.asarray(self.phone_end, dtype=np.float64).reshape(-1)
        stress = np.asarray(self.phone_stress if self.phone_stress is not None else np.zeros(len(ipa)))
        stress = stress.astype(np.int64).reshape(-1)
        n = len(ipa)
        if not (len(start) == len(end) == len(stress) == n):
            raise TeacherInputError(
                f"role {role}: phone_ipa, phone_start, phone_end and phone_stress must have the same "
                f"length (got {n}, {len(start)}, {len(end)}, {len(stress)}); pass one entry per phone"
            )
        if n and (not np.all(np.isfinite(start)) or not np.all(np.isfinite(end))):
            raise TeacherInputError(f"role {role}: phone times must be finite seconds; drop NaN/inf phones")
        if n and np.any(end < start):
            bad = int(np.flatnonzero(end < start)[0])
            raise TeacherInputError(
                f"role {role}: phone {bad} ({ipa[bad]!r}) ends before it starts "
                f"({start[bad]:.3f} > {end[bad]:.3f} s); fix the phone timings"
            )
        order = np.argsort(start, kind="stable")
        stem = None
        if self.stem is not None:
            stem = np.asarray(self.stem, dtype=np.float32)
            if stem.ndim != 1:
                raise TeacherInputError(
                    f"role {role}: stem must be mono 1-D float audio at {spec.SAMPLE_RATE} Hz "
                    f"(got shape {stem.shape}); pass this role's own channel"
                )
        segments = []
        for seg in self.segments:
            if len(seg) != 3 or seg[2] not in SEGMENT_KINDS:
                raise TeacherInputError(
                    f"role {role}: segment {seg!r} must be (start, end, kind) with kind in {SEGMENT_KINDS}"
                )
            s, e = float(seg[0]), float(seg[1])
            if not (np.isfinite(s) and np.isfinite(e)) or e < s:
                raise TeacherInputError(f"role {role}: segment {seg!r} needs finite start <= end seconds")
            segments.append((s, e, str(seg[2])))
        segments.sort(key=lambda x: x[0])
        return RoleSpeech(ipa[order], start[order], end[order], stress[order], stem, segments)


@dataclass
class TeacherOutput:
    """Per-frame teacher targets for both roles (role axis: A, B)."""

    blendshapes: np.ndarray  # (F, 2, 52) float32 0..1, spec.ARKIT_NAMES order
    head: np.ndarray  # (F, 2, 3) yaw/pitch/roll degrees from the rest pose
    gaze: np.ndarray  # (F, 2, 2) yaw/pitch degrees in the HEAD frame
    speaking: np.ndarray  # (F, 2) float32 0/1
    events: dict[str, np.ndarray]  # see teach.EVENT_KEYS
    fps: float = spec.NATIVE_FPS

    @property
    def n_frames(self) -> int:
        return int(self.blendshapes.shape[0])

    @property
    def gaze_world(self) -> np.ndarray:
        """(F, 2, 2) where each role looks, yaw/pitch from the rest pose: the eye-in-head
        gaze turned by the head (exact composition, as the bake does it)."""
        out = np.zeros(self.gaze.shape, dtype=np.float64)
        for r in range(self.gaze.shape[1]):
            out[:, r] = world_gaze(self.head[:, r].astype(np.float64), self.gaze[:, r].astype(np.float64))
        return out
