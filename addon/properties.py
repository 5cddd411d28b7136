"""Duet's settings, stored on the scene (``scene.duet``) and saved with the file."""

from __future__ import annotations

import bpy
from bpy.props import (
    BoolProperty,
    EnumProperty,
    FloatProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from ..model.expressions import DEFAULT_INTENSITY, MOODS

# The Characters panel's mood per character for the whole take (duet.model.expressions).
_MOOD_HINTS = {
    "neutral": "No mood: the face the model gives",
    "happy": "Cheeks raised, lip corners pulled up (a smile)",
    "sad": "Inner brows raised, lip corners down, heavy lids",
    "angry": "Brows lowered and drawn together, a glare, lips pressed",
    "frowning": "Brows lowered and drawn together, eyes narrowed",
    "surprised": "Brows raised, eyes wide, jaw dropped (while listening)",
    "afraid": "Brows raised and drawn together, eyes wide, lips stretched",
    "disgusted": "Nose wrinkled, upper lip raised, lip corners down",
    "thoughtful": "A slight frown, narrowed eyes, lips pressed",
    "bored": "Heavy lids, slack lip corners",
}
MOOD_ITEMS = [
    (m.upper(), m.capitalize(), _MOOD_HINTS[m]) for m in sorted(MOODS, key=lambda m: m != "neutral")
]
MOOD_ROLES = {"A": ("mood_a", "mood_strength_a"), "B": ("mood_b", "mood_strength_b")}


def _mood_prop(role: str) -> EnumProperty:
    return EnumProperty(
        name="Mood",
        items=MOOD_ITEMS,
        default="NEUTRAL",
        description=f"{role}'s mood for the whole take; a staged mood overrides it where it holds",
    )


def _strength_prop(role: str) -> FloatProperty:
    return FloatProperty(
        name="Strength",
        default=DEFAULT_INTENSITY,
        min=0.0,
        max=1.0,
        subtype="FACTOR",
        description=f"How strong {role}'s mood shows (0.7 is the staging's plain 'is happy', 1 its 'very')",
    )


def moods_of(settings: bpy.types.PropertyGroup) -> dict[str, tuple[str, float]]:
    """The panel's default moods {role: (mood, strength)}, neutral ones left out."""
    out = {}
    for role, (mood_prop, strength_prop) in MOOD_ROLES.items():
        mood = getattr(settings, mood_prop).lower()
        strength = float(getattr(settings, strength_prop))
        if mood != "neutral" and strength > 0.0:
            out[role] = (mood, strength)
    return out


def one_voice_of(settings: bpy.types.PropertyGroup) -> str | None:
    """The panel's Voices as GenerationRequest.one_voice: "A" or "B" (the take holds one voice,
    that character's), or None (two voices)."""
    return None if settings.one_voice == "NONE" else str(settings.one_voice)


def _is_character(_self: bpy.types.PropertyGroup, obj: bpy.types.Object) -> bool:
    """A character is a mesh with shape keys, or an armature."""
    if obj.type == "ARMATURE":
        return True
    return obj.type == "MESH" and obj.data.shape_keys is not None


class DuetSettings(bpy.types.PropertyGroup):
    audio_mode: EnumProperty(  # type: ignore[valid-type]
        name="Voice-over",
        items=[
            ("MIXED", "Mixed", "One recording of both actors"),
            ("STEREO_STEMS", "Stereo Stems", "One stereo file, actor A left, actor B right"),
            ("STEM_FILES", "Two Stems", "One file per actor"),
        ],
        default="MIXED",
    )
    audio_path: StringProperty(name="Audio", subtype="FILE_PATH", description="The voice-over (or A's stem)")  # type: ignore[valid-type]
    audio_path_b: StringProperty(name="Audio B", subtype="FILE_PATH", description="B's stem")  # type: ignore[valid-type]
    character_a: PointerProperty(name="A", type=bpy.types.Object, poll=_is_character)  # type: ignore[valid-type]
    character_b: PointerProperty(name="B", type=bpy.types.Object, poll=_is_character)  # type: ignore[valid-type]
    retarget_a: PointerProperty(  # type: ignore[valid-type]
        name="Retarget Map A",
        type=bpy.types.Text,
        description="A's retarget map (JSON, edit it in the Text Editor); empty: detected from the key names",
    )
    retarget_b: PointerProperty(  # type: ignore[valid-type]
        name="Retarget Map B",
        type=bpy.types.Text,
        description="B's retarget map (JSON, edit it in the Text Editor); empty: detected from the key names",
    )
    staging_text: PointerProperty(name="Staging", type=bpy.types.Text, description="Staging directions")  # type: ignore[valid-type]
    script_text: PointerProperty(  # type: ignore[valid-type]
        name="Script",
        type=bpy.types.Text,
        description="The dialogue's lines, one spoken line per line ('Mara: ...'): who speaks and the "
        "words, for exact roles and lips on real recordings; empty: from the audio alone",
    )
    seed: IntProperty(name="Take Seed", default=0, min=0, description="Variation of the take")  # type: ignore[valid-type]
    head_strength: FloatProperty(name="Head Motion", default=1.0, min=0.0, max=2.0, subtype="FACTOR")  # type: ignore[valid-type]
    eye_strength: FloatProperty(name="Eye Motion", default=1.0, min=0.0, max=2.0, subtype="FACTOR")  # type: ignore[valid-type]
    key_mode: EnumProperty(  # type: ignore[valid-type]
        name="Keys",
        items=[
            ("DENSE", "Every Frame", "A key on every frame"),
            ("SPARSE", "Reduced", "Fewest keys within the tolerance, smooth handles"),
        ],
        default="SPARSE",
    )
    key_tolerance: FloatProperty(  # type: ignore[valid-type]
        name="Tolerance", default=0.01, min=0.0001, max=0.2, description="Largest error of reduced keys"
    )
    use_frame_range: BoolProperty(name="Frame Range", default=False, description="Generate only a range")  # type: ignore[valid-type]
    frame_start: IntProperty(name="Start", default=1)  # type: ignore[valid-type]
    frame_end: IntProperty(name="End", default=250)  # type: ignore[valid-type]
    swap_roles: BoolProperty(name="Swap A/B", default=False, description="The other voice drives A")  # type: ignore[valid-type]
    use_a_speaks: BoolProperty(  # type: ignore[valid-type]
        name="A Speaks At",
        default=False,
        description="A speaks in these scene frames: the voice heard there drives A (a mixed voice-over "
        "without a script), for when the roles came out the wrong way round",
    )
    a_speaks_start: IntProperty(name="Start", default=1, description="First scene frame in which A speaks")  # type: ignore[valid-type]
    a_speaks_end: IntProperty(name="End", default=48, description="Last scene frame in which A speaks")  # type: ignore[valid-type]
    recognise_words: BoolProperty(  # type: ignore[valid-type]
        name="Recognise English Words",
        default=False,
        description="Without a script: recognise English words in the voice-over and shape the lips from "
        "their sounds where the recogniser is sure (sharper p/b/m and rounded vowels on real speech; "
        "about 0.4 s per second of audio). A script's own words do this better",
    )
    read_lips: BoolProperty(  # type: ignore[valid-type]
        name="Lip Reader",
        default=True,
        description="The speaking character's lips from the lip reader, which learned real voices: p/b/m "
        "seal and rounded vowels round; the network still says how far the mouth opens. Off: the "
        "network's own mouth",
    )
    hear_overlaps: BoolProperty(  # type: ignore[valid-type]
        name="Overlaps",
        default=True,
        description="Mixed voice-over: where a small network hears both voices at once (an interruption, "
        "a backchannel) the model decides whether both characters speak. Off: one speaks there, as "
        "the voices or the script say (try it if a listener's mouth moves while only the other speaks)",
    )
    one_voice: EnumProperty(  # type: ignore[valid-type]
        name="Voices",
        items=[
            ("NONE", "Two Voices", "Both characters speak: who is who comes from telling the voices apart"),
            (
                "A",
                "Only A Speaks",
                "The voice-over holds one voice, A's (a monologue or narration B listens to): every line "
                "heard is A's and B never speaks. For a mixed voice-over without a script",
            ),
            (
                "B",
                "Only B Speaks",
                "The voice-over holds one voice, B's (a monologue or narration A listens to): every line "
                "heard is B's and A never speaks. For a mixed voice-over without a script",
            ),
        ],
        default="NONE",
        description="How many voices the voice-over holds; one voice split between A and B by mistake: "
        "pick whose it is",
    )
    mood_a: _mood_prop("A")  # type: ignore[valid-type]
    mood_strength_a: _strength_prop("A")  # type: ignore[valid-type]
    mood_b: _mood_prop("B")  # type: ignore[valid-type]
    mood_strength_b: _strength_prop("B")  # type: ignore[valid-type]
    weights_path: StringProperty(  # type: ignore[valid-type]
        name="Model",
        subtype="FILE_PATH",
        description="Model weights (.npz) to generate with; empty: the bundled model",
    )
    # Live state for the panel while a generation runs.
    progress: FloatProperty(default=0.0, min=0.0, max=1.0, subtype="FACTOR", options={"SKIP_SAVE"})  # type: ignore[valid-type]
    status: StringProperty(default="", options={"SKIP_SAVE"})  # type: ignore[valid-type]


CLASSES: list[type] = [DuetSettings]


def register() -> None:
    bpy.types.Scene.duet = PointerProperty(type=DuetSettings)


def unregister() -> None:
    del bpy.types.Scene.duet
