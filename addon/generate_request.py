"""Run a generation off Blender's main thread so the UI stays responsive.

The job only touches plain numpy data gathered beforehand; the bake, which
writes Blender data, happens on the main thread when the job is done.
"""

from __future__ import annotations

import re
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
    except WeightsError as exc:  # the problem alone: the caller adds the fix that fits where it was set
        return str(getattr(exc, "problem", exc)).rstrip(".")
    except Exception as exc:  # contents load() does not name (a .json that is not an object...)
        return f"model weights '{path}' could not be read as a weights file ({type(exc).__name__}: {exc})"
    try:
        generation.generate(np.zeros(16000, np.float32), 16000, runtime="numpy", weights=path)
    except Exception as exc:  # arrays missing or of the wrong shape for this network
        reason = f"{type(exc).__name__}: {exc}"
        return f"model weights '{path}' do not fit this version of Duet's network ({reason})"
    return None


_UNKNOWN_CHARACTER = re.compile(r"^unknown character '([^']+)'")
# Capitalised words in a row, the way a character's name is written ("Mara", "Mara Jade").
_CAPITALISED_RUN = re.compile(r"\b[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*)*")
_staging_checked: dict[tuple, list[str]] = {}


def staging_problems(path: Path, names: dict[str, str] | None) -> list[str]:
    """What a bake would reject in the staging file ``path``, as sentences naming the file,
    line and column (empty: it would take it). The job check calls this for each shot
    (batch.jobfile.StagingCheck), so a typo is found before the farm opens Blender.

    ``names``: the shot's characters, else None, and then the names are read from the text
    (the .blend's Duet pair is not open yet). A text with frame times ("f120") is checked
    for all but its timing: frame times count from the scene's first frame at its frame rate,
    both in the .blend. Remembered per file state: shots sharing a staging file parse it once."""
    try:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, tuple(sorted((names or {}).items())))
        if key in _staging_checked:
            return _staging_checked[key]
        text = path.read_text(encoding="utf-8")  # as the bake reads it (addon/shots.py)
    except UnicodeDecodeError as exc:
        return [
            f"staging file '{path}' is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}): "
            "save it as UTF-8 (or plain ASCII) from the text editor"
        ]
    except OSError as exc:
        return [f"staging file '{path}' cannot be read ({exc.strerror or exc})"]
    if len(_staging_checked) > 4096:
        _staging_checked.clear()
    _staging_checked[key] = _staging_messages(path, text, names)
    return _staging_checked[key]


def _staging_messages(path: Path, text: str, names: dict[str, str] | None) -> list[str]:
    if not text.strip():
        return []  # the bake ignores an empty staging file
    if names is not None:
        issues = _staging_issues(text, names)
        guessed = False
    else:
        issues, names = _issues_with_names_from_text(text)
        guessed = bool(names)
    messages = []
    for issue in issues:
        message = issue.message
        if guessed and _UNKNOWN_CHARACTER.match(message):
            known = " and ".join(f"'{n}'" for n in names.values())
            message += f" (the job names no characters, so the text's {known} were taken: set a and b)"
        where = "" if issue.line == 0 else f" line {issue.line}, col {issue.column}"
        messages.append(f"'{path}'{where}: {message}")
    return messages


def _staging_issues(text: str, names: dict[str, str] | None) -> list:
    """The staging parser's issues as the bake would meet them (model/staging)."""
    from ..model import staging
    from ..model.staging import vocab
    from ..model.staging.lexer import tokenize
    from ..model.staging.parser import Parser

    bound, name_issues = staging.check_names(names)
    if name_issues:
        return name_issues
    # The lexer sees the text as parse() gives it, which takes a UTF-8 mark (Notepad's) too.
    tokens, lex_issues = tokenize(text.removeprefix("\ufeff"), bound)
    uses_frames = any(
        t.kind == "FRAME"
        or (t.kind == "UNIT" and t.unit in vocab.FRAME_UNITS)
        or (t.kind == "WORD" and t.value in vocab.FRAME_UNITS)
        for t in tokens
    )
    if uses_frames:
        # Frame times count from the scene's first frame at its rate, both in the .blend:
        # check the words here, the timing in the bake.
        _, parse_issues = Parser(tokens, bound).run()
        return sorted(lex_issues + parse_issues, key=lambda i: (i.line, i.column))
    return staging.validate(text, names=bound or None)  # seconds alone: no scene setting matters


def _issues_with_names_from_text(text: str) -> tuple[list, dict[str, str]]:
    """Issues when the job names no characters: the names the text uses (its capitalised
    words that are not staging words, then the unknown characters the parser meets) are
    taken as A's and B's, so that a text written with the .blend's names passes."""
    from ..model.staging import vocab

    candidates: list[str] = []
    for match in _CAPITALISED_RUN.finditer(re.sub(r"#[^\n]*", "", text)):  # comments are free text
        run: list[str] = []
        for word in [*match.group().split(" "), ""]:  # split at staging words: "Mara Looks At Theo"
            if word and word.rstrip(".").casefold() not in vocab.KEYWORDS:
                run.append(word)
                continue
            name = " ".join(run).rstrip(".")
            if name and name.casefold() not in {c.casefold() for c in candidates}:
                candidates.append(name)
            run = []
    names: dict[str, str] = {}

    def bind(new: list[str]) -> None:
        for name in new:
            if len(names) < 2 and name.casefold() not in {n.casefold() for n in names.values()}:
                names["AB"[len(names)]] = name

    bind(candidates)
    issues = _staging_issues(text, names or None)
    for _attempt in range(2):  # a lower-case name the parser took for an unknown character
        bound = len(names)
        bind([m.group(1) for i in issues if (m := _UNKNOWN_CHARACTER.match(i.message))])
        if len(names) == bound:
            break
        issues = _staging_issues(text, names)
    return issues, names


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
