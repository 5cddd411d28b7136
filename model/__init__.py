"""Pure core: audio features, the dual-stream network, its runtimes, staging.

Nothing under this package imports bpy.
"""

from __future__ import annotations

from .performance import Performance
from .spec import ARKIT_NAMES, ROLES

__all__ = ["ARKIT_NAMES", "ROLES", "Performance", "generate"]


def generate(audio, sample_rate, **kwargs):
    """Generate a two-character performance; see duet.model.generation.generate."""
    from .generation import generate as _generate

    return _generate(audio, sample_rate, **kwargs)
