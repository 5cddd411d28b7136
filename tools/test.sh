#!/usr/bin/env bash
# Set up everything (tools/setup.sh) and run the whole test suite: ruff lint and
# format check, then pytest on Blender 4.5 (Python 3.11, numpy 1.26, torch) and
# Blender 5.2 (Python 3.13, numpy 2). Extra arguments go to pytest, e.g.
#   bash tools/test.sh -m "not slow"
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || exit 1

status=0
echo "== ruff"
.venv/bin/ruff check . || status=1
.venv/bin/ruff format --check . || status=1

for venv in .venv .venv313; do
  echo "== pytest with $venv ($("$venv/bin/python" -c 'import sys, bpy; print(f"Python {sys.version.split()[0]}, Blender {bpy.app.version_string}")'))"
  "$venv/bin/python" -m pytest "$@"
  rc=$?
  # 5 = no tests collected: the suite is empty, which is a failure too.
  [ $rc -ne 0 ] && status=1
done
exit $status
