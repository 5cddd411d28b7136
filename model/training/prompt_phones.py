"""Real English speech with its exact words for the lip reader: a telephone system's voice prompts.

Debian's `asterisk-core-sounds-en` and `asterisk-core-sounds-en-g722` hold about 25 minutes of
studio prompts read by one professional US English speaker (Allison Smith; CC BY-SA 3.0), 16 kHz
wideband G.722, and the text of every prompt (core-sounds-en.txt). Each prompt is decoded (the
PyPI `g722` module, a training-time tool), aligned to its own words by pocketsphinx
(model/script/english.align_words: real phone times from a recogniser trained on real speech,
unlike the corpus's recognised LibriSpeech words), and prompts are strung into readings of
READING_SECONDS with pauses between them, so that a crop sounds like a take and the features'
per-take mean is taken over a take's length. Every frame outside the aligned phones is silence
(the prompts are read exactly as written). Each reading is kept clean and once more through a
random room, noise and band (augment.sample_channel), as the corpus's takes are.

The same system's prompts in other languages are other real voices (Canadian French, a female
speaker; Italian, a male speaker; Russian, a female speaker: `asterisk-core-sounds-fr`, `-it`,
`-ru` and their `-g722` packages). No recogniser of theirs is at hand, so their mouth classes are
placed as Fish Fillets' are (fillets_phones.py): espeak-ng's phones of the text, forced through a
lip reader's class probabilities; prompts whose forced path scores far below the free reading are
left out.

Training data only (tools/train_lip_reader.sh --prompts-share); nothing of the prompts ships.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import features, windowing
from ..frame_classifier import normalised
from ..lips import mouth_classes as mc
from . import augment

SOUNDS = Path("/usr/share/asterisk/sounds")
DOCS = Path("/usr/share/doc")


@dataclass(frozen=True)
class PromptVoice:
    """One speaker's prompts: their folder below SOUNDS, the language of their text (espeak-ng's
    name; English is aligned by pocketsphinx instead), the Debian packages that hold them."""

    folder: str
    language: str
    package: str

    @property
    def root(self) -> Path:
        return SOUNDS / self.folder

    @property
    def transcript(self) -> Path:
        return DOCS / self.package / f"{self.package.removeprefix('asterisk-')}.txt.gz"

    @property
    def packages(self) -> str:
        return f"{self.package} {self.package}-g722"

    def texts(self) -> dict[str, str]:
        """Name -> words of the prompts recorded in this build (prompt_texts of the transcript, those
        whose recording is installed); PromptsMissing, naming the packages, when none are."""
        if not self.root.is_dir() or not self.transcript.is_file():
            raise PromptsMissing(f"the voice prompts are not installed: apt-get install -y {self.packages}")
        return {k: t for k, t in prompt_texts(self.transcript).items() if (self.root / f"{k}.g722").is_file()}

    def audio(self, name: str) -> np.ndarray:
        """Prompt `name` as float32 samples at 16 kHz."""
        return decode_g722(self.root / f"{name}.g722")


VOICES = {
    "en": PromptVoice("en_US_f_Allison", "en", "asterisk-core-sounds-en"),
    "fr": PromptVoice("fr_CA_f_June", "fr", "asterisk-core-sounds-fr"),
    "it": PromptVoice("it_IT_m_Carlo", "it", "asterisk-core-sounds-it"),
    "ru": PromptVoice("ru_RU_f_IvrvoiceRU", "ru", "asterisk-core-sounds-ru"),
}
SR = 16000
FPS = 50
# Prompts whose alignment the aligner trusts less than this are left out (english.align_words'
# confidence: 0.5 is what script takes call a confident line).
MIN_CONFIDENCE = 0.5
READING_SECONDS = 12.0
PAUSE_S = (0.3, 0.9)
NOISE_DBFS = -70.0  # a faint floor in the pauses: digital silence is no take's
SEED = 4


class PromptsMissing(RuntimeError):
    """The prompts or the G.722 decoder are not installed."""


def prompt_texts(path: Path) -> dict[str, str]:
    """Prompt name (as its path below a voice's root, without extension) -> its words as read. Prompts that
    are tones or notes ("[beep]"), or whose text has digits or key symbols the reading may say in
    more than one way, are left out."""
    out = {}
    with gzip.open(path, "rt", encoding="utf-8-sig", errors="replace") as f:
        lines = f.read().splitlines()
    for line in lines:
        if line.startswith(";") or ":" not in line:
            continue
        name, text = (s.strip() for s in line.split(":", 1))
        text = re.sub(r"\([^)]*\)", " ", text)
        if not text or "[" in text or re.search(r"[0-9#*@%&$/+=]", text):
            continue
        out[name] = text
    return out


def words_of(text: str) -> list[str]:
    """The words of a prompt; none for a spelled letter ("b"), whose name the dictionary may not give."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z']*", text) if w.strip("'")]
    return [] if len(words) == 1 and len(words[0]) == 1 else words


def any_words(text: str) -> list[str]:
    """The words of a prompt in any alphabet (letters, inner apostrophes)."""
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*", text)


def decode_g722(path: Path) -> np.ndarray:
    """A G.722 (64 kbit/s) file as float32 samples at 16 kHz."""
    try:
        import G722
    except ImportError:
        raise PromptsMissing("the G.722 decoder is missing: pip install g722==1.2.8") from None
    pcm = np.asarray(G722.G722(SR, 64000).decode(path.read_bytes()), dtype=np.float32)
    return pcm / 32768.0


def aligned_prompts(
    voice: PromptVoice = VOICES["en"], log: Callable = print
) -> list[tuple[str, np.ndarray, list]]:
    """(name, audio, phones [(ipa, start, end)]) of every English prompt whose words aligned
    confidently."""
    from ..script import english

    out, skipped = [], 0
    for name, text in sorted(voice.texts().items()):
        words = words_of(text)
        if not words:
            continue
        x = voice.audio(name)
        try:
            span = english.align_words(x, words)
        except english.AlignmentFailed:
            skipped += 1
            continue
        if span.confidence < MIN_CONFIDENCE or len(span.words) < len(words):
            skipped += 1
            continue
        phones = [(p.ipa, p.start, p.end) for w in span.words for p in w.phones]
        out.append((name, x, phones))
    log(f"voice prompts: {len(out)} aligned, {skipped} left out (alignment confidence < {MIN_CONFIDENCE})")
    return out


def forced_prompts(voice: PromptVoice, reader_path: Path | None = None, log: Callable = print) -> list:
    """(name, audio, labels at 50 fps) of a voice's prompts, their mouth classes from espeak-ng's
    phones of the text forced through a lip reader (fillets_phones); the audio is padded to whole
    frames. Prompts whose forced path scores more than fillets_phones.MAX_SCORE_GAP below the free
    reading are left out."""
    from ..lips import lip_reader
    from . import fillets_phones
    from .speech import espeak

    texts = voice.texts()
    engine = espeak.engine()
    reader = lip_reader.LipReader.load(reader_path or lip_reader.DEFAULT_PATH)
    step = SR // FPS
    out, gaps = [], []
    for name, text in sorted(texts.items()):
        words = any_words(text)
        if not words:
            continue
        x = voice.audio(name)
        x = np.pad(x, (0, -len(x) % step))
        classes = fillets_phones.word_classes(engine, voice.language, " ".join(words))
        if not classes:
            continue
        _, labels, gap = fillets_phones.line_labels(reader, x, classes)
        gaps.append(gap)
        if gap >= -fillets_phones.MAX_SCORE_GAP:
            out.append((name, x, labels))
    log(f"voice prompts ({voice.folder}): {len(out)} of {len(gaps)} kept by their forced paths")
    return out


def frame_readings(prompts: list, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """forced_prompts' prompts strung into readings of about READING_SECONDS, as readings() does:
    (audio, labels at 50 fps), pauses of whole frames and silent."""
    step = SR // FPS
    order = rng.permutation(len(prompts))
    out: list[tuple[np.ndarray, np.ndarray]] = []
    parts: list[np.ndarray] = []
    labels: list[np.ndarray] = []

    def pause() -> None:
        frames = int(float(rng.uniform(*PAUSE_S)) * FPS)
        parts.append(np.zeros(frames * step, np.float32))
        labels.append(np.full(frames, mc.SILENCE, np.int16))

    def close() -> None:
        x = np.concatenate(parts)
        x = x + (10 ** (NOISE_DBFS / 20) * rng.standard_normal(len(x))).astype(np.float32)
        y = np.concatenate(labels)
        y[y < 0] = mc.SILENCE
        out.append((x.astype(np.float32), y))

    for i in order:
        _, x, y = prompts[int(i)]
        pause()
        parts.append(x)
        labels.append(np.asarray(y[: len(x) // step], np.int16))
        t = sum(len(p) for p in parts) / SR
        if t >= READING_SECONDS:
            pause()
            close()
            parts, labels = [], []
    if parts:
        pause()
        close()
    return out


def readings(prompts: list, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Prompts strung into readings of about READING_SECONDS: (audio, labels at 50 fps)."""
    order = rng.permutation(len(prompts))
    out: list[tuple[np.ndarray, np.ndarray]] = []
    parts: list[np.ndarray] = []
    phones: list[tuple[str, float, float]] = []
    t = 0.0

    def close() -> None:
        x = np.concatenate(parts)
        x = x + (10 ** (NOISE_DBFS / 20) * rng.standard_normal(len(x))).astype(np.float32)
        n = features.n_model_frames(len(x))
        ipa, s, e = zip(*phones, strict=True)
        labels = mc.frame_labels(ipa, s, e, n, FPS)
        labels[labels < 0] = mc.SILENCE
        out.append((x.astype(np.float32), labels))

    for i in order:
        _, x, ph = prompts[int(i)]
        lead = float(rng.uniform(*PAUSE_S))
        parts += [np.zeros(int(lead * SR), np.float32), x]
        t += lead
        phones += [(p, t + s, t + e) for p, s, e in ph]
        t += len(x) / SR
        if t >= READING_SECONDS:
            parts.append(np.zeros(int(float(rng.uniform(*PAUSE_S)) * SR), np.float32))
            close()
            parts, phones, t = [], [], 0.0
    if phones:  # the last, shorter reading ends with its last prompt
        close()
    return out


def reading_row(x: np.ndarray, labels: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The trainer's row of one reading: normalised features (2F, N_MELS) float16, labels, kind."""
    n = len(labels)
    mel = features.log_mel(x)[: 2 * n]
    feats = normalised(mel, windowing.voiced_frames(x, n))
    return feats.astype(np.float16), labels[: len(feats) // 2], kind


def build_data(
    out: Path,
    log: Callable = print,
    languages: tuple[str, ...] = ("en",),
    reader_path: Path | None = None,
) -> dict[str, np.ndarray]:
    """The prompts' readings of the voices of `languages` (VOICES), clean and through a channel,
    in the lip-reader trainer's layout (feats, labels, offsets, kinds), cached in `out`.
    reader_path: the lip reader that places the classes of the voices other than English."""
    from .lip_reader_train import cached_data, save_rows

    cached = cached_data(out)
    if cached is not None:
        return cached
    t0 = time.time()
    rows = []
    for k, language in enumerate(languages):
        if language not in VOICES:
            raise PromptsMissing(f"no voice prompts in '{language}': choose from {', '.join(VOICES)}")
        rng = np.random.default_rng(SEED if k == 0 else [SEED, k])
        if language == "en":
            pieces = readings(aligned_prompts(VOICES[language], log), rng)
        else:
            pieces = frame_readings(forced_prompts(VOICES[language], reader_path, log), rng)
        for x, labels in pieces:
            rows.append(reading_row(x, labels, f"prompts:{language}"))
            wet = augment.apply_channel(x, augment.sample_channel(rng), rng)
            rows.append(reading_row(np.asarray(wet, np.float32), labels, f"prompts:{language}:channel"))
    frames = sum(len(r[1]) for r in rows)
    log(f"voice prompts: {len(rows)} readings, {frames / FPS / 60:.1f} min, {time.time() - t0:.0f} s")
    return save_rows(rows, out)


__all__ = [
    "VOICES",
    "PromptVoice",
    "PromptsMissing",
    "aligned_prompts",
    "build_data",
    "decode_g722",
    "forced_prompts",
    "frame_readings",
    "prompt_texts",
    "readings",
]
