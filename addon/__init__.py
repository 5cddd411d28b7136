"""Blender glue: registration, scene building, baking. Imports bpy."""
