"""Staging directions: a small language artists type, its parser, targets and solve.

    script = parse("A faces left\\nB looks at A from 2s to 4s", names={"A": "Mara", "B": "Theo"})
    script.describe()                      # canonical text; parses back to an equal script
    targets = script.to_targets(n_frames, fps=50.0)
    targets.conditioning                   # (T, 2, spec.COND_DIM) float32, the model's input
    performance = solve(performance, targets)   # commanded poses held within 1 degree
    performance = moods.apply_moods(performance, script.schedule)   # staged moods on the faces

The language is documented in docs/STAGING.md. Pure Python + numpy (+ pydantic).
"""

from __future__ import annotations

import math

from ..text_issues import in_text_order
from . import vocab
from .directions import Direction, Part, StagingScript, Time
from .errors import StagingError, StagingIssue
from .lexer import tokenize
from .parser import Parser
from .solve import solve
from .targets import StagingTargets


def check_names(names: object) -> tuple[dict[str, str], list[StagingIssue]]:
    """Validated {role: name} (blank names dropped) and problems (line 0)."""
    if names is None:
        return {}, []
    if not isinstance(names, dict):
        return {}, [
            StagingIssue(
                0,
                0,
                f"names must be a dict like {{'A': 'Mara', 'B': 'Theo'}}, got {type(names).__name__}",
                "a dict of role -> name",
                "pass names={'A': ..., 'B': ...}",
            )
        ]
    out: dict[str, str] = {}
    issues: list[StagingIssue] = []
    for role, name in names.items():
        if role not in ("A", "B"):
            issues.append(
                StagingIssue(0, 0, f"unknown role {role!r} in names: use 'A' and 'B'", "'A' or 'B'", "'A'")
            )
            continue
        if name is None:
            continue
        if not isinstance(name, str):
            issues.append(
                StagingIssue(
                    0, 0, f"the name for {role} must be text, got {type(name).__name__}", "text", "pass a str"
                )
            )
            continue
        name = " ".join(name.split())
        if not name or name.casefold() == role.casefold():
            continue
        folded = name.casefold()
        if not any(ch.isalpha() for ch in name):
            issues.append(
                StagingIssue(
                    0,
                    0,
                    f"the name {name!r} for {role} has no letters",
                    "a name with letters",
                    f"refer to it as {role}",
                )
            )
        elif folded in vocab.ROLE_WORDS:
            issues.append(
                StagingIssue(
                    0,
                    0,
                    f"the name {name!r} for {role} is the other character's letter",
                    "a name that is not A or B",
                    "rename the character",
                )
            )
        elif folded in vocab.KEYWORDS:
            issues.append(
                StagingIssue(
                    0,
                    0,
                    f"the name {name!r} for {role} is also a staging word",
                    "a name that is not a staging word",
                    f"rename the character, or write {role} in the staging text",
                )
            )
        else:
            out[role] = name
    if len(out) == 2 and out["A"].casefold() == out["B"].casefold():
        issues.append(
            StagingIssue(
                0,
                0,
                f"A and B are both called {out['A']!r}",
                "two different names",
                "rename one, or write A and B in the staging text",
            )
        )
    return out, issues


def _check_frame_rate(fps: object) -> list[StagingIssue]:
    if fps is None:
        return []
    try:
        value = float(fps)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and 0.0 < value <= 1000.0):
        return [
            StagingIssue(
                0, 0, f"fps must be a frame rate like 24 or 30, got {fps!r}", "0 < fps <= 1000", "24"
            )
        ]
    return []


def _parse(
    text: object, names: object, fps: float | None, first_frame: int
) -> tuple[StagingScript | None, list[StagingIssue]]:
    if not isinstance(text, str):
        return None, [
            StagingIssue(1, 1, f"staging must be text, got {type(text).__name__}", "text", "pass a string")
        ]
    bound, issues = check_names(names)
    issues += _check_frame_rate(fps)
    if isinstance(first_frame, bool) or not isinstance(first_frame, int):
        issues.append(
            StagingIssue(
                0, 0, f"first_frame must be a whole frame number, got {first_frame!r}", "an int", "1"
            )
        )
    if issues:
        return None, issues
    tokens, lex_issues = tokenize(text, bound)
    directions, parse_issues = Parser(tokens, bound).run()
    issues = in_text_order(lex_issues + parse_issues)
    if issues:
        return None, issues
    from .schedule import build_schedule

    frame_rate = float(fps) if fps is not None else vocab.DEFAULT_FRAME_RATE
    schedule, time_issues = build_schedule(directions, frame_rate, first_frame)
    if time_issues:
        return None, in_text_order(time_issues)
    script = StagingScript.model_validate(
        {"directions": tuple(directions), "frame_rate": frame_rate, "first_frame": first_frame},
        context={"checked_schedule": schedule},
    )
    return script, []


def parse(
    text: str,
    names: dict[str, str] | None = None,
    *,
    source: str = "<staging>",
    fps: float | None = None,
    first_frame: int = 0,
) -> StagingScript:
    """Parse staging text into a validated StagingScript.

    names binds character names to roles ({"A": "Mara", "B": "Theo"}). fps is the
    scene frame rate used for frame times ("f120"; 24 when not given) and
    first_frame the scene frame the take starts on. Raises StagingError listing
    every problem; nothing is returned for text with errors.
    """
    script, issues = _parse(text, names, fps, first_frame)
    if issues or script is None:
        raise StagingError(issues, source)
    return script


def validate(
    text: str, names: dict[str, str] | None = None, *, fps: float | None = None, first_frame: int = 0
) -> list[StagingIssue]:
    """Every problem in the text (empty when it parses), for live validation."""
    return _parse(text, names, fps, first_frame)[1]


__all__ = [
    "Direction",
    "Part",
    "StagingError",
    "StagingIssue",
    "StagingScript",
    "StagingTargets",
    "Time",
    "check_names",
    "parse",
    "solve",
    "validate",
]
