"""Procedural performance teacher: per-frame targets for both roles of a dialogue clip.

    from duet.model.training.teacher import RoleSpeech, teach
    out = teach(role_a, role_b, n_frames=F, conditioning=cond, seed=7)

Every rule and number, with its source, is in docs/TEACHER.md.
"""

from __future__ import annotations

from ...lips.visemes import APERTURE_CLOSED, lip_aperture
from .checks import Check, combine, format_checks, teacher_checks
from .data import RoleSpeech, TeacherInputError, TeacherOutput
from .teach import EVENT_KEYS, from_reference_phones, teach

__all__ = [
    "APERTURE_CLOSED",
    "EVENT_KEYS",
    "Check",
    "RoleSpeech",
    "TeacherInputError",
    "TeacherOutput",
    "combine",
    "format_checks",
    "from_reference_phones",
    "lip_aperture",
    "teach",
    "teacher_checks",
]
