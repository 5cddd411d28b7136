"""Map the model's 52 ARKit curves to the shape keys a rig has.

Three steps, all pure numpy (no bpy):

- ``detect(shape_key_names, bone_names)`` finds which naming schemes a rig
  uses (ARKit 52, Meta/Oculus visemes, VRM presets, Rhubarb or Papagayo
  mouths), which shape key plays each part, what is missing, and the head,
  neck and eye bones. ``RigReport.summary()`` is what the Blender panel shows.
- ``RetargetMap.default_for(report)`` builds a map: linear entries (a rig key =
  a weighted sum of ARKit channels, clamped) and prototype solves (each viseme
  key is an ARKit mouth pose; per frame the non-negative weights that best
  rebuild the ARKit mouth are solved). Maps save to and load from JSON.
- ``apply(map, arkit_values)`` turns (T, 52) ARKit curves into one (T,) curve
  per rig shape key.

Matching rules and the JSON format are documented in docs/RETARGET.md.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import schemes as rs
from ..errors import InputError
from ..spec import ARKIT_INDEX, ARKIT_NAMES

MAP_FORMAT = "duet-retarget-map"
MAP_VERSION = 1
DEFAULT_REGULARIZATION = 0.005
_WARM_STEPS = 20  # projected-gradient steps before the exact active-set rounds
_CHUNK_FRAMES = 16  # frames solved one after another, each from the previous answer
_STEP_ROUNDS = 2


# --------------------------------------------------------------------------- name matching


def normalize(name: str) -> str:
    """Lower case with everything but letters and digits removed: 'Mouth_A' -> 'moutha'."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_NAMESPACE = re.compile(r"^.*[:|.](?P<rest>[^:|.]{3,})$")
_GENERIC_PREFIX = re.compile(rs.GENERIC_PREFIX_PATTERN, re.IGNORECASE)
_LETTER_PREFIX = re.compile(r"^[a-z]_", re.IGNORECASE)
_SUFFIX = re.compile(r"(?:\.\d{3}|[_\-. ](?:bs|shape|blend_?shape|morph|sk))$", re.IGNORECASE)


def name_forms(name: str) -> list[tuple[int, str]]:
    """The normalized forms a shape-key name is looked up by, with their rank
    (lower = more literal): 0 the whole name; 1 after a namespace
    ('blendShape1.jawOpen', 'Face:jawOpen', 'mesh|jawOpen'); 2 after a generic
    prefix ('bs_', 'A01_', 'blendShape_'); 3 after a single-letter prefix
    ('A_jawOpen'); 4 after a Blender duplicate number or a generic suffix
    ('jawOpen.001', 'jawOpen_BS', 'jawOpen_shape')."""
    forms: list[tuple[int, str]] = [(0, name)]
    match = _NAMESPACE.match(name)
    if match:
        forms.append((1, match.group("rest")))
    for _, raw in list(forms):
        stripped = _GENERIC_PREFIX.sub("", raw, count=1)
        if stripped != raw and stripped:
            forms.append((2, stripped))
    for _, raw in list(forms):
        if _LETTER_PREFIX.match(raw) and len(raw) > 2:
            forms.append((3, raw[2:]))
    for _, raw in list(forms):
        stripped = _SUFFIX.sub("", raw)
        if stripped != raw and stripped:
            forms.append((4, stripped))
    seen: dict[str, int] = {}
    for rank, raw in forms:
        key = normalize(raw)
        if key and key not in seen:
            seen[key] = rank
    return [(rank, key) for key, rank in seen.items()]


@functools.cache
def _alias_table(scheme_key: str) -> dict[str, list[tuple[str, str]]]:
    """normalized spelling -> [(target name, variant)] for one scheme."""
    scheme = _SCHEMES[scheme_key]
    table: dict[str, list[tuple[str, str]]] = {}

    def add(spelling: str, target: str, variant: str) -> None:
        entries = table.setdefault(normalize(spelling), [])
        if (target, variant) not in entries:
            entries.append((target, variant))

    for target in scheme.targets:
        for variant, spellings in target.spellings.items():
            for spelling in spellings:
                add(spelling, target.name, variant)
                for prefix in scheme.prefixes:
                    add(prefix + spelling, target.name, variant)
                # ARKit side words also come as a letter: eyeBlink_L, EyeBlinkL.
                for side in ("Left", "Right"):
                    if scheme.key == "arkit" and spelling.endswith(side):
                        add(spelling[: -len(side)] + side[0], target.name, variant)
    return table


_SCHEMES: dict[str, rs.Scheme] = {s.key: s for s in rs.SCHEMES}


# --------------------------------------------------------------------------- bones

# Words that only say which rig layer a bone belongs to.
_BONE_NOISE = {
    "def", "org", "mch", "cc", "base", "mixamorig", "bip", "bip01", "j", "adj", "c", "jnt", "bn", "b",
    "bone", "ctrl", "ctl", "face", "facial", "drv",
}  # fmt: skip
_LAYER_RANK = {"": 0, "def": 1, "org": 2, "mch": 3}  # prefer control/deform bones over helpers


def _bone_tokens(name: str) -> list[str]:
    """Lower-case words of a bone name without rig-layer words: 'CC_Base_L_Eye' ->
    ['l', 'eye'], 'Bip01 Head' -> ['head'], 'neck_01' -> ['neck', '01']."""
    base = name.rsplit(":", 1)[-1]  # mixamorig:Head
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base)
    words = [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t and t not in _BONE_NOISE]
    out: list[str] = []
    for w in words:
        out += [t for t in re.split(r"(\d+)", w) if t]
    return out


def _bone_layer(name: str) -> int:
    low = name.lower()
    for prefix in ("def", "org", "mch"):
        if low.startswith(prefix + "-") or low.startswith(prefix + "_"):
            return _LAYER_RANK[prefix]
    return 0


def _classify_bone(name: str) -> tuple[str, str] | None:
    """('head'|'neck'|'eye', side '' / 'L' / 'R') or None."""
    tokens = _bone_tokens(name)
    side = ""
    words = []
    for t in tokens:
        if t in ("l", "left"):
            side = "L"
        elif t in ("r", "right"):
            side = "R"
        else:
            words.append(t)
    numbers = [w for w in words if w.isdigit()]
    words = [w for w in words if not w.isdigit()]
    if words == ["head"] and not side and not numbers:
        return ("head", "")
    if words in (["neck"], ["neck", "twist"]) and not side:
        return ("neck", "")
    if words in (["eye"], ["eyeball"], ["eye", "ball"]) and side and not numbers:
        return ("eye", side)
    return None


def _pick(candidates: list[str]) -> str | None:
    if not candidates:
        return None

    def order(name: str) -> tuple:
        digits = [int(t) for t in _bone_tokens(name) if t.isdigit()]
        return (_bone_layer(name), "twist" in name.lower(), digits, len(name), name)

    return sorted(candidates, key=order)[0]


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class SchemeMatch:
    """How one naming scheme matched a rig."""

    key: str  # 'arkit', 'meta', 'vrm', 'rhubarb', 'papagayo'
    label: str
    variant: str  # spelling family, e.g. 'Ready Player Me', 'VRM 0.x'
    found: dict[str, str]  # target name -> the rig's shape key
    expected: tuple[str, ...]  # target names this variant has

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(t for t in self.expected if t not in self.found)

    def spelling(self, target: str) -> str:
        """How this variant writes a target (for messages)."""
        for t in _SCHEMES[self.key].targets:
            if t.name == target:
                return t.spellings.get(self.variant, (target,))[0]
        return target


@dataclass(frozen=True)
class RigReport:
    """What detect() found on one rig."""

    shape_keys: tuple[str, ...]
    bone_names: tuple[str, ...]
    schemes: tuple[SchemeMatch, ...]  # schemes with at least one match, most matches first
    mouth_scheme: str | None  # the scheme that drives the mouth in the default map
    unmatched: tuple[str, ...]  # shape keys no scheme claimed
    duplicates: tuple[tuple[str, str], ...]  # (ignored key, key used instead) for one target
    head_bone: str | None = None
    neck_bone: str | None = None
    eye_bone_left: str | None = None
    eye_bone_right: str | None = None

    def scheme(self, key: str) -> SchemeMatch | None:
        return next((s for s in self.schemes if s.key == key), None)

    @property
    def has_eye_bones(self) -> bool:
        return self.eye_bone_left is not None or self.eye_bone_right is not None

    def summary(self) -> list[str]:
        """Short lines for the panel: what matched, what is missing, which bones."""
        lines: list[str] = []
        if not self.shape_keys:
            lines.append("Shape keys: none (only bones can be animated)")
        elif not self.schemes:
            lines.append(
                f"Shape keys: none of the {len(self.shape_keys)} names is known "
                "(ARKit, visemes, VRM, Rhubarb): edit the retarget map to drive them"
            )
        for s in self.schemes:
            several = len({v for t in _SCHEMES[s.key].targets for v in t.spellings}) > 1
            variant = f" ({s.variant} names)" if several else ""
            line = f"{s.label}{variant}: matched {len(s.found)}/{len(s.expected)}"
            if s.missing:
                line += ", missing: " + _listing([s.spelling(t) for t in s.missing])
            lines.append(line)
        if self.mouth_scheme:
            how = "directly" if self.mouth_scheme == "arkit" else "solved per frame from the ARKit mouth"
            lines.append(f"Mouth: {_SCHEMES[self.mouth_scheme].label}, {how}")
        elif self.shape_keys:
            lines.append("Mouth: no mouth shape keys found, no lip-sync on this rig")
        if self.duplicates:
            lines.append(
                "Ignored duplicates: " + _listing([f"{a} (using {b})" for a, b in self.duplicates], limit=4)
            )
        if self.unmatched and self.schemes:
            lines.append(f"Not driven ({len(self.unmatched)}): " + _listing(list(self.unmatched)))
        if self.bone_names:
            lines.append(f"Head bone: {self.head_bone or 'not found'}; neck: {self.neck_bone or 'not found'}")
            if self.has_eye_bones:
                lines.append(
                    f"Eye bones: {self.eye_bone_left or 'left not found'}, "
                    f"{self.eye_bone_right or 'right not found'}"
                )
            else:
                lines.append("Eye bones: not found (gaze only through eye shape keys, if any)")
        else:
            lines.append("Bones: no armature (no head or eye rotation)")
        return lines


def _listing(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def detect(shape_key_names: Iterable[str], bone_names: Iterable[str] = ()) -> RigReport:
    """Which schemes a rig's shape keys follow, and its head / neck / eye bones.

    Each shape key belongs to at most one scheme. A key several schemes could
    claim (a bare 'E' is Rhubarb's E, VRM 0.x's e and Papagayo's E) goes to the
    scheme that matched the most keys on this rig; ties go to the first of
    ARKit, Meta, VRM, Rhubarb, Papagayo. When two keys match one target, the
    more literal match wins (exact name, then namespace, then prefix; then an
    exact case, then alphabetical order) and the other is listed as ignored.
    """
    keys = tuple(dict.fromkeys(str(k) for k in shape_key_names))
    bones = tuple(dict.fromkeys(str(b) for b in bone_names))
    # candidates[scheme][key] = (rank, target, variants)
    candidates: dict[str, dict[str, tuple[int, str, set[str]]]] = {}
    for scheme in rs.SCHEMES:
        table = _alias_table(scheme.key)
        found: dict[str, tuple[int, str, set[str]]] = {}
        for key in keys:
            for rank, form in name_forms(key):
                hits = table.get(form)
                if hits:
                    target = hits[0][0]
                    variants = {v for t, v in hits if t == target}
                    found[key] = (rank, target, variants)
                    break
        if found:
            candidates[scheme.key] = found

    order = [s.key for s in rs.SCHEMES]

    def strength(key: str) -> tuple[int, int]:
        return (len({t for _, t, _ in candidates[key].values()}), -order.index(key))

    claimed: dict[str, str] = {}
    for scheme_key in sorted(candidates, key=strength, reverse=True):
        for key in candidates[scheme_key]:
            claimed.setdefault(key, scheme_key)

    matches: list[SchemeMatch] = []
    duplicates: list[tuple[str, str]] = []
    for scheme in rs.SCHEMES:
        mine = {k: v for k, v in candidates.get(scheme.key, {}).items() if claimed.get(k) == scheme.key}
        if not mine:
            continue
        by_target: dict[str, list[str]] = {}
        for key, (_, target, _) in mine.items():
            by_target.setdefault(target, []).append(key)
        found_map: dict[str, str] = {}
        for target, rig_keys in by_target.items():
            ranked = sorted(rig_keys, key=lambda k: (mine[k][0], k not in _exact(scheme, target), k))
            found_map[target] = ranked[0]
            duplicates += [(k, ranked[0]) for k in ranked[1:]]
        variant = _variant(scheme, [mine[k][2] for k in found_map.values()])
        expected = tuple(t.name for t in scheme.targets if variant in t.spellings)
        ordered = {t: found_map[t] for t in (x.name for x in scheme.targets) if t in found_map}
        matches.append(SchemeMatch(scheme.key, scheme.label, variant, ordered, expected))
    matches.sort(key=lambda m: (-len(m.found), order.index(m.key)))

    used = {k for m in matches for k in m.found.values()}
    unmatched = tuple(k for k in keys if k not in used and k not in {d for d, _ in duplicates})

    roles: dict[tuple[str, str], list[str]] = {}
    for bone in bones:
        kind = _classify_bone(bone)
        if kind:
            roles.setdefault(kind, []).append(bone)
    return RigReport(
        shape_keys=keys,
        bone_names=bones,
        schemes=tuple(matches),
        mouth_scheme=_mouth_scheme(matches),
        unmatched=unmatched,
        duplicates=tuple(duplicates),
        head_bone=_pick(roles.get(("head", ""), [])),
        neck_bone=_pick(roles.get(("neck", ""), [])),
        eye_bone_left=_pick(roles.get(("eye", "L"), [])),
        eye_bone_right=_pick(roles.get(("eye", "R"), [])),
    )


def _exact(scheme: rs.Scheme, target: str) -> set[str]:
    t = next(x for x in scheme.targets if x.name == target)
    return {s for spellings in t.spellings.values() for s in spellings}


def _variant(scheme: rs.Scheme, variant_sets: list[set[str]]) -> str:
    counts: dict[str, int] = {}
    for variants in variant_sets:
        for v in variants:
            counts[v] = counts.get(v, 0) + 1
    if not counts:
        return scheme.default_variant
    best = max(counts.values())
    tied = [v for v, c in counts.items() if c == best]
    return scheme.default_variant if scheme.default_variant in tied else sorted(tied)[0]


def _mouth_targets(match: SchemeMatch) -> int:
    if match.key == "arkit":
        return sum(1 for t in match.found if t in rs.ARKIT_MOUTH_CHANNELS)
    kinds = {t.name: t.kind for t in _SCHEMES[match.key].targets}
    return sum(1 for t in match.found if kinds.get(t) == "mouth")


def _mouth_scheme(matches: list[SchemeMatch]) -> str | None:
    """The scheme covering the most mouth shapes; ARKit needs jawOpen and wins ties."""
    best, best_count = None, 0
    for m in sorted(matches, key=lambda m: [s.key for s in rs.SCHEMES].index(m.key)):
        count = _mouth_targets(m)
        if m.key == "arkit" and "jawOpen" not in m.found:
            count = 0
        if count > best_count:
            best, best_count = m.key, count
    return best


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
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"retarget map '{p}' does not exist: pick a saved map (.json)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"retarget map '{p}' cannot be read ({exc}): pick a saved map (.json)") from None
        return cls.from_json(text, source=f"retarget map '{p}'")


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


def _solve_features(channel_weights: Mapping[str, float]) -> np.ndarray:
    """Rows: sqrt(weight) * the compared channels (lipGap = jawOpen - mouthClose); (n, 52)."""
    rows = []
    for name, weight in channel_weights.items():
        if weight <= 0:
            continue
        row = np.zeros(len(ARKIT_NAMES))
        if name == rs.LIP_GAP:
            row[ARKIT_INDEX["jawOpen"]] = 1.0
            row[ARKIT_INDEX["mouthClose"]] = -1.0
        else:
            row[ARKIT_INDEX[name]] = 1.0
        rows.append(np.sqrt(weight) * row)
    return np.array(rows).reshape(-1, len(ARKIT_NAMES))


def solve_prototypes(
    arkit_values: np.ndarray,
    prototypes: np.ndarray,
    channel_weights: Mapping[str, float] | None = None,
    regularization: float = DEFAULT_REGULARIZATION,
    max_weight: float = 1.0,
) -> np.ndarray:
    """Per-frame prototype weights (T, V) in [0, max_weight] for ARKit values (T, 52)
    and prototype poses (V, 52): a box-constrained ridge least squares, exact to
    ~1e-9 in its optimality conditions. All frames at once: a batched primal-dual
    active-set method, finished by accelerated projected gradient for any frame it
    leaves unconverged."""
    y = np.asarray(arkit_values, dtype=np.float64)
    p = np.asarray(prototypes, dtype=np.float64)
    weights = rs.MOUTH_CHANNEL_WEIGHTS if channel_weights is None else channel_weights
    feats = _solve_features(weights)
    a = feats @ p.T  # (n_features, V)
    q = a.T @ a
    v = q.shape[0]
    lam = regularization * max(float(np.mean(np.diag(q))), 1e-12)
    q = q + lam * np.eye(v)
    c = (y @ feats.T) @ a  # (T, V)
    return _box_qp(q, c, max_weight)


def _box_qp(q: np.ndarray, c: np.ndarray, hi: float) -> np.ndarray:
    """argmin_w 0.5 w'Qw - c'w subject to 0 <= w <= hi, per row of c (Q positive definite).

    A batched primal-dual active-set method (Hintermueller, Ito & Kunisch 2002):
    guess which weights sit on a bound, solve the others exactly, update the guess,
    until it holds. Rows are frames of a smooth performance, and a frame's final
    guess is usually right for the next frame, so the frames are cut into chunks
    solved side by side: the chunks' first frames from a projected-gradient start,
    then each next frame from its predecessor's bounds, settling in one round
    mostly. A frame it leaves unsettled (the method can cycle) is finished by a
    one-change-at-a-time primal active-set method, which cannot. The answer is
    exact up to rounding.
    """
    t, v = c.shape
    w = np.zeros_like(c)
    free = np.zeros((t, v), dtype=bool)
    upper = np.zeros((t, v), dtype=bool)
    chunk = max(1, min(_CHUNK_FRAMES, t))
    heads = np.arange(0, t, chunk)
    start = _fista(q, c[heads], hi, np.zeros((len(heads), v)), _WARM_STEPS)
    w[heads], free[heads], upper[heads], _ = _pdas(q, c[heads], hi, start, None, 3 * v)
    unsettled = []
    for k in range(1, chunk):
        rows = heads + k
        rows = rows[rows < t]
        if len(rows) == 0:
            break
        guess = (free[rows - 1], upper[rows - 1])
        # Few rounds per step: the odd frame still changing waits for the batch below
        # instead of holding up the whole step.
        w[rows], free[rows], upper[rows], left = _pdas(q, c[rows], hi, w[rows - 1], guess, _STEP_ROUNDS)
        unsettled.append(rows[left])
    rows = np.concatenate([np.zeros(0, dtype=np.int64), *unsettled])
    if len(rows):
        w[rows], _, _, _ = _pdas(q, c[rows], hi, w[rows], (free[rows], upper[rows]), 3 * v)
    for r in np.nonzero(_kkt_residual(q, c, w, hi) > 1e-9)[0]:
        w[r] = _active_set_row(q, c[r], hi, w[r])
    return w


def _pdas(
    q: np.ndarray,
    c: np.ndarray,
    hi: float,
    w: np.ndarray,
    guess: tuple[np.ndarray, np.ndarray] | None,
    rounds: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Primal-dual active-set rounds on every row, from w or from guessed (free, upper)
    sets. Returns w, its sets and a mask of the rows whose sets had not settled."""
    t, v = c.shape
    diag = np.diag(q)
    idx = np.arange(v)
    w = w.copy()
    rows = np.arange(t)
    if guess is None:
        free = np.zeros((t, v), dtype=bool)
        upper = np.zeros((t, v), dtype=bool)
    else:
        free, upper = guess[0].copy(), guess[1].copy()
    for k in range(rounds + 1):
        if k > 0 or guess is None:
            wr = w[rows]
            z = wr - (wr @ q - c[rows]) / diag
            up = z >= hi
            fr = (z > 0.0) & ~up
            if k > 0:
                changed = np.any((fr != free[rows]) | (up != upper[rows]), axis=1)
                rows, fr, up = rows[changed], fr[changed], up[changed]
            free[rows], upper[rows] = fr, up
        if len(rows) == 0 or k == rounds:
            break
        fr, up = free[rows], upper[rows]
        # Free weights solve their rows of Q w = c with the others held at their bound.
        ff = fr.astype(np.float64)
        m = (ff[:, :, None] * ff[:, None, :]) * q
        m[:, idx, idx] += 1.0 - ff
        fixed = up * hi
        rhs = np.where(fr, c[rows] - fixed @ q, fixed)
        w[rows] = np.linalg.solve(m, rhs[:, :, None])[:, :, 0]
    left = np.zeros(t, dtype=bool)
    left[rows] = True
    return np.clip(w, 0.0, hi), free, upper, left


def _fista(q: np.ndarray, c: np.ndarray, hi: float, w: np.ndarray, steps: int) -> np.ndarray:
    """Accelerated projected gradient (FISTA), a fixed number of steps."""
    step = 1.0 / np.linalg.eigvalsh(q)[-1]
    z = w.copy()
    tk = 1.0
    for _ in range(steps):
        w_next = np.clip(z - (z @ q - c) * step, 0.0, hi)
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * tk * tk))
        z = w_next + ((tk - 1.0) / t_next) * (w_next - w)
        w, tk = w_next, t_next
    return w


def _kkt_residual(q: np.ndarray, c: np.ndarray, w: np.ndarray, hi: float) -> np.ndarray:
    """Per row: how far w is from its projected-gradient fixed point (0 at the optimum)."""
    step = 1.0 / np.linalg.eigvalsh(q)[-1]
    return np.abs(w - np.clip(w - (w @ q - c) * step, 0.0, hi)).max(axis=1)


def _active_set_row(q: np.ndarray, c: np.ndarray, hi: float, w: np.ndarray) -> np.ndarray:
    """Primal active-set method for one frame, from a feasible start."""
    w = np.clip(w, 0.0, hi)
    bound = (w <= 0.0) | (w >= hi)
    for _ in range(50 * len(w)):
        f = ~bound
        target = w.copy()
        if f.any():
            rhs = c[f] - q[np.ix_(f, ~f)] @ w[~f]
            target[f] = np.linalg.solve(q[np.ix_(f, f)], rhs)
        step = target - w
        inside = (target >= 0.0) & (target <= hi)
        if np.all(inside):
            w = target
            g = q @ w - c
            wrong = np.where(w <= 0.0, -g, np.where(w >= hi, g, 0.0))  # > 0: the bound holds it wrongly
            wrong[~bound] = 0.0
            if wrong.max(initial=0.0) <= 1e-12:
                return w
            bound[int(np.argmax(wrong))] = False
            continue
        # Walk toward the target until the first weight reaches a bound; hold it there.
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(step < 0, -w / step, np.where(step > 0, (hi - w) / step, np.inf))
        room[bound | inside] = np.inf
        i = int(np.argmin(room))
        w = np.clip(w + room[i] * step, 0.0, hi)
        w[i] = 0.0 if step[i] < 0 else hi
        bound[i] = True
    return w


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
