"""Quick exchanges of real studio voices: who-speaks where lines are short (issue 13, development).

    .venv/bin/python tools/probe_exchanges.py [--model assets/duet_model.npz] [--seed 21] [--script]
        [--fillets validation|heldout]

The development sets of tools/probe_overlaps.py and tools/probe_voice_count.py lay out read
phrases of up to 6 s; a cutscene often trades lines of a word or two ("Added." "Activated."). Here
two real voices trade a telephone system's voice prompts (Debian asterisk-core-sounds-en, -fr,
-it, -ru and their -g722 packages: a US English, a Canadian French and a Russian female speaker, an
Italian male speaker; model/training/prompt_phones.py reads them): 12 conversations, each ordered
pair of voices once or twice, half with one prompt a turn (16 turns), half with two (10 turns),
0.1-0.35 s between a turn's prompts, -0.1 to +0.5 s between turns (a slight overlap now and then),
a faint noise floor. Truth: each prompt's voice activity (heldout.speech_runs, pauses under
SPEAKING_BRIDGE_S bridged). No shipped weights heard these voices; a lip reader trained with
`--prompts-share` has heard them (not the shipped one).

With --script each take is given its conversation's script (`A: words` per prompt, in order), as
generate(script=...) takes it; a prompt longer than 8 s is cut there and its line left out of the
script, as an ad-lib would be. The take's notes are printed under it.

--fillets validation: instead, the acted dialogue of Fish Fillets' two fish (Czech and Dutch), a
conversation per level of the validation levels (6), whole recorded lines in the game's order with
their texts as the script (fillets_conversations); --fillets heldout: the 20 of the held-out levels,
to report only.

Runs generation.perform() as a take does (numpy runtime, audio only, A = the first voice heard)
and prints per conversation its who-speaks accuracy and role outcome (heldout_eval), then the
set's accuracy, swaps and merges, and where the wrong frames lie: where the role anchor
(mix_roles.audio_roles) gave the frame to the wrong voice, and where it left the frame to the
network, split by what the network said.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))
SR = 16000
CLASS_NAMES = ("nobody", "A", "B", "both")
PLACED_WITHIN_S = 0.5  # a line's start from its prompt's (the prompt's file starts a little before its voice)


def conversations(seed: int) -> list:
    """The set (heldout.HeldoutDialogue each), composed from `seed`."""
    from duet.model.signal import SPEAKING_BRIDGE_S, merge_spans
    from duet.model.training import heldout
    from duet.model.training import prompt_phones as pp

    rng = np.random.default_rng(seed)
    voices = list(pp.VOICES)
    words = {lang: voice.texts() for lang, voice in pp.VOICES.items()}  # installed prompts only
    names = {lang: sorted(texts) for lang, texts in words.items()}
    cache: dict[tuple[str, str], np.ndarray] = {}

    def prompt(lang: str) -> tuple[np.ndarray, str]:
        name = names[lang][int(rng.integers(len(names[lang])))]
        if (lang, name) not in cache:
            cache[(lang, name)] = pp.VOICES[lang].audio(name)
        return cache[(lang, name)], " ".join(words[lang][name].split())

    out = []
    for i, first in enumerate(voices):
        for j, second in enumerate(voices):
            for per_turn in (1, 2):
                if i == j or (i + j + per_turn) % 2:
                    continue
                mix = np.zeros(200 * SR, np.float32)
                spans = []
                lines = []
                times = []  # each script line's prompt: (start, end) s
                t = int(rng.uniform(0.6, 1.5) * SR)
                for turn in range(16 if per_turn == 1 else 10):
                    role = turn % 2
                    for _ in range(per_turn):
                        x, text = prompt(first if role == 0 else second)
                        if len(x) > 8 * SR:  # a long prompt is cut: its text would not match
                            x, text = x[: 8 * SR], ""
                        mix[t : t + len(x)] += x
                        if text:
                            lines.append(f"{'AB'[role]}: {text}")
                            times.append((t / SR, (t + len(x)) / SR))
                        runs = merge_spans(
                            np.asarray(heldout.speech_runs(x)).reshape(-1, 2), SPEAKING_BRIDGE_S
                        )
                        spans += [(role, t / SR + s, t / SR + e) for s, e in runs]
                        t += len(x) + int(rng.uniform(0.1, 0.35) * SR)
                    t += int(rng.uniform(-0.1, 0.5) * SR)
                mix = mix[: t + SR]
                mix = mix + (10 ** (-55 / 20) * rng.standard_normal(len(mix))).astype(np.float32)
                truth = np.zeros((-(-len(mix) // 320), 2), dtype=bool)
                for role, s, e in spans:
                    truth[int(s * 50) : int(np.ceil(e * 50)), role] = True
                name = f"{first}-{second}-{per_turn}x"
                tags = {"script": "\n".join(lines), "line_times": json.dumps(times)}
                out.append(heldout.HeldoutDialogue(name, "exchanges", mix, truth, (first, second), tags))
    return out


def fillets_conversations(split: str, seed: int) -> list:
    """Acted dialogue of the two fish of Fish Fillets (Debian fillets-ng-data-cs / -nl), one
    conversation per level and language of `split` (real_sources.fillets_split: validation to
    develop on, heldout to report): the level's recorded lines whole, in the game's dialogue order,
    0.1-0.35 s apart within a turn and -0.1 to +0.5 s between turns, a faint noise floor; the first
    fish to speak is A. Its script is the lines' texts. Truth: each line's voice activity."""
    from duet.model.signal import SPEAKING_BRIDGE_S, merge_spans
    from duet.model.training import heldout, real_sources
    from duet.model.training.heldout_recordings import read_line

    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, str], list] = {}
    for line in real_sources.fillets_lines(real_sources.DEFAULT_FILLETS_ROOT, split):
        groups.setdefault((line.level, line.language), []).append(line)
    out = []
    for (level, language), group in sorted(groups.items()):
        first = group[0].character
        audio = [read_line(line.path) for line in group]
        mix = np.zeros(sum(len(x) for x in audio) + (len(group) + 4) * SR, np.float32)
        spans, lines, times = [], [], []
        t = int(rng.uniform(0.6, 1.5) * SR)
        for k, (line, x) in enumerate(zip(group, audio, strict=True)):
            role = 0 if line.character == first else 1
            mix[t : t + len(x)] += x
            text = " ".join(line.text.replace("\\", "").split())
            lines.append(f"{'AB'[role]}: {text}")
            times.append((t / SR, (t + len(x)) / SR))
            runs = merge_spans(np.asarray(heldout.speech_runs(x)).reshape(-1, 2), SPEAKING_BRIDGE_S)
            spans += [(role, t / SR + a, t / SR + b) for a, b in runs]
            same = k + 1 < len(group) and group[k + 1].character == line.character
            t += len(x) + int((rng.uniform(0.1, 0.35) if same else rng.uniform(-0.1, 0.5)) * SR)
        mix = mix[: t + SR]
        mix = mix + (10 ** (-55 / 20) * rng.standard_normal(len(mix))).astype(np.float32)
        truth = np.zeros((-(-len(mix) // 320), 2), dtype=bool)
        for role, a, b in spans:
            truth[int(a * 50) : int(np.ceil(b * 50)), role] = True
        tags = {"script": "\n".join(lines), "line_times": json.dumps(times)}
        voices = (f"fillets:{language}:{first}", f"fillets:{language}:other")
        out.append(heldout.HeldoutDialogue(f"{level}-{language}", "fillets", mix, truth, voices, tags))
    return out


def scripted(model: Path):
    """A take of a conversation given its script (the prompts' words in order, A and B), as
    generate(script=...) makes it; the anchor it reads is the script's alignment."""
    from duet.model import features
    from duet.model.generation import get_runtime, perform
    from duet.model.script import parse_script
    from duet.model.script import take as script_take

    _, rt = get_runtime("numpy", model)

    def run(d):
        script = parse_script(d.tags["script"])
        perf = perform(d.audio16k, runtime="numpy", seed=0, weights=model, script=script)
        aligned = script_take.align_script(script, d.audio16k, rt)
        n = features.n_model_frames(len(d.audio16k))
        anchor = aligned.anchor if aligned.anchor is not None else np.zeros((n, 2, 2), np.float32)
        times = json.loads(d.tags["line_times"])
        near = 0
        if aligned.anchor is not None:  # a script set aside places nothing
            # one script line per prompt, so a line's source_line (1-based) names its prompt
            errors = [abs(line.start - times[line.source_line - 1][0]) for line in aligned.lines]
            near = sum(e <= PLACED_WITHIN_S for e in errors)
        return perf, {"anchor": anchor, "notes": perf.notes, "placed": (near, len(times))}

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "assets" / "duet_model.npz")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument(
        "--script",
        action="store_true",
        help="script-assisted takes: each conversation with its prompts' words",
    )
    parser.add_argument(
        "--fillets",
        choices=("validation", "heldout"),
        default=None,
        help="Fish Fillets dialogues of these levels instead of the prompts (heldout: to report only)",
    )
    args = parser.parse_args(argv)

    from duet.model.training import heldout_eval
    from duet.model.training.prompt_phones import PromptsMissing
    from duet.model.training.real_sources import RealSourceError

    try:
        dialogues = (
            conversations(args.seed)
            if args.fillets is None
            else fillets_conversations(args.fillets, args.seed)
        )
    except (PromptsMissing, RealSourceError) as exc:
        print(exc, file=sys.stderr)
        return 2
    run = heldout_eval.model_system(args.model)
    if args.script:
        run = scripted(args.model)
    correct = frames = 0
    outcomes: Counter = Counter()
    wrong: Counter = Counter()
    placed = [0, 0]
    for d in dialogues:
        perf, extra = run(d)
        counts, row = heldout_eval.score_dialogue(d, perf, extra)
        correct += counts["attribution_correct"]
        frames += counts["frames"]
        outcomes[row["roles"]] += 1
        speaking = np.stack([perf.speaking[r] for r in "AB"], axis=1) > 0.5
        n = min(len(speaking), len(d.truth))
        truth_cls = d.truth[:n, 0] + 2 * d.truth[:n, 1].astype(int)
        said = speaking[:n, 0] + 2 * speaking[:n, 1].astype(int)
        anchor = extra["anchor"][:n]
        known = anchor[:, 0, 0] > 0
        anchored = (anchor[:, 0, 1] > 0.5) + 2 * (anchor[:, 1, 1] > 0.5).astype(int)
        for t, s, k, a in zip(truth_cls, said, known, anchored, strict=True):
            if t != s:
                where = f"anchor said {CLASS_NAMES[a]}" if k else "anchor left it to the network"
                wrong[(where, CLASS_NAMES[t], CLASS_NAMES[s])] += 1
        print(
            f"{d.name:10s} {d.seconds:5.1f} s  who-speaks {row['attribution']:.3f}  roles {row['roles']}",
            flush=True,
        )
        if "placed" in extra:
            placed[0] += extra["placed"][0]
            placed[1] += extra["placed"][1]
            near, total = extra["placed"]
            print(f"    lines placed within {PLACED_WITHIN_S} s of their prompt: {near} of {total}")
        for note in extra.get("notes", ()):
            print(f"    note: {note[:150]}")
    print(f"\n{len(dialogues)} conversations: who-speaks {correct / max(frames, 1):.4f}, "
          f"role swaps {outcomes['swap']}, one character speaks both {outcomes['merged']}")  # fmt: skip
    if placed[1]:
        print(f"script lines placed within {PLACED_WITHIN_S} s of their prompt: {placed[0]} of {placed[1]}")
    print("wrong frames, share of all frames:")
    for (where, truth, said), k in wrong.most_common(10):
        print(f"  {where}: {truth} speaks, the take says {said}: {k / max(frames, 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
