"""Benchmark: shots per minute for a batch bake on this machine.

    .venv/bin/python tools/bench_batch.py                # 10 shots of 30 s, bake only
    .venv/bin/python tools/bench_batch.py --render       # + 48 frames of each, 320x180 Workbench
    .venv/bin/python tools/bench_batch.py --weights assets/duet_model.npz --audio example

Builds the default Duet pair in a .blend and N two-person dialogues of S
seconds, writes a job file that pins the model (key ``weights``) and runs
``duet batch`` on it in this process, as ``blender -b -c duet batch`` would,
after Blender has started. Prints shots per minute, the mean seconds per stage
and the peak memory (RSS) of the process.

Audio (nothing is downloaded):
- ``speech`` (default where espeak-ng is installed): a different conversation
  per shot, composed by the corpus composer (turn-taking, backchannels,
  overlaps; model/training/composer.py) from the project's own speech
  synthesis (docs/SPEECH.md), two espeak-ng voices, held-out texts;
- ``example``: the bundled assets/example_dialogue.flac, repeated to length.
The time a bake takes depends on the speech (the reduced keys follow the
motion), so both are real speech, not tones.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="duet-bench-batch-"))

ROOT = Path(__file__).resolve().parent.parent
RATE = 16000
VOICES = ("espeak:en-us+f3", "espeak:en-us")  # A, B: two clearly different speakers


def speech_available() -> bool:
    try:
        from duet.model.training.speech import available_voices
    except ImportError:  # a tree without the training package
        return False
    installed = {v.id for v in available_voices("en")}
    return all(v in installed for v in VOICES)


def conversations(count: int, seconds: float) -> list[np.ndarray]:
    """``count`` different conversations of exactly ``seconds``, deterministic per index."""
    from duet.model.training import composer
    from duet.model.training.speech import Synthesizer

    takes = []
    with Synthesizer() as synth:
        for index in range(count):
            rng = np.random.default_rng([20261124, index])

            def speak(text: str, role: int, _kind: str):
                return synth.synthesize(text, VOICES[role]).trimmed_silence(0.2)

            dialogue = composer.compose(rng, speak, language="en", partition="test", target_seconds=seconds)
            takes.append(fit(dialogue.mix, seconds))
    return takes


def example_takes(count: int, seconds: float) -> list[np.ndarray]:
    from duet.addon import audio as audio_io

    voice = audio_io.read_audio(ROOT / "assets" / "example_dialogue.flac")
    samples = voice.samples if voice.samples.ndim == 1 else voice.samples.mean(axis=1)
    if voice.sample_rate != RATE:
        from duet.model.audio import resample

        samples = resample(samples, voice.sample_rate, RATE)  # the wav files below are 16 kHz
    return [fit(np.asarray(samples, dtype=np.float32), seconds)] * count


def fit(samples: np.ndarray, seconds: float) -> np.ndarray:
    """Exactly ``seconds`` long: cut, or repeated after a short pause."""
    n = int(round(seconds * RATE))
    pause = np.zeros(int(0.5 * RATE), np.float32)
    while samples.size < n:
        samples = np.concatenate([samples, pause, samples])
    return samples[:n]


def write_wav(path: Path, samples: np.ndarray) -> None:
    peak = float(np.max(np.abs(samples))) or 1.0
    pcm = (np.clip(samples * min(1.0, 0.9 / peak), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def prepare(folder: Path, takes: list[np.ndarray], weights: Path, render_frames: int) -> Path:
    import bpy

    from duet.addon import stage

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    stage.build_dialogue_pair(scene)
    scene.render.fps = 24
    scene.render.engine = "BLENDER_WORKBENCH"
    (folder / "in").mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(folder / "in" / "pair.blend"), check_existing=False)
    for i, samples in enumerate(takes):
        write_wav(folder / "in" / f"shot{i:02d}.wav", samples)
    lines = [
        "[defaults]",
        'blend = "in/pair.blend"',
        'audio = "in/{shot}.wav"',
        'out = "out/{shot}.blend"',
        f"weights = {json.dumps(str(weights))}",
    ]
    if render_frames:
        lines.append(
            'render = { dir = "out/renders/{shot}", resolution = "320x180", engine = "workbench", '
            f'frames = "1-{render_frames}" }}'
        )
    lines += [f"[shots.shot{i:02d}]\nseed = {i}" for i in range(len(takes))]
    job = folder / "jobs.toml"
    job.write_text("\n".join(lines) + "\n")
    return job


def choose_weights(path: Path | None, folder: Path) -> tuple[Path, str]:
    """The model to time: given, shipped, or (before the first training run)
    freshly initialised weights of the default network, which cost the same."""
    from duet.model import weights

    if path is not None:
        return path.resolve(), "given"
    if weights.DEFAULT_WEIGHTS.is_file():
        return weights.DEFAULT_WEIGHTS, "shipped"
    try:
        config, arrays = weights.random_weights(seed=0)
    except ImportError:
        tiny = ROOT / "tests" / "data" / "model" / "tiny_weights.npz"
        return tiny, "tiny test weights (no torch to build the default network): NOT representative"
    out = folder / "untrained_default.npz"
    weights.save(out, config, arrays)
    return out, "untrained default network (no shipped weights yet): same cost as trained"


def describe_weights(path: Path, note: str) -> str:
    from duet.model import weights

    loaded = weights.load(path)
    sha = (loaded.info or {}).get("sha256", "no .json")[:12]
    size = f"{loaded.n_parameters / 1e6:.2f} M parameters, {path.stat().st_size / 1e6:.1f} MB, sha256 {sha}"
    return f"{note}: {path} ({size})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--render", action="store_true", help="also render each shot (320x180, Workbench)")
    parser.add_argument(
        "--render-frames", type=int, default=48, help="frames rendered per shot with --render (default 48)"
    )
    parser.add_argument(
        "--audio",
        choices=("speech", "example"),
        help="speech: composed conversations (the default where espeak-ng is installed); "
        "example: the bundled dialogue",
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    parser.add_argument("--weights", type=Path, help="model weights (default: shipped, else untrained)")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="duet-bench-batch-"))
    folder.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    audio = args.audio or ("speech" if speech_available() else "example")
    if audio == "speech":
        takes = conversations(args.shots, args.seconds)
        audio_note = f"{args.shots} composed conversations ({' and '.join(VOICES)}, held-out texts)"
    else:
        takes = example_takes(args.shots, args.seconds)
        audio_note = "assets/example_dialogue.flac, repeated to length"
    synth_s = time.perf_counter() - t0
    weights_path, weights_note = choose_weights(args.weights, folder)
    t0 = time.perf_counter()
    job = prepare(folder, takes, weights_path, args.render_frames if args.render else 0)
    prepare_s = time.perf_counter() - t0

    from duet.addon.headless import commands

    summary_path = folder / "out" / "summary.json"
    started = time.perf_counter()
    code = commands.cli_command(["batch", str(job), "--quiet", "--summary", str(summary_path)])
    wall = time.perf_counter() - started
    summary = json.loads(summary_path.read_text())
    ok = [s for s in summary["shots"] if s["status"] == "ok"]
    stages: dict[str, list[float]] = {}
    for shot in ok:
        for stage_name, value in shot["seconds"].items():
            stages.setdefault(stage_name, []).append(value)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    import bpy

    rendered = f"{args.render_frames} frames each at 320x180" if args.render else "no"
    print(f"duet batch benchmark: {args.shots} shots of {args.seconds:.0f} s, render: {rendered}")
    print(f"  Blender {bpy.app.version_string}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"  load average (1, 5, 15 min) before: {' '.join(f'{x:.1f}' for x in load_before)}")
    print(f"  weights: {describe_weights(weights_path, weights_note)}")
    print(f"  audio: {audio_note} (made in {synth_s:.1f} s)")
    print(f"  set-up (pair .blend, job file): {prepare_s:.1f} s (not timed below)")
    print(f"  exit code {code}: {len(ok)}/{args.shots} shots ok in {wall:.1f} s (job check included)")
    if ok:
        print(f"  shots per minute: {60.0 * len(ok) / wall:.2f}")
        print(f"  seconds of voice-over baked per second: {len(ok) * args.seconds / wall:.2f}")
        for stage_name, values in stages.items():
            print(f"  mean {stage_name:>8}: {np.mean(values):6.2f} s  (max {np.max(values):.2f})")
    for shot in summary["shots"]:
        if shot["status"] != "ok":
            print(f"  {shot['name']}: {shot['status']}: {shot['error']}")
    print(f"  peak memory (RSS) of the process: {peak_mib:.0f} MiB")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
