"""`python -m duet.model.training eval`: score models, baselines and ablations; write JSON + docs/EVAL.md.

    python -m duet.model.training eval --corpus corpus/full \
        --model full=assets/duet_model.npz --model no-cross=runs/ablate_cross/model.npz
    python -m duet.model.training eval --model duet=assets/duet_model.npz --script --keep-rows


Datasets: the corpus's held-out test split (voices, texts and warps training
never saw), in mixed and stems mode, and the real recordings of
../shared/eval/real (read in place, never copied): TextGrid phones of two
single-speaker sentences and the RTTM of a two-speaker meeting excerpt.
Systems: each --model, the energy-driven jaw (the mouth opens with loudness:
what a cheap tool does) and the procedural teacher driven by the reference
phones (the ceiling; on the synthetic clips it is the clip's own target).
--script adds LABEL+script per model: the same model given each clip's script
(eval_script.py builds it), with how its lines landed; synthetic rows are also
pooled per language. --words adds LABEL+words: the same model with recognise_words.
--keep-rows keeps the rows of the existing --json that this run does not recompute
(ablations trained elsewhere, a corpus not here).
Measures: metrics.py (DESIGN.md "Measures").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import audio as audio_io
from .. import features, spec, weights, windowing
from ..performance import Performance
from . import eval_script, metrics
from .audio_files import read_audio_file
from .eval_readers import phones_to_ipa, read_rttm, read_textgrid, read_wav

DEFAULT_REAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "real"
TARGETS = {
    "lip_sync_error_ms": ("<=", 21.0),
    "closure_recall": (">=", 0.95),
    "closure_precision": (">=", 0.8),
    "rounding_contrast": (">=", 0.25),
    "speaker_attribution_accuracy": (">=", 0.95),
    "cross_talk_leakage": ("<=", 0.10),
    "staging_error_deg": ("<=", 5.0),
}


# The readers of the real recordings' files are in eval_readers.py (imported above).


# -- systems ---------------------------------------------------------------------------------------


@dataclass
class Clip:
    """One evaluation item: audio and what it is scored against."""

    name: str
    audio16k: np.ndarray  # (S,) mix
    stems16k: np.ndarray | None  # (S, 2)
    ref: metrics.ClipReference
    teacher: Performance | None  # the ceiling's performance (None: build it from the phones)
    language: str = ""
    script: str | None = None  # script text for the +script systems (None: not scored by them)
    script_refs: tuple[eval_script.RefLine, ...] = ()  # where its lines really are
    speech: np.ndarray | None = None  # (F,) bool frames where someone speaks (for line coverage)


def _arrays(perf: Performance) -> tuple[np.ndarray, ...]:
    roles = spec.ROLES
    return (
        np.stack([perf.blendshapes[r] for r in roles], axis=1),
        np.stack([perf.head[r] for r in roles], axis=1),
        np.stack([perf.gaze[r] for r in roles], axis=1),
        np.stack([perf.speaking[r] for r in roles], axis=1),
    )


def energy_jaw(x16k: np.ndarray, n_frames: int) -> Performance:
    """Baseline: each role's jaw opens with the loudness of what it hears (the mix, or its stem)."""
    chans = [x16k, x16k] if x16k.ndim == 1 else [x16k[:, 0], x16k[:, 1]]
    blend = np.zeros((n_frames, 2, len(spec.ARKIT_NAMES)), np.float32)
    speaking = np.zeros((n_frames, 2), np.float32)
    for r, ch in enumerate(chans):
        level = windowing.frame_energy_db(ch, n_frames)
        top = float(np.percentile(level, 98)) if n_frames else 0.0
        blend[:, r, spec.ARKIT_INDEX["jawOpen"]] = 0.45 * np.clip((level - (top - 35.0)) / 35.0, 0.0, 1.0)
        speaking[:, r] = level > top - 30.0
    zeros3 = np.zeros((n_frames, 3), np.float32)
    return Performance(
        fps=spec.NATIVE_FPS,
        blendshapes={r: blend[:, i] for i, r in enumerate(spec.ROLES)},
        head={r: zeros3.copy() for r in spec.ROLES},
        gaze={r: zeros3[:, :2].copy() for r in spec.ROLES},
        speaking={r: speaking[:, i] for i, r in enumerate(spec.ROLES)},
    )


def teacher_from_phones(clip: Clip, n_frames: int) -> Performance:
    """The teacher driven by the reference phones (real recordings: role A speaks, B listens)."""
    from .teacher import from_reference_phones, teach

    p = clip.ref.phones
    role_a = from_reference_phones(p[0].ipa, p[0].start, p[0].end, stem=clip.audio16k)
    role_b = from_reference_phones(p[1].ipa, p[1].start, p[1].end)
    out = teach(role_a, role_b, n_frames=n_frames, seed=0)
    return Performance(
        fps=spec.NATIVE_FPS,
        blendshapes={r: out.blendshapes[:, i] for i, r in enumerate(spec.ROLES)},
        head={r: out.head[:, i] for i, r in enumerate(spec.ROLES)},
        gaze={r: out.gaze[:, i] for i, r in enumerate(spec.ROLES)},
        speaking={r: out.speaking[:, i] for i, r in enumerate(spec.ROLES)},
    )


def model_system(
    path: Path, runtime: str, words: bool = False, read_lips: bool = True
) -> Callable[[Clip, bool], Performance]:
    """The model as generate() runs it on a clip (words: recognise_words, the LABEL+words rows;
    read_lips False: the network's own mouth, the LABEL/network-lips rows)."""
    from ..generation import perform

    def run(clip: Clip, stems: bool) -> Performance:
        x, cond = clip.stems16k if stems else clip.audio16k, clip.ref.conditioning
        return perform(
            x,
            conditioning=cond,
            runtime=runtime,
            seed=0,
            weights=path,
            recognise_words=words,
            read_lips=read_lips,
        )

    return run


# -- datasets --------------------------------------------------------------------------------------


def synthetic_clips(corpus_dir: Path, max_clips: int | None, split: str = "test") -> list[Clip]:
    from ..lips.visemes import lip_aperture
    from .corpus_read import iter_clips

    out = []
    for c in iter_clips(corpus_dir, split):
        phones = tuple(
            metrics.Phones(p["ipa"], p["start"].astype(np.float64), p["end"].astype(np.float64))
            for p in c.phones
        )
        teacher = Performance(
            fps=spec.NATIVE_FPS,
            blendshapes={r: c.blendshapes[:, i] for i, r in enumerate(spec.ROLES)},
            head={r: c.head[:, i] for i, r in enumerate(spec.ROLES)},
            gaze={r: c.gaze[:, i] for i, r in enumerate(spec.ROLES)},
            speaking={r: c.speaking[:, i] for i, r in enumerate(spec.ROLES)},
        )
        ref = metrics.ClipReference(
            phones=phones,  # type: ignore[arg-type]
            speaking=c.speaking,
            aperture=lip_aperture(c.blendshapes.astype(np.float64)),
            conditioning=c.conditioning,
        )
        text, refs, _ = eval_script.clip_script(c)
        speech = (c.speaking > 0.5).any(axis=1)
        out.append(Clip(c.clip_id, c.mix, c.stems, ref, teacher, c.language, text or None, refs, speech))
        if max_clips and len(out) >= max_clips:
            break
    return out


def real_clips(real_dir: Path, script_file: Path = eval_script.AMI_SCRIPT) -> dict[str, list[Clip]]:
    """The aligned single-speaker sentences, the two-speaker meeting excerpt and jfk.flac."""
    out: dict[str, list[Clip]] = {}
    aligned = []
    grids = (
        ("bobby.wav", "bobby_phones.TextGrid", "bobby_words.TextGrid"),
        ("mary.wav", "mary.TextGrid", "mary.TextGrid"),
    )
    for wav, grid, words_grid in grids:
        wp, gp = real_dir / "aligned" / wav, real_dir / "aligned" / grid
        if not (wp.is_file() and gp.is_file()):
            continue
        x, rate = read_wav(wp)
        x16 = audio_io.prepare(x if x.ndim == 1 else x.mean(axis=1), rate, stems=False)
        n = features.n_model_frames(len(x16))
        tiers = read_textgrid(gp)
        tier = tiers.get("phone") or tiers.get("phones") or next(iter(tiers.values()))
        pa = phones_to_ipa(tier)
        speaking = np.zeros((n, 2), np.float32)
        for s, e in metrics._speech_spans(pa):
            speaking[int(np.floor(s * 50)) : int(np.ceil(e * 50)), 0] = 1.0
        ref = metrics.ClipReference((pa, metrics.Phones.empty()), speaking=speaking)
        wg = real_dir / "aligned" / words_grid
        word_rows = read_textgrid(wg).get("word", []) if wg.is_file() else []
        text, line_ref = eval_script.words_script(word_rows)
        refs = (line_ref,) if line_ref else ()
        clip = Clip(wp.stem, x16, None, ref, None, "en", text or None, refs, speaking[:, 0] > 0)
        from ..lips.visemes import lip_aperture

        teacher = teacher_from_phones(clip, n)
        ref.aperture = lip_aperture(
            np.stack([teacher.blendshapes[r] for r in spec.ROLES], axis=1).astype(np.float64)
        )
        clip.teacher = teacher
        aligned.append(clip)
    if aligned:
        out["real_aligned"] = aligned
    wp, rp = real_dir / "conversation" / "ami_dev00.wav", real_dir / "conversation" / "ami_dev00.rttm"
    if wp.is_file() and rp.is_file():
        x, rate = read_wav(wp)
        x16 = audio_io.prepare(x if x.ndim == 1 else x.mean(axis=1), rate, stems=False)
        n = features.n_model_frames(len(x16))
        rows = read_rttm(rp)
        first = min(rows, key=lambda r: r[1])[0]  # A = the first to speak
        speaking = np.zeros((n, 2), np.float32)
        for who, s, e in rows:
            speaking[int(np.floor(s * 50)) : int(np.ceil(e * 50)), 0 if who == first else 1] = 1.0
        ref = metrics.ClipReference((metrics.Phones.empty(), metrics.Phones.empty()), speaking=speaking)
        text = script_file.read_text(encoding="utf-8") if script_file.is_file() else None
        refs = eval_script.turn_refs(text, rows) if text else ()
        speech = speaking.any(axis=1) > 0
        out["real_conversation"] = [Clip("ami_dev00", x16, None, ref, None, "en", text, refs, speech)]
    jfk = real_speech_clip(real_dir / "speech" / "jfk.flac")
    if jfk is not None:
        out["real_speech"] = [jfk]
    return out


def real_speech_clip(path: Path) -> Clip | None:
    """jfk.flac with its sentence: no reference phones or turns, so only the script's line is
    measured, against the span of voice activity (windowing.voiced_frames)."""
    if not path.is_file():
        return None
    mono, rate = read_audio_file(path)
    x16 = audio_io.prepare(mono, rate, stems=False)
    n = features.n_model_frames(len(x16))
    voiced = windowing.voiced_frames(x16, n)
    on = np.flatnonzero(voiced)
    refs = ()
    if len(on):  # the one line should span the voiced stretch
        refs = (eval_script.RefLine(1, 0, on[0] / spec.NATIVE_FPS, (on[-1] + 1) / spec.NATIVE_FPS, "jfk"),)
    ref = metrics.ClipReference((metrics.Phones.empty(), metrics.Phones.empty()))
    return Clip(path.stem, x16, None, ref, None, "en", eval_script.JFK_SCRIPT, refs, voiced)


# -- the run ---------------------------------------------------------------------------------------


def evaluate(
    systems: dict[str, Callable[[Clip, bool], Performance | None]],
    datasets: dict[str, tuple[list[Clip], bool]],
    script_systems: frozenset[str] = frozenset(),
    script_only: frozenset[str] = frozenset(),
) -> dict:
    """Score every system on every dataset. script_systems: those whose clips also get line counts
    (a clip they cannot take counts as failed, not as the end of the row); script_only: datasets
    only they are scored on (no reference for the others)."""
    results: dict = {}
    for sys_name, system in systems.items():
        results[sys_name] = {}
        is_script = sys_name in script_systems
        for ds_name, (clips, stems) in datasets.items():
            if ds_name in script_only and not is_script:
                continue
            counts, langs, failed = [], [], 0
            t0 = time.perf_counter()
            for clip in clips:
                perf = system(clip, stems)
                if perf is None:
                    if is_script:
                        failed += 1
                        continue
                    break
                c = metrics.clip_counts(*_arrays(perf), clip.ref)
                if is_script:
                    c.update(eval_script.line_counts(perf, clip.script_refs, clip.speech, clip.name))
                    if ds_name in script_only:  # no reference to score the take: how its words fall
                        c.update(eval_script.word_counts(clip.audio16k, clip.script, clip.speech))
                counts.append(c)
                langs.append(clip.language)
            if counts and (len(counts) == len(clips) or is_script):
                scores = _pooled(counts)
                scores["clips"] = len(counts)
                scores["seconds_per_clip"] = round((time.perf_counter() - t0) / len(counts), 3)
                if failed:
                    scores["failed_clips"] = failed
                if len(set(langs)) > 1:
                    scores["by_language"] = {
                        lang: {**_pooled([c for c, g in zip(counts, langs, strict=True) if g == lang]),
                               "clips": langs.count(lang)}
                        for lang in sorted(set(langs))
                    }  # fmt: skip
                results[sys_name][ds_name] = scores
                print(f"{sys_name:>14} {ds_name:<22} " + _short(scores), flush=True)
    return results


def _pooled(counts: list[dict]) -> dict:
    scores = metrics.pool(counts)
    scores.update(eval_script.pool_line_counts(counts))
    if not scores.get("misplaced", True):
        del scores["misplaced"]
    return scores


def _short(s: dict) -> str:
    keys = ("lip_sync_error_ms", "closure_recall", "closure_precision", "rounding_contrast",
            "speaker_attribution_accuracy", "cross_talk_leakage", "lines_well_placed")  # fmt: skip
    return " ".join(f"{k.split('_')[0]}={_fmt(s.get(k))}" for k in keys if k in s)


def _fmt(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


COLUMNS = (
    ("lip_sync_error_ms", "lip-sync error (ms)"),
    ("closure_release_error_ms", "p/b/m release (ms)"),
    ("closure_recall", "p/b/m recall"),
    ("closure_precision", "closure precision"),
    ("rounding_contrast", "rounding contrast"),
    ("mouth_openness_correlation", "openness r"),
    ("speaker_attribution_accuracy", "attribution"),
    ("speaker_attribution_better_order", "attribution (better order)"),
    ("cross_talk_leakage", "leakage"),
    ("gaze_reciprocity_b_given_a", "reciprocity P(B→A|A→B)"),
    ("listener_at_speaker", "listener→speaker"),
    ("speaker_at_listener", "speaker→listener"),
    ("staging_error_deg", "staging error (°)"),
    ("staged_contact_accuracy", "staged contact"),
    ("lines_found", "lines found"),
    ("lines_well_placed", "lines placed ±0.5 s"),
    ("line_start_error_ms", "line start error (ms, median)"),
    ("lines_confident", "lines confident"),
    ("speech_covered", "speech in lines"),
    ("line_on_speech", "line time on speech"),
    ("words_aligned", "words aligned"),
    ("words_span_s", "words span (s)"),
    ("voice_span_s", "voice span (s)"),
    ("voice_in_words", "voice within words ±0.1 s"),
    ("word_confidence", "word confidence (median)"),
    ("span_confidence", "aligner confidence"),
    ("failed_clips", "failed clips"),
    ("seconds_per_clip", "s / clip"),
)
LANGUAGE_COLUMNS = (
    "lip_sync_error_ms", "closure_release_error_ms", "closure_recall", "closure_precision",
    "rounding_contrast", "speaker_attribution_accuracy", "cross_talk_leakage", "lines_well_placed",
)  # fmt: skip
KEPT_MARK = "<!-- Hand-written notes below this line are carried over when the file is regenerated. -->"


def _table(
    rows: list[tuple[str, dict]], keys: tuple[str, ...] | None = None, head: str = "system"
) -> list[str]:
    cols = [(k, label) for k, label in COLUMNS if keys is None or k in keys]
    cols = [(k, label) for k, label in cols if any(s.get(k) is not None for _, s in rows)]
    out = ["| " + head + " | " + " | ".join(label for _, label in cols) + " |", "|---|" + "---|" * len(cols)]
    out += [f"| {name} | " + " | ".join(_fmt(s.get(k)) for k, _ in cols) + " |" for name, s in rows]
    return [*out, ""]


def markdown(results: dict, meta: dict, notes: str = "") -> str:
    runs = meta.get("runs") or [{"command": meta["command"], "date": meta["date"]}]
    lines = ["# Evaluation", ""]
    if len(runs) == 1:
        lines += [f"Written by `{runs[0]['command']}` on {runs[0]['date']}{_code(runs[0])}.", ""]
    else:
        lines += ["Written by these runs (the `run` number after each system name says which; rows of the "
                  "earlier runs were kept with `--keep-rows`):", ""]  # fmt: skip
        lines += [f"{i}. `{r['command']}` on {r['date']}{_code(r)}" for i, r in enumerate(runs, 1)] + [""]
    lines += [
        'Measures as defined in `model/training/metrics.py` (DESIGN.md "Measures"); lips count as sealed '
        f"at aperture <= {metrics.SEAL_APERTURE}, a missed mouth event costs {metrics.MISS_MS:.0f} ms. "
        "`energy-jaw` opens the mouth with loudness (what a cheap tool does); `teacher` is the "
        "procedural teacher driven by the reference phones (the ceiling; on synthetic clips it is the "
        "clip's own target). Synthetic rows use the corpus's held-out test split (voices, texts and "
        "warps that training never saw); real rows use ../shared/eval/real (two aligned single-speaker "
        "sentences; a 30 s two-speaker meeting excerpt with an RTTM, no phones).",
        "",
        eval_script.MARKDOWN_NOTE,
        "",
        "`+words` rows are audio-only takes with `recognise_words` (no script): the lips of the "
        "English words pocketsphinx recognises in the audio and trusts (model/script/recognise.py), "
        "each given to the role that speaks it alone; the network everywhere else.",
        "",
        "Targets: " + ", ".join(f"{k} {op} {v}" for k, (op, v) in TARGETS.items()) + ".",
        "",
    ]
    datasets = sorted({d for r in results.values() for d in r})
    for ds in datasets:
        rows = [(_row_name(name, r[ds], runs), r[ds]) for name, r in results.items() if ds in r]
        clips = max(s.get("clips") or 0 for _, s in rows)
        scored = any(s.get("speaker_attribution_accuracy") is not None for _, s in rows)
        keys = (
            None if scored else tuple(k for k, _ in COLUMNS[COLUMNS.index(("lines_found", "lines found")) :])
        )
        lines += [f"## {ds} ({clips} clips)", "", *_table(rows, keys)]
        by_lang = [
            (name, r[ds]["by_language"]) for name, r in results.items() if "by_language" in r.get(ds, {})
        ]
        by_lang = [(name, b) for name, b in by_lang if name not in ("energy-jaw", "teacher")]
        if by_lang:
            lines += [
                f"Per language ({ds}; +script: English words aligned by pocketsphinx, the lines whose "
                "words do not align, and other Latin-script languages' lines, read by the lip reader "
                "along their phones, as are kana and Chinese through its pinyin):",
                "",
            ]
            langs = sorted({g for _, b in by_lang for g in b})
            lang_rows = [
                (f"{g} ({b[g].get('clips')}) {name}", b[g]) for g in langs for name, b in by_lang if g in b
            ]
            lines += _table(lang_rows, LANGUAGE_COLUMNS, head="language (clips) system")
    lines += eval_script.misplaced_table(results)
    if meta.get("models"):
        lines += ["## Models", ""]
        for name, info in meta["models"].items():
            lines.append(f"- `{name}`: {info}")
        lines.append("")
    lines += [KEPT_MARK, ""]
    if notes.strip():
        lines += [notes.strip(), ""]
    return "\n".join(lines)


def _code(run: dict) -> str:
    return f" ({run['code']})" if run.get("code") else ""


def _row_name(name: str, scores: dict, runs: list) -> str:
    return f"{name} (run {scores.get('run', 0) + 1})" if len(runs) > 1 else name


def kept_notes(path: Path) -> str:
    """The hand-written notes of an existing report (below KEPT_MARK), '' when none."""
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8")
    return text.split(KEPT_MARK, 1)[1] if KEPT_MARK in text else ""


def merge_kept(results: dict, meta: dict, path: Path) -> None:
    """Keep the rows of an earlier --json that this run did not recompute (in place)."""
    if not path.is_file():
        return
    prior = json.loads(path.read_text(encoding="utf-8"))
    pmeta = prior.get("meta", {})
    old_runs = pmeta.get("runs") or [{"command": pmeta.get("command", "?"), "date": pmeta.get("date", "?")}]
    runs = meta["runs"]
    index: dict[int, int] = {}
    for sys_name, by_ds in prior.get("results", {}).items():
        for ds, scores in by_ds.items():
            if ds in results.get(sys_name, {}):
                continue
            old = int(scores.get("run", 0))
            if old not in index:
                index[old] = len(runs)
                runs.append(old_runs[old] if old < len(old_runs) else {"command": "?", "date": "?"})
            results.setdefault(sys_name, {})[ds] = {**scores, "run": index[old]}
            if sys_name not in meta["models"] and sys_name in pmeta.get("models", {}):
                meta["models"][sys_name] = pmeta["models"][sys_name]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (its test split is used)")
    parser.add_argument(
        "--real", type=Path, default=DEFAULT_REAL, help="real recordings folder (read in place)"
    )
    parser.add_argument(
        "--model", action="append", default=[], help="LABEL=PATH of a weights .npz (repeat for ablations)"
    )
    parser.add_argument("--max-clips", type=int, default=None)
    parser.add_argument(
        "--split", default="test", help="corpus split to score (test: held-out voices and texts)"
    )
    parser.add_argument("--runtime", default="numpy", choices=("numpy", "torch"))
    parser.add_argument("--no-stems", action="store_true", help="skip the stems-mode rows")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument(
        "--script", action="store_true", help="also score LABEL+script: each model given each clip's script"
    )
    parser.add_argument(
        "--words",
        action="store_true",
        help="also score LABEL+words: each model with recognise_words (lips of recognised English words)",
    )
    parser.add_argument(
        "--network-lips",
        action="store_true",
        help="also score LABEL/network-lips: each model with its own mouth instead of the lip reader's",
    )
    parser.add_argument(
        "--ami-script", type=Path, default=eval_script.AMI_SCRIPT, help="the AMI excerpt's script file"
    )
    parser.add_argument(
        "--keep-rows",
        action="store_true",
        help="keep the rows of the existing --json that this run does not recompute (and its notes)",
    )
    parser.add_argument("--json", type=Path, default=Path("docs/eval_results.json"))
    parser.add_argument("--markdown", type=Path, default=Path("docs/EVAL.md"))


def run(args: argparse.Namespace) -> int:
    models: dict[str, Path] = {}
    for item in args.model or [f"model={weights.DEFAULT_WEIGHTS}"]:
        label, sep, path = item.partition("=")
        if not sep:
            label, path = Path(item).stem, item
        models[label] = Path(path)
    from .heldout_eval import voiceprint_line

    meta_models = {}
    for label, path in models.items():
        w = weights.load(path)  # fails early with a clear message
        info = w.info or {}
        meta_models[label] = (
            f"{path} ({w.n_parameters} parameters; {info.get('steps', '?')} steps, "
            f"{info.get('training_minutes', '?')} min; ablation {info.get('ablation', {})}; "
            f"voice print {voiceprint_line()})"
        )
    datasets: dict[str, tuple[list[Clip], bool]] = {}
    if args.corpus is not None:
        clips = synthetic_clips(args.corpus, args.max_clips, args.split)
        tag = "synthetic" if args.split == "test" else f"synthetic_{args.split}"
        datasets[f"{tag}_mixed"] = (clips, False)
        if not args.no_stems:
            datasets[f"{tag}_stems"] = (clips, True)
    if args.real is not None and Path(args.real).is_dir():
        for name, clips in real_clips(Path(args.real), args.ami_script).items():
            datasets[name] = (clips, False)
    if not datasets:
        print("error: nothing to evaluate: pass --corpus and/or --real", file=sys.stderr)
        return 2
    systems: dict[str, Callable] = {}
    if not args.no_baselines:
        systems["energy-jaw"] = lambda clip, stems: energy_jaw(
            clip.stems16k if stems else clip.audio16k, features.n_model_frames(len(clip.audio16k))
        )
        systems["teacher"] = lambda clip, stems: clip.teacher
    script_systems, failures = set(), []
    for label, path in models.items():
        systems[label] = model_system(path, args.runtime)
        if args.script:
            systems[f"{label}+script"] = eval_script.script_system(path, args.runtime, failures)
            script_systems.add(f"{label}+script")
            meta_models[f"{label}+script"] = f"{meta_models[label]}, with each clip's script"
        if args.network_lips:
            systems[f"{label}/network-lips"] = model_system(path, args.runtime, read_lips=False)
            meta_models[f"{label}/network-lips"] = (
                f"{meta_models[label]}, the network's own mouth (no lip reader)"
            )
        if args.words:
            systems[f"{label}+words"] = model_system(path, args.runtime, words=True)
            meta_models[f"{label}+words"] = f"{meta_models[label]}, with recognise_words (no script)"
    code = eval_script.source_state()
    results = evaluate(systems, datasets, frozenset(script_systems), frozenset({"real_speech"}))
    if eval_script.source_state() != code:
        code += " (model/ changed during the run)"
    command = "python -m duet.model.training eval " + " ".join(sys.argv[2:])
    meta = {
        "command": command,
        "date": time.strftime("%Y-%m-%d"),
        "runs": [{"command": command, "date": time.strftime("%Y-%m-%d"), "code": code}],
        "models": meta_models,
        "targets": {k: list(v) for k, v in TARGETS.items()},
        "script_failures": failures,
    }
    notes = ""
    if args.keep_rows:
        merge_kept(results, meta, args.json)
        notes = kept_notes(args.markdown)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n", encoding="utf-8")
    args.markdown.write_text(markdown(results, meta, notes), encoding="utf-8")
    print(f"wrote {args.json} and {args.markdown}")
    return 0
