"""One shot, headless: open a .blend, generate from its voice-over, bake, save.

The batch commands (addon/headless/batch_runner.py, addon/headless/commands.py) wrap this with job
files, atomic outputs and progress; the Generate operator shares the same
plan and bake (addon/generate_flow.py).
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bpy
import numpy as np

from ...batch import interrupts, text_inputs
from ...batch.checks import BUNDLED_FIX, WEIGHTS_FIX, MapSource, read_map_file, weights_problem
from ...batch.shot import Shot
from ...model import weights as weights_module
from ...model.errors import WeightsError
from ...model.performance import TakeLine
from ...model.spec import ROLES
from ...model.stems import analyse_stereo
from .. import audio as audio_io
from .. import generate_flow, rigs, stage
from ..generate_request import GenerationRequest, run_request


class ShotError(ValueError):
    """A shot that cannot be baked, with what to fix."""


# How a headless bake keys the curves: the panel's defaults (its Keys and Tolerance).
KEY_MODE = "SPARSE"
KEY_TOLERANCE = 0.005


@dataclass
class ShotResult:
    out: Path
    take: str
    seconds: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # the take's report (Performance.notes): a truncated voice-over, ...
    # The script's lines as placed in the take (empty without a script, or when none was found).
    lines: tuple[TakeLine, ...] = ()


def _blender_text(exc: RuntimeError) -> str:
    return " ".join(str(exc).split()).removeprefix("Error: ")


def blend_open_problem(path: Path, exc: RuntimeError) -> str:
    """What to tell the user when Blender cannot open their shot file."""
    detail = _blender_text(exc)
    if "not supported" in detail:
        what = "it is not a .blend file, or is damaged"
    else:
        what = "it is damaged or truncated"
    return (
        f"shot file '{path}' could not be opened: {what} (Blender: {detail}); "
        "re-save it from Blender or restore a backup"
    )


# Blender's save reports the system's reason in its message; these are the disk's, not Duet's.
_DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def blend_save_error(path: Path, exc: RuntimeError) -> Exception:
    """Blender's failure to save ``path`` as an error that says whose it is: an OSError
    with the errno when the disk is full (or read-only), which the batch names as such."""
    detail = _blender_text(exc)
    for code in _DISK_ERRNOS:
        if os.strerror(code) in detail:
            return OSError(code, os.strerror(code), str(path))
    return ShotError(f"the baked shot could not be saved as '{path}' (Blender: {detail})")


def _find_character(scene: bpy.types.Scene, name: str) -> bpy.types.Object:
    obj = scene.objects.get(name)
    if obj is not None:
        return obj
    named = [o for o in scene.objects if o.type == "ARMATURE" and o.get("duet_character") == name]
    if len(named) == 1:
        return named[0]
    known = sorted({o.name for o in scene.objects if o.type in {"ARMATURE", "MESH"}})[:12]
    raise ShotError(f"no character '{name}' in the scene (objects: {', '.join(known)})")


def _characters(scene: bpy.types.Scene, shot: Shot) -> tuple[bpy.types.Object, bpy.types.Object]:
    if shot.character_a and shot.character_b:
        return _find_character(scene, shot.character_a), _find_character(scene, shot.character_b)
    pairs = stage.find_pairs(scene)
    if not pairs:
        raise ShotError("the scene has no Duet pair: name the characters with --a and --b")
    return pairs[-1]["A"], pairs[-1]["B"]


def _voice(shot: Shot) -> tuple[audio_io.VoiceOver, bool]:
    if len(shot.audio) == 2:
        voice = audio_io.read_stem_pair(*shot.audio)
        audio_io.check_not_silent(voice)
        fix = "give each actor a mono file"
        return generate_flow.with_notes(
            voice, *(generate_flow.channel_note(p, 1, fix) for p in shot.audio)
        ), True
    if len(shot.audio) != 1:
        raise ShotError(f"a shot takes one voice-over or two stems, got {len(shot.audio)} files")
    voice = audio_io.read_audio(shot.audio[0])
    audio_io.check_not_silent(voice)
    stereo = voice.samples.ndim == 2
    stems = (
        shot.stems
        if shot.stems is not None
        else stereo and analyse_stereo(voice.samples, voice.sample_rate).likely_stems
    )
    if stems and not stereo:
        raise ShotError(
            f"'{shot.audio[0].name}' is mono, so it cannot hold one actor per channel: drop stems"
        )
    if not stems and stereo:
        voice = audio_io.VoiceOver(
            voice.samples.mean(axis=1).astype(np.float32), voice.sample_rate, voice.path, voice.notes
        )
    fix = "give two stem files (audio = [A, B]) or a 2-channel one with stems = true"
    voice = generate_flow.with_notes(voice, generate_flow.channel_note(shot.audio[0], 2 if stems else 1, fix))
    return voice, bool(stems)


def _script_text(path: Path | None, names: dict[str, str]) -> str | None:
    """The shot's script as the text generate() takes, read and checked as the job check
    did (batch.text_inputs), now with the characters' names from the .blend."""
    if path is None:
        return None
    text, problems = text_inputs.read_script(path, names)
    if problems:
        shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else "")
        raise ShotError(f"script {shown}")
    return text


def _read_map(path: Path, role: str) -> MapSource:
    try:
        return read_map_file(path)
    except ValueError as exc:  # the job check found it fine: it changed since
        raise ShotError(f"character {role}: {exc}") from None


@contextlib.contextmanager
def _duet_settings(scene: bpy.types.Scene) -> Iterator[bpy.types.PropertyGroup]:
    """``scene.duet``, the .blend's Duet panel settings. Outside the extension (``python -m
    duet`` with the bpy module) Duet's property group is not registered and Blender hides
    those settings: register it for the read, then leave things as they were."""
    if hasattr(scene, "duet"):
        yield scene.duet
        return
    from .. import properties

    added = [cls for cls in properties.CLASSES if not getattr(cls, "is_registered", False)]
    for cls in added:
        bpy.utils.register_class(cls)
    properties.register()
    try:
        yield scene.duet
    finally:
        properties.unregister()
        for cls in reversed(added):
            bpy.utils.unregister_class(cls)


def _panel_maps(
    scene: bpy.types.Scene, characters: dict[str, bpy.types.Object]
) -> dict[str, MapSource | None]:
    """The retarget maps picked in the .blend's Duet panel, given to the characters they
    were picked for: a map follows its character (a shot that swaps A and B swaps the maps,
    one whose characters are not the panel's uses none), as Generate would use it."""
    with _duet_settings(scene) as settings:
        picked = generate_flow.map_sources(scene)
        owners = {role: getattr(settings, generate_flow.CHARACTER_PROPS[role]) for role in ROLES}
    by_character = {
        rigs.rig_root(owners[role]).as_pointer(): source
        for role, source in picked.items()
        if source is not None and owners[role] is not None
    }
    return {role: by_character.get(rigs.rig_root(obj).as_pointer()) for role, obj in characters.items()}


def bake_shot(shot: Shot, *, progress: Callable[[str, float], None] | None = None) -> ShotResult:
    """Bake one shot into shot.out (a new file; shot.blend is only read)."""
    report = progress or (lambda _stage, _fraction: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if not shot.blend.is_file():
        raise ShotError(f"shot file '{shot.blend}' does not exist")
    if shot.out.resolve() == shot.blend.resolve():
        raise ShotError(f"output '{shot.out}' is the input .blend: choose another output path")
    if shot.weights is not None and not shot.weights.is_file():
        raise ShotError(f"model weights '{shot.weights}' not found; {WEIGHTS_FIX}")
    if shot.weights is None and not weights_module.DEFAULT_WEIGHTS.is_file():
        raise ShotError(f"the bundled model {weights_module.DEFAULT_WEIGHTS} is missing: {BUNDLED_FIX}")
    # Checked once per file (the job check did a pinned one already): every shot of a batch
    # with a damaged model then fails with the same clear message before opening its .blend.
    if shot.weights is None:
        problem = weights_problem(weights_module.DEFAULT_WEIGHTS, fix=BUNDLED_FIX)
    else:
        problem = weights_problem(shot.weights)
    if problem:
        raise ShotError(problem)
    job_maps = {
        role: _read_map(path, role)
        for role, path in zip(ROLES, (shot.retarget_a, shot.retarget_b), strict=True)
        if path is not None
    }
    report("load", 0.0)
    # Blender runs Python handlers while it opens and saves, and drops a Ctrl-C raised in them.
    with interrupts.deferred("opening the .blend"):
        try:
            bpy.ops.wm.open_mainfile(filepath=str(shot.blend), load_ui=False)
        except RuntimeError as exc:  # the animator's file, not a fault of Duet's
            raise ShotError(blend_open_problem(shot.blend, exc)) from None
    scene = bpy.context.scene
    if shot.fps is not None:
        scene.render.fps, scene.render.fps_base = int(round(shot.fps)), round(shot.fps) / shot.fps
    try:
        a, b = _characters(scene, shot)
        maps = {**_panel_maps(scene, {"A": a, "B": b}), **job_maps}  # a job's map overrides the panel's
        characters = rigs.pair_from_objects(a, b, maps)
        voice, stems = _voice(shot)
    except (rigs.RigError, audio_io.AudioFileError) as exc:
        raise ShotError(str(exc)) from exc
    staging_text = None
    if shot.staging is not None:
        try:
            staging_text = shot.staging.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ShotError(f"staging file '{shot.staging}' could not be read ({exc})") from exc
    names = {role: rig.display_name for role, rig in characters.items()}
    try:
        fps = scene.render.fps / scene.render.fps_base
        generate_flow.check_staging(staging_text, names, str(shot.staging), fps, scene.frame_start)
    except generate_flow.UserError as exc:
        raise ShotError(str(exc)) from exc
    script_text = _script_text(shot.script, names)
    seconds["load"] = time.perf_counter() - started

    report("generate", 0.0)
    t0 = time.perf_counter()
    request = GenerationRequest(
        audio=voice.samples,
        sample_rate=voice.sample_rate,
        stems=stems,
        staging=staging_text,
        fps=scene.render.fps / scene.render.fps_base,
        seed=shot.seed,
        swap_roles=shot.swap_roles,
        a_speaks=shot.a_speaks,  # generate() refuses a span with no voice: a ShotError below
        one_voice=shot.one_voice,
        recognise_words=shot.recognise_words,
        read_lips=shot.read_lips,
        hear_overlaps=shot.hear_overlaps,
        names=names,
        first_frame=scene.frame_start,
        weights=shot.weights,
        script=script_text,
        notes=voice.notes,
    )
    try:
        performance = run_request(request)
    except WeightsError as exc:  # damaged or from another version of the network
        raise ShotError(f"{str(getattr(exc, 'problem', exc)).rstrip('.')}; {WEIGHTS_FIX}") from exc
    except ValueError as exc:
        raise ShotError(str(exc)) from exc
    seconds["generate"] = time.perf_counter() - t0

    report("bake", 0.0)
    t0 = time.perf_counter()
    plan = generate_flow.Plan(
        request=request,
        characters=characters,
        audio_paths=list(shot.audio),
        frame_start=scene.frame_start,
        bake_range=None,
        key_mode=KEY_MODE,
        key_tolerance=KEY_TOLERANCE,
        head_strength=1.0,
        eye_strength=1.0,
        take_label=shot.take,
    )
    try:
        summary = generate_flow.bake(scene, plan, performance)
    except (generate_flow.UserError, ValueError) as exc:
        raise ShotError(str(exc)) from exc
    end = scene.frame_start + performance.n_frames - 1
    scene.frame_end = max(scene.frame_end, end)
    seconds["bake"] = time.perf_counter() - t0

    report("save", 0.0)
    t0 = time.perf_counter()
    shot.out.parent.mkdir(parents=True, exist_ok=True)
    with interrupts.deferred("saving the .blend"):
        try:
            bpy.ops.wm.save_as_mainfile(filepath=str(shot.out), copy=True)
        except RuntimeError as exc:
            raise blend_save_error(shot.out, exc) from None
    seconds["save"] = time.perf_counter() - t0
    report("save", 1.0)
    return ShotResult(
        out=shot.out,
        take=summary.take,
        seconds=seconds,
        notes=tuple(performance.notes),
        lines=tuple(performance.lines or ()),
    )
