"""Character names in scripts: checks, normalising, near-miss suggestions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from ..text_issues import close_word
from .errors import ScriptIssue

ROLES = ("A", "B")
NAME_MAX_CHARS = 40
NAME_MAX_WORDS = 4
_NAME_PUNCT = frozenset(" .'’-_")
# invisible format characters: soft hyphen, bidi marks and embeddings, zero-width spaces, BOM
_FORMAT = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def close_name(word: str, candidates: list[str], cutoff: float = 0.6) -> str | None:
    """The candidate nearest to word (case-insensitive), if near enough."""
    folded = {c.casefold(): c for c in candidates if len(c) > 1}
    found = close_word(word.casefold(), list(folded), cutoff)
    return folded[found] if found else None


def normalise_name(name: str) -> str:
    """A name with its whitespace (tabs, non-breaking spaces) collapsed to single spaces and
    invisible format characters (right-to-left marks, zero-width spaces) removed."""
    if not name.isascii():
        name = _FORMAT.sub("", name)
    return " ".join(name.split())


def name_problem(name: str) -> str | None:
    """Why name cannot be a speaker's name in a script line, or None when it can."""
    if not name:
        return "is empty"
    if not any(ch.isalpha() for ch in name):
        return "has no letters"
    if len(name) > NAME_MAX_CHARS:
        return f"is longer than {NAME_MAX_CHARS} characters"
    if len(name.split()) > NAME_MAX_WORDS:
        return f"has more than {NAME_MAX_WORDS} words"
    if not name[0].isalnum():
        return "does not start with a letter or digit"
    for ch in name:
        if not (ch.isalnum() or ch in _NAME_PUNCT or unicodedata.category(ch)[0] == "M"):
            return f"holds {ch!r} (a name holds letters, digits, spaces and . ' - _)"
    return None


def name_issue(role: str, name: str, others: Mapping[str, str]) -> str | None:
    other = "B" if role == "A" else "A"
    if name.casefold() == other.casefold():
        return f"the name {name!r} for {role} is the other character's letter: rename the character"
    problem = name_problem(name)
    if problem:
        return f"the name {name[:40]!r} for {role} {problem}"
    if other in others and others[other].casefold() == name.casefold():
        return f"A and B are both called {name!r}: rename one"
    return None


def check_names(names: object) -> tuple[dict[str, str], list[ScriptIssue]]:
    """Validated {role: name} (blank names and a role's own letter dropped) and problems (line 0)."""
    if names is None:
        return {}, []
    if not isinstance(names, Mapping):
        return {}, [
            ScriptIssue(
                0,
                0,
                f"names must be a dict like {{'A': 'Mara', 'B': 'Theo'}}, got {type(names).__name__}",
                "a dict of role -> name",
                "names={'A': 'Mara', 'B': 'Theo'}",
            )
        ]
    out: dict[str, str] = {}
    issues: list[ScriptIssue] = []
    for role, name in names.items():
        if role not in ROLES:
            issues.append(
                ScriptIssue(0, 0, f"names: unknown role {role!r}: use 'A' and 'B'", "'A' or 'B'", "A")
            )
            continue
        if name is None:
            continue
        if not isinstance(name, str):
            issues.append(
                ScriptIssue(
                    0, 0, f"names: the name for {role} must be text, got {type(name).__name__}", "text", ""
                )
            )
            continue
        name = normalise_name(name)
        if not name or name.casefold() == role.casefold():
            continue
        problem = name_issue(role, name, out)
        if problem:
            issues.append(ScriptIssue(0, 0, f"names: {problem}", "a name like Mara", ""))
        else:
            out[role] = name
    return out, issues


__all__ = ["ROLES", "check_names", "close_name", "name_issue", "name_problem", "normalise_name"]
