"""Blender-side work that runs without the UI: the ``duet demo`` and ``duet preview`` commands,
rendering a baked shot (``duet bake --render``, ``duet batch``), and the preview renders and sheets.
Nothing here is called by an operator or a panel."""
