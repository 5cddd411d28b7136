"""Voice prompts with their words as lip-reader data (model/training/prompt_phones.py)."""

from __future__ import annotations

import gzip

import numpy as np

from duet.model import features
from duet.model.lips import mouth_classes as mc
from duet.model.training import prompt_phones as pp


def test_the_transcript_keeps_read_words_and_leaves_out_tones_and_numbers(tmp_path):
    path = tmp_path / "core-sounds-en.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("; Core Asterisk Sounds in English\n\n")
        f.write("added: Added.\n")
        f.write("beep: [this is a simple beep tone]\n")
        f.write("dictate/forhelp: press 0 for help\n")
        f.write("vm-star: Press star (the asterisk key) to cancel.\n")
        f.write("no text here\n")
    texts = pp.prompt_texts(path)
    assert texts == {"added": "Added.", "vm-star": "Press star   to cancel."}


def test_words_are_letters_and_apostrophes_and_a_spelled_letter_gives_none():
    assert pp.words_of("That agent's logged on.  Please, enter it!") == [
        "That",
        "agent's",
        "logged",
        "on",
        "Please",
        "enter",
        "it",
    ]
    assert pp.words_of("b") == []
    assert pp.words_of("I am") == ["I", "am"]


def test_readings_string_prompts_with_pauses_and_keep_each_phone_where_it_was_said():
    sr = pp.SR
    # Two prompts: "ma" (m 0.1-0.2 s, a 0.2-0.4 s) in 0.5 s, "pa" likewise.
    prompts = [
        ("ma", np.full(sr // 2, 0.1, np.float32), [("m", 0.1, 0.2), ("a", 0.2, 0.4)]),
        ("pa", np.full(sr // 2, 0.2, np.float32), [("p", 0.1, 0.2), ("a", 0.2, 0.4)]),
    ]
    out = pp.readings(prompts, np.random.default_rng(0))
    assert len(out) == 1  # 1 s of speech: one reading
    x, labels = out[0]
    assert len(labels) == features.n_model_frames(len(x))
    bilabial = np.flatnonzero(labels == mc.BILABIAL)
    # Each prompt's p/b/m: 5 frames (0.1 s), where that prompt's samples begin plus 0.1 s.
    runs = np.split(bilabial, np.flatnonzero(np.diff(bilabial) > 1) + 1)
    assert [len(r) for r in runs] == [5, 5]
    for run in runs:
        start_s = run[0] / pp.FPS - 0.1
        sample = int(round(start_s * sr))
        assert abs(float(x[sample + 400]) - 0.1) < 0.01 or abs(float(x[sample + 400]) - 0.2) < 0.01
        assert abs(float(x[sample - 400])) < 0.01  # the pause before the prompt (a frame is 320 samples)
    assert (labels[labels != mc.BILABIAL] >= 0).all()  # every other frame has a class (silence or vowel)
    assert labels[0] == mc.SILENCE and labels[-1] == mc.SILENCE


def test_missing_prompts_are_reported_with_the_packages_to_install(tmp_path):
    try:
        pp.aligned_prompts(pp.PromptVoice(str(tmp_path / "nowhere"), "en", "asterisk-core-sounds-en"))
    except pp.PromptsMissing as exc:
        assert "apt-get install -y asterisk-core-sounds-en" in str(exc)
    else:
        raise AssertionError("no PromptsMissing")


def test_words_in_any_alphabet_keep_inner_apostrophes():
    assert pp.any_words("Quell'operatore è già loggato.") == ["Quell'operatore", "è", "già", "loggato"]
    assert pp.any_words("Этот оператор уже зарегистрирован, 2 раза.") == [
        "Этот",
        "оператор",
        "уже",
        "зарегистрирован",
        "раза",
    ]


def test_frame_readings_lay_each_prompts_labels_on_its_own_frames():
    step = pp.SR // pp.FPS
    a = np.full(10 * step, 0.1, np.float32)  # 10 frames
    b = np.full(6 * step, 0.2, np.float32)
    la = np.array([mc.SILENCE, mc.BILABIAL, mc.BILABIAL] + [mc.NAMES.index("open")] * 7, np.int16)
    lb = np.array([mc.BILABIAL] * 2 + [-1] * 4, np.int16)
    out = pp.frame_readings([("a", a, la), ("b", b, lb)], np.random.default_rng(1))
    assert len(out) == 1
    x, y = out[0]
    assert len(x) == len(y) * step
    frames = x.reshape(len(y), step).mean(axis=1)
    for level, labels in ((0.1, la), (0.2, lb)):
        where = np.flatnonzero(np.abs(frames - level) < 0.01)
        assert len(where) == len(labels) and np.all(np.diff(where) == 1)
        assert y[where].tolist() == np.where(labels < 0, mc.SILENCE, labels).tolist()
    pauses = np.abs(frames) < 0.01
    assert (y[pauses] == mc.SILENCE).all() and pauses[0] and pauses[-1]


def test_an_unknown_prompt_language_is_named(tmp_path):
    try:
        pp.build_data(tmp_path / "data.npz", languages=("xx",))
    except pp.PromptsMissing as exc:
        assert "'xx'" in str(exc) and "en, fr, it, ru" in str(exc)
    else:
        raise AssertionError("no PromptsMissing")
