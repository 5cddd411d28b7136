"""Teacher statistics computed from its outputs, each beside the published value it aims for.

Used by the tests and by the corpus measure script: compute per clip with
``teacher_checks`` and pool clips with ``combine`` (ratios pool numerators and
denominators, so long clips weigh more, as they should).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ...lips import phones as ph
from ...lips.coarticulation import closure_frame_range
from ...lips.visemes import APERTURE_CLOSED, lip_aperture
from .conditioning import decode
from .data import RoleSpeech, TeacherOutput
from .gaze import AT_PARTNER_DEG, LONG_TURN_S
from .timeline import build_timelines

RELEASE_MISS_MS = 150.0  # DESIGN.md lip-sync error: a miss counts as 150 ms

# Numeric aims of the checks (the text targets say whether it is a bound or a value).
AIMS: dict[str, float] = {
    "bilabial_closure": 1.0,
    "bilabial_release_error": 10.0,
    "closure_precision": 1.0,
    "listener_at_speaker": 0.75,
    "speaker_at_listener": 0.42,
    "mutual_gaze": 0.6,
    "gaze_reciprocity": 0.78,
    "turn_start_averted": 0.7,
    "turn_end_looking": 0.7,
    "blink_rate_speaking": 30.0,
    "blink_rate_listening": 22.0,
    "blink_rate_overall": 26.0,
    "staging_head_max_error": 1.0,
    "staging_gaze_max_error": 1.0,
}


@dataclass(frozen=True)
class Check:
    name: str
    numerator: float
    denominator: float
    target: str  # what we aim for, as text ("= 1", "~0.75", "< 0.5")
    source: str  # where the target comes from, one line
    unit: str = ""
    reduce: str = "ratio"  # "ratio": pool num/den; "max": keep the largest value

    @property
    def aim(self) -> float:
        """The number aimed for (see `target` for how to read it), nan when none."""
        return AIMS.get(self.name, float("nan"))

    @property
    def value(self) -> float:
        if self.reduce == "max":
            return self.numerator
        return self.numerator / self.denominator if self.denominator else float("nan")


def _pbm_phones(speech: RoleSpeech, releasing_only: bool = False) -> list[tuple[float, float]]:
    """(start, end) of p/b/m phones; releasing_only drops those running into another p/b/m ("mb")."""
    out = []
    ipa, start, end = speech.phone_ipa, speech.phone_start, speech.phone_end
    for k in range(len(ipa)):
        if not ph.is_bilabial_closure(str(ipa[k])):
            continue
        if releasing_only and k + 1 < len(ipa):
            joined = start[k + 1] - end[k] < 0.005
            if joined and ph.is_bilabial_closure(str(ipa[k + 1])):
                continue
        out.append((float(start[k]), float(end[k])))
    return out


def closure_counts(aperture: np.ndarray, speech: RoleSpeech, fps: float) -> tuple[int, int]:
    """(sealed, total) p/b/m phones: sealed = aperture <= APERTURE_CLOSED on all the phone's frames."""
    n = len(aperture)
    sealed = total = 0
    for s, e in _pbm_phones(speech):
        i0, i1 = closure_frame_range(s, e, fps, n)
        if i1 <= i0:
            continue
        total += 1
        sealed += int(np.all(aperture[i0:i1] <= APERTURE_CLOSED))
    return sealed, total


def release_errors_ms(aperture: np.ndarray, speech: RoleSpeech, fps: float) -> list[float]:
    """|release time - phone end| per p/b/m; the release is the first open frame at or after the seal."""
    n = len(aperture)
    out = []
    for s, e in _pbm_phones(speech, releasing_only=True):
        i0, i1 = closure_frame_range(s, e, fps, n)
        if i1 <= i0 or i1 >= n:
            continue
        horizon = min(n, i1 + int(np.ceil(RELEASE_MISS_MS / 1000.0 * fps)) + 1)
        opened = np.flatnonzero(aperture[i1:horizon] > APERTURE_CLOSED)
        out.append(
            RELEASE_MISS_MS
            if len(opened) == 0
            else min(RELEASE_MISS_MS, abs((i1 + opened[0]) / fps - e) * 1000)
        )
    return out


def release_precision_counts(
    aperture: np.ndarray, speaking: np.ndarray, speech: RoleSpeech, fps: float
) -> tuple[int, int]:
    """(releases that follow a p/b/m, all lip releases inside running speech)."""
    closed = aperture <= APERTURE_CLOSED
    rel = np.flatnonzero(closed[:-1] & ~closed[1:]) + 1
    rel = rel[speaking[rel] & speaking[rel - 1]]
    ends = np.array([e for _, e in _pbm_phones(speech)])
    if len(rel) == 0:
        return 0, 0
    t = rel / fps
    if len(ends) == 0:
        return 0, len(rel)
    near = np.min(np.abs(t[:, None] - ends[None, :]), axis=1) <= 0.04 + 1.0 / fps
    return int(near.sum()), len(rel)


def teacher_checks(
    out: TeacherOutput, a: RoleSpeech, b: RoleSpeech, conditioning: np.ndarray | None = None
) -> list[Check]:
    """The teacher's statistics for one clip (both roles pooled)."""
    fps = out.fps
    n = out.n_frames
    speeches = (a.validated("A"), b.validated("B"))
    timelines = build_timelines(speeches[0], speeches[1], n, fps)
    speaking = out.speaking > 0.5
    at = np.hypot(out.gaze_world[..., 0], out.gaze_world[..., 1]) <= AT_PARTNER_DEG
    gaze_hold = out.events.get("gaze_hold", np.zeros((n, 2), dtype=bool))
    minutes = 1.0 / fps / 60.0

    sealed = total = 0
    release = []
    prec_num = prec_den = 0
    lis_num = lis_den = spk_num = spk_den = 0
    start_num = start_den = end_num = end_den = 0
    blink_spk = blink_lis = blink_all = 0
    fr_spk = fr_lis = 0
    for r in range(2):
        ap = lip_aperture(out.blendshapes[:, r].astype(np.float64))
        s_, t_ = closure_counts(ap, speeches[r], fps)
        sealed += s_
        total += t_
        release += release_errors_ms(ap, speeches[r], fps)
        p_, d_ = release_precision_counts(ap, speaking[:, r], speeches[r], fps)
        prec_num += p_
        prec_den += d_

        free = ~gaze_hold[:, r]
        listen = speaking[:, 1 - r] & ~speaking[:, r] & free
        talk = speaking[:, r] & ~speaking[:, 1 - r] & free
        lis_num += int(np.sum(at[listen, r]))
        lis_den += int(listen.sum())
        spk_num += int(np.sum(at[talk, r]))
        spk_den += int(talk.sum())
        for ts, te in timelines[r].turns:
            if te - ts < LONG_TURN_S:
                continue
            i_s = int(round((ts + 0.2) * fps))
            i_e = int(round((te - 0.1) * fps))
            if 0 <= i_s < n and free[i_s]:
                start_den += 1
                start_num += int(not at[i_s, r])
            if 0 <= i_e < n and free[i_e]:
                end_den += 1
                end_num += int(at[i_e, r])

        onset = out.events["blink_onset"][:, r]
        own = speaking[:, r]
        lis = speaking[:, 1 - r] & ~own
        blink_spk += int(onset[own].sum())
        blink_lis += int(onset[lis].sum())
        blink_all += int(onset.sum())
        fr_spk += int(own.sum())
        fr_lis += int(lis.sum())

    both = at[:, 0] & at[:, 1]
    free_both = ~gaze_hold[:, 0] & ~gaze_hold[:, 1]
    checks = [
        Check("bilabial_closure", sealed, total, "= 1.0 (all)", "p/b/m are defined by complete lip closure"),
        Check(
            "bilabial_release_error",
            float(np.sum(release)),
            len(release),
            "<= 10 ms (half a frame)",
            "DESIGN.md lip-sync error; releases at the phone end",
            "ms",
        ),
        Check(
            "closure_precision",
            prec_num,
            prec_den,
            "= 1.0 (energy jaw ~0.1)",
            "DESIGN.md: releases in running speech follow p/b/m",
        ),
        Check("listener_at_speaker", lis_num, lis_den, "~0.75", "Argyle & Cook 1976: listeners look ~75 %"),
        Check(
            "speaker_at_listener",
            spk_num,
            spk_den,
            "< 0.5 (aim ~0.42)",
            "Argyle & Cook 1976: speakers < 50 %",
        ),
        Check(
            "mutual_gaze",
            int(np.sum(both & free_both)),
            int(free_both.sum()),
            "~0.6 (reported)",
            "Rogers et al. 2018 mutual face gaze (see TEACHER.md on the gap)",
        ),
        Check(
            "gaze_reciprocity",
            2 * int(np.sum(both & free_both)),
            int(np.sum(at[free_both, 0]) + np.sum(at[free_both, 1])),
            "high (paper model 0.78)",
            "P(B at A | A at B), pooled both ways; Talking Together reports 0.78",
        ),
        Check(
            "turn_start_averted",
            start_num,
            start_den,
            "> 0.70",
            "Kendon 1967: long utterances start looking away",
        ),
        Check(
            "turn_end_looking",
            end_num,
            end_den,
            "> 0.70",
            "Kendon 1967: long utterances end looking at listener",
        ),
        Check(
            "blink_rate_speaking",
            blink_spk,
            fr_spk * minutes,
            "~30/min (> listening)",
            "Bentivoglio 1997 ~26/min in conversation, higher while talking",
            "/min",
        ),
        Check(
            "blink_rate_listening",
            blink_lis,
            fr_lis * minutes,
            "~22/min (< speaking)",
            "Bentivoglio 1997 ~26/min in conversation; range 10.5-32.5 (Doughty 2001)",
            "/min",
        ),
        Check(
            "blink_rate_overall",
            blink_all,
            2 * n * minutes,
            "~26/min",
            "Bentivoglio et al. 1997 conversation",
            "/min",
        ),
    ]
    if conditioning is not None:
        checks += staging_checks(out, conditioning)
    return checks


def staging_checks(out: TeacherOutput, conditioning: np.ndarray) -> list[Check]:
    """Largest head / gaze error (deg) against the commanded targets during holds."""
    cmds = decode(conditioning, out.n_frames)
    head_err = gaze_err = 0.0
    head_frames = gaze_frames = 0
    for r, cmd in enumerate(cmds):
        hold = (cmd.head_active >= 1.0) & (cmd.nod <= 0) & (cmd.shake <= 0)
        if np.any(hold):
            head_err = max(head_err, float(np.max(np.abs(out.head[hold, r] - cmd.head_target[hold]))))
            head_frames += int(hold.sum())
        ghold = cmd.gaze_active >= 1.0
        if np.any(ghold):
            err = np.abs(out.gaze_world[ghold, r] - cmd.gaze_target[ghold])
            gaze_err = max(gaze_err, float(np.max(err)))
            gaze_frames += int(ghold.sum())
    return [
        Check(
            "staging_head_max_error",
            head_err,
            head_frames,
            "<= 1 deg",
            "issue #3 staging tolerance",
            "deg",
            "max",
        ),
        Check(
            "staging_gaze_max_error",
            gaze_err,
            gaze_frames,
            "<= 1 deg",
            "issue #3 staging tolerance",
            "deg",
            "max",
        ),
    ]


def combine(per_clip: Iterable[list[Check]]) -> list[Check]:
    """Pool the checks of several clips (same names, same order as the first clip)."""
    pooled: dict[str, Check] = {}
    for checks in per_clip:
        for c in checks:
            if c.name not in pooled:
                pooled[c.name] = c
                continue
            p = pooled[c.name]
            if c.reduce == "max":
                num, den = max(p.numerator, c.numerator), p.denominator + c.denominator
            else:
                num, den = p.numerator + c.numerator, p.denominator + c.denominator
            pooled[c.name] = Check(c.name, num, den, c.target, c.source, c.unit, c.reduce)
    return list(pooled.values())


def format_checks(checks: list[Check]) -> str:
    """A plain-text table: name, value, target, source."""
    rows = [("check", "value", "target", "source")]
    for c in checks:
        v = c.value
        text = "n/a" if not np.isfinite(v) else (f"{v:.1f} {c.unit}" if c.unit else f"{v:.3f}")
        rows.append((c.name, text.strip(), c.target, c.source))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}" for r in rows)


__all__ = [
    "AIMS",
    "Check",
    "closure_counts",
    "combine",
    "format_checks",
    "release_errors_ms",
    "release_precision_counts",
    "staging_checks",
    "teacher_checks",
]
