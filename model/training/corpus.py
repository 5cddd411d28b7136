"""The dialogue corpus: synthesised two-speaker clips with teacher targets, in shards.

    build_corpus(out_dir, minutes=20, seed=1)   # train/validation/test shards + manifest.json

One clip = text (``text``) spoken by two voices (``speech`` + voice warps from
``augment``), laid out as a conversation (``composer``), with sampled staging text
run through the real parser (``staging_sampler``), a recording channel applied to the
mix (``augment``), and the procedural teacher's targets (``teacher``). The format is
docs/DATA_FORMAT.md; docs/CORPUS.md explains every choice.

Determinism: every clip draws from its own ``SeedSequence([seed, split, index])``, so
its bytes do not depend on how clips are spread over worker processes; shards are
filled in clip order and written with fixed zip timestamps (``npz_writer``).
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import multiprocessing.util
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import spec
from ..weights import sha256_of
from . import composer
from . import text as text_source
from .corpus_voices import cast_roles, held_out_description, voice_split
from .npz_writer import write_npz
from .staging_sampler import sample_feasible_staging

SPLITS = ("train", "validation", "test")
SPLIT_INDEX = {s: i for i, s in enumerate(SPLITS)}
DEFAULT_FRACTIONS = {"train": 0.9, "validation": 0.05, "test": 0.05}
SHARD_SECONDS = 600.0  # a shard closes once it holds this much audio (~60 MB uncompressed)
FORMAT = "duet-corpus/1"

# Share of clips per language: English leads, every other language is present so the
# model learns mouths rather than English (issue 1).
LANGUAGE_WEIGHTS: dict[str, float] = {
    "en": 0.44,
    "es": 0.08,
    "fr": 0.08,
    "de": 0.08,
    "it": 0.08,
    "pt": 0.08,
    "ja": 0.08,
    "cmn": 0.08,
}
SPEAKING_RATE = (0.92, 1.1)  # per-role synthesis rate; the voice warp adds speed 0.85-1.2 on top
LINE_RATE_JITTER = 0.06  # per-line rate variation around the role's rate
CHANNEL_P = 0.8  # clips whose mix passes through a sampled recording channel


class CorpusError(RuntimeError):
    """The corpus cannot be built as asked; the message names the fix."""


# ----------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class ClipPlan:
    split: str
    index: int
    seed: int  # the corpus seed

    @property
    def clip_id(self) -> str:
        return f"{self.split}-{self.index:06d}"

    def seed_sequence(self) -> np.random.SeedSequence:
        return np.random.SeedSequence([int(self.seed) & 0xFFFFFFFF, SPLIT_INDEX[self.split], self.index])


def _streams(plan: ClipPlan) -> dict[str, np.random.Generator]:
    """Independent random streams of one clip (a change in one leaves the others' draws)."""
    names = ("length", "cast", "compose", "voice", "staging", "channel", "teacher")
    kids = plan.seed_sequence().spawn(len(names))
    return {n: np.random.default_rng(k) for n, k in zip(names, kids, strict=True)}


def plan_split(seed: int, split: str, seconds: float) -> list[tuple[ClipPlan, float]]:
    """Clips (and their target lengths) until the split's target seconds are reached."""
    out = []
    total = 0.0
    index = 0
    while total < seconds:
        plan = ClipPlan(split, index, seed)
        target = composer.sample_target_seconds(_streams(plan)["length"])
        out.append((plan, target))
        total += target
        index += 1
    return out


def voices_by_split() -> dict[str, dict[str, list]]:
    """split -> language -> voices that split may use (sorted by id)."""
    from .speech import available_voices

    pools: dict[str, dict[str, list]] = {s: {} for s in SPLITS}
    for voice in sorted(available_voices(), key=lambda v: v.id):
        part = voice_split(voice.id)
        for split in SPLITS:
            if (part == "test") == (split == "test"):
                pools[split].setdefault(voice.language, []).append(voice)
    return pools


def _plain(value) -> object:
    """A warp / channel description as JSON-ready data."""
    if value is None:
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.floating | float):
        return round(float(value), 6)
    if isinstance(value, np.integer | int | bool | str):
        return value.item() if isinstance(value, np.generic) else value
    return repr(value)


# ----------------------------------------------------------------------------- one clip


@dataclass
class ClipResult:
    """One finished clip: arrays for the shard and a description for the manifest."""

    plan: ClipPlan
    arrays: dict[str, np.ndarray]
    info: dict
    seconds: float
    wall: float


def _int16(x: np.ndarray) -> np.ndarray:
    return np.round(np.clip(x, -1.0, 1.0) * spec.AUDIO_INT16_SCALE).astype(np.int16)


def clip_arrays(mix: np.ndarray, stems_q: np.ndarray, out, conditioning: np.ndarray) -> dict[str, np.ndarray]:
    """A clip's audio (int16) and its teacher targets, as a shard stores them (docs/DATA_FORMAT.md)."""
    return {
        "audio_mix": _int16(mix),
        "audio_stems": stems_q,
        "blendshapes": out.blendshapes.astype(np.float32),
        "head": out.head.astype(np.float32),
        "gaze": out.gaze.astype(np.float32),
        "speaking": out.speaking.astype(np.float32),
        "conditioning": conditioning.astype(np.float32),
    }


class ClipMaker:
    """Builds clips in one process: one synthesiser, kept open for all its clips."""

    def __init__(self, pools: dict[str, dict[str, list]]) -> None:
        from .speech import Synthesizer

        self.pools = pools
        self._synth_cm = Synthesizer()
        self.synth = self._synth_cm.__enter__()

    def close(self) -> None:
        self._synth_cm.__exit__(None, None, None)

    def make(self, plan: ClipPlan, target_seconds: float, *, language: str | None = None) -> ClipResult:
        """One clip; `language` forces the language (otherwise drawn by LANGUAGE_WEIGHTS)."""
        from . import augment
        from .teacher import RoleSpeech, teach

        t0 = time.perf_counter()
        rng = _streams(plan)
        partition = text_source.SPLIT_PARTITION[plan.split]
        pool = self.pools[plan.split]
        languages = [lang for lang in LANGUAGE_WEIGHTS if len(pool.get(lang, [])) >= 1]
        if not languages:
            raise CorpusError(
                f"no voices for the {plan.split} split; check `espeak-ng --voices` and the festival voices"
            )
        weights = np.array([LANGUAGE_WEIGHTS[lang] for lang in languages])
        drawn = languages[int(rng["cast"].choice(len(languages), p=weights / weights.sum()))]
        if language is not None and language not in languages:
            raise CorpusError(f"no {plan.split} voices for language {language!r}; use one of {languages}")
        language = language or drawn
        cast = cast_roles(rng["cast"], pool[language])
        warps = [augment.sample_voice_warp(rng["cast"], plan.split) for _ in range(2)]
        rates = [float(rng["cast"].uniform(*SPEAKING_RATE)) for _ in range(2)]
        voice_rng = rng["voice"]

        def speak(text: str, role: int, kind: str):
            rate = rates[role] * float(np.exp(voice_rng.normal(0.0, LINE_RATE_JITTER)))
            if kind == "laugh":
                rate *= 1.25  # laughter pulses are quicker than syllables of speech
            utt = self.synth.synthesize(text, cast[role], rate=rate)
            # Warp only the speech and a margin (festival pads lines with silence): cheaper.
            return augment.apply_voice_warp(utt.trimmed_silence(0.2), warps[role])

        dialogue = composer.compose(
            rng["compose"], speak, language=language, partition=partition, target_seconds=target_seconds
        )
        n_frames = dialogue.n_frames
        staging, conditioning = sample_feasible_staging(rng["staging"], dialogue.seconds, n_frames)

        mix = dialogue.mix
        channel = None
        if rng["channel"].random() < CHANNEL_P:
            channel = augment.sample_channel(rng["channel"])
            mix = np.asarray(augment.apply_channel(mix, channel, rng["channel"]), dtype=np.float32)
            if len(mix) != len(dialogue.mix):
                raise CorpusError("the recording channel changed the clip length; it must keep timing")

        # The teacher sees exactly what the shard stores (int16 stems, float32 times), so the
        # stored targets can be reproduced from the shard alone (measure_corpus checks it).
        stems_q = _int16(dialogue.stems)
        stems_f = stems_q.astype(np.float32) / np.float32(spec.AUDIO_INT16_SCALE)
        speeches = []
        for r in range(2):
            ipa, start, end, stress = dialogue.phones[r].arrays()
            segments = [(float(np.float32(s)), float(np.float32(e)), k) for s, e, k in dialogue.segments[r]]
            speeches.append(
                RoleSpeech(
                    ipa,
                    start.astype(np.float32).astype(np.float64),
                    end.astype(np.float32).astype(np.float64),
                    stress,
                    stems_f[:, r],
                    segments,
                )
            )
        teacher_seed = int(rng["teacher"].integers(2**31))
        out = teach(speeches[0], speeches[1], n_frames=n_frames, conditioning=conditioning, seed=teacher_seed)

        arrays = clip_arrays(mix, stems_q, out, conditioning)
        phones = [dialogue.phones[r].arrays() for r in range(2)]
        arrays["phone_role"] = np.concatenate([np.full(len(p[0]), r, np.int8) for r, p in enumerate(phones)])
        arrays["phone_ipa"] = np.concatenate([p[0] for p in phones]).astype("<U8")
        arrays["phone_start"] = np.concatenate([p[1] for p in phones]).astype(np.float32)
        arrays["phone_end"] = np.concatenate([p[2] for p in phones]).astype(np.float32)
        arrays["phone_stress"] = np.concatenate([p[3] for p in phones]).astype(np.int8)
        segs = [(r, s, e, k) for r in range(2) for s, e, k in dialogue.segments[r]]
        arrays["segment_role"] = np.array([x[0] for x in segs], np.int8)
        arrays["segment_start"] = np.array([x[1] for x in segs], np.float32)
        arrays["segment_end"] = np.array([x[2] for x in segs], np.float32)
        arrays["segment_kind"] = np.array([x[3] for x in segs], dtype="<U12")
        lines = dialogue.lines
        arrays["line_role"] = np.array([ln.role for ln in lines], np.int8)
        arrays["line_start"] = np.array([ln.start for ln in lines], np.float32)
        arrays["line_end"] = np.array([ln.end for ln in lines], np.float32)
        arrays["line_kind"] = np.array([ln.kind for ln in lines], dtype="<U12")
        arrays["line_text"] = np.array([ln.text for ln in lines], dtype=str)

        info = {
            "id": plan.clip_id,
            "split": plan.split,
            "index": plan.index,
            "seconds": round(dialogue.seconds, 4),
            "frames": n_frames,
            "target_seconds": round(target_seconds, 3),
            "language": language,
            "voices": [v.id for v in cast],
            "warps": [_plain(w) for w in warps],
            "rates": [round(r, 4) for r in rates],
            "channel": _plain(channel),
            "teacher_seed": teacher_seed,
            "staging": staging.text,
            "staging_names": staging.names_dict,
            "templates": sorted({ln.template for ln in lines}),
            "lines": len(lines),
            "phones": [int(len(p[0])) for p in phones],
        }
        return ClipResult(plan, arrays, info, dialogue.seconds, time.perf_counter() - t0)


# ----------------------------------------------------------------------------- workers


class _Makers:
    """The clip makers of one process, started on first use: the synthesisers for synthetic
    clips, the recordings for real-voice clips (real_voices.RealClipPlan jobs)."""

    def __init__(self, pools: dict, real_config=None) -> None:
        self.pools = pools
        self.real_config = real_config
        self.synthetic: ClipMaker | None = None
        self.real = None

    def make(self, plan, target_seconds: float) -> ClipResult:
        if isinstance(plan, ClipPlan):
            if self.synthetic is None:
                self.synthetic = ClipMaker(self.pools)
            return self.synthetic.make(plan, target_seconds)
        if self.real is None:
            from .real_voices import RealClipMaker

            if self.real_config is None:
                raise CorpusError("a real-voice clip was planned without real-voice sources")
            self.real = RealClipMaker(self.real_config)
        return self.real.make(plan, target_seconds)

    def close(self) -> None:
        if self.synthetic is not None:
            self.synthetic.close()


_MAKER: _Makers | None = None


def _init_worker(pools: dict, real_config=None) -> None:
    global _MAKER
    _MAKER = _Makers(pools, real_config)
    # Close festival / espeak-ng helpers (and their temporary folders) when the worker exits.
    multiprocessing.util.Finalize(None, _MAKER.close, exitpriority=10)


def _work(job: tuple) -> ClipResult:
    assert _MAKER is not None, "worker not initialised"
    return _MAKER.make(*job)


def generate_clips(
    jobs: Sequence[tuple], pools: dict, workers: int = 2, real_config=None
) -> Iterator[ClipResult]:
    """Clips in job order, built by `workers` processes (1 = in this process)."""
    if workers <= 1:
        maker = _Makers(pools, real_config)
        try:
            for job in jobs:
                yield maker.make(*job)
        finally:
            maker.close()
        return
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    pool = ctx.Pool(workers, initializer=_init_worker, initargs=(pools, real_config))
    try:
        # imap keeps job order whatever the scheduling; chunksize 1 balances long clips.
        yield from pool.imap(_work, jobs, chunksize=1)
        pool.close()  # workers exit normally and run their finalisers
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


# ----------------------------------------------------------------------------- shards


def shard_arrays(results: Sequence[ClipResult]) -> dict[str, np.ndarray]:
    """Concatenate clips into one shard's arrays (docs/DATA_FORMAT.md)."""
    samples = np.cumsum([0] + [len(r.arrays["audio_mix"]) for r in results]).astype(np.int64)
    frames = np.cumsum([0] + [r.info["frames"] for r in results]).astype(np.int64)

    def cat(key: str) -> np.ndarray:
        return np.concatenate([r.arrays[key] for r in results])

    def owner(key: str) -> np.ndarray:
        return np.concatenate([np.full(len(r.arrays[key]), c, np.int32) for c, r in enumerate(results)])

    out: dict[str, np.ndarray] = {
        "sample_rate": np.array(spec.SAMPLE_RATE, dtype=np.int64),
        "fps": np.array(spec.NATIVE_FPS, dtype=np.float64),
        "clip_ids": np.array([r.plan.clip_id for r in results], dtype="<U32"),
        "clip_sample_offsets": samples,
        "clip_frame_offsets": frames,
        "clip_language": np.array([r.info["language"] for r in results], dtype="<U8"),
        "clip_voices": np.array([r.info["voices"] for r in results], dtype="<U48").reshape(-1, 2),
        "clip_staging": np.array([r.info["staging"] for r in results], dtype=str),
    }
    if any("target_mask" in r.arrays for r in results):
        # Real-voice clips: which targets each frame may be trusted on (dataset.TARGET_GROUPS);
        # synthetic clips in the same shard trust all of them.
        from .dataset import TARGET_GROUPS

        out["target_mask"] = np.concatenate(
            [
                r.arrays.get("target_mask", np.ones((r.info["frames"], 2, len(TARGET_GROUPS)), np.float32))
                for r in results
            ]
        ).astype(np.float32)
        out["clip_kind"] = np.array([r.info.get("kind", "synthetic") for r in results], dtype="<U12")
    for key in ("audio_mix", "audio_stems", "blendshapes", "head", "gaze", "speaking", "conditioning"):
        out[key] = cat(key)
    out["phone_clip"] = owner("phone_ipa")
    for key in ("phone_role", "phone_ipa", "phone_start", "phone_end", "phone_stress"):
        out[key] = cat(key)
    out["segment_clip"] = owner("segment_role")
    for key in ("segment_role", "segment_start", "segment_end", "segment_kind"):
        out[key] = cat(key)
    out["line_clip"] = owner("line_role")
    for key in ("line_role", "line_start", "line_end", "line_kind", "line_text"):
        out[key] = cat(key)
    out["line_text"] = out["line_text"].astype(str)
    return out


@dataclass
class BuildReport:
    seconds: dict[str, float]
    clips: dict[str, int]
    wall: float
    clip_wall: float  # sum of per-clip build times (all workers)
    cpu: float = 0.0  # CPU seconds of the build (this process, workers and their helpers)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _split_seconds(minutes: float, fractions: dict[str, float]) -> dict[str, float]:
    total = sum(fractions.values())
    return {s: minutes * 60.0 * fractions[s] / total for s in SPLITS if fractions.get(s, 0) > 0}


def build_corpus(
    out_dir: Path,
    *,
    minutes: float,
    seed: int,
    workers: int = 2,
    fractions: dict[str, float] | None = None,
    shard_seconds: float = SHARD_SECONDS,
    command: str = "",
    log=print,
    real_share: float = 0.0,
    real_config=None,
) -> BuildReport:
    """Write the corpus: shards per split, clips.jsonl and manifest.json (see the module doc).

    `real_share` > 0 makes that share of the train and validation minutes real-voice clips
    (real_voices.py; `real_config` names the sources); the test split stays synthetic (its
    held-out voices and texts). The synthetic clips are the same bytes as in a corpus of the
    synthetic minutes alone (same ids, same seeds).
    """
    if not 0.0 <= real_share <= 1.0:
        raise CorpusError(f"--real-voices takes a share between 0 and 1 (got {real_share})")
    if not (minutes > 0 and np.isfinite(minutes)):
        raise CorpusError(f"--minutes must be a positive number (got {minutes!r})")
    fractions = dict(DEFAULT_FRACTIONS if fractions is None else fractions)
    unknown = set(fractions) - set(SPLITS)
    if unknown or any(v < 0 for v in fractions.values()) or sum(fractions.values()) <= 0:
        raise CorpusError(f"split fractions must be >= 0 for {SPLITS} with a positive sum (got {fractions})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stale = sorted(p.name for p in out.glob("*.npz"))
    if stale:
        raise CorpusError(f"{out} already holds shards ({stale[0]}, ...); pass an empty or new --out folder")
    targets = _split_seconds(minutes, fractions)
    real_seconds = {s: v * real_share for s, v in targets.items() if s != "test"}
    real_notes = None
    if real_share > 0:
        from .real_voices import prepare_real_sources

        real_config, real_notes = prepare_real_sources(real_config, out, workers, log)
    pools = voices_by_split() if real_share < 1.0 or "test" in targets else {s: {} for s in SPLITS}
    for split in SPLITS:
        if real_share >= 1.0 and split != "test":
            continue
        if fractions.get(split, 0) > 0 and not pools[split]:
            raise CorpusError(
                f"no voices available for the {split} split; install espeak-ng and the festival voices "
                "(tools/setup.sh)"
            )

    t_start = time.perf_counter()
    cpu_start = _cpu_seconds()
    manifest_splits: dict[str, dict] = {}
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    clip_wall = 0.0
    clips_log = open(out / "clips.jsonl", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        for split, split_seconds in targets.items():
            real_s = real_seconds.get(split, 0.0)
            jobs: list[tuple] = (
                list(plan_split(seed, split, split_seconds - real_s)) if real_s < split_seconds else []
            )
            if real_s > 0:
                from .real_voices import plan_real_split

                jobs += plan_real_split(seed, split, real_s, real_config.kinds)
            log(f"{split}: {len(jobs)} clips, ~{split_seconds / 60:.1f} min")
            shards: list[dict] = []
            buffer: list[ClipResult] = []
            stats = _SplitStats()

            def flush(buffer=buffer, shards=shards, split=split) -> None:
                name = f"{split}-{len(shards):05d}.npz"
                write_npz(out / name, shard_arrays(buffer))
                secs = sum(r.seconds for r in buffer)
                digest = sha256_of(out / name)
                row = {"file": name, "clips": len(buffer), "seconds": round(secs, 3), "sha256": digest}
                shards.append(row)
                buffer.clear()

            for k, res in enumerate(generate_clips(jobs, pools, workers, real_config)):
                res.info["shard"] = f"{split}-{len(shards):05d}.npz"
                clips_log.write(json.dumps(res.info, ensure_ascii=False, sort_keys=True) + "\n")
                stats.add(res)
                clip_wall += res.wall
                buffer.append(res)
                if sum(r.seconds for r in buffer) >= shard_seconds:
                    flush()
                if (k + 1) % 20 == 0:
                    el = time.perf_counter() - t_start
                    done = sum(seconds.values()) + stats.seconds
                    log(
                        f"  {split} {k + 1}/{len(jobs)} clips, {done / 60:.1f} min audio, "
                        f"{done / el:.0f}x real time"
                    )
            if buffer:
                flush()
            seconds[split] = stats.seconds
            counts[split] = stats.clips
            manifest_splits[split] = {
                "shards": [s["file"] for s in shards],
                "shard_details": shards,
                **stats.summary(),
            }
    finally:
        clips_log.close()

    manifest = {
        "format": FORMAT,
        "command": command,
        "seed": seed,
        "minutes_requested": minutes,
        "fractions": fractions,
        "sample_rate": spec.SAMPLE_RATE,
        "fps": spec.NATIVE_FPS,
        "seconds": round(sum(seconds.values()), 3),
        "splits": manifest_splits,
        "held_out": held_out_description(),
        "text_source": {
            "name": "duet.model.training.text: template grammars written for Duet (generated, offline)",
            "licence": "GPL-3.0-or-later (Duet's own)",
            "languages": list(text_source.LANGUAGES),
            "inventory": text_source.inventory(),
        },
        "language_weights": LANGUAGE_WEIGHTS,
        "channel_share": CHANNEL_P,
        "mix": "audio_mix = channel(audio_stems.sum(1)) on channel clips (see clips.jsonl 'channel'), "
        "else audio_stems.sum(1); stems are the dry voices",
    }
    if real_notes is not None:
        manifest["real_voices"] = {"share": real_share, **real_notes}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    wall = time.perf_counter() - t_start
    return BuildReport(seconds, counts, wall, clip_wall, _cpu_seconds() - cpu_start)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (workers, festival, espeak-ng)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class _SplitStats:
    def __init__(self) -> None:
        self.clips = 0
        self.seconds = 0.0
        self.voices: Counter = Counter()
        self.languages: Counter = Counter()
        self.templates: Counter = Counter()
        self.staged = 0
        self.channel = 0
        self.durations: list[float] = []
        self.warps: list = []

    def add(self, res: ClipResult) -> None:
        info = res.info
        self.clips += 1
        self.seconds += res.seconds
        self.durations.append(res.seconds)
        for v in info["voices"]:
            self.voices[v] += res.seconds
        self.languages[info["language"]] += res.seconds
        self.templates.update(info["templates"])
        self.staged += int(bool(info["staging"]))
        self.channel += int(info["channel"] is not None)
        self.warps.extend(info["warps"])

    def summary(self) -> dict:
        d = np.array(self.durations) if self.durations else np.zeros(1)
        return {
            "clips": self.clips,
            "seconds": round(self.seconds, 3),
            "durations": {
                "min": round(float(d.min()), 2),
                "median": round(float(np.median(d)), 2),
                "max": round(float(d.max()), 2),
            },
            "languages": {k: round(v, 2) for k, v in sorted(self.languages.items())},
            "voices": {k: round(v, 2) for k, v in sorted(self.voices.items())},
            "warp_ranges": _ranges(self.warps),
            "text_templates": dict(sorted(self.templates.items())),
            "staged_clips": self.staged,
            "channel_clips": self.channel,
        }


def _ranges(items: list) -> dict:
    """min/max of every numeric field of the warps used."""
    out: dict[str, list[float]] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        for k, v in item.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                lo, hi = out.get(k, [v, v])
                out[k] = [min(lo, v), max(hi, v)]
    return {k: [round(a, 4), round(b, 4)] for k, (a, b) in sorted(out.items())}


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


__all__ = [
    "DEFAULT_FRACTIONS",
    "SPLITS",
    "BuildReport",
    "ClipMaker",
    "ClipPlan",
    "ClipResult",
    "CorpusError",
    "build_corpus",
    "generate_clips",
    "plan_split",
    "shard_arrays",
    "voice_split",
    "voices_by_split",
]
