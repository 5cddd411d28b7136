"""Benchmark: a 60 s take with Recognise English Words against the same take without it.

    .venv/bin/python tools/bench_words.py [--seconds 60] [--repeats 3]

The speech is real: LibriSpeech test-other readings (../shared/data/librispeech_voices, the
held-out readers), one reading after another with 0.5 s between them, as two voices would take
turns in a mix, cut to --seconds; without that folder, the bundled example dialogue repeated.
Both takes: generate(), numpy runtime, 24 fps, no staging, weights loaded and the recogniser
started first (one untimed take of each). Prints best of --repeats (other work on a shared
machine only ever adds time), the recogniser's share, the words it used, times real time, and
the load average before and after (2 shared cores: say it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "librispeech_voices"
EXAMPLE = ROOT / "assets" / "example_dialogue.flac"
SR = 16000
GAP_S = 0.5


def real_speech(seconds: float) -> tuple[np.ndarray, str]:
    from duet.model.training.heldout_recordings import read_flac, test_other_files

    if not (DATA / "test-other").is_dir():
        import soundfile

        x, rate = soundfile.read(EXAMPLE, dtype="float32")
        x = x if x.ndim == 1 else x.mean(axis=1)
        assert rate == SR, rate
        reps = int(np.ceil(seconds * SR / len(x)))
        return np.tile(x, reps)[: int(seconds * SR)], "the bundled example dialogue, repeated"
    files = test_other_files(DATA)
    parts, total = [], 0
    for k in range(10):  # one reading of each reader in turn
        for speaker in sorted(files):
            if k < len(files[speaker]) and total < seconds * SR:
                x = read_flac(files[speaker][k])
                parts += [x, np.zeros(int(GAP_S * SR), np.float32)]
                total += len(x) + int(GAP_S * SR)
    return np.concatenate(parts)[: int(seconds * SR)], "LibriSpeech test-other readings in turn"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    from duet.model import generate
    from duet.model.script import recognise

    if not recognise.recogniser_available():
        print("error: pocketsphinx is not installed here (bash tools/setup.sh)", file=sys.stderr)
        return 2
    x, what = real_speech(args.seconds)
    seconds = len(x) / SR
    load_before = os.getloadavg()[0]
    spent = {"recogniser": 0.0}
    original = recognise.recognise_and_align

    def timed(audio: np.ndarray):
        t = time.perf_counter()
        try:
            return original(audio)
        finally:
            spent["recogniser"] += time.perf_counter() - t

    recognise.recognise_and_align = timed
    best: dict[bool, tuple[float, float, str]] = {}
    for words in (False, True):
        generate(x, SR, fps=24, runtime="numpy", recognise_words=words)  # untimed: loads everything
        for _ in range(args.repeats):
            spent["recogniser"] = 0.0
            t = time.perf_counter()
            perf = generate(x, SR, fps=24, runtime="numpy", recognise_words=words)
            wall = time.perf_counter() - t
            if words not in best or wall < best[words][0]:
                best[words] = (wall, spent["recogniser"], perf.notes[-1] if words else "")
    recognise.recognise_and_align = original
    print(f"{seconds:.1f} s of {what}; numpy runtime, 24 fps; best of {args.repeats}")
    plain = best[False][0]
    wall, rec, note = best[True]
    print(f"  audio only:              {plain:6.2f} s  ({seconds / plain:5.1f}x real time)")
    print(f"  Recognise English Words: {wall:6.2f} s  ({seconds / wall:5.1f}x real time; the recogniser "
          f"{rec:.2f} s = {rec / seconds:.2f} s per second of audio)")  # fmt: skip
    print(f"  {note}")
    after = os.getloadavg()[0]
    print(f"load average (1 min) before {load_before:.2f}, after {after:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
