"""Script-assisted rows of the evaluation: each clip's script, the "+script" system and how its
lines landed.

    text, refs = script_from_lines(clip.lines)      # a corpus clip's own lines, `A: ...` / `B: ...`
    system = script_system(Path("assets/duet_model.npz"), "numpy")
    perf = system(clip, stems=False)                 # perform(..., script=parse_script(text))
    counts = line_counts(perf, refs, speech)         # lines found / well placed, speech covered

Scripts per dataset (evaluate.py builds the clips):
- synthetic clips: the clip's own spoken lines (corpus `line_*` arrays, text as synthesised,
  laughs as written) in spoken order by start time; a clip written before lines were stored
  gets one line per speech segment with a placeholder word per syllable (placement only);
- bobby, mary: the words of their TextGrids, one line of speaker A;
- jfk.flac: the sentence of ../shared/eval/real/README.md (no reference phones or turns);
- ami_dev00: tests/data/ami_dev00_script.txt, written by machine from the RTTM's turns
  (`python -m duet.model.training script-ami`, below): a line per turn, its words recognised by
  pocketsphinx's English language model. Nobody here can listen, so it is not verified by ear.

`python -m duet.model.training script-ami --real ../shared/eval/real --out tests/data/ami_dev00_script.txt`
rewrites that file.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
AMI_SCRIPT = ROOT / "tests" / "data" / "ami_dev00_script.txt"
JFK_SCRIPT = (
    "A: And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country.\n"
)
FPS = 50  # the model's frame rate (spec.NATIVE_FPS)
WELL_PLACED_S = 0.5  # a placed line whose start and end are each within this of the truth
CONFIDENT = 0.5  # take.ALIGN_MIN_CONFIDENCE: lines at or above it had their words aligned or sure placement
PLACEHOLDER = "ラ"  # one syllable, not English-like: segments-only lines are placed, never word-aligned
_BRACKETS = re.compile(r"[()\[\]（）]")
MARKDOWN_NOTE = (
    "`+script` rows are script-assisted takes (audio-only rows beside them): the same model given "
    "each clip's script (`model/training/eval_script.py`): a synthetic clip's own lines in spoken "
    "order; the words of bobby's and mary's TextGrids; jfk.flac's sentence (`real_speech`: no "
    "reference phones or turns, so only its line against the span of voice activity); the AMI "
    "excerpt's machine-recognised script `tests/data/ami_dev00_script.txt` (a line per RTTM turn, "
    "not verified by ear). Line columns: share of script lines placed, share placed with start and "
    f"end within {WELL_PLACED_S} s of the truth, median start error, share with confidence "
    f">= {CONFIDENT} (words aligned or a sure placement), share of speech frames inside "
    "placed lines and of line time on speech. `p/b/m release` is the mean release error of p/b/m "
    "closures alone (a miss costs 150 ms)."
)


@dataclass(frozen=True)
class RefLine:
    """Where a script line is really spoken: its 1-based line in the script text, role 0/1, seconds."""

    number: int
    role: int
    start: float
    end: float
    text: str


# -- scripts ---------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Spoken text as one script line: one line of text, no brackets (they would hide words as
    notes), a '#' that would start a comment escaped."""
    from ..script.text import escape_text

    return escape_text(" ".join(_BRACKETS.sub(" ", str(text)).split()))


def script_from_lines(
    lines: Sequence[tuple[int, float, float, str, str]], *, laughs: bool = True
) -> tuple[str, tuple[RefLine, ...]]:
    """Script text of a clip's spoken lines (role, start, end, kind, text) in spoken order by start
    (ties: A first), and where each script line really is. Lines without words are left out."""
    from ..script.words import split_words

    out: list[str] = []
    refs: list[RefLine] = []
    for role, start, end, kind, text in sorted(lines, key=lambda ln: (ln[1], ln[0], ln[2])):
        if kind == "laugh" and not laughs:
            continue
        spoken = clean_text(text)
        if not split_words(spoken):
            continue
        out.append(f"{'AB'[int(role)]}: {spoken}")
        refs.append(RefLine(len(out), int(role), float(start), float(end), spoken))
    return "\n".join(out) + "\n" if out else "", tuple(refs)


def script_from_segments(
    segments: Sequence[Sequence[tuple[float, float, str]]], phones: Sequence[dict[str, np.ndarray]]
) -> tuple[str, tuple[RefLine, ...]]:
    """A script for a clip that stored only phones: a line per speech segment (turn, backchannel),
    one placeholder word per vowel phone in it. The words are not the clip's, so these lines
    test placement (roles, timing) only; the placeholder is not English, so no word alignment."""
    from ..lips import phones as ph

    rows = []
    for role in range(2):
        p = phones[role]
        for start, end, kind in segments[role]:
            if kind == "laugh":
                continue
            inside = (p["start"] >= start - 1e-3) & (p["end"] <= end + 1e-3)
            n = sum(1 for ipa in p["ipa"][inside] if ph.is_vowel(str(ipa)))
            if n:
                rows.append((role, float(start), float(end), "turn", " ".join([PLACEHOLDER] * n)))
    return script_from_lines(rows)


def clip_script(clip: Any) -> tuple[str, tuple[RefLine, ...], str]:
    """(script text, reference lines, "lines" or "segments") of a corpus ClipData."""
    if clip.lines:
        text, refs = script_from_lines(clip.lines)
        return text, refs, "lines"
    text, refs = script_from_segments(clip.segments, clip.phones)
    return text, refs, "segments"


def words_script(rows: Sequence[tuple[float, float, str]], role: str = "A") -> tuple[str, RefLine | None]:
    """One line of the words of a TextGrid word tier (silences dropped) and its span."""
    words = [(s, e, w.strip()) for s, e, w in rows if w.strip() and w.strip().lower() not in ("sil", "sp")]
    if not words:
        return "", None
    text = clean_text(" ".join(w for _, _, w in words))
    return f"{role}: {text}\n", RefLine(1, "AB".index(role), words[0][0], words[-1][1], text)


def turn_refs(script_text: str, turns: Sequence[tuple[str, float, float]]) -> tuple[RefLine, ...]:
    """Reference spans of a script written a line per RTTM turn (in order of start): the k-th
    spoken line is the k-th turn. Empty when the counts differ (the script was edited by hand)."""
    from ..script import parse_script

    script = parse_script(script_text)
    ordered = sorted(turns, key=lambda t: (t[1], t[2]))
    if len(script.lines) != len(ordered):
        return ()
    return tuple(
        RefLine(line.number, "AB".index(line.role), s, e, line.spoken)
        for line, (_who, s, e) in zip(script.lines, ordered, strict=True)
    )


# -- the system ------------------------------------------------------------------------------------


def script_system(path: Path, runtime: str, failures: list[str] | None = None) -> Callable[..., Any]:
    """The model with each clip's script: perform(..., script=parse_script(clip.script)).
    A clip without a script gives None; an exception is recorded in `failures` and gives None."""
    from ..generation import perform
    from ..script import parse_script

    def run(clip: Any, stems: bool) -> Any:
        if not clip.script:
            return None
        x = clip.stems16k if stems else clip.audio16k
        try:
            script = parse_script(clip.script, source=clip.name)
            return perform(
                x, conditioning=clip.ref.conditioning, runtime=runtime, seed=0, weights=path, script=script
            )
        except Exception as exc:  # a crash of the script path is a finding, not the end of the run
            message = f"{clip.name} ({'stems' if stems else 'mixed'}): {type(exc).__name__}: {exc}"
            print(f"script path failed on {message}", file=sys.stderr, flush=True)
            if failures is not None:
                failures.append(message)
            return None

    return run


# -- how the lines landed --------------------------------------------------------------------------


def line_counts(perf: Any, refs: Sequence[RefLine], speech: np.ndarray | None, clip_name: str = "") -> dict:
    """Counts of one clip: lines found / well placed (start and end within WELL_PLACED_S), start
    errors, confident lines, and the speech frames the placed lines cover. speech: (F,) bool
    frames where someone speaks (the reference, or a VAD where there is none)."""
    placed = {t.source_line: t for t in getattr(perf, "lines", ())}
    c: dict = {
        "script_lines": len(refs),
        "script_found": 0,
        "script_well_placed": 0,
        "script_confident": 0,
        "script_start_errors_ms": [],
        "script_misplaced": [],
    }
    for ref in refs:
        got = placed.get(ref.number)
        if got is None:
            c["script_misplaced"].append(_miss(clip_name, ref, None))
            continue
        c["script_found"] += 1
        c["script_confident"] += int(got.confidence >= CONFIDENT)
        err_s, err_e = got.start - ref.start, got.end - ref.end
        c["script_start_errors_ms"].append(abs(err_s) * 1000.0)
        if abs(err_s) <= WELL_PLACED_S and abs(err_e) <= WELL_PLACED_S and got.role == "AB"[ref.role]:
            c["script_well_placed"] += 1
        else:
            c["script_misplaced"].append(_miss(clip_name, ref, got))
    if len(refs) > 1 and c["script_found"] == 0:  # the take set the whole script aside: one row
        whole = RefLine(refs[0].number, refs[0].role, refs[0].start, refs[-1].end, f"(all {len(refs)} lines)")
        c["script_misplaced"] = [
            {**_miss(clip_name, whole, None), "line": f"{refs[0].number}-{refs[-1].number}"}
        ]
    if speech is not None and len(speech):
        speech = np.asarray(speech, dtype=bool)
        covered = np.zeros(len(speech), dtype=bool)
        for t in placed.values():
            covered[max(0, int(round(t.start * FPS))) : max(0, int(round(t.end * FPS)))] = True
        c["speech_frames"] = int(speech.sum())
        c["speech_covered_frames"] = int((speech & covered).sum())
        c["line_frames"] = int(covered.sum())
        c["line_on_speech_frames"] = int((covered & speech).sum())
    return c


def word_counts(audio16k: np.ndarray, script_text: str | None, speech: np.ndarray | None) -> dict:
    """Where the words of a one-line script fall when aligned over the whole recording (English
    aligner, as the take calls it): their span against the voice activity `speech` (F,), and the
    aligner's confidence, which the take compares with its threshold. {} without the aligner."""
    from ..script import english, parse_script

    script = parse_script(script_text or "")
    if len(script.lines) != 1 or speech is None or not english.available():
        return {}
    words = script.lines[0].words
    try:
        span = english.align_words(np.asarray(audio16k, dtype=np.float32), list(words))
    except english.AlignmentFailed:
        return {"script_words": len(words), "words_aligned": 0}
    on = np.flatnonzero(np.asarray(speech, dtype=bool))
    t = np.arange(len(speech)) / FPS
    in_words = np.zeros(len(speech), dtype=bool)
    for w in span.words:
        in_words |= (t >= w.start - 0.1) & (t < w.end + 0.1)
    return {
        "script_words": len(words),
        "words_aligned": len(span.words),
        "words_start_s": [span.start],
        "words_end_s": [span.end],
        "voice_start_s": [on[0] / FPS] if len(on) else [],
        "voice_end_s": [(on[-1] + 1) / FPS] if len(on) else [],
        "voice_in_words_frames": int((in_words & speech).sum()),
        "voice_frames": int(np.asarray(speech, dtype=bool).sum()),
        "word_confidences": [w.confidence for w in span.words],
        "span_confidence": [span.confidence],
    }


def _miss(clip_name: str, ref: RefLine, got: Any) -> dict:
    row = {
        "clip": clip_name,
        "line": ref.number,
        "role": "AB"[ref.role],
        "text": ref.text,
        "true": [round(ref.start, 2), round(ref.end, 2)],
    }
    if got is not None:
        row["placed"] = [round(got.start, 2), round(got.end, 2)]
        row["confidence"] = round(float(got.confidence), 2)
    return row


def pool_line_counts(counts: Sequence[dict]) -> dict:
    """The script measures of pooled clip counts ({} when no clip has a script)."""
    have = [c for c in counts if "script_lines" in c]
    if not have:
        return {}
    total = sum(c["script_lines"] for c in have)
    errs = [e for c in have for e in c["script_start_errors_ms"]]

    def ratio(a: str, b: str) -> float | None:
        den = sum(c.get(b, 0) for c in have)
        return sum(c.get(a, 0) for c in have) / den if den else None

    words = {}
    if any("script_words" in c for c in have):
        first = [v for c in have for v in c.get("words_start_s", [])]
        last = [v for c in have for v in c.get("words_end_s", [])]
        conf = [v for c in have for v in c.get("word_confidences", [])]
        words = {
            "words_aligned": ratio("words_aligned", "script_words"),
            "words_span_s": [round(min(first), 2), round(max(last), 2)] if first else None,
            "voice_span_s": [
                round(min(v for c in have for v in c.get("voice_start_s", [])), 2),
                round(max(v for c in have for v in c.get("voice_end_s", [])), 2),
            ]
            if first
            else None,
            "voice_in_words": ratio("voice_in_words_frames", "voice_frames"),
            "word_confidence": float(np.median(conf)) if conf else None,
            "span_confidence": float(np.mean([v for c in have for v in c.get("span_confidence", [])]))
            if first
            else None,
        }
    return {
        **words,
        "script_lines": total,
        "lines_found": ratio("script_found", "script_lines"),
        "lines_well_placed": ratio("script_well_placed", "script_lines"),
        "lines_confident": ratio("script_confident", "script_lines"),
        "line_start_error_ms": float(np.median(errs)) if errs else None,
        "speech_covered": ratio("speech_covered_frames", "speech_frames"),
        "line_on_speech": ratio("line_on_speech_frames", "line_frames"),
        "misplaced": [m for c in have for m in c["script_misplaced"]],
    }


def misplaced_table(results: dict) -> list[str]:
    """Markdown lines listing every script line not placed within WELL_PLACED_S ([] for none)."""
    rows = [
        (name, ds, m) for name, r in results.items() for ds, s in r.items() for m in s.get("misplaced", [])
    ]
    if not rows:
        return []
    out = [f"## Script lines not placed within {WELL_PLACED_S} s", ""]
    out += ["| system | dataset | clip | line | role | text | true (s) | placed (s) | confidence |",
            "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, ds, m in rows:
        placed = "-".join(f"{v:.2f}" for v in m["placed"]) if "placed" in m else "not found"
        text = m["text"] if len(m["text"]) <= 40 else m["text"][:39] + "…"
        out.append(
            f"| {name} | {ds} | {m['clip']} | {m['line']} | {m['role']} | {text.replace('|', '/')} | "
            f"{m['true'][0]:.2f}-{m['true'][1]:.2f} | {placed} | {m.get('confidence', '–')} |"
        )
    return [*out, ""]


def source_state() -> str:
    """The code the figures came from: 'commit abc1234', plus each file under model/ that differs
    from it (a shared working tree) with its content's git blob id; '' outside a git checkout."""
    try:
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=20
        )
        status = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=all", "--", "model"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        if head.returncode != 0 or status.returncode != 0:
            return ""
        changed = []
        for row in status.stdout.splitlines():
            path = row[3:].strip()
            if not path.endswith(".py") or not (ROOT / path).is_file():
                continue
            blob = subprocess.run([*git, "hash-object", path], capture_output=True, text=True, timeout=20)
            changed.append(f"{path}@{blob.stdout.strip()[:7]}")
    except (OSError, subprocess.SubprocessError):
        return ""
    extra = f" + uncommitted {', '.join(changed)}" if changed else ""
    return f"commit {head.stdout.strip()}{extra}"


# -- the AMI excerpt's script, by machine ----------------------------------------------------------


def _recogniser() -> Any:
    """pocketsphinx with its bundled US English acoustic model, language model and dictionary
    (the paths as model/script/english.py finds them)."""
    from pocketsphinx import Decoder

    from ..script import english

    hmm, dictionary = english._model_paths()
    lm = os.path.join(os.path.dirname(dictionary), "en-us.lm.bin")
    return Decoder(hmm=hmm, lm=lm, dict=dictionary, samprate=16000, loglevel="FATAL")


def recognise(decoder: Any, audio16k: np.ndarray) -> str:
    """The decoder's best word sequence for mono 16 kHz audio ('' when it hears none)."""
    pcm = np.clip(np.round(np.asarray(audio16k) * 32767.0), -32767, 32767).astype(np.int16).tobytes()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    words = [w for w in (hyp.hypstr.split() if hyp is not None else []) if not w.startswith(("<", "["))]
    return " ".join(words)


def ami_script(real_dir: Path) -> tuple[str, list[str]]:
    """The AMI excerpt's script: a line per RTTM turn in order of start, its speaker (A = the first
    to speak, as the evaluation's reference), its words recognised from the turn's audio."""
    import pocketsphinx

    from .. import audio as audio_io
    from .evaluate import read_rttm, read_wav

    wav = real_dir / "conversation" / "ami_dev00.wav"
    rttm = real_dir / "conversation" / "ami_dev00.rttm"
    x, rate = read_wav(wav)
    x16 = audio_io.prepare(x if x.ndim == 1 else x.mean(axis=1), rate, stems=False)
    turns = sorted(read_rttm(rttm), key=lambda t: (t[1], t[2]))
    first = turns[0][0]
    other = next((who for who, _, _ in turns if who != first), "?")
    decoder = _recogniser()
    lines, dropped = [], []
    for who, s, e in turns:
        words = recognise(decoder, x16[int(s * 16000) : int(e * 16000)])
        role = "A" if who == first else "B"
        if words:
            lines.append(f"{role}: {words}")
        else:
            dropped.append(f"{who} {s:.2f}-{e:.2f} s")
    version = getattr(pocketsphinx, "__version__", None) or _dist_version("pocketsphinx")
    header = [
        f"# ami_dev00: a script of {wav.name} MADE BY MACHINE, NOT VERIFIED BY EAR (nobody here can listen).",
        "# Written by `python -m duet.model.training script-ami --real ../shared/eval/real --out "
        "tests/data/ami_dev00_script.txt`",
        "# (model/training/eval_script.py): the turns of ami_dev00.rttm in order of their start, one",
        f"# line per turn (overlapping turns too), each given its RTTM speaker: A = {first} (the first to",
        f"# speak, as the evaluation's reference), B = {other}. Each turn's audio (16 kHz, overlaps",
        f"# included) was recognised by pocketsphinx {version} with the US English acoustic model,",
        "# language model (en-us.lm.bin) and dictionary (cmudict-en-us.dict) its wheel ships.",
        "# Far-field meeting speech: many words are wrong. Roles and line order come from the RTTM;",
        "# the words are what a recogniser heard. No time hints: the lines are placed from the audio.",
    ]
    if dropped:
        header.append("# Turns with no recognised words, left out: " + "; ".join(dropped) + ".")
    return "\n".join(header + lines) + "\n", dropped


def _dist_version(name: str) -> str:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # metadata missing: say so rather than guess
        return "(version unknown)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Write the AMI excerpt's machine-recognised script (a line per RTTM turn)."
    from .evaluate import DEFAULT_REAL

    parser.add_argument(
        "--real", type=Path, default=DEFAULT_REAL, help="real recordings folder (read in place)"
    )
    parser.add_argument("--out", type=Path, default=AMI_SCRIPT, help="script file to write")


def run(args: argparse.Namespace) -> int:
    conv = Path(args.real) / "conversation"
    if not (conv / "ami_dev00.wav").is_file() or not (conv / "ami_dev00.rttm").is_file():
        print(f"error: {conv} lacks ami_dev00.wav and ami_dev00.rttm; pass --real", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    text, _ = ami_script(Path(args.real))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.0f} s")
    return 0
