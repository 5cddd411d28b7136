"""What a bake would refuse in a shot's input files, found before Blender opens the shot.

The job checks (batch.jobfile: ``--check``, ``--list``, and every run before the first shot)
and the bake itself call these, so both say the same thing: staging text (the parser's
issues with line and column), model weights (loaded and run on a second of silence) and
retarget maps (read through the one reader, ``read_map_file``). Script files are checked by
batch.text_inputs. Pure: no bpy; numpy and the model are imported only when a check runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

WEIGHTS_FIX = (
    "use a model exported by `python -m duet.model.training train ... --export FILE.npz` "
    "(docs/MODEL.md) with its .json beside it, or none to use the bundled model"
)
BUNDLED_FIX = (
    "reinstall the Duet extension, or set weights to a model .npz "
    "(job-file key weights, duet bake --weights, the panel's Model)"
)
_weights_checked: dict[tuple[str, int, int], str | None] = {}


def weights_problem(path: Path, fix: str = WEIGHTS_FIX) -> str | None:
    """Why ``path`` is not a model this Duet can run, naming the file, then ``fix``; None
    when it is. Loads it and generates one second of silence with it: a damaged file, one
    from another version of the network or a stray .npz all fail here, before any shot
    runs. Remembered per file state, so a job naming one model for many shots checks it once."""
    try:
        stat = path.stat()
    except OSError as exc:
        return f"model weights '{path}' cannot be read ({exc.strerror or exc}); {fix}"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _weights_checked:
        _weights_checked[key] = _weights_detail(path)
    detail = _weights_checked[key]
    return None if detail is None else f"{detail}; {fix}"


def _weights_detail(path: Path) -> str | None:
    import numpy as np

    from ..model import generation, weights
    from ..model.errors import WeightsError

    try:
        weights.load(path)
    except WeightsError as exc:  # the problem alone: the caller adds the fix that fits where it was set
        return str(getattr(exc, "problem", exc)).rstrip(".")
    except Exception as exc:  # contents load() does not name (a .json that is not an object...)
        return f"model weights '{path}' could not be read as a weights file ({type(exc).__name__}: {exc})"
    try:
        generation.generate(np.zeros(16000, np.float32), 16000, runtime="numpy", weights=path)
    except Exception as exc:  # arrays missing or of the wrong shape for this network
        reason = f"{type(exc).__name__}: {exc}"
        return f"model weights '{path}' do not fit this version of Duet's network ({reason})"
    return None


_UNKNOWN_CHARACTER = re.compile(r"^unknown character '([^']+)'")
# Capitalised words in a row, the way a character's name is written ("Mara", "Mara Jade").
_CAPITALISED_RUN = re.compile(r"\b[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*)*")
_staging_checked: dict[tuple, list[str]] = {}


def staging_problems(path: Path, names: dict[str, str] | None) -> list[str]:
    """What a bake would reject in the staging file ``path``, as sentences naming the file,
    line and column (empty: it would take it). The job check calls this for each shot
    (batch.jobfile.StagingCheck), so a typo is found before the farm opens Blender.

    ``names``: the shot's characters, else None, and then the names are read from the text
    (the .blend's Duet pair is not open yet). A text with frame times ("f120") is checked
    for all but its timing: frame times count from the scene's first frame at its frame rate,
    both in the .blend. Remembered per file state: shots sharing a staging file parse it once."""
    try:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, tuple(sorted((names or {}).items())))
        if key in _staging_checked:
            return _staging_checked[key]
        text = path.read_text(encoding="utf-8")  # as the bake reads it (addon/headless/shot_bake.py)
    except UnicodeDecodeError as exc:
        return [
            f"staging file '{path}' is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}): "
            "save it as UTF-8 (or plain ASCII) from the text editor"
        ]
    except OSError as exc:
        return [f"staging file '{path}' cannot be read ({exc.strerror or exc})"]
    if len(_staging_checked) > 4096:
        _staging_checked.clear()
    _staging_checked[key] = _staging_messages(path, text, names)
    return _staging_checked[key]


def _staging_messages(path: Path, text: str, names: dict[str, str] | None) -> list[str]:
    if not text.strip():
        return []  # the bake ignores an empty staging file
    if names is not None:
        issues = _staging_issues(text, names)
        guessed = False
    else:
        issues, names = _issues_with_names_from_text(text)
        guessed = bool(names)
    messages = []
    for issue in issues:
        message = issue.message
        if guessed and _UNKNOWN_CHARACTER.match(message):
            known = " and ".join(f"'{n}'" for n in names.values())
            message += f" (the job names no characters, so the text's {known} were taken: set a and b)"
        where = "" if issue.line == 0 else f" line {issue.line}, col {issue.column}"
        messages.append(f"'{path}'{where}: {message}")
    return messages


def _staging_issues(text: str, names: dict[str, str] | None) -> list:
    """The staging parser's issues as the bake would meet them (model/staging)."""
    from ..model import staging
    from ..model.staging import vocab
    from ..model.staging.lexer import tokenize
    from ..model.staging.parser import Parser

    bound, name_issues = staging.check_names(names)
    if name_issues:
        return name_issues
    # The lexer sees the text as parse() gives it, which takes a UTF-8 mark (Notepad's) too.
    tokens, lex_issues = tokenize(text.removeprefix("\ufeff"), bound)
    uses_frames = any(
        t.kind == "FRAME"
        or (t.kind == "UNIT" and t.unit in vocab.FRAME_UNITS)
        or (t.kind == "WORD" and t.value in vocab.FRAME_UNITS)
        for t in tokens
    )
    if uses_frames:
        # Frame times count from the scene's first frame at its rate, both in the .blend:
        # check the words here, the timing in the bake.
        _, parse_issues = Parser(tokens, bound).run()
        return sorted(lex_issues + parse_issues, key=lambda i: (i.line, i.column))
    return staging.validate(text, names=bound or None)  # seconds alone: no scene setting matters


def _issues_with_names_from_text(text: str) -> tuple[list, dict[str, str]]:
    """Issues when the job names no characters: the names the text uses (its capitalised
    words that are not staging words, then the unknown characters the parser meets) are
    taken as A's and B's, so that a text written with the .blend's names passes."""
    from ..model.staging import vocab

    candidates: list[str] = []
    for match in _CAPITALISED_RUN.finditer(re.sub(r"#[^\n]*", "", text)):  # comments are free text
        run: list[str] = []
        for word in [*match.group().split(" "), ""]:  # split at staging words: "Mara Looks At Theo"
            if word and word.rstrip(".").casefold() not in vocab.KEYWORDS:
                run.append(word)
                continue
            name = " ".join(run).rstrip(".")
            if name and name.casefold() not in {c.casefold() for c in candidates}:
                candidates.append(name)
            run = []
    names: dict[str, str] = {}

    def bind(new: list[str]) -> None:
        for name in new:
            if len(names) < 2 and name.casefold() not in {n.casefold() for n in names.values()}:
                names["AB"[len(names)]] = name

    bind(candidates)
    issues = _staging_issues(text, names or None)
    for _attempt in range(2):  # a lower-case name the parser took for an unknown character
        bound = len(names)
        bind([m.group(1) for i in issues if (m := _UNKNOWN_CHARACTER.match(i.message))])
        if len(names) == bound:
            break
        issues = _staging_issues(text, names)
    return issues, names


# ----------------------------------------------------------------------------- retarget maps


@dataclass(frozen=True)
class MapSource:
    """A retarget map the user chose: its JSON text and where it came from (for messages)."""

    name: str
    text: str


RETARGET_FIX = "fix the map (docs/RETARGET.md), or save it again from the Duet panel (Characters > Map)"


def map_file_problem(path: Path) -> str | None:
    """Why the .json at ``path`` is not a retarget map Duet can read, naming the file and
    the fix; None when it is one. For the job checks (batch.jobfile.RetargetCheck):
    whether the rig has the shape keys it drives is known only once a shot opens its .blend."""
    from ..model import retarget

    try:
        retarget.RetargetMap.load(path)
    except ValueError as exc:  # InputError: unreadable, invalid JSON, or not the map schema
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        text = lines[0] + (" " + "; ".join(lines[1:]) if len(lines) > 1 else "")
        return text if "Duet panel" in text else f"{text}; {RETARGET_FIX}"
    return None


def read_map_file(path: Path) -> MapSource:
    """The retarget map file at ``path`` for a shot's bake or the panel's Load, read once and
    checked by the one reader of map files, RetargetMap.read (a missing or unreadable file,
    invalid JSON, not the map schema: an InputError naming the file and the fix), with its
    text as written (the panel keeps it in a text block; the bake parses it for the rig)."""
    from ..model import retarget

    _, text = retarget.RetargetMap.read(path)
    return MapSource(name=path.name, text=text)
