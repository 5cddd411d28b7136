"""Speed of speech synthesis and augmentation, in seconds of audio per second of wall time.

    .venv/bin/python tools/bench_speech.py [--seconds 60] [--workers 1]

Per timing group (festival:kal, festival:ked, festival:slt, espeak, espeak
in-process) it synthesises sentences of every language the group speaks,
round-robin over voices, rates and pitches, until ``--seconds`` of audio
("synth"); times the full DSP voice warp on that audio ("warp"); speaks the
same texts again through ``augment.speak`` with sampled warps, the corpus
path ("speak" = synthesis + warp, pitch and speed by the backend where it
can); and times the channel on the result ("channel"). With
``--workers N`` the whole thing runs in N processes at once and the
figures are the sum over workers (the corpus target is >= 30x real time on
2 cores for everything, teacher and writing included).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import numpy as np

GROUPS: dict[str, tuple[list[str], bool]] = {
    # group -> (voices, deterministic espeak)
    "festival:kal": (["festival:kal"], True),
    "festival:ked": (["festival:ked"], True),
    "festival:slt": (["festival:slt"], True),
    "espeak": (
        ["espeak:en-us+f3", "espeak:es+m2", "espeak:fr+f1", "espeak:de+m3", "espeak:it+f4", "espeak:pt-br+m1",
         "espeak:ja+f2", "espeak:cmn+m4", "espeak:en+klatt4", "espeak:en-gb-x-rp+Andy"],
        True,
    ),
    "espeak (in-process)": (["espeak:en-us+f3", "espeak:es+m2", "espeak:fr+f1", "espeak:ja+f2"], False),
}  # fmt: skip


def run_group(args: tuple[str, float, int]) -> dict[str, float]:
    from duet.model.training import augment as A
    from duet.model.training.speech import Synthesizer, parse_voice
    from duet.model.training.speech.samples import SENTENCES

    group, seconds, seed = args
    voices, deterministic = GROUPS[group]
    rng = np.random.default_rng(seed)
    audio_s = 0.0
    utts = []
    with Synthesizer(deterministic=deterministic) as synth:
        synth.synthesize("Warm up.", "festival:kal" if group.startswith("festival") else "espeak:en-us")
        if group.startswith("festival"):
            synth.synthesize("Warm up.", voices[0])
        t0 = time.perf_counter()
        k = 0
        while audio_s < seconds:
            voice = voices[k % len(voices)]
            texts = SENTENCES[parse_voice(voice).language]
            utt = synth.synthesize(
                texts[(k // len(voices)) % len(texts)],
                voice,
                rate=float(rng.uniform(0.85, 1.25)),
                pitch=float(rng.uniform(-3, 3)),
            )
            utts.append(utt)
            audio_s += utt.duration
            k += 1
        synth_wall = time.perf_counter() - t0
    t0 = time.perf_counter()
    for u in utts:
        A.apply_voice_warp(u, A.sample_voice_warp(rng, "train"))
    warp_wall = time.perf_counter() - t0
    # The corpus path: augment.speak (pitch and speed by the backend where it can).
    spoken = []
    with Synthesizer(deterministic=deterministic) as synth:
        synth.synthesize("Warm up.", voices[0])
        t0 = time.perf_counter()
        for k, u in enumerate(utts):
            warp = A.sample_voice_warp(rng, "train")
            spoken.append(
                A.speak(synth, u.text, voices[k % len(voices)], warp, rate=float(rng.uniform(0.85, 1.2)))
            )
        speak_wall = time.perf_counter() - t0
    spoken_s = sum(u.duration for u in spoken)
    t0 = time.perf_counter()
    for u in spoken:
        A.apply_channel(u.audio, A.sample_channel(rng), rng)
    channel_wall = time.perf_counter() - t0
    return {
        "audio_s": audio_s,
        "synth_wall": synth_wall,
        "warp_wall": warp_wall,
        "spoken_s": spoken_s,
        "speak_wall": speak_wall,
        "channel_wall": channel_wall,
        "utterances": len(utts),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of audio per group and worker")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--group", action="append", choices=sorted(GROUPS))
    args = parser.parse_args()
    header = ["group".ljust(20), "utts".rjust(5), "audio s".rjust(8), "synth".rjust(7), "warp".rjust(7)]
    header += ["speak".rjust(7), "channel".rjust(8), "speak+channel".rjust(14)]
    print(" ".join(header) + "   (x real time, per worker, summed over workers)")
    for group in args.group or list(GROUPS):
        jobs = [(group, args.seconds, 1000 + w) for w in range(args.workers)]
        t0 = time.perf_counter()
        if args.workers == 1:
            results = [run_group(jobs[0])]
        else:
            with mp.get_context("spawn").Pool(args.workers) as pool:
                results = pool.map(run_group, jobs)
        wall = time.perf_counter() - t0
        audio = sum(r["audio_s"] for r in results)
        synth_x = sum(r["audio_s"] / r["synth_wall"] for r in results)
        warp_x = sum(r["audio_s"] / r["warp_wall"] for r in results)
        speak_x = sum(r["spoken_s"] / r["speak_wall"] for r in results)
        chan_x = sum(r["spoken_s"] / r["channel_wall"] for r in results)
        both = sum(r["spoken_s"] / (r["speak_wall"] + r["channel_wall"]) for r in results)
        n = sum(r["utterances"] for r in results)
        row = [group.ljust(20), f"{n:5d}", f"{audio:8.1f}", f"{synth_x:7.1f}", f"{warp_x:7.1f}"]
        row += [f"{speak_x:7.1f}", f"{chan_x:8.1f}", f"{both:14.1f}", f"  (wall {wall:.1f} s)"]
        print(" ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
