"""The extension validates, builds a clean zip, installs, enables and leaves
nothing behind when disabled, on the bpy version of this interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import build_extension  # noqa: E402 - tools/ is not a package

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def built_zip(tmp_path_factory: pytest.TempPathFactory, bpy_module) -> Path:
    zips = build_extension.build(tmp_path_factory.mktemp("dist"))
    assert len(zips) == 1
    return zips[0]


def test_manifest_validates(bpy_module) -> None:
    assert build_extension.validate() == 0


def test_zip_leaves_out_what_users_do_not_need(built_zip: Path) -> None:
    names = zipfile.ZipFile(built_zip).namelist()
    assert "blender_manifest.toml" in names
    assert "__init__.py" in names
    assert "model/spec.py" in names
    assert "model/lips/coarticulation.py" in names  # script-assisted takes animate lips at run time
    for excluded in ("tests/", "tools/", "docs/", "model/training/", ".venv", ".git/", "__pycache__"):
        assert not [n for n in names if excluded in n], f"{excluded} leaked into the zip"
    assert any(n.startswith("wheels/pydantic_core-") for n in names)
    assert any(n.startswith("wheels/pocketsphinx-5.1.1-") for n in names)
    assert "wheels/pypinyin-0.55.0-py2.py3-none-any.whl" in names  # Chinese script lines' sounds
    # The bundled example dialogue travels with the extension (the demo and users use it).
    assert "assets/example_dialogue.flac" in names
    assert "assets/example_dialogue_staging.txt" in names
    assert "assets/example_dialogue_script.txt" in names
    # The network's weights and the voice print that splits two voices (mix_roles.audio_roles).
    assert "assets/duet_model.npz" in names
    assert "assets/duet_voiceprint.npz" in names
    assert "assets/duet_lip_reader.npz" in names and "model/lips/lip_reader.py" in names  # read_lips
    assert "assets/duet_voice_count.npz" in names and "model/voice_count.py" in names  # overlaps
    assert "model/script/subtitles.py" in names  # the panel's Write Subtitles
    assert "model/script/recognise.py" in names  # Recognise English Words


def test_install_enable_and_clean_unregister(built_zip: Path) -> None:
    script = ROOT / "tests" / "blender_scripts" / "extension_check.py"
    proc = subprocess.run(
        [sys.executable, str(script), str(built_zip)], capture_output=True, text=True, timeout=300
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("DUET_REPORT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads(lines[-1].removeprefix("DUET_REPORT "))
    assert report["install_result"] == ["FINISHED"]
    assert report["enabled"]
    assert report["types_before"] == []
    assert report["types_declared"], "the extension registers no classes"
    assert set(report["types_declared"]) <= set(report["types_enabled"])
    assert "DUET_OT_add_dialogue_pair" in report["types_enabled"]
    assert report["menu_entries_enabled"] >= 1
    assert report["scene_settings_enabled"]
    assert {"pydantic", "pydantic_core", "pocketsphinx", "pypinyin"} <= set(report["bundled_packages"])
    assert report["chinese_reading"] == ["ʈʂ", "ɨ", "f", "a", "n"]  # 吃饭, "chi fan"
    # The bundled pocketsphinx imports and loads its English model (the extension's copy).
    assert report["english_alignment_available"]
    assert report["word_recognition_available"]
    assert report["lip_reader_classes"] == 14
    assert report["bundled_pocketsphinx_loads"]
    # Disabling removes every class and menu entry it added.
    assert report["types_disabled"] == []
    assert report["menu_entries_disabled"] == 0
    assert not report["scene_settings_disabled"]
    assert not report["enabled_after_disable"]


def test_every_platform_gets_its_wheels_for_both_pythons(bpy_module) -> None:
    """Each platform the manifest lists gets one pydantic_core and one pocketsphinx wheel for
    Blender 4.5 (cp311) and 5.2 (cp313), as Blender's own build splits them."""
    import tomllib

    build_extension._bl_pkg()
    from bl_pkg.cli import blender_ext

    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text(encoding="utf-8"))
    wheels = [Path(w).name for w in manifest["wheels"]]
    for platform in manifest["platforms"]:
        for package in ("pydantic_core", "pocketsphinx"):
            for python in ("cp311", "cp313"):
                matching = [
                    w
                    for w in wheels
                    if w.startswith(package + "-")
                    and f"-{python}-" in w
                    and blender_ext.blender_platform_compatible_with_wheel_platform_from_filepath(platform, w)
                ]
                assert len(matching) == 1, (platform, package, python, matching)
