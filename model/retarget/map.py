"""The retarget map: linear entries and prototype solves, the default map for a detected
rig, its JSON schema (checked with pydantic, every problem named), load/save, and
``apply(map, arkit_values)``. The JSON format is documented in docs/RETARGET.md.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..spec import ARKIT_INDEX, ARKIT_NAMES
from . import schemes as rs
from .detect import _SCHEMES, RigReport, _listing
from .solve import DEFAULT_REGULARIZATION, _solve_features, solve_prototypes

MAP_FORMAT = "duet-retarget-map"
MAP_VERSION = 1


# --------------------------------------------------------------------------- the map


@dataclass
class LinearEntry:
    """target = clamp(offset + sum(weight * ARKit channel))."""

    target: str
    sources: dict[str, float]
    offset: float = 0.0
    clamp: tuple[float, float] | None = (0.0, 1.0)


@dataclass
class SolveGroup:
    """Viseme-style keys solved together from the ARKit mouth pose.

    Per frame, weights w >= 0 (at most max_weight) minimise
    sum_c channel_weights[c] * (sum_v w_v prototype_v[c] - arkit[c])^2
    + regularization * mean prototype energy * |w|^2; each prototype key gets
    clamp(gain * w), the rest key (if any) 1 - the sum of the others.
    """

    prototypes: dict[str, dict[str, float]]
    rest: str | None = None
    channel_weights: dict[str, float] = field(default_factory=lambda: dict(rs.MOUTH_CHANNEL_WEIGHTS))
    regularization: float = DEFAULT_REGULARIZATION
    max_weight: float = 1.0
    gain: float = 1.0
    clamp: tuple[float, float] | None = (0.0, 1.0)
    name: str = "mouth"


@dataclass
class RetargetMap:
    """How a rig's shape keys follow the 52 ARKit curves (editable, JSON)."""

    linear: list[LinearEntry] = field(default_factory=list)
    solves: list[SolveGroup] = field(default_factory=list)
    name: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def targets(self) -> list[str]:
        """Every rig shape key this map drives."""
        out = [e.target for e in self.linear]
        for g in self.solves:
            out += list(g.prototypes)
            if g.rest:
                out.append(g.rest)
        return out

    def missing_targets(self, shape_key_names: Iterable[str]) -> list[str]:
        """Keys the map drives that a rig lacks (a saved map reused on another rig)."""
        have = set(shape_key_names)
        return [t for t in self.targets if t not in have]

    # ---- building

    @classmethod
    def identity(cls) -> RetargetMap:
        """All 52 ARKit channels onto keys of the same names."""
        return cls(linear=[LinearEntry(n, {n: 1.0}) for n in ARKIT_NAMES], name="ARKit identity")

    @classmethod
    def default_for(cls, report: RigReport, mouth: str | None = None) -> RetargetMap:
        """The default map for what detect() found.

        ARKit keys follow their channels one to one. Viseme keys of the mouth
        scheme (``mouth`` overrides report.mouth_scheme) are solved from their
        prototype poses; when visemes drive the mouth, ARKit jaw/mouth keys are
        left undriven so the jaw does not move twice. VRM blink/look/emotion keys
        follow the matching ARKit channels, unless an ARKit key already does (or,
        for look keys, the rig has eye bones the bake turns).
        """
        mouth = mouth if mouth is not None else report.mouth_scheme
        if mouth is not None and report.scheme(mouth) is None:
            known = ", ".join(s.key for s in report.schemes) or "none"
            raise InputError(f"mouth scheme '{mouth}' was not found on this rig (found: {known})")
        linear: list[LinearEntry] = []
        solves: list[SolveGroup] = []
        notes: list[str] = []
        arkit = report.scheme("arkit")
        driven_channels: set[str] = set()
        if arkit is not None:
            skipped = []
            for target, key in arkit.found.items():
                if mouth not in (None, "arkit") and target in rs.ARKIT_MOUTH_CHANNELS:
                    skipped.append(key)
                    continue
                linear.append(LinearEntry(key, {target: 1.0}))
                driven_channels.add(target)
            if skipped:
                notes.append(f"{_SCHEMES[mouth].label} drive the mouth; not driven: " + _listing(skipped))
        for match in report.schemes:
            if match.key == "arkit":
                continue
            scheme = _SCHEMES[match.key]
            targets = {t.name: t for t in scheme.targets}
            if match.key == mouth:
                prototypes = {
                    key: dict(rs.POSES[targets[t].pose])
                    for t, key in match.found.items()
                    if targets[t].kind == "mouth"
                }
                rest = next((key for t, key in match.found.items() if targets[t].kind == "rest"), None)
                if prototypes:
                    solves.append(SolveGroup(prototypes=prototypes, rest=rest))
            elif any(targets[t].kind in ("mouth", "rest") for t in match.found):
                notes.append(
                    f"{match.label} mouth keys not driven: another scheme drives the mouth "
                    f"({_SCHEMES[mouth].label if mouth else 'none'})"
                )
            both_blinks = {"blinkLeft", "blinkRight"} <= set(match.found)
            no_source = []
            for t, key in match.found.items():
                target = targets[t]
                if target.kind != "linear":
                    continue
                if not target.sources:
                    no_source.append(key)
                    continue
                if t == "blink" and both_blinks:
                    pair = f"{match.found['blinkLeft']} and {match.found['blinkRight']}"
                    notes.append(f"'{key}' not driven: {pair} close the eyes")
                    continue
                if target.eyes_without_bones and report.has_eye_bones:
                    notes.append(f"'{key}' not driven: the eye bones carry the gaze")
                    continue
                if driven_channels & set(target.sources):
                    notes.append(f"'{key}' not driven: ARKit keys already drive its channels")
                    continue
                linear.append(LinearEntry(key, dict(target.sources)))
            if no_source:
                notes.append("not driven (no ARKit counterpart): " + _listing(no_source))
        label = _SCHEMES[mouth].label if mouth else "no mouth"
        return cls(linear=linear, solves=solves, name=f"default ({label})", notes=notes)

    # ---- JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MAP_FORMAT,
            "version": MAP_VERSION,
            "name": self.name,
            "linear": [
                {
                    "target": e.target,
                    "sources": dict(e.sources),
                    "offset": e.offset,
                    "clamp": list(e.clamp) if e.clamp is not None else None,
                }
                for e in self.linear
            ],
            "solves": [
                {
                    "name": g.name,
                    "prototypes": {k: dict(v) for k, v in g.prototypes.items()},
                    "rest": g.rest,
                    "channel_weights": dict(g.channel_weights),
                    "regularization": g.regularization,
                    "max_weight": g.max_weight,
                    "gain": g.gain,
                    "clamp": list(g.clamp) if g.clamp is not None else None,
                }
                for g in self.solves
            ],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Any, source: str = "retarget map") -> RetargetMap:
        model = _validate(data, source)
        return cls(
            linear=[LinearEntry(e.target, dict(e.sources), e.offset, e.clamp) for e in model.linear],
            solves=[
                SolveGroup(
                    prototypes={k: dict(v) for k, v in g.prototypes.items()},
                    rest=g.rest,
                    channel_weights=dict(g.channel_weights),
                    regularization=g.regularization,
                    max_weight=g.max_weight,
                    gain=g.gain,
                    clamp=g.clamp,
                    name=g.name,
                )
                for g in model.solves
            ],
            name=model.name,
            notes=list(model.notes),
        )

    @classmethod
    def from_json(cls, text: str, source: str = "retarget map") -> RetargetMap:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}): "
                "fix the file or save the map again from the Duet panel"
            ) from None
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> RetargetMap:
        return cls.read(path)[0]

    @classmethod
    def read(cls, path: str | Path) -> tuple[RetargetMap, str]:
        """The map in the file at ``path`` and the file's text as written (the panel keeps it in a
        text block): the one reader of map files. A missing or unreadable file, invalid JSON or
        not the map schema is an InputError naming the file and the fix."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"retarget map '{p}' does not exist: pick a saved map (.json)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"retarget map '{p}' cannot be read ({exc}): pick a saved map (.json)") from None
        return cls.from_json(text, source=f"retarget map '{p}'"), text


# --------------------------------------------------------------------------- validation (pydantic)

_CHANNELS = set(ARKIT_NAMES)


def _channel_problem(name: str, allowed: Iterable[str], what: str = "an ARKit channel") -> str:
    close = difflib.get_close_matches(name, list(allowed), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"'{name}' is not {what}{hint}"


@functools.cache
def _schema() -> type:
    """The pydantic model of the JSON map (built on first use: pydantic loads slowly)."""
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

    def check_clamp(v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not (np.isfinite(v[0]) and np.isfinite(v[1]) and v[0] < v[1]):
            raise ValueError(f"clamp must be [low, high] with low < high, got {list(v)}")
        return v

    def check_number(v: float, what: str) -> float:
        if not np.isfinite(v):
            raise ValueError(f"{what} must be a finite number")
        return v

    class Linear(BaseModel):
        model_config = ConfigDict(extra="forbid")
        target: str = Field(min_length=1)
        sources: dict[str, float]
        offset: float = 0.0
        clamp: tuple[float, float] | None = (0.0, 1.0)

        @field_validator("sources")
        @classmethod
        def _sources(cls, v: dict[str, float]) -> dict[str, float]:
            for name, weight in v.items():
                if name not in _CHANNELS:
                    raise ValueError(_channel_problem(name, _CHANNELS))
                check_number(weight, f"the weight of '{name}'")
            return v

        _clamp = field_validator("clamp")(classmethod(lambda cls, v: check_clamp(v)))
        _offset = field_validator("offset")(classmethod(lambda cls, v: check_number(v, "offset")))

    class Solve(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: str = "mouth"
        prototypes: dict[str, dict[str, float]] = Field(min_length=1)
        rest: str | None = None
        channel_weights: dict[str, float] = Field(default_factory=lambda: dict(rs.MOUTH_CHANNEL_WEIGHTS))
        regularization: float = Field(default=DEFAULT_REGULARIZATION, gt=0.0, le=10.0)
        max_weight: float = Field(default=1.0, gt=0.0, le=100.0)
        gain: float = Field(default=1.0, gt=0.0, le=100.0)
        clamp: tuple[float, float] | None = (0.0, 1.0)

        @field_validator("prototypes")
        @classmethod
        def _prototypes(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
            for target, pose in v.items():
                if not target:
                    raise ValueError("a prototype needs a shape-key name")
                for name, value in pose.items():
                    if name not in _CHANNELS:
                        raise ValueError(f"prototype '{target}': {_channel_problem(name, _CHANNELS)}")
                    if not (np.isfinite(value) and 0.0 <= value <= 1.0):
                        raise ValueError(f"prototype '{target}': '{name}' must lie in 0..1 (ARKit values)")
            return v

        @field_validator("channel_weights")
        @classmethod
        def _weights(cls, v: dict[str, float]) -> dict[str, float]:
            allowed = _CHANNELS | {rs.LIP_GAP}
            for name, weight in v.items():
                if name not in allowed:
                    raise ValueError(_channel_problem(name, allowed, f"an ARKit channel or '{rs.LIP_GAP}'"))
                if not (np.isfinite(weight) and weight >= 0):
                    raise ValueError(f"the weight of '{name}' must be a number >= 0")
            if not any(w > 0 for w in v.values()):
                raise ValueError("at least one channel weight must be > 0")
            return v

        _clamp = field_validator("clamp")(classmethod(lambda cls, v: check_clamp(v)))

        @model_validator(mode="after")
        def _consistent(self) -> Solve:
            if self.rest is not None and self.rest in self.prototypes:
                raise ValueError(f"rest key '{self.rest}' is also a prototype: it can be only one of them")
            flat = _solve_features(self.channel_weights)
            for target, pose in self.prototypes.items():
                vec = np.zeros(len(ARKIT_NAMES))
                for name, value in pose.items():
                    vec[ARKIT_INDEX[name]] = value
                if not np.any(np.abs(flat @ vec) > 1e-9):
                    raise ValueError(
                        f"prototype '{target}' has no weight in the compared channels "
                        "(give it non-zero values in channels of channel_weights)"
                    )
            return self

    class MapModel(BaseModel):
        model_config = ConfigDict(extra="forbid")
        format: Literal["duet-retarget-map"]
        version: Literal[1]
        name: str = ""
        linear: list[Linear] = Field(default_factory=list)
        solves: list[Solve] = Field(default_factory=list)
        notes: list[str] = Field(default_factory=list)

        @model_validator(mode="after")
        def _unique_targets(self) -> MapModel:
            seen: dict[str, str] = {}
            for i, e in enumerate(self.linear):
                _claim(seen, e.target, f"linear[{i}]")
            for i, g in enumerate(self.solves):
                for t in g.prototypes:
                    _claim(seen, t, f"solves[{i}].prototypes")
                if g.rest:
                    _claim(seen, g.rest, f"solves[{i}].rest")
            return self

    return MapModel


def _claim(seen: dict[str, str], target: str, where: str) -> None:
    if target in seen:
        raise ValueError(f"shape key '{target}' is driven twice ({seen[target]} and {where}): keep one entry")
    seen[target] = where


def _validate(data: Any, source: str) -> Any:
    from pydantic import ValidationError

    model = _schema()
    if not isinstance(data, dict):
        raise InputError(f"{source} must be a JSON object with 'format': '{MAP_FORMAT}'")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"])
            loc = loc.replace(".[", "[")
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key: remove it or check its spelling"
            elif err["type"] == "literal_error" and err["loc"] == ("format",):
                msg = f"'format' must be '{MAP_FORMAT}' (is this a Duet retarget map?)"
            elif err["type"] == "missing":
                msg = "required key is missing"
            problems.append(f"  {loc or '(top level)'}: {msg}")
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        raise InputError(f"{source} has {count}:\n" + "\n".join(problems)) from None


# --------------------------------------------------------------------------- applying


def _pose_matrix(poses: Iterable[Mapping[str, float]]) -> np.ndarray:
    rows = []
    for pose in poses:
        row = np.zeros(len(ARKIT_NAMES))
        for name, value in pose.items():
            row[ARKIT_INDEX[name]] = value
        rows.append(row)
    return np.array(rows).reshape(-1, len(ARKIT_NAMES))


def _clip(x: np.ndarray, *ranges: tuple[float, float] | None) -> np.ndarray:
    lo, hi = -np.inf, np.inf
    for r in ranges:
        if r is not None:
            lo, hi = max(lo, r[0]), min(hi, r[1])
    return np.clip(x, lo, hi) if lo <= hi else np.full_like(x, lo)


def apply(
    retarget_map: RetargetMap,
    arkit_values: np.ndarray,
    slider_ranges: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, np.ndarray]:
    """One (T,) float32 curve per rig shape key the map drives, from ARKit values (T, 52).

    Values are clamped to each entry's clamp and, when given, to the key's
    slider range (slider_ranges[name] = (slider_min, slider_max))."""
    y = np.asarray(arkit_values, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != len(ARKIT_NAMES):
        raise ValueError(f"ARKit values must have shape (T, {len(ARKIT_NAMES)}), got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("ARKit values hold NaN or infinite values")
    sliders = slider_ranges or {}
    out: dict[str, np.ndarray] = {}
    if retarget_map.linear:
        mix = np.zeros((len(ARKIT_NAMES), len(retarget_map.linear)))
        for j, e in enumerate(retarget_map.linear):
            for name, weight in e.sources.items():
                if name not in ARKIT_INDEX:
                    raise InputError(f"retarget entry '{e.target}': {_channel_problem(name, _CHANNELS)}")
                mix[ARKIT_INDEX[name], j] += weight
        values = y @ mix
        for j, e in enumerate(retarget_map.linear):
            out[e.target] = _clip(values[:, j] + e.offset, e.clamp, sliders.get(e.target)).astype(np.float32)
    for g in retarget_map.solves:
        names = list(g.prototypes)
        w = solve_prototypes(
            y, _pose_matrix(g.prototypes[n] for n in names), g.channel_weights, g.regularization, g.max_weight
        )
        for j, name in enumerate(names):
            out[name] = _clip(g.gain * w[:, j], g.clamp, sliders.get(name)).astype(np.float32)
        if g.rest:
            rest = 1.0 - np.sum(np.minimum(g.gain * w, 1.0), axis=1)
            out[g.rest] = _clip(rest, (0.0, 1.0), g.clamp, sliders.get(g.rest)).astype(np.float32)
    return out
