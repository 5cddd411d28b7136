"""What the animator should know about a voice-over before trusting its take (Performance.notes).

An audio-only take reads who speaks and the lips from the sound alone. Where the recording is
beyond what that can read (speech buried in noise, one voice only, two voices the model hears as
one) the take still generates, and its report says so and what helps: one stem per actor, the
script, or marking who speaks.
"""

from __future__ import annotations

import numpy as np

from . import diarization, windowing

# Loud speech (the take's 98th-percentile frame) over the noise floor (its 10th percentile), dB.
# On the corpus's test split the clip at 3.6 dB SNR of pink noise spans 13.4 dB: the broadband VAD
# found 23 % of its speech, the band VAD used below VERY_NOISY_RANGE_DB (windowing.NOISY_SPAN_DB)
# 78 %; clips at 12-14 dB SNR span 20.1 dB (62-77 % found); clean ones 25 to
# over 90 dB. The real recordings in ../shared/eval/real span 26-46 dB.
VERY_NOISY_RANGE_DB = windowing.NOISY_SPAN_DB  # below it, voice is read band by band
NOISY_RANGE_DB = 22.0


def speech_range_db(level: np.ndarray) -> float | None:
    """dB between a take's loud frames and its noise floor, from its frame levels
    (windowing.frame_energy_db); None for an empty take."""
    if len(level) == 0:
        return None
    loud, floor = windowing.loud_and_floor(level)
    return loud - floor


def noise_note(level: np.ndarray, what: str = "the voice-over") -> str | None:
    """A note when speech barely clears the noise of `what`, from its frame levels
    (windowing.frame_energy_db), else None."""
    if len(level) == 0:
        return None
    loud, floor = windowing.loud_and_floor(level)
    if loud < windowing.VOICE_FLOOR_DBFS:
        return None  # silence or near-silence: no_voice_note says it
    span = loud - floor
    if span >= NOISY_RANGE_DB:
        return None
    if span < VERY_NOISY_RANGE_DB:
        return (
            f"{what} is very noisy: its loud speech stands only {span:.0f} dB above the noise floor, so "
            f"much of the speech is lost in it and who speaks and the lips will miss it; a cleaner mix, "
            f"one stem per actor, or the script give a better take"
        )
    return (
        f"{what} is noisy (its loud speech stands {span:.0f} dB above the noise floor): quiet words may "
        f"be missed; check the mouths on the timeline, or give the script"
    )


def no_voice_note(voiced: np.ndarray, what: str = "the voice-over") -> str | None:
    """A note when the energy VAD finds no voice at all in `what`."""
    if np.asarray(voiced, dtype=bool).any():
        return None
    return (
        f"no voice was found in {what} (nothing rises above its noise floor and "
        f"{windowing.VOICE_FLOOR_DBFS:.0f} dBFS): the mouths stay closed; check the file and its level"
    )


# Two voices whose split is this alike may be one voice split in two (a monologue): their voice
# prints' means over A's and B's frames (diarization.role_likeness) at or above ALIKE_PRINT_COS and
# the split's joined centroids at or above ALIKE_JOINED_COS. Chosen on development recordings no
# evaluation row uses (`tools/probe_voice_count.py --alike`): it flags 8 of 19 single readings of
# train-clean-100 readers (3 more are decided one voice), 1 of their 19 two-reader dialogues and 1 of
# corpus/full's 32 validation mixes. Only a note: as a decision it would merge real pairs that the
# prints cannot tell apart.
ALIKE_PRINT_COS = 0.92
ALIKE_JOINED_COS = 0.85


def prints_alike(info: dict) -> bool:
    """Whether a split's two voices sound as alike as one voice's halves often do, by their voice
    prints and joined vectors (the figures mix_roles.audio_roles reports of its split)."""
    prints, joined = info.get("print_cos"), info.get("joined_cos")
    return (
        prints is not None and joined is not None and prints >= ALIKE_PRINT_COS and joined >= ALIKE_JOINED_COS
    )


def vectors_merged(info: dict) -> bool:
    """Whether the network's voice vectors heard one voice in a take that the prints split in two."""
    cos = info.get("centroid_cos")
    return info.get("voices") == 2 and cos is not None and cos > diarization.ONE_VOICE_COS


def voices_alike(info: dict) -> bool:
    """Whether the two voices a take was split into sound much alike (assign_roles' report as
    mix_roles.audio_roles extends it): by their prints, or to the voice vectors, which heard one."""
    return info.get("voices") == 2 and (prints_alike(info) or vectors_merged(info))


def roles_notes(info: dict, first_role: int, a_range: tuple[float, float] | None) -> list[str]:
    """What the audio-only roles could not do: tell two voices apart, or tell one from two.

    info: diarization.assign_roles's report; first_role: the role the first voice was given (1
    after a swap); a_range: the span in which the animator said A speaks, or None. (Which voice
    became A is not reported on every take: a batch log would carry it as a warning on every
    shot; the speaking curves and the take's markers show it.)
    """
    if voices_alike(info):
        # The figure of the split the take kept (audio_roles may have split it again).
        likeness = info.get("resplit_print_cos", info["print_cos"])
        how = (
            f"voice prints {likeness:.2f} alike"
            if prints_alike(info)
            else f"the model heard one voice, {info['centroid_cos']:.2f} alike, and its voice prints two"
        )
        return [
            f"the two voices this take gives A and B sound much alike ({how}): if the voice-over holds "
            f"one voice, set Voices to Only A Speaks or Only B Speaks (a "
            f'job\'s roles = "A" or "B"); if two people speak, check who says which line, or use one '
            f"stem per actor or the script"
        ]
    if info.get("voices") != 1:
        return []
    cos = info.get("centroid_cos")
    alike = f" (the voices it heard are {cos:.2f} alike)" if cos is not None else ""
    role = "AB"[first_role] if a_range is None else "A"
    return [
        f"only one voice was heard in this take{alike}: every line is {role}'s. If both characters "
        f"speak, mark a stretch where A speaks (the panel's A Speaks At, a job's roles = [start, end]), "
        f"or use one stem per actor or the script"
    ]
