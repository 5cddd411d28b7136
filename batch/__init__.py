"""Batch support, pure Python (no bpy): job files, path safety, atomic
writes, progress and summaries for ``duet bake`` / ``duet batch``.

The Blender side (opening files, baking, rendering) lives in
``duet.addon.headless.commands`` and ``duet.addon.headless.batch_runner``; everything here can be
tested, and used by farm tooling, without Blender.
"""
