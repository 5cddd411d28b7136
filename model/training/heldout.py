"""Held-out evaluation sets: two-person dialogues of voices the shipped model never heard.

    sets = build_sets(librispeech_root, real_dir, seed=13, dialogues=24)
    sets["real_pairs"][0].audio16k, .truth (F, 2) bool, .tags

Every dialogue is laid out by the corpus's own composer (composer.compose: floor transfers
near +200 ms, overlaps, interruptions, backchannels in the speaker's pauses), so the truth of
who speaks when is known by construction: the composer's speaking mask (voice activity
merged over pauses < 0.3 s, as in the corpus).

- real_pairs: LibriSpeech test-other speakers (10 readers, never in any training corpus),
  pairs of the same and of different gender. Each reading is cut into pieces at its pauses
  (an energy voice-activity detector on the dry reading, 10 ms frames); a turn's "sentences"
  are pause-delimited phrases, backchannels and interjections are short pieces (a word or
  two of read speech: real voices, not real backchannel words). Every dialogue gets room
  tone (pink / brown / white noise or mains hum, 20-40 dB below the speech) and 0.6-1.5 s of
  it before the first line; in half of them a breath-like or line-noise burst sounds in that
  lead, before anyone speaks.
- synthetic_pairs: festival and espeak-ng voices the shipped corpus held out of training
  by identity (corpus_voices.HELD_OUT_FESTIVAL, HELD_OUT_ESPEAK_VARIANTS), two different voices of
  the same gender, English test-partition text, the corpus's recording channels (80 %). Half
  of them get a voice warp from the test-only speaker cells (augment.TEST_CELLS) that keep
  the gender (pitch -6..+2 st for male, -2..+6 st for female voices); the other half are the
  raw held-out voices.
- real_meeting: ../shared/eval/real/conversation/ami_dev00 (30 s, two speakers, RTTM truth;
  A = the first to speak), the recording docs/EVAL.md also scores.
- real_monologues: one voice only (a narration, a voice-over of one character): one LibriSpeech
  test-other reader's phrases one after another with pauses, in the same room tone and lead
  (bursts in half). The truth gives all of it to A; an audio-only take that gives a real share
  of it to B has split one voice in two.

Determinism: each dialogue draws from its own SeedSequence([seed, set, index]) split into
named streams; the synthesisers run in their deterministic mode; nothing else is random.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import spec
from ..signal import mask_to_spans
from . import augment, composer
from .heldout_recordings import (
    FILLETS_CHARACTERS,
    fillets_lines,
    librispeech_sexes,
    read_flac,
    read_line,
    test_other_files,
)
from .speech.types import Phone

SR = spec.SAMPLE_RATE
FPS = spec.NATIVE_FPS
SAMPLES_PER_FRAME = int(SR // FPS)  # 320
SETS = (
    "real_pairs",
    "synthetic_pairs",
    "real_meeting",
    "fillets_pairs",
    "real_monologues",
)  # append only: seeds use the index
SET_INDEX = {name: i for i, name in enumerate(SETS)}
DEFAULT_SEED = 13
TARGET_SECONDS = (30.0, 60.0)

# --- voice activity of a dry reading (10 ms frames; the truth of who speaks when) ----------------
VAD_HOP = 160  # 10 ms
VAD_WIN = 320  # 20 ms
VAD_RANGE_DB = 35.0  # speech lies within this of the reading's loud frames (95th percentile)
VAD_FLOOR_MARGIN_DB = 8.0  # ... and this far above its noise floor (10th percentile)
VAD_BRIDGE_S = 0.06  # gaps inside a word (stop closures) shorter than this are speech
VAD_MIN_RUN_S = 0.04  # shorter blips are clicks, not speech
ACTIVE_LEVEL_DBFS = -24.0  # every reading is brought to this speech level before composing

# --- pieces of a reading ----------------------------------------------------------------------
PHRASE_PAUSE_S = 0.25  # phrases end at pauses at least this long
WORD_PAUSE_S = 0.08  # short pieces (backchannels, interjections) end at pauses this long
PHRASE_MAX_S = 6.0  # longer phrases are split at their largest inner pause
PIECE_LEAD_S = 0.05
PIECE_TAIL_S = 0.12
PSEUDO_PHONE_S = 0.1  # voiced stretches become "phones" this long: where an interruption may cut
PSEUDO_IPA = "ə"  # not silence, not a p/b/m: only speaking activity is scored on real voices
# Kind of line the composer asks for -> (pool, duration range of the piece in seconds).
KIND_POOLS = {
    "backchannel": ("word", (0.15, 0.8)),
    "interjection": ("word", (0.3, 1.3)),
    "answer": ("phrase", (0.5, 2.5)),
    "question": ("phrase", (1.0, PHRASE_MAX_S)),
    "statement": ("phrase", (1.0, PHRASE_MAX_S)),
}

# --- the recording around a real dialogue --------------------------------------------------------
ROOM_TONE_KINDS = ("pink", "brown", "white", "hum")
ROOM_TONE_SNR_DB = (20.0, 40.0)
LEAD_PAD_S = (0.6, 1.5)  # extra room tone before the composer's lead (0.15-1 s)
BURST_KINDS = ("breath", "line")
BURST_S = {"breath": (0.25, 0.6), "line": (0.1, 0.45)}
BURST_LEVEL_DB = {"breath": (-22.0, -10.0), "line": (-15.0, -5.0)}  # re the speech's active level
BURST_CLEAR_S = 0.25  # the burst ends at least this long before the first word

# --- Fish Fillets (Debian fillets-ng-data-cs / -nl: acted two-character dialogue, line by line) ---------
FILLETS_ROOT = Path("/usr/share/games/fillets-ng")
FILLETS_LANGUAGES = ("cs", "nl")
# Levels held out of any training (issue 13): a seeded draw (numpy default_rng(13)) of 10 of the 26
# levels whose Czech and Dutch voice tracks both hold at least 9 lines of each fish. A corpus built
# from Fish Fillets must leave these levels out, or these rows stop being held out.
FILLETS_HELDOUT_LEVELS = (
    "atlantis", "barrel", "bathroom", "cabin1", "cellar", "engine", "floppy", "grail", "magnet", "start",
)  # fmt: skip

# --- held-out synthetic voices (never in the shipped corpus's train or validation split) ----------
HELD_OUT_ACCENTS = ("en-us", "en", "en-gb-scotland")
MALE_VARIANTS = ("m4", "Denis", "iven3", "sandro", "klatt2")
FEMALE_VARIANTS = ("f3", "Andrea", "steph2")
HELD_OUT_FESTIVAL_MALE = "festival:ked"
# Test-only speaker cells (augment.TEST_CELLS) whose pitch keeps the voice's gender.
GENDER_PITCH = {"male": (-6.0, 2.0), "female": (-2.0, 6.0)}


@dataclass
class HeldoutDialogue:
    """One evaluation dialogue: the mix as a user would bring it and who really speaks when."""

    name: str
    set: str
    audio16k: np.ndarray  # (S,) float32 mix, channel applied
    truth: np.ndarray  # (F, 2) bool at 50 fps; A = the first to speak
    voices: tuple[str, str]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return len(self.audio16k) / SR


# ----------------------------------------------------------------------------- real readings


def level_db(x: np.ndarray, hop: int = VAD_HOP, win: int = VAD_WIN) -> np.ndarray:
    """Level (dBFS) of `win`-sample windows every `hop` samples (window k centred on k * hop)."""
    x = np.asarray(x, dtype=np.float64)
    n = max(1, -(-len(x) // hop))
    pad = np.zeros(n * hop + win)
    pad[win // 2 : win // 2 + len(x)] = x
    c = np.concatenate([[0.0], np.cumsum(pad * pad)])
    starts = np.arange(n) * hop
    power = (c[starts + win] - c[starts]) / win
    return 10.0 * np.log10(power + 1e-12)


def speech_runs(x: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of speech in a dry single-voice recording (energy detector)."""
    level = level_db(x)
    if len(level) == 0:
        return []
    thr = max(
        float(np.percentile(level, 95)) - VAD_RANGE_DB, float(np.percentile(level, 10)) + VAD_FLOOR_MARGIN_DB
    )
    hop_s = VAD_HOP / SR
    runs = mask_to_spans(level > thr).tolist()
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and (a - merged[-1][1]) * hop_s < VAD_BRIDGE_S:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    end = len(x) / SR
    return [(a * hop_s, min(b * hop_s, end)) for a, b in merged if (b - a) * hop_s >= VAD_MIN_RUN_S]


def active_power(x: np.ndarray, runs: list[tuple[float, float]]) -> float:
    """Mean power of x over its speech runs."""
    parts = [np.asarray(x[int(s * SR) : int(e * SR)], dtype=np.float64) for s, e in runs]
    parts = [p for p in parts if len(p)]
    if not parts:
        return float(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-12)
    p = np.concatenate(parts)
    return float(np.mean(p * p) + 1e-12)


def group_runs(
    runs: list[tuple[float, float]], min_pause: float, max_s: float
) -> list[list[tuple[float, float]]]:
    """Runs grouped into pieces that end at pauses >= min_pause; a piece longer than max_s is
    split at its largest inner pause (again until it fits or has one run)."""
    groups: list[list[tuple[float, float]]] = []
    for run in runs:
        if groups and run[0] - groups[-1][-1][1] < min_pause:
            groups[-1].append(run)
        else:
            groups.append([run])
    out: list[list[tuple[float, float]]] = []
    todo = groups[::-1]
    while todo:
        g = todo.pop()
        if g[-1][1] - g[0][0] <= max_s or len(g) == 1:
            out.append(g)
            continue
        gaps = [g[i + 1][0] - g[i][1] for i in range(len(g) - 1)]
        k = int(np.argmax(gaps)) + 1
        todo += [g[k:], g[:k]]
    return out


@dataclass(frozen=True)
class Piece:
    """A piece of a real reading, shaped like synthesised speech for the composer."""

    audio: np.ndarray
    phones: tuple[Phone, ...]  # pseudo-phones over its voiced stretches (seconds in audio)
    source: str

    @property
    def duration(self) -> float:
        return self.phones[-1].end - self.phones[0].start


def make_piece(x: np.ndarray, group: list[tuple[float, float]], source: str) -> Piece:
    """The audio of a group of speech runs (with a little lead and tail) and its pseudo-phones."""
    t0 = max(0.0, group[0][0] - PIECE_LEAD_S)
    t1 = min(len(x) / SR, group[-1][1] + PIECE_TAIL_S)
    audio = np.asarray(x[int(round(t0 * SR)) : int(round(t1 * SR))], dtype=np.float32).copy()
    origin = int(round(t0 * SR)) / SR
    phones = []
    for s, e in group:
        n = max(1, int(np.ceil((e - s) / PSEUDO_PHONE_S - 1e-9)))
        edges = np.linspace(s - origin, e - origin, n + 1)
        phones += [Phone(PSEUDO_IPA, float(a), float(b), 0) for a, b in itertools.pairwise(edges)]
    return Piece(audio, tuple(phones), source)


def reading_pieces(x: np.ndarray, source: str) -> dict[str, list[Piece]]:
    """A reading levelled to ACTIVE_LEVEL_DBFS and cut at its pauses: {"phrase": [...], "word": [...]}."""
    runs = speech_runs(x)
    if not runs:
        return {"phrase": [], "word": []}
    gain = np.sqrt(10.0 ** (ACTIVE_LEVEL_DBFS / 10.0) / active_power(x, runs))
    y = (np.asarray(x, dtype=np.float64) * gain).astype(np.float32)
    return {
        "phrase": [make_piece(y, g, source) for g in group_runs(runs, PHRASE_PAUSE_S, PHRASE_MAX_S)],
        "word": [make_piece(y, g, source) for g in group_runs(runs, WORD_PAUSE_S, PHRASE_MAX_S)],
    }


@dataclass
class _Line:
    """What composer.compose needs from speech: audio and phones."""

    audio: np.ndarray
    phones: list[Phone]


class PiecePicker:
    """Serves one speaker's pieces to the composer by the kind of line asked for.

    Each pool is walked in a seeded order, so a piece comes back only after all of its
    pool were used. Laughs get no phones (the composer skips them): read speech has none.
    """

    def __init__(self, pieces: dict[str, list[Piece]], rng: np.random.Generator) -> None:
        self.rng = rng
        self.pools: dict[tuple[str, str], list[Piece]] = {}
        for kind, (pool, (lo, hi)) in KIND_POOLS.items():
            fits = [p for p in pieces.get(pool, []) if lo <= p.duration <= hi]
            if not fits:  # a reader without pieces of that length: the nearest lengths instead
                every = pieces.get("word", []) + pieces.get("phrase", [])
                fits = sorted(every, key=lambda p: abs(p.duration - 0.5 * (lo + hi)))[:3]
            self.pools[(kind, pool)] = fits
        self._orders: dict[tuple[str, str], list[int]] = {}

    def __call__(self, text: str, role: int, kind: str) -> _Line:
        if kind not in KIND_POOLS:
            return _Line(np.zeros(SAMPLES_PER_FRAME, np.float32), [])
        key = (kind, KIND_POOLS[kind][0])
        pool = self.pools[key]
        if not pool:
            return _Line(np.zeros(SAMPLES_PER_FRAME, np.float32), [])
        order = self._orders.get(key)
        if not order:
            order = [int(i) for i in self.rng.permutation(len(pool))]
            self._orders[key] = order
        piece = pool[order.pop()]
        return _Line(piece.audio, list(piece.phones))


# ----------------------------------------------------------------------------- plans


def dialogue_rng(
    seed: int, set_name: str, index: int, streams: tuple[str, ...]
) -> dict[str, np.random.Generator]:
    """One dialogue's named random streams, from SeedSequence([seed, set, index])."""
    seq = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, SET_INDEX[set_name], int(index)])
    return {n: np.random.default_rng(k) for n, k in zip(streams, seq.spawn(len(streams)), strict=True)}


def plan_real_pairs(
    sexes: dict[str, str], speakers: list[str], n: int, seed: int
) -> list[tuple[str, str, str]]:
    """n (speaker A, speaker B, burst kind or '') triples: a quarter male pairs, a quarter female
    pairs, half mixed; bursts on every other dialogue, alternating breath and line noise, so
    each group has bursts in about half its dialogues."""
    rng = np.random.default_rng(
        np.random.SeedSequence([int(seed) & 0xFFFFFFFF, SET_INDEX["real_pairs"], 0xA11])
    )
    male = sorted(s for s in speakers if sexes.get(s) == "M")
    female = sorted(s for s in speakers if sexes.get(s) == "F")
    groups = {
        "MM": list(itertools.combinations(male, 2)),
        "FF": list(itertools.combinations(female, 2)),
        "MF": list(itertools.product(male, female)),
    }
    want = {"MM": n // 4, "FF": n // 4}
    want["MF"] = n - want["MM"] - want["FF"]
    chosen: list[tuple[str, str]] = []
    for key in ("MM", "FF", "MF"):
        pairs = groups[key]
        if not pairs:
            continue
        order = rng.permutation(len(pairs))
        for k in range(want[key]):
            a, b = pairs[int(order[k % len(pairs)])]
            chosen.append((a, b) if rng.random() < 0.5 else (b, a))
    out = []
    bursts = itertools.cycle(BURST_KINDS)
    for i, (a, b) in enumerate(chosen):
        out.append((a, b, next(bursts) if i % 2 == 1 else ""))
    return out


def plan_synthetic_pairs(n: int, seed: int) -> list[tuple[str, str, bool]]:
    """n (voice A, voice B, warped) triples of held-out voices of one gender: a third festival
    ked against a held-out espeak-ng male variant, a third two espeak-ng male variants, a third
    two espeak-ng female variants; every other one warped."""
    rng = np.random.default_rng(
        np.random.SeedSequence([int(seed) & 0xFFFFFFFF, SET_INDEX["synthetic_pairs"], 0xB22])
    )

    def espeak(variant: str) -> str:
        return f"espeak:{HELD_OUT_ACCENTS[int(rng.integers(len(HELD_OUT_ACCENTS)))]}+{variant}"

    out = []
    third = -(-n // 3)
    for i in range(n):
        group = min(2, i // third)
        if group == 0:
            pair = [HELD_OUT_FESTIVAL_MALE, espeak(MALE_VARIANTS[int(rng.integers(len(MALE_VARIANTS)))])]
        else:
            variants = MALE_VARIANTS if group == 1 else FEMALE_VARIANTS
            a, b = rng.choice(len(variants), size=2, replace=False)
            pair = [espeak(variants[int(a)]), espeak(variants[int(b)])]
        if rng.random() < 0.5:
            pair.reverse()
        out.append((pair[0], pair[1], i % 2 == 1))
    return out


def heldout_warp(rng: np.random.Generator, gender: str) -> augment.VoiceWarp:
    """A voice warp from the test-only speaker cells whose pitch keeps `gender`."""
    lo, hi = GENDER_PITCH[gender]
    cells = []
    for c in sorted(augment.TEST_CELLS):
        (pa, pb), _ = augment._cell_bounds(c)
        if pa >= lo - 1e-9 and pb <= hi + 1e-9:
            cells.append(c)
    cell = cells[int(rng.integers(len(cells)))]
    (pa, pb), (fa, fb) = augment._cell_bounds(cell)
    pitch = float(np.clip(rng.uniform(pa, pb), pa + 1e-6, pb - 1e-6))
    formant = float(np.clip(np.exp(rng.uniform(fa, fb)), np.exp(fa + 1e-9), np.exp(fb - 1e-9)))
    speed = float(np.exp(rng.uniform(*np.log(augment.SPEED_RANGE))))
    speed = max(speed, augment._pitch_ratio(pitch) / augment.WSOLA_MAX_STRETCH * (1.0 + 1e-6))
    level = float(rng.uniform(*augment.LEVEL_RANGE_DB))
    tilt = float(rng.uniform(*augment.TILT_RANGE_DB))
    return augment.VoiceWarp(pitch=pitch, formant=formant, speed=speed, level_db=level, tilt_db=tilt)


# ----------------------------------------------------------------------------- composing


def burst(rng: np.random.Generator, kind: str, seconds: float) -> np.ndarray:
    """A non-speech sound of unit active power: a breath (noise through a broad formant-like
    band, swelling and fading) or line noise (crackle of decaying clicks over a mains buzz)."""
    n = max(SAMPLES_PER_FRAME, int(round(seconds * SR)))
    t = np.arange(n) / SR
    if kind == "breath":
        m = 1 << int(np.ceil(np.log2(n)))
        spec_ = np.fft.rfft(rng.standard_normal(m))
        f = np.fft.rfftfreq(m, 1 / SR)
        centre = float(rng.uniform(800.0, 2000.0))
        d = np.log2(np.maximum(f, 1.0) / centre) / 1.2
        spec_ *= np.exp(-0.5 * d * d) * (f > 150.0)
        x = np.fft.irfft(spec_, m)[:n]
        rise = float(rng.uniform(0.3, 0.6))
        u = t / t[-1] if n > 1 else t
        env = np.where(
            u < rise, np.sin(0.5 * np.pi * u / rise), np.cos(0.5 * np.pi * (u - rise) / (1 - rise))
        )
        x = x * env**2
    elif kind == "line":
        base = 50.0 if rng.random() < 0.5 else 60.0
        x = np.sign(np.sin(2 * np.pi * base * t)) * 0.3  # buzz: odd harmonics of the mains
        clicks = rng.random(n) < float(rng.uniform(100.0, 400.0)) / SR
        decay = np.exp(-np.arange(64) / 8.0)
        x = x + np.convolve(clicks * rng.standard_normal(n) * 3.0, decay)[:n]
        ramp = min(n // 2, int(0.01 * SR))
        if ramp:
            x[:ramp] *= np.linspace(0, 1, ramp)
            x[-ramp:] *= np.linspace(1, 0, ramp)
    else:
        raise ValueError(f"unknown burst kind {kind!r}; use one of {BURST_KINDS}")
    return (x / np.sqrt(np.mean(x * x) + 1e-12)).astype(np.float64)


def _truth(d: composer.Dialogue) -> np.ndarray:
    return np.asarray(d.speaking) > 0.5


def compose_real_pair(
    name: str,
    set_name: str,
    speaker_pieces: tuple[dict[str, list[Piece]], dict[str, list[Piece]]],
    voices: tuple[str, str],
    burst_kind: str,
    seed: int,
    index: int,
    target: tuple[float, float] = TARGET_SECONDS,
    tags: dict[str, str] | None = None,
) -> HeldoutDialogue:
    """A conversation of two real voices' pieces laid out by the composer, in room tone, with a
    burst before the first line when burst_kind is given (see the module doc). The composer's
    English line kinds only decide which length of piece each line gets; no text is spoken."""
    rng = dialogue_rng(seed, set_name, index, ("length", "compose", "pick_a", "pick_b", "room", "burst"))
    pickers = (PiecePicker(speaker_pieces[0], rng["pick_a"]), PiecePicker(speaker_pieces[1], rng["pick_b"]))
    seconds = float(rng["length"].uniform(*target))

    def speak(text: str, role: int, kind: str) -> _Line:
        return pickers[role](text, role, kind)

    d = composer.compose(rng["compose"], speak, language="en", partition="test", target_seconds=seconds)
    mix, truth, tags = in_room(d.mix, _truth(d), rng, burst_kind, tags)
    return HeldoutDialogue(name, set_name, np.clip(mix, -1.0, 1.0).astype(np.float32), truth, voices, tags)


def in_room(
    dry_mix: np.ndarray,
    dry_truth: np.ndarray,
    rng: dict[str, np.random.Generator],
    burst_kind: str,
    tags: dict[str, str] | None,
) -> tuple[np.ndarray, np.ndarray, dict[str, str]]:
    """Room tone under a dry recording, with extra lead before its first word and, when burst_kind
    is given, a breath or line-noise burst in that lead: (mix, truth, tags)."""
    pad_frames = int(round(float(rng["room"].uniform(*LEAD_PAD_S)) * FPS))
    pad = pad_frames * SAMPLES_PER_FRAME
    dry = np.concatenate([np.zeros(pad), dry_mix.astype(np.float64)])
    truth = np.concatenate([np.zeros((pad_frames, 2), bool), dry_truth])
    speech_power = augment._active_power(dry)
    kind = ROOM_TONE_KINDS[int(rng["room"].integers(len(ROOM_TONE_KINDS)))]
    snr = float(rng["room"].uniform(*ROOM_TONE_SNR_DB))
    mix = dry + augment.make_noise(rng["room"], kind, len(dry)) * np.sqrt(speech_power / 10.0 ** (snr / 10.0))
    tags = {
        **(tags or {}),
        "start": f"{burst_kind} burst" if burst_kind else "room tone only",
        "room": f"{kind} {snr:.0f} dB",
    }
    if burst_kind:
        first = int(np.flatnonzero(truth.any(axis=1))[0]) / FPS
        lo, hi = BURST_S[burst_kind]
        dur = min(float(rng["burst"].uniform(lo, hi)), max(0.05, first - BURST_CLEAR_S - 0.05))
        start = float(rng["burst"].uniform(0.05, max(0.05, first - BURST_CLEAR_S - dur)))
        gain_db = float(rng["burst"].uniform(*BURST_LEVEL_DB[burst_kind]))
        b = burst(rng["burst"], burst_kind, dur) * np.sqrt(speech_power * 10.0 ** (gain_db / 10.0))
        i0 = int(round(start * SR))
        mix[i0 : i0 + len(b)] += b[: len(mix) - i0]
        tags["burst"] = f"{burst_kind} {start:.2f}-{start + dur:.2f} s at {gain_db:+.0f} dB"
    return mix, truth, tags


def compose_synthetic_pair(
    name: str,
    synth,
    voices: tuple[str, str],
    warped: bool,
    seed: int,
    index: int,
    target: tuple[float, float] = TARGET_SECONDS,
) -> HeldoutDialogue:
    """Two held-out synthetic voices in conversation, the corpus's way (corpus.ClipMaker.make)."""
    from . import corpus
    from .speech import parse_voice

    rng = dialogue_rng(seed, "synthetic_pairs", index, ("length", "cast", "compose", "voice", "channel"))
    cast = [parse_voice(v) for v in voices]
    identity = augment.VoiceWarp()
    warps = [heldout_warp(rng["cast"], str(v.gender)) if warped else identity for v in cast]
    rates = [float(rng["cast"].uniform(*corpus.SPEAKING_RATE)) for _ in range(2)]
    seconds = float(rng["length"].uniform(*target))

    def speak(text: str, role: int, kind: str):
        rate = rates[role] * float(np.exp(rng["voice"].normal(0.0, corpus.LINE_RATE_JITTER)))
        if kind == "laugh":
            rate *= 1.25
        utt = synth.synthesize(text, cast[role], rate=rate)
        return augment.apply_voice_warp(utt.trimmed_silence(0.2), warps[role])

    d = composer.compose(rng["compose"], speak, language="en", partition="test", target_seconds=seconds)
    mix = d.mix
    channel = "none"
    if rng["channel"].random() < corpus.CHANNEL_P:
        ch = augment.sample_channel(rng["channel"])
        mix = np.asarray(augment.apply_channel(mix, ch, rng["channel"]), dtype=np.float32)
        channel = _channel_text(ch)
    synths = {_synthesiser(v) for v in voices}
    tags = {
        "gender": str(cast[0].gender),
        "synthesisers": "different" if len(synths) == 2 else "same",
        "warp": "test-cell warp" if warped else "unwarped",
        "channel": channel,
    }
    if warped:
        tags["warps"] = " / ".join(w.speaker_id for w in warps)
    return HeldoutDialogue(name, "synthetic_pairs", mix.astype(np.float32), _truth(d), voices, tags)


def _synthesiser(voice: str) -> str:
    if voice.startswith("festival:"):
        return "festival diphone"
    return "espeak-ng klatt" if voice.endswith("+klatt2") else "espeak-ng"


def _channel_text(ch: augment.Channel) -> str:
    parts = []
    if ch.rt60 > 0:
        parts.append(f"room {ch.rt60:.2f} s")
    if ch.noise:
        parts.append(f"{ch.noise} {ch.snr_db:.0f} dB")
    if ch.band != "full":
        parts.append(ch.band + (" mu-law" if ch.mulaw else ""))
    if ch.drive_db > 0:
        parts.append("clipped")
    return ", ".join(parts) or "level only"


def ami_dialogue(real_dir: Path) -> HeldoutDialogue | None:
    """../shared/eval/real's meeting excerpt with its RTTM (A = the first to speak), or None."""
    from .. import audio as audio_io
    from .. import features
    from .evaluate import read_rttm, read_wav

    wp, rp = (
        Path(real_dir) / "conversation" / "ami_dev00.wav",
        Path(real_dir) / "conversation" / "ami_dev00.rttm",
    )
    if not (wp.is_file() and rp.is_file()):
        return None
    x, rate = read_wav(wp)
    x16 = audio_io.prepare(x if x.ndim == 1 else x.mean(axis=1), rate, stems=False)
    n = features.n_model_frames(len(x16))
    rows = read_rttm(rp)
    first = min(rows, key=lambda r: r[1])[0]
    truth = np.zeros((n, 2), bool)
    speakers = sorted({r[0] for r in rows}, key=lambda s: s != first)
    for who, s, e in rows:
        truth[int(np.floor(s * FPS)) : int(np.ceil(e * FPS)), 0 if who == first else 1] = True
    return HeldoutDialogue(
        "ami_dev00", "real_meeting", x16, truth, (speakers[0], speakers[-1]), {"source": "AMI"}
    )


# ----------------------------------------------------------------------------- the sets


def real_pairs(
    root: Path, n: int, seed: int, target: tuple[float, float] = TARGET_SECONDS, log: Callable = print
) -> list[HeldoutDialogue]:
    """n real-voice conversations of LibriSpeech test-other speakers (see the module doc)."""
    files = test_other_files(root)
    sexes = librispeech_sexes(root)
    plan = plan_real_pairs(sexes, sorted(files), n, seed)
    pieces: dict[str, dict[str, list[Piece]]] = {}
    for spk in sorted({s for a, b, _ in plan for s in (a, b)}):
        merged: dict[str, list[Piece]] = {"phrase": [], "word": []}
        for path in files[spk]:
            for pool, items in reading_pieces(read_flac(path), path.stem).items():
                merged[pool] += items
        pieces[spk] = merged
    out = []
    for i, (a, b, burst_kind) in enumerate(plan):
        name = f"real-{i:02d}-{a}{sexes[a]}-{b}{sexes[b]}"
        voices = (f"librispeech:{a}({sexes[a]})", f"librispeech:{b}({sexes[b]})")
        tags = {
            "pair": "same gender" if sexes[a] == sexes[b] else "different gender",
            "genders": sexes[a] + sexes[b],
        }
        out.append(
            compose_real_pair(
                name, "real_pairs", (pieces[a], pieces[b]), voices, burst_kind, seed, i, target, tags
            )
        )
        log(f"  composed {name} ({out[-1].seconds:.1f} s, {out[-1].tags['start']})")
    return out


def synthetic_pairs(
    n: int, seed: int, target: tuple[float, float] = TARGET_SECONDS, log: Callable = print
) -> list[HeldoutDialogue]:
    """n dialogues of two held-out synthetic voices of one gender (see the module doc)."""
    from .speech import Synthesizer

    out = []
    with Synthesizer() as synth:
        for i, (a, b, warped) in enumerate(plan_synthetic_pairs(n, seed)):
            name = f"synth-{i:02d}"
            out.append(compose_synthetic_pair(name, synth, (a, b), warped, seed, i, target))
            log(f"  composed {name} {a} / {b} ({out[-1].seconds:.1f} s, {out[-1].tags['warp']})")
    return out


def plan_fillets(levels: tuple[str, ...], n: int) -> list[tuple[str, str, str]]:
    """Up to n (level, language, burst kind or '') triples: each level in Czech and in Dutch, bursts
    on every other level (both languages), alternating breath and line noise, so each language
    has bursts in half of its dialogues."""
    bursts = itertools.cycle(BURST_KINDS)
    out = []
    for k, level in enumerate(levels):
        kind = next(bursts) if k % 2 == 1 else ""
        out += [(level, language, kind) for language in FILLETS_LANGUAGES]
    return out[:n]


def fillets_pairs(
    root: Path,
    n: int,
    seed: int,
    target: tuple[float, float] = TARGET_SECONDS,
    levels: tuple[str, ...] = FILLETS_HELDOUT_LEVELS,
    log: Callable = print,
) -> list[HeldoutDialogue]:
    """Up to n conversations of the two fish, one per held-out level and language (Czech, then
    Dutch), from that level's lines only; bursts before the first line on every other level."""
    out = []
    for i, (level, language, burst_kind) in enumerate(plan_fillets(levels, n)):
        lines = fillets_lines(root, level, language)
        pieces = {}
        for who, paths in lines.items():
            merged: dict[str, list[Piece]] = {"phrase": [], "word": []}
            for path in paths:
                for pool, items in reading_pieces(read_line(path), path.stem).items():
                    merged[pool] += items
            pieces[who] = merged
        first = (
            "m"
            if np.random.default_rng([int(seed) & 0xFFFFFFFF, SET_INDEX["fillets_pairs"], i]).random() < 0.5
            else "v"
        )
        order = (first, "v" if first == "m" else "m")
        name = f"fillets-{i:02d}-{level}-{language}"
        voices = tuple(f"fillets:{language}:{FILLETS_CHARACTERS[c]}" for c in order)
        tags = {"language": language, "level": level}
        d = compose_real_pair(
            name,
            "fillets_pairs",
            (pieces[order[0]], pieces[order[1]]),
            voices,
            burst_kind,
            seed,
            i,
            target,
            tags,
        )
        out.append(d)
        log(f"  composed {name} ({d.seconds:.1f} s, {d.tags['start']})")
    return out
