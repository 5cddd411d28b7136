"""Job files: many shots in one TOML file, checked before anything runs.

A job file has an optional ``[defaults]`` table and one ``[shots.NAME]`` table
per shot; a shot takes every key it does not set from the defaults. Path
values are relative to the job file and may contain ``{shot}``, replaced by
the shot's name. See docs/BATCH.md for the reference and an example.

Every problem is collected (not only the first) and reported with its
location, e.g. ``shots.sc01_010.audio``: unknown keys, wrong types, missing
input files, outputs that would overwrite an input or leave the output root.
The single-shot ``duet bake`` command runs its arguments through the same
checks, with the option names as locations.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .jobfields import (  # noqa: F401 (the field checks, re-exported: callers use jobfile.*)
    ENGINE_ALIASES,
    MAX_RESOLUTION,
    MAX_SEED,
    RENDER_FORMATS,
    RENDER_KEYS,
    SHOT_KEYS,
    Problem,
    RenderFields,
    ShotFields,
    _toml_type,
    _validate_fields,
    check_engine,
    parse_frames,
    parse_resolution,
    seed_problem,
)
from .paths import FolderCache, InputIndex, folder_problem, output_problems, resolve_path

# Mirrors duet.addon.audio.SUPPORTED_SUFFIXES (what Blender's aud decodes); a
# Blender test keeps the two equal.
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a")
# Shot names become file names and farm task names: keep them plain.
SHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
TOP_LEVEL_KEYS = ("version", "defaults", "shots")


# Why a weights file cannot run (naming the file and the fix), or None. The job checks
# stay free of numpy: the caller that can load a model passes this in.
WeightsCheck = Callable[[Path], str | None]
# Why a retarget map .json is not a map Duet can read (naming the file and the fix), or
# None. Same reason: the map's schema lives in duet.model.retarget, which needs numpy.
RetargetCheck = Callable[[Path], str | None]
# What the bake would reject in a staging file, given the shot's character names ({"A": ...,
# "B": ...}, None when the job leaves them to the .blend's Duet pair): one sentence per
# problem, naming the file, line and column. Same reason: the parser is duet.model.staging.
StagingCheck = Callable[[Path, dict[str, str] | None], list[str]]
# The same for a script file (key ``script``): its importer and parser (duet.model.script)
# are pure, but importing duet.model pulls in numpy. batch.text_inputs.script_problems.
ScriptCheck = Callable[[Path, dict[str, str] | None], list[str]]
RETARGET_KEYS = ("retarget_a", "retarget_b")


class JobFileError(ValueError):
    """A job that cannot run as written; ``problems`` holds every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"{source}: {count}:\n{lines}")


# --------------------------------------------------------------------------- resolved shots


@dataclass(frozen=True)
class RenderJob:
    """How to render a baked shot; None fields keep the .blend's own settings."""

    dir: Path
    format: str = "images"  # "images" (PNG sequence) or "video" (MP4 through Blender's FFmpeg)
    engine: str | None = None
    resolution: tuple[int, int] | None = None
    frames: tuple[int, int] | None = None

    def video_path(self, shot: str) -> Path:
        return self.dir / f"{shot}.mp4"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dir": str(self.dir),
            "format": self.format,
            "engine": self.engine,
            "resolution": list(self.resolution) if self.resolution else None,
            "frames": list(self.frames) if self.frames else None,
        }


@dataclass(frozen=True)
class ShotJob:
    """One shot, checked and with absolute paths: a unit of work with its own outputs."""

    name: str
    blend: Path
    audio: tuple[Path, ...]
    staging: Path | None
    character_a: str | None
    character_b: str | None
    out: Path
    take: str | None = None
    seed: int = 0
    stems: bool | None = None
    fps: float | None = None
    weights: Path | None = None  # model weights .npz; None: the bundled model
    render: RenderJob | None = None
    # Retarget maps (.json) for A and B; None: the map picked in the .blend's Duet panel,
    # else the one detected from the shape-key names.
    retarget_a: Path | None = None
    retarget_b: Path | None = None
    script: Path | None = None  # the dialogue's lines (plain, Fountain, SubRip, WebVTT); None: none
    subtitles: Path | None = None  # where the placed lines go as .srt/.vtt; None: not written

    def inputs(self) -> tuple[Path, ...]:
        optional = (self.staging, self.script, self.weights, self.retarget_a, self.retarget_b)
        return (self.blend, *self.audio, *(p for p in optional if p is not None))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "blend": str(self.blend),
            "audio": [str(p) for p in self.audio],
            "staging": str(self.staging) if self.staging else None,
            "a": self.character_a,
            "b": self.character_b,
            "out": str(self.out),
            "take": self.take,
            "seed": self.seed,
            "stems": self.stems,
            "fps": self.fps,
            "weights": str(self.weights) if self.weights else None,
            "retarget_a": str(self.retarget_a) if self.retarget_a else None,
            "retarget_b": str(self.retarget_b) if self.retarget_b else None,
            "render": self.render.to_dict() if self.render else None,
            "script": str(self.script) if self.script else None,
            "subtitles": str(self.subtitles) if self.subtitles else None,
        }


@dataclass
class JobCheck:
    """The outcome of checking a job: the valid shots and every problem."""

    source: str  # the job file, or "duet bake" for a single shot from the command line
    path: Path | None
    names: list[str] = field(default_factory=list)  # every shot, in file order
    shots: list[ShotJob] = field(default_factory=list)  # the valid ones, in file order
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def job_problems(self) -> list[Problem]:
        """Problems that concern the whole job (no shot can run)."""
        return [p for p in self.problems if p.shot is None]

    def problems_for(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.shot == name]

    def problems_by_shot(self) -> dict[str, list[Problem]]:
        """Each shot's problems (shots without any left out): one pass for a whole job."""
        found: dict[str, list[Problem]] = {}
        for problem in self.problems:
            if problem.shot is not None:
                found.setdefault(problem.shot, []).append(problem)
        return found

    def shot(self, name: str) -> ShotJob | None:
        return next((s for s in self.shots if s.name == name), None)

    def error(self, problems: list[Problem] | None = None) -> JobFileError:
        return JobFileError(self.source, self.problems if problems is None else problems)


def _toml_key(name: str) -> str:
    """A shot name as TOML writes it in a dotted key."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


def _expand(value: str, shot: str, where: str, problems: list[Problem]) -> str | None:
    unknown = [m for m in _PLACEHOLDER.findall(value) if m != "shot"]
    if unknown:
        problems.append(
            Problem(where, f"unknown placeholder '{{{unknown[0]}}}' in '{value}': only {{shot}} exists", shot)
        )
        return None
    return value.replace("{shot}", shot)


def _kind(path: Path) -> str | None:
    """ "folder", "file" (anything else that exists) or None (nothing there, or unreadable)."""
    try:
        return "folder" if stat.S_ISDIR(os.stat(path).st_mode) else "file"
    except (OSError, ValueError):
        return None


class _ShotResolver:
    """Merge a shot over the defaults, resolve its paths and check its inputs."""

    def __init__(
        self,
        name: str,
        own: ShotFields,
        defaults: ShotFields,
        bad_keys: set[str],
        base_dir: Path,
        where: Callable[[str], str],
        missing: Callable[[str], str] = lambda key: f"missing: set {key} for this shot or in [defaults]",
        label: Callable[[str], str] = lambda key: key,
        weights_check: WeightsCheck | None = None,
        retarget_check: RetargetCheck | None = None,
        staging_check: StagingCheck | None = None,
        script_check: ScriptCheck | None = None,
        cache: FolderCache | None = None,
        inspect: bool = True,
        folders: dict[Path, str | None] | None = None,
    ) -> None:
        self.name, self.own, self.defaults = name, own, defaults
        self.bad_keys, self.base_dir, self.where, self.missing = bad_keys, base_dir, where, missing
        self.label, self.weights_check, self.retarget_check = label, weights_check, retarget_check
        self.staging_check, self.script_check = staging_check, script_check
        self.cache = cache or FolderCache()
        self.folders = {} if folders is None else folders  # output folder -> why not writable
        # False: only resolve the paths (the outputs are checked against every shot's inputs);
        # look at no file. A farm task checks its own shot so, and the others only for that.
        self.inspect = inspect
        self.found: set[Path] = set()  # input files that exist, with a suffix they may have
        self.problems: list[Problem] = []
        self.out: Path | None = None
        self.render: RenderJob | None = None
        self.subtitles: Path | None = None

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.where(key), message, self.name))

    def value(self, key: str) -> tuple[Any, bool]:
        """(value, came from the defaults)."""
        mine = getattr(self.own, key)
        if mine is not None:
            return mine, False
        return getattr(self.defaults, key), True

    def _origin(self, from_defaults: bool) -> str:
        return " (set in [defaults])" if from_defaults else ""

    def path(self, key: str, text: str, from_defaults: bool) -> Path | None:
        expanded = _expand(text, self.name, self.where(key), self.problems)
        if expanded is None:
            return None
        try:
            if "\0" in expanded:  # os.path lets some calls through with it, the system none
                raise ValueError("embedded null byte")
            return resolve_path(expanded, self.base_dir, self.cache)
        except (OSError, ValueError) as exc:  # a NUL in the text, a name too long for the system
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.problem(key, f"'{text}' cannot be a path ({reason}){self._origin(from_defaults)}")
            return None

    def folder_problem(self, folder: Path) -> str | None:
        """paths.folder_problem, once per folder of the job (its shots share a few)."""
        if folder not in self.folders:
            self.folders[folder] = folder_problem(folder)
        return self.folders[folder]

    def required(self, key: str) -> tuple[Any, bool]:
        value, from_defaults = self.value(key)
        if value is None and key not in self.bad_keys:
            self.problem(key, self.missing(key))
        return value, from_defaults

    def input_file(
        self, key: str, text: str, from_defaults: bool, suffixes: tuple[str, ...] = (), fix: str = ""
    ) -> Path | None:
        path = self.path(key, text, from_defaults)
        if path is None or not self.inspect:
            return path
        origin = self._origin(from_defaults)
        fix = f"; {fix}" if fix else ""
        try:
            mode = os.stat(path).st_mode  # one look at the file: a job may name thousands
        except (FileNotFoundError, NotADirectoryError):
            mode = None
        except OSError as exc:
            self.problem(key, f"'{text}' cannot be read{origin}: {exc.strerror or exc} ({path}){fix}")
            return path
        if mode is not None and stat.S_ISDIR(mode):
            self.problem(key, f"'{text}' is a folder, not a file{origin} ({path}){fix}")
        elif mode is None or not stat.S_ISREG(mode):
            self.problem(key, f"file not found: '{text}'{origin} (looked for {path}){fix}")
        elif suffixes and path.suffix.lower() not in suffixes:
            self.problem(key, f"'{path.name}' is not a {' / '.join(suffixes)} file{origin}{fix}")
        else:
            self.found.add(path)
        return path

    def inspected_file(
        self, key: str, suffix: str, fix: str, check: Callable[[Path], str | None] | None
    ) -> Path | None:
        """An optional input file that ``check`` looks inside once it exists with its suffix
        (weights, retarget maps): the check's message is reported at the key."""
        text, from_defaults = self.value(key)
        if text is None:
            return None
        path = self.input_file(key, text, from_defaults, (suffix,), fix)
        if path in self.found and check:
            message = check(path)
            if message:
                self.problem(key, ("set in [defaults]: " if from_defaults else "") + message)
        return path

    def weights_file(self) -> Path | None:
        fix = f"give a Duet model .npz, or remove {self.label('weights')} to use the bundled model"
        return self.inspected_file("weights", ".npz", fix, self.weights_check)

    def retarget_file(self, key: str) -> Path | None:
        fix = (
            "give a retarget map saved from the Duet panel (.json), or remove "
            f"{self.label(key)} to use the map picked in the .blend (or the one detected from the key names)"
        )
        return self.inspected_file(key, ".json", fix, self.retarget_check)

    def resolve(self) -> tuple[ShotJob | None, list[Path]]:
        """The shot (None when it has problems) and every input path found, for
        the cross-shot check that no output overwrites any input. The outputs
        are kept in ``self.out`` and ``self.render`` even when the shot has
        other problems, so that check covers them too."""
        inputs: list[Path] = []
        blend_text, blend_def = self.required("blend")
        blend = self.input_file("blend", blend_text, blend_def, (".blend",)) if blend_text else None
        audio_list, audio_def = self.required("audio")
        audio = [self.input_file("audio", t, audio_def, AUDIO_SUFFIXES) for t in audio_list or []]
        staging_text, staging_def = self.value("staging")
        staging = self.input_file("staging", staging_text, staging_def) if staging_text else None
        script_text, script_def = self.value("script")
        # script = "" switches off a script set in [defaults].
        script = (
            self.input_file("script", script_text, script_def)
            if script_text and script_text.strip()
            else None
        )
        weights = self.weights_file()
        retarget_a, retarget_b = (self.retarget_file(key) for key in RETARGET_KEYS)
        optional = (staging, script, weights, retarget_a, retarget_b)
        inputs += [p for p in (blend, *audio, *optional) if p is not None]

        a, _ = self.value("a")
        b, _ = self.value("b")
        if (a is None) != (b is None) and not {"a", "b"} & self.bad_keys:
            both = f"{self.label('a')} and {self.label('b')}"
            self.problem(
                "b" if b is None else "a",
                f"give both characters ({both}), or neither to use the file's Duet pair",
            )
        elif a is not None and a == b:
            self.problem("b", f"A and B are the same object '{a}': pick two different characters")
        # What the bake would refuse in the texts, found before any Blender opens the shot.
        names = {"A": a, "B": b} if a is not None and b is not None and a != b else None
        if staging in self.found and self.staging_check is not None:
            for message in self.staging_check(staging, names):
                self.problem("staging", message)
        if script in self.found and self.script_check is not None:
            for message in self.script_check(script, names):
                self.problem("script", message)

        stems, _ = self.value("stems")
        if stems is False and len(audio) == 2:
            self.problem("stems", "two audio files are stems (one per actor): remove stems = false")

        out_text, out_def = self.required("out")
        out = self.path("out", out_text, out_def) if out_text else None
        if out is not None:
            if out.suffix.lower() != ".blend":
                self.problem("out", f"output '{out.name}' must be a .blend file")
            elif self.inspect and _kind(out) == "folder":
                self.problem("out", f"output '{out}' is a folder: name the .blend file to write")
            elif self.inspect and (problem := self.folder_problem(out.parent)):
                self.problem("out", problem)

        render = self._render()
        self.out, self.render = out, render
        self.subtitles = self._subtitles(out, script_text)
        seed, _ = self.value("seed")
        take, _ = self.value("take")
        fps, _ = self.value("fps")
        if self.problems or blend is None or out is None or None in audio:
            return None, inputs
        shot = ShotJob(
            name=self.name,
            blend=blend,
            audio=tuple(a_path for a_path in audio if a_path is not None),
            staging=staging,
            character_a=a,
            character_b=b,
            out=out,
            take=take,
            seed=0 if seed is None else seed,
            stems=stems,
            fps=fps,
            weights=weights,
            render=render,
            retarget_a=retarget_a,
            retarget_b=retarget_b,
            script=script,
            subtitles=self.subtitles,
        )
        return shot, inputs

    def _subtitles(self, out: Path | None, script_text: str | None) -> Path | None:
        """Where the take's placed script lines are written as subtitles, or None. ``true``:
        beside the baked .blend, with its name and .srt; a path: there (.srt or .vtt)."""
        setting, from_defaults = self.value("subtitles")
        if setting is None or setting is False or "subtitles" in self.bad_keys:
            return None
        if not (script_text and script_text.strip()):
            if from_defaults and script_text is not None:
                return None  # this shot switched its script off (script = ""): no lines, no subtitles
            if "script" not in self.bad_keys:
                self.problem(
                    "subtitles",
                    f"subtitles are the script's lines placed in the take: set {self.label('script')}, "
                    f"or remove {self.label('subtitles')}{self._origin(from_defaults)}",
                )
            return None
        if setting is True:
            return out.with_suffix(".srt") if out is not None and out.suffix.lower() == ".blend" else None
        path = self.path("subtitles", setting, from_defaults)
        if path is None or not self.inspect:
            return path
        if _kind(path) == "folder":
            self.problem("subtitles", f"'{path}' is a folder: name the .srt or .vtt file to write")
        elif problem := self.folder_problem(path.parent):
            self.problem("subtitles", problem)
        return path

    def _render(self) -> RenderJob | None:
        own, base = self.own.render, self.defaults.render
        if own is None and base is None:
            return None
        merged: dict[str, Any] = {}
        origin: dict[str, bool] = {}
        for key in RENDER_KEYS:
            mine = getattr(own, key) if own is not None else None
            theirs = getattr(base, key) if base is not None else None
            merged[key] = mine if mine is not None else theirs
            origin[key] = mine is None and theirs is not None
        if merged["enabled"] is False:
            return None
        if merged["dir"] is None:
            if "render" not in self.bad_keys:
                self.problem(
                    "render.dir", "missing: set render.dir (e.g. 'renders/{shot}') or render = false"
                )
            return None
        folder = self.path("render.dir", merged["dir"], origin["dir"])
        if folder is None:
            return None
        if self.inspect and _kind(folder) == "file":
            self.problem("render.dir", f"'{folder}' is a file, not a folder")
        elif self.inspect and (problem := self.folder_problem(folder)):
            self.problem("render.dir", problem)
        resolution = parse_resolution(merged["resolution"]) if merged["resolution"] else None
        fmt = merged["format"] or "images"
        if fmt == "video" and resolution and (resolution[0] % 2 or resolution[1] % 2):
            size = f"{resolution[0]}x{resolution[1]}"
            origin_note = self._origin(origin["resolution"] and origin["format"])
            self.problem("render.resolution", f"video needs even sizes (H.264), not {size}{origin_note}")
        return RenderJob(
            dir=folder,
            format=fmt,
            engine=merged["engine"],
            resolution=resolution,
            frames=parse_frames(merged["frames"]) if merged["frames"] else None,
        )


@dataclass(frozen=True)
class _Planned:
    """A shot's outputs, known even when the shot has other problems."""

    name: str
    out: Path | None
    render: RenderJob | None
    subtitles: Path | None = None


def _check_outputs(
    check: JobCheck,
    planned: list[_Planned],
    all_inputs: list[Path],
    output_root: Path | None,
    where: Callable[[str, str], str],
    cache: FolderCache | None = None,
    only: Collection[str] | None = None,
) -> None:
    """Cross-shot output checks: no output over any input (of any shot, or the
    job file itself), each shot its own .blend, everything inside the root.
    ``only``: check these shots' outputs (against every shot's inputs and outputs)."""
    index = InputIndex(all_inputs, cache)  # built once: each output is then a look-up, not a pass
    by_out: dict[Path, list[str]] = {}
    by_subtitles: dict[Path, list[str]] = {}
    for plan in planned:
        if plan.out is not None:
            by_out.setdefault(plan.out, []).append(plan.name)
        if plan.subtitles is not None:
            by_subtitles.setdefault(plan.subtitles, []).append(plan.name)
    bad: set[str] = set()

    def report(name: str, key: str, message: str) -> None:
        check.problems.append(Problem(where(name, key), message, name))
        bad.add(name)

    for plan in planned:
        if only is not None and plan.name not in only:
            continue
        if plan.out is not None:
            messages = output_problems(plan.out, index, output_root)
            others = [n for n in by_out[plan.out] if n != plan.name]
            if messages:  # the first problem is the one to fix
                report(plan.name, "out", messages[0])
            elif others:
                report(plan.name, "out", f"same output as shot '{others[0]}' ({plan.out}): give each its own")
        if plan.render is not None:
            targets = [plan.render.dir]
            if plan.render.format == "video":
                targets.append(plan.render.video_path(plan.name))
            for target in targets:  # the folder, then the video in it: report the first problem
                messages = output_problems(target, index, output_root)
                if messages:
                    report(plan.name, "render.dir", messages[0])
                    break
        if plan.subtitles is not None:
            messages = output_problems(plan.subtitles, index, output_root)
            others = [n for n in by_subtitles[plan.subtitles] if n != plan.name]
            if messages:
                report(plan.name, "subtitles", messages[0])
            elif others:
                report(
                    plan.name,
                    "subtitles",
                    f"same subtitle file as shot '{others[0]}' ({plan.subtitles}): put {{shot}} in the path",
                )
    check.shots = [s for s in check.shots if s.name not in bad]


def check_job_data(
    data: dict[str, Any],
    base_dir: Path,
    *,
    source: str = "job file",
    job_path: Path | None = None,
    output_root: Path | None = None,
    weights_check: WeightsCheck | None = None,
    retarget_check: RetargetCheck | None = None,
    staging_check: StagingCheck | None = None,
    script_check: ScriptCheck | None = None,
    only: Collection[str] | None = None,
) -> JobCheck:
    """Check parsed TOML: every problem with its location, and the valid shots.
    ``weights_check`` looks inside each distinct ``weights`` file (see WeightsCheck),
    ``retarget_check`` inside each ``retarget_a`` / ``retarget_b`` file (see RetargetCheck),
    ``staging_check`` inside each shot's ``staging`` file (see StagingCheck), ``script_check``
    inside each shot's ``script`` file (see ScriptCheck).

    ``only`` (a farm task's shots): check these shots alone. The others are read only as far
    as their paths, so that no output of these overwrites an input or output of theirs;
    their problems are not looked for, and ``shots`` holds only these."""
    check = JobCheck(source=source, path=job_path)
    only = None if only is None else set(only)
    cache = FolderCache()
    folders: dict[Path, str | None] = {}
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            guess = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else ""
            check.problems.append(
                Problem(
                    key, f"unknown top-level key '{key}'{hint}; a job file has [defaults] and [shots.NAME]"
                )
            )
    version = data.get("version", 1)
    if type(version) is not int or version != 1:
        check.problems.append(
            Problem("version", f"unsupported job file version {version!r}: this Duet reads 1")
        )

    defaults, bad_defaults, problems = _validate_fields(data.get("defaults", {}), "defaults", None)
    check.problems += problems
    # A shot's missing key whose default is itself broken is already reported once.
    bad_default_keys = bad_defaults

    shots = data.get("shots")
    if shots is None:
        check.problems.append(Problem("shots", "no shots: add one [shots.NAME] table per shot"))
        shots = {}
    elif not isinstance(shots, dict):
        check.problems.append(Problem("shots", f"must be tables [shots.NAME], not {_toml_type(shots)}"))
        shots = {}
    elif not shots:
        check.problems.append(Problem("shots", "no shots: add one [shots.NAME] table per shot"))

    all_inputs: list[Path] = [job_path] if job_path is not None else []
    planned: list[_Planned] = []
    for name, raw in shots.items():
        check.names.append(name)
        prefix = f"shots.{_toml_key(name)}"
        bad_name = not SHOT_NAME.match(name)
        if bad_name:
            check.problems.append(
                Problem(
                    prefix,
                    f"shot name '{name}' must start with a letter or digit and use only letters, digits, "
                    "'_', '-' and '.' (at most 80 characters): it names output files and farm tasks",
                    name,
                )
            )
        own, bad_own, problems = _validate_fields(raw, prefix, name)
        check.problems += problems
        resolver = _ShotResolver(
            name,
            own,
            defaults,
            bad_own | bad_default_keys,
            base_dir,
            lambda key, p=prefix: f"{p}.{key}",
            weights_check=weights_check,
            retarget_check=retarget_check,
            staging_check=staging_check,
            script_check=script_check,
            cache=cache,
            inspect=only is None or name in only,
            folders=folders,
        )
        shot, inputs = resolver.resolve()
        all_inputs += inputs
        planned.append(_Planned(name, resolver.out, resolver.render, resolver.subtitles))
        if resolver.inspect:
            check.problems += resolver.problems
            if shot is not None and not problems and not bad_name:
                check.shots.append(shot)
    if only is not None:  # the field problems of the shots left alone
        check.problems = [p for p in check.problems if p.shot is None or p.shot in only]
    where = lambda shot, key: f"shots.{_toml_key(shot)}.{key}"  # noqa: E731
    _check_outputs(check, planned, all_inputs, output_root, where, cache, only)
    return check


def load_job(
    path: str | Path,
    *,
    output_root: Path | None = None,
    weights_check: WeightsCheck | None = None,
    retarget_check: RetargetCheck | None = None,
    staging_check: StagingCheck | None = None,
    script_check: ScriptCheck | None = None,
    only: Collection[str] | None = None,
) -> JobCheck:
    """Read and check a job file (paths in it are relative to its folder); the checks
    and ``only`` as for check_job_data."""
    path = Path(path).expanduser().resolve()
    source = str(path)
    if not path.is_file():
        problem = Problem(source, "job file not found: check the path" if not path.exists() else "not a file")
        return JobCheck(source=source, path=path, problems=[problem])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problem = Problem(source, "not a text file: a job file is TOML text in UTF-8")
        return JobCheck(source=source, path=path, problems=[problem])
    except tomllib.TOMLDecodeError as exc:
        problem = Problem(source, f"not valid TOML: {exc}; see docs/BATCH.md for the format")
        return JobCheck(source=source, path=path, problems=[problem])
    except OSError as exc:
        problem = Problem(source, f"cannot read the job file: {exc.strerror or exc}")
        return JobCheck(source=source, path=path, problems=[problem])
    return check_job_data(
        data,
        path.parent,
        source=source,
        job_path=path,
        output_root=output_root,
        weights_check=weights_check,
        retarget_check=retarget_check,
        staging_check=staging_check,
        script_check=script_check,
        only=only,
    )


# Locations for the single-shot command: the option a user typed.
BAKE_OPTION_NAMES = {
    "blend": "--blend",
    "audio": "--audio",
    "staging": "--staging",
    "script": "--script",
    "subtitles": "--srt",
    "a": "--a",
    "b": "--b",
    "out": "--out",
    "take": "--take",
    "seed": "--seed",
    "stems": "--stems",
    "fps": "--fps",
    "weights": "--weights",
    "retarget_a": "--retarget-a",
    "retarget_b": "--retarget-b",
    "render": "--render",
    "render.dir": "--render",
    "render.format": "--video",
    "render.engine": "--engine",
    "render.resolution": "--resolution",
    "render.frames": "--frames",
}


def check_single_shot(
    values: dict[str, Any],
    base_dir: Path,
    *,
    name: str | None = None,
    output_root: Path | None = None,
    weights_check: WeightsCheck | None = None,
    retarget_check: RetargetCheck | None = None,
    staging_check: StagingCheck | None = None,
    script_check: ScriptCheck | None = None,
) -> JobCheck:
    """The checks of a job file for one shot given as command-line options.

    ``values`` uses the job-file keys (blend, audio, ..., render as a table);
    locations in problems are option names such as ``--out``.
    """
    source = "duet bake"

    def where(key: str) -> str:
        return BAKE_OPTION_NAMES.get(key, BAKE_OPTION_NAMES.get(key.split(".")[0], f"--{key}"))

    given = {k: v for k, v in values.items() if v is not None}
    out_text = given.get("out")
    if name is None:
        stem = Path(out_text).stem if isinstance(out_text, str) else "shot"
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).lstrip("._-") or "shot"
    check = JobCheck(source=source, path=None, names=[name])
    own, bad, problems = _validate_fields(given, "", name)
    check.problems += [
        Problem(where(p.location.lstrip(".").split("[")[0]), p.message, name) for p in problems
    ]
    resolver = _ShotResolver(
        name,
        own,
        ShotFields(),
        bad,
        base_dir,
        where,
        missing=lambda key: f"missing: give {where(key)}",
        label=where,
        weights_check=weights_check,
        retarget_check=retarget_check,
        staging_check=staging_check,
        script_check=script_check,
    )
    shot, inputs = resolver.resolve()
    check.problems += resolver.problems
    if shot is not None and not problems:
        check.shots.append(shot)
    planned = [_Planned(name, resolver.out, resolver.render, resolver.subtitles)]
    _check_outputs(check, planned, inputs, output_root, lambda _shot, key: where(key))
    return check
