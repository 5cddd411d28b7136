"""``duet batch JOBS.toml``: bake, then render, every shot of a job file.

The same ``add_arguments``/``run`` serve ``python -m duet batch`` (bpy module)
and ``blender -b -c duet batch`` (the command the extension registers). Each
shot is a unit of work with its own outputs: ``--shot NAME`` runs one (a farm
task), ``--list --json`` enumerates them, ``--stage bake|render`` splits a
shot into its two farm steps.

The job is checked as a whole before anything runs (exit 3 and every problem
with its location when it is invalid); then one shot's failure does not stop
the others. Outputs are written atomically (batch.atomic) and never over an
input. Exit codes: see duet.batch.summary.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from ...batch import interrupts, jobfile
from ...batch.atomic import atomic_output, atomic_write_text, remove_stale_temps
from ...batch.checks import map_file_problem, staging_problems, weights_problem
from ...batch.jobfile import JobCheck
from ...batch.paths import folder_problem, output_problems, resolve_path
from ...batch.progress import BatchProgress
from ...batch.shot import RenderJob, Shot
from ...batch.summary import (
    EXIT_INVALID_JOB,
    EXIT_OK,
    EXIT_SHOT_FAILED,
    EXIT_USAGE,
    FAILED,
    INTERRUPTED,
    INVALID,
    OK,
    SKIPPED,
    BatchSummary,
    ShotOutcome,
)
from ...batch.text_inputs import script_problems

STAGES = ("all", "bake", "render")


class ShotFailure(ValueError):
    """A shot that could not be done, with the reason a user can act on."""


# ---------------------------------------------------------------------------- arguments


def _argument_type(check):
    def parse(text: str):
        try:
            check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    parse.__name__ = check.__name__.removeprefix("parse_").removeprefix("check_")
    return parse


resolution_arg = _argument_type(jobfile.parse_resolution)
frames_arg = _argument_type(jobfile.parse_frames)
engine_arg = _argument_type(jobfile.check_engine)


def add_render_override_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("render overrides (default: the .blend's own settings)")
    group.add_argument("--engine", type=engine_arg, help="workbench, eevee, cycles or a Blender engine id")
    group.add_argument("--resolution", type=resolution_arg, metavar="WxH", help="e.g. 1280x720")
    group.add_argument("--frames", type=frames_arg, metavar="START-END", help="frame range, e.g. 1-120")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by bake and batch: output, safety, logging."""
    parser.add_argument(
        "--output-root",
        type=Path,
        metavar="DIR",
        help="refuse any output (baked .blend, renders, summary) outside DIR",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the summary as JSON on stdout (logs go to stderr)"
    )
    parser.add_argument("--summary", type=Path, metavar="FILE", help="also write the JSON summary to FILE")
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress: only failures and the result"
    )
    parser.add_argument("--debug", action="store_true", help="print tracebacks of unexpected errors")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Bake (and render) every shot of a TOML job file; see docs/BATCH.md."
    parser.add_argument("job_file", type=Path, help="the job file (TOML)")
    parser.add_argument(
        "--shot", action="append", metavar="NAME", help="run only this shot (repeat for several)"
    )
    parser.add_argument("--list", action="store_true", help="list the shots (with --json: their settings)")
    parser.add_argument("--check", action="store_true", help="only check the job file, run nothing")
    parser.add_argument(
        "--stage",
        choices=STAGES,
        default="all",
        help="bake, render (the baked file must exist), or all (default)",
    )
    parser.add_argument(
        "--skip-existing", action="store_true", help="skip shots whose outputs exist (resume a batch)"
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="run the valid shots even if others are invalid (they count as failed)",
    )
    add_render_override_arguments(parser)
    add_run_arguments(parser)


# ---------------------------------------------------------------------------- plumbing


@contextlib.contextmanager
def stdout_for_json(active: bool) -> Iterator[TextIO]:
    """While active, everything written to stdout (Blender's own C-level prints
    included) goes to stderr; the yielded stream is the real stdout, kept for
    the JSON summary so it can be parsed."""
    if not active:
        yield sys.stdout
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    real = os.fdopen(os.dup(saved), "w", encoding="utf-8")
    try:
        yield real
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        real.flush()
        real.close()


def describe_os_error(exc: OSError) -> str:
    """An operating-system error as the user's to fix: a full or read-only disk is named
    with the folder it holds and what to do."""
    folder = Path(exc.filename).parent if exc.filename else None
    where = f"'{folder}'" if folder else "the output folder"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what = "is full" if exc.errno == errno.ENOSPC else "is over your disk quota"
        return f"the disk holding {where} {what} ({exc.strerror}): free space and run again"
    if exc.errno == errno.EROFS:
        return f"the disk holding {where} is read-only ({exc.strerror}): write the outputs to another disk"
    if exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)


def describe_exception(exc: BaseException, debug: bool) -> str:
    from ...model.errors import WeightsError

    if isinstance(exc, WeightsError):  # an installation problem, explained by its message
        text = str(exc)
    elif isinstance(exc, OSError) and (exc.strerror or exc.errno):
        text = describe_os_error(exc)
    elif isinstance(exc, ValueError):
        text = str(exc)
    else:
        text = f"internal error: {type(exc).__name__}: {exc} (please report it with --debug output)"
    if debug:
        text += "\n" + "".join(traceback.format_exception(exc))
    return text


# ---------------------------------------------------------------------------- one shot


def bake_shot_atomically(shot: Shot, progress: BatchProgress, outcome: ShotOutcome) -> None:
    """Bake ``shot`` into a temporary .blend beside its output, then replace the output with
    it (and write its subtitles, when asked for, just before). Fills in ``outcome``: the take,
    seconds per stage, the take's warnings, the script lines placed, the subtitle file."""
    try:
        from . import shot_bake
    except ImportError as exc:  # the bake module is part of the add-on; a broken install lacks it
        raise ShotFailure(f"this Duet installation cannot bake: {exc}; reinstall the extension") from exc

    def report(stage: str, fraction: float) -> None:
        interrupts.checkpoint()  # one that Blender's own Python calls swallowed
        progress.update(stage, fraction)

    removed = remove_stale_temps(shot.out)
    if shot.subtitles is not None:
        removed += remove_stale_temps(shot.subtitles)
    for path in removed:
        progress.message(f"{shot.name}: removed {path.name}, left by an interrupted run")
    with atomic_output(shot.out) as tmp:
        result = shot_bake.bake_shot(replace(shot, out=tmp), progress=report)
        interrupts.checkpoint()  # before the commit: an interrupted shot leaves no output
        commit_started = time.perf_counter()
        if shot.subtitles is not None:
            # Written (atomically) only once the bake succeeded, and just before the .blend:
            # a failure here leaves both as they were.
            write_subtitles(shot.subtitles, result.lines)
    seconds = dict(result.seconds)
    seconds["save"] = seconds.get("save", 0.0) + time.perf_counter() - commit_started
    for note in result.notes:
        progress.message(f"{shot.name}: warning: {note}", important=True)
    outcome.take, outcome.warnings = result.take, list(result.notes)
    outcome.seconds.update(seconds)
    if shot.script is not None:
        outcome.script_lines = len(result.lines)
    if shot.subtitles is not None:
        outcome.subtitles = str(shot.subtitles)


def write_subtitles(path: Path, lines) -> None:
    """The placed script lines as subtitles (.srt, or .vtt by the file's ending), atomically."""
    from ...model.script.subtitles import subtitles_for

    atomic_write_text(path, subtitles_for(path.suffix, lines))


def outputs_exist(shot: Shot, stage: str) -> bool:
    baked = shot.out.is_file() and (shot.subtitles is None or shot.subtitles.is_file())
    if shot.render is None or stage == "bake":
        return baked
    if shot.render.format == "video":
        rendered = shot.render.video_path(shot.name).is_file()
    else:
        rendered = any(shot.render.dir.glob(f"{shot.name}_*.png"))
    return rendered if stage == "render" else baked and rendered


def run_shot(
    shot: Shot, *, stage: str, progress: BatchProgress, skip_existing: bool = False, debug: bool = False
) -> ShotOutcome:
    """Bake and/or render one shot. Failures are caught and reported in the
    outcome; KeyboardInterrupt is recorded and re-raised."""
    outcome = ShotOutcome(name=shot.name, out=str(shot.out))
    if skip_existing and outputs_exist(shot, stage):
        outcome.note = "outputs exist (--skip-existing)"
        return outcome
    started = time.perf_counter()
    try:
        if stage in ("all", "bake"):
            bake_shot_atomically(shot, progress, outcome)
        if shot.render is not None and stage in ("all", "render"):
            from .shot_render import render_baked_shot

            files, seconds = render_baked_shot(
                shot.out,
                shot.name,
                shot.render,
                progress=progress.update,
                warn=lambda text: progress.message(text, important=True),
            )
            outcome.renders = [str(p) for p in files]
            outcome.seconds["render"] = seconds
        elif stage == "render":
            outcome.note = "no render settings for this shot"
        outcome.status = OK
    except KeyboardInterrupt:
        outcome.status = INTERRUPTED
        outcome.error = "interrupted"
        raise
    except Exception as exc:
        outcome.status = FAILED
        outcome.error = describe_exception(exc, debug)
    finally:
        outcome.seconds["total"] = time.perf_counter() - started
    return outcome


def run_shots(
    shots: list[Shot],
    summary: BatchSummary,
    progress: BatchProgress,
    *,
    stage: str,
    skip_existing: bool = False,
    debug: bool = False,
) -> BatchSummary:
    """Run shots one after another into ``summary``; stop at an interrupt."""
    started = time.perf_counter()
    pending = list(shots)
    try:
        with interrupts.handling():
            while pending:
                interrupts.checkpoint()
                shot = pending[0]
                outcome = ShotOutcome(name=shot.name, status=INTERRUPTED, out=str(shot.out))
                try:
                    progress.start_shot(summary_index(summary), shot.name)
                    outcome = run_shot(
                        shot, stage=stage, progress=progress, skip_existing=skip_existing, debug=debug
                    )
                finally:
                    summary.outcomes.append(outcome)
                    progress.end_shot(outcome)
                    pending.pop(0)
    except KeyboardInterrupt:
        summary.interrupted = True
        for shot in pending:
            summary.outcomes.append(
                ShotOutcome(name=shot.name, status=SKIPPED, out=str(shot.out), error="not run: interrupted")
            )
    summary.seconds += time.perf_counter() - started
    return summary


def summary_index(summary: BatchSummary) -> int:
    return sum(1 for o in summary.outcomes if o.status != INVALID)


def with_overrides(shot: Shot, args: argparse.Namespace) -> Shot:
    """Command-line render overrides applied to a shot that renders."""
    if shot.render is None:
        return shot
    render: RenderJob = shot.render
    if args.engine:
        render = replace(render, engine=jobfile.check_engine(args.engine))
    if args.resolution:
        render = replace(render, resolution=jobfile.parse_resolution(args.resolution))
    if args.frames:
        render = replace(render, frames=jobfile.parse_frames(args.frames))
    return replace(shot, render=render)


# ---------------------------------------------------------------------------- reporting


def print_problems(check: JobCheck, problems: list, stream: TextIO) -> None:
    stream.write(f"duet: {check.error(problems)}\n")
    stream.flush()


def finish(
    summary: BatchSummary,
    args: argparse.Namespace,
    stdout: TextIO,
    progress: BatchProgress | None,
    *,
    write_file: bool = True,
) -> int:
    """Print/write the summary; return the exit code."""
    text = json.dumps(summary.to_dict(), indent=2)
    code = summary.exit_code
    if args.summary is not None and write_file:
        try:
            atomic_write_text(args.summary, text + "\n")
        except OSError as exc:
            # A pipeline reads the summary file: without it the run did not deliver.
            sys.stderr.write(
                f"duet: could not write the summary to {args.summary}: {describe_os_error(exc)}\n"
            )
            code = code or EXIT_SHOT_FAILED
    if args.json:
        stdout.write(text + "\n")
        stdout.flush()
    if progress is not None:
        progress.end(summary)
    return code


def summary_path_problems(args: argparse.Namespace, inputs: list[Path]) -> list[str]:
    if args.summary is None:
        return []
    args.summary = resolve_path(args.summary, Path.cwd())
    problems = output_problems(args.summary, inputs, args.output_root)
    if args.summary.is_dir():
        problems.append(f"'{args.summary}' is a folder: name the .json file to write")
    elif problem := folder_problem(args.summary.parent):  # found now, not after every shot ran
        problems.append(problem)
    return [f"--summary: {p}" for p in problems]


def invalid_outcome(check: JobCheck, name: str, problems: list | None = None) -> ShotOutcome:
    problems = [str(p) for p in (check.problems_for(name) if problems is None else problems)]
    return ShotOutcome(name=name, status=INVALID, problems=problems, error="invalid job entry")


# ---------------------------------------------------------------------------- the command


def list_shots(check: JobCheck, args: argparse.Namespace, stdout: TextIO) -> int:
    valid = {s.name: s for s in check.shots}
    if args.json:
        entries = []
        by_shot = check.problems_by_shot()
        for name in check.names:
            shot = valid.get(name)
            entry = shot.to_dict() if shot else {"name": name}
            entry["valid"] = shot is not None
            entry["problems"] = [str(p) for p in by_shot.get(name, [])]
            entries.append(entry)
        data = {
            "source": check.source,
            "job_file": str(check.path),
            "problems": [str(p) for p in check.job_problems()],
            "shots": entries,
        }
        stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        for name in check.names:
            stdout.write(name + ("" if name in valid else "  (invalid)") + "\n")
        if check.problems:
            print_problems(check, check.problems, sys.stderr)
    stdout.flush()
    return EXIT_OK if check.ok else EXIT_INVALID_JOB


def run(args: argparse.Namespace) -> int:
    # With --json (the listing too: a farm submitter parses it) stdout carries JSON alone from
    # the start: Blender can log there while the job is checked (e.g. "Using OCIO=..." when the
    # OCIO variable is set, as it is in any process started by one that imported bpy).
    with stdout_for_json(args.json) as stdout:
        return _run(args, stdout)


def _run(args: argparse.Namespace, stdout: TextIO) -> int:
    if args.output_root is not None:
        args.output_root = resolve_path(args.output_root, Path.cwd())
    # The render stage runs no model, retargets nothing and reads no staging or script: no
    # need to look inside those files.
    baking = args.stage != "render"
    check = jobfile.load_job(
        args.job_file,
        output_root=args.output_root,
        weights_check=weights_problem if baking else None,
        retarget_check=map_file_problem if baking else None,
        staging_check=staging_problems if baking else None,
        script_check=script_problems if baking else None,
        # A farm task (--shot) checks its own shot; the listing the submitter reads, all.
        only=args.shot if args.shot and not args.list else None,
    )
    if args.list:
        return list_shots(check, args, stdout)
    progress = BatchProgress(0, quiet=args.quiet)
    summary = BatchSummary(source=check.source, stage=args.stage)

    selected = check.names
    if args.shot:
        unknown = [n for n in args.shot if n not in check.names]
        if unknown:
            known = ", ".join(check.names) or "none"
            sys.stderr.write(f"duet: unknown shot '{unknown[0]}' in {check.source}; its shots: {known}\n")
            return EXIT_USAGE
        wanted = set(args.shot)
        selected = [n for n in check.names if n in wanted]

    job_problems = check.job_problems()
    by_shot = check.problems_by_shot()
    shot_problems = [p for name in selected for p in by_shot.get(name, [])]
    extra = summary_path_problems(args, [p for s in check.shots for p in s.inputs()])
    if job_problems or extra or (shot_problems and not args.skip_invalid):
        print_problems(check, job_problems + shot_problems, sys.stderr)
        for text in extra:
            sys.stderr.write(f"  {text}\n")
        summary.problems = [str(p) for p in job_problems + shot_problems] + extra
        summary.outcomes = [invalid_outcome(check, n, by_shot[n]) for n in selected if n in by_shot]
        return finish(summary, args, stdout, None, write_file=not extra)
    if args.check:
        sys.stderr.write(f"duet: {check.source}: {len(selected)} shots, no problems\n")
        return EXIT_OK

    valid = {s.name: s for s in check.shots}
    for name in selected:
        if name not in valid:
            outcome = invalid_outcome(check, name, by_shot.get(name, []))
            summary.outcomes.append(outcome)
            progress.message(f"{name}: INVALID: {'; '.join(outcome.problems)}", important=True)
    runnable = [with_overrides(valid[n], args) for n in selected if n in valid]
    progress.total = len(runnable)
    run_shots(
        runnable,
        summary,
        progress,
        stage=args.stage,
        skip_existing=args.skip_existing,
        debug=args.debug,
    )
    return finish(summary, args, stdout, progress)
