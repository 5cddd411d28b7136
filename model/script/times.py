"""Times in script hints and subtitles: '12', '12.5s', '0:12', '1:02.5', '0:00:12,500'.

Kept to the millisecond as whole numbers, so a time written back by fmt_time parses to
the very same float.
"""

from __future__ import annotations

import re

MAX_HINT_S = 24 * 3600.0  # a take longer than a day is a typo in a hint
TIME_FORMS = "a time like 12, 12.5s, 0:12, 1:02.5 or 0:00:12,500"

_SECONDS = re.compile(r"^(\d+)(?:[.,](\d*))?\s*(s|sec|secs|seconds)?$", re.IGNORECASE | re.ASCII)
_WHOLE = re.compile(r"^\d+$", re.ASCII)


def time_ms(text: str) -> int:
    """Milliseconds of one time ('12', '12.5s', '0:12', '1:02.5', '0:00:12,500'); ValueError if not one."""
    text = text.strip()
    parts = text.split(":")
    if len(parts) > 3 or not text:
        raise ValueError("form")
    last = _SECONDS.match(parts[-1])
    if last is None or (len(parts) > 1 and last.group(3)) or not all(_WHOLE.match(p) for p in parts[:-1]):
        raise ValueError("form")
    whole, frac = int(last.group(1)), (last.group(2) or "")
    ms = whole * 1000 + int((frac + "000")[:3])
    if len(frac) > 3 and frac[3] >= "5":  # to the millisecond, half up
        ms += 1
    if len(parts) > 1 and whole >= 60:
        raise ValueError("seconds")
    if len(parts) == 3 and int(parts[1]) >= 60:
        raise ValueError("minutes")
    if len(parts) == 2:
        ms += int(parts[0]) * 60_000
    elif len(parts) == 3:
        ms += int(parts[0]) * 3_600_000 + int(parts[1]) * 60_000
    if ms > MAX_HINT_S * 1000:
        raise ValueError("large")
    return ms


def fmt_time(seconds: float) -> str:
    """Canonical time text: m:ss(.fff) or h:mm:ss(.fff), to the millisecond."""
    ms = round(seconds * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, msec = divmod(rest, 1000)
    frac = f".{msec:03d}".rstrip("0") if msec else ""
    return f"{hours}:{minutes:02d}:{secs:02d}{frac}" if hours else f"{minutes}:{secs:02d}{frac}"


def hint_text(start: float | None, end: float | None) -> str:
    if start is None and end is None:
        return ""
    if end is None:
        return f"[{fmt_time(start)}] "  # type: ignore[arg-type]
    if start is None:
        return f"[- {fmt_time(end)}] "
    return f"[{fmt_time(start)} - {fmt_time(end)}] "


__all__ = ["MAX_HINT_S", "TIME_FORMS", "fmt_time", "hint_text", "time_ms"]
