"""Ctrl-C and SIGTERM (a farm cancelling a task) during a batch.

The first signal stops the batch cleanly: Python code gets a KeyboardInterrupt
at once, so the shot in progress removes its temporary files and writes
nothing. A second signal kills the process at once (like Blender's own
"press Ctrl-C again"); a killed writer leaves at most a hidden temporary file,
which the next run removes (batch.atomic).

Calls into Blender run inside ``deferred()``: the signal is only remembered
there and raised as soon as the call returns. Two reasons: Python cannot stop
Blender's render safely, and Blender runs Python of its own during a call
(its load/save handlers, add-ons' handlers, drivers) and prints and drops any
exception raised there, a KeyboardInterrupt included. A handler that raised
there would lose the interrupt and the batch would run on. ``checkpoint()``
raises a remembered interrupt wherever Blender may have dropped one unseen.
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
    def __init__(self) -> None:
        self.installed = False
        self.requested: int | None = None  # the signal received, if any
        self.deferred: list[str] = []  # what each enclosing deferred() call waits for


_state = _State()


def _handler(signum: int, _frame: FrameType | None) -> None:
    if _state.requested is not None:  # second signal: die now, as the default action would
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _state.requested = signum
    if _state.deferred:
        sys.stderr.write(f"\nduet: stopping after {_state.deferred[0]}; press Ctrl-C again to kill\n")
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
    _state.installed, _state.requested, _state.deferred = True, None, []
    for s in _SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            # None: a handler from outside Python (Blender's own in `blender -b`), which Python
            # cannot put back; the default action is the nearest.
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        _state.installed, _state.requested, _state.deferred = False, None, []


@contextlib.contextmanager
def deferred(waiting_for: str = "the current step") -> Iterator[None]:
    """Hold an interrupt until the enclosed call returns, then raise it.
    ``waiting_for`` completes "stopping after ..." in the message a signal prints."""
    _state.deferred.append(waiting_for)
    try:
        yield
    finally:
        _state.deferred.pop()
    checkpoint()


def checkpoint() -> None:
    """Raise KeyboardInterrupt if a signal came in (outside any deferred call)."""
    if _state.installed and _state.requested is not None and not _state.deferred:
        raise KeyboardInterrupt


def requested() -> bool:
    return _state.requested is not None
