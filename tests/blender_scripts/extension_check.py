"""Install the built zip into a fresh bpy, enable, inspect, disable, uninstall.

Run in its own process (bpy registers once per process):
    python extension_check.py ZIP
Prints one JSON object with what it saw at each step.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

os.environ["BLENDER_USER_RESOURCES"] = tempfile.mkdtemp(prefix="duet-ext-check-")

import bpy  # noqa: I001 - after the environment is set

import addon_utils

# The fresh user folder and the extension installed in it (~250 MB with its bundled wheels) go at
# exit, or every run of the suite would leave one behind in /tmp.
atexit.register(shutil.rmtree, os.environ["BLENDER_USER_RESOURCES"], ignore_errors=True)

MODULE = "bl_ext.user_default.duet"


def duet_types() -> list[str]:
    return sorted(name for name in dir(bpy.types) if name.startswith("DUET_"))


def menu_functions() -> int:
    menu = bpy.types.VIEW3D_MT_add
    funcs = getattr(menu, "_dyn_ui_initialize", lambda: [])()
    return sum(1 for f in funcs if getattr(f, "__module__", "").startswith(MODULE))


def bundled_pocketsphinx_loads(user: str) -> bool:
    """The installed wheel's own copy (not this interpreter's) imports and loads its English model."""
    sites = [d for d, dirs, _f in os.walk(user) if d.endswith("site-packages") and "pocketsphinx" in dirs]
    if not sites:
        return False
    code = (
        "import os, sys; sys.path.insert(0, sys.argv[1]); import pocketsphinx as ps; "
        "assert ps.__file__.startswith(sys.argv[1]); m = ps.get_model_path(); "
        "ps.Decoder(hmm=os.path.join(m, 'en-us', 'en-us'), "
        "dict=os.path.join(m, 'en-us', 'cmudict-en-us.dict'), lm=None, loglevel='FATAL')"
    )
    return subprocess.run([sys.executable, "-c", code, sites[0]], capture_output=True).returncode == 0


def main(zip_path: str) -> None:
    report: dict[str, object] = {"blender": bpy.app.version_string, "types_before": duet_types()}
    result = bpy.ops.extensions.package_install_files(
        filepath=zip_path, repo="user_default", enable_on_install=True
    )
    report["install_result"] = sorted(result)
    report["enabled"] = MODULE in {m for m in bpy.context.preferences.addons.keys()}  # noqa: SIM118
    report["types_enabled"] = duet_types()
    report["scene_settings_enabled"] = hasattr(bpy.types.Scene, "duet")
    package = sys.modules[MODULE]
    report["types_declared"] = sorted(
        cls.__name__ for cls in (*package.operators.CLASSES, *package.panels.CLASSES)
    )
    report["menu_entries_enabled"] = menu_functions()
    # The bundled wheels land in the extensions' shared site-packages.
    user = os.environ["BLENDER_USER_RESOURCES"]
    report["bundled_packages"] = sorted(
        name
        for dirpath, dirnames, _files in os.walk(user)
        if dirpath.endswith("site-packages")
        for name in dirnames
        if not name.endswith(".dist-info")
    )
    english = importlib.import_module(MODULE + ".model.script.english")
    report["english_alignment_available"] = english.available()
    # Recognise English Words loads the language model and the phone loop's model as well.
    recognise = importlib.import_module(MODULE + ".model.script.recognise")
    report["word_recognition_available"] = recognise.recogniser_available()
    # Chinese script lines get their sounds from the bundled pypinyin.
    hanzi = importlib.import_module(MODULE + ".model.script.hanzi")
    report["chinese_reading"] = [p for p, _ in hanzi.phones("吃饭")]
    report["bundled_pocketsphinx_loads"] = bundled_pocketsphinx_loads(user)
    # The lip reader's weights load from the installed extension (read_lips, on by default).
    lip_reader = importlib.import_module(MODULE + ".model.lips.lip_reader")
    report["lip_reader_classes"] = int(lip_reader.load().params["output.b"].shape[0])
    module = sys.modules.get(MODULE)
    report["module_file"] = getattr(module, "__file__", None)
    addon_utils.disable(MODULE, default_set=True)
    report["types_disabled"] = duet_types()
    report["scene_settings_disabled"] = hasattr(bpy.types.Scene, "duet")
    report["menu_entries_disabled"] = menu_functions()
    report["enabled_after_disable"] = MODULE in bpy.context.preferences.addons.keys()  # noqa: SIM118
    print("DUET_REPORT " + json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
