"""Run a generation off Blender's main thread so the UI stays responsive.

The job only touches plain numpy data gathered beforehand; the bake, which
writes Blender data, happens on the main thread when the job is done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
    weights: Path | None = None  # model weights .npz; None: the bundled assets/duet_model.npz
    script: str | None = None  # the dialogue's lines (docs/SCRIPT.md); None: roles and lips from the audio
    notes: tuple[str, ...] = ()  # about the inputs (a truncated voice-over): the take's report carries them
    moods: dict[str, tuple[str, float]] | None = None  # {role: (mood, strength)} for the whole take
    a_speaks: tuple[float, float] | None = None  # (start, end) seconds of the audio in which A speaks


SWAP_WITH_SCRIPT = "Swap A/B was not used: the script says who speaks each line"
A_SPEAKS_WITH_SCRIPT = "A Speaks At was not used: the script says who speaks each line"
A_SPEAKS_WITH_STEMS = (
    "A Speaks At was not used: with stems each channel is its own role (A's channel or file drives A); "
    "Swap A/B exchanges them"
)
BOTH_ROLE_OPTIONS = (
    "Swap A/B and A Speaks At are both set: use one — turn Swap A/B off to name a stretch where A "
    "speaks, or turn A Speaks At off to give the first voice heard to B"
)


def run_request(request: GenerationRequest, progress: Callable[[float], None] | None = None) -> Performance:
    """Generate synchronously (background mode, batch, tests)."""
    from .. import model

    audio = request.audio
    kwargs: dict = {"names": request.names, "first_frame": request.first_frame}
    has_script = bool(request.script and request.script.strip())
    if request.swap_roles and request.a_speaks is not None:
        raise ValueError(BOTH_ROLE_OPTIONS)
    if request.a_speaks is not None and not has_script:  # a script's lines name their speakers
        kwargs["roles"] = tuple(request.a_speaks)  # generate() checks the span; stems ignore it
    if request.swap_roles:
        if request.stems:
            audio = audio[:, ::-1].copy()
        elif not has_script:  # a script's lines name their speakers: nothing to swap
            kwargs["roles"] = "swap"  # the first voice heard drives B
    if request.moods:
        kwargs["moods"] = request.moods  # the Characters panel's moods; staged moods override them
    if progress is not None:
        kwargs["progress"] = progress  # raising from it (Cancelled) stops the model mid-take
    performance = model.generate(
        audio,
        request.sample_rate,
        staging=request.staging,
        stems=request.stems,
        fps=request.fps,
        seed=request.seed,
        weights=request.weights,
        script=request.script,
        **kwargs,
    )
    if request.swap_roles and has_script and not request.stems:
        performance.notes = (*performance.notes, SWAP_WITH_SCRIPT)
    if request.a_speaks is not None:
        if has_script:
            performance.notes = (*performance.notes, A_SPEAKS_WITH_SCRIPT)
        elif request.stems:
            performance.notes = (*performance.notes, A_SPEAKS_WITH_STEMS)
    performance.notes = (*request.notes, *performance.notes)
    return performance


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
