#!/usr/bin/env bash
# Set up everything Duet needs on a fresh Debian machine: system packages for
# speech synthesis, and two virtual environments with the package `duet`
# installed in editable mode:
#   .venv     Python 3.11, bpy 4.5.15, numpy 1.26, torch (training)
#   .venv313  Python 3.13, bpy 5.2.3, numpy 2.x
# Idempotent: a second run only checks. Usage: bash tools/setup.sh [--only 311|313]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

only=""
if [ "${1:-}" = "--only" ]; then only="${2:-}"; fi

apt_packages=(festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts espeak-ng libespeak-ng1 sox)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

make_venv() {  # dir python-version requirements
  local dir=$1 version=$2 req=$3 stamp
  stamp="$dir/.duet-requirements"
  if [ ! -x "$dir/bin/python" ]; then
    echo "[setup] creating $dir (Python $version)"
    PYENV_VERSION=$version python -m venv "$dir" 2>/dev/null || "python$version" -m venv "$dir"
  fi
  if ! cmp -s "$req" "$stamp" 2>/dev/null; then
    echo "[setup] installing $req into $dir"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$root"
    cp "$req" "$stamp"
  fi
}

if [ "$only" != "313" ]; then make_venv .venv 3.11 tools/requirements-py311.txt; fi
if [ "$only" != "311" ]; then make_venv .venv313 3.13 tools/requirements-py313.txt; fi
echo "[setup] ready"
