"""Real recordings the training corpus may use, and the ones it must never use.

    readings = librispeech_readings(root)          # train-clean-100 only; test-other refused
    lines = fillets_lines(fillets_root, "train")   # Fish Fillets lines, held-out levels left out

LibriSpeech (``../shared/data/librispeech_voices``, CC BY 4.0): training reads only
``train-clean-100`` (251 readers, one reading each). ``test-other`` is the held-out
evaluation set (model/training/heldout.py); a reader of test-other (by folder or by
SPEAKERS.TXT) is refused even when a file of theirs turns up under train-clean-100, and
`check_no_heldout_speakers` is run on every real-voice corpus plan. A fixed twelfth of the
train-clean-100 readers (`LIBRISPEECH_VALIDATION_EVERY`) is kept for the corpus's validation
split, so validation losses are measured on voices training never heard.

Fish Fillets (Debian fillets-ng-data, -cs, -nl, GPL-2; installed by tools/train_real_voices.sh,
never copied into the project): the two fish are one actor each per language; their lines
(``font_small`` = the small fish, ``font_big`` = the big fish) come with who says them.
`FILLETS_HELDOUT_LEVELS` (heldout.py's list) are for evaluation only (never in any corpus split),
`FILLETS_VALIDATION_LEVELS` for the validation split; the rest train.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import spec
from .audio_files import read_audio_file
from .heldout import FILLETS_HELDOUT_LEVELS as _EVALUATION_LEVELS

SR = spec.SAMPLE_RATE
LIBRISPEECH_TRAIN_SUBSET = "train-clean-100"
LIBRISPEECH_HELDOUT_SUBSET = "test-other"
LIBRISPEECH_VALIDATION_EVERY = 12  # every 12th train-clean-100 reader (sorted by id) validates
DEFAULT_LIBRISPEECH_ROOT = Path(__file__).resolve().parents[3] / "shared" / "data" / "librispeech_voices"

DEFAULT_FILLETS_ROOT = Path("/usr/share/games/fillets-ng")
FILLETS_PACKAGES = ("fillets-ng-data", "fillets-ng-data-cs", "fillets-ng-data-nl")
FILLETS_LANGUAGES = ("cs", "nl")
FILLETS_CHARACTERS = {"font_small": "small", "font_big": "big"}  # the two fish; minor parts are left out
# Levels held out for evaluation: no line of these levels enters any corpus split. The held-out
# evaluation (heldout.py, its Fish Fillets rows) owns the list; it is imported, never copied, so
# the two cannot drift apart.
FILLETS_HELDOUT_LEVELS: tuple[str, ...] = tuple(sorted(_EVALUATION_LEVELS))
# Levels of the corpus's validation split (never in train, none of them held out).
FILLETS_VALIDATION_LEVELS = ("cave", "corridor", "hanoi")


class RealSourceError(RuntimeError):
    """A real-voice source is missing or unusable; the message names the fix."""


# ----------------------------------------------------------------------------- audio


def read_audio16k(path: Path) -> np.ndarray:
    """A recording (flac, ogg, wav) as float32 mono at 16 kHz (decoded by audio_files)."""
    from ..audio import resample

    try:
        mono, rate = read_audio_file(path)
    except RuntimeError as exc:
        raise RealSourceError(str(exc)) from None
    if rate != SR:
        mono = resample(mono, rate, SR)
    return np.ascontiguousarray(mono, dtype=np.float32)


# ----------------------------------------------------------------------------- LibriSpeech


@dataclass(frozen=True)
class Reading:
    """One LibriSpeech reading of one reader."""

    path: Path
    speaker: str  # "librispeech:<reader id>"
    sex: str  # "M" / "F"
    split: str  # "train" / "validation"

    @property
    def reader(self) -> str:
        return self.speaker.split(":", 1)[1]


def _speakers_table(root: Path) -> list[tuple[str, str, str]]:
    """(reader id, sex, subset) rows of SPEAKERS.TXT."""
    path = Path(root) / "SPEAKERS.TXT"
    if not path.is_file():
        raise RealSourceError(f"{path} is missing; point --librispeech at librispeech_voices/")
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(";"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3 and parts[0].isdigit():
            rows.append((parts[0], parts[1], parts[2]))
    return rows


def heldout_readers(root: Path) -> frozenset[str]:
    """Reader ids of the held-out test-other set: its folders and SPEAKERS.TXT's test-other rows."""
    base = Path(root) / LIBRISPEECH_HELDOUT_SUBSET
    folders = {d.name for d in base.iterdir() if d.is_dir()} if base.is_dir() else set()
    table = {rid for rid, _sex, subset in _speakers_table(root) if subset == LIBRISPEECH_HELDOUT_SUBSET}
    return frozenset(folders | table)


def librispeech_readings(root: Path = DEFAULT_LIBRISPEECH_ROOT) -> list[Reading]:
    """The train-clean-100 readings (sorted by file name), with their training-side split.

    Refuses (RealSourceError) any file whose reader belongs to test-other.
    """
    root = Path(root)
    base = root / LIBRISPEECH_TRAIN_SUBSET
    if not base.is_dir():
        raise RealSourceError(
            f"{base} is missing; pass --librispeech with the folder that holds {LIBRISPEECH_TRAIN_SUBSET}/"
        )
    sexes = {rid: sex for rid, sex, _subset in _speakers_table(root)}
    held = heldout_readers(root)
    files = sorted(base.glob("*.flac"))
    readers = sorted({p.name.split("-", 1)[0] for p in files}, key=int)
    validation = set(readers[LIBRISPEECH_VALIDATION_EVERY - 1 :: LIBRISPEECH_VALIDATION_EVERY])
    out = []
    for path in files:
        rid = path.name.split("-", 1)[0]
        if not rid.isdigit():
            raise RealSourceError(f"{path}: LibriSpeech names start with the reader id (READER-CHAPTER-UTT)")
        if rid in held:
            raise RealSourceError(
                f"{path}: reader {rid} belongs to the held-out {LIBRISPEECH_HELDOUT_SUBSET} set and must "
                "never be trained on; remove the file from train-clean-100"
            )
        if rid not in sexes:
            raise RealSourceError(f"{path}: reader {rid} is not in SPEAKERS.TXT")
        split = "validation" if rid in validation else "train"
        out.append(Reading(path, f"librispeech:{rid}", sexes[rid], split))
    return out


def check_no_heldout_speakers(speakers, root: Path) -> None:
    """Raise RealSourceError if any "librispeech:<id>" speaker is a held-out test-other reader."""
    held = heldout_readers(root)
    bad = sorted(
        {s.split(":", 1)[1] for s in speakers if s.startswith("librispeech:")} & held, key=lambda x: int(x)
    )
    if bad:
        raise RealSourceError(
            f"held-out {LIBRISPEECH_HELDOUT_SUBSET} readers {bad} were planned into a training corpus; "
            "only train-clean-100 may be used"
        )


# ----------------------------------------------------------------------------- Fish Fillets


@dataclass(frozen=True)
class FilletsLine:
    """One recorded line of one fish."""

    level: str
    language: str
    line_id: str
    character: str  # "small" / "big"
    text: str  # the line in its language (dialogStr)
    path: Path

    @property
    def speaker(self) -> str:
        return f"fillets:{self.language}:{self.character}"


_DIALOG = re.compile(
    r'dialogId\(\s*"(?P<id>[^"]+)"\s*,\s*"(?P<font>[^"]*)"\s*,\s*"(?:[^"\\]|\\.)*"\s*\)'
    r'\s*dialogStr\(\s*"(?P<text>(?:[^"\\]|\\.)*)"\s*\)'
)


def parse_dialogs(text: str) -> list[tuple[str, str, str]]:
    """(line id, font, line text) of a dialogs_<lang>.lua file, in file order."""
    return [(m["id"], m["font"], m["text"]) for m in _DIALOG.finditer(text)]


def fillets_levels(root: Path = DEFAULT_FILLETS_ROOT) -> list[str]:
    base = Path(root) / "script"
    if not base.is_dir():
        raise RealSourceError(
            f"{base} is missing; install the Fish Fillets data for training only: "
            f"apt-get install {' '.join(FILLETS_PACKAGES)} (tools/train_real_voices.sh does it)"
        )
    return sorted(d.name for d in base.iterdir() if d.is_dir())


def fillets_split(level: str) -> str:
    """'heldout', 'validation' or 'train' for a level name."""
    if level in FILLETS_HELDOUT_LEVELS:
        return "heldout"
    if level in FILLETS_VALIDATION_LEVELS:
        return "validation"
    return "train"


@lru_cache(maxsize=8)
def fillets_lines(root: Path = DEFAULT_FILLETS_ROOT, split: str = "train") -> tuple[FilletsLine, ...]:
    """The fish's recorded lines of the levels in `split` ('train', 'validation', 'heldout')."""
    root = Path(root)
    out = []
    for level in fillets_levels(root):
        if fillets_split(level) != split:
            continue
        for lang in FILLETS_LANGUAGES:
            script = root / "script" / level / f"dialogs_{lang}.lua"
            if not script.is_file():
                continue
            for line_id, font, text in parse_dialogs(script.read_text(encoding="utf-8", errors="replace")):
                if font not in FILLETS_CHARACTERS:
                    continue
                audio = root / "sound" / level / lang / f"{line_id}.ogg"
                if audio.is_file():
                    out.append(FilletsLine(level, lang, line_id, FILLETS_CHARACTERS[font], text, audio))
    return tuple(out)


__all__ = [
    "DEFAULT_FILLETS_ROOT",
    "DEFAULT_LIBRISPEECH_ROOT",
    "FILLETS_HELDOUT_LEVELS",
    "FILLETS_VALIDATION_LEVELS",
    "FilletsLine",
    "Reading",
    "RealSourceError",
    "check_no_heldout_speakers",
    "fillets_lines",
    "fillets_split",
    "heldout_readers",
    "librispeech_readings",
    "parse_dialogs",
    "read_audio16k",
]
