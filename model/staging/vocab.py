"""The words of the staging language, their defaults and limits.

Every number an artist gets without typing one lives here, so docs/STAGING.md,
the parser and the targets agree. Angles are degrees (duet.model.spec): yaw
positive toward the character's own left, pitch positive up, roll positive
toward the own left shoulder.
"""

from __future__ import annotations

from .. import expressions, spec

# ----------------------------------------------------------------------------- actions

# Surface word -> action. "turns" without an angle means "faces"; with one it is
# relative to the pose held just before (see parser).
VERBS: dict[str, str] = {}
for _action, _forms in {
    "face": ("face", "faces", "facing"),
    "turn": ("turn", "turns", "turning"),
    "tilt": ("tilt", "tilts", "tilting"),
    "look": (
        "look",
        "looks",
        "looking",
        "gaze",
        "gazes",
        "gazing",
        "stare",
        "stares",
        "staring",
        "watch",
        "watches",
        "watching",
    ),
    "glance": ("glance", "glances", "glancing"),
    "nod": ("nod", "nods", "nodding"),
    "shake": ("shake", "shakes", "shaking"),
    "relax": ("relax", "relaxes", "relaxing"),
    "mood": (
        "smile",
        "smiles",
        "smiling",
        "grin",
        "grins",
        "grinning",
        "frown",
        "frowns",
        "frowning",
        "scowl",
        "scowls",
        "scowling",
    ),
    "laugh": ("laugh", "laughs", "laughing", "chuckle", "chuckles", "chuckling"),
}.items():
    for _form in _forms:
        VERBS[_form] = _action

# Which channel an action drives. "relax" frees head and gaze.
HEAD_ACTIONS = ("face", "turn", "tilt")
GAZE_ACTIONS = ("look", "glance")
GESTURE_ACTIONS = ("nod", "shake")
# Expressions: "mood" holds a mood (smiles, is sad), "laugh" is a burst on top of it.
FACE_ACTIONS = ("mood", "laugh")

# Canonical verb forms for describe(): (one character, both characters).
VERB_FORMS: dict[str, tuple[str, str]] = {
    "face": ("faces", "face"),
    "turn": ("turns", "turn"),
    "tilt": ("tilts", "tilt"),
    "look": ("looks", "look"),
    "glance": ("glances", "glance"),
    "nod": ("nods", "nod"),
    "shake": ("shakes", "shake"),
    "relax": ("relaxes", "relax"),
    "mood": ("is", "are"),
    "laugh": ("laughs", "laugh"),
}

# ----------------------------------------------------------------------------- moods

# Mood verbs -> mood (duet.model.expressions.MOODS); "A is smiling" works through "is".
MOOD_VERBS: dict[str, str] = {
    **dict.fromkeys(("smile", "smiles", "smiling", "grin", "grins", "grinning"), "happy"),
    **dict.fromkeys(("frown", "frowns", "frowning"), "frowning"),
    **dict.fromkeys(("scowl", "scowls", "scowling"), "angry"),
}
# Mood adjectives after is / are / looks / seems ... -> mood.
MOOD_ADJECTIVES: dict[str, str] = {
    **dict.fromkeys(("happy", "glad", "cheerful", "pleased", "joyful", "amused"), "happy"),
    **dict.fromkeys(("sad", "unhappy", "sorrowful", "downcast", "gloomy"), "sad"),
    **dict.fromkeys(("angry", "mad", "furious", "annoyed", "irritated", "cross"), "angry"),
    **dict.fromkeys(("surprised", "astonished", "amazed", "shocked", "startled"), "surprised"),
    **dict.fromkeys(("afraid", "scared", "frightened", "fearful", "terrified"), "afraid"),
    **dict.fromkeys(("disgusted", "revolted", "repulsed"), "disgusted"),
    **dict.fromkeys(("thoughtful", "pensive", "puzzled"), "thoughtful"),
    **dict.fromkeys(("bored", "weary", "uninterested"), "bored"),
    **dict.fromkeys(("neutral", "calm", "expressionless"), "neutral"),
}
# Verbs that take a mood adjective: "looks surprised", "seems bored", "gets angry".
MOOD_LINKING = (
    *("seem", "seems", "appear", "appears", "become", "becomes"),
    *("get", "gets", "grow", "grows", "feel", "feels"),
)
# Canonical words for describe(): a verb for these moods, "is <adjective>" for the rest.
MOOD_VERB_FORMS = {"happy": ("smiles", "smile"), "frowning": ("frowns", "frown")}
# Intensity words; "a little", "a bit", "a touch" = slightly (A_LITTLE_WORDS).
INTENSITY_WORDS: dict[str, str] = {
    **dict.fromkeys(("slightly", "mildly", "faintly"), "slightly"),
    **dict.fromkeys(("very", "really", "extremely", "deeply", "broadly", "heartily", "strongly"), "very"),
}
# How "very" reads after a mood verb in describe() ("smiles broadly", "laughs heartily").
VERY_AFTER = {"happy": "broadly", "frowning": "deeply", "laugh": "heartily"}
PERCENT_WORDS = ("percent", "pct")
MAX_PERCENT = 100.0

# ----------------------------------------------------------------------------- subjects and objects

ROLE_WORDS = {"a": "A", "b": "B"}
BOTH_WORDS = ("both",)
# "Speaker A", "character B" (the paper's wording).
ROLE_PREFIXES = ("speaker", "character")
PARTNER_WORDS = ("partner", "him", "her", "them", "other")
CAMERA_WORDS = ("camera", "lens", "audience", "viewer")
# Words that sit between a verb and its target and carry no meaning.
TARGET_FILLERS = ("at", "to", "toward", "towards", "into", "the", "back", "straight")
# "shakes her head", "turns his head", "nods their heads".
HEAD_FILLERS = ("his", "her", "their", "its", "the")
HEAD_WORDS = ("head", "heads")
# "is facing", "are looking".
AUXILIARIES = ("is", "are")
# "A moves freely" = "A relaxes".
FREE_VERBS = ("move", "moves", "moving")
FREE_WORDS = ("freely", "free")

# ----------------------------------------------------------------------------- directions

DIRECTION_WORDS: dict[str, str] = {
    "left": "left",
    "right": "right",
    "up": "up",
    "upward": "up",
    "upwards": "up",
    "down": "down",
    "downward": "down",
    "downwards": "down",
    "away": "away",
}
# Which axis a direction drives, and its sign. "away" turns toward the side away
# from the camera (so an averted face or gaze never lands on the lens).
AXIS_OF = {"left": "yaw", "right": "yaw", "away": "yaw", "up": "pitch", "down": "pitch"}
AMBIGUOUS_DIRECTIONS = {
    "forward": "'forward' is ambiguous here: write 'the camera' or the other character (e.g. 'B')",
    "forwards": "'forwards' is ambiguous here: write 'the camera' or the other character (e.g. 'B')",
    "front": "'front' is ambiguous here: write 'the camera' or the other character (e.g. 'B')",
    "ahead": "'ahead' is ambiguous here: write 'the camera' or the other character (e.g. 'B')",
}


def away_sign(role: str) -> float:
    """+1 when 'away' is toward the role's own left (the side without the camera)."""
    return -1.0 if spec.CANONICAL_CAMERA_DIRECTION[role][0] > 0 else 1.0


# Default angles (degrees) of a direction without a number, per action family.
# A head turn of 45 deg reads clearly as "facing left" in a two-shot while the
# face stays visible; eyes rarely settle beyond ~30 deg without the head helping.
HEAD_DEFAULTS = {"left": 45.0, "right": 45.0, "up": 15.0, "down": 20.0, "away": 45.0}
# "tilts left" rolls the head toward the shoulder; "tilts down" pitches it.
TILT_DEFAULTS = {"left": 12.0, "right": 12.0, "up": 12.0, "down": 12.0}
GAZE_DEFAULTS = {"left": 30.0, "right": 30.0, "up": 20.0, "down": 25.0, "away": 25.0}
# An averted gaze also drops a little (gaze aversion is mostly sideways-down).
GAZE_AWAY_PITCH = -10.0

# Size words scale the default angle.
SCALES = {"slightly": 0.5, "far": 1.5}
SCALE_WORDS: dict[str, str] = {"slightly": "slightly", "far": "far", "hard": "far", "sharply": "far"}
# "a little", "a bit", "a touch", "a little bit" = slightly.
A_LITTLE_WORDS = ("little", "bit", "touch")

# Largest commanded angles (after defaults, scales and relative turns add up).
HEAD_LIMITS = {"yaw": 90.0, "pitch": 45.0, "roll": 40.0}
GAZE_LIMITS = {"yaw": 90.0, "pitch": 45.0}
MAX_DEGREES = 180.0  # a single typed angle

DEGREE_WORDS = ("degree", "degrees", "deg", "degs")

# ----------------------------------------------------------------------------- time

SECOND_UNITS = ("s", "sec", "secs", "second", "seconds")
MILLISECOND_UNITS = ("ms", "msec", "millisecond", "milliseconds")
FRAME_UNITS = ("f", "fr", "frame", "frames")
MAX_SECONDS = 24.0 * 3600.0  # nothing staged beyond a day
# Frame numbers ("f120") need the scene's frame rate; Blender's default scene rate.
DEFAULT_FRAME_RATE = 24.0

TIME_WORDS = ("at", "from", "between", "until", "till", "til", "for", "briefly", "momentarily")
RANGE_TO_WORDS = ("to", "until", "till", "til")
BRIEF_WORDS = ("briefly", "momentarily")
# "for a moment", "for a second", "for a beat".
MOMENT_WORDS = ("moment", "second", "beat", "sec")

# Default lengths (seconds).
BRIEF_S = 1.0  # "briefly", "for a moment"
GLANCE_S = 0.8  # a glance without a length
LAUGH_S = expressions.LAUGH_S  # a laugh without a length
# Gestures: one nod / one shake cycle at the rates the teacher animates
# (1.7 and 2.0 cycles per second); the default is two cycles.
NOD_RATE_HZ = 1.7
SHAKE_RATE_HZ = 2.0
DEFAULT_GESTURE_COUNT = 2
MAX_GESTURE_COUNT = 20

COUNT_WORDS = {"once": 1, "twice": 2, "thrice": 3}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
TIMES_WORDS = ("times", "time", "x")

PACE_WORDS = {
    "slowly": "slowly",
    "slow": "slowly",
    "quickly": "quickly",
    "quick": "quickly",
    "suddenly": "quickly",
}
PACE_FACTORS = {None: 1.0, "slowly": 2.0, "quickly": 0.6}

# ----------------------------------------------------------------------------- transitions

# Head movement time grows with amplitude (large head turns take ~0.5-0.8 s;
# Zangemeister & Stark 1981). Minimum-jerk profile.
HEAD_MOVE_BASE_S = 0.25
HEAD_MOVE_PER_DEG_S = 0.0055
# The eyes lead: a head move starts this long after the command, the saccade at once.
HEAD_LATENCY_S = 0.04
# Saccade main sequence: ~25 ms + 2.5 ms per degree (DESIGN.md).
SACCADE_BASE_S = 0.025
SACCADE_PER_DEG_S = 0.0025
# A mood eases in and out (minimum jerk) over 0.3 s + 0.3 s per unit of intensity changed:
# a full change takes 0.6 s, about as long as a large head turn; our numbers. "slowly" /
# "quickly" scale it as they scale head moves.
MOOD_EASE_BASE_S = 0.3
MOOD_EASE_PER_UNIT_S = 0.3

# ----------------------------------------------------------------------------- all words

SEPARATOR_WORDS = ("and",)
# "then" suggests an order in time the language cannot infer; it gets its own message.
THEN_WORD = "then"

KEYWORDS: frozenset[str] = frozenset(
    [
        *VERBS,
        *ROLE_WORDS,
        *BOTH_WORDS,
        *ROLE_PREFIXES,
        *PARTNER_WORDS,
        *CAMERA_WORDS,
        *TARGET_FILLERS,
        *HEAD_FILLERS,
        *HEAD_WORDS,
        *AUXILIARIES,
        *FREE_VERBS,
        *FREE_WORDS,
        *DIRECTION_WORDS,
        *AMBIGUOUS_DIRECTIONS,
        *SCALE_WORDS,
        "a",
        *A_LITTLE_WORDS,
        *DEGREE_WORDS,
        *SECOND_UNITS,
        *MILLISECOND_UNITS,
        *FRAME_UNITS,
        *TIME_WORDS,
        *RANGE_TO_WORDS,
        *BRIEF_WORDS,
        *MOMENT_WORDS,
        *COUNT_WORDS,
        *NUMBER_WORDS,
        *TIMES_WORDS,
        *PACE_WORDS,
        *MOOD_ADJECTIVES,
        *MOOD_LINKING,
        *INTENSITY_WORDS,
        *PERCENT_WORDS,
        *SEPARATOR_WORDS,
        THEN_WORD,
        "each",
        "of",
    ]
)
