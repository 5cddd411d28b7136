"""Register / unregister ``blender -c duet`` in a fresh bpy and report what
Blender said. Run in its own process (bpy registers once per process):
    python cli_command_check.py
Prints one line ``DUET_REPORT {json}``.

Blender prints a warning when an id is registered twice; registering again
after unregister must be silent, which shows unregister removed the command.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile

os.environ["BLENDER_USER_RESOURCES"] = tempfile.mkdtemp(prefix="duet-cli-check-")

import bpy

from duet.addon import registration
from duet.addon.headless import commands

# The fresh user folder goes at exit (one per run would pile up in /tmp).
atexit.register(shutil.rmtree, os.environ["BLENDER_USER_RESOURCES"], ignore_errors=True)


def step(label: str) -> None:
    # Markers on both streams so the caller can cut Blender's warnings per step.
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(2, f"\nSTEP {label}\n".encode())
    os.write(1, f"\nSTEP {label}\n".encode())


report = {}
step("register")
registration.register()
report["handle_after_register"] = commands._handle is not None
step("register_twice_directly")
duplicate = bpy.utils.register_cli_command(commands.COMMAND_ID, commands.cli_command)
bpy.utils.unregister_cli_command(duplicate)
step("unregister")
registration.unregister()
report["handle_after_unregister"] = commands._handle is not None
step("register_after_unregister")
again = bpy.utils.register_cli_command(commands.COMMAND_ID, commands.cli_command)
bpy.utils.unregister_cli_command(again)
step("end")
print("DUET_REPORT " + json.dumps(report), flush=True)
