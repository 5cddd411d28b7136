"""A shot merged over the job's defaults, its paths resolved and its input files checked.

batch.jobfile runs one resolver per shot (and one for ``duet bake``'s options); the
outputs of every shot are then checked against every input there.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .audio_length import declared_seconds
from .paths import FolderCache, folder_problem, resolve_path
from .schema import RENDER_KEYS, Problem, ShotFields, parse_frames, parse_resolution
from .shot import RenderJob, Shot

# Mirrors duet.addon.audio.SUPPORTED_SUFFIXES (what Blender's aud decodes); a
# Blender test keeps the two equal.
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


# Why a weights file cannot run (naming the file and the fix), or None. The job checks
# stay free of numpy: the caller that can load a model passes this in (batch.checks has the
# checks duet bake / duet batch pass: weights_problem, map_file_problem, staging_problems).
WeightsCheck = Callable[[Path], str | None]
# Why a retarget map .json is not a map Duet can read (naming the file and the fix), or
# None. Same reason: the map's schema lives in duet.model.retarget, which needs numpy.
RetargetCheck = Callable[[Path], str | None]
# What the bake would reject in a staging file, given the shot's character names ({"A": ...,
# "B": ...}, None when the job leaves them to the .blend's Duet pair): one sentence per
# problem, naming the file, line and column. Same reason: the parser is duet.model.staging.
StagingCheck = Callable[[Path, dict[str, str] | None], list[str]]
# The same for a script file (key ``script``): its importer and parser (duet.model.script)
# are pure, but importing duet.model pulls in numpy. batch.text_inputs.script_problems.
ScriptCheck = Callable[[Path, dict[str, str] | None], list[str]]
RETARGET_KEYS = ("retarget_a", "retarget_b")


def _expand(value: str, shot: str, where: str, problems: list[Problem]) -> str | None:
    unknown = [m for m in _PLACEHOLDER.findall(value) if m != "shot"]
    if unknown:
        problems.append(
            Problem(where, f"unknown placeholder '{{{unknown[0]}}}' in '{value}': only {{shot}} exists", shot)
        )
        return None
    return value.replace("{shot}", shot)


def _kind(path: Path) -> str | None:
    """ "folder", "file" (anything else that exists) or None (nothing there, or unreadable)."""
    try:
        return "folder" if stat.S_ISDIR(os.stat(path).st_mode) else "file"
    except (OSError, ValueError):
        return None


def _span_problem(span: tuple[float, float], audio: Path) -> str | None:
    """Why the (start, end) seconds in which A speaks leave ``audio``, or None (also when its
    header does not say how long it is: generate() checks the span on the decoded audio)."""
    seconds = declared_seconds(audio)
    if seconds is None:
        return None
    start, end = span
    # Half a hundredth of slack: the length is shown to two decimals.
    if end <= seconds + 0.005:
        return None
    where = "starts after the audio ends" if start >= seconds else "ends after the audio does"
    return (
        f"the span {start:g}-{end:g} s {where}: '{audio.name}' lasts {seconds:.2f} s; "
        f"give seconds from its start, from 0 to {seconds:.2f}"
    )


class ShotResolver:
    """Merge a shot over the defaults, resolve its paths and check its inputs."""

    def __init__(
        self,
        name: str,
        own: ShotFields,
        defaults: ShotFields,
        bad_keys: set[str],
        base_dir: Path,
        where: Callable[[str], str],
        missing: Callable[[str], str] = lambda key: f"missing: set {key} for this shot or in [defaults]",
        label: Callable[[str], str] = lambda key: key,
        weights_check: WeightsCheck | None = None,
        retarget_check: RetargetCheck | None = None,
        staging_check: StagingCheck | None = None,
        script_check: ScriptCheck | None = None,
        cache: FolderCache | None = None,
        inspect: bool = True,
        folders: dict[Path, str | None] | None = None,
    ) -> None:
        self.name, self.own, self.defaults = name, own, defaults
        self.bad_keys, self.base_dir, self.where, self.missing = bad_keys, base_dir, where, missing
        self.label, self.weights_check, self.retarget_check = label, weights_check, retarget_check
        self.staging_check, self.script_check = staging_check, script_check
        self.cache = cache or FolderCache()
        self.folders = {} if folders is None else folders  # output folder -> why not writable
        # False: only resolve the paths (the outputs are checked against every shot's inputs);
        # look at no file. A farm task checks its own shot so, and the others only for that.
        self.inspect = inspect
        self.found: set[Path] = set()  # input files that exist, with a suffix they may have
        self.problems: list[Problem] = []
        self.out: Path | None = None
        self.render: RenderJob | None = None
        self.subtitles: Path | None = None

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.where(key), message, self.name))

    def value(self, key: str) -> tuple[Any, bool]:
        """(value, came from the defaults)."""
        mine = getattr(self.own, key)
        if mine is not None:
            return mine, False
        return getattr(self.defaults, key), True

    def _origin(self, from_defaults: bool) -> str:
        return " (set in [defaults])" if from_defaults else ""

    def path(self, key: str, text: str, from_defaults: bool) -> Path | None:
        expanded = _expand(text, self.name, self.where(key), self.problems)
        if expanded is None:
            return None
        try:
            if "\0" in expanded:  # os.path lets some calls through with it, the system none
                raise ValueError("embedded null byte")
            return resolve_path(expanded, self.base_dir, self.cache)
        except (OSError, ValueError) as exc:  # a NUL in the text, a name too long for the system
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.problem(key, f"'{text}' cannot be a path ({reason}){self._origin(from_defaults)}")
            return None

    def folder_problem(self, folder: Path) -> str | None:
        """paths.folder_problem, once per folder of the job (its shots share a few)."""
        if folder not in self.folders:
            self.folders[folder] = folder_problem(folder)
        return self.folders[folder]

    def required(self, key: str) -> tuple[Any, bool]:
        value, from_defaults = self.value(key)
        if value is None and key not in self.bad_keys:
            self.problem(key, self.missing(key))
        return value, from_defaults

    def input_file(
        self, key: str, text: str, from_defaults: bool, suffixes: tuple[str, ...] = (), fix: str = ""
    ) -> Path | None:
        path = self.path(key, text, from_defaults)
        if path is None or not self.inspect:
            return path
        origin = self._origin(from_defaults)
        fix = f"; {fix}" if fix else ""
        try:
            mode = os.stat(path).st_mode  # one look at the file: a job may name thousands
        except (FileNotFoundError, NotADirectoryError):
            mode = None
        except OSError as exc:
            self.problem(key, f"'{text}' cannot be read{origin}: {exc.strerror or exc} ({path}){fix}")
            return path
        if mode is not None and stat.S_ISDIR(mode):
            self.problem(key, f"'{text}' is a folder, not a file{origin} ({path}){fix}")
        elif mode is None or not stat.S_ISREG(mode):
            self.problem(key, f"file not found: '{text}'{origin} (looked for {path}){fix}")
        elif suffixes and path.suffix.lower() not in suffixes:
            self.problem(key, f"'{path.name}' is not a {' / '.join(suffixes)} file{origin}{fix}")
        else:
            self.found.add(path)
        return path

    def inspected_file(
        self, key: str, suffix: str, fix: str, check: Callable[[Path], str | None] | None
    ) -> Path | None:
        """An optional input file that ``check`` looks inside once it exists with its suffix
        (weights, retarget maps): the check's message is reported at the key."""
        text, from_defaults = self.value(key)
        if text is None:
            return None
        path = self.input_file(key, text, from_defaults, (suffix,), fix)
        if path in self.found and check:
            message = check(path)
            if message:
                self.problem(key, ("set in [defaults]: " if from_defaults else "") + message)
        return path

    def weights_file(self) -> Path | None:
        fix = f"give a Duet model .npz, or remove {self.label('weights')} to use the bundled model"
        return self.inspected_file("weights", ".npz", fix, self.weights_check)

    def retarget_file(self, key: str) -> Path | None:
        fix = (
            "give a retarget map saved from the Duet panel (.json), or remove "
            f"{self.label(key)} to use the map picked in the .blend (or the one detected from the key names)"
        )
        return self.inspected_file(key, ".json", fix, self.retarget_check)

    def resolve(self) -> tuple[Shot | None, list[Path]]:
        """The shot (None when it has problems) and every input path found, for
        the cross-shot check that no output overwrites any input. The outputs
        are kept in ``self.out`` and ``self.render`` even when the shot has
        other problems, so that check covers them too."""
        inputs: list[Path] = []
        blend_text, blend_def = self.required("blend")
        blend = self.input_file("blend", blend_text, blend_def, (".blend",)) if blend_text else None
        audio_list, audio_def = self.required("audio")
        audio = [self.input_file("audio", t, audio_def, AUDIO_SUFFIXES) for t in audio_list or []]
        staging_text, staging_def = self.value("staging")
        staging = self.input_file("staging", staging_text, staging_def) if staging_text else None
        script_text, script_def = self.value("script")
        # script = "" switches off a script set in [defaults].
        script = (
            self.input_file("script", script_text, script_def)
            if script_text and script_text.strip()
            else None
        )
        weights = self.weights_file()
        retarget_a, retarget_b = (self.retarget_file(key) for key in RETARGET_KEYS)
        optional = (staging, script, weights, retarget_a, retarget_b)
        inputs += [p for p in (blend, *audio, *optional) if p is not None]

        a, _ = self.value("a")
        b, _ = self.value("b")
        if (a is None) != (b is None) and not {"a", "b"} & self.bad_keys:
            both = f"{self.label('a')} and {self.label('b')}"
            self.problem(
                "b" if b is None else "a",
                f"give both characters ({both}), or neither to use the file's Duet pair",
            )
        elif a is not None and a == b:
            self.problem("b", f"A and B are the same object '{a}': pick two different characters")
        # What the bake would refuse in the texts, found before any Blender opens the shot.
        names = {"A": a, "B": b} if a is not None and b is not None and a != b else None
        if staging in self.found and self.staging_check is not None:
            for message in self.staging_check(staging, names):
                self.problem("staging", message)
        if script in self.found and self.script_check is not None:
            for message in self.script_check(script, names):
                self.problem("script", message)

        stems, _ = self.value("stems")
        if stems is False and len(audio) == 2:
            self.problem("stems", "two audio files are stems (one per actor): remove stems = false")
        scripted = script is not None or "script" in self.bad_keys
        roles = self._roles(scripted, audio, stems)
        recognise_words = self._recognise_words(scripted)

        out_text, out_def = self.required("out")
        out = self.path("out", out_text, out_def) if out_text else None
        if out is not None:
            if out.suffix.lower() != ".blend":
                self.problem("out", f"output '{out.name}' must be a .blend file")
            elif self.inspect and _kind(out) == "folder":
                self.problem("out", f"output '{out}' is a folder: name the .blend file to write")
            elif self.inspect and (problem := self.folder_problem(out.parent)):
                self.problem("out", problem)

        render = self._render()
        self.out, self.render = out, render
        self.subtitles = self._subtitles(out, script_text)
        seed, _ = self.value("seed")
        take, _ = self.value("take")
        fps, _ = self.value("fps")
        if self.problems or blend is None or out is None or None in audio:
            return None, inputs
        shot = Shot(
            name=self.name,
            blend=blend,
            audio=tuple(a_path for a_path in audio if a_path is not None),
            staging=staging,
            character_a=a,
            character_b=b,
            out=out,
            take=take,
            seed=0 if seed is None else seed,
            stems=stems,
            fps=fps,
            weights=weights,
            render=render,
            retarget_a=retarget_a,
            retarget_b=retarget_b,
            script=script,
            subtitles=self.subtitles,
            roles=roles,
            recognise_words=recognise_words,
            read_lips=self.value("read_lips")[0] is not False,
            hear_overlaps=self.value("hear_overlaps")[0] is not False,
        )
        return shot, inputs

    def _recognise_words(self, scripted: bool) -> bool:
        """The shot's ``recognise_words``, refused beside a script, whose own words align the lips."""
        words, from_defaults = self.value("recognise_words")
        if not words:
            return False
        if scripted and "script" not in self.bad_keys:
            self._refused_beside_script(
                "recognise_words", "a script's own words align the lips", "false", from_defaults
            )
        return True

    def _refused_beside_script(self, key: str, why: str, off_value: str, from_defaults: bool) -> None:
        """The problem of a key that a script makes meaningless: both keys named, and how to
        switch it off in a shot when [defaults] set it."""
        label, script = self.label(key), self.label("script")
        off = f" (set in [defaults]: write {label} = {off_value} in this shot to switch it off)"
        self.problem(
            key,
            f"{label} and {script} are both set, but {why}: remove {label} or {script}"
            f"{off if from_defaults else ''}",
        )

    def _roles(
        self, scripted: bool, audio: list[Path | None], stems: bool | None
    ) -> str | tuple[float, float]:
        """The shot's ``roles`` ("first", "swap", "A", "B" or a (start, end) span), refused with a
        script, which names who speaks each line, and (a span) when it leaves the audio, where the
        file's header says how long it is. With stems a span or one voice ("A", "B") is not used:
        the take's notes say so."""
        roles, from_defaults = self.value("roles")
        if roles is None or roles == "first":  # a bad value was dropped: its problem is reported
            return "first"
        if scripted:
            if "script" not in self.bad_keys:
                self._refused_beside_script(
                    "roles", "a script names who speaks each line", '"first"', from_defaults
                )
            return roles
        one_file = len(audio) == 1 and audio[0] in self.found
        if isinstance(roles, tuple) and one_file and stems is not True:
            problem = _span_problem(roles, audio[0])
            if problem:
                self.problem("roles", problem + self._origin(from_defaults))
        return roles

    def _subtitles(self, out: Path | None, script_text: str | None) -> Path | None:
        """Where the take's placed script lines are written as subtitles, or None. ``true``:
        beside the baked .blend, with its name and .srt; a path: there (.srt or .vtt)."""
        setting, from_defaults = self.value("subtitles")
        if setting is None or setting is False or "subtitles" in self.bad_keys:
            return None
        if not (script_text and script_text.strip()):
            if from_defaults and script_text is not None:
                return None  # this shot switched its script off (script = ""): no lines, no subtitles
            if "script" not in self.bad_keys:
                self.problem(
                    "subtitles",
                    f"subtitles are the script's lines placed in the take: set {self.label('script')}, "
                    f"or remove {self.label('subtitles')}{self._origin(from_defaults)}",
                )
            return None
        if setting is True:
            return out.with_suffix(".srt") if out is not None and out.suffix.lower() == ".blend" else None
        path = self.path("subtitles", setting, from_defaults)
        if path is None or not self.inspect:
            return path
        if _kind(path) == "folder":
            self.problem("subtitles", f"'{path}' is a folder: name the .srt or .vtt file to write")
        elif problem := self.folder_problem(path.parent):
            self.problem("subtitles", problem)
        return path

    def _render(self) -> RenderJob | None:
        own, base = self.own.render, self.defaults.render
        if own is None and base is None:
            return None
        merged: dict[str, Any] = {}
        origin: dict[str, bool] = {}
        for key in RENDER_KEYS:
            mine = getattr(own, key) if own is not None else None
            theirs = getattr(base, key) if base is not None else None
            merged[key] = mine if mine is not None else theirs
            origin[key] = mine is None and theirs is not None
        if merged["enabled"] is False:
            return None
        if merged["dir"] is None:
            if "render" not in self.bad_keys:
                self.problem(
                    "render.dir", "missing: set render.dir (e.g. 'renders/{shot}') or render = false"
                )
            return None
        folder = self.path("render.dir", merged["dir"], origin["dir"])
        if folder is None:
            return None
        if self.inspect and _kind(folder) == "file":
            self.problem("render.dir", f"'{folder}' is a file, not a folder")
        elif self.inspect and (problem := self.folder_problem(folder)):
            self.problem("render.dir", problem)
        resolution = parse_resolution(merged["resolution"]) if merged["resolution"] else None
        fmt = merged["format"] or "images"
        if fmt == "video" and resolution and (resolution[0] % 2 or resolution[1] % 2):
            size = f"{resolution[0]}x{resolution[1]}"
            origin_note = self._origin(origin["resolution"] and origin["format"])
            self.problem("render.resolution", f"video needs even sizes (H.264), not {size}{origin_note}")
        return RenderJob(
            dir=folder,
            format=fmt,
            engine=merged["engine"],
            resolution=resolution,
            frames=parse_frames(merged["frames"]) if merged["frames"] else None,
        )
