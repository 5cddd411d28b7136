"""Held-out recordings of one voice only: narrations of LibriSpeech test-other readers.

A voice-over of one character (or a narration) must not be split between A and B. Each
monologue is one reader's phrases in a seeded order with pauses between them, in the room tone,
lead and bursts of heldout.py's real pairs; the truth gives all of it to A.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..signal import SPEAKING_BRIDGE_S, merge_spans, spans_to_mask
from . import composer
from .heldout import (
    BURST_KINDS,
    FPS,
    SR,
    TARGET_SECONDS,
    HeldoutDialogue,
    Piece,
    dialogue_rng,
    in_room,
    reading_pieces,
)
from .heldout_recordings import librispeech_sexes, read_flac, test_other_files

MONOLOGUE_LEAD_S = 0.3  # silence before the first phrase (the room adds LEAD_PAD_S more)
MONOLOGUE_PAUSE_S = (0.25, 1.2)  # between phrases of a narration


def compose_monologue(
    name: str,
    pieces: dict[str, list[Piece]],
    voice: str,
    burst_kind: str,
    seed: int,
    index: int,
    target: tuple[float, float] = TARGET_SECONDS,
    tags: dict[str, str] | None = None,
) -> HeldoutDialogue:
    """One reader's phrases in a seeded order with pauses between them, in room tone, with a burst
    before the first phrase when burst_kind is given. Truth: A speaks (voice activity merged over
    pauses < SPEAKING_BRIDGE_S, as the composer's); B never does."""
    rng = dialogue_rng(seed, "real_monologues", index, ("length", "order", "pause", "room", "burst"))
    seconds = float(rng["length"].uniform(*target))
    pool = pieces.get("phrase") or pieces.get("word") or []
    if not pool:
        raise ValueError(f"{voice}: no phrases to read")
    order = [int(i) for i in rng["order"].permutation(len(pool))]
    parts = [np.zeros(int(round(MONOLOGUE_LEAD_S * SR)), np.float64)]
    spans: list[tuple[float, float]] = []
    t = MONOLOGUE_LEAD_S
    k = 0
    while t < seconds:
        piece = pool[order[k % len(order)]]
        k += 1
        spans += [(t + ph.start, t + ph.end) for ph in piece.phones]
        pause = float(rng["pause"].uniform(*MONOLOGUE_PAUSE_S))
        parts += [piece.audio.astype(np.float64), np.zeros(int(round(pause * SR)))]
        t += len(piece.audio) / SR + pause
    dry = np.concatenate(parts)
    n_frames = composer.frame_count(len(dry))
    speaking = spans_to_mask(merge_spans(np.asarray(spans).reshape(-1, 2), SPEAKING_BRIDGE_S), n_frames, FPS)
    truth = np.stack([speaking, np.zeros(n_frames, bool)], axis=1)
    mix, truth, tags = in_room(dry, truth, rng, burst_kind, tags)
    return HeldoutDialogue(
        name, "real_monologues", np.clip(mix, -1.0, 1.0).astype(np.float32), truth, (voice, ""), tags
    )


def real_monologues(
    root: Path, n: int, seed: int, target: tuple[float, float] = TARGET_SECONDS, log: Callable = print
) -> list[HeldoutDialogue]:
    """Up to n narrations, one per LibriSpeech test-other reader (see the module doc); bursts
    before the first phrase in every other one, alternating breath and line noise."""
    files = test_other_files(root)
    sexes = librispeech_sexes(root)
    bursts = itertools.cycle(BURST_KINDS)
    out = []
    for i, spk in enumerate(sorted(files)[:n]):
        merged: dict[str, list[Piece]] = {"phrase": [], "word": []}
        for path in files[spk]:
            for pool, items in reading_pieces(read_flac(path), path.stem).items():
                merged[pool] += items
        kind = next(bursts) if i % 2 == 1 else ""
        sex = sexes.get(spk, "?")
        name = f"mono-{i:02d}-{spk}{sex}"
        d = compose_monologue(
            name, merged, f"librispeech:{spk}({sex})", kind, seed, i, target, {"gender": sex}
        )
        out.append(d)
        log(f"  composed {name} ({d.seconds:.1f} s, {d.tags['start']})")
    return out
