"""Read clips back from corpus shards (docs/DATA_FORMAT.md) as per-clip arrays.

    for clip in iter_clips(corpus_dir, "train"): clip.mix, clip.role_speech(0), ...
    clip = load_clip(corpus_dir, "train-000003")

Used by the picture (plot_clip) and the measures (measure_corpus); the training
loader (dataset.py) has its own batched reader.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import spec


class CorpusReadError(ValueError):
    """A corpus folder or clip that cannot be read; the message names the fix."""


@dataclass
class ClipData:
    clip_id: str
    language: str
    voices: tuple[str, str]
    staging: str
    mix: np.ndarray  # float32 (S,)
    stems: np.ndarray  # float32 (S, 2)
    blendshapes: np.ndarray  # (F, 2, 52)
    head: np.ndarray
    gaze: np.ndarray
    speaking: np.ndarray
    conditioning: np.ndarray
    phones: list[dict[str, np.ndarray]]  # per role: ipa, start, end, stress
    segments: list[list[tuple[float, float, str]]]  # per role
    lines: list[tuple[int, float, float, str, str]]  # role, start, end, kind, text
    info: dict  # this clip's clips.jsonl row (empty when absent)

    @property
    def seconds(self) -> float:
        return len(self.mix) / spec.SAMPLE_RATE

    @property
    def n_frames(self) -> int:
        return int(self.blendshapes.shape[0])

    def role_speech(self, role: int):
        """The teacher's input for one role, rebuilt from the shard."""
        from .teacher import RoleSpeech

        p = self.phones[role]
        return RoleSpeech(
            p["ipa"],
            p["start"].astype(np.float64),
            p["end"].astype(np.float64),
            p["stress"],
            self.stems[:, role],
            list(self.segments[role]),
        )


def _clips_index(corpus_dir: Path) -> dict[str, dict]:
    path = corpus_dir / "clips.jsonl"
    if not path.is_file():
        return {}
    out = {}
    for row in path.read_text(encoding="utf-8").splitlines():
        if row.strip():
            info = json.loads(row)
            out[info["id"]] = info
    return out


def shard_files(corpus_dir: Path, split: str | None = None) -> list[Path]:
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusReadError(f"{corpus_dir} is not a folder; pass the --out folder of the corpus command")
    pattern = f"{split}-*.npz" if split else "*.npz"
    return sorted(corpus_dir.glob(pattern))


def _clips_of_shard(path: Path, index: dict[str, dict], only: str | None = None) -> Iterator[ClipData]:
    with np.load(path, allow_pickle=False) as z:
        ids = z["clip_ids"].astype(str)
        if only is not None and only not in set(ids):
            return
        a = {k: z[k] for k in z.files}
    yield from clips_from_arrays(a, index, only)


def clips_from_arrays(
    a: dict[str, np.ndarray], index: dict[str, dict] | None = None, only: str | None = None
) -> Iterator[ClipData]:
    """Clips of one shard's arrays (as written by corpus.shard_arrays)."""
    index = index or {}
    ids = a["clip_ids"].astype(str)
    wanted = range(len(ids)) if only is None else [i for i, c in enumerate(ids) if c == only]
    so, fo = a["clip_sample_offsets"], a["clip_frame_offsets"]
    scale = np.float32(spec.AUDIO_INT16_SCALE)  # divide, exactly as the builder does
    for c in wanted:
        s0, s1, f0, f1 = int(so[c]), int(so[c + 1]), int(fo[c]), int(fo[c + 1])
        phones = []
        for r in range(2):
            m = (a["phone_clip"] == c) & (a["phone_role"] == r)
            phones.append(
                {
                    "ipa": a["phone_ipa"][m].astype(str),
                    "start": a["phone_start"][m],
                    "end": a["phone_end"][m],
                    "stress": a["phone_stress"][m],
                }
            )
        segments: list[list[tuple[float, float, str]]] = [[], []]
        if "segment_clip" in a:
            for k in np.flatnonzero(a["segment_clip"] == c):
                segments[int(a["segment_role"][k])].append(
                    (float(a["segment_start"][k]), float(a["segment_end"][k]), str(a["segment_kind"][k]))
                )
        lines = []
        if "line_clip" in a:
            for k in np.flatnonzero(a["line_clip"] == c):
                lines.append(
                    (
                        int(a["line_role"][k]),
                        float(a["line_start"][k]),
                        float(a["line_end"][k]),
                        str(a["line_kind"][k]),
                        str(a["line_text"][k]),
                    )
                )
        voices = tuple(a["clip_voices"][c].astype(str)) if "clip_voices" in a else ("", "")
        yield ClipData(
            clip_id=str(ids[c]),
            language=str(a["clip_language"][c]),
            voices=voices,  # type: ignore[arg-type]
            staging=str(a["clip_staging"][c]) if "clip_staging" in a else "",
            mix=a["audio_mix"][s0:s1].astype(np.float32) / scale,
            stems=a["audio_stems"][s0:s1].astype(np.float32) / scale,
            blendshapes=a["blendshapes"][f0:f1],
            head=a["head"][f0:f1],
            gaze=a["gaze"][f0:f1],
            speaking=a["speaking"][f0:f1],
            conditioning=a["conditioning"][f0:f1],
            phones=phones,
            segments=segments,
            lines=lines,
            info=index.get(str(ids[c]), {}),
        )


def iter_clips(corpus_dir: Path, split: str | None = None) -> Iterator[ClipData]:
    """Every clip of a split (all splits when None), in shard order."""
    corpus_dir = Path(corpus_dir)
    files = shard_files(corpus_dir, split)
    if not files:
        raise CorpusReadError(
            f"no shards in {corpus_dir}; build one with `python -m duet.model.training corpus`"
        )
    index = _clips_index(corpus_dir)
    for path in files:
        yield from _clips_of_shard(path, index)


def load_clip(corpus_dir: Path, clip_id: str) -> ClipData:
    """One clip by id (clips.jsonl names its shard; otherwise the shards are searched)."""
    corpus_dir = Path(corpus_dir)
    index = _clips_index(corpus_dir)
    shard = index.get(clip_id, {}).get("shard")
    files = [corpus_dir / shard] if shard and (corpus_dir / shard).is_file() else shard_files(corpus_dir)
    for path in files:
        for clip in _clips_of_shard(path, index, only=clip_id):
            return clip
    raise CorpusReadError(
        f"clip {clip_id!r} is not in {corpus_dir}; clip ids look like 'train-000003' (see clips.jsonl)"
    )


__all__ = ["ClipData", "CorpusReadError", "clips_from_arrays", "iter_clips", "load_clip", "shard_files"]
