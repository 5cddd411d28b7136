"""Lips: IPA phones -> coarticulated ARKit mouth shapes (numpy only; no torch, scipy or bpy).

The procedural teacher (model/training/teacher) builds its mouth from these
modules, and script-assisted takes use them at run time.
"""

from __future__ import annotations
