"""What a batch did, shot by shot, as a JSON-ready summary, and its exit code.

Exit codes (the same for ``duet bake`` and ``duet batch``, documented in
docs/BATCH.md):

- 0: every selected shot succeeded (or was skipped because its output exists
  and ``--skip-existing`` was given);
- 1: at least one shot failed while baking or rendering; the others ran (also: the
  ``--summary`` file could not be written at the end);
- 2: the command line is wrong (unknown option, missing argument, unknown shot);
- 3: the job (file or bake arguments) is invalid: nothing ran, nothing was written;
- 130: interrupted (Ctrl-C or SIGTERM): finished shots are kept, the shot in
  progress left no output behind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

EXIT_OK = 0
EXIT_SHOT_FAILED = 1
EXIT_USAGE = 2
EXIT_INVALID_JOB = 3
EXIT_INTERRUPTED = 130

EXIT_CODES = {
    EXIT_OK: "every shot succeeded",
    EXIT_SHOT_FAILED: "one or more shots failed (the others ran)",
    EXIT_USAGE: "wrong command line",
    EXIT_INVALID_JOB: "invalid job: nothing ran",
    EXIT_INTERRUPTED: "interrupted",
}

# A shot's status in the summary.
OK = "ok"
FAILED = "failed"  # baking or rendering raised
INVALID = "invalid"  # the job file's checks refused it (see problems)
SKIPPED = "skipped"  # not run: output exists (--skip-existing), or the batch stopped first
INTERRUPTED = "interrupted"
STATUSES = (OK, FAILED, INVALID, SKIPPED, INTERRUPTED)


@dataclass
class ShotOutcome:
    name: str
    status: str = SKIPPED
    out: str | None = None
    renders: list[str] = field(default_factory=list)  # files written by the render stage
    take: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, plus "total"
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    note: str | None = None
    warnings: list[str] = field(default_factory=list)  # the take's report: a truncated voice-over, ...
    script_lines: int | None = None  # the script's lines placed in the take; None: no script
    subtitles: str | None = None  # the subtitle file written (the placed lines), if any

    @property
    def succeeded(self) -> bool:
        return self.status == OK or (self.status == SKIPPED and self.note is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "out": self.out,
            "renders": self.renders,
            "take": self.take,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "error": self.error,
            "problems": self.problems,
            "note": self.note,
            "warnings": self.warnings,
            "script_lines": self.script_lines,
            "subtitles": self.subtitles,
        }


@dataclass
class BatchSummary:
    source: str  # job file path, or "duet bake"
    stage: str = "all"
    outcomes: list[ShotOutcome] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    seconds: float = 0.0
    interrupted: bool = False
    problems: list[str] = field(default_factory=list)  # job-level problems (exit 3)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def exit_code(self) -> int:
        if self.problems:
            return EXIT_INVALID_JOB
        if self.interrupted:
            return EXIT_INTERRUPTED
        if all(o.succeeded for o in self.outcomes):
            return EXIT_OK
        return EXIT_SHOT_FAILED

    @property
    def shots_per_minute(self) -> float | None:
        done = self.count(OK)
        return 60.0 * done / self.seconds if done and self.seconds > 0 else None

    def line(self) -> str:
        """The one-line result for logs."""
        parts = [f"{self.count(OK)} ok"]
        for status in (FAILED, INVALID, INTERRUPTED, SKIPPED):
            if self.count(status):
                parts.append(f"{self.count(status)} {status}")
        rate = self.shots_per_minute
        speed = f", {rate:.1f} shots/min" if rate else ""
        return f"{', '.join(parts)} of {len(self.outcomes)} in {format_duration(self.seconds)}{speed}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "stage": self.stage,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started_at)),
            "seconds": round(self.seconds, 3),
            "exit_code": self.exit_code,
            "result": EXIT_CODES[self.exit_code],
            "counts": {status: self.count(status) for status in STATUSES},
            "shots_per_minute": None if self.shots_per_minute is None else round(self.shots_per_minute, 2),
            "problems": self.problems,
            "shots": [o.to_dict() for o in self.outcomes],
        }


def format_duration(seconds: float) -> str:
    """``42.1 s``, ``3:07``, ``1:02:03``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
