"""`python -m duet.model.training eval`: score models, baselines and ablations; write JSON + docs/EVAL.md.

    python -m duet.model.training eval --corpus corpus/full \
        --model full=assets/duet_model.npz --model no-cross=runs/ablate_cross/model.npz

Datasets: the corpus's held-out test split (voices, texts and warps training
never saw), in mixed and stems mode, and the real recordings of
../shared/eval/real (read in place, never copied): TextGrid phones of two
single-speaker sentences and the RTTM of a two-speaker meeting excerpt.
Systems: each --model, the energy-driven jaw (the mouth opens with loudness:
what a cheap tool does) and the procedural teacher driven by the reference
phones (the ceiling; on the synthetic clips it is the clip's own target).
Measures: metrics.py (DESIGN.md "Measures").
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import audio as audio_io
from .. import features, spec, weights, windowing
from ..performance import Performance
from . import metrics

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


# -- readers ---------------------------------------------------------------------------------------


def read_textgrid(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    """Interval tiers of a Praat TextGrid (long or short text format) -> {name: [(start, end, text)]}."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"\[\s*\d+\s*\]", " ", text)  # "item [1]:", "intervals [3]:" carry no data
    tokens = re.findall(r'"((?:[^"]|"")*)"|(<exists>|<absent>)|(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)', text)
    seq: list[str | float] = []
    for quoted, flag, number in tokens:
        if flag:
            seq.append(flag)
        elif number:
            seq.append(float(number))
        else:
            seq.append(quoted.replace('""', '"'))
    if len(seq) < 6 or seq[0] != "ooTextFile" or seq[1] != "TextGrid":
        raise ValueError(f"{path} is not a text TextGrid")
    pos = 4  # file type, object class, xmin, xmax
    if seq[pos] == "<exists>":
        pos += 1
    n_tiers = int(seq[pos])  # type: ignore[arg-type]
    pos += 1
    tiers: dict[str, list[tuple[float, float, str]]] = {}
    for _ in range(n_tiers):
        kind, name = str(seq[pos]), str(seq[pos + 1])
        n = int(seq[pos + 4])  # type: ignore[arg-type]
        pos += 5
        if kind == "IntervalTier":
            rows = [
                (float(seq[pos + 3 * k]), float(seq[pos + 3 * k + 1]), str(seq[pos + 3 * k + 2]))
                for k in range(n)
            ]
            tiers[name] = rows
            pos += 3 * n
        else:  # TextTier: time, mark
            pos += 2 * n
    return tiers


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """PCM (8/16/24/32-bit) or IEEE float WAV -> (float32 (S,) or (S, C), sample rate)."""
    data = Path(path).read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path} is not a WAV file")
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            payload = body
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None:
        raise ValueError(f"{path} lacks a fmt or data chunk")
    tag, chans, rate, _, _, bits = fmt
    if tag == 0xFFFE:  # extensible: the sub-format decides
        tag = 3 if bits == 32 and b"\x03\x00\x00\x00\x00\x00\x10\x00" in data[:200] else 1
    if tag == 3:
        x = np.frombuffer(payload, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
    elif bits == 24:
        b = np.frombuffer(payload[: len(payload) // 3 * 3], dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)).astype(np.float32)
    elif bits == 8:
        x = (np.frombuffer(payload, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        dt = {16: "<i2", 32: "<i4"}[bits]
        x = (np.frombuffer(payload, dtype=dt) / float(1 << (bits - 1))).astype(np.float32)
    x = x[: len(x) // chans * chans]
    return (x.reshape(-1, chans) if chans > 1 else x), int(rate)


def read_rttm(path: Path) -> list[tuple[str, float, float]]:
    """(speaker, start, end) rows of an RTTM file."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            rows.append((parts[7], start, start + dur))
    return rows


def phones_to_ipa(rows: list[tuple[float, float, str]]) -> metrics.Phones:
    """TextGrid phone rows (ARPAbet or IPA-like) -> IPA Phones (silences dropped)."""
    from .speech import ipa as ipa_map

    out = []
    for s, e, label in rows:
        label = label.strip()
        if not label or label.lower() in ("sil", "sp", "spn", "<p:>"):
            continue
        if re.fullmatch(r"[A-Z]{1,4}[012]?", label):
            parts = _split_arpabet(label, ipa_map)
            step = (e - s) / len(parts)
            for k, sym in enumerate(parts):
                out.append((sym, s + k * step, s + (k + 1) * step))
            continue
        sym = ipa_map.canonical_ipa(label)
        if sym and not ipa_map.is_silence(sym):
            out.append((sym, s, e))
    return metrics.Phones(
        np.array([r[0] for r in out], dtype="<U8"),
        np.array([r[1] for r in out]),
        np.array([r[2] for r in out]),
    )


def _split_arpabet(label: str, ipa_map) -> list[str]:
    """One ARPAbet label, or several run together ("PT" in a hand-made grid): IPA per phone."""
    try:
        return [ipa_map.arpabet_to_ipa(label)[0]]
    except ValueError:
        pass
    out, rest = [], label
    while rest:
        for size in (3, 2, 1):  # longest known symbol first ("AA1" before "A")
            head = rest[:size]
            try:
                out.append(ipa_map.arpabet_to_ipa(head)[0])
            except ValueError:
                continue
            rest = rest[size:]
            break
        else:
            raise ValueError(f"phone label {label!r} is not ARPAbet")
    return out


# -- systems ---------------------------------------------------------------------------------------


@dataclass
class Clip:
    """One evaluation item: audio and what it is scored against."""

    name: str
    audio16k: np.ndarray  # (S,) mix
    stems16k: np.ndarray | None  # (S, 2)
    ref: metrics.ClipReference
    teacher: Performance | None  # the ceiling's performance (None: build it from the phones)


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


def model_system(path: Path, runtime: str) -> Callable[[Clip, bool], Performance]:
    from ..generation import perform

    def run(clip: Clip, stems: bool) -> Performance:
        x = clip.stems16k if stems else clip.audio16k
        return perform(x, conditioning=clip.ref.conditioning, runtime=runtime, seed=0, weights=path)

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
        out.append(Clip(c.clip_id, c.mix, c.stems, ref, teacher))
        if max_clips and len(out) >= max_clips:
            break
    return out


def real_clips(real_dir: Path) -> dict[str, list[Clip]]:
    """The aligned single-speaker sentences and the two-speaker meeting excerpt."""
    out: dict[str, list[Clip]] = {}
    aligned = []
    for wav, grid in (("bobby.wav", "bobby_phones.TextGrid"), ("mary.wav", "mary.TextGrid")):
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
        clip = Clip(wp.stem, x16, None, ref, None)
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
        out["real_conversation"] = [Clip("ami_dev00", x16, None, ref, None)]
    return out


# -- the run ---------------------------------------------------------------------------------------


def evaluate(
    systems: dict[str, Callable[[Clip, bool], Performance | None]],
    datasets: dict[str, tuple[list[Clip], bool]],
) -> dict:
    results: dict = {}
    for sys_name, system in systems.items():
        results[sys_name] = {}
        for ds_name, (clips, stems) in datasets.items():
            counts = []
            t0 = time.perf_counter()
            for clip in clips:
                perf = system(clip, stems)
                if perf is None:
                    break
                counts.append(metrics.clip_counts(*_arrays(perf), clip.ref))
            if len(counts) == len(clips) and counts:
                scores = metrics.pool(counts)
                scores["clips"] = len(clips)
                scores["seconds_per_clip"] = round((time.perf_counter() - t0) / len(clips), 3)
                results[sys_name][ds_name] = scores
                print(f"{sys_name:>14} {ds_name:<22} " + _short(scores), flush=True)
    return results


def _short(s: dict) -> str:
    keys = ("lip_sync_error_ms", "closure_recall", "closure_precision", "rounding_contrast",
            "speaker_attribution_accuracy", "cross_talk_leakage")  # fmt: skip
    return " ".join(f"{k.split('_')[0]}={_fmt(s.get(k))}" for k in keys)


def _fmt(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


COLUMNS = (
    ("lip_sync_error_ms", "lip-sync error (ms)"),
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
)


def markdown(results: dict, meta: dict) -> str:
    lines = ["# Evaluation", "", f"Written by `{meta['command']}` on {meta['date']}.", ""]
    lines += [
        'Measures as defined in `model/training/metrics.py` (DESIGN.md "Measures"); lips count as sealed '
        f"at aperture <= {metrics.SEAL_APERTURE}, a missed mouth event costs {metrics.MISS_MS:.0f} ms. "
        "`energy-jaw` opens the mouth with loudness (what a cheap tool does); `teacher` is the "
        "procedural teacher driven by the reference phones (the ceiling; on synthetic clips it is the "
        "clip's own target). Synthetic rows use the corpus's held-out test split (voices, texts and "
        "warps that training never saw); real rows use ../shared/eval/real (two aligned single-speaker "
        "sentences; a 30 s two-speaker meeting excerpt with an RTTM, no phones).",
        "",
        "Targets: " + ", ".join(f"{k} {op} {v}" for k, (op, v) in TARGETS.items()) + ".",
        "",
    ]
    datasets = sorted({d for r in results.values() for d in r})
    for ds in datasets:
        rows = [(name, r[ds]) for name, r in results.items() if ds in r]
        cols = [(k, label) for k, label in COLUMNS if any(s.get(k) is not None for _, s in rows)]
        clips = rows[0][1].get("clips")
        lines += [f"## {ds} ({clips} clips)", ""]
        lines.append("| system | " + " | ".join(label for _, label in cols) + " |")
        lines.append("|---|" + "---|" * len(cols))
        for name, s in rows:
            lines.append(f"| {name} | " + " | ".join(_fmt(s.get(k)) for k, _ in cols) + " |")
        lines.append("")
    if meta.get("models"):
        lines += ["## Models", ""]
        for name, info in meta["models"].items():
            lines.append(f"- `{name}`: {info}")
        lines.append("")
    return "\n".join(lines)


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
    parser.add_argument("--json", type=Path, default=Path("docs/eval_results.json"))
    parser.add_argument("--markdown", type=Path, default=Path("docs/EVAL.md"))


def run(args: argparse.Namespace) -> int:
    models: dict[str, Path] = {}
    for item in args.model or [f"model={weights.DEFAULT_WEIGHTS}"]:
        label, sep, path = item.partition("=")
        if not sep:
            label, path = Path(item).stem, item
        models[label] = Path(path)
    meta_models = {}
    for label, path in models.items():
        w = weights.load(path)  # fails early with a clear message
        info = w.info or {}
        meta_models[label] = (
            f"{path} ({w.n_parameters} parameters; {info.get('steps', '?')} steps, "
            f"{info.get('training_minutes', '?')} min; ablation {info.get('ablation', {})})"
        )
    datasets: dict[str, tuple[list[Clip], bool]] = {}
    if args.corpus is not None:
        clips = synthetic_clips(args.corpus, args.max_clips, args.split)
        tag = "synthetic" if args.split == "test" else f"synthetic_{args.split}"
        datasets[f"{tag}_mixed"] = (clips, False)
        if not args.no_stems:
            datasets[f"{tag}_stems"] = (clips, True)
    if args.real is not None and Path(args.real).is_dir():
        for name, clips in real_clips(Path(args.real)).items():
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
    for label, path in models.items():
        systems[label] = model_system(path, args.runtime)
    results = evaluate(systems, datasets)
    meta = {
        "command": "python -m duet.model.training eval " + " ".join(sys.argv[2:]),
        "date": time.strftime("%Y-%m-%d"),
        "models": meta_models,
        "targets": {k: list(v) for k, v in TARGETS.items()},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n", encoding="utf-8")
    args.markdown.write_text(markdown(results, meta), encoding="utf-8")
    print(f"wrote {args.json} and {args.markdown}")
    return 0
