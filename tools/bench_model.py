"""Speed and memory of generate() on a 60 s two-person dialogue, per runtime.

    .venv/bin/python tools/bench_model.py [--weights assets/duet_model.npz] [--threads N] [--long]

Prints, for the numpy runtime (the default inside Blender) and torch (CPU, and
the GPU when one is present): wall seconds of generate() (features + network +
post-processing) on 60 s of 16 kHz audio, x real time, the split between
features, network and the rest, and peak memory (tracemalloc for numpy, and
the process's peak RSS). --long adds a 10-minute take. Timings are the best
of --repeats runs: other work on a shared machine only ever adds time.
Without trained weights the default network is run with random weights
(the speed is the same).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def _dialogue(seconds: float):
    import numpy as np

    from duet.model.training.teacher.synthetic import synthetic_dialogue

    a, b, _ = synthetic_dialogue(seed=7, seconds=seconds)
    return np.clip(a.stem + b.stem, -1.0, 1.0).astype(np.float32)


def _best(fn, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=0, help="BLAS / torch threads (0: library default)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--long", action="store_true", help="also a 10-minute take")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    import resource
    import tracemalloc

    import numpy as np

    from duet.model import features, generate, weights
    from duet.model.generation import get_runtime, take_latent
    from duet.model.windowing import WindowPlan, first_voice_anchor, run_windows

    path = args.weights or weights.DEFAULT_WEIGHTS
    note = ""
    if not Path(path).is_file():
        cfg, arrays = weights.random_weights()
        path = Path(tempfile.mkdtemp()) / "random.npz"
        weights.save(path, cfg, arrays)
        note = " (random weights: no trained model found)"
    w = weights.load(path)
    print(f"weights: {path}{note}; {w.n_parameters} parameters, config {w.config}")
    print(
        f"numpy {np.__version__}, python {sys.version.split()[0]}, cores {os.cpu_count()}, "
        f"threads {args.threads or 'default'}"
    )
    from duet import blas

    core = blas.core_name()
    better = blas.better_core(core, blas.cpu_flags())
    print(
        f"numpy's OpenBLAS kernels: {core or 'not OpenBLAS'}"
        + (f" (generic: python -m duet runs with {blas.ENV}={better} on this CPU)" if better else "")
    )

    x = _dialogue(args.seconds)
    n = features.n_model_frames(len(x))
    seconds = len(x) / 16000

    def report(label: str, runtime: str, audio, rate: int):
        generate(audio, rate, runtime=runtime, weights=path)  # load and warm up
        total, perf = _best(lambda: generate(audio, rate, runtime=runtime, weights=path), args.repeats)
        print(f"{label}: {total:.3f} s for {seconds:.0f} s of audio = {seconds / total:.0f}x real time")
        return perf

    # numpy: total, split, memory
    numpy_take = report("numpy runtime, generate() at 16 kHz", "numpy", x, 16000)
    t_feat, _ = _best(lambda: features.stream_features(x, 0, n), args.repeats)
    _, rt = get_runtime("numpy", path)
    cond = np.zeros((n, 2, w.config.cond_dim), np.float32)
    latent = take_latent(n, w.config, 0)
    anchor = first_voice_anchor(x, n)
    t_net, _ = _best(lambda: run_windows(rt, x, n, cond, anchor, latent, WindowPlan()), args.repeats)
    print(f"  split: features {t_feat:.3f} s (whole take), windows = features + network {t_net:.3f} s")
    plain, _ = _best(lambda: generate(x, 16000, runtime="numpy", weights=path, read_lips=False), args.repeats)
    print(f"  without the lip reader (read_lips=False): {plain:.3f} s = {seconds / plain:.0f}x real time")
    x48 = np.interp(np.arange(int(seconds * 48000)) / 48000, np.arange(len(x)) / 16000, x).astype(np.float32)
    report("numpy runtime, generate() at 48 kHz (with resampling)", "numpy", x48, 48000)
    tracemalloc.start()
    generate(x, 16000, runtime="numpy", weights=path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  peak traced memory (numpy, 60 s): {peak / 1e6:.1f} MB; "
        f"process peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
    )
    if args.long:
        xl = np.tile(x, int(np.ceil(600.0 / seconds)))[: 600 * 16000]
        tracemalloc.start()
        t0 = time.perf_counter()
        generate(xl, 16000, runtime="numpy", weights=path)
        dt = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"numpy runtime, 10-minute take: {dt:.2f} s = {600 / dt:.0f}x real time, "
            f"peak traced memory {peak / 1e6:.1f} MB"
        )

    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("torch: not installed")
            return 0
        if args.threads:
            torch.set_num_threads(args.threads)
        from duet.model import generation

        os.environ["DUET_RUNTIME"] = "torch"
        # Force the CPU figures first, then the GPU when present.
        generation._CACHE.clear()
        cuda = torch.cuda.is_available()
        if cuda:
            from duet.model.torch_runtime import TorchRuntime

            generation._CACHE.clear()
            key = (str(path), generation._stamp(Path(path)), "torch")
            generation._CACHE[key] = (w, TorchRuntime(w.config, w.arrays, device="cpu"))
        torch_take = report(f"torch {torch.__version__} CPU runtime, generate() at 16 kHz", "torch", x, 16000)
        print(f"  process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
        import numpy as np

        gap = max(
            float(np.max(np.abs(getattr(numpy_take, f)[r] - getattr(torch_take, f)[r])))
            for f in ("blendshapes", "head", "gaze", "speaking")
            for r in ("A", "B")
        )
        print(f"  max |numpy - torch| over every output of the take: {gap:.1e} (angles in degrees)")
        if cuda:
            generation._CACHE.clear()
            report(f"torch GPU ({torch.cuda.get_device_name(0)}), generate() at 16 kHz", "torch", x, 16000)
            print(f"  GPU peak memory {torch.cuda.max_memory_allocated() / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
