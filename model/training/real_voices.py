"""Real-voice clips for the corpus: two real speakers in conversation, with only trusted targets.

    maker = RealClipMaker(RealVoiceConfig(librispeech_root, fillets_root, alignment_cache))
    result = maker.make(RealClipPlan("train", 3, seed=7, kind="librispeech"), target_seconds=24.0)
    result.arrays["target_mask"]   # (F, 2, len(TARGET_GROUPS)): 1 where a target may be trusted

Two kinds of clip (docs/CORPUS.md, "Real voices"):

- ``librispeech``: two train-clean-100 readers (real_sources.librispeech_readings). Each
  reading is cut at its pauses into phrases and short pieces; the words pocketsphinx
  recognised and trusts (real_align) bring their phones, every other voiced stretch gets
  stand-in phones (`STAND_IN_IPA`, untrusted) so the composer and the teacher see where the
  voice is, but nothing is claimed about its mouth.
- ``fillets``: the two fish of one language of Fish Fillets, their recorded lines (who says
  which line is known); no phones at all (stand-ins only).

The corpus's composer (composer.compose) lays the pieces out with its turn-taking (floor
transfers, overlaps, interruptions, backchannels: short real pieces, a word or two, or short
lines), the corpus's recording channels are applied to the mix (augment), and before the first
line there is 0.3-1.5 s more of the recording (its room tone) and, in half of the clips, a
non-speech sound (`LEAD_EVENTS`: a breath, mouth clicks, line noise, a rustle) that no one
says.

Targets: who speaks when is the truth of the layout (voice activity of the dry recordings,
merged over pauses < 0.3 s as in the corpus): `speaking` is trusted everywhere, and so is the
voice identity of each role (the clip's speaker ids). Lip targets (the teacher's mouth) are
trusted on trusted phones and where the role is silent (a closed, resting mouth; also during
the lead's noise), never within `UNTRUSTED_MARGIN_S` of a stand-in phone. Head, gaze and
expression (the teacher's free motion, partly driven by stressed syllables) are not trained
on real clips: `motion` is masked, and real clips carry no staging.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import spec
from ..signal import SPEAKING_BRIDGE_S, merge_spans, spans_to_mask
from . import augment, composer
from .dataset import TARGET_GROUPS
from .real_align import AlignmentCache
from .real_pieces import LEAD_EVENTS, PiecePicker, RealPiece, lead_event, recording_pieces, recording_usable
from .real_sources import (
    DEFAULT_FILLETS_ROOT,
    DEFAULT_LIBRISPEECH_ROOT,
    FILLETS_HELDOUT_LEVELS,
    FILLETS_VALIDATION_LEVELS,
    FilletsLine,
    Reading,
    RealSourceError,
    check_no_heldout_speakers,
    fillets_lines,
    librispeech_readings,
    read_audio16k,
)

SR = spec.SAMPLE_RATE
FPS = spec.NATIVE_FPS
SAMPLES_PER_FRAME = int(SR // FPS)
REAL_KINDS = ("librispeech", "fillets")
LIBRISPEECH_SHARE = 0.5  # of the real clips; the rest are Fish Fillets
REAL_TAG = 0x5EA1  # seeds real clips apart from the synthetic clips of the same (seed, split, index)
UNTRUSTED_MARGIN_S = 0.1  # lip targets are not trusted this close to a stand-in phone
TARGET_RANGE_S = (8.0, 60.0)  # real clips: the corpus's length distribution, clipped
SAME_SEX_P = 0.5  # LibriSpeech pairs of one sex (the harder case for telling voices apart)
FILLETS_LEVELS_PER_CLIP = 2  # a Fish Fillets clip draws its lines from this many levels of one language
FILLETS_MIN_LINES = 8  # ... or more, until each fish has this many lines
AUDIO_CACHE_ITEMS = 800  # decoded recordings kept per worker (int16; ~150 MB at most)

# --- the recording before the first line
LEAD_EXTRA_S = (0.3, 1.5)
LEAD_EVENT_P = 0.5
LEAD_EVENT_DB = (-26.0, -8.0)  # re the speech's active level
LEAD_EVENT_CLEAR_S = 0.2  # the event ends this long before the first word


@dataclass(frozen=True)
class RealVoiceConfig:
    librispeech_root: Path = DEFAULT_LIBRISPEECH_ROOT
    fillets_root: Path = DEFAULT_FILLETS_ROOT
    alignment_cache: Path | None = None  # real_align.AlignmentCache JSON (LibriSpeech phones)
    kinds: tuple[str, ...] = REAL_KINDS


@dataclass(frozen=True)
class RealClipPlan:
    split: str
    index: int
    seed: int
    kind: str

    @property
    def clip_id(self) -> str:
        return f"{self.split}-real-{self.index:06d}"

    def streams(self) -> dict[str, np.random.Generator]:
        from .corpus import SPLIT_INDEX

        names = ("length", "cast", "compose", "pick_a", "pick_b", "lead", "channel", "teacher")
        seq = np.random.SeedSequence(
            [int(self.seed) & 0xFFFFFFFF, SPLIT_INDEX[self.split], REAL_TAG, self.index]
        )
        return {n: np.random.default_rng(k) for n, k in zip(names, seq.spawn(len(names)), strict=True)}


def plan_real_split(
    seed: int, split: str, seconds: float, kinds: tuple[str, ...] = REAL_KINDS
) -> list[tuple[RealClipPlan, float]]:
    """Real clips (and target lengths) until `seconds`; the kind of each is drawn from its seed."""
    out: list[tuple[RealClipPlan, float]] = []
    total = 0.0
    index = 0
    while total < seconds:
        probe = RealClipPlan(split, index, seed, kinds[0])
        rng = probe.streams()["length"]
        p_libri = LIBRISPEECH_SHARE if len(kinds) == 2 else float(kinds[0] == "librispeech")
        kind = "librispeech" if rng.random() < p_libri else "fillets"
        target = float(np.clip(composer.sample_target_seconds(rng), *TARGET_RANGE_S))
        out.append((RealClipPlan(split, index, seed, kind), target))
        total += target
        index += 1
    return out


# ----------------------------------------------------------------------------- targets


def _frames_near(starts: np.ndarray, ends: np.ndarray, before: float, after: float, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for s, e in zip(starts, ends, strict=True):
        i0 = max(0, int(np.floor((s - before) * FPS)))
        i1 = min(n, int(np.ceil((e + after) * FPS)) + 1)
        out[i0:i1] = True
    return out


def real_target_mask(tables: tuple[composer.PhoneTable, composer.PhoneTable], n_frames: int) -> np.ndarray:
    """(F, 2, groups) trust of each target group on a real clip (see the module doc).

    Lips: on the role's trusted phones (merged over short pauses, as speaking is) and where
    the role is silent, never within UNTRUSTED_MARGIN_S of a stand-in phone; speaking: all;
    motion: none.
    """
    mask = np.zeros((n_frames, 2, len(TARGET_GROUPS)), dtype=np.float32)
    g = {name: k for k, name in enumerate(TARGET_GROUPS)}
    for r in range(2):
        _ipa, start, end, _stress = tables[r].arrays()
        trusted = tables[r].trusted_array()
        near = _frames_near(start[~trusted], end[~trusted], UNTRUSTED_MARGIN_S, UNTRUSTED_MARGIN_S, n_frames)
        spans = np.stack([start[trusted], end[trusted]], axis=1) if trusted.any() else np.zeros((0, 2))
        on_phones = spans_to_mask(merge_spans(spans, SPEAKING_BRIDGE_S), n_frames, FPS)
        silent = ~composer.speaking_mask(tables[r], n_frames)
        mask[:, r, g["lips"]] = (on_phones | silent) & ~near
        mask[:, r, g["speaking"]] = 1.0
        # motion stays 0: the teacher's free motion is not trained on real clips
    return mask


# ----------------------------------------------------------------------------- clips


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


@dataclass
class _Cast:
    pieces: tuple[dict[str, list[RealPiece]], dict[str, list[RealPiece]]]
    speakers: tuple[str, str]
    language: str
    sources: list[str] = field(default_factory=list)


class RealClipMaker:
    """Builds real-voice clips in one process (decoded recordings are cached)."""

    def __init__(self, config: RealVoiceConfig) -> None:
        self.config = config
        self.readings: dict[str, list[Reading]] = {}
        self.fillets: dict[str, tuple[FilletsLine, ...]] = {}
        self.alignments = (
            AlignmentCache.load(config.alignment_cache) if config.alignment_cache else AlignmentCache({})
        )
        self._audio = _LRU(AUDIO_CACHE_ITEMS)
        self._usable_cache: dict[str, bool] = {}

    def _split_readings(self, split: str) -> list[Reading]:
        if split not in self.readings:
            rows = [r for r in librispeech_readings(self.config.librispeech_root) if r.split == split]
            check_no_heldout_speakers([r.speaker for r in rows], self.config.librispeech_root)
            if len(rows) < 2:
                raise RealSourceError(f"fewer than two LibriSpeech readers for the {split} split")
            self.readings[split] = rows
        return self.readings[split]

    def _split_lines(self, split: str) -> tuple[FilletsLine, ...]:
        if split not in self.fillets:
            lines = fillets_lines(Path(self.config.fillets_root), split)
            if not lines:
                raise RealSourceError(
                    f"no Fish Fillets lines for the {split} split under {self.config.fillets_root}"
                )
            self.fillets[split] = lines
        return self.fillets[split]

    def _decoded(self, path: Path) -> np.ndarray:
        def load() -> np.ndarray:  # kept as int16: half the memory, exact to 1 LSB
            return np.round(np.clip(read_audio16k(path), -1.0, 1.0) * 32767.0).astype(np.int16)

        return self._audio.get_or(str(path), load).astype(np.float32) / np.float32(32767.0)

    def _usable(self, reading: Reading) -> bool:
        if reading.path.name not in self._usable_cache:
            self._usable_cache[reading.path.name] = recording_usable(self._decoded(reading.path))
        return self._usable_cache[reading.path.name]

    def _librispeech_cast(self, plan: RealClipPlan, rng: np.random.Generator) -> _Cast:
        readings = self._split_readings(plan.split)
        # Readers are drawn until the reading is usable (recording_usable); the draws depend only
        # on the plan's seed and the recordings, so the clip stays deterministic.
        for _ in range(100):
            a = readings[int(rng.integers(len(readings)))]
            if self._usable(a):
                break
        same = rng.random() < SAME_SEX_P
        others = [r for r in readings if r.speaker != a.speaker and (r.sex == a.sex) == same]
        others = others or [r for r in readings if r.speaker != a.speaker]
        for _ in range(100):
            b = others[int(rng.integers(len(others)))]
            if self._usable(b):
                break
        if not (self._usable(a) and self._usable(b)):
            raise RealSourceError(f"no usable LibriSpeech readings for the {plan.split} split")
        pieces = []
        for reading in (a, b):
            words = self.alignments.words(reading.path.name) or []
            source = f"librispeech:{reading.path.stem}"
            pieces.append(recording_pieces(self._decoded(reading.path), words, source))
        return _Cast((pieces[0], pieces[1]), (a.speaker, b.speaker), "en", [a.path.name, b.path.name])

    def _fillets_cast(self, plan: RealClipPlan, rng: np.random.Generator) -> _Cast:
        lines = self._split_lines(plan.split)
        languages = sorted({ln.language for ln in lines})
        lang = languages[int(rng.integers(len(languages)))]
        levels = sorted({ln.level for ln in lines if ln.language == lang})
        # Levels in a seeded order until both fish have enough lines (some levels have one fish only).
        picked: set[str] = set()
        for level in rng.permutation(levels).tolist():
            counts = [
                sum(ln.level in picked and ln.character == c for ln in lines if ln.language == lang)
                for c in ("small", "big")
            ]
            if len(picked) >= FILLETS_LEVELS_PER_CLIP and min(counts) >= FILLETS_MIN_LINES:
                break
            picked.add(level)
        first = "small" if rng.random() < 0.5 else "big"
        order = (first, "big" if first == "small" else "small")
        pieces = []
        sources = []
        for character in order:
            merged: dict[str, list[RealPiece]] = {"phrase": [], "word": []}
            for ln in lines:
                if ln.language != lang or ln.level not in picked or ln.character != character:
                    continue
                got = recording_pieces(self._decoded(ln.path), [], f"fillets:{ln.level}/{ln.line_id}")
                for pool in merged:
                    merged[pool] += [
                        RealPiece(p.audio, p.phones, f"{ln.line_id}: {ln.text}") for p in got[pool]
                    ]
                sources.append(f"{ln.level}/{ln.line_id}")
            pieces.append(merged)
        speakers = (f"fillets:{lang}:{order[0]}", f"fillets:{lang}:{order[1]}")
        return _Cast((pieces[0], pieces[1]), speakers, lang, sorted(sources))

    def make(self, plan: RealClipPlan, target_seconds: float):
        """One real-voice clip as a corpus.ClipResult (arrays in the shard format + target_mask)."""
        from .corpus import ClipResult, _int16, clip_arrays
        from .teacher import RoleSpeech, teach

        t0 = time.perf_counter()
        rng = plan.streams()
        cast = (self._librispeech_cast if plan.kind == "librispeech" else self._fillets_cast)(
            plan, rng["cast"]
        )
        pickers = (PiecePicker(cast.pieces[0], rng["pick_a"]), PiecePicker(cast.pieces[1], rng["pick_b"]))
        partition = "train" if plan.split != "test" else "test"
        dialogue = composer.compose(
            rng["compose"],
            lambda text, role, kind: pickers[role](text, role, kind),
            language="en",
            partition=partition,
            target_seconds=target_seconds,
        )
        stems, tables, segments, lines, lead = _with_lead(dialogue, rng["lead"])
        n = composer.fft_friendly_length(len(stems))
        stems = np.concatenate([stems, np.zeros((n - len(stems), 2), np.float32)])
        n_frames = composer.frame_count(n)
        mix = stems.sum(axis=1, dtype=np.float64)
        event = None
        if rng["lead"].random() < LEAD_EVENT_P:
            event = _add_lead_event(mix, stems, tables, segments, rng["lead"])
        channel = None
        if rng["channel"].random() < _channel_share():
            channel = augment.sample_channel(rng["channel"])
            mix = np.asarray(
                augment.apply_channel(mix.astype(np.float32), channel, rng["channel"]), np.float64
            )

        stems_q = _int16(stems)
        stems_f = stems_q.astype(np.float32) / np.float32(spec.AUDIO_INT16_SCALE)
        speeches = []
        for r in range(2):
            ipa, start, end, stress = tables[r].arrays()
            segs = [(float(np.float32(s)), float(np.float32(e)), k) for s, e, k in segments[r]]
            speeches.append(
                RoleSpeech(
                    ipa,
                    start.astype(np.float32).astype(np.float64),
                    end.astype(np.float32).astype(np.float64),
                    stress,
                    stems_f[:, r],
                    segs,
                )
            )
        conditioning = np.zeros((n_frames, 2, spec.COND_DIM), np.float32)
        teacher_seed = int(rng["teacher"].integers(2**31))
        out = teach(speeches[0], speeches[1], n_frames=n_frames, conditioning=conditioning, seed=teacher_seed)
        arrays = clip_arrays(mix, stems_q, out, conditioning)
        arrays["target_mask"] = real_target_mask(tables, n_frames)
        _phone_arrays(arrays, tables)
        seg_rows = [(r, s, e, k) for r in range(2) for s, e, k in segments[r]]
        arrays["segment_role"] = np.array([x[0] for x in seg_rows], np.int8)
        arrays["segment_start"] = np.array([x[1] for x in seg_rows], np.float32)
        arrays["segment_end"] = np.array([x[2] for x in seg_rows], np.float32)
        arrays["segment_kind"] = np.array([x[3] for x in seg_rows], dtype="<U12")
        arrays["line_role"] = np.array([ln.role for ln in lines], np.int8)
        arrays["line_start"] = np.array([ln.start for ln in lines], np.float32)
        arrays["line_end"] = np.array([ln.end for ln in lines], np.float32)
        arrays["line_kind"] = np.array([ln.kind for ln in lines], dtype="<U12")
        arrays["line_text"] = np.array([ln.text for ln in lines], dtype=str)
        seconds = n / SR
        trusted = [int(tables[r].trusted_array().sum()) for r in range(2)]
        info = {
            "id": plan.clip_id,
            "split": plan.split,
            "index": plan.index,
            "kind": plan.kind,
            "seconds": round(seconds, 4),
            "frames": n_frames,
            "target_seconds": round(target_seconds, 3),
            "language": cast.language,
            "voices": list(cast.speakers),
            "sources": cast.sources,
            "warps": [None, None],
            "rates": [1.0, 1.0],
            "channel": _plain_channel(channel),
            "lead_seconds": round(lead, 3),
            "lead_event": event,
            "teacher_seed": teacher_seed,
            "staging": "",
            "staging_names": {},
            "templates": [],
            "lines": len(lines),
            "phones": trusted,
            "stand_in_phones": [int((~tables[r].trusted_array()).sum()) for r in range(2)],
            "targets": real_targets_note(plan.kind, sum(trusted) > 0),
        }
        return ClipResult(plan, arrays, info, seconds, time.perf_counter() - t0)  # type: ignore[arg-type]


def real_targets_note(kind: str, has_phones: bool) -> str:
    lips = "lips on trusted phones and silence" if has_phones else "lips on silence only"
    return f"speaking, voice identity, {lips}; no head/gaze/expression, no staging ({kind})"


def _channel_share() -> float:
    from .corpus import CHANNEL_P

    return CHANNEL_P


def _plain_channel(channel) -> dict | None:
    from .corpus import _plain

    return _plain(channel)  # type: ignore[return-value]


def _shift_table(table: composer.PhoneTable, dt: float) -> composer.PhoneTable:
    return composer.PhoneTable(
        list(table.ipa),
        [s + dt for s in table.start],
        [e + dt for e in table.end],
        list(table.stress),
        list(table.trusted) if len(table.trusted) == len(table.ipa) else [True] * len(table.ipa),
    )


def _with_lead(dialogue: composer.Dialogue, rng: np.random.Generator):
    """More of the recording before the first line: stems, phones, segments and lines shifted by a
    whole number of frames (so the truth shifts exactly)."""
    frames = int(round(float(rng.uniform(*LEAD_EXTRA_S)) * FPS))
    pad = frames * SAMPLES_PER_FRAME
    dt = pad / SR
    stems = np.concatenate([np.zeros((pad, 2), np.float32), dialogue.stems])
    tables = (_shift_table(dialogue.phones[0], dt), _shift_table(dialogue.phones[1], dt))
    segments = tuple([(s + dt, e + dt, k) for s, e, k in dialogue.segments[r]] for r in range(2))
    lines = [
        composer.PlacedLine(ln.role, ln.start + dt, ln.end + dt, ln.kind, ln.text, ln.template, ln.truncated)
        for ln in dialogue.lines
    ]
    return stems, tables, segments, lines, dt


def _add_lead_event(mix, stems, tables, segments, rng: np.random.Generator) -> dict | None:
    """A non-speech sound before the first word, added to the mix only (it is no one's voice)."""
    first = min(
        [min(t.start) for t in tables if t.start] + [s for segs in segments for s, _e, _k in segs],
        default=0.0,
    )
    room = first - LEAD_EVENT_CLEAR_S - 0.05
    if room < 0.1:
        return None
    kind = LEAD_EVENTS[int(rng.integers(len(LEAD_EVENTS)))]
    seconds = float(rng.uniform(0.1, min(0.8, room)))
    start = float(rng.uniform(0.05, 0.05 + room - seconds))
    speech = stems.sum(axis=1)
    active = float(np.mean(speech[np.abs(speech) > 1e-4] ** 2)) if np.any(np.abs(speech) > 1e-4) else 1e-4
    gain_db = float(rng.uniform(*LEAD_EVENT_DB))
    sound = lead_event(rng, kind, seconds) * np.sqrt(active * 10.0 ** (gain_db / 10.0))
    i0 = int(round(start * SR))
    mix[i0 : i0 + len(sound)] += sound[: len(mix) - i0]
    return {"kind": kind, "start": round(start, 3), "seconds": round(seconds, 3), "db": round(gain_db, 1)}


def _phone_arrays(arrays: dict, tables) -> None:
    """Only trusted phones go into the shard's phone table (stand-ins are not phones)."""
    rows = []
    for r in range(2):
        ipa, start, end, stress = tables[r].arrays()
        keep = tables[r].trusted_array()
        rows.append((r, ipa[keep], start[keep], end[keep], stress[keep]))
    arrays["phone_role"] = np.concatenate([np.full(len(x[1]), x[0], np.int8) for x in rows])
    arrays["phone_ipa"] = np.concatenate([x[1] for x in rows]).astype("<U8")
    arrays["phone_start"] = np.concatenate([x[2] for x in rows]).astype(np.float32)
    arrays["phone_end"] = np.concatenate([x[3] for x in rows]).astype(np.float32)
    arrays["phone_stress"] = np.concatenate([x[4] for x in rows]).astype(np.int8)


def prepare_real_sources(real_config: RealVoiceConfig | None, out: Path, workers: int, log) -> tuple:
    """Sources of real voices, checked, and the LibriSpeech alignments (cached, computed once)."""
    from ..weights import sha256_of
    from .corpus import CorpusError

    config = real_config or RealVoiceConfig()
    try:
        notes: dict = {"kinds": list(config.kinds)}
        if "librispeech" in config.kinds:
            readings = librispeech_readings(config.librispeech_root)
            check_no_heldout_speakers([r.speaker for r in readings], config.librispeech_root)
            cache_path = config.alignment_cache or out / "real_alignments.json"
            cache = AlignmentCache.build([r.path for r in readings], cache_path, workers=workers, log=log)
            config = dataclasses.replace(config, alignment_cache=Path(cache_path))
            notes["librispeech"] = {
                "subset": "train-clean-100 (test-other held out)",
                "readers": {
                    s: sorted(r.reader for r in readings if r.split == s) for s in ("train", "validation")
                },
                "alignment_cache_sha256": sha256_of(Path(cache_path)),
                "alignment": cache.summary(),
            }
        if "fillets" in config.kinds:
            notes["fillets"] = {
                "root": str(config.fillets_root),
                "heldout_levels": list(FILLETS_HELDOUT_LEVELS),
                "validation_levels": list(FILLETS_VALIDATION_LEVELS),
                "lines": {
                    s: len(fillets_lines(Path(config.fillets_root), s)) for s in ("train", "validation")
                },
            }
    except RealSourceError as exc:
        raise CorpusError(str(exc)) from None
    return config, notes


__all__ = [
    "REAL_KINDS",
    "RealClipMaker",
    "RealClipPlan",
    "RealVoiceConfig",
    "plan_real_split",
    "prepare_real_sources",
    "real_target_mask",
]
