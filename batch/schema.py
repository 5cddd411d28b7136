"""The keys of a job file (a shot, or ``[defaults]``), validated field by field.

batch.resolver merges a shot over the defaults and checks its files; this module says
whether each key's value has the right type and range, in words a user can act on
(``defaults.seed: must be a whole number, not a string ('3')``).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENGINE_ALIASES = ("workbench", "eevee", "cycles")
RENDER_FORMATS = ("images", "video")
_RESOLUTION = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")
_FRAMES = re.compile(r"^\s*(-?\d+)\s*(?:(?:-|\.\.)\s*(-?\d+)\s*)?$")
_ENGINE_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
MAX_RESOLUTION = 16384
# Take seeds: what a job file, duet bake --seed, the panel (min 0) and generate() accept.
MAX_SEED = 2**32 - 1
# What subtitles may be written as (duet.model.script.subtitles.FORMATS).
SUBTITLE_SUFFIXES = (".srt", ".vtt")
# roles: who the first voice heard is ("first": A, the default; "swap": B), a take of one voice
# ("A" or "B": that character's, a monologue the other listens to), or [start, end].
ROLE_WORDS = ("first", "swap", "A", "B")  # as stored; read case-insensitively
ROLES_FORMS = (
    '"first" (A is the first voice heard), "swap" (B is), "A" or "B" (the take holds one voice, that '
    "character's: a monologue) or [start, end], the seconds of the audio in which A speaks (as text: "
    '"12.5-14")'
)
_WORD_OF = {w.lower(): w for w in ROLE_WORDS}
# What a user may mean by a word that is not one of ROLE_WORDS (letters only, lower case).
_ROLE_HINTS = {
    "default": "first",
    "none": "first",
    "swapped": "swap",
    "onlya": "A",
    "aonly": "A",
    "onlyb": "B",
    "bonly": "B",
}
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_SPAN = re.compile(rf"^\s*({_NUMBER})\s*(?:-|\.\.)\s*({_NUMBER})\s*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a job, where it is and what to do about it."""

    location: str  # "shots.sc01_010.audio", "defaults.seed", "--out", or the file for TOML syntax
    message: str
    shot: str | None = None  # None: concerns the whole job

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def seed_problem(seed: object) -> str:
    """The one wording for a seed out of range; duet.model.generation says the same."""
    return f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}"


def _seconds(value: float) -> str:
    return f"{value:g}"


def _role_word(text: str) -> str | tuple[float, float]:
    word = text.strip().lower()
    if word in _WORD_OF:
        return _WORD_OF[word]
    span = _SPAN.match(text)
    if span:
        return parse_span([float(span.group(1)), float(span.group(2))])
    if not word:
        raise ValueError('must not be empty: write "first" for the default, or remove the key')
    # Typos of the long words only: a near miss of a single letter ("ab") could mean either role.
    close = difflib.get_close_matches(word, [w for w in _WORD_OF if len(w) > 1], n=1)
    guess = _ROLE_HINTS.get(re.sub(r"[^a-z]", "", word)) or (_WORD_OF[close[0]] if close else None)
    hint = f" (did you mean '{guess}'?)" if guess else ""
    raise ValueError(f"'{text}' is not a roles value{hint}: use {ROLES_FORMS}")


def parse_span(values: list[Any]) -> tuple[float, float]:
    """[start, end] seconds of the audio in which A speaks, checked as generate() will need it."""
    if len(values) != 2:
        count = f"{len(values)} value" + ("" if len(values) == 1 else "s")
        raise ValueError(f"[start, end] takes two numbers (seconds in which A speaks), not {count}")
    for value in values:
        if type(value) not in (int, float):
            raise ValueError(f"[start, end] must be numbers of seconds, not {_toml_type(value)} ({value!r})")
        if not math.isfinite(value):
            raise ValueError(f"[start, end] must be finite numbers of seconds, not {value}")
    start, end = float(values[0]), float(values[1])
    if start < 0:
        raise ValueError(
            f"the span starts at {_seconds(start)} s: seconds count from 0, the start of the audio"
        )
    if end <= start:
        what = "is empty" if end == start else "ends before it starts"
        raise ValueError(
            f"the span {_seconds(start)}-{_seconds(end)} s {what}: give the start, then a later end"
        )
    return start, end


def parse_roles(value: Any) -> str | tuple[float, float]:
    """A ``roles`` value as a job file or ``duet bake --roles`` gives it: "first", "swap", "A",
    "B" or (start, end) seconds; a ValueError says what is wrong and what to write."""
    if isinstance(value, str):
        return _role_word(value)
    if isinstance(value, list | tuple):
        return parse_span(list(value))
    raise ValueError(f"must be {ROLES_FORMS}, not {_toml_type(value)} ({value!r})")


def parse_resolution(text: str) -> tuple[int, int]:
    match = _RESOLUTION.match(text)
    if not match:
        raise ValueError(f"resolution '{text}' is not WIDTHxHEIGHT, e.g. '1920x1080'")
    width, height = int(match.group(1)), int(match.group(2))
    if not (4 <= width <= MAX_RESOLUTION and 4 <= height <= MAX_RESOLUTION):
        raise ValueError(f"resolution '{text}' must be between 4 and {MAX_RESOLUTION} pixels each way")
    return width, height


def parse_frames(text: str) -> tuple[int, int]:
    match = _FRAMES.match(text)
    if not match:
        raise ValueError(f"frames '{text}' is not a frame or a range, e.g. '1-120' or '48'")
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) is not None else start
    if end < start:
        raise ValueError(f"frames '{text}' ends before it starts: write START-END with START <= END")
    return start, end


def check_engine(text: str) -> str:
    """A render engine as written in a job file: an alias or a Blender identifier."""
    if text.lower() in ENGINE_ALIASES:
        return text.lower()
    if _ENGINE_ID.match(text):
        return text
    raise ValueError(
        f"engine '{text}' is unknown: use {', '.join(ENGINE_ALIASES)} or a Blender engine "
        "identifier such as BLENDER_WORKBENCH or CYCLES"
    )


class RenderFields(BaseModel):
    """``render`` of a shot or of the defaults (every key optional here)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool | None = None
    dir: str | None = None
    format: Literal["images", "video"] | None = None
    engine: str | None = None
    resolution: str | None = None
    frames: str | None = None

    @field_validator("engine")
    @classmethod
    def _engine(cls, value: str | None) -> str | None:
        return None if value is None else check_engine(value)

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, value: str | None) -> str | None:
        if value is not None:
            parse_resolution(value)
        return value

    @field_validator("frames")
    @classmethod
    def _frames(cls, value: str | None) -> str | None:
        if value is not None:
            parse_frames(value)
        return value


class ShotFields(BaseModel):
    """The keys of one shot, or of ``[defaults]`` (every key optional here;
    what a shot needs in the end is checked after merging)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    blend: str | None = None
    audio: list[str] | None = None
    staging: str | None = None
    script: str | None = None  # "" (or blank): no script, to switch off one from [defaults]
    subtitles: bool | str | None = None  # true: beside the baked .blend; a path: there
    a: str | None = None
    b: str | None = None
    out: str | None = None
    take: str | None = None
    seed: int | None = None
    stems: bool | None = None
    roles: str | tuple[float, float] | None = None  # "first", "swap", "A", "B" or (start, end): parse_roles
    recognise_words: bool | None = None  # lips from recognised English words (no script)
    read_lips: bool | None = None  # the lip reader shapes the speaking mouth (default true)
    hear_overlaps: bool | None = None  # mixed: the network decides where two voices sound (default true)
    fps: float | None = Field(default=None, gt=0, le=1000)
    weights: str | None = None
    retarget_a: str | None = None
    retarget_b: str | None = None
    render: RenderFields | None = None

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= MAX_SEED:
            raise ValueError(seed_problem(value))
        return value

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        # One message for a wrong value (pydantic would list one per member of the union).
        return None if value is None else parse_roles(value)

    @field_validator("audio", mode="before")
    @classmethod
    def _one_path_or_two(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("audio")
    @classmethod
    def _audio_count(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not 1 <= len(value) <= 2:
            raise ValueError(
                f"audio takes one file (mixed, or stereo stems) or two stem files [A, B], not {len(value)}"
            )
        return value

    @field_validator("render", mode="before")
    @classmethod
    def _render_switch(cls, value: Any) -> Any:
        # render = true / false switches rendering with the other settings inherited.
        return {"enabled": value} if isinstance(value, bool) else value

    @field_validator("subtitles", mode="before")
    @classmethod
    def _subtitles(cls, value: Any) -> Any:
        # One message for a wrong type (pydantic would list one per member of the union).
        if value is None or isinstance(value, bool):
            return value
        if not isinstance(value, str):
            raise ValueError(
                "must be true, false or the path of an .srt or .vtt file, "
                f"not {_toml_type(value)} ({value!r})"
            )
        if not value.strip():
            raise ValueError("must not be empty: write subtitles = false for none")
        if Path(value).suffix.lower() not in SUBTITLE_SUFFIXES:
            raise ValueError(
                f"'{value}' must end in .srt or .vtt (the subtitle format), or write subtitles = true "
                "for an .srt beside the baked .blend"
            )
        return value

    @field_validator("a", "b", "take", "weights", "retarget_a", "retarget_b")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty: remove the key to use the default")
        return value


SHOT_KEYS = tuple(ShotFields.model_fields)
RENDER_KEYS = tuple(RenderFields.model_fields)

_TOML_TYPES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true/false",
    list: "an array",
    dict: "a table",
}
_EXPECTED = {
    "string_type": "must be a string in quotes",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "list_type": "must be an array of strings",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def _toml_type(value: Any) -> str:
    for kind, name in _TOML_TYPES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def _format_loc(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _friendly(error: dict[str, Any], allowed: dict[tuple[str, ...], tuple[str, ...]]) -> str:
    kind = error["type"]
    loc = tuple(p for p in error["loc"] if isinstance(p, str))
    if kind == "extra_forbidden":
        keys = allowed.get(loc[:-1], SHOT_KEYS)
        guess = difflib.get_close_matches(loc[-1], keys, n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        return f"unknown key '{loc[-1]}'{hint}; allowed here: {', '.join(keys)}"
    if loc[:1] == ("audio",) and kind in ("list_type", "string_type"):
        return f"must be a file path or an array of one or two paths, not {_toml_type(error.get('input'))}"
    if kind in _EXPECTED:
        return f"{_EXPECTED[kind]}, not {_toml_type(error.get('input'))} ({error.get('input')!r})"
    if kind == "literal_error":
        return f"{error['msg'].replace('Input should be', 'must be')} (got {error.get('input')!r})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg']} (got {error.get('input')!r})"


def _validate_fields(raw: Any, prefix: str, shot: str | None) -> tuple[ShotFields, set[str], list[Problem]]:
    """Validate one shot or the defaults. Returns the fields that are valid (bad
    keys dropped, so the rest can still be checked), the bad keys and problems."""
    allowed = {(): SHOT_KEYS, ("render",): RENDER_KEYS}
    if not isinstance(raw, dict):
        problem = Problem(prefix, f"must be a table of shot settings, not {_toml_type(raw)}", shot)
        return ShotFields(), set(SHOT_KEYS), [problem]
    try:
        return ShotFields.model_validate(raw), set(), []
    except ValidationError as exc:
        problems, bad = [], set()
        for error in exc.errors():
            loc = error["loc"]
            bad.add(str(loc[0]))
            problems.append(Problem(f"{prefix}.{_format_loc(loc)}", _friendly(error, allowed), shot))
        keep = {k: v for k, v in raw.items() if k not in bad}
        return ShotFields.model_validate(keep), bad, problems
