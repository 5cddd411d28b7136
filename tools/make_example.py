"""Write the bundled example dialogue: assets/example_dialogue.flac, its staging and its script.

    .venv/bin/python tools/make_example.py [--out assets] [--check]

A scripted two-person conversation (Mara = A, Theo = B, about 25 s) spoken by
the project's own speech backends (duet.model.training.speech: festival's slt
voice for Mara, its kal voice for Theo) and laid out in time here: turn
transitions near +200 ms with one short overlap, listener backchannels ("mm-hm",
"oh no", "yeah") in the speaker's pauses, as the corpus composer does
(model/training/composer.py). The result is mono 16 kHz 16-bit FLAC (written
with Blender's aud, so this needs the bpy module of .venv) and
example_dialogue_staging.txt, staging directions in the staging language
(docs/STAGING.md) timed against the lines' real start times, and
example_dialogue_script.txt, the lines as written (docs/SCRIPT.md), for
script-assisted takes.

Same machine, same Debian voices, same bytes: festival is deterministic per
request and nothing here is random. --check only prints the layout.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"A": "Mara", "B": "Theo"}
VOICES = {"A": "festival:slt", "B": "festival:kal"}  # Mara (female), Theo (male)
GAIN = {"A": 1.0, "B": 0.75}  # kal is much louder than slt; bring the two to one level
PEAK = 0.8
LEAD_S = 0.4  # silence before Mara's first word
TAIL_S = 0.6
KEEP_S = 0.04  # silence kept around each line's speech


@dataclass(frozen=True)
class Line:
    role: str
    text: str
    after: float  # seconds after the previous turn ends (negative: overlap); backchannels: see `at`
    backchannel: bool = False
    at: float = 0.5  # backchannel: where in the previous turn (fraction of its speech) it goes


# The conversation. Turn transitions follow the corpus composer's statistics (a
# floor transfer offset near +200 ms, one overlap, one longer pause); backchannels
# fall in a pause of the other speaker's turn.
SCRIPT: tuple[Line, ...] = (
    Line("A", "Theo! There you are. Did you hear the rain last night?", 0.0),
    Line("B", "Hear it? It kept me up for hours.", 0.22),
    Line("A", "The roof in the workshop is leaking again. Right above the big table.", 0.35),
    Line("B", "Oh no.", 0.0, backchannel=True, at=0.52),
    Line("B", "Then we move the table. Where do you want it?", 0.18),
    Line("A", "By the window. The light is better there anyway.", -0.12),
    Line("B", "Yeah.", 0.0, backchannel=True, at=0.45),
    Line("A", "And maybe, just maybe, we finally fix that roof.", 0.9),
    Line("B", "Maybe next summer.", 0.25),
    Line("A", "You said that last summer.", 0.2),
    Line("B", "Fair enough. I will bring the ladder tomorrow morning.", 0.3),
)

STAGING = """\
# Staging for example_dialogue.flac: Mara (A) and Theo (B) in the workshop.
# Roles A and B work with any pair of characters; names (Mara, Theo) work too.

# Mara calls out to the room before she finds Theo; Theo is reading.
A faces the camera from 0:00 to {a1}
B looks down until {b_up}
B looks at A from {b_up}
A looks at B from {a1}

# "The roof in the workshop is leaking again."
B nods at {nod}

# "By the window. The light is better there anyway."
A glances at the camera at {glance}

# "Maybe next summer."
B turns 15 degrees left from {b_turn} to {b_turn_end}

both look at each other from {end}
"""


SCRIPT_HEADER = "# The bundled example dialogue, as written.\n"


def script_text(lines: tuple[Line, ...] = SCRIPT) -> str:
    """The dialogue as script text: one 'Name: words' line per spoken line, in SCRIPT's order
    (backchannels where they come), no times: the take places them."""
    return SCRIPT_HEADER + "".join(f"{NAMES[line.role]}: {line.text}\n" for line in lines)


def _fmt(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60.0)
    return f"{int(m)}:{s:04.1f}"


@dataclass
class Placed:
    line: Line
    start: float
    end: float  # end of speech (seconds in the dialogue)
    audio: np.ndarray


def _speech_pauses(utt, min_pause: float = 0.12) -> list[tuple[float, float]]:
    """Pauses inside an utterance's speech (silence phones between words)."""
    out = []
    phones = utt.phones
    for i, p in enumerate(phones[1:-1], start=1):
        if p.ipa == "_" and p.end - p.start >= min_pause and i not in (0, len(phones) - 1):
            out.append((p.start, p.end))
    return out


def compose(synth) -> tuple[np.ndarray, list[Placed]]:
    from duet.model import spec

    rate = spec.SAMPLE_RATE
    placed: list[Placed] = []
    turn_end = LEAD_S
    last_turn: tuple[Placed, object] | None = None
    for line in SCRIPT:
        utt = synth.synthesize(line.text, VOICES[line.role]).trimmed_silence(KEEP_S)
        audio = utt.audio * GAIN[line.role]
        if line.backchannel:
            if last_turn is None:
                raise SystemExit("a backchannel needs a turn before it")
            turn, turn_utt = last_turn
            pauses = _speech_pauses(turn_utt)
            if not pauses:
                raise SystemExit(f"no pause in {turn.line.text!r} for the backchannel {line.text!r}")
            wanted = line.at * turn_utt.duration
            p0, p1 = min(pauses, key=lambda p: abs((p[0] + p[1]) / 2 - wanted))
            start = turn.start + p0 + 0.05
            placed.append(Placed(line, start, start + utt.duration, audio))
            continue
        start = turn_end + line.after
        item = Placed(line, start, start + utt.duration, audio)
        placed.append(item)
        turn_end = item.end
        last_turn = (item, utt)
    total = max(p.end for p in placed) + TAIL_S
    mix = np.zeros(int(np.ceil(total * rate)), dtype=np.float64)
    for p in placed:
        i = int(round(p.start * rate))
        mix[i : i + len(p.audio)] += p.audio
    mix *= PEAK / np.max(np.abs(mix))
    return mix.astype(np.float32), placed


def staging_text(placed: list[Placed]) -> str:
    turns = [p for p in placed if not p.line.backchannel]
    a_turns = [p for p in turns if p.line.role == "A"]
    b_turns = [p for p in turns if p.line.role == "B"]
    backchannels = [p for p in placed if p.line.backchannel]
    return STAGING.format(
        a1=_fmt(a_turns[0].start + 1.1),  # after "Theo! There you are."
        b_up=_fmt(a_turns[0].start + 0.5),  # Theo looks up at his name
        nod=_fmt(backchannels[0].start - 0.3),
        glance=_fmt(a_turns[2].start + 1.2),
        b_turn=_fmt(b_turns[2].start - 0.3),
        b_turn_end=_fmt(b_turns[2].end + 0.4),
        end=_fmt(b_turns[3].start + 0.5),
    )


def write_flac(path: Path, audio: np.ndarray, rate: int) -> None:
    import bpy  # noqa: F401, I001 (aud comes with the bpy module: import bpy first)
    import aud

    sound = aud.Sound.buffer(np.ascontiguousarray(audio.reshape(-1, 1), dtype=np.float32), float(rate))
    tmp = path.with_name(path.name + ".tmp.flac")
    sound.write(
        str(tmp),
        rate=rate,
        channels=1,
        format=aud.FORMAT_S16,
        container=aud.CONTAINER_FLAC,
        codec=aud.CODEC_FLAC,
    )
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets", help="folder (default: assets/)")
    parser.add_argument("--check", action="store_true", help="print the layout, write nothing")
    args = parser.parse_args(argv)

    from duet.model import spec, staging
    from duet.model.script import ScriptError, parse_script
    from duet.model.training.speech import Synthesizer

    script = script_text()
    try:
        parse_script(script, names=NAMES, source="example_dialogue_script.txt")
    except ScriptError as exc:
        print(exc, file=sys.stderr)
        return 1

    with Synthesizer() as synth:
        mix, placed = compose(synth)
    text = staging_text(placed)
    problems = staging.validate(text, names=NAMES)
    if problems:
        for p in problems:
            print(f"staging line {p.line}, col {p.column}: {p.message}", file=sys.stderr)
        return 1
    for p in placed:
        kind = "  (backchannel)" if p.line.backchannel else ""
        print(f"{_fmt(p.start)}-{_fmt(p.end)} {p.line.role}: {p.line.text}{kind}")
    print(f"{len(mix) / spec.SAMPLE_RATE:.2f} s of dialogue")
    if args.check:
        print(text)
        print(script, end="")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    flac = args.out / "example_dialogue.flac"
    write_flac(flac, mix, spec.SAMPLE_RATE)
    (args.out / "example_dialogue_staging.txt").write_text(text, encoding="utf-8")
    (args.out / "example_dialogue_script.txt").write_text(script, encoding="utf-8")
    print(f"{flac} ({flac.stat().st_size / 1024:.0f} KiB)")
    print(args.out / "example_dialogue_staging.txt")
    print(args.out / "example_dialogue_script.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
