"""Terminal progress for long batches: per shot (stage, fraction) and overall
(shots done, elapsed, ETA). On a terminal one status line updates in place;
in a log (not a terminal) it prints a line when the stage changes and at most
every few seconds otherwise. Quiet mode prints only failures and the result.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from .summary import FAILED, INTERRUPTED, INVALID, OK, SKIPPED, BatchSummary, ShotOutcome, format_duration


class BatchProgress:
    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        quiet: bool = False,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        log_interval_s: float = 10.0,
    ) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.live = self.stream.isatty() if live is None else live
        self.clock = clock
        self.log_interval_s = log_interval_s
        self.started = clock()
        self.durations: list[float] = []  # seconds of each finished shot that ran
        self.done = 0
        self._index = 0
        self._name = ""
        self._shot_started = self.started
        self._stage = ""
        self._last_log = -float("inf")
        self._line_open = False

    # ------------------------------------------------------------------ estimates

    def eta_s(self) -> float | None:
        """Seconds left for the batch, from the mean time of finished shots."""
        if not self.durations:
            return None
        mean = sum(self.durations) / len(self.durations)
        current = max(mean - (self.clock() - self._shot_started), 0.0) if self._name else 0.0
        remaining = self.total - self.done - (1 if self._name else 0)
        return current + max(remaining, 0) * mean

    def status_line(self, stage: str, fraction: float | None) -> str:
        now = self.clock()
        pct = f" {100 * min(max(fraction, 0.0), 1.0):3.0f}%" if fraction is not None else ""
        eta = self.eta_s()
        eta_text = format_duration(eta) if eta is not None else "?"
        return (
            f"[{self._index + 1}/{self.total}] {self._name}: {stage}{pct}"
            f" | shot {format_duration(now - self._shot_started)}"
            f" | batch {self.done}/{self.total} done, {format_duration(now - self.started)} elapsed,"
            f" ETA {eta_text}"
        )

    # ------------------------------------------------------------------ output

    def _write_line(self, text: str) -> None:
        if self._line_open:
            self.stream.write("\r\x1b[K")
            self._line_open = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def _write_live(self, text: str) -> None:
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self._line_open = True

    def message(self, text: str, *, important: bool = False) -> None:
        """A log line (warnings, notes); quiet mode keeps only important ones."""
        if important or not self.quiet:
            self._write_line(text)

    # ------------------------------------------------------------------ events

    def start_shot(self, index: int, name: str) -> None:
        self._index, self._name = index, name
        self._shot_started = self.clock()
        self._stage = ""
        self._last_log = -float("inf")
        if not self.quiet and not self.live:
            self._write_line(f"[{index + 1}/{self.total}] {name}: started")

    def update(self, stage: str, fraction: float | None = None) -> None:
        if self.quiet:
            return
        line = self.status_line(stage, fraction)
        if self.live:
            self._write_live(line)
            return
        now = self.clock()
        if stage != self._stage or now - self._last_log >= self.log_interval_s:
            self._write_line(line)
            self._last_log = now
        self._stage = stage

    def end_shot(self, outcome: ShotOutcome) -> None:
        ran = outcome.status in (OK, FAILED, INTERRUPTED)
        if ran:
            self.durations.append(self.clock() - self._shot_started)
        self.done += 1
        prefix = f"[{self._index + 1}/{self.total}] {outcome.name}"
        self._name = ""
        if outcome.status == OK:
            stages = ", ".join(f"{k} {v:.1f}" for k, v in outcome.seconds.items() if k != "total")
            total = outcome.seconds.get("total", 0.0)
            target = f" -> {outcome.out}" if outcome.out else ""
            self.message(f"{prefix}: ok in {format_duration(total)} ({stages}){target}")
        elif outcome.status == SKIPPED:
            self.message(f"{prefix}: skipped ({outcome.note or 'not run'})")
        elif outcome.status == INVALID:
            detail = "; ".join(outcome.problems) or outcome.error or "invalid"
            self.message(f"{prefix}: INVALID: {detail}", important=True)
        elif outcome.status == INTERRUPTED:
            self.message(f"{prefix}: interrupted, no output written", important=True)
        else:
            total = outcome.seconds.get("total", 0.0)
            self.message(f"{prefix}: FAILED after {format_duration(total)}: {outcome.error}", important=True)

    def end(self, summary: BatchSummary) -> None:
        self._write_line(f"duet: {summary.line()}")
