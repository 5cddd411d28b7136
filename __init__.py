"""Duet: two-character dialogue animation from one voice-over.

As a Blender extension this package registers its operators and panels.
Outside Blender it is the importable package ``duet`` (pure core under
``duet.model``); importing it never imports bpy.
"""

from __future__ import annotations


def register() -> None:
    from .addon import registration

    registration.register()


def unregister() -> None:
    from .addon import registration

    registration.unregister()
