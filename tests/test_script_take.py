"""Script-assisted takes end to end: generate(script=...) on the bundled example dialogue.

The example (assets/example_dialogue.flac, made by tools/make_example.py) was laid out from
its lines, so where each line truly falls is known (make_example.py --check prints it).
"""

from __future__ import annotations

import numpy as np
import pytest

from duet.model import generate, spec
from duet.model.errors import InputError
from duet.model.script import english

pytestmark = pytest.mark.blender  # the example is read with Blender's audio library

# (start, end, role, text) of the example's lines, from `tools/make_example.py --check`.
TRUTH = [
    (0.4, 3.3, "A", "Theo! There you are. Did you hear the rain last night?"),
    (3.5, 6.1, "B", "Hear it? It kept me up for hours."),
    (6.4, 9.9, "A", "The roof in the workshop is leaking again. Right above the big table."),
    (8.5, 9.0, "B", "Oh no."),
    (10.1, 12.9, "B", "Then we move the table. Where do you want it?"),
    (12.8, 15.6, "A", "By the window. The light is better there anyway."),
    (13.7, 14.1, "B", "Yeah."),
    (16.5, 19.5, "A", "And maybe, just maybe, we finally fix that roof."),
    (19.7, 21.0, "B", "Maybe next summer."),
    (21.2, 22.7, "A", "You said that last summer."),
    (23.0, 26.3, "B", "Fair enough. I will bring the ladder tomorrow morning."),
]
NAMES = {"A": "Mara", "B": "Theo"}


def _script(rows=TRUTH, names=NAMES) -> str:
    return "\n".join(f"{names[r]}: {text}" for _, _, r, text in rows) + "\n"


@pytest.fixture(scope="module")
def example(bpy_module):
    from duet.addon.audio import read_audio
    from duet.addon.headless.demo import EXAMPLE_AUDIO

    return read_audio(EXAMPLE_AUDIO, channels=1)


@pytest.fixture(scope="module")
def scripted(example):
    return generate(example.samples, example.sample_rate, script=_script(), fps=50, runtime="numpy")


def test_every_line_is_placed_where_it_was_spoken(scripted):
    assert len(scripted.lines) == len(TRUTH)
    got = {line.text: line for line in scripted.lines}
    for start, end, role, text in TRUTH:
        line = got[text]
        assert line.role == role and line.speaker == NAMES[role]
        assert abs(line.start - start) < 0.25 and abs(line.end - end) < 0.25, (text, line)


def test_who_speaks_follows_the_script(scripted):
    """Over each line its character speaks and the other mostly does not (backchannels inside
    the other's line included)."""
    for start, end, role, _ in TRUTH:
        span = slice(int(start * 50) + 3, int(end * 50) - 3)
        other = "B" if role == "A" else "A"
        assert scripted.speaking[role][span].mean() > 0.5, (start, role)
        if end - start > 1.0:  # a long line: the short backchannel inside it is a small share
            assert scripted.speaking[other][span].mean() < 0.3, (start, other)


@pytest.mark.skipif(not english.available(), reason="pocketsphinx is not installed in this environment")
def test_aligned_words_seal_the_lips_on_p_b_m(example):
    """With aligned phones the lips close on every p/b/m the script holds (here 'maybe', 'big',
    'move', 'bring', 'morning', 'summer', 'up', ...) and part at its end."""
    from duet.model.generation import get_runtime
    from duet.model.script import parse_script
    from duet.model.script.take import align_script

    x = example.samples
    from duet.model import audio as audio_io

    x16 = audio_io.prepare(x, example.sample_rate, stems=False)
    _, rt = get_runtime("numpy")
    aligned = align_script(parse_script(_script(), names=NAMES), x16, rt)
    assert aligned.aligned_lines >= 9
    perf = generate(x, example.sample_rate, script=_script(), fps=50, runtime="numpy")
    close = spec.ARKIT_NAMES.index("mouthClose")
    jaw = spec.ARKIT_NAMES.index("jawOpen")
    sealed = 0
    total = 0
    for role in spec.ROLES:
        ph = aligned.phones[role]
        for ipa, s, e in zip(ph.ipa, ph.start, ph.end, strict=True):
            if ipa not in ("p", "b", "m"):
                continue
            total += 1
            f = int(round((s + e) / 2 * 50))
            bs = perf.blendshapes[role][f]
            # Sealed: the lips cancel the jaw (mouthClose ~ jawOpen).
            if abs(bs[close] - bs[jaw]) < 0.05 + 0.1 * bs[jaw]:
                sealed += 1
    assert total >= 10
    assert sealed / total >= 0.9


def test_a_script_in_another_language_still_sets_the_roles(example):
    """Words the aligner cannot read (here: the lines in German) still place the lines by voice,
    pauses and length: roles follow the script; the lips come from the audio."""
    german = [
        "Theo! Da bist du ja. Hast du den Regen letzte Nacht gehört?",
        "Gehört? Er hat mich stundenlang wach gehalten.",
        "Das Dach in der Werkstatt ist wieder undicht. Genau über dem großen Tisch.",
        "Oh nein.",
        "Dann stellen wir den Tisch um. Wohin willst du ihn?",
        "Ans Fenster. Das Licht ist dort sowieso besser.",
        "Ja.",
        "Und vielleicht, nur vielleicht, reparieren wir endlich das Dach.",
        "Vielleicht nächsten Sommer.",
        "Das hast du letzten Sommer gesagt.",
        "Na gut. Ich bringe morgen früh die Leiter.",
    ]
    rows = [(s, e, r, g) for (s, e, r, _), g in zip(TRUTH, german, strict=True)]
    perf = generate(example.samples, example.sample_rate, script=_script(rows), fps=50, runtime="numpy")
    got = {line.text: line for line in perf.lines}
    for start, _, role, text in rows:
        if text in got:
            assert got[text].role == role
            assert abs(got[text].start - start) < 0.5
    assert len(got) >= 9


def test_a_missing_line_is_named_and_the_take_still_generates(example):
    rows = list(TRUTH)
    rows.insert(5, (0, 0, "A", "This line was never recorded by anybody in the studio today at all."))
    perf = generate(example.samples, example.sample_rate, script=_script(rows), fps=24, runtime="numpy")
    assert any("never recorded" in note and "line 6" in note for note in perf.notes), perf.notes
    later = {line.text: line for line in perf.lines}
    assert abs(later[TRUTH[-1][3]].start - TRUTH[-1][0]) < 0.3


def test_script_mistakes_are_input_errors_with_line_and_column(example):
    with pytest.raises(InputError, match=r"line 2, col 1"):
        generate(
            example.samples,
            example.sample_rate,
            script="Mara: Hello.\nZed: Who?\n",
            names=NAMES,
            runtime="numpy",
        )
    with pytest.raises(InputError, match="script must be text"):
        generate(example.samples, example.sample_rate, script=42, runtime="numpy")
    with pytest.raises(InputError, match="roles and a script"):
        generate(example.samples, example.sample_rate, script=_script(), roles="swap", runtime="numpy")


def test_a_blank_script_is_an_audio_only_take(example):
    a = generate(example.samples, example.sample_rate, script="  \n", fps=24, runtime="numpy")
    b = generate(example.samples, example.sample_rate, fps=24, runtime="numpy")
    assert a.lines == () and np.array_equal(a.blendshapes["A"], b.blendshapes["A"])


def test_staging_may_use_the_names_the_script_introduces(example):
    perf = generate(
        example.samples,
        example.sample_rate,
        script=_script(),
        staging="Mara faces left from 1s to 3s",
        fps=50,
        runtime="numpy",
    )
    assert perf.head["A"][100, 0] > 30.0  # yaw toward her own left


def test_stems_place_each_line_on_its_own_stem(example):
    """Two stems made from the mix by the truth's spans: each role's lines land on its stem."""
    from duet.model import audio as audio_io

    x = audio_io.prepare(example.samples, example.sample_rate, stems=False)
    stems = np.zeros((len(x), 2), dtype=np.float32)
    for start, end, role, _ in TRUTH:
        s, e = int(start * 16000), int(end * 16000)
        stems[s:e, 0 if role == "A" else 1] = x[s:e]
    perf = generate(stems, 16000, stems=True, script=_script(), fps=50, runtime="numpy")
    got = {line.text: line for line in perf.lines}
    for start, _, role, text in TRUTH:
        assert got[text].role == role and abs(got[text].start - start) < 0.25, text


@pytest.mark.skipif(not english.available(), reason="pocketsphinx is not installed in this environment")
def test_a_script_of_another_take_falls_back_to_the_audio(example):
    """The words of a different scene are not in this audio: nothing is given to a character on the
    script's say-so; the take is the audio-only one and the report says why."""
    other = [
        (0, 0, "A" if k % 2 == 0 else "B", text)
        for k, text in enumerate(
            [
                "Seventeen crates of oranges arrived at the harbour this morning.",
                "Who signed for them at the customs office?",
                "Nobody knows, the clerk was out fishing with his cousin.",
                "Then call the captain and ask for the manifest.",
                "The radio has been broken since Thursday afternoon.",
                "Typical. Send a boy on a bicycle instead.",
            ]
        )
    ]
    perf = generate(example.samples, example.sample_rate, script=_script(other), fps=24, runtime="numpy")
    plain = generate(example.samples, example.sample_rate, fps=24, runtime="numpy")
    assert perf.lines == ()
    assert any("does not match" in note for note in perf.notes), perf.notes
    assert np.allclose(perf.speaking["A"], plain.speaking["A"], atol=1e-5)


@pytest.mark.skipif(not english.available(), reason="pocketsphinx is not installed")
def test_a_script_missing_a_spoken_word_still_gives_the_line_its_voice(example):
    """A transcript often lacks a word the actor said (here the opening "Theo!"): the line still
    starts where its voice does, so the character speaks from the first word heard."""
    rows = [(s, e, r, "There you are. Did you hear the rain last night?" if i == 0 else t)
            for i, (s, e, r, t) in enumerate(TRUTH)]  # fmt: skip
    perf = generate(example.samples, example.sample_rate, script=_script(rows), fps=50, runtime="numpy")
    first = min(perf.lines, key=lambda line: line.start)
    assert first.role == "A" and abs(first.start - TRUTH[0][0]) < 0.25, first
    speaking = perf.speaking["A"]
    assert speaking[int(round((TRUTH[0][0] + 0.15) * 50))] > 0.5  # "Theo!" is A's speech


def test_a_script_still_places_its_lines_in_heavy_noise(example):
    """The example under pink noise at 3 dB SNR: the broadband VAD heard too little voice there
    and the script was set aside ("only 47% of the lines sound like their own character"); read
    band by band, the lines are placed near where they were spoken and the report calls it noisy."""
    x = np.asarray(example.samples, dtype=np.float64).reshape(-1)
    rng = np.random.default_rng(0)
    spectrum = np.fft.rfft(rng.standard_normal(len(x)))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum, len(x))
    speech_rms = np.sqrt(np.mean(x[np.abs(x) > 0.01] ** 2))
    noise *= speech_rms / np.sqrt(np.mean(noise**2)) / 10 ** (3.0 / 20.0)
    noisy = np.clip(x + noise, -1.0, 1.0).astype(np.float32)
    perf = generate(noisy, example.sample_rate, script=_script(), fps=50, runtime="numpy")
    assert not any("does not match" in note for note in perf.notes), perf.notes
    assert any("very noisy" in note for note in perf.notes), perf.notes
    by_text = {line.text: line for line in perf.lines}
    near = [abs(by_text[text].start - start) < 1.0 for start, _, _, text in TRUTH if text in by_text]
    assert len(near) >= 8 and sum(near) >= 0.8 * len(near), [(t.text, t.start) for t in perf.lines]


def test_the_evidence_of_a_mix_is_read_with_the_prints_and_its_apartness_from_the_vectors():
    """Voice vectors that hardly tell the two voices apart (centroids 0.99 alike) beside prints that
    do: the evidence follows the prints, and the voices still count as not apart (the vectors
    decide that, as they decide one voice or two)."""
    from duet.model import diarization
    from duet.model.script import placement as pl
    from duet.model.script.take import voice_evidence

    n = 400
    truth = (np.arange(n) // 100) % 2  # A, B, A, B
    emb = np.tile(np.array([[1.0, 0.0]], np.float32), (n, 1))
    emb[truth == 1] = [0.99, np.sqrt(1 - 0.99**2)]
    prints = np.where(truth[:, None] == 0, [[1.0, 0.0]], [[0.0, 1.0]]).astype(np.float32)
    voiced = np.ones(n, bool)
    lines = tuple(pl.PlacedLine(k, k % 2, 2.0 * k, 2.0 * k + 2.0, True, 1.0) for k in range(4))
    placement = pl.Placement(lines, 0.2)
    alone, apart_alone = voice_evidence(emb, voiced, placement)
    joined = diarization.join_prints(emb, prints, 0.5)
    ev, apart = voice_evidence(emb, voiced, placement, joined)
    assert not apart_alone and not apart
    inner = np.concatenate([np.arange(k * 100 + 15, k * 100 + 85) for k in range(4)])
    sign = np.where(truth[inner] == 0, 1.0, -1.0)
    assert np.all(sign * ev[inner] > 0.9)  # the prints' evidence: clear
    ev_joined_alone, apart_joined = voice_evidence(joined, voiced, placement)
    np.testing.assert_allclose(ev, ev_joined_alone)
    assert apart_joined  # the joined vectors alone would have called the voices apart
