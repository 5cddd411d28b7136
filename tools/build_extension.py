"""Validate the manifest and build the installable extension zip.

    .venv/bin/python tools/build_extension.py [--out dist] [--split-platforms]

Runs Blender's own extension tooling from the bpy module. Before building it
fetches the wheels the manifest lists (pydantic, pocketsphinx and pypinyin for Blender's Python) into
wheels/ with pip, exact files only, and checks nothing else is listed.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_WHEEL = re.compile(
    r"^(?P<name>[A-Za-z0-9_]+)-(?P<version>[^-]+)-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>.+)\.whl$"
)


def manifest_wheels(root: Path = ROOT) -> list[Path]:
    manifest = tomllib.loads((root / "blender_manifest.toml").read_text(encoding="utf-8"))
    return [root / w for w in manifest.get("wheels", [])]


def _pattern_matches(pattern: str, parts: tuple[str, ...], is_dir: bool) -> bool:
    """One paths_exclude_pattern entry against a path's components, as Blender's builder reads it
    (gitignore-like: '/x' from the root only, 'x/' folders only, '*' within one component)."""
    if pattern.startswith("!") or "**" in pattern:
        raise ValueError(f"paths_exclude_pattern {pattern!r}: negation and '**' are not supported here")
    anchored = pattern.startswith("/")
    folder_only = pattern.endswith("/")
    wanted = tuple(pattern.strip("/").split("/"))
    if (folder_only and not is_dir) or len(wanted) > len(parts):
        return False
    if anchored and len(wanted) != len(parts):
        return False
    tail = parts[len(parts) - len(wanted) :]
    return all(fnmatch.fnmatchcase(part, want) for part, want in zip(tail, wanted, strict=True))


def zip_members(root: Path = ROOT) -> list[str]:
    """The files a build puts in the zip ('/'-separated, relative to root), without Blender.

    Walks root as Blender's builder does (symbolic links skipped, excluded folders not
    entered) with the manifest's paths_exclude_pattern, then adds the manifest and the
    wheels it lists. tests/test_architecture.py checks this against Blender's own matcher.
    """
    manifest = tomllib.loads((root / "blender_manifest.toml").read_text(encoding="utf-8"))
    patterns = [p for p in manifest.get("build", {}).get("paths_exclude_pattern", []) if p]
    members = {"blender_manifest.toml"}
    members.update(str(w.relative_to(root).as_posix()) for w in manifest_wheels(root))

    def excluded(parts: tuple[str, ...], is_dir: bool) -> bool:
        return any(_pattern_matches(p, parts, is_dir) for p in patterns)

    def walk(folder: Path, parts: tuple[str, ...]) -> None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_symlink():
                continue
            here = (*parts, entry.name)
            if excluded(here, entry.is_dir()):
                continue
            if entry.is_dir():
                walk(Path(entry.path), here)
            elif entry.is_file():
                members.add("/".join(here))

    walk(root, ())
    return sorted(members)


def fetch_wheels(root: Path = ROOT) -> None:
    """Download every wheel the manifest names that is not in wheels/ yet."""
    for wheel in manifest_wheels(root):
        if wheel.exists():
            continue
        match = _WHEEL.match(wheel.name)
        if not match:
            raise SystemExit(f"manifest lists '{wheel.name}', which is not a wheel file name")
        spec = f"{match['name']}=={match['version']}"
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps"]
        cmd += ["--only-binary=:all:", "-d", str(wheel.parent), spec]
        if match["plat"] != "any":
            cmd += ["--python-version", match["py"].removeprefix("cp"), "--abi", match["abi"]]
            # A file name's platform tag may be several joined by dots; pip takes each.
            for platform in match["plat"].split("."):
                cmd += ["--platform", platform]
        subprocess.run(cmd, check=True)
        if not wheel.exists():
            raise SystemExit(f"pip did not produce {wheel.name}; check the pinned versions in the manifest")


def _bl_pkg():
    if "BLENDER_USER_RESOURCES" not in os.environ:  # a throw-away one, not the user's Blender's
        os.environ["BLENDER_USER_RESOURCES"] = tempfile.mkdtemp(prefix="duet-build-")
    import bpy  # noqa: F401 - importing bpy loads bl_pkg

    return sys.modules["bl_pkg"]


def validate(root: Path = ROOT) -> int:
    return int(_bl_pkg().cli_extension(["validate", str(root)]))


def build(out_dir: Path, *, split_platforms: bool = False, root: Path = ROOT) -> list[Path]:
    """Build the extension into out_dir and return the zip files written."""
    fetch_wheels(root)
    out_dir.mkdir(parents=True, exist_ok=True)
    before = set(out_dir.glob("*.zip"))
    args = ["build", "--source-dir", str(root), "--output-dir", str(out_dir)]
    if split_platforms:
        args.append("--split-platforms")
    if _bl_pkg().cli_extension(args) != 0:
        raise SystemExit("extension build failed (see the messages above)")
    return sorted(set(out_dir.glob("*.zip")) - before) or sorted(out_dir.glob("*.zip"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--split-platforms", action="store_true", help="one zip per platform (smaller)")
    args = parser.parse_args()
    if validate() != 0:
        return 1
    for path in build(args.out, split_platforms=args.split_platforms):
        print(f"built {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
