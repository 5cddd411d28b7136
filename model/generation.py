"""The public entry point: audio (+ staging text) -> a two-character Performance.

    from duet.model import generate
    perf = generate(audio, 48000, staging="A faces left. B looks at A.", fps=24)

Steps: validate and resample the audio to 16 kHz; build the staging
conditioning (duet.model.staging) at 50 fps; run the network window by
window (windowing.py) in the numpy runtime (default) or torch; apply the
staging solve (commanded poses held exactly) and lay the staged and default
moods over the faces (staging/moods.py), still at 50 fps; resample the curves to `fps`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import audio as audio_io
from . import features, spec, voice_report, windowing
from .errors import InputError
from .mix_roles import audio_roles, script_overlaps
from .network_config import OUT_BLEND, OUT_GAZE, OUT_HEAD, OUT_SPEAKING, NetworkConfig
from .performance import Performance
from .signal import SPEAKING_BRIDGE_S, bridge_dips
from .weights import Weights, load

RUNTIMES = ("auto", "numpy", "torch")
# Progress shares: on a 60 s mix diarization's voice track took 7-13 % of perform() and the staging
# solve and resampling after the network a few % of generate() (numpy runtime, 2 cores).
DIARIZATION_SHARE = 0.1
NETWORK_SHARE = 0.95
MAX_FPS = 1000.0
_CACHE: dict[tuple, tuple[Weights, Any]] = {}


def latent_frames(steps: np.ndarray, n_frames: int, stride: int) -> np.ndarray:
    """Linear interpolation of latent steps (S, ...) placed every `stride` frames -> (n_frames, ...)."""
    t = np.arange(n_frames)
    j = t // stride
    a = ((t % stride) / stride).astype(np.float32).reshape(-1, *([1] * (steps.ndim - 1)))
    return (steps[j] * (1.0 - a) + steps[j + 1] * a).astype(np.float32)


def take_latent(n_frames: int, cfg: NetworkConfig, seed: int) -> np.ndarray:
    """The take-variation latent (F, 2, n_latent): seeded standard normal steps, interpolated."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFFFFFF, 0x0D0E7]))
    steps = rng.standard_normal((n_frames // cfg.latent_stride + 2, 2, cfg.n_latent)).astype(np.float32)
    return latent_frames(steps, n_frames, cfg.latent_stride)


def _torch_gpu_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def get_runtime(runtime: str = "auto", weights: str | Path | None = None) -> tuple[Weights, Any]:
    """Load (and cache) weights and a runtime; "auto" = torch on a GPU when present, else numpy."""
    if runtime not in RUNTIMES:
        raise InputError(f"runtime must be one of {RUNTIMES}, got {runtime!r}")
    name = runtime
    if runtime == "auto":
        name = "torch" if os.environ.get("DUET_RUNTIME") == "torch" or _torch_gpu_available() else "numpy"
    path = Path(weights) if weights is not None else None
    key = (str(path or "<default>"), _stamp(path), name)
    if key not in _CACHE:
        w = load(path)
        if name == "torch":
            try:
                from .torch_runtime import TorchRuntime
            except ImportError:
                raise InputError(
                    "runtime='torch' needs PyTorch, which is not installed here; use runtime='numpy'"
                ) from None
            rt: Any = TorchRuntime(w.config, w.arrays)
        else:
            from .numpy_runtime import NumpyRuntime

            rt = NumpyRuntime(w.config, w.arrays)
        _CACHE.clear()  # one model in memory at a time
        _CACHE[key] = (w, rt)
    return _CACHE[key]


def _stamp(path: Path | None) -> float:
    from .weights import DEFAULT_WEIGHTS

    p = path or DEFAULT_WEIGHTS
    try:
        return p.stat().st_mtime
    except OSError:
        return -1.0


def _check_fps(fps: object) -> float:
    try:
        value = float(fps)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"fps must be a number of frames per second, got {fps!r}") from None
    if not math.isfinite(value) or not (0.0 < value <= MAX_FPS):
        raise InputError(f"fps must be between 0 and {MAX_FPS:.0f} (e.g. 24, 25, 30), got {fps!r}")
    return value


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InputError(f"seed must be a whole number, got {seed!r}")
    if not 0 <= seed <= 2**32 - 1:  # the rule and wording of job files (batch.jobfile.seed_problem)
        raise InputError(f"seed must be a whole number from 0 to {2**32 - 1}, got {int(seed)}")
    return int(seed)


def _staging_targets(staging: str, n_frames: int, names: Any, fps: float, first_frame: int) -> Any:
    try:
        from . import staging as staging_mod

        parse = staging_mod.parse
    except (ImportError, AttributeError):
        raise InputError(
            "staging text needs duet.model.staging, which this build does not include; pass staging=None"
        ) from None
    try:
        # Frame times in the text ("f120") count at the caller's frame rate from its first frame.
        script = parse(staging, names=names, fps=fps, first_frame=first_frame)
    except InputError:
        raise
    except ValueError as exc:  # the parser's own errors name the line and the fix
        raise InputError(f"staging text: {exc}") from exc
    duration = n_frames / spec.NATIVE_FPS
    late = [f"staging {issue}" for issue in script.issues_beyond(duration)]
    return staging_mod, script.to_targets(n_frames, spec.NATIVE_FPS), late


def _check_moods(moods: object) -> dict:
    """Default moods {role: (mood, strength)} validated; {} for none."""
    if moods is None:
        return {}
    from .staging.moods import check_defaults

    try:
        return check_defaults(moods)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def _with_moods(perf: Performance, targets: Any, defaults: dict) -> Performance:
    """The staged moods (and each role's default mood) over the faces, at the network's rate."""
    script = getattr(targets, "script", None)  # StagingTargets keep the script they came from
    schedule = getattr(script, "schedule", None)
    if schedule is None and not defaults:
        return perf
    from .staging.moods import apply_moods

    return apply_moods(perf, schedule, defaults)


def _parse_script(script: object, names: Any) -> Any:
    """The parsed script, None for none; its errors (line, column, fix) as InputError."""
    if script is None:
        return None
    if not isinstance(script, str):
        raise InputError(f"script must be text (or None), got {type(script).__name__}")
    if not script.strip():
        return None
    from .script import ScriptError, parse_script

    try:
        return parse_script(script, names=names)
    except ScriptError as exc:
        raise InputError(f"script: {exc}") from exc


def _resample_curve(x: np.ndarray, n_out: int, fps_out: float) -> np.ndarray:
    """Linear interpolation of (F, ...) curves at 50 fps onto n_out frames at fps_out."""
    n_in = x.shape[0]
    if n_out == n_in and fps_out == spec.NATIVE_FPS:
        return x.copy()
    pos = np.arange(n_out, dtype=np.float64) * (spec.NATIVE_FPS / fps_out)
    pos = np.clip(pos, 0.0, n_in - 1)
    i0 = np.floor(pos).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    a = (pos - i0).astype(np.float32).reshape(-1, *([1] * (x.ndim - 1)))
    return (x[i0] * (1.0 - a) + x[i1] * a).astype(np.float32)


def _performance(y: np.ndarray, fps: float) -> Performance:
    roles = spec.ROLES
    # Speaking, as the corpus's teacher marks it, holds over pauses shorter than SPEAKING_BRIDGE_S;
    # the network's curve still dips in some (held-out real pairs: who-speaks +0.008, development
    # real pairs +0.007, synthetic validation mixes +0.006; docs/EVAL.md "Session 12").
    bridge = SPEAKING_BRIDGE_S * fps
    return Performance(
        fps=fps,
        blendshapes={r: np.clip(y[:, i, OUT_BLEND], 0.0, 1.0) for i, r in enumerate(roles)},
        head={r: np.ascontiguousarray(y[:, i, OUT_HEAD]) for i, r in enumerate(roles)},
        gaze={r: np.ascontiguousarray(y[:, i, OUT_GAZE]) for i, r in enumerate(roles)},
        speaking={r: bridge_dips(np.clip(y[:, i, OUT_SPEAKING], 0, 1), bridge) for i, r in enumerate(roles)},
    )


ONE_VOICE_ROLES = {"a": 0, "b": 1}  # roles="A": the take holds one voice, A's (a monologue); "B": B's
ROLES_HELP = (
    "roles must be None, 'swap', 'A' or 'B' (the take holds one voice: that character's) or (start, end) "
    "seconds in which A speaks"
)


@dataclass(frozen=True)
class RoleChoice:
    """How the roles of an audio-only mix are decided (generate's `roles`)."""

    first_role: int = 0  # the role of the first voice heard (1 after "swap")
    a_range: tuple[float, float] | None = None  # seconds in which A speaks
    only: int | None = None  # one voice only, given to this role


def _parse_roles(roles: object, duration: float) -> RoleChoice:
    if roles is None:
        return RoleChoice()
    if isinstance(roles, str):
        word = roles.strip().lower()
        if word == "swap":
            return RoleChoice(first_role=1)
        if word in ONE_VOICE_ROLES:
            return RoleChoice(only=ONE_VOICE_ROLES[word])
        raise InputError(f"{ROLES_HELP}; got {roles!r}")
    try:
        start, end = (float(v) for v in roles)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise InputError(f"{ROLES_HELP}; got {roles!r}") from None
    if not (math.isfinite(start) and math.isfinite(end)) or end <= start or start >= duration or end <= 0:
        raise InputError(
            f"roles range ({start}, {end}) must be a non-empty span inside the take (0 to {duration:.2f} s) "
            f"where A speaks"
        )
    return RoleChoice(a_range=(max(0.0, start), min(duration, end)))


# Without a script, recognising English words takes the end of the progress bar (about as long
# as the network on 2 cores).
RECOGNITION_START = 0.5
# The lip reader's mouth takes over from the network's over each run of speech, eased in and out.
READ_LEAD_S = 0.04
READ_TAIL_S = 0.04
READ_RAMP_S = 0.06
# ... but how far the mouth opens stays the network's (jaw and lips off the teeth): its openings land
# nearer the vowels (synthetic mixed vowel-peak error 49.9 ms with the reader's, 44.6 with the
# network's; the network's own mouth 44.4). The reader gives the seals and the lips' shape.
NETWORK_OPENING = (
    "jawOpen",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
)
NETWORK_OPEN_APERTURE = 0.1  # the network's lips count as fully open from this aperture up
RECOGNISER_MISSING = (
    "Recognise English Words was not used: pocketsphinx's English model could not be loaded "
    "(reinstall the extension for this platform); the network shapes the mouth"
)
NO_WORDS_RECOGNISED = (
    "Recognise English Words found no word it could trust (is the speech English, and clear of "
    "music and noise?); the network shapes the mouth throughout. A script aligns words it is given"
)


def _audio_notes(x: np.ndarray, n_frames: int) -> list[str]:
    """The report's notes on the sound itself: no voice, or speech buried in noise (per stem)."""
    if x.ndim == 1:
        channels = [(x, "the voice-over")]
    else:
        channels = [(x[:, r], f"{role}'s stem") for r, role in enumerate(spec.ROLES)]
    notes = []
    for channel, what in channels:
        level = windowing.frame_energy_db(channel, n_frames)
        voiced = windowing.voiced_frames(channel, n_frames)
        note = voice_report.no_voice_note(voiced, what) or voice_report.noise_note(level, what)
        if note:
            notes.append(note)
    return notes


def perform(
    audio16k: np.ndarray,
    *,
    conditioning: np.ndarray | None = None,
    runtime: str = "auto",
    seed: int = 0,
    roles: Any = None,
    weights: str | Path | None = None,
    progress: Callable[[float], None] | None = None,
    script: Any = None,
    recognise_words: bool = False,
    read_lips: bool = True,
    lip_reader_weights: str | Path | None = None,
    hear_overlaps: bool = True,
) -> Performance:
    """The network's own performance at 50 fps, before any staging solve.

    audio16k: validated 16 kHz float32 audio, (S,) mixed or (S, 2) stems
    (audio.prepare). conditioning: (F, 2, COND_DIM) staging conditioning or
    None. script: a parsed duet.model.script.Script: its lines set the roles and,
    where their words align, the lips. recognise_words: without a script, English words
    recognised in the audio give the lips where they are trusted (script.recognise).
    read_lips: the speaking character's mouth from the lip reader (lips/lip_reader.py) rather
    than the network's, where the lip reader's weights are present; lip_reader_weights: another
    .npz of them. hear_overlaps: on a mix, frames where the voice counter (voice_count.py) hears two
    voices at once are left to the network, whatever the clustering or the lines say. generate()
    wraps this; the evaluation calls it with a corpus clip's own conditioning.
    """
    x = np.asarray(audio16k, dtype=np.float32)
    n_frames = features.n_model_frames(x.shape[0])
    duration = x.shape[0] / spec.SAMPLE_RATE
    choice = _parse_roles(roles, duration)
    first_role, a_range = choice.first_role, choice.a_range
    w, rt = get_runtime(runtime, weights)
    cfg = w.config
    cond = np.zeros((n_frames, 2, cfg.cond_dim), dtype=np.float32)
    if conditioning is not None:
        cond = np.asarray(conditioning, dtype=np.float32)[:n_frames]
        if cond.shape != (n_frames, 2, cfg.cond_dim):
            raise InputError(f"conditioning has shape {cond.shape}, expected {(n_frames, 2, cfg.cond_dim)}")
    latent = take_latent(n_frames, cfg, seed)
    report = _audio_notes(x, n_frames)
    take_features = features.stream_features(x, 0, n_frames)  # once: roles and every window read them
    aligned = None
    if script is not None and roles is not None:
        raise InputError("roles and a script cannot both be given: the script says who speaks each line")
    reader_probs = None  # once: the script's placement and the lips read them
    if read_lips or script is not None:
        from .lips import lip_reader

        reader_probs = lip_reader.take_probabilities(x, n_frames, take_features, lip_reader_weights)
    if script is not None:
        from .script import take as script_take

        aligned = script_take.align_script(
            script, x, rt, log_mel=take_features[0] if x.ndim == 1 else None, reader_probs=reader_probs or []
        )
    if aligned is not None and aligned.anchor is not None:
        if hear_overlaps:
            aligned = script_overlaps(aligned, x, take_features[0])
        anchor = aligned.anchor
    elif x.ndim == 2:
        anchor = np.zeros((n_frames, 2, 2), dtype=np.float32)  # stems: each channel is its role
    elif choice.only is not None:  # one voice: every voiced frame is that character's
        anchor = windowing.range_anchor(x, n_frames, 0.0, duration, role=choice.only)
    else:
        if a_range is not None:
            seed_anchor = windowing.range_anchor(x, n_frames, a_range[0], a_range[1], role=0)
            if not seed_anchor[:, 0, 0].any():
                raise InputError(
                    f"roles range {a_range[0]:.2f}-{a_range[1]:.2f} s holds no voice; pick a span in which "
                    f"A is heard speaking"
                )
        else:
            seed_anchor = windowing.first_voice_anchor(x, n_frames, role=first_role)
        anchor, voices = audio_roles(
            rt, x, n_frames, seed_anchor, take_features[0], trim_seed=a_range is None, overlaps=hear_overlaps
        )
        report += voice_report.roles_notes(voices, first_role, a_range)
    start = DIARIZATION_SHARE if x.ndim == 1 or script is not None else 0.0
    if progress is not None:
        progress(start)

    recognising = recognise_words and script is None
    end = RECOGNITION_START if recognising else 1.0

    def windows_done(fraction: float) -> None:
        if progress is not None:
            progress(start + (end - start) * fraction)

    y = windowing.run_windows(
        rt, x, n_frames, cond, anchor, latent, progress=windows_done, take_features=take_features
    )
    perf = _performance(y, spec.NATIVE_FPS)
    perf.notes = perf.notes + tuple(report)
    if read_lips and reader_probs is not None:
        lines = None  # sure script lines whose words did not align: the reader along their phones
        if aligned is not None:
            lines = script_take.read_unaligned_lines(aligned, script, reader_probs, spec.NATIVE_FPS)
        perf.blendshapes = lip_reader_mouth(perf, x, reader_probs, lines)
    if aligned is not None:
        perf.blendshapes = script_take.script_mouth(perf.blendshapes, aligned, x, spec.NATIVE_FPS)
        # The anchor only steers the network; where the lines are sure, who speaks IS the script.
        perf.speaking = script_take.speaking_over_lines(perf.speaking, aligned, spec.NATIVE_FPS)
        perf.notes = perf.notes + aligned.notes
        perf.lines = aligned.lines
    elif recognising:

        def words_done(fraction: float) -> None:
            if progress is not None:
                progress(RECOGNITION_START + (1.0 - RECOGNITION_START) * fraction)

        perf.blendshapes, note = recognised_mouth(perf, x, words_done)
        perf.notes = (*perf.notes, note)
    return perf


def lip_reader_mouth(
    perf: Performance, x: np.ndarray, probs: list[np.ndarray], lines: dict[str, list] | None = None
) -> dict[str, np.ndarray]:
    """The network's blendshapes with each character's mouth, while that character speaks, shaped
    by the lip reader's phones (lips/lip_reader.py; its p/b/m leaned by how closed the network
    holds the lips) rendered by the teacher's coarticulation: the reader seals and shapes the lips,
    the network says how far they open (NETWORK_OPENING); the listener's mouth and every other
    channel stay the network's. probs: lip_reader.take_probabilities of the take; lines: {role:
    [read_lines.ReadPhones]}, script lines read along their own phones, which replace the free
    reading over their spans."""
    from . import lips
    from .lips import lip_reader
    from .script import take as script_take

    n = perf.blendshapes[spec.ROLES[0]].shape[0]
    fps = perf.fps
    speaking = np.stack([perf.speaking[r] for r in spec.ROLES], axis=1)[:n]
    phones = {}
    for r, role in enumerate(spec.ROLES):
        talking = speaking[:, r] > 0.5
        if x.ndim == 1:  # in an overlap, the louder claim reads the mix
            talking &= speaking[:, r] >= speaking[:, 1 - r]
        network = lips.lip_aperture(perf.blendshapes[role].astype(np.float64))
        closed = 1.0 - np.clip(network / NETWORK_OPEN_APERTURE, 0.0, 1.0)
        ipa, start, end, stress, spans = lip_reader.read_phones(
            probs[r if x.ndim == 2 else 0], talking, fps, closed=closed
        )
        script_lines = (lines or {}).get(role, [])
        if script_lines:  # script lines read along their own phones replace the free reading there
            ipa, start, end, stress, spans = _with_lines(ipa, start, end, stress, spans, script_lines)
        phones[role] = script_take.RolePhones(
            tuple(ipa), tuple(start), tuple(end), tuple(stress), tuple(spans)
        )
    ramps = {"lead": READ_LEAD_S, "tail": READ_TAIL_S, "ramp": READ_RAMP_S}
    read = script_take.phones_mouth(perf.blendshapes, phones, x, fps, **ramps)
    opening = [spec.ARKIT_INDEX[k] for k in NETWORK_OPENING]
    close = spec.ARKIT_INDEX["mouthClose"]
    for role in spec.ROLES:
        bs, net = read[role], perf.blendshapes[role]
        took = script_take.mouth_weight(phones[role].spans, n, fps, **ramps) > 0
        sealed = took & (lips.lip_aperture(bs.astype(np.float64)) <= lips.APERTURE_CLOSED)
        for k in opening:
            bs[took, k] = net[took, k]
        bs[sealed, close] = bs[sealed, opening[0]]  # what the reader sealed stays sealed
        bs[np.ix_(sealed, opening[1:])] = 0.0
    return read


def _with_lines(ipa, start, end, stress, spans, lines) -> tuple[list, list, list, list, list]:
    """A free reading's phones and spans with the phones of script lines read along their own
    phones (read_lines.ReadPhones) in place of the free ones over each line."""
    covered = [(line.start[0], line.end[-1]) for line in lines]
    keep = [k for k in range(len(ipa)) if not any(a <= 0.5 * (start[k] + end[k]) < b for a, b in covered)]
    return (
        [ipa[k] for k in keep] + [p for line in lines for p in line.ipa],
        [start[k] for k in keep] + [t for line in lines for t in line.start],
        [end[k] for k in keep] + [t for line in lines for t in line.end],
        [stress[k] for k in keep] + [s for line in lines for s in line.stress],
        list(spans) + covered,
    )


def recognised_mouth(
    perf: Performance, x: np.ndarray, progress: Callable[[float], None] | None = None
) -> tuple[dict[str, np.ndarray], str]:
    """The network's blendshapes with the mouth of the English words recognised in the take
    (script.recognise: trusted words only, each given to the role that speaks it, or to its
    stem's role), and the take report's note on what was used."""
    from .script import recognise
    from .script import take as script_take

    if not recognise.recogniser_available():
        return perf.blendshapes, RECOGNISER_MISSING
    fps = perf.fps
    speaking = np.stack([perf.speaking[r] for r in spec.ROLES], axis=1)
    if x.ndim == 2:  # each stem is its role's voice

        def stem_done(r: int) -> Callable[[float], None]:
            return lambda f: progress((r + f) / 2) if progress is not None else None

        by_role = [
            recognise.words_by_role(recognise.recognise_take(x[:, r], stem_done(r)), speaking, fps, role=r)[r]
            for r in range(2)
        ]
    else:
        by_role = recognise.words_by_role(recognise.recognise_take(x, progress), speaking, fps)
    phones = {role: recognise.role_phones(by_role[r]) for r, role in enumerate(spec.ROLES)}
    blend = script_take.phones_mouth(
        perf.blendshapes, phones, x, fps, lead=0.0, tail=0.0, ramp=recognise.WORD_RAMP_S
    )
    words = sum(len(w) for w in by_role)
    if not words:
        return blend, NO_WORDS_RECOGNISED
    seconds = sum(w.end - w.start for ws in by_role for w in ws)
    counts = " and ".join(f"{len(by_role[r])} {role}" for r, role in enumerate(spec.ROLES) if by_role[r])
    return blend, (
        f"Lips from {words} recognised English words ({counts}; {seconds:.1f} s of speech); the network "
        "shapes the mouth everywhere else"
    )


def generate(
    audio: Any,
    sample_rate: Any,
    *,
    staging: str | None = None,
    script: str | None = None,
    stems: bool = False,
    fps: float = 30.0,
    runtime: str = "auto",
    seed: int = 0,
    roles: Any = None,
    names: Any = None,
    weights: str | Path | None = None,
    first_frame: int = 0,
    progress: Callable[[float], None] | None = None,
    moods: Any = None,
    recognise_words: bool = False,
    read_lips: bool = True,
    hear_overlaps: bool = True,
) -> Performance:
    """Animate both characters of a dialogue from its voice-over.

    audio: float samples, (samples,) mixed or (samples, 2) with stems=True
    (channel 0 = A). staging: staging text (duet.model.staging) or None.
    script: the dialogue's lines (duet.model.script, docs/SCRIPT.md) or None: who speaks
    each line comes from it, and where its words align (English), the lips; lines it
    could not place are named in the result's notes.
    fps: frame rate of the result. runtime: "auto" (torch on a GPU when one
    is present, else numpy), "numpy" or "torch". seed: take variation (same
    seed, same take). roles: None (A = the first voice heard), "A" or "B" (the take holds
    one voice, that character's: a monologue the other listens to), "swap" (the
    first voice is B) or (start, end) seconds in which A speaks. names:
    character names passed to the staging parser. weights: a weights .npz
    instead of the shipped one. first_frame: the scene frame at which the
    audio starts (frame times in the staging text count from there, at fps).
    progress: called with the fraction done (0..1) as the work goes; an exception it raises
    stops the run and propagates (how the Blender operator cancels).
    moods: each character's mood for the whole take, {"A": ("happy", 0.4), "B": "sad"} (a
    strength 0..1, 0.7 when left out); moods in the staging text override it where they hold.
    recognise_words: without a script, recognise English words in the audio and give the lips
    the teacher's mouth on the words it trusts (docs/MODEL.md "Lips from recognised words"):
    sharper seals and rounding on real English speech, about 0.4 s of CPU per second of audio
    (stems: per stem); the take's notes say how many words it used.
    read_lips: the speaking character's mouth from the lip reader (docs/MODEL.md "The lip
    reader"): sealed p/b/m and rounded vowels on real voices; False keeps the network's mouth.
    hear_overlaps: on a mixed voice-over, where the voice counter hears both characters at once
    (an interruption, a backchannel) the network decides whether both speak (docs/MODEL.md "The
    voice counter"); False keeps one speaker there, as the voices or the script's lines say (for
    a voice the counter mistakes for two, which opens the listener's mouth).
    """
    fps_out = _check_fps(fps)
    seed = _check_seed(seed)
    x = audio_io.prepare(audio, sample_rate, stems=bool(stems))
    n_samples = x.shape[0]
    duration = n_samples / spec.SAMPLE_RATE
    n_frames = features.n_model_frames(n_samples)
    _parse_roles(roles, duration)  # bad options fail before any work
    default_moods = _check_moods(moods)
    if runtime not in RUNTIMES:
        raise InputError(f"runtime must be one of {RUNTIMES}, got {runtime!r}")

    if not isinstance(recognise_words, bool):
        raise InputError(f"recognise_words must be True or False, got {recognise_words!r}")
    if not isinstance(read_lips, bool):
        raise InputError(f"read_lips must be True or False, got {read_lips!r}")
    if not isinstance(hear_overlaps, bool):
        raise InputError(f"hear_overlaps must be True or False, got {hear_overlaps!r}")
    parsed_script = _parse_script(script, names)
    if parsed_script is not None and recognise_words:
        raise InputError(
            "recognise_words and a script cannot both be given: the script's own words align the lips "
            "(turn recognise_words off)"
        )
    if parsed_script is not None and names is None:
        names = dict(parsed_script.names) or None  # staging may then use the script's names
    targets = None
    staging_mod = None
    cond = None
    staging_notes: list[str] = []
    if staging is not None:
        if not isinstance(staging, str):
            raise InputError(f"staging must be text (or None), got {type(staging).__name__}")
        if staging.strip():
            staging_mod, targets, staging_notes = _staging_targets(
                staging, n_frames, names, fps_out, first_frame
            )
            cond = np.asarray(targets.conditioning, dtype=np.float32)
            if cond.shape != (n_frames, 2, spec.COND_DIM):
                expected = (n_frames, 2, spec.COND_DIM)
                raise InputError(f"staging produced conditioning of shape {cond.shape}, expected {expected}")

    def network_done(fraction: float) -> None:
        if progress is not None:
            progress(NETWORK_SHARE * fraction)

    perf = perform(
        x,
        conditioning=cond,
        runtime=runtime,
        seed=seed,
        roles=roles,
        weights=weights,
        progress=network_done,
        script=parsed_script,
        recognise_words=recognise_words,
        read_lips=read_lips,
        hear_overlaps=hear_overlaps,
    )
    notes, lines = (*perf.notes, *staging_notes), perf.lines
    if targets is not None and staging_mod is not None:
        perf = staging_mod.solve(perf, targets)
    perf = _with_moods(perf, targets, default_moods)
    n_out = max(1, int(math.ceil(duration * fps_out - 1e-9)))
    out = Performance(
        fps=fps_out,
        blendshapes={
            r: np.clip(_resample_curve(perf.blendshapes[r], n_out, fps_out), 0.0, 1.0) for r in spec.ROLES
        },
        head={r: _resample_curve(perf.head[r], n_out, fps_out) for r in spec.ROLES},
        gaze={r: _resample_curve(perf.gaze[r], n_out, fps_out) for r in spec.ROLES},
        speaking={
            r: np.clip(_resample_curve(perf.speaking[r], n_out, fps_out), 0.0, 1.0) for r in spec.ROLES
        },
        notes=notes,
        lines=lines,
    )
    out.validate()
    if progress is not None:
        progress(1.0)
    return out
