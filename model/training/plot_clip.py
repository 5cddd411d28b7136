"""A picture of one corpus clip for humans: audio, phones, who speaks, and the teacher's curves.

    python -m duet.model.training plot --corpus DIR --clip train-000003 --out clip.png
    python -m duet.model.training plot --seed 4 --seconds 20 --out clip.png   # generate one clip

Both roles share every panel (A blue, B orange) so turn-taking, backchannels, the
listener's nods and gaze can be read against the speaker's phones. Bilabial phones
(p, b, m) are marked in red: the lips must be sealed (mouthClose = jawOpen) there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .. import spec
from .corpus_read import ClipData, CorpusReadError, clips_from_arrays, load_clip

ROLE_COLOURS = ("#1f77b4", "#ff7f0e")
_I = spec.ARKIT_INDEX
DEFAULT_WINDOW_S = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Draw one clip's waveform, phones, speaking state and teacher curves as a PNG."
    parser.add_argument("--corpus", type=Path, help="corpus folder (with --clip)")
    parser.add_argument("--clip", help="clip id, e.g. train-000003 (see clips.jsonl)")
    parser.add_argument(
        "--seed", type=int, help="generate one clip with this seed instead of reading a corpus"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of a generated clip (default 20)")
    parser.add_argument("--language", default=None, help="language of a generated clip (default: drawn)")
    parser.add_argument("--split", default="train", help="split whose voices/texts a generated clip uses")
    parser.add_argument("--start", type=float, default=0.0, help="window start, seconds")
    parser.add_argument(
        "--end", type=float, default=None, help=f"window end (default start + {DEFAULT_WINDOW_S:g})"
    )
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")


def generate_clip(seed: int, seconds: float, language: str | None, split: str) -> ClipData:
    """Build one clip exactly as the corpus would (real speech, staging, channel, teacher)."""
    from .corpus import ClipMaker, ClipPlan, shard_arrays, voices_by_split

    maker = ClipMaker(voices_by_split())
    try:
        result = maker.make(ClipPlan(split, 0, seed), seconds, language=language)
    finally:
        maker.close()
    return next(clips_from_arrays(shard_arrays([result]), {result.plan.clip_id: result.info}))


def _drawable(text: str) -> bool:
    """Whether matplotlib's default font (DejaVu Sans, no CJK glyphs) can draw the text."""
    return all(ord(ch) < 0x2E80 for ch in text)


def _spans(ax, spans, y0: float, h: float, colour: str, alpha: float) -> None:
    from matplotlib.patches import Rectangle

    for s, e in spans:
        ax.add_patch(Rectangle((s, y0), e - s, h, facecolor=colour, alpha=alpha, edgecolor="none"))


def _draw_phones(ax, clip: ClipData, start: float, end: float) -> None:
    """Panel: each role's turns, backchannels and laughs, its phones (closures in red) and lines."""
    from ..lips.phones import is_bilabial_closure

    label_phones = end - start <= 25.0
    for r in range(2):
        y = 1.0 - r
        kinds = {"turn": "0.85", "backchannel": "#9edae5", "laugh": "#f7b6d2"}
        for kind, colour in kinds.items():
            _spans(ax, [(s, e) for s, e, k in clip.segments[r] if k == kind], y - 0.45, 0.9, colour, 0.7)
        p = clip.phones[r]
        for ipa, s, e in zip(p["ipa"], p["start"], p["end"], strict=True):
            if e < start or s > end:
                continue
            closure = is_bilabial_closure(str(ipa))
            _spans(
                ax,
                [(s, e)],
                y - 0.3,
                0.6,
                "#d62728" if closure else ROLE_COLOURS[r],
                0.8 if closure else 0.35,
            )
            if label_phones:
                ax.text((s + e) / 2, y, str(ipa), ha="center", va="center", fontsize=5.5)
        for role, s, _e, kind, text in clip.lines:
            if role == r and start <= s <= end:
                label = text[:60] if _drawable(text) else f"[{kind}]"
                ax.text(s, y + 0.33, label, fontsize=6, color=ROLE_COLOURS[r], va="bottom", clip_on=True)
    ax.set_ylim(-0.6, 1.75)
    ax.set_yticks([1, 0], ["A", "B"])
    ax.set_ylabel("phones, turns\n(grey turn, cyan back-\nchannel, pink laugh)", fontsize=7)


def _draw_gaze(ax, clip: ClipData, t: np.ndarray, fw: np.ndarray, start: float, end: float) -> None:
    """Panel: world gaze (0 = at the partner) with the staged holds shaded."""
    from ..pose import world_gaze

    fps = spec.NATIVE_FPS
    for r in range(2):
        g = world_gaze(clip.head[:, r].astype(np.float64), clip.gaze[:, r].astype(np.float64))
        ax.plot(t[fw], g[fw, 0], color=ROLE_COLOURS[r], lw=1.0, label=f"gaze yaw {'AB'[r]}")
        ax.plot(t[fw], g[fw, 1], color=ROLE_COLOURS[r], lw=0.8, ls="--", label=f"gaze pitch {'AB'[r]}")
        for col, alpha in ((spec.COND_GAZE_ACTIVE, 0.12), (spec.COND_HEAD_ACTIVE, 0.06)):
            active = clip.conditioning[:, r, col] > 0.5
            edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                ax.axvspan(a / fps, b / fps, color=ROLE_COLOURS[r], alpha=alpha, lw=0)
    ax.axhline(0.0, color="0.5", lw=0.5)
    ax.set_ylabel("gaze (deg)\n0 = partner", fontsize=8)
    ax.set_xlabel("seconds (shaded: staged holds)")
    ax.legend(loc="upper right", fontsize=6, ncol=4)
    ax.set_xlim(start, end)


def draw(clip: ClipData, out: Path, start: float = 0.0, end: float | None = None) -> Path:
    """Write the picture of `clip` between `start` and `end` seconds to `out` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..lips.phones import is_bilabial_closure
    from .teacher import lip_aperture

    end = min(clip.seconds, start + DEFAULT_WINDOW_S) if end is None else min(end, clip.seconds)
    if not end > start:
        raise ValueError(f"empty window {start:.2f}-{end:.2f} s (the clip lasts {clip.seconds:.2f} s)")
    fps = spec.NATIVE_FPS
    t = np.arange(clip.n_frames) / fps
    fw = (t >= start) & (t <= end)
    sr = spec.SAMPLE_RATE
    i0, i1 = int(start * sr), int(end * sr)
    ts = np.arange(i0, i1) / sr

    fig, axes = plt.subplots(
        8, 1, figsize=(15, 17), sharex=True, gridspec_kw={"height_ratios": [1.2, 1.4, 0.5, 1, 1, 1, 1, 1]}
    )
    title = (
        f"{clip.clip_id}  ({clip.language}, {clip.seconds:.1f} s)   "
        f"A = {clip.voices[0]}   B = {clip.voices[1]}\n"
        f"staging: {clip.staging or '(none)'}"
    )
    fig.suptitle(title, fontsize=10, x=0.01, ha="left")

    ax = axes[0]
    step = max(1, (i1 - i0) // 20000)
    ax.plot(ts[::step], clip.mix[i0:i1:step], color="0.75", lw=0.5, label="mix (with channel)")
    for r in range(2):
        label = f"stem {'AB'[r]}"
        ax.plot(ts[::step], clip.stems[i0:i1:step, r], color=ROLE_COLOURS[r], lw=0.4, alpha=0.8, label=label)
    ax.set_ylabel("audio")
    ax.legend(loc="upper right", fontsize=7, ncol=3)

    _draw_phones(axes[1], clip, start, end)

    ax = axes[2]
    for r in range(2):
        ax.step(t[fw], clip.speaking[fw, r] * 0.8 + (1.0 - r), where="post", color=ROLE_COLOURS[r], lw=1.2)
    ax.set_yticks([1.4, 0.4], ["A", "B"])
    ax.set_ylabel("speaking")

    ax = axes[3]
    for r in range(2):
        bs = clip.blendshapes[:, r].astype(np.float64)
        ax.plot(t[fw], bs[fw, _I["jawOpen"]], color=ROLE_COLOURS[r], lw=1.0, label=f"jawOpen {'AB'[r]}")
        ax.plot(
            t[fw],
            bs[fw, _I["mouthClose"]],
            color=ROLE_COLOURS[r],
            lw=0.8,
            ls="--",
            label=f"mouthClose {'AB'[r]}",
        )
        ax.plot(
            t[fw],
            lip_aperture(bs)[fw],
            color=ROLE_COLOURS[r],
            lw=0.6,
            ls=":",
            label=f"lip aperture {'AB'[r]}",
        )
        p = clip.phones[r]
        for ipa, s, e in zip(p["ipa"], p["start"], p["end"], strict=True):
            if is_bilabial_closure(str(ipa)) and s <= end and e >= start:
                ax.axvspan(s, e, color="#d62728", alpha=0.15, lw=0)
    ax.set_ylabel("jaw & lips")
    ax.legend(loc="upper right", fontsize=6, ncol=6)

    ax = axes[4]
    for r in range(2):
        bs = clip.blendshapes[:, r]
        rounding = bs[:, _I["mouthFunnel"]] + bs[:, _I["mouthPucker"]]
        smile = 0.5 * (bs[:, _I["mouthSmileLeft"]] + bs[:, _I["mouthSmileRight"]])
        ax.plot(t[fw], rounding[fw], color=ROLE_COLOURS[r], lw=1.0, label=f"funnel+pucker {'AB'[r]}")
        ax.plot(t[fw], smile[fw], color=ROLE_COLOURS[r], lw=0.8, ls="--", label=f"smile {'AB'[r]}")
    ax.set_ylabel("rounding, smile")
    ax.legend(loc="upper right", fontsize=6, ncol=4)

    ax = axes[5]
    for r in range(2):
        bs = clip.blendshapes[:, r]
        ax.plot(t[fw], bs[fw, _I["eyeBlinkLeft"]], color=ROLE_COLOURS[r], lw=1.0, label=f"blink {'AB'[r]}")
        ax.plot(
            t[fw],
            bs[fw, _I["browInnerUp"]],
            color=ROLE_COLOURS[r],
            lw=0.8,
            ls="--",
            label=f"browInnerUp {'AB'[r]}",
        )
    ax.set_ylabel("blinks, brows")
    ax.legend(loc="upper right", fontsize=6, ncol=4)

    ax = axes[6]
    for r in range(2):
        ax.plot(t[fw], clip.head[fw, r, 0], color=ROLE_COLOURS[r], lw=1.0, label=f"yaw {'AB'[r]}")
        ax.plot(t[fw], clip.head[fw, r, 1], color=ROLE_COLOURS[r], lw=0.8, ls="--", label=f"pitch {'AB'[r]}")
        ax.plot(t[fw], clip.head[fw, r, 2], color=ROLE_COLOURS[r], lw=0.6, ls=":", label=f"roll {'AB'[r]}")
    ax.set_ylabel("head (deg)")
    ax.legend(loc="upper right", fontsize=6, ncol=6)

    _draw_gaze(axes[7], clip, t, fw, start, end)

    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def run(args: argparse.Namespace) -> int:
    try:
        if args.seed is not None:
            clip = generate_clip(args.seed, args.seconds, args.language, args.split)
        elif args.corpus is not None and args.clip:
            clip = load_clip(args.corpus, args.clip)
        else:
            print("error: pass --corpus DIR --clip ID, or --seed S to generate a clip", file=sys.stderr)
            return 2
        path = draw(clip, args.out, args.start, args.end)
    except (CorpusReadError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0
