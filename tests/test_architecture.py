"""The pure core never imports bpy; the package imports without Blender."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPY_PACKAGES = {"addon", "operators", "panels"}
SKIP = {".venv", ".venv313", "tests", "tools", ".git", "dist", "wheels", "corpus", "runs", "out"}


BLENDER_MODULES = {"bpy", "aud", "bmesh", "mathutils", "gpu"}


def _imports_bpy(path: Path) -> bool:
    """Any import of Blender's modules: statements, and importlib.import_module / __import__ calls
    with the name written out (a string literal is the only way such a call names a module here)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in BLENDER_MODULES for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in BLENDER_MODULES:
            return True
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            target = node.args[0].value
            named = name in ("import_module", "__import__") and isinstance(target, str)
            if named and target.split(".")[0] in BLENDER_MODULES:
                return True
    return False


def test_only_blender_glue_imports_bpy() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP or rel.parts[0].startswith(".venv"):
            continue
        if rel.parts[0] in BPY_PACKAGES:
            continue
        if _imports_bpy(path):
            offenders.append(str(rel))
    # The CLI modules that drive Blender live in addon/; everything else is pure.
    assert offenders == [], f"these core modules import Blender's modules: {offenders}"


def test_core_imports_without_bpy() -> None:
    code = (
        "import sys; sys.modules['bpy'] = None\n"  # any import of bpy now fails loudly
        "import duet, duet.model, duet.model.spec, duet.model.performance, duet.cli\n"
        "print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "ok", proc.stderr
