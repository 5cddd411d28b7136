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


SWAP_WITH_SCRIPT = "Swap A/B was not used: the script says who speaks each line"


def run_request(request: GenerationRequest, progress: Callable[[float], None] | None = None) -> Performance:
    """Generate synchronously (background mode, batch, tests)."""
    from .. import model

    audio = request.audio
    kwargs: dict = {"names": request.names, "first_frame": request.first_frame}
    has_script = bool(request.script and request.script.strip())
    if request.swap_roles:
        if request.stems:
            audio = audio[:, ::-1].copy()
        elif not has_script:  # a script's lines name their speakers: nothing to swap
            kwargs["roles"] = "swap"  # the first voice heard drives B
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
    performance.notes = (*request.notes, *performance.notes)
    return performance


WEIGHTS_FIX = (
    "use a model exported by `python -m duet.model.training train ... --export FILE.npz` "
    "(docs/MODEL.md) with its .json beside it, or none to use the bundled model"
)
BUNDLED_FIX = (
    "reinstall the Duet extension, or set weights to a model .npz "
    "(job-file key weights, duet bake --weights, the panel's Model)"
)
_weights_checked: dict[tuple[str, int, int], str | None] = {}


def weights_problem(path: Path, fix: str = WEIGHTS_FIX) -> str | None:
    """Why ``path`` is not a model this Duet can run, naming the file, then ``fix``; None
    when it is. Loads it and generates one second of silence with it: a damaged file, one
    from another version of the network or a stray .npz all fail here, before any shot
    runs. Remembered per file state, so a job naming one model for many shots checks it once."""
    try:
        stat = path.stat()
    except OSError as exc:
        return f"model weights '{path}' cannot be read ({exc.strerror or exc}); {fix}"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _weights_checked:
        _weights_checked[key] = _weights_detail(path)
    detail = _weights_checked[key]
    return None if detail is None else f"{detail}; {fix}"


def _weights_detail(path: Path) -> str | None:
    from ..model import generation, weights
    from ..model.errors import WeightsError

    try:
        weights.load(path)
    except WeightsError as exc:
        return str(exc).rstrip(".")
    except Exception as exc:  # contents load() does not name (a .json that is not an object...)
        return f"model weights '{path}' could not be read as a weights file ({type(exc).__name__}: {exc})"
    try:
        generation.generate(np.zeros(16000, np.float32), 16000, runtime="numpy", weights=path)
    except Exception as exc:  # arrays missing or of the wrong shape for this network
        reason = f"{type(exc).__name__}: {exc}"
        return f"model weights '{path}' do not fit this version of Duet's network ({reason})"
    return None


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
