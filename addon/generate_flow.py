"""The Generate workflow: gather settings into a plan, generate, bake.

Operators and batch commands call these functions; they hold the checks and
messages a user sees, so every entry point says the same thing.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import aud
import bpy
import numpy as np

from ..batch.checks import MapSource, read_map_file, weights_problem
from ..model.performance import Performance
from . import audio as audio_io
from . import dialogue_script, rigs, scene_marks
from .generate_request import GenerationJob, GenerationRequest, role_options_problem, run_request
from .properties import moods_of, one_voice_of


class UserError(ValueError):
    """A problem the user can fix; the message says what and how."""


@dataclass
class Plan:
    request: GenerationRequest
    characters: dict[str, rigs.CharacterRig]
    audio_paths: list[Path]
    frame_start: int  # scene frame at which the voice-over starts
    bake_range: tuple[int, int] | None
    key_mode: str
    key_tolerance: float
    head_strength: float
    eye_strength: float
    take_label: str | None = None


@dataclass
class BakeSummary:
    take: str
    frames: tuple[int, int]
    keys: int
    seconds: float
    notes: tuple[str, ...] = ()  # what the animator should know about the take (Performance.notes)

    @property
    def summary(self) -> str:
        return f"{self.take}: frames {self.frames[0]}-{self.frames[1]}, {self.keys} keys"


def set_status(scene: bpy.types.Scene, text: str, progress: float) -> None:
    settings = getattr(scene, "duet", None)
    if settings is not None:
        settings.status = text
        settings.progress = progress


def describe_error(exc: BaseException) -> str:
    """A one-line message for an error raised while generating."""
    from ..model.errors import WeightsError

    if isinstance(exc, ValueError | WeightsError):  # the message names the problem and the fix
        return str(exc)
    return f"generation failed: {type(exc).__name__}: {exc} (please report this with the voice-over)"


def _resolve(path: str) -> Path:
    return Path(bpy.path.abspath(path)) if path else Path()


def stored_channels(path: Path) -> int:
    """Channels the file holds as stored (0: unknown). read_audio mixes more than two down
    without a word; the take's report says so (channel_note)."""
    try:
        return int(aud.Sound(str(path)).specs[1])
    except Exception:  # aud's own untyped error: reading the file reports it
        return 0


def channel_note(path: Path, used: int, fix: str = "use Stereo Stems or Two Stems") -> str | None:
    """The take's report line when a file of more than two channels (5.1, a multitrack
    export) was mixed down to ``used`` channels, or None."""
    stored = stored_channels(path)
    if stored <= max(used, 2):
        return None
    if used == 1:
        return f"{path.name} has {stored} channels; mixed down to mono — {fix} for one voice per channel"
    return (
        f"{path.name} has {stored} channels; mixed down to two for stems, which blends them — "
        "export the two actors as a 2-channel file, or one file each"
    )


def with_notes(voice: audio_io.VoiceOver, *notes: str | None) -> audio_io.VoiceOver:
    return dataclasses.replace(voice, notes=(*voice.notes, *(n for n in notes if n)))


def load_voice_over(mode: str, path_a: str, path_b: str) -> tuple[audio_io.VoiceOver, bool, list[Path]]:
    """Read the voice-over for a mode: (audio, stems?, files); a file of more than two
    channels mixed down is named in the voice-over's notes (the take's report)."""
    if not path_a:
        raise UserError("no voice-over chosen: pick an audio file in the Duet panel")
    try:
        if mode == "STEM_FILES":
            if not path_b:
                raise UserError("two-stems mode needs B's file too: pick Audio B, or switch to Mixed")
            voice = audio_io.read_stem_pair(_resolve(path_a), _resolve(path_b))
            stems, paths = True, [_resolve(path_a), _resolve(path_b)]
            voice = with_notes(voice, *(channel_note(p, 1, "give each actor a mono file") for p in paths))
        elif mode == "STEREO_STEMS":
            voice = audio_io.read_audio(_resolve(path_a))  # channels as stored
            if voice.samples.ndim != 2:
                raise UserError(
                    f"'{voice.path.name}' is mono, so it cannot hold one actor per channel: "
                    "switch the voice-over to Mixed"
                )
            stems, paths = True, [_resolve(path_a)]
            voice = with_notes(voice, channel_note(paths[0], 2))
        else:
            voice = audio_io.read_audio(_resolve(path_a), channels=1)
            stems, paths = False, [_resolve(path_a)]
            voice = with_notes(voice, channel_note(paths[0], 1))
        audio_io.check_not_silent(voice)
    except audio_io.AudioFileError as exc:
        raise UserError(str(exc)) from exc
    return voice, stems, paths


_stems_cache: dict[tuple, str | None] = {}


def stems_hint(path: str) -> str | None:
    """Why a voice-over file looks like stereo stems (one actor per channel), or None.
    The panel offers Stereo Stems mode with it; cached per file version."""
    target = _resolve(path)
    try:
        stat = target.stat()
    except OSError:
        return None
    key = (str(target), stat.st_mtime_ns, stat.st_size)
    if key not in _stems_cache:
        from ..model.stems import analyse_stereo

        try:
            voice = audio_io.read_audio(target)
        except audio_io.AudioFileError:
            hint = None  # Generate reports what is wrong with the file
        else:
            report = analyse_stereo(voice.samples, voice.sample_rate) if voice.samples.ndim == 2 else None
            hint = report.reason if report is not None and report.likely_stems else None
        if len(_stems_cache) > 32:
            _stems_cache.clear()
        _stems_cache[key] = hint
    return _stems_cache[key]


def parse_staging(request: GenerationRequest):  # returns a StagingScript (imported lazily)
    """The request's staging text parsed the way generate() parses it."""
    from ..model import staging

    return staging.parse(
        request.staging, names=request.names, fps=request.fps, first_frame=request.first_frame
    )


def check_staging(text: str | None, names: dict[str, str], source: str, fps: float, first_frame: int) -> None:
    if not text or not text.strip():
        return
    from ..model import staging

    problems = staging.validate(text, names=names, fps=fps, first_frame=first_frame)
    if problems:
        lines = "; ".join(f"line {p.line}, col {p.column}: {p.message}" for p in problems[:3])
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        raise UserError(f"staging '{source}' has errors: {lines}{more}")


def plan_from_scene(scene: bpy.types.Scene) -> Plan:
    """Everything needed to generate, checked, from the scene's Duet settings."""
    s = scene.duet
    one_voice = one_voice_of(s)
    problem = role_options_problem(bool(s.swap_roles), bool(s.use_a_speaks), one_voice)
    if problem:  # each decides who the voices are: refused before anything is read
        raise UserError(problem)
    characters = rigs.pair_from_objects(s.character_a, s.character_b, map_sources(scene))
    voice, stems, paths = load_voice_over(s.audio_mode, s.audio_path, s.audio_path_b)
    staging_text = s.staging_text.as_string() if s.staging_text else None
    names = {role: rig.display_name for role, rig in characters.items()}
    fps = scene.render.fps / scene.render.fps_base
    check_staging(staging_text, names, s.staging_text.name if s.staging_text else "", fps, scene.frame_start)
    script_text = s.script_text.as_string() if s.script_text else None
    dialogue_script.check_script(script_text, names, s.script_text.name if s.script_text else "")
    weights = None
    if s.weights_path.strip():  # a model pinned for this production
        weights = _resolve(s.weights_path)
        if not weights.is_file():
            raise UserError(f"model weights '{weights}' not found: pick the .npz again, or clear Model")
        problem = weights_problem(weights)
        if problem:
            raise UserError(problem)
    # Known before the model runs: the take has as many frames as the audio lasts.
    n_frames = max(1, math.ceil(voice.seconds * fps - 1e-9))
    bake_range = None
    if s.use_frame_range:
        if s.frame_end <= s.frame_start:
            raise UserError(f"frame range {s.frame_start}-{s.frame_end} is empty: set End after Start")
        bake_range = (s.frame_start, s.frame_end)
        problem = frame_range_problem(bake_range, scene.frame_start, n_frames, fps)
        if problem:
            raise UserError(problem)
    a_speaks = None
    if s.use_a_speaks:
        a_speaks = a_speaks_seconds((s.a_speaks_start, s.a_speaks_end), scene.frame_start, n_frames, fps)
    request = GenerationRequest(
        audio=voice.samples,
        sample_rate=voice.sample_rate,
        stems=stems,
        staging=staging_text,
        fps=float(fps),
        seed=int(s.seed),
        swap_roles=bool(s.swap_roles),
        names=names,
        first_frame=scene.frame_start,
        weights=weights,
        script=script_text,
        notes=voice.notes,
        moods=moods_of(s) or None,
        a_speaks=a_speaks,
        one_voice=one_voice,
        recognise_words=bool(s.recognise_words),
        read_lips=bool(s.read_lips),
        hear_overlaps=bool(s.hear_overlaps),
    )
    return Plan(
        request=request,
        characters=characters,
        audio_paths=paths,
        frame_start=scene.frame_start,
        bake_range=bake_range,
        key_mode=s.key_mode,
        key_tolerance=float(s.key_tolerance),
        head_strength=float(s.head_strength),
        eye_strength=float(s.eye_strength),
    )


def generate_and_bake(scene: bpy.types.Scene, plan: Plan) -> BakeSummary:
    try:
        performance = run_request(plan.request)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    return bake(scene, plan, performance)


class BackgroundGenerate:
    """A generation started from the panel (the modal Generate operator).

    The plan is checked and the model started on a worker thread at once; the
    scene is only written by ``poll()`` on the main thread, in one go, once the
    model is done. ``cancel()`` drops the work: nothing was or will be written.
    """

    def __init__(self, scene: bpy.types.Scene) -> None:
        self.plan = plan_from_scene(scene)
        self.job = GenerationJob(self.plan.request).start()
        self.cancelled = False
        set_status(scene, "Generating…", 0.0)

    @property
    def progress(self) -> float:
        return self.job.progress

    def poll(self, scene: bpy.types.Scene) -> BakeSummary | None:
        """None while the model runs; then bake and return the take (or raise the error)."""
        if self.cancelled:
            return None
        if not self.job.done:
            elapsed = time.perf_counter() - self.job.started
            set_status(scene, f"Generating… {elapsed:.0f} s (Esc cancels)", self.job.progress)
            return None
        set_status(scene, "", 0.0)
        if self.job.error is not None:
            raise self.job.error
        return bake(scene, self.plan, self.job.result)

    def cancel(self, scene: bpy.types.Scene) -> None:
        self.cancelled = True
        self.job.cancel()
        set_status(scene, "", 0.0)


def _fps_text(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def frame_range_problem(
    bake_range: tuple[int, int], frame_start: int, n_frames: int, fps: float
) -> str | None:
    """Why a bake range holds no frame of the take, saying which frames the audio covers."""
    first, last = frame_start, frame_start + n_frames - 1
    start, end = bake_range
    if start <= last and end >= first:
        return None
    where = "past" if start > last else "before"
    return (
        f"frames {start}-{end} are {where} the audio, which covers frames {first}-{last} at "
        f"{_fps_text(fps)} fps: set the frame range within them, or turn the frame range off"
    )


def a_speaks_seconds(
    frames: tuple[int, int], frame_start: int, n_frames: int, fps: float
) -> tuple[float, float]:
    """A Speaks At's scene frames (both included) as seconds of the audio, which starts at
    frame_start; an empty span or one wholly outside the audio is a UserError in frames."""
    start, end = frames
    if end <= start:
        raise UserError(f"A Speaks At frames {start}-{end} are empty: set End after Start")
    first, last = frame_start, frame_start + n_frames - 1
    if start > last or end < first:
        where = "past" if start > last else "before"
        raise UserError(
            f"A Speaks At frames {start}-{end} are {where} the audio, which covers frames {first}-{last} at "
            f"{_fps_text(fps)} fps: set them to a stretch where A is heard, or turn A Speaks At off"
        )
    # A frame lasts 1/fps: the span runs to the end of its last frame.
    return (start - frame_start) / fps, (end + 1 - frame_start) / fps


def frame_range_note(bake_range: tuple[int, int], frame_start: int, n_frames: int, fps: float) -> str | None:
    """The take's report line when part of a bake range lies outside the audio."""
    first, last = frame_start, frame_start + n_frames - 1
    start, end = bake_range
    outside = [f"{a}-{b}" for a, b in ((start, min(end, first - 1)), (max(start, last + 1), end)) if a <= b]
    if not outside:
        return None
    return (
        f"frames {' and '.join(outside)} of the frame range are outside the audio, which covers frames "
        f"{first}-{last} at {_fps_text(fps)} fps: nothing was baked there"
    )


def bake(scene: bpy.types.Scene, plan: Plan, performance: Performance) -> BakeSummary:
    from . import bake as baking

    if not np.isfinite(performance.fps) or performance.n_frames == 0:
        raise UserError("the generated take is empty: is the voice-over long enough?")
    range_note = None
    if plan.bake_range is not None:
        problem = frame_range_problem(
            plan.bake_range, plan.frame_start, performance.n_frames, performance.fps
        )
        if problem:
            raise UserError(problem)
        range_note = frame_range_note(
            plan.bake_range, plan.frame_start, performance.n_frames, performance.fps
        )
    summary = baking.bake_take(scene, plan, performance)
    names = {role: rig.display_name for role, rig in plan.characters.items()}
    scene_marks.add_turn_markers(
        scene, summary.take, performance.speaking, names, performance.fps, plan.frame_start
    )
    if plan.request.staging and plan.request.staging.strip():
        events = parse_staging(plan.request).events()
        scene_marks.add_staging_markers(scene, summary.take, events, performance.fps, plan.frame_start)
    scene_marks.add_mood_markers(scene, summary.take, plan.request, performance.fps, plan.frame_start)
    lines = performance.lines  # script-assisted takes: a marker per placed line, kept on the take
    if lines:
        scene_marks.add_line_markers(scene, summary.take, lines, performance.fps, plan.frame_start)
        dialogue_script.store_take_lines(plan.characters, summary.take, lines, performance.notes)
    for path in plan.audio_paths:
        scene_marks.ensure_sound_strip(scene, path, plan.frame_start)
    summary.notes = (*performance.notes, *([range_note] if range_note else []))
    return summary


STAGING_TEMPLATE = """\
# Duet staging: one direction per line, '#' starts a comment.
# Characters by role (A, B) or by name. Times: 2.5s, 0:04, f120.
# Examples:
#   A faces left
#   B looks at A from 0:02 to 0:06
#   both look at each other from 8s
"""


def load_example(scene: bpy.types.Scene) -> bpy.types.Text:
    """Set the bundled example dialogue (Mara = A, Theo = B) and its staging as the
    voice-over and staging text; returns the staging text block."""
    from ..model.weights import ASSETS

    audio = ASSETS / "example_dialogue.flac"
    staging = ASSETS / "example_dialogue_staging.txt"
    if not audio.is_file() or not staging.is_file():
        raise UserError(f"the example dialogue is missing from {ASSETS}: reinstall Duet")
    name = "Duet Staging: example"
    text = bpy.data.texts.get(name) or bpy.data.texts.new(name)
    text.from_string(staging.read_text(encoding="utf-8"))
    settings = scene.duet
    settings.audio_mode = "MIXED"
    settings.audio_path = str(audio)
    settings.staging_text = text
    return text


def new_staging_text(scene: bpy.types.Scene) -> bpy.types.Text:
    text = bpy.data.texts.new("Duet Staging")
    text.from_string(STAGING_TEMPLATE)
    scene.duet.staging_text = text
    return text


def assign_scene_pair(scene: bpy.types.Scene) -> None:
    from . import stage

    pairs = stage.find_pairs(scene)
    if not pairs:
        raise UserError("this scene has no Duet pair: add one (Add > Duet Dialogue Pair) or pick A and B")
    scene.duet.character_a = pairs[-1]["A"]
    scene.duet.character_b = pairs[-1]["B"]


_staging_cache: dict[int, list[str]] = {}


def staging_messages(
    text: bpy.types.Text | None, names: dict[str, str] | None, fps: float, first_frame: int
) -> list[str]:
    """Validation messages for the panel, cached on the text's content."""
    if text is None:
        return []
    body = text.as_string()
    key = hash((body, tuple(sorted((names or {}).items())), fps, first_frame))
    if key not in _staging_cache:
        from ..model import staging

        try:
            problems = staging.validate(body, names=names, fps=fps, first_frame=first_frame)
        except Exception as exc:  # the panel must draw whatever the parser does
            problems = []
            _staging_cache[key] = [f"staging could not be checked: {exc}"]
            return _staging_cache[key]
        if len(_staging_cache) > 64:
            _staging_cache.clear()
        _staging_cache[key] = [f"line {p.line}, col {p.column}: {p.message}" for p in problems]
    return _staging_cache[key]


_warning_cache: dict[int, list[str]] = {}


def staging_warnings(
    text: bpy.types.Text | None,
    names: dict[str, str] | None,
    fps: float,
    first_frame: int,
    duration_s: float | None,
) -> list[str]:
    """What the panel should warn about in valid staging: directions that start after the
    voice-over ends (duration_s; None when unknown). Cached on the text and the length."""
    if text is None or duration_s is None:
        return []
    body = text.as_string()
    key = hash((body, tuple(sorted((names or {}).items())), fps, first_frame, duration_s))
    if key not in _warning_cache:
        from ..model import staging

        try:
            script = staging.parse(body, names=names, fps=fps, first_frame=first_frame)
            warnings = [str(issue) for issue in script.issues_beyond(duration_s)]
        except Exception:  # errors are staging_messages' to show; the panel must draw
            warnings = []
        if len(_warning_cache) > 64:
            _warning_cache.clear()
        _warning_cache[key] = warnings
    return _warning_cache[key]


_seconds_cache: dict[tuple, float | None] = {}


def voice_over_seconds(mode: str, path_a: str, path_b: str) -> float | None:
    """Length of the chosen voice-over in seconds (the longer stem in two-file mode), read
    from the file headers and cached per file version; None when a file cannot be read
    (Generate says why)."""
    paths = [_resolve(path_a)] + ([_resolve(path_b)] if mode == "STEM_FILES" else [])
    try:
        key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if str(p) != ".")
    except OSError:
        return None
    if not key or len(key) != len(paths):
        return None
    if key not in _seconds_cache:
        import aud

        try:
            lengths = []
            for p in paths:
                sound = aud.Sound(str(p))
                lengths.append(sound.length / float(sound.specs[0]))
            seconds = max(lengths) if all(n > 0 for n in lengths) else None
        except Exception:  # aud raises its own untyped error for unreadable files
            seconds = None
        if len(_seconds_cache) > 32:
            _seconds_cache.clear()
        _seconds_cache[key] = seconds
    return _seconds_cache[key]


_rig_cache: dict[tuple, list[str]] = {}


def rig_summary(obj: bpy.types.Object | None, role: str, map_text: bpy.types.Text | None = None) -> list[str]:
    """What the panel shows about a picked character (cached per object and map state)."""
    if obj is None:
        return []
    keys = obj.data.shape_keys if obj.type == "MESH" else None
    source = _map_source(map_text)
    key = (obj.as_pointer(), obj.name, len(keys.key_blocks) if keys else 0, source)
    if key not in _rig_cache:
        try:
            rig = rigs.rig_from_object(obj, role, source)
            lines = rig.report.summary()
            if source is not None:
                driven = len(rig.retarget_map.targets)
                lines = [f"Retarget map: '{source.name}' ({driven} keys driven)", *lines]
            _rig_cache[key] = lines
        except rigs.RigError as exc:
            _rig_cache[key] = str(exc).splitlines()
        if len(_rig_cache) > 64:
            _rig_cache.clear()
    return _rig_cache.get(key, [])


# ----------------------------------------------------------------------------- retarget maps

RETARGET_PROPS = {"A": "retarget_a", "B": "retarget_b"}
CHARACTER_PROPS = {"A": "character_a", "B": "character_b"}


def _map_source(text: bpy.types.Text | None) -> MapSource | None:
    return MapSource(text.name, text.as_string()) if text is not None else None


def map_sources(scene: bpy.types.Scene) -> dict[str, MapSource | None]:
    """The retarget maps chosen in the panel, per role (None: detect from the key names)."""
    return {role: _map_source(getattr(scene.duet, prop)) for role, prop in RETARGET_PROPS.items()}


def new_retarget_map(scene: bpy.types.Scene, role: str) -> bpy.types.Text:
    """A text block with the map detected for the character, ready to edit, used from now on."""
    obj = getattr(scene.duet, CHARACTER_PROPS[role])
    rig = rigs.rig_from_object(obj, role)  # raises RigError (a UserError-like ValueError)
    data = rig.retarget_map.to_dict()
    data["name"] = f"{rig.display_name} ({data['name']})"
    text = bpy.data.texts.new(f"Duet retarget {role} {rig.display_name}.json")
    text.from_string(json.dumps(data, indent=2) + "\n")
    setattr(scene.duet, RETARGET_PROPS[role], text)
    return text


def save_retarget_map(scene: bpy.types.Scene, role: str, path: str) -> Path:
    """Check the role's map and write it to a .json file for reuse on other rigs and files."""
    from ..model import retarget

    text = getattr(scene.duet, RETARGET_PROPS[role])
    if text is None:
        raise UserError(f"character {role} has no retarget map to save: make one with + first")
    body = text.as_string()
    try:
        retarget.RetargetMap.from_json(body, source=f"retarget map '{text.name}'")
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    target = _resolve(path)
    if target.suffix.lower() != ".json":
        target = target.with_name(target.name + ".json")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body if body.endswith("\n") else body + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"could not save the retarget map to '{target}': {exc}") from exc
    return target


def load_retarget_map(scene: bpy.types.Scene, role: str, path: str) -> bpy.types.Text:
    """Read a saved map (checked) into a text block and use it for the role."""
    try:
        source = read_map_file(_resolve(path))
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    text = bpy.data.texts.new(source.name)
    text.from_string(source.text)
    setattr(scene.duet, RETARGET_PROPS[role], text)
    return text
