"""A small template grammar that expands dialogue lines, with a train/test partition.

Template syntax (all ours, kept tiny on purpose):

- ``{slot}``: one entry of the lexicon list ``slot``, itself expanded (entries may hold
  slots, options and alternatives);
- ``[text]``: optional text, kept with probability 1/2;
- ``<a|b|c>``: one of the alternatives, uniformly.

Held-out partition. Top-level templates of the open kinds (questions, answers,
statements) are split by index: every ``TEMPLATE_TEST_EVERY``-th template is test-only.
Entries of lexicon lists with at least ``MIN_SPLIT_LIST`` entries are split the same
way (every ``LEXICON_TEST_EVERY``-th entry is held out): "train" never uses a held-out
word; "test" uses every word, held-out ones included. So every test line of an open
kind comes from a template training never used, and about a fifth of its words were
never spoken in training. Closed classes (interjections, backchannels, laughter, and
the lexicon lists a grammar names in ``shared_lists``: pronouns, fillers, yes/no
words) are shared; a model must see them in training.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

PARTITIONS = ("train", "test")
OPEN_KINDS = ("question", "answer", "statement")
CLOSED_KINDS = ("interjection", "backchannel", "laugh")
KINDS = OPEN_KINDS + CLOSED_KINDS

TEMPLATE_TEST_EVERY = 5  # templates with index % 5 == 4 are test-only (20 %)
LEXICON_TEST_EVERY = 5  # lexicon entries with index % 5 == 4 are never used by train (20 %)
MIN_SPLIT_LIST = 5  # shorter lexicon lists are shared by both partitions
MAX_DEPTH = 12

_SLOT = re.compile(r"\{(\w+)\}")
_OPTION = re.compile(r"\[([^\[\]]*)\]")
_ALTERNATIVE = re.compile(r"<([^<>]*)>")


# Obligatory contractions after slot filling (preposition + article).
_CONTRACTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "es": ((r"\bde el\b", "del"), (r"\ba el\b", "al")),
    "pt": ((r"\bde o\b", "do"), (r"\bde a\b", "da"), (r"\bem o\b", "no"), (r"\bem a\b", "na")),
}


class GrammarError(ValueError):
    """A grammar that cannot expand (unknown slot, recursion too deep)."""


def _test_index(i: int, every: int) -> bool:
    return i % every == every - 1


def split_entries(entries: tuple[str, ...], partition: str, every: int, min_len: int) -> tuple[str, ...]:
    """The entries of one list that a partition may use (see the module doc)."""
    if partition not in PARTITIONS:
        raise ValueError(f"partition must be one of {PARTITIONS}, got {partition!r}")
    if len(entries) < min_len or partition == "test":
        return entries
    return tuple(e for i, e in enumerate(entries) if not _test_index(i, every))


@dataclass(frozen=True)
class Line:
    """One generated line of dialogue."""

    text: str
    kind: str  # one of KINDS
    language: str
    template: str  # "<language>/<kind>/<index>": which top-level template made it


@dataclass(frozen=True)
class Grammar:
    """Templates per kind and a lexicon for one language."""

    language: str
    templates: dict[str, tuple[str, ...]]
    lexicon: dict[str, tuple[str, ...]]
    shared_lists: frozenset[str] = frozenset()  # closed-class lists never partitioned
    capitalize: bool = True  # scripts with case: upper-case the first letter of a line
    joiner: str = " "  # how sentences of one turn join ("" for Chinese)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        missing = sorted(k for k in KINDS if not self.templates.get(k))
        if missing:
            raise GrammarError(f"{self.language}: no templates for kinds {missing}")
        unknown = sorted(set(self.shared_lists) - set(self.lexicon))
        if unknown:
            raise GrammarError(f"{self.language}: shared_lists names unknown lists {unknown}")
        for name, entries in self.lexicon.items():
            if not entries:
                raise GrammarError(f"{self.language}: lexicon list {name!r} is empty")
        for kind, temps in self.templates.items():
            for t in temps:
                self._check_slots(t, f"{kind} template {t!r}")
        for name, entries in self.lexicon.items():
            for t in entries:
                self._check_slots(t, f"lexicon {name!r} entry {t!r}")

    def _check_slots(self, text: str, where: str) -> None:
        for slot in _SLOT.findall(text):
            if slot not in self.lexicon:
                raise GrammarError(f"{self.language}: {where} names unknown slot {{{slot}}}")

    @cached_property
    def _partitioned(self) -> dict[tuple[str, str], tuple[tuple[int, str], ...]]:
        """(kind, partition) -> (index, template) pairs that partition may use."""
        out = {}
        for kind, temps in self.templates.items():
            indexed = tuple(enumerate(temps))
            for part in PARTITIONS:
                if kind in OPEN_KINDS and len(temps) >= TEMPLATE_TEST_EVERY:
                    want_test = part == "test"
                    out[kind, part] = tuple(
                        (i, t) for i, t in indexed if _test_index(i, TEMPLATE_TEST_EVERY) == want_test
                    )
                else:
                    out[kind, part] = indexed
        return out

    @cached_property
    def _lexicon_parts(self) -> dict[tuple[str, str], tuple[str, ...]]:
        return {
            (name, part): (
                entries
                if name in self.shared_lists
                else split_entries(entries, part, LEXICON_TEST_EVERY, MIN_SPLIT_LIST)
            )
            for name, entries in self.lexicon.items()
            for part in PARTITIONS
        }

    def templates_for(self, kind: str, partition: str) -> tuple[tuple[int, str], ...]:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if partition not in PARTITIONS:
            raise ValueError(f"partition must be one of {PARTITIONS}, got {partition!r}")
        return self._partitioned[kind, partition]

    def line(self, rng: np.random.Generator, kind: str, partition: str) -> Line:
        """One line of `kind` from the templates and words of `partition`."""
        choices = self.templates_for(kind, partition)
        index, template = choices[int(rng.integers(len(choices)))]
        text = self.expand(template, rng, partition)
        return Line(self.finish(text), kind, self.language, f"{self.language}/{kind}/{index}")

    def expand(self, template: str, rng: np.random.Generator, partition: str, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise GrammarError(f"{self.language}: expansion deeper than {MAX_DEPTH} at {template!r}")
        text = template
        # Innermost options / alternatives first, so they may nest.
        while True:
            m = _ALTERNATIVE.search(text) or _OPTION.search(text)
            if m is None:
                break
            if m.group(0).startswith("<"):
                alts = m.group(1).split("|")
                pick = alts[int(rng.integers(len(alts)))]
            else:
                pick = m.group(1) if rng.random() < 0.5 else ""
            text = text[: m.start()] + pick + text[m.end() :]

        def fill(m: re.Match) -> str:
            entries = self._lexicon_parts[m.group(1), partition]
            return self.expand(entries[int(rng.integers(len(entries)))], rng, partition, depth + 1)

        return _SLOT.sub(fill, text)

    def finish(self, text: str) -> str:
        """Tidy spacing and punctuation; upper-case the first letter where the script has case."""
        text = re.sub(r"\s+", " ", text).strip()
        text = re.sub(r"\s+([,.!?;:])", r"\1", text)
        text = re.sub(r",([,.!?])", r"\1", text)
        for pattern, repl in _CONTRACTIONS.get(self.language, ()):
            text = re.sub(pattern, repl, text)
        if self.capitalize and text:
            # Skip leading Spanish inverted marks when capitalising.
            k = 0
            while k < len(text) and text[k] in "¿¡\"'":
                k += 1
            if k < len(text):
                text = text[:k] + text[k].upper() + text[k + 1 :]
        return text

    def variety(self, kind: str, partition: str) -> int:
        """A rough count of distinct lines (product of list sizes per template, summed).

        Counts each slot once per occurrence and ignores options/alternatives inside
        entries, so it is a lower bound on nested lists and an estimate otherwise.
        """
        total = 0
        for _, t in self.templates_for(kind, partition):
            n = 1
            for slot in _SLOT.findall(t):
                n *= len(self._lexicon_parts[slot, partition])
            n *= 2 ** len(_OPTION.findall(t))
            for alt in _ALTERNATIVE.findall(t):
                n *= len(alt.split("|"))
            total += n
        return total


__all__ = [
    "CLOSED_KINDS",
    "KINDS",
    "OPEN_KINDS",
    "PARTITIONS",
    "Grammar",
    "GrammarError",
    "Line",
    "split_entries",
]
