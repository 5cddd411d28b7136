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
import re
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import FolderCache, InputIndex, output_problems
from .resolver import (
    RetargetCheck,
    ScriptCheck,
    ShotResolver,
    StagingCheck,
    WeightsCheck,
)
from .schema import (  # noqa: F401 (the field checks, re-exported: callers use jobfile.*)
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
from .shot import RenderJob, Shot

# Shot names become file names and farm task names: keep them plain.
SHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
TOP_LEVEL_KEYS = ("version", "defaults", "shots")


class JobFileError(ValueError):
    """A job that cannot run as written; ``problems`` holds every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"{source}: {count}:\n{lines}")


@dataclass
class JobCheck:
    """The outcome of checking a job: the valid shots and every problem."""

    source: str  # the job file, or "duet bake" for a single shot from the command line
    path: Path | None
    names: list[str] = field(default_factory=list)  # every shot, in file order
    shots: list[Shot] = field(default_factory=list)  # the valid ones, in file order
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

    def shot(self, name: str) -> Shot | None:
        return next((s for s in self.shots if s.name == name), None)

    def error(self, problems: list[Problem] | None = None) -> JobFileError:
        return JobFileError(self.source, self.problems if problems is None else problems)


def _toml_key(name: str) -> str:
    """A shot name as TOML writes it in a dotted key."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


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
        resolver = ShotResolver(
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
    "roles": "--roles",
    "recognise_words": "--recognise-words",
    "read_lips": "--network-lips",
    "hear_overlaps": "--no-overlaps",
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
    resolver = ShotResolver(
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
