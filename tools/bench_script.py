"""Benchmark: a 60 s dialogue with its script, script-assisted vs audio-only generate().

    .venv/bin/python tools/bench_script.py [--seconds 60] [--repeats 3] [--script FILE]

The dialogue is the bundled example (assets/example_dialogue.flac, 27 s, read with Blender's
aud as the Generate button reads it) repeated with a short pause between copies until the next
copy would pass --seconds, then padded with silence to --seconds; the script is its script
(assets/example_dialogue_script.txt) repeated as often (time hints dropped: they hold for one
copy). Both takes: numpy runtime, 24 fps, no staging, weights already loaded and the aligner
started (one untimed take of each first). Prints best of --repeats (other work on a shared
machine only ever adds time) with the process's CPU time, the share of each stage of the script-assisted take:
- placement: placing the lines (duet.model.script.take.place_script), of which the voice
  vectors of the mix (diarization.voice_track);
- word alignment: pocketsphinx (duet.model.script.english.align_words);
- network: the network's windows (windowing.run_windows);
- mouth: the mouth from the aligned phones (take.script_mouth);
- rest: features, anchor, resampling to 24 fps;
the times real time, and the machine's load average before and after (2 shared cores: say it).
Stages are timed by wrapping those functions in this process; nothing in duet is changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "assets" / "example_dialogue_script.txt"
FPS = 24
GAP_S = 0.8  # pause between copies of the dialogue
TARGET_S = 3.0  # issue 12: a 60 s dialogue with its script in <= 3 s on the 2 cores


def repeated_script(text: str, copies: int) -> str:
    """The script's spoken lines `copies` times (cast lines once, time hints dropped)."""
    from duet.model.script import parse_script
    from duet.model.script.text import escape_text

    script = parse_script(text)
    head = [f"{role} = {name}" for role, name in sorted(script.names.items())]
    body = [f"{line.speaker}: {escape_text(line.text)}" for line in script.lines]
    return "\n".join([*head, "", *(body * copies)]) + "\n"


def dialogue(samples: np.ndarray, rate: int, seconds: float) -> tuple[np.ndarray, int]:
    """Copies of the dialogue with GAP_S between them, padded with silence to `seconds`."""
    gap = np.zeros(int(GAP_S * rate), np.float32)
    copies = max(1, int((seconds + GAP_S) // (len(samples) / rate + GAP_S)))
    parts = [samples, *([gap, samples] * (copies - 1))]
    out = np.concatenate(parts).astype(np.float32)
    n = int(round(seconds * rate))
    return np.pad(out, (0, max(0, n - len(out))))[: max(n, len(out))], copies


class StageTimer:
    """Wall time spent inside wrapped functions, by stage name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._undo: list[tuple[object, str, Callable]] = []

    def wrap(self, module: object, name: str, stage: str) -> None:
        inner = getattr(module, name)

        def timed(*args, **kwargs):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - t0
                self.seconds[stage + " cpu"] += time.process_time() - c0

        setattr(module, name, timed)
        self._undo.append((module, name, inner))

    def reset(self) -> None:
        self.seconds.clear()

    def restore(self) -> None:
        for module, name, inner in reversed(self._undo):
            setattr(module, name, inner)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--script", type=Path, default=SCRIPT, help="the example dialogue's script")
    parser.add_argument("--weights", type=Path, default=None)
    args = parser.parse_args(argv)
    if not args.script.is_file():
        print(f"error: {args.script} is missing; pass --script FILE (the example dialogue's script)")
        return 2

    import bpy

    from duet.addon import audio as audio_io
    from duet.addon.headless import demo
    from duet.model import diarization, generate, windowing
    from duet.model.generation import get_runtime
    from duet.model.script import english, parse_script
    from duet.model.script import take as script_take

    load0 = os.getloadavg()
    voice = audio_io.read_audio(demo.EXAMPLE_AUDIO, channels=1)
    samples, copies = dialogue(voice.samples, voice.sample_rate, args.seconds)
    seconds = len(samples) / voice.sample_rate
    script = repeated_script(args.script.read_text(encoding="utf-8"), copies)
    n_lines = len(parse_script(script).lines)
    get_runtime("numpy", args.weights)  # weights loaded before timing, as in a running Blender

    def take(with_script: bool):
        return generate(
            samples,
            voice.sample_rate,
            script=script if with_script else None,
            fps=FPS,
            runtime="numpy",
            weights=args.weights,
        )

    source = args.script.relative_to(ROOT) if args.script.resolve().is_relative_to(ROOT) else args.script
    aligner = "available" if english.available() else "MISSING"
    print(
        f"Duet script benchmark: {seconds:.1f} s dialogue ({copies} x {demo.EXAMPLE_AUDIO.name} "
        f"{len(voice.samples) / voice.sample_rate:.1f} s, {GAP_S} s apart, silence to {args.seconds:.0f} s), "
        f"{n_lines} script lines from {source}\n"
        f"numpy runtime, {FPS} fps, pocketsphinx aligner {aligner}; "
        f"bpy {bpy.app.version_string}, numpy {np.__version__}, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} (1/5/15 min)"
    )
    timer = StageTimer()
    timer.wrap(script_take, "place_script", "placement")
    timer.wrap(diarization, "voice_track", "voice vectors")
    timer.wrap(english, "align_words", "word alignment")
    timer.wrap(windowing, "run_windows", "network")
    timer.wrap(script_take, "script_mouth", "mouth")
    try:
        perf = take(True)  # untimed: starts the aligner, fills caches
        take(False)
        results: dict[bool, tuple[float, dict[str, float]]] = {}
        for with_script in (True, False):
            best = None
            for _ in range(args.repeats):
                timer.reset()
                t0, c0 = time.perf_counter(), time.process_time()
                take(with_script)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                if best is None or wall < best[0]:
                    best = (wall, {**timer.seconds, "cpu": cpu})
            results[with_script] = best  # type: ignore[assignment]
    finally:
        timer.restore()
    load1 = os.getloadavg()
    wall_s, stages = results[True]
    wall_a, stages_a = results[False]
    print(
        f"generate(script=...): {wall_s:.2f} s ({seconds / wall_s:.1f}x real time), best of {args.repeats}; "
        f"process CPU {stages['cpu']:.2f} s"
    )
    shown = ("placement", "voice vectors", "word alignment", "network", "mouth")
    for name in shown:
        inside = " (inside placement)" if name == "voice vectors" else ""
        t, c = stages.get(name, 0.0), stages.get(name + " cpu", 0.0)
        print(f"  {name:<15} {t:6.2f} s  {100 * t / wall_s:5.1f} %   CPU {c:6.2f} s{inside}")
    rest = wall_s - sum(stages.get(k, 0.0) for k in shown if k != "voice vectors")
    print(f"  {'rest':<15} {rest:6.2f} s  {100 * rest / wall_s:5.1f} %")
    print(
        f"generate() audio-only: {wall_a:.2f} s ({seconds / wall_a:.1f}x real time), best of {args.repeats}; "
        f"process CPU {stages_a['cpu']:.2f} s"
    )
    for name in ("voice vectors", "network"):
        t, c = stages_a.get(name, 0.0), stages_a.get(name + " cpu", 0.0)
        print(f"  {name:<15} {t:6.2f} s  {100 * t / wall_a:5.1f} %   CPU {c:6.2f} s")
    print(f"script-assisted / audio-only: {wall_s / wall_a:.2f}x")
    placed = len(perf.lines)
    print(f"lines placed: {placed} of {n_lines}; notes: {len(perf.notes)}")
    for note in perf.notes[:10]:
        print(f"  note: {note}")
    target = TARGET_S * seconds / 60.0
    verdict = "met" if wall_s <= target else "NOT met"
    print(f"target <= {target:.2f} s for {seconds:.0f} s (issue 12: 3 s per 60 s): {verdict}")
    print(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
