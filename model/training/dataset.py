"""Corpus shards (docs/DATA_FORMAT.md) -> training batches for the dual-stream network.

Shards are read with allow_pickle=False and kept in memory as int16 audio and
float32 targets. A batch is a set of equal-length crops: log-mel features of
the mix (or of both stems), staging conditioning, role anchors, teacher
targets, per-frame lip-event weights and a validity mask (clips shorter than
the crop are zero-padded and masked).

Role anchors tell the network which voice is which role (see windowing.py):
the crops get anchors of the kinds it meets at inference (the first voice of
a take, the previous window's decisions over a prefix, a user's range).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import features, spec
from ..lips import phones as ph
from ..network_config import ANCHOR_DIM, VARIATION_BLEND
from ..pose import world_gaze
from ..signal import mask_to_spans
from ..weights import sha256_of
from .teacher.gaze import AT_PARTNER_DEG

_I = spec.ARKIT_INDEX
# Mouth channels: the lip-sync loss and metrics (jaw, mouth, cheek puff, tongue).
MOUTH = np.array(
    [i for i, n in enumerate(spec.ARKIT_NAMES) if n.startswith(("jaw", "mouth"))]
    + [_I["cheekPuff"], _I["tongueOut"]]
)
OTHER_BLEND = np.array([i for i in range(len(spec.ARKIT_NAMES)) if i not in set(MOUTH.tolist())])
# Channels whose timing is the teacher's free choice (blinks, glances, brows, smiles, head, gaze):
# the take-variation latent is inferred from these in training.
STOCHASTIC_BLEND = np.array(VARIATION_BLEND)
N_STOCHASTIC = len(STOCHASTIC_BLEND) + 5

# Target groups that a clip may or may not be trusted on, per frame and role (shard key
# `target_mask`, (F, 2, len(TARGET_GROUPS)); absent = all trusted, as in synthetic clips):
# lips = mouth shapes, lip aperture and closure; motion = head, gaze, eyes/brows/cheeks,
# gaze reciprocity, staging and motion realism; speaking = who speaks. Real-voice clips
# (real_voices.py) trust speaking everywhere and lips only on known phones and silence.
TARGET_GROUPS = ("lips", "motion", "speaking")
LIPS, MOTION, SPEAKING = range(len(TARGET_GROUPS))
# Voices whose identity is known across clips (real speakers): the voice loss may compare
# them between crops. Synthetic voices are warped per clip, so only their clip knows them.
KNOWN_SPEAKER_PREFIXES = ("librispeech:", "fillets:")
UNKNOWN_SPEAKER = -1


def speaker_key(voice: str) -> int:
    """A stable id of a real speaker (same in every corpus and process); -1 for other voices."""
    if not str(voice).startswith(KNOWN_SPEAKER_PREFIXES):
        return UNKNOWN_SPEAKER
    return int(hashlib.sha1(str(voice).encode("utf-8")).hexdigest()[:12], 16)


# Lip-event weights (added to 1 on the frames they cover).
CLOSURE_WEIGHT = 3.0  # p/b/m: from 40 ms before the phone to 60 ms after its end (seal and release)
VOWEL_WEIGHT = 1.5  # +-40 ms around each vowel's middle (the opening peak)


@dataclass
class Clip:
    shard: int
    index: int
    clip_id: str
    sample0: int
    n_samples: int
    frame0: int
    n_frames: int


class ShardData:
    """One shard's arrays (audio int16, targets float32) plus derived per-frame arrays."""

    def __init__(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in _REQUIRED if k not in z.files]
            if missing:
                raise ValueError(f"{path} lacks {missing}; it is not a corpus shard (docs/DATA_FORMAT.md)")
            self.path = path
            self.sample_offsets = z["clip_sample_offsets"].astype(np.int64)
            self.frame_offsets = z["clip_frame_offsets"].astype(np.int64)
            self.clip_ids = z["clip_ids"].astype(str)
            self.mix = z["audio_mix"]
            self.stems = z["audio_stems"]
            self.blendshapes = z["blendshapes"].astype(np.float32)
            self.head = z["head"].astype(np.float32)
            self.gaze = z["gaze"].astype(np.float32)
            self.speaking = z["speaking"].astype(np.float32)
            self.conditioning = z["conditioning"].astype(np.float32)
            self.phone_clip = z["phone_clip"].astype(np.int64)
            self.phone_role = z["phone_role"].astype(np.int64)
            self.phone_ipa = z["phone_ipa"].astype(str)
            self.phone_start = z["phone_start"].astype(np.float64)
            self.phone_end = z["phone_end"].astype(np.float64)
            n = self.blendshapes.shape[0]
            if "target_mask" in z.files:
                self.target_mask = z["target_mask"].astype(np.float32)
                if self.target_mask.shape != (n, 2, len(TARGET_GROUPS)):
                    raise ValueError(
                        f"{path}: target_mask has shape {self.target_mask.shape}, expected "
                        f"({n}, 2, {len(TARGET_GROUPS)}) for groups {TARGET_GROUPS}; rebuild the corpus"
                    )
            else:
                self.target_mask = np.ones((n, 2, len(TARGET_GROUPS)), dtype=np.float32)
            voices = z["clip_voices"].astype(str) if "clip_voices" in z.files else None
        n_clips = len(self.clip_ids)
        self.speakers = np.full((n_clips, 2), UNKNOWN_SPEAKER, dtype=np.int64)
        if voices is not None and voices.shape == (n_clips, 2):
            self.speakers = np.array([[speaker_key(v) for v in row] for row in voices], dtype=np.int64)
        self.event_weight = np.ones((n, 2), dtype=np.float32)
        self._add_event_weights()
        self.at_partner = np.zeros((n, 2), dtype=np.float32)
        for r in range(2):
            w = world_gaze(self.head[:, r].astype(np.float64), self.gaze[:, r].astype(np.float64))
            self.at_partner[:, r] = np.hypot(w[:, 0], w[:, 1]) <= AT_PARTNER_DEG

    def _add_event_weights(self) -> None:
        fps = spec.NATIVE_FPS
        for k in range(len(self.phone_ipa)):
            c, r = int(self.phone_clip[k]), int(self.phone_role[k])
            f0, f1 = int(self.frame_offsets[c]), int(self.frame_offsets[c + 1])
            s, e = self.phone_start[k], self.phone_end[k]
            ipa = self.phone_ipa[k]
            if _is_closure(ipa):
                a, b, w = s - 0.04, e + 0.06, CLOSURE_WEIGHT
            elif _is_vowel(ipa):
                mid = 0.5 * (s + e)
                a, b, w = mid - 0.04, mid + 0.04, VOWEL_WEIGHT
            else:
                continue
            i0 = f0 + max(0, int(np.ceil(a * fps)))
            i1 = f0 + min(f1 - f0, int(np.floor(b * fps)) + 1)
            if i1 > i0:
                self.event_weight[i0:i1, r] = np.maximum(self.event_weight[i0:i1, r], 1.0 + w)

    def clips(self, shard_index: int) -> list[Clip]:
        out = []
        for c in range(len(self.clip_ids)):
            s0, s1 = self.sample_offsets[c], self.sample_offsets[c + 1]
            f0, f1 = self.frame_offsets[c], self.frame_offsets[c + 1]
            out.append(
                Clip(shard_index, c, str(self.clip_ids[c]), int(s0), int(s1 - s0), int(f0), int(f1 - f0))
            )
        return out


_REQUIRED = (
    "clip_ids",
    "clip_sample_offsets",
    "clip_frame_offsets",
    "audio_mix",
    "audio_stems",
    "blendshapes",
    "head",
    "gaze",
    "speaking",
    "conditioning",
    "phone_clip",
    "phone_role",
    "phone_ipa",
    "phone_start",
    "phone_end",
)

_closure_cache: dict[str, bool] = {}
_vowel_cache: dict[str, bool] = {}


def _is_closure(ipa: str) -> bool:
    if ipa not in _closure_cache:
        _closure_cache[ipa] = ph.is_bilabial_closure(ipa)
    return _closure_cache[ipa]


def _is_vowel(ipa: str) -> bool:
    if ipa not in _vowel_cache:
        _vowel_cache[ipa] = ph.is_vowel(ipa)
    return _vowel_cache[ipa]


def manifest_sha256(corpus_dir: Path) -> str | None:
    path = Path(corpus_dir) / "manifest.json"
    if not path.is_file():
        return None
    return sha256_of(path)


def shard_paths(corpus_dir: Path, split: str) -> list[Path]:
    return sorted(Path(corpus_dir).glob(f"{split}-*.npz"))


@dataclass
class Batch:
    feats: np.ndarray  # (B, C, 2T, n_mels) float32, C = 1 (mix) or 2 (stems)
    cond: np.ndarray  # (B, T, 2, COND_DIM)
    anchor: np.ndarray  # (B, T, 2, 2)
    blendshapes: np.ndarray  # (B, T, 2, 52)
    head: np.ndarray  # (B, T, 2, 3)
    gaze: np.ndarray  # (B, T, 2, 2)
    speaking: np.ndarray  # (B, T, 2)
    at_partner: np.ndarray  # (B, T, 2) teacher's world gaze within AT_PARTNER_DEG of the partner
    event_weight: np.ndarray  # (B, T, 2)
    mask: np.ndarray  # (B, T) 1 on real frames
    pit: np.ndarray  # (B,) bool: no anchor -> roles free (permutation-invariant loss)
    target_mask: np.ndarray  # (B, T, 2, len(TARGET_GROUPS)) 1 where the group's targets are trusted
    speaker: np.ndarray  # (B, 2) int64 speaker_key of A and B (-1: known only within the clip)


class Corpus:
    """All clips of one split, in memory."""

    def __init__(self, corpus_dir: str | Path, split: str) -> None:
        self.dir = Path(corpus_dir)
        paths = shard_paths(self.dir, split)
        if not paths:
            raise FileNotFoundError(
                f"no {split}-*.npz shards in {self.dir}; build a corpus with "
                f"`python -m duet.model.training corpus --out {self.dir}`"
            )
        self.shards = [ShardData(p) for p in paths]
        self.clips = [c for i, s in enumerate(self.shards) for c in s.clips(i) if c.n_frames > 0]
        if not self.clips:
            raise ValueError(f"the {split} shards in {self.dir} hold no clips")
        lengths = np.array([c.n_frames for c in self.clips], dtype=np.float64)
        self._p = lengths / lengths.sum()

    @property
    def seconds(self) -> float:
        return float(sum(c.n_samples for c in self.clips)) / spec.SAMPLE_RATE

    def feature_stats(self, rng: np.random.Generator, n_clips: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """Per-mel mean and std of the mix features over a sample of clips (network input scaling)."""
        picks = rng.choice(len(self.clips), size=min(n_clips, len(self.clips)), replace=False)
        rows = []
        for k in picks:
            clip = self.clips[int(k)]
            sd = self.shards[clip.shard]
            audio = sd.mix[clip.sample0 : clip.sample0 + min(clip.n_samples, 30 * spec.SAMPLE_RATE)]
            rows.append(features.log_mel(audio.astype(np.float32) / spec.AUDIO_INT16_SCALE))
        allf = np.concatenate(rows)
        return allf.mean(axis=0).astype(np.float32), np.maximum(allf.std(axis=0), 1e-3).astype(np.float32)

    def crop(
        self,
        clip: Clip,
        start: int,
        n_frames: int,
        stems: bool,
        rng: np.random.Generator | None,
        gain_db: float = 0.0,
    ) -> dict:
        """One crop of `n_frames` from `start` (clip frames); padded with masked frames past the clip."""
        sd = self.shards[clip.shard]
        take = max(0, min(n_frames, clip.n_frames - start))
        f0 = clip.frame0 + start
        s0 = clip.sample0 + start * 320
        s1 = min(clip.sample0 + clip.n_samples, s0 + n_frames * 320)
        src = sd.stems[s0:s1] if stems else sd.mix[s0:s1]
        audio = src.astype(np.float32) * np.float32(10.0 ** (gain_db / 20.0) / spec.AUDIO_INT16_SCALE)
        # Features of the crop: frame 0 of the crop is at the crop's first sample; audio before
        # it counts as zeros, as it does for the first window of a take.
        feats = features.stream_features(audio, 0, n_frames)

        def pad(a: np.ndarray) -> np.ndarray:
            out = np.zeros((n_frames, *a.shape[1:]), dtype=np.float32)
            out[:take] = a[f0 : f0 + take]
            return out

        mask = np.zeros(n_frames, dtype=np.float32)
        mask[:take] = 1.0
        item = {
            "feats": feats,
            "cond": pad(sd.conditioning),
            "blendshapes": pad(sd.blendshapes),
            "head": pad(sd.head),
            "gaze": pad(sd.gaze),
            "speaking": pad(sd.speaking),
            "at_partner": pad(sd.at_partner),
            "event_weight": pad(sd.event_weight),
            "target_mask": pad(sd.target_mask),
            "mask": mask,
            "speaker": sd.speakers[clip.index].copy(),
        }
        anchor, pit = make_anchor(item["speaking"], take, stems, rng)
        if pit:
            item["cond"][:] = 0.0  # roles are free: conditioning could not say whose it is
        item["anchor"] = anchor
        item["pit"] = pit
        return item

    def sample_item(self, rng: np.random.Generator, n_frames: int, stems: bool) -> dict:
        """One random crop (clips drawn in proportion to their length)."""
        clip = self.clips[int(rng.choice(len(self.clips), p=self._p))]
        start = int(rng.integers(0, max(1, clip.n_frames - n_frames + 1)))
        return self.crop(clip, start, n_frames, stems, rng, gain_db=float(rng.uniform(-6.0, 6.0)))

    def sample(self, rng: np.random.Generator, batch_size: int, n_frames: int, stems: bool) -> Batch:
        return collate([self.sample_item(rng, n_frames, stems) for _ in range(batch_size)])

    def fixed_crops(self, n_items: int, n_frames: int, seed: int = 1234) -> list[tuple[Clip, int, bool]]:
        """A deterministic list of (clip, start, stems) for validation losses."""
        rng = np.random.default_rng(seed)
        out = []
        for k in range(n_items):
            clip = self.clips[int(rng.integers(len(self.clips)))]
            start = int(rng.integers(0, max(1, clip.n_frames - n_frames + 1)))
            out.append((clip, start, k % 4 == 3))
        return out


class MixedCorpus:
    """Crops from a main corpus and, with probability `share` per crop, from a second one
    (the real-voice corpus): a documented share whatever the two corpora's sizes."""

    def __init__(self, main: Corpus, extra: Corpus, share: float) -> None:
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"the real-voice share must be between 0 and 1 (got {share})")
        self.main, self.extra, self.share = main, extra, float(share)
        self.clips = main.clips + extra.clips

    @property
    def seconds(self) -> float:
        return self.main.seconds + self.extra.seconds

    def feature_stats(self, rng: np.random.Generator, n_clips: int = 64) -> tuple[np.ndarray, np.ndarray]:
        return self.main.feature_stats(rng, n_clips)

    def sample(self, rng: np.random.Generator, batch_size: int, n_frames: int, stems: bool) -> Batch:
        items = []
        for _ in range(batch_size):
            source = self.extra if rng.random() < self.share else self.main
            items.append(source.sample_item(rng, n_frames, stems))
        return collate(items)


def collate(items: list[dict]) -> Batch:
    def stack(key: str) -> np.ndarray:
        return np.stack([it[key] for it in items]).astype(np.float32)

    return Batch(
        feats=stack("feats"),
        cond=stack("cond"),
        anchor=stack("anchor"),
        blendshapes=stack("blendshapes"),
        head=stack("head"),
        gaze=stack("gaze"),
        speaking=stack("speaking"),
        at_partner=stack("at_partner"),
        event_weight=stack("event_weight"),
        mask=stack("mask"),
        pit=np.array([bool(it["pit"]) for it in items]),
        target_mask=stack("target_mask"),
        speaker=np.stack([np.asarray(it["speaker"], dtype=np.int64) for it in items]),
    )


def make_anchor(
    speaking: np.ndarray, valid: int, stems: bool, rng: np.random.Generator | None
) -> tuple[np.ndarray, bool]:
    """Role anchors (T, 2, 2) of the kinds met at inference, and whether the crop has none.

    diarized (40 %): dense, as diarization.py gives them on a mix: every frame
    where one role speaks alone, with a few short stretches left out and a
    few flipped to the other role (clustering errors);
    first voice (25 %): the first stretch (0.2-1 s) of the first role heard alone;
    prefix (20 %): who spoke over the first 2-8 s, as a previous window decides it;
    range (10 %): a user's span somewhere in the crop in which one role speaks alone;
    none (5 %; half of the stems crops): roles come from the stems, or are free.
    Without an rng (validation) the diarized kind is used, without errors.
    """
    t = speaking.shape[0]
    anchor = np.zeros((t, 2, ANCHOR_DIM), dtype=np.float32)
    spk = speaking[:valid] > 0.5
    alone = [spk[:, r] & ~spk[:, 1 - r] for r in range(2)]
    if stems and rng is not None and rng.random() < 0.5:
        return anchor, False
    u = 0.0 if rng is None else float(rng.random())
    if u < 0.40:
        labels = np.where(alone[0], 0, np.where(alone[1], 1, -1))
        if rng is not None:
            slots = max(1, valid // 100)
            for _ in range(int(rng.binomial(slots, 0.1))):  # clustering errors: short flipped stretches
                i = int(rng.integers(0, max(1, valid)))
                seg = slice(i, i + int(rng.integers(5, 30)))
                labels[seg] = np.where(labels[seg] >= 0, 1 - labels[seg], -1)
            for _ in range(int(rng.binomial(slots, 0.2))):  # low-confidence stretches left unknown
                i = int(rng.integers(0, max(1, valid)))
                labels[i : i + int(rng.integers(5, 60))] = -1
        known = labels >= 0
        anchor[:valid][known, :, 0] = 1.0
        anchor[:valid][labels == 0, 0, 1] = 1.0
        anchor[:valid][labels == 1, 1, 1] = 1.0
        return anchor, False
    if u < 0.65 or (u < 0.85 and valid < 250):
        firsts = [np.flatnonzero(a) for a in alone]
        cands = [(int(f[0]), r) for r, f in enumerate(firsts) if len(f)]
        if not cands:
            return anchor, not stems
        i, r = min(cands)
        run_end = i
        while run_end < valid and alone[r][run_end]:
            run_end += 1
        length = int(rng.integers(10, 51)) if rng is not None else 30
        j = min(run_end, i + length)
        anchor[i:j, :, 0] = 1.0
        anchor[i:j, r, 1] = 1.0
        return anchor, False
    if u < 0.85:
        assert rng is not None
        k = int(rng.integers(10, min(40, (valid - 100) // 10) + 1)) * 10
        anchor[:k, :, 0] = 1.0
        anchor[:k, :, 1] = spk[:k]
        return anchor, False
    if u < 0.95:
        assert rng is not None
        runs = [(a, b, r) for r in range(2) for a, b in mask_to_spans(alone[r]).tolist() if b - a >= 10]
        if not runs:
            return anchor, not stems
        a, b, r = runs[int(rng.integers(len(runs)))]
        length = int(rng.integers(10, min(150, b - a) + 1))
        i = int(rng.integers(a, b - length + 1))
        anchor[i : i + length, :, 0] = 1.0
        anchor[i : i + length, r, 1] = 1.0
        return anchor, False
    return anchor, not stems


# -- a small synthetic corpus for tests and smoke runs -------------------------------------------


def write_synthetic_corpus(
    out_dir: str | Path, *, clips: dict[str, int] | None = None, seconds: float = 20.0, seed: int = 0
) -> Path:
    """Shards in the corpus format from the teacher's buzz/noise dialogues (not speech).

    For tests of the loader and the training loop, and for smoke runs before
    the real corpus exists; `python -m duet.model.training corpus` builds the real one.
    """
    from .teacher import teach
    from .teacher.synthetic import synthetic_dialogue

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clips = clips or {"train": 4, "validation": 1, "test": 1}
    manifest: dict = {"synthetic": True, "seed": seed, "splits": {}}
    k = 0
    for split, n in clips.items():
        rows = []
        while len(rows) < n:
            k += 1
            try:
                a, b, n_frames = synthetic_dialogue(seed=seed * 1000 + k, seconds=seconds)
            except ValueError:
                continue  # the generator fails on a laugh that runs past the clip's end: skip the seed
            if len(b.phone_start) and (not len(a.phone_start) or b.phone_start.min() < a.phone_start.min()):
                a, b = b, a  # corpus convention: A speaks first
            out_t = teach(a, b, n_frames=n_frames, seed=seed + k)
            stems = np.stack([a.stem, b.stem], axis=1)
            mix = np.clip(stems.sum(axis=1), -1.0, 1.0)
            rows.append((f"synth{k:05d}", a, b, out_t, stems, mix))
        path = out / f"{split}-00000.npz"
        _write_shard(path, rows)
        manifest["splits"][split] = {"shards": [path.name], "clips": n}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out


def _write_shard(path: Path, rows: list) -> None:
    so, fo = [0], [0]
    arrays: dict[str, list] = {
        k: []
        for k in ("mix", "stems", "bs", "head", "gaze", "spk", "cond", "pc", "pr", "pi", "ps", "pe", "pst")
    }
    for c, (_cid, a, b, t, stems, mix) in enumerate(rows):
        so.append(so[-1] + len(mix))
        fo.append(fo[-1] + t.n_frames)
        arrays["mix"].append(np.round(mix * spec.AUDIO_INT16_SCALE).astype(np.int16))
        arrays["stems"].append(np.round(np.clip(stems, -1, 1) * spec.AUDIO_INT16_SCALE).astype(np.int16))
        arrays["bs"].append(t.blendshapes)
        arrays["head"].append(t.head)
        arrays["gaze"].append(t.gaze)
        arrays["spk"].append(t.speaking)
        arrays["cond"].append(np.zeros((t.n_frames, 2, spec.COND_DIM), np.float32))
        for r, sp in enumerate((a, b)):
            n = len(sp.phone_ipa)
            arrays["pc"].append(np.full(n, c, np.int32))
            arrays["pr"].append(np.full(n, r, np.int8))
            arrays["pi"].append(np.asarray(sp.phone_ipa, dtype="<U8"))
            arrays["ps"].append(np.asarray(sp.phone_start, np.float32))
            arrays["pe"].append(np.asarray(sp.phone_end, np.float32))
            arrays["pst"].append(np.asarray(sp.phone_stress, np.int8))
    np.savez(
        path,
        sample_rate=np.int64(spec.SAMPLE_RATE),
        fps=np.float64(spec.NATIVE_FPS),
        clip_ids=np.array([r[0] for r in rows], dtype="<U32"),
        clip_sample_offsets=np.array(so, np.int64),
        clip_frame_offsets=np.array(fo, np.int64),
        audio_mix=np.concatenate(arrays["mix"]),
        audio_stems=np.concatenate(arrays["stems"]),
        blendshapes=np.concatenate(arrays["bs"]).astype(np.float32),
        head=np.concatenate(arrays["head"]).astype(np.float32),
        gaze=np.concatenate(arrays["gaze"]).astype(np.float32),
        speaking=np.concatenate(arrays["spk"]).astype(np.float32),
        conditioning=np.concatenate(arrays["cond"]).astype(np.float32),
        phone_clip=np.concatenate(arrays["pc"]),
        phone_role=np.concatenate(arrays["pr"]),
        phone_ipa=np.concatenate(arrays["pi"]),
        phone_start=np.concatenate(arrays["ps"]),
        phone_end=np.concatenate(arrays["pe"]),
        phone_stress=np.concatenate(arrays["pst"]),
        clip_language=np.array(["en"] * len(rows), dtype="<U8"),
    )
