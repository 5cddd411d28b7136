"""Shared pytest set-up.

Blender tests import the real bpy module once per process (re-importing breaks
registration), with a throw-away user resources folder so nothing touches the
developer's Blender configuration.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import pytest

_OWN_USER_RESOURCES = None
if "BLENDER_USER_RESOURCES" not in os.environ:
    _OWN_USER_RESOURCES = os.environ["BLENDER_USER_RESOURCES"] = tempfile.mkdtemp(prefix="duet-blender-user-")


_BASETEMP: list = []  # this session's temporary folder, once a test asked for one


@pytest.fixture(scope="session", autouse=True)
def _remember_basetemp(tmp_path_factory: pytest.TempPathFactory):
    _BASETEMP.append(tmp_path_factory.getbasetemp())
    yield


@pytest.fixture(scope="session")
def bpy_module():
    """The bpy module; tests that need it are marked ``blender``."""
    return pytest.importorskip("bpy")


@pytest.fixture
def registered(bpy_module):
    """bpy with the Duet add-on registered for one test (unregistered after it)."""
    import duet

    duet.register()
    yield bpy_module
    duet.unregister()


@pytest.fixture
def empty_scene(bpy_module):
    """A fresh empty file for one test."""
    bpy_module.ops.wm.read_homefile(use_empty=True)
    return bpy_module.context.scene


# Blender's bpy module can leave native threads (llvmpipe renderers, job
# workers) that keep the interpreter from exiting after a session that
# rendered. Once pytest has printed everything, leave at once with its status.
@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._duet_exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _OWN_USER_RESOURCES is not None:  # the throw-away user folder goes with the session
        shutil.rmtree(_OWN_USER_RESOURCES, ignore_errors=True)
    status = getattr(config, "_duet_exit_status", None)
    # A passing session's temporary folder goes too: pytest prunes old ones in an exit handler,
    # which the os._exit below skips (tens of GB piled up in /tmp).
    if status == 0:
        for folder in _BASETEMP:
            shutil.rmtree(folder, ignore_errors=True)
    if status is None or "bpy" not in sys.modules:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
