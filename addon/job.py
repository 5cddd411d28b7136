"""Run a generation off Blender's main thread so the UI stays responsive.

The job only touches plain numpy data gathered beforehand; the bake, which
writes Blender data, happens on the main thread when the job is done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..model.performance import Performance


class Cancelled(Exception):
    """Raised inside the worker when the user cancelled."""


@dataclass(frozen=True)
class GenerationRequest:
    """Everything generate() needs, gathered on the main thread."""

    audio: np.ndarray  # (n,) mixed or (n, 2) stems, channel 0 = A
    sample_rate: int
    stems: bool
    staging: str | None
    fps: float
    seed: int
    swap_roles: bool
    names: dict[str, str] | None = None  # character names the staging text may use
    first_frame: int = 0  # scene frame where the audio starts; staging frame times count from it


def run_request(request: GenerationRequest, progress: Callable[[float], None] | None = None) -> Performance:
    """Generate synchronously (background mode, batch, tests)."""
    from .. import model

    audio = request.audio
    kwargs: dict = {"names": request.names, "first_frame": request.first_frame}
    if request.swap_roles:
        if request.stems:
            audio = audio[:, ::-1].copy()
        else:
            kwargs["roles"] = "swap"  # the first voice heard drives B
    if progress is not None and _accepts_progress():
        kwargs["progress"] = progress
    performance = model.generate(
        audio,
        request.sample_rate,
        staging=request.staging,
        stems=request.stems,
        fps=request.fps,
        seed=request.seed,
        **kwargs,
    )
    return performance


def _accepts_progress() -> bool:
    """Whether the installed generate() reports progress (and so can be cancelled)."""
    import inspect

    from ..model import generation

    return "progress" in inspect.signature(generation.generate).parameters


class GenerationJob:
    """One generation on a worker thread, with progress and cancel."""

    def __init__(self, request: GenerationRequest) -> None:
        self.request = request
        self.progress = 0.0
        self.result: Performance | None = None
        self.error: BaseException | None = None
        self.started = time.perf_counter()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="duet-generate", daemon=True)

    def start(self) -> GenerationJob:
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return not self._thread.is_alive() and (self.result is not None or self.error is not None)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def _report(self, fraction: float) -> None:
        if self._cancel.is_set():
            raise Cancelled
        self.progress = float(min(max(fraction, 0.0), 1.0))

    def _run(self) -> None:
        try:
            self.result = run_request(self.request, progress=self._report)
            self.progress = 1.0
        except BaseException as exc:  # handed to the main thread, which reports it
            self.error = exc
