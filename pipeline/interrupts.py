"""Ctrl-C and SIGTERM (a farm cancelling a task) during a batch.

The first signal stops the batch cleanly: Python code gets a KeyboardInterrupt
at once, so the shot in progress removes its temporary files and writes
nothing. Long C calls that Python cannot interrupt safely (Blender's render)
run inside ``deferred()``: the signal is remembered and raised as soon as the
call returns. A second signal kills the process at once (like Blender's own
"press Ctrl-C again"); a killed writer leaves at most a hidden temporary file,
which the next run removes (pipeline.atomic).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s)


class _State:
    installed = False
    requested: int | None = None  # the signal received, if any
    deferred = 0


_state = _State()


def _handler(signum: int, _frame: FrameType | None) -> None:
    if _state.requested is not None:  # second signal: die now, as the default action would
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _state.requested = signum
    if _state.deferred:
        sys.stderr.write("\nduet: stopping after the current render; press Ctrl-C again to kill\n")
        sys.stderr.flush()
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def handling() -> Iterator[None]:
    """Install the handlers for the duration of a batch (main thread only)."""
    if _state.installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    _state.installed, _state.requested, _state.deferred = True, None, 0
    for s in _SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _state.installed, _state.requested, _state.deferred = False, None, 0


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold an interrupt until the enclosed call returns, then raise it."""
    _state.deferred += 1
    try:
        yield
    finally:
        _state.deferred -= 1
    if _state.installed and _state.requested is not None and not _state.deferred:
        raise KeyboardInterrupt


def requested() -> bool:
    return _state.requested is not None
