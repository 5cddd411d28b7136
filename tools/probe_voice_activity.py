"""What the voice activity hears, and what a noisy take comes out as (docs/MODEL.md "Voice activity").

    .venv/bin/python tools/probe_voice_activity.py [--corpus corpus/test7] [--real ../shared/eval/real]

1. Frames: windowing.voiced_frames (as shipped) and the broadband rule alone
   (windowing.voiced_from_level) against each clip's speaking truth (speech spans, gaps under
   0.3 s bridged): the share of speech frames heard and of heard frames that are speech, for the
   corpus's test split, its very noisy mix (test-000005) and ../shared/eval/real's clips with a
   truth.
2. Takes: the bundled example dialogue under each noise of the corpus's augmentation (pink,
   white, hum, babble) at 3 and 8 dB SNR and under a chord bed 6 dB below the speech, generated
   audio only (numpy runtime) and compared with the clean take: the share of frames whose
   who-speaks class (none / A / B / both) agrees, the leakage (the listener's lip aperture over
   the speaker's where the clean take has one speaker), and the share of the clean take's
   silences in which a mouth opens (aperture > 0.1); and given the example's script
   (assets/example_dialogue_script.txt), how many of its lines the take places, or that it was
   set aside. --broadband runs part 2 with the broadband rule on every take (the code before the
   band VAD) for comparison.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NOISES = ("pink", "white", "hum", "babble")
SNRS_DB = (3.0, 8.0)
BED_DB = -6.0
SEED = 3


def _share(mask: np.ndarray, of: np.ndarray) -> float:
    return float((mask & of).sum() / max(1, of.sum()))


def frame_rows(corpus: Path | None, real: Path | None) -> None:
    from duet.model import windowing
    from duet.model.training import evaluate

    sets: dict[str, list] = {}
    if corpus is not None:
        clips = evaluate.synthetic_clips(corpus, None)
        sets[f"{corpus} ({len(clips)} mixes)"] = clips
        sets["its very noisy mix, test-000005"] = [c for c in clips if c.name == "test-000005"]
    if real is not None:
        found = [c for v in evaluate.real_clips(real).values() for c in v if c.ref.speaking is not None]
        sets[f"{real} ({', '.join(c.name for c in found)})"] = found
    print("| speech frames heard / heard frames that are speech | broadband rule | voiced_frames |")
    print("|---|---|---|")
    for name, clips in sets.items():
        if not clips:
            continue
        sums = np.zeros((2, 3))
        for c in clips:
            n = len(c.ref.speaking)
            truth = (c.ref.speaking > 0.5).any(axis=1)
            rules = (windowing.voiced_from_level(windowing.frame_energy_db(c.audio16k, n)),
                     windowing.voiced_frames(c.audio16k, n))  # fmt: skip
            for k, heard in enumerate(rules):
                sums[k] += ((heard & truth).sum(), truth.sum(), heard.sum())
        cells = [f"{tp / t:.3f} / {tp / max(h, 1):.3f}" for tp, t, h in sums]
        print(f"| {name} | {cells[0]} | {cells[1]} |")


def _chord_bed(n: int, sr: int) -> np.ndarray:
    """Four-note chords changing every 0.5 s, each struck and decaying (a music bed)."""
    t = np.arange(n) / sr
    bed = np.zeros(n)
    roots = (220.0, 196.0, 247.0, 165.0, 262.0, 175.0)
    for k in range(int(t[-1] / 0.5) + 1):
        a, b = int(k * 0.5 * sr), min(n, int((k + 1) * 0.5 * sr))
        decay = np.exp(-3.0 * (t[a:b] - t[a])) * 0.8 + 0.2
        for ratio in (1.0, 1.25, 1.5, 2.0):
            bed[a:b] += decay * np.sin(2 * np.pi * roots[k % len(roots)] * ratio * t[a:b])
    return bed


def take_rows(broadband: bool) -> None:
    import soundfile

    from duet.model import generate, windowing
    from duet.model.lips.visemes import lip_aperture
    from duet.model.training import augment

    if broadband:  # the rule before the band VAD, on every take
        windowing.voiced_frames = lambda audio16k, n_frames: windowing.voiced_from_level(
            windowing.frame_energy_db(audio16k, n_frames)
        )
    x, sr = soundfile.read(ROOT / "assets" / "example_dialogue.flac", dtype="float32")
    x = x if x.ndim == 1 else x.mean(axis=1)

    def rms(a: np.ndarray) -> float:
        return float(np.sqrt(np.mean(np.square(a, dtype=np.float64))))

    speech = rms(x[np.abs(x) > 0.01])

    script = (ROOT / "assets" / "example_dialogue_script.txt").read_text(encoding="utf-8")

    def placed(audio: np.ndarray) -> str:
        perf = generate(audio, sr, fps=50, runtime="numpy", script=script)
        if any("does not match" in note for note in perf.notes):
            return "set aside"
        return f"{len(perf.lines)} placed"

    def run(audio: np.ndarray):
        perf = generate(audio, sr, fps=50, runtime="numpy")
        speaking = np.stack([perf.speaking[r] for r in "AB"], axis=1) > 0.5
        aperture = np.stack([lip_aperture(perf.blendshapes[r].astype(np.float64)) for r in "AB"], axis=1)
        return speaking, aperture

    clean, _ = run(x)
    alone = [clean[:, r] & ~clean[:, 1 - r] for r in range(2)]
    silent = ~clean.any(axis=1)
    rng = np.random.default_rng(SEED)
    beds = [(f"{kind}, {snr:.0f} dB SNR", augment.make_noise(rng, kind, len(x)), -snr)
            for kind in NOISES for snr in SNRS_DB]  # fmt: skip
    beds.append((f"chord bed {BED_DB:.0f} dB", _chord_bed(len(x), sr), BED_DB))
    print(f"\nexample dialogue, audio only, {'broadband rule' if broadband else 'as shipped'}")
    print(f"clean: script lines {placed(x)}")
    print("| bed | who-speaks agrees with clean | leakage | mouth open in its silences | script lines |")
    print("|---|---|---|---|---|")
    for name, bed, rel_db in beds:
        noisy = np.clip(x + bed * speech / rms(bed) * 10 ** (rel_db / 20), -1.0, 1.0).astype(np.float32)
        speaking, aperture = run(noisy)
        n = min(len(speaking), len(clean))
        cls = speaking[:n, 0] + 2 * speaking[:n, 1].astype(int)
        agree = float(np.mean(cls == clean[:n, 0] + 2 * clean[:n, 1].astype(int)))
        lis = sum(aperture[:n][alone[r][:n], 1 - r].sum() for r in range(2))
        spk = sum(aperture[:n][alone[r][:n], r].sum() for r in range(2))
        opened = float(np.mean(aperture[:n][silent[:n]].max(axis=1) > 0.1))
        leak = lis / max(spk, 1e-9)
        print(f"| {name} | {agree:.3f} | {leak:.3f} | {opened:.3f} | {placed(noisy)} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "test7")
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "eval" / "real")
    parser.add_argument("--broadband", action="store_true", help="part 2 with the broadband rule only")
    parser.add_argument("--takes-only", action="store_true", help="skip part 1")
    args = parser.parse_args(argv)
    if not args.takes_only:
        frame_rows(args.corpus if args.corpus.is_dir() else None, args.real if args.real.is_dir() else None)
    take_rows(args.broadband)
    return 0


if __name__ == "__main__":
    sys.exit(main())
