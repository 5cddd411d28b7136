"""Word-salad fuzzer for the staging parser.

    python tools/fuzz_staging.py [--texts 20000] [--seed 0]

Builds texts from the staging vocabulary (model/staging/vocab.py), names, numbers,
times and punctuation, plus mutations of valid directions (a token repeated,
dropped or swapped), and checks that parse() returns a StagingScript or raises
StagingError and nothing else, that every issue is located, and that describe()
of a parsed script parses back to an equal script. Prints each distinct failure
(exception type and the shortest text that raised it) and exits 1 if any.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from duet.model.staging import StagingError, parse, vocab

NAMES = {"A": "Mara", "B": "Theo Quinn"}
EXTRA_WORDS = ["A", "B", "C", "Mara", "Theo Quinn", "Theo", "Quinn", "then", "lft", "zzz", "at", "both"]
EXTRA_WORDS += ["hapy", "smiels", "hungry", "surprized"]  # mood words misspelt
PIECES = [
    ",",
    ".",
    ";",
    ":",
    "-",
    "–",
    "°",
    "\n",
    "#",
    "'",
    "  ",
    "\ufeff",
    "\u200b",
    "\xa0",
    "2.5s",
    ".5s",
    "0:07",
    "1:02.5",
    "f120",
    "frame",
    "500ms",
    "3x",
    "0:75",
    "12q",
    "30°",
    "30deg",
    "9:99:99",
    "-3s",
    "-",
    "0s",
    "0",
    "1",
    "7",
    "30",
    "200",
    "1.5",
    "100000s",
    "60%",
    "150%",
    "0%",
    ".5 %",
    "%",
]
SEEDS = [
    "A faces left",
    "B looks at A from 2s to 4s",
    "both look at each other from 8s",
    "at 0:05, Mara turns 30 degrees right and slightly down for 1.5s",
    "Theo Quinn nods twice at f120",
    "A glances at the camera briefly",
    "B shakes his head 3 times between 1s and 2s",
    "A relaxes at 3s",
    "A tilts her head left slowly until 0:04",
    "both A and B face the camera",
    "A looks away, B looks down at .5s",
    "A smiles from 1s to 4s",
    "B frowns slightly at 0:02",
    "Theo Quinn is very angry from 0:02 to 0:05",
    "both look surprised briefly at 3s",
    "Mara is sad at 60% from 0:01",
    "A laughs heartily at 12s for 2s",
    "B seems a little bored until 6s",
    "A is neutral at 4s",
]


def salad(rng: random.Random, words: list[str]) -> str:
    out: list[str] = []
    for _ in range(rng.randint(1, 14)):
        r = rng.random()
        if out and r < 0.12:
            out.append(out[-1])  # a repeated word: "both both", "at at"
        elif r < 0.65:
            out.append(rng.choice(words))
        else:
            out.append(rng.choice(PIECES))
    return " ".join(out)


def mutation(rng: random.Random) -> str:
    toks = " ; ".join(rng.sample(SEEDS, rng.randint(1, 3))).split(" ")
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(len(toks))
        op = rng.random()
        if op < 0.3:
            toks.insert(k, toks[k])
        elif op < 0.5 and len(toks) > 1:
            del toks[k]
        elif op < 0.7:
            j = rng.randrange(len(toks))
            toks[k], toks[j] = toks[j], toks[k]
        else:
            toks.insert(k, rng.choice(PIECES + EXTRA_WORDS))
    return " ".join(toks)


def check(text: str) -> None:
    for names in (None, NAMES):
        try:
            script = parse(text, names=names)
        except StagingError as exc:
            assert exc.errors, "StagingError without issues"
            for issue in exc.errors:
                assert issue.line >= 0 and issue.column >= 0 and issue.message, issue
            continue
        again = parse(script.describe(), names=names)
        assert again == script, f"describe() does not round-trip: {script.describe()!r}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    words = [*sorted(vocab.KEYWORDS), *EXTRA_WORDS]
    failures: dict[str, str] = {}
    t0 = time.perf_counter()
    for n in range(args.texts):
        text = salad(rng, words) if n % 2 == 0 else mutation(rng)
        try:
            check(text)
        except Exception as exc:  # every failure is a finding
            where = traceback.extract_tb(exc.__traceback__)[-1]
            key = f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
            if key not in failures or len(text) < len(failures[key]):
                failures[key] = text
    dt = time.perf_counter() - t0
    print(f"{args.texts} texts in {dt:.1f}s: {len(failures)} distinct failure(s)")
    for key, text in sorted(failures.items()):
        print(f"  {key}: {text!r}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
