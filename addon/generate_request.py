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
    # "A" or "B": the take holds one voice, that character's (a monologue the other listens to); None: two
    one_voice: str | None = None
    recognise_words: bool = False  # no script: lips from the English words recognised in the audio
    read_lips: bool = True  # the lip reader shapes the speaking mouth (False: the network's own)
    hear_overlaps: bool = True  # mixed: where two voices sound at once, the network decides who speaks


SWAP_WITH_SCRIPT = "Swap A/B was not used: the script says who speaks each line"
WORDS_WITH_SCRIPT = "Recognise English Words was not used: the script's own words align the lips"
A_SPEAKS_WITH_SCRIPT = "A Speaks At was not used: the script says who speaks each line"
A_SPEAKS_WITH_STEMS = (
    "A Speaks At was not used: with stems each channel is its own role (A's channel or file drives A); "
    "Swap A/B exchanges them"
)
BOTH_ROLE_OPTIONS = (
    "Swap A/B and A Speaks At are both set: use one — turn Swap A/B off to name a stretch where A "
    "speaks, or turn A Speaks At off to give the first voice heard to B"
)
# The panel's Voices choice, by the role given the one voice (GenerationRequest.one_voice).
ONE_VOICE_NAMES = {"A": "Only A Speaks", "B": "Only B Speaks"}
# Take notes when the one voice was not used; format with role="A" or "B" (one_voice_note).
ONE_VOICE_WITH_SCRIPT = "Only {role} Speaks was not used: the script says who speaks each line"
ONE_VOICE_WITH_STEMS = (
    "Only {role} Speaks was not used: with stems each channel is its own role (A's channel or file drives "
    "A, B's drives B); a silent stem leaves its character listening"
)
# Only A/B Speaks beside Swap A/B or A Speaks At; format with only= its name, role=, other= the other's.
ONE_VOICE_AND_OTHER = (
    "{only} and {other} are both set: use one — set Voices to Two Voices to {fix}, or turn {other} off "
    "to give all the speech to {role}"
)
_OTHER_FIX = {"Swap A/B": "give the first voice heard to B", "A Speaks At": "name a stretch where A speaks"}


def one_voice_note(template: str, role: str) -> str:
    """ONE_VOICE_WITH_SCRIPT / ONE_VOICE_WITH_STEMS for the role given the one voice."""
    return template.format(role=role)


def clashing_role_options(swap_roles: bool, a_speaks: bool, one_voice: str | None) -> tuple[str, str] | None:
    """The panel names of two roles choices that cannot be used together, or None."""
    if swap_roles and a_speaks:
        return "Swap A/B", "A Speaks At"
    if one_voice is not None and (swap_roles or a_speaks):
        return ONE_VOICE_NAMES[one_voice], "Swap A/B" if swap_roles else "A Speaks At"
    return None


def role_options_problem(swap_roles: bool, a_speaks: bool, one_voice: str | None) -> str | None:
    """Why the roles choices (Swap A/B, A Speaks At, Only A/B Speaks) cannot be used together, or None:
    each one decides who the voices are, so only one of them may be set."""
    if swap_roles and a_speaks:
        return BOTH_ROLE_OPTIONS
    clash = clashing_role_options(swap_roles, a_speaks, one_voice)
    if clash is None:
        return None
    only, other = clash
    return ONE_VOICE_AND_OTHER.format(only=only, other=other, fix=_OTHER_FIX[other], role=one_voice)


def run_request(request: GenerationRequest, progress: Callable[[float], None] | None = None) -> Performance:
    """Generate synchronously (background mode, batch, tests)."""
    from .. import model

    audio = request.audio
    kwargs: dict = {"names": request.names, "first_frame": request.first_frame}
    has_script = bool(request.script and request.script.strip())
    if request.one_voice not in (None, *ONE_VOICE_NAMES):
        raise ValueError(f"one_voice must be None, 'A' or 'B', not {request.one_voice!r}")
    problem = role_options_problem(request.swap_roles, request.a_speaks is not None, request.one_voice)
    if problem:
        raise ValueError(problem)
    if request.one_voice is not None and not has_script:  # stems ignore it: each channel is its role
        kwargs["roles"] = request.one_voice  # every voiced frame is that character's
    if request.a_speaks is not None and not has_script:  # a script's lines name their speakers
        kwargs["roles"] = tuple(request.a_speaks)  # generate() checks the span; stems ignore it
    if request.swap_roles:
        if request.stems:
            audio = audio[:, ::-1].copy()
        elif not has_script:  # a script's lines name their speakers: nothing to swap
            kwargs["roles"] = "swap"  # the first voice heard drives B
    if request.recognise_words and not has_script:  # a script's own words align the lips
        kwargs["recognise_words"] = True
    if not request.read_lips:
        kwargs["read_lips"] = False
    if not request.hear_overlaps:
        kwargs["hear_overlaps"] = False
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
    if request.recognise_words and has_script:
        performance.notes = (*performance.notes, WORDS_WITH_SCRIPT)
    if request.a_speaks is not None:
        if has_script:
            performance.notes = (*performance.notes, A_SPEAKS_WITH_SCRIPT)
        elif request.stems:
            performance.notes = (*performance.notes, A_SPEAKS_WITH_STEMS)
    if request.one_voice is not None and (has_script or request.stems):
        template = ONE_VOICE_WITH_SCRIPT if has_script else ONE_VOICE_WITH_STEMS
        performance.notes = (*performance.notes, one_voice_note(template, request.one_voice))
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
