"""Blender glue. Imports bpy.

Top level: registration, the scene settings, building the stage, reading voice-overs, the
Generate flow, baking performances into takes, the takes' markers and script lines.
headless/: work that runs without the UI (the demo and preview commands, rendering a baked
shot, preview renders). export/: takes leaving Blender (glTF export, plain actions for other
exporters).
"""
