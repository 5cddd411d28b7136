"""Who is who in a mix: the dense role anchor that tells the network which voice is A and which B.

The take is split in two voices over the network's voice vectors (diarization.voice_track) joined
with the shipped voice prints (voiceprint.py: of 1.6 s windows, and of each short voiced segment
alone); it holds one voice only where the vectors hear one and the prints agree; where the
shipped voice counter (voice_count.py) hears two voices at once, the anchor says nothing.
generation.perform calls audio_roles on a mix without a script, and script_overlaps on a script
take's alignment.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from . import diarization, features, voice_count, voice_report, voiceprint, windowing


def audio_roles(
    rt: Any,
    x: np.ndarray,
    n_frames: int,
    seed_anchor: np.ndarray,
    log_mel: np.ndarray | None = None,
    *,
    trim_seed: bool = True,
    overlaps: bool = True,
) -> tuple[np.ndarray, dict]:
    """The dense role anchor of a mix and the clustering's report (diarization.assign_roles). The
    take is split again over the voice vectors joined with the shipped voice prints
    (diarization.join_prints), when this build has them; one voice only where the vectors hear one
    and the prints agree (voice_report.prints_alike); the frames
    where the shipped voice counter hears two voices at once are left unknown (overlap_unknown).
    log_mel: the mix's features.log_mel when the caller has it. trim_seed: the seed is the first
    voice heard (windowing.first_voice_anchor), whose tail may be the partner's
    (diarization.trim_seed); False for a stretch the animator named. overlaps: False keeps the
    frames the counter hears as two voices on the voice they were given."""
    voiced = windowing.voiced_frames(x, n_frames)
    if log_mel is None:
        log_mel = features.log_mel(x)  # once, for the voice vectors, the prints and the counter
    anchor, report = _split_voices(rt, x, n_frames, seed_anchor, log_mel, voiced, trim_seed)
    if overlaps and report["voices"] == 2:
        anchor, two = overlap_unknown(anchor, x, voiced, log_mel)
        report["two_voices_frames"] = int(two.sum())
    return anchor, report


# Where the voice counter is at least this sure of two voices at once, the anchor says nothing
# (chosen on development takes: tools/probe_overlaps.py).
TWO_VOICES_P = 0.7


def overlap_unknown(
    anchor: np.ndarray,
    x: np.ndarray,
    voiced: np.ndarray,
    log_mel: np.ndarray | None = None,
    *,
    counter: voice_count.VoiceCounter | None = None,
    threshold: float = TWO_VOICES_P,
    probability: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The anchor without the voiced frames where the shipped voice counter (voice_count.py) hears
    two voices at once, and those frames (F,) bool. The clustering gives such a frame to the louder
    voice, and the anchor would tell the network that the partner is silent; left unknown, the
    network decides (it learned to where the anchor says nothing). Frames where the anchor already
    says both speak (a script's overlapping lines) keep it. Unchanged without a counter. counter,
    threshold: another counter than the shipped one, another P(two voices) than TWO_VOICES_P (the
    development probe, tools/probe_overlaps.py); probability: the counter's (F,) P(two voices)
    already read for this take (the shipped counter's)."""
    n = len(anchor)
    if probability is None:
        if counter is None:
            counter = voice_count.shipped()
        if counter is None:
            return anchor, np.zeros(n, dtype=bool)
        probability = counter.two_voices(x, voiced, log_mel)
    two = np.zeros(n, dtype=bool)
    m = min(len(probability), len(voiced))
    heard = (np.asarray(probability)[:m] > threshold) & np.asarray(voiced, dtype=bool)[:m]
    two[: len(heard)] = heard[:n]
    two &= ~((anchor[:, 0, 0] > 0) & (anchor[:, :, 1] > 0.5).all(axis=1))
    out = anchor.copy()
    out[two] = 0.0
    return out, two


def script_overlaps(aligned: Any, x: np.ndarray, log_mel: np.ndarray | None = None) -> Any:
    """A script take's alignment with the frames where two voices speak at once and the lines say
    one left to the network (overlap_unknown; ScriptAlignment.two_voices). Only on a mix
    whose lines give both characters: stems are each their character, and a script of one
    character's lines has no partner to hear."""
    if x.ndim != 1 or len({line.role for line in aligned.lines}) < 2:
        return aligned
    voiced = windowing.voiced_frames(x, len(aligned.anchor))
    anchor, two = overlap_unknown(aligned.anchor, x, voiced, log_mel, probability=aligned.two_voices_p)
    return dataclasses.replace(aligned, anchor=anchor, two_voices=two)


def _split_voices(
    rt: Any,
    x: np.ndarray,
    n_frames: int,
    seed_anchor: np.ndarray,
    log_mel: np.ndarray,
    voiced: np.ndarray,
    trim_seed: bool,
) -> tuple[np.ndarray, dict]:
    """audio_roles before the voice counter: one voice or two, and two split by voice."""
    emb = diarization.voice_track(rt, x, n_frames, log_mel)
    anchor, info = diarization.assign_roles(emb, voiced, seed_anchor)
    prints = voiceprint.shipped()
    if prints is None or info["voices"] == 0:
        return anchor, info
    frame_prints = voiceprint.take_frame_prints(prints, x, voiced, log_mel)
    if frame_prints is None:
        return anchor, info
    split_anchor, report, seed_anchor = _split_joined(emb, frame_prints, voiced, seed_anchor, trim_seed)
    report["centroid_cos"] = info["centroid_cos"]
    # The voice vectors hear one voice: it is one unless the prints split it into two voices that
    # each have frames of their own and do not sound as alike as one voice's halves do
    # (voice_report.prints_alike): two voices the vectors merge and the prints tell apart are split
    # (docs/EVAL.md "Session 20").
    if info["voices"] == 1 and (report["print_cos"] is None or voice_report.prints_alike(report)):
        return anchor, {**info, "print_cos": report["print_cos"], "joined_cos": report["joined_cos"]}
    if report["print_cos"] is not None and report["print_cos"] > diarization.RESPLIT_PRINT_COS:
        split_anchor = _split_again(emb, frame_prints, voiced, seed_anchor, split_anchor, report)
    return split_anchor, report


def _split_joined(
    emb: np.ndarray, frame_prints: np.ndarray, voiced: np.ndarray, seed_anchor: np.ndarray, trim_seed: bool
) -> tuple[np.ndarray, dict, np.ndarray]:
    """Two voices split over the voice vectors joined with the prints: the anchor, the report (how
    alike the split's two voices are, joined and by their prints alone: voice_report.voices_alike
    was chosen on those figures; the caller adds the voice vectors' own likeness) and the seed
    anchor, its tail trimmed where it sounds like the other role."""
    joined = diarization.join_prints(emb, frame_prints)
    anchor, split = diarization.assign_roles(joined, voiced, seed_anchor, one_voice=False)
    cut = 0
    if trim_seed:
        seed_anchor, cut = diarization.trim_seed(seed_anchor, joined, anchor)
        if cut:
            anchor, split = diarization.assign_roles(joined, voiced, seed_anchor, one_voice=False)
    report = {
        **split,
        "joined_cos": split["centroid_cos"],
        "print_cos": _likeness(frame_prints, joined, voiced, seed_anchor),
        "split_by_prints": True,
        "seed_frames_trimmed": cut,
    }
    return anchor, report, seed_anchor


def _split_again(
    emb: np.ndarray,
    frame_prints: np.ndarray,
    voiced: np.ndarray,
    seed_anchor: np.ndarray,
    anchor: np.ndarray,
    report: dict,
) -> np.ndarray:
    """A split whose voices the prints hear as alike, made again with the prints weighing each of
    RESPLIT_PRINT_WEIGHTS and decided frame by frame by vote; `anchor` when no second split leaves
    each role frames of its own. Adds the kept split's figures to `report`."""
    splits, votes = [], []
    for weight in diarization.RESPLIT_PRINT_WEIGHTS:
        again, _ = diarization.assign_roles(
            diarization.join_prints(emb, frame_prints, weight), voiced, seed_anchor, one_voice=False
        )
        likeness = diarization.role_likeness(frame_prints, again)
        # A second split that leaves a role almost nothing of its own is no split of two voices.
        # A frame goes to the role most splits give it; between two splits that disagree, to the
        # one whose voices the prints hear as more apart.
        if likeness is not None:
            splits.append(again)
            votes.append(1.0 + 0.5 * max(0.0, 1.0 - likeness))
    if not splits:
        return anchor
    again = diarization.vote_roles(splits, votes)
    resplit = diarization.role_likeness(frame_prints, again)
    if resplit is None:
        return anchor
    assigned = float(again[:, 0, 0][voiced].mean()) if voiced.any() else 0.0
    report.update(assigned=assigned, resplit_print_cos=resplit)
    return again


def _likeness(
    frame_prints: np.ndarray, joined: np.ndarray, voiced: np.ndarray, seed_anchor: np.ndarray
) -> float | None:
    """How alike the two voices of a split on `joined` sound by their prints (role_likeness), over the
    frames the split is sure of at diarization.LIKENESS_MARGIN."""
    sure, _ = diarization.assign_roles(
        joined, voiced, seed_anchor, one_voice=False, margin=diarization.LIKENESS_MARGIN
    )
    return diarization.role_likeness(frame_prints, sure)
