"""Lips from recognised English words (model/script/recognise.py, generate(recognise_words=True)).

Real-speech checks read ../shared/eval/real (present in CI beside the checkout) and skip when it
is absent, or where pocketsphinx is not installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from duet.model import generate, generation, spec
from duet.model.errors import InputError
from duet.model.lips.visemes import lip_aperture
from duet.model.script import recognise
from duet.model.script.recognise import AlignedPhone, AlignedWord

REAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "real"
needs_recogniser = pytest.mark.skipif(
    not recognise.recogniser_available(), reason="pocketsphinx is not installed here"
)
needs_real = pytest.mark.skipif(not (REAL / "aligned").is_dir(), reason="../shared/eval/real is not here")
FPS = spec.NATIVE_FPS


def word(name: str, start: float, end: float, cost: float = 0.8) -> AlignedWord:
    mid = 0.5 * (start + end)
    phones = (AlignedPhone("M", "m", 0, start, mid), AlignedPhone("AA", "ɑ", 1, mid, end))
    return AlignedWord(name, cost, 1.0, True, phones)


def speaking(n: int, a: list[tuple[float, float]], b: list[tuple[float, float]]) -> np.ndarray:
    out = np.zeros((n, 2), np.float32)
    t = np.arange(n) / FPS
    for r, spans in enumerate((a, b)):
        for s, e in spans:
            out[(t >= s) & (t < e), r] = 0.9
    return out


def test_each_trusted_word_goes_to_the_role_that_speaks_it_alone():
    sp = speaking(250, a=[(0.0, 1.0), (2.5, 3.5)], b=[(1.2, 2.0), (3.0, 4.0)])
    words = [word("ma", 0.2, 0.5), word("mom", 1.3, 1.7), word("overlap", 3.1, 3.4), word("late", 4.2, 4.5)]
    words.append(word("past the end", 5.5, 5.8))
    by_role = recognise.words_by_role(words, sp, FPS)
    assert [w.word for w in by_role[0]] == ["ma"]
    assert [w.word for w in by_role[1]] == ["mom"]  # both speak over "overlap", nobody over "late"


def test_untrusted_words_are_never_used():
    sp = speaking(100, a=[(0.0, 2.0)], b=[])
    words = [word("sure", 0.2, 0.5), word("unsure", 1.0, 1.4, cost=5.0)]
    assert [w.word for w in recognise.words_by_role(words, sp, FPS)[0]] == ["sure"]


def test_a_stems_words_go_to_its_role_when_that_role_speaks():
    sp = speaking(100, a=[], b=[(0.0, 1.0)])
    words = [word("mine", 0.2, 0.5), word("bleed", 1.2, 1.5)]  # the second: A's voice bleeding in
    by_role = recognise.words_by_role(words, sp, FPS, role=1)
    assert by_role[0] == [] and [w.word for w in by_role[1]] == ["mine"]


def test_role_phones_list_the_words_phones_and_spans():
    ph = recognise.role_phones([word("ma", 0.2, 0.4), word("ma", 1.0, 1.2)])
    assert ph.ipa == ("m", "ɑ", "m", "ɑ") and ph.stress == (0, 1, 0, 1)
    assert ph.spans == ((0.2, 0.4), (1.0, 1.2))
    assert ph.start[0] == pytest.approx(0.2) and ph.end[-1] == pytest.approx(1.2)


def test_generate_refuses_words_and_a_script_together():
    with pytest.raises(InputError, match="script"):
        generate(np.zeros(16000, np.float32), 16000, script="A: hello", recognise_words=True)
    with pytest.raises(InputError, match="recognise_words"):
        generate(np.zeros(16000, np.float32), 16000, recognise_words="yes")


@needs_recogniser
def test_silence_finds_no_words_and_says_so():
    perf = generate(np.zeros(3 * 16000, np.float32), 16000, recognise_words=True)
    assert perf.notes[-1] == generation.NO_WORDS_RECOGNISED


def _mary() -> tuple[np.ndarray, int]:
    import soundfile

    x, rate = soundfile.read(REAL / "aligned" / "mary.wav", dtype="float32")
    return (x if x.ndim == 1 else x.mean(axis=1)), rate


@needs_recogniser
@needs_real
def test_recognised_words_seal_the_lips_on_real_bilabials():
    # mary.wav: "Mary rolled the barrel"; the reference phones put m at 0.32-0.39 s and b at
    # 1.06-1.12 s. The network alone leaves Mary's m open; the recognised words seal both.
    x, rate = _mary()
    plain = generate(x, rate, fps=50, roles="A", read_lips=False)  # the network's own mouth
    words = generate(x, rate, fps=50, roles="A", recognise_words=True, read_lips=False)
    assert "recognised English words" in words.notes[-1]

    def least_aperture(perf, s: float, e: float) -> float:
        span = slice(int(s * 50), int(np.ceil(e * 50)) + 1)
        return float(lip_aperture(perf.blendshapes["A"][span].astype(np.float64)).min())

    assert least_aperture(words, 0.32, 0.39) <= 0.05 and least_aperture(words, 1.06, 1.12) <= 0.05
    assert least_aperture(plain, 0.32, 0.39) > 0.05
    # Only the mouth changed: head, gaze and who speaks are the network's.
    np.testing.assert_array_equal(words.head["A"], plain.head["A"])
    np.testing.assert_array_equal(words.speaking["A"], plain.speaking["A"])
    brows = spec.ARKIT_INDEX["browInnerUp"]
    np.testing.assert_array_equal(words.blendshapes["A"][:, brows], plain.blendshapes["A"][:, brows])


# -- everywhere a take is made: the panel's request, a job's key, duet bake's flag ---------------------


def test_the_request_passes_recognise_words_to_generate_unless_a_script_is_given(monkeypatch):
    import types

    from duet import model
    from duet.addon.generate_request import WORDS_WITH_SCRIPT, GenerationRequest, run_request

    seen: list[dict] = []

    def fake_generate(audio, sample_rate, **kwargs):
        seen.append(kwargs)
        return types.SimpleNamespace(notes=())

    monkeypatch.setattr(model, "generate", fake_generate)
    audio = np.zeros(1600, np.float32)
    run_request(GenerationRequest(audio, 16000, False, None, 24.0, 0, False, recognise_words=True))
    assert seen[-1]["recognise_words"] is True
    run_request(GenerationRequest(audio, 16000, False, None, 24.0, 0, False))
    assert "recognise_words" not in seen[-1]
    scripted = GenerationRequest(
        audio, 16000, False, None, 24.0, 0, False, script="A: Hi.", recognise_words=True
    )
    assert run_request(scripted).notes == (WORDS_WITH_SCRIPT,)
    assert "recognise_words" not in seen[-1]


def _job(tmp_path: Path, body: str) -> Path:
    (tmp_path / "sc01.blend").write_bytes(b"input blend")
    (tmp_path / "sc01.txt").write_text("Mara: Hello.\nTheo: Hi.\n", encoding="utf-8")
    import soundfile

    soundfile.write(tmp_path / "sh010.wav", np.zeros(16000, np.float32), 16000)
    job = tmp_path / "job.toml"
    head = '[defaults]\nblend = "sc01.blend"\naudio = "sh010.wav"\nout = "baked/{shot}.blend"\n'
    job.write_text(head + body, encoding="utf-8")
    return job


def test_a_jobs_recognise_words_key_inherits_and_is_refused_beside_a_script(tmp_path: Path):
    from duet.batch import jobfile

    job = _job(
        tmp_path,
        "recognise_words = true\n[shots.inherits]\n[shots.off]\nrecognise_words = false\n"
        '[shots.scripted]\nscript = "sc01.txt"\n',
    )
    check = jobfile.load_job(job)
    found = {p.location: p.message for p in check.problems}
    assert list(found) == ["shots.scripted.recognise_words"]
    assert "a script's own words align the lips" in found["shots.scripted.recognise_words"]
    assert "write recognise_words = false in this shot" in found["shots.scripted.recognise_words"]
    shots = {s.name: s for s in check.shots}
    assert shots["inherits"].recognise_words is True and shots["off"].recognise_words is False
    assert shots["inherits"].to_dict()["recognise_words"] is True
    bad = jobfile.load_job(_job(tmp_path, 'recognise_words = "yes"\n[shots.a]\n'))
    assert [p.location for p in bad.problems] == ["defaults.recognise_words"]


@pytest.mark.blender
def test_duet_bake_takes_the_recognise_words_flag():
    from duet.addon.headless import commands

    parser = commands.build_parser()
    argv = ["bake", "--blend", "a.blend", "--audio", "a.wav", "--out", "o.blend"]
    args = parser.parse_args([*argv, "--recognise-words"])
    assert commands.shot_values(args)["recognise_words"] is True
    assert commands.shot_values(parser.parse_args(argv))["recognise_words"] is None


@pytest.mark.blender
def test_the_panel_offers_recognise_english_words_below_the_voices(registered):
    from panel_drawing import draw_panel

    from duet.panels.generate import DUET_PT_characters

    bpy = registered
    bpy.ops.wm.read_homefile(use_empty=True)
    s = bpy.context.scene.duet
    assert s.recognise_words is False
    shown = draw_panel(DUET_PT_characters, bpy.context)
    i = shown.index(("prop", "one_voice"))
    assert ("prop", "recognise_words") in shown[i:]
    assert s.bl_rna.properties["recognise_words"].name == "Recognise English Words"


def test_a_long_take_is_recognised_piece_by_piece_with_each_word_once(monkeypatch):
    # A fake recogniser that hears a word starting on every whole second of what it is given:
    # the pieces overlap, and each second of the take must come back once, at its own time.
    sr = recognise.SR

    def fake(audio: np.ndarray) -> list[AlignedWord]:
        return [word(f"w{k}", k + 0.1, k + 0.4) for k in range(int(len(audio) / sr))]

    monkeypatch.setattr(recognise, "recognise_and_align", fake)
    seen: list[float] = []
    words = recognise.recognise_take(np.zeros(int(75.5 * sr), np.float32), seen.append)
    starts = [round(w.start, 3) for w in words]
    assert starts == [k + 0.1 for k in range(75)]
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert recognise.recognise_take(np.zeros(0, np.float32)) == []
