"""The measures of docs (shared DESIGN.md "Measures"), on one clip at 50 fps.

Every function takes plain arrays: predicted curves (F, 2, ...) for roles A, B
and reference phones / speaking / conditioning, so the model, the baselines
and the teacher are scored by the same code.

Definitions (the numbers are ours where DESIGN.md leaves them open):
- lips are sealed when the lip aperture (lips.visemes.lip_aperture) is at
  most SEAL_APERTURE; a release is an upward crossing of it, timed by linear
  interpolation between frames;
- lip-sync error (ms): mean |time error| over mouth events, a miss = 150 ms:
  the release after each p/b/m (adjacent p/b/m merge into one closure) against
  the phone's end, and the aperture peak nearest each vowel's middle;
- closure recall: share of p/b/m closures sealed within [start - 150 ms,
  end + 150 ms] and released within 150 ms of the phone's end;
- closure precision: of the releases inside running speech (phones merged
  over gaps < 300 ms, the first 100 ms of each stretch left out: the opening
  for speech is no release), the share that lie in [start, end + 150 ms] of a p/b/m;
- rounding contrast: mean funnel + pucker over rounded vowels (and w) minus
  over spread vowels (i, ɪ, e, ɛ);
- mouth-openness correlation: Pearson r of predicted and reference aperture;
- speaker attribution: frame accuracy of the class none / A / B / both
  (speaking > 0.5), roles as generate() assigns them; also the accuracy with
  the better role order, to tell role mix-ups from detection errors;
- cross-talk leakage: listener aperture / speaker aperture while only the
  partner speaks (both directions pooled);
- gaze (world gaze = the exact head + eye composition the bake uses): at the
  partner when within AT_PARTNER_DEG; reciprocity P(B at A | A at B) (and the
  reverse); listener-at-speaker and speaker-at-listener fractions over frames
  where exactly one role speaks; staged contact: both within 3 deg while
  staged to look at each other;
- staging error: rotation angle (deg) between the head and the commanded
  orientation on held frames (no nod or shake), before any staging solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import pose, spec
from ..lips import phones as ph
from ..lips.visemes import lip_aperture
from ..pose import FORWARD, LEFT, UP, world_gaze
from .teacher.gaze import AT_PARTNER_DEG

FPS = spec.NATIVE_FPS
MISS_MS = 150.0
WINDOW_S = 0.150
SEAL_APERTURE = 0.05  # ~5 % of a full jaw drop: lips visibly together on ARKit rigs
MERGE_CLOSURE_GAP_S = 0.03
RUNNING_SPEECH_GAP_S = 0.3
SPEECH_ONSET_S = 0.1
CONTACT_DEG = 3.0
_I = spec.ARKIT_INDEX


@dataclass
class Phones:
    """One role's reference phones (seconds from the clip start)."""

    ipa: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def empty(cls) -> Phones:
        return cls(np.zeros(0, dtype="<U8"), np.zeros(0), np.zeros(0))


def _closures(p: Phones) -> list[tuple[float, float]]:
    """(start, end) of p/b/m closures, adjacent ones merged."""
    out: list[list[float]] = []
    for ipa, s, e in zip(p.ipa, p.start, p.end, strict=True):
        if not ph.is_bilabial_closure(str(ipa)):
            continue
        if out and s - out[-1][1] <= MERGE_CLOSURE_GAP_S:
            out[-1][1] = max(out[-1][1], float(e))
        else:
            out.append([float(s), float(e)])
    return [(a, b) for a, b in out]


def _vowel_middles(p: Phones) -> np.ndarray:
    keep = [k for k, ipa in enumerate(p.ipa) if ph.is_vowel(str(ipa))]
    return 0.5 * (p.start[keep] + p.end[keep]) if keep else np.zeros(0)


def releases(aperture: np.ndarray) -> np.ndarray:
    """Times (s) where the aperture rises through SEAL_APERTURE (sealed -> open)."""
    a = np.asarray(aperture, dtype=np.float64)
    i = np.flatnonzero((a[:-1] <= SEAL_APERTURE) & (a[1:] > SEAL_APERTURE))
    frac = (SEAL_APERTURE - a[i]) / np.maximum(a[i + 1] - a[i], 1e-12)
    return (i + frac) / FPS


def opening_peaks(aperture: np.ndarray) -> np.ndarray:
    """Times (s) of local maxima of the aperture above the seal level, parabola-refined."""
    a = np.asarray(aperture, dtype=np.float64)
    if len(a) < 3:
        return np.zeros(0)
    i = np.flatnonzero((a[1:-1] >= a[:-2]) & (a[1:-1] > a[2:]) & (a[1:-1] > SEAL_APERTURE)) + 1
    left, mid, right = a[i - 1], a[i], a[i + 1]
    denom = left - 2.0 * mid + right
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    return (i + np.clip(shift, -0.5, 0.5)) / FPS


def lip_events(
    aperture: np.ndarray,
    p: Phones,
    spans: list[tuple[float, float]] | None = None,
    onset_s: float = SPEECH_ONSET_S,
) -> dict:
    """Per-role closure and vowel events: errors (ms, misses at 150), recall hits, precision counts.
    Precision counts the releases inside `spans` (default: the running speech of `p`) after their
    first `onset_s`."""
    a = np.asarray(aperture, dtype=np.float64)
    n = len(a)
    t = np.arange(n) / FPS
    rel = releases(a)
    peaks = opening_peaks(a)
    sealed = a <= SEAL_APERTURE
    closure_err, hits = [], []
    closures = _closures(p)
    for s, e in closures:
        win = (t >= s - WINDOW_S) & (t <= e + WINDOW_S)
        near = rel[np.abs(rel - e) <= WINDOW_S]
        ok = bool(np.any(sealed & win)) and len(near) > 0
        hits.append(ok)
        closure_err.append(float(np.min(np.abs(near - e))) * 1000.0 if ok else MISS_MS)
    vowel_err = []
    for m in _vowel_middles(p):
        if len(peaks) == 0:
            vowel_err.append(MISS_MS)
            continue
        d = float(np.min(np.abs(peaks - m))) * 1000.0
        vowel_err.append(min(d, MISS_MS))
    # Precision: releases inside running speech that belong to a p/b/m.
    inside = np.zeros(len(rel), dtype=bool)
    for s, e in _speech_spans(p) if spans is None else spans:
        inside |= (rel > s + onset_s) & (rel <= e)
    matched = np.zeros(len(rel), dtype=bool)
    for s, e in closures:
        matched |= (rel >= s) & (rel <= e + WINDOW_S)
    return {
        "closure_errors_ms": closure_err,
        "vowel_errors_ms": vowel_err,
        "closure_hits": hits,
        "releases_in_speech": int(inside.sum()),
        "releases_after_pbm": int((inside & matched).sum()),
    }


def _speech_spans(p: Phones) -> list[tuple[float, float]]:
    keep = [k for k, ipa in enumerate(p.ipa) if not ph.is_silence(str(ipa))]
    if not keep:
        return []
    order = np.argsort(p.start[keep])
    starts, ends = p.start[keep][order], p.end[keep][order]
    spans = [[float(starts[0]), float(ends[0])]]
    for s, e in zip(starts[1:], ends[1:], strict=True):
        if s - spans[-1][1] < RUNNING_SPEECH_GAP_S:
            spans[-1][1] = max(spans[-1][1], float(e))
        else:
            spans.append([float(s), float(e)])
    return [(a, b) for a, b in spans]


def rounding(blend: np.ndarray, p: Phones) -> tuple[list[float], list[float]]:
    """Mean funnel + pucker over each rounded and each spread vowel of one role."""
    lips = blend[:, _I["mouthFunnel"]] + blend[:, _I["mouthPucker"]]
    n = len(lips)
    rounded, spread = [], []
    for ipa, s, e in zip(p.ipa, p.start, p.end, strict=True):
        ipa = str(ipa)
        is_r, is_s = ph.is_rounded_vowel(ipa), ph.is_spread_vowel(ipa)
        if not (is_r or is_s):
            continue
        if n == 0:
            continue
        # Frames whose time lies in [start, end), at least one.
        i0 = int(np.clip(np.ceil(s * FPS - 1e-9), 0, n - 1))
        i1 = int(np.clip(np.ceil(e * FPS - 1e-9), i0 + 1, n))
        value = float(lips[i0:i1].mean())
        (rounded if is_r else spread).append(value)
    return rounded, spread


def classes(speaking: np.ndarray) -> np.ndarray:
    """(F, 2) probabilities -> (F,) 0 none, 1 A, 2 B, 3 both."""
    s = np.asarray(speaking) > 0.5
    return s[:, 0].astype(np.int64) + 2 * s[:, 1].astype(np.int64)


def at_partner(head: np.ndarray, gaze: np.ndarray, limit_deg: float = AT_PARTNER_DEG) -> np.ndarray:
    """(F, 2) bool: world gaze within limit of the partner's face."""
    out = np.zeros(head.shape[:2], dtype=bool)
    for r in range(2):
        w = world_gaze(head[:, r].astype(np.float64), gaze[:, r].astype(np.float64))
        out[:, r] = np.hypot(w[:, 0], w[:, 1]) <= limit_deg
    return out


def head_angle_error(head: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotation angle (deg) between head orientations (N, 3) and targets (N, 3), yaw/pitch/roll deg."""
    if len(head) == 0:
        return np.zeros(0)
    q1 = pose.character_rotation(np.asarray(head, dtype=np.float64), FORWARD, LEFT, UP)
    q2 = pose.character_rotation(np.asarray(target, dtype=np.float64), FORWARD, LEFT, UP)
    dot = np.abs(np.sum(q1 * q2, axis=-1))
    return np.degrees(2.0 * np.arccos(np.clip(dot, 0.0, 1.0)))


@dataclass
class ClipReference:
    """What a clip is scored against (any field may be None when unknown)."""

    phones: tuple[Phones, Phones]
    speaking: np.ndarray | None = None  # (F, 2) 0/1
    aperture: np.ndarray | None = None  # (F, 2) reference lip aperture (the teacher's)
    conditioning: np.ndarray | None = None  # (F, 2, COND_DIM)


def clip_counts(
    blend: np.ndarray, head: np.ndarray, gaze: np.ndarray, speaking: np.ndarray, ref: ClipReference
) -> dict:
    """Raw counts and sums of one clip; pool several clips with pool()."""
    n = min([len(blend)] + [len(x) for x in (ref.speaking, ref.aperture, ref.conditioning) if x is not None])
    blend, head, gaze, speaking = blend[:n], head[:n], gaze[:n], speaking[:n]
    ap = lip_aperture(blend.astype(np.float64))  # (F, 2)
    c: dict = {
        "frames": n,
        "closure_errors_ms": [],
        "vowel_errors_ms": [],
        "closure_hits": [],
        "releases_in_speech": 0,
        "releases_after_pbm": 0,
        "rounded": [],
        "spread": [],
    }
    for r in range(2):
        ev = lip_events(ap[:, r], ref.phones[r])
        for key in ("closure_errors_ms", "vowel_errors_ms", "closure_hits"):
            c[key] += ev[key]
        c["releases_in_speech"] += ev["releases_in_speech"]
        c["releases_after_pbm"] += ev["releases_after_pbm"]
        ro, sp = rounding(blend[:, r], ref.phones[r])
        c["rounded"] += ro
        c["spread"] += sp
    if ref.aperture is not None:
        c["aperture_pairs"] = (ap.reshape(-1), np.asarray(ref.aperture[:n], dtype=np.float64).reshape(-1))
    if ref.speaking is not None:
        truth = classes(ref.speaking[:n])
        pred = classes(speaking)
        swapped = classes(speaking[:, ::-1])
        c["attribution_correct"] = int((pred == truth).sum())
        c["attribution_correct_better_order"] = int(max((pred == truth).sum(), (swapped == truth).sum()))
        spk = ref.speaking[:n] > 0.5
        only = [spk[:, r] & ~spk[:, 1 - r] for r in range(2)]
        c["leak_listener"] = float(sum(ap[only[r], 1 - r].sum() for r in range(2)))
        c["leak_speaker"] = float(sum(ap[only[r], r].sum() for r in range(2)))
        looks = at_partner(head, gaze)
        c["one_speaker_frames"] = int(sum(o.sum() for o in only))
        c["listener_at_speaker"] = int(sum((o & looks[:, 1 - r]).sum() for r, o in enumerate(only)))
        c["speaker_at_listener"] = int(sum((o & looks[:, r]).sum() for r, o in enumerate(only)))
    looks = at_partner(head, gaze)
    c["a_at_b"] = int(looks[:, 0].sum())
    c["b_at_a"] = int(looks[:, 1].sum())
    c["both_at"] = int((looks[:, 0] & looks[:, 1]).sum())
    if ref.conditioning is not None:
        cond = np.asarray(ref.conditioning[:n], dtype=np.float64)
        errs = []
        for r in range(2):
            x = cond[:, r]
            held = (
                (x[:, spec.COND_HEAD_ACTIVE] >= 1.0)
                & (x[:, spec.COND_NOD] <= 0)
                & (x[:, spec.COND_SHAKE] <= 0)
            )
            target = (
                x[held][:, [spec.COND_HEAD_YAW, spec.COND_HEAD_PITCH, spec.COND_HEAD_ROLL]] * spec.ANGLE_SCALE
            )
            errs += head_angle_error(head[held, r], target).tolist()
        c["staging_errors_deg"] = errs
        staged = np.all(
            (cond[:, :, spec.COND_GAZE_ACTIVE] >= 1.0) & (cond[:, :, spec.COND_GAZE_PARTNER] > 0.5), axis=1
        )
        close = at_partner(head, gaze, CONTACT_DEG)
        c["staged_contact_frames"] = int(staged.sum())
        c["staged_contact_hits"] = int((staged & close[:, 0] & close[:, 1]).sum())
    return c


def pool(counts: list[dict]) -> dict:
    """Pool clip counts into the reported measures (None where a measure has no data)."""

    def cat(key: str) -> list:
        return [v for c in counts for v in c.get(key, [])]

    def total(key: str) -> float | None:
        vals = [c[key] for c in counts if key in c]
        return float(sum(vals)) if vals else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else a / b

    closure_err, vowel_err = cat("closure_errors_ms"), cat("vowel_errors_ms")
    events = closure_err + vowel_err
    hits = cat("closure_hits")
    rounded, spread = cat("rounded"), cat("spread")
    out: dict = {
        "frames": total("frames"),
        "lip_sync_error_ms": float(np.mean(events)) if events else None,
        "closure_release_error_ms": float(np.mean(closure_err)) if closure_err else None,
        "vowel_peak_error_ms": float(np.mean(vowel_err)) if vowel_err else None,
        "lip_events": len(events),
        "closure_recall": float(np.mean(hits)) if hits else None,
        "closures": len(hits),
        "closure_precision": ratio(total("releases_after_pbm"), total("releases_in_speech")),
        "releases_in_speech": total("releases_in_speech"),
        "rounding_contrast": float(np.mean(rounded) - np.mean(spread)) if rounded and spread else None,
    }
    pairs = [c["aperture_pairs"] for c in counts if "aperture_pairs" in c]
    if pairs:
        x = np.concatenate([p[0] for p in pairs])
        y = np.concatenate([p[1] for p in pairs])
        out["mouth_openness_correlation"] = (
            float(np.corrcoef(x, y)[0, 1]) if x.std() > 1e-9 and y.std() > 1e-9 else None
        )
    out["speaker_attribution_accuracy"] = ratio(total("attribution_correct"), total("frames"))
    out["speaker_attribution_better_order"] = ratio(
        total("attribution_correct_better_order"), total("frames")
    )
    out["cross_talk_leakage"] = ratio(total("leak_listener"), total("leak_speaker"))
    out["gaze_reciprocity_b_given_a"] = ratio(total("both_at"), total("a_at_b"))
    out["gaze_reciprocity_a_given_b"] = ratio(total("both_at"), total("b_at_a"))
    out["listener_at_speaker"] = ratio(total("listener_at_speaker"), total("one_speaker_frames"))
    out["speaker_at_listener"] = ratio(total("speaker_at_listener"), total("one_speaker_frames"))
    staging = cat("staging_errors_deg")
    out["staging_error_deg"] = float(np.mean(staging)) if staging else None
    out["staging_error_p95_deg"] = float(np.percentile(staging, 95)) if staging else None
    out["staged_contact_accuracy"] = ratio(total("staged_contact_hits"), total("staged_contact_frames"))
    return out
