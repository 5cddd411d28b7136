"""Which naming schemes a rig's shape keys follow, which key plays each part, and its head,
neck and eye bones: ``detect(shape_key_names, bone_names)`` -> RigReport (pure, no bpy).

Matching rules are documented in docs/RETARGET.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import schemes as rs

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
