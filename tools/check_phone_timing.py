"""Check synthetic phone times against a forced aligner and against the audio itself.

    .venv/bin/python tools/check_phone_timing.py [--sentences 24] [--backend espeak ...]

For each timing group (festival:kal, festival:ked, festival:slt, espeak,
espeak-klatt) it synthesises N English sentences twice, with the backend's
raw times and with the correction of speech.TIMING_OFFSET_S, and prints the
signed offset (backend time minus reference, ms: positive = the backend's
times are late) of the phone boundaries against two references:

- aligner: pocketsphinx forced alignment (en-us acoustic model), with the
  dictionary made of the very phones the backend says it spoke (IPA mapped
  to CMU phones), optional silences between words. Phone starts are
  compared one to one. The aligner's own bias is measured the same way on
  the real recordings with reference TextGrids in /work/shared/eval/real
  (or --real DIR) and printed, so that the figures can be read against it.
- onsets: acoustic landmarks that need no model: where speech starts after
  a pause (the phone after "_") and where it stops before one, for phones
  that are not stops (a stop's closure is silent), taken as the first/last
  2 ms step whose 5 ms RMS is within 30 dB of the nearby peak.

The correction to put in TIMING_OFFSET_S is the aligner median minus the
aligner's bias on real speech, checked against the onset median.
Needs festival, espeak-ng and pocketsphinx (.venv); prints figures only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from duet.model.audio import resample
from duet.model.spec import SAMPLE_RATE
from duet.model.training.speech import Synthesizer, Utterance, ipa
from duet.model.training.speech.samples import SENTENCES
from duet.model.training.speech.synth import TIMING_OFFSET_S

# IPA (canonical) -> CMU phones of the pocketsphinx en-us model.
IPA_TO_CMU: dict[str, tuple[str, ...]] = {
    "p": ("P",), "b": ("B",), "m": ("M",), "f": ("F",), "v": ("V",), "θ": ("TH",), "ð": ("DH",),
    "t": ("T",), "d": ("D",), "n": ("N",), "s": ("S",), "z": ("Z",), "ɾ": ("T",), "ɹ": ("R",),
    "r": ("R",), "l": ("L",), "ʃ": ("SH",), "ʒ": ("ZH",), "tʃ": ("CH",), "dʒ": ("JH",),
    "j": ("Y",), "k": ("K",), "ɡ": ("G",), "ŋ": ("NG",), "h": ("HH",), "w": ("W",), "ʍ": ("W",),
    "ʔ": ("T",), "x": ("HH",),
    "i": ("IY",), "ɪ": ("IH",), "ɨ": ("IH",), "e": ("EY",), "eɪ": ("EY",), "ɛ": ("EH",),
    "æ": ("AE",), "a": ("AA",), "ɑ": ("AA",), "ɒ": ("AA",), "ɔ": ("AO",), "o": ("OW",),
    "oʊ": ("OW",), "əʊ": ("OW",), "ʊ": ("UH",), "u": ("UW",), "ʉ": ("UW",), "ʌ": ("AH",),
    "ə": ("AH",), "ɐ": ("AH",), "ɚ": ("ER",), "ɝ": ("ER",), "ɜ": ("ER",), "aɪ": ("AY",),
    "aʊ": ("AW",), "ɔɪ": ("OY",), "əl": ("AH", "L"), "ɑɹ": ("AA", "R"), "ɔɹ": ("AO", "R"),
    "oɹ": ("AO", "R"), "ʊɹ": ("UH", "R"), "ɛɹ": ("EH", "R"), "ɪɹ": ("IH", "R"), "ʌɹ": ("AH", "R"),
    "ɜɹ": ("ER",), "əɹ": ("ER",), "iə": ("IY", "AH"), "ɪə": ("IH", "AH"), "eə": ("EH", "AH"),
    "ʊə": ("UH", "AH"), "əɪ": ("AY",), "æʊ": ("AW",), "ɑə": ("AA",), "ɔə": ("AO",), "oə": ("OW",),
}  # fmt: skip
MIN_ALIGNABLE = 0.03  # the aligner's phones last at least 3 frames; shorter ones are left out
STOPS = frozenset({"p", "b", "t", "d", "k", "ɡ", "tʃ", "dʒ", "ʔ", "ɾ"})
FRAME = 0.01  # pocketsphinx frame step
PAD = 0.2  # seconds of silence added around each utterance for the aligner
MAX_DIFF = 0.100  # boundaries further apart than this count as alignment failures

# Voices per timing group: US accents (the aligner's acoustic model is US English). Some
# variants (Andy, Annie, Alicia, m7) sound too far from its training speech to align
# reliably; they share the others' event timing and are left out of the measurement.
GROUP_VOICES: dict[str, tuple[str, ...]] = {
    "festival:kal": ("festival:kal",),
    "festival:ked": ("festival:ked",),
    "festival:slt": ("festival:slt",),
    "espeak": (
        "espeak:en-us", "espeak:en-us+f3", "espeak:en-us+m3", "espeak:en-us-nyc+f5",
        "espeak:en-us+m1", "espeak:en-us+steph", "espeak:en-us+f2", "espeak:en-us+Denis",
    ),
    "espeak-klatt": (
        "espeak:en-us+klatt", "espeak:en-us+klatt2", "espeak:en-us+klatt3", "espeak:en-us+klatt4",
        "espeak:en-us+klatt5", "espeak:en-us+klatt6", "espeak:en-us+david", "espeak:en-us+edward",
    ),
}  # fmt: skip


@dataclass
class Aligned:
    phone: str  # CMU
    start: float
    end: float


class Aligner:
    """pocketsphinx forced alignment to a given phone sequence per word."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        model = get_model_path()
        self.decoder = Decoder(
            hmm=os.path.join(model, "en-us", "en-us"),
            dict=os.path.join(model, "en-us", "cmudict-en-us.dict"),
            samprate=SAMPLE_RATE,
            dither=True,
            seed=1,  # the dither's noise: fixed, so reruns give the same figures
            cmn="batch",  # per utterance: live CMN would carry state from one utterance to the next
            loglevel="FATAL",
        )
        self._n = 0

    def align(self, audio: np.ndarray, words: list[list[str]]) -> list[Aligned] | None:
        """Phone-level alignment, silences dropped; None when the decoder fails."""
        dec = self.decoder
        names = []
        for phones in words:
            self._n += 1
            name = f"w{self._n}"
            dec.add_word(name, " ".join(phones), True)
            names.append(name)
        self._n_search = getattr(self, "_n_search", 0) + 1
        search = f"g{self._n_search}"
        grammar = f"#JSGF V1.0;\ngrammar {search};\npublic <s> = {' '.join(names)} ;\n"
        dec.add_jsgf_string(search, grammar)
        dec.activate_search(search)
        # Silence around the audio: the grammar's optional silences need room to end in.
        pad = np.zeros(round(PAD * SAMPLE_RATE), np.float32)
        padded = np.concatenate([pad, np.asarray(audio, np.float32), pad])
        # A faint noise floor: espeak-ng's pauses are digital zeros, which derail the
        # aligner's features (log of zero energy); -80 dBFS changes nothing audible.
        padded = padded + 1e-4 * np.random.default_rng(0).standard_normal(len(padded)).astype(np.float32)
        pcm = (np.clip(padded, -1, 1) * 32767).astype(np.int16).tobytes()
        try:
            dec.start_utt()
            dec.process_raw(pcm, full_utt=True)
            dec.end_utt()
            if dec.hyp() is None:
                return None
            dec.set_alignment()
            dec.start_utt()
            dec.process_raw(pcm, full_utt=True)
            dec.end_utt()
            out = []
            for word in dec.get_alignment():
                for ph in word:
                    if ph.name in ("SIL", "+NSN+", "+SPN+"):
                        continue
                    start = ph.start * FRAME - PAD
                    out.append(Aligned(ph.name, start, start + ph.duration * FRAME))
            return out
        except RuntimeError:
            return None


def _word_phones(utt: Utterance) -> tuple[list[list[str]], list[tuple[int, int]]] | None:
    """CMU phones per word (pauses split words) and, per aligned phone, (utt index, n CMU phones).

    Phones shorter than the aligner's minimum (3 frames) are left out of the
    dictionary, and neither they nor the phone after them are compared.
    """
    words: list[list[str]] = []
    index: list[tuple[int, int]] = []
    current: list[str] = []
    starts = {round(s, 4) for _w, s, _e in utt.words}
    skipped_previous = False
    for i, p in enumerate(utt.phones):
        if p.ipa == ipa.SILENCE:
            if current:
                words.append(current)
                current = []
            continue
        cmu = IPA_TO_CMU.get(p.ipa)
        if cmu is None:
            return None
        if current and round(p.start, 4) in starts:
            words.append(current)
            current = []
        if p.duration < MIN_ALIGNABLE * len(cmu):
            skipped_previous = True
            continue
        current.extend(cmu)
        index.append((-1 if skipped_previous else i, len(cmu)))
        skipped_previous = False
    if current:
        words.append(current)
    return words, index


def aligner_offsets(aligner: Aligner, utt: Utterance) -> list[float] | None:
    """Backend phone start minus aligner phone start (s), for each compared phone."""
    wp = _word_phones(utt)
    if wp is None:
        return None
    words, index = wp
    aligned = aligner.align(utt.audio, words)
    if aligned is None or len(aligned) != sum(n for _i, n in index):
        return None
    out = []
    k = 0
    for i, n in index:
        if i >= 0:
            out.append(utt.phones[i].start - aligned[k].start)
        k += n
    return out


def _levels(audio: np.ndarray, step_s: float = 0.002, win_s: float = 0.005) -> tuple[np.ndarray, float]:
    """RMS level (dB) of windows of win_s every step_s; level k covers [k*step, k*step + win)."""
    step = round(step_s * SAMPLE_RATE)
    win = round(win_s * SAMPLE_RATE)
    n = max(1, 1 + (len(audio) - win) // step)
    idx = np.arange(win)[None, :] + step * np.arange(n)[:, None]
    rms = np.sqrt(np.mean(audio[np.minimum(idx, len(audio) - 1)].astype(np.float64) ** 2, axis=1) + 1e-14)
    return 20 * np.log10(rms), step / SAMPLE_RATE


def onset_offsets(utt: Utterance) -> tuple[list[float], list[float]]:
    """(phone start - acoustic onset after a pause, phone end - acoustic offset before a pause) in s."""
    db, dt = _levels(utt.audio)
    ons: list[float] = []
    offs: list[float] = []
    ph = utt.phones
    for i in range(1, len(ph)):
        p, prev = ph[i], ph[i - 1]
        if prev.ipa == ipa.SILENCE and p.ipa != ipa.SILENCE and p.ipa not in STOPS and prev.duration >= 0.05:
            a, b = int((p.start - 0.04) / dt), int((p.start + 0.10) / dt)
            seg = db[max(0, a) : max(0, b)]
            if len(seg) > 5:
                above = np.flatnonzero(seg > seg.max() - 30.0)
                ons.append(p.start - (max(0, a) + above[0]) * dt)
    for i in range(len(ph) - 1):
        p, nxt = ph[i], ph[i + 1]
        if nxt.ipa == ipa.SILENCE and p.ipa != ipa.SILENCE and p.ipa not in STOPS and nxt.duration >= 0.05:
            a, b = int((p.end - 0.10) / dt), int((p.end + 0.04) / dt)
            seg = db[max(0, a) : max(0, b)]
            if len(seg) > 5:
                above = np.flatnonzero(seg > seg.max() - 30.0)
                # the step's window ends 5 ms after its start
                offs.append(p.end - ((max(0, a) + above[-1]) * dt + 0.005))
    return ons, offs


ORAL_STOPS = frozenset({"p", "b", "t", "d", "k", "ɡ"})
VOICED_STOPS = frozenset({"b", "d", "ɡ"})


def stop_landmarks(utt: Utterance) -> tuple[list[float], list[float]]:
    """Closures and releases of oral stops between vowels, from the steepest level change.

    closures: stop start - steepest fall within 30 ms of it (vowel -> stop);
    releases: voiced stop end - steepest rise within 30 ms of it (stop -> vowel;
    voiced stops only: a voiceless stop's aspiration lies between burst and end).
    """
    db, dt = _levels(utt.audio, 0.001, 0.005)
    lag = 3  # slope over 3 ms
    slope = db[lag:] - db[:-lag]
    centre = (lag / 2) * dt + 0.0025  # time of slope[j] is j*dt + centre
    closures: list[float] = []
    releases: list[float] = []
    ph = utt.phones
    for i in range(1, len(ph) - 1):
        p = ph[i]
        if p.ipa not in ORAL_STOPS:
            continue
        if ipa.is_vowel(ph[i - 1].ipa) and ph[i - 1].duration > 0.03:
            a, b = int((p.start - 0.03 - centre) / dt), int((p.start + 0.03 - centre) / dt)
            if a >= 0 and b < len(slope):
                closures.append(p.start - (a + int(np.argmin(slope[a:b]))) * dt - centre)
        if p.ipa in VOICED_STOPS and ipa.is_vowel(ph[i + 1].ipa) and ph[i + 1].duration > 0.03:
            a, b = int((p.end - 0.03 - centre) / dt), int((p.end + 0.03 - centre) / dt)
            if a >= 0 and b < len(slope):
                releases.append(p.end - (a + int(np.argmax(slope[a:b]))) * dt - centre)
    return closures, releases


# --- the aligner on real speech -------------------------------------------------------
def _textgrid_tiers(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    """Interval tiers of a TextGrid (long or short text format)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"\[\s*\d*\s*\]", " ", text)
    tokens = re.findall(r'"(?:[^"]|"")*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?', text)
    vals = [t[1:-1].replace('""', '"') if t.startswith('"') else float(t) for t in tokens]
    tiers: dict[str, list[tuple[float, float, str]]] = {}
    k = 5  # "ooTextFile" "TextGrid" xmin xmax size
    while k < len(vals):
        cls, name, n = vals[k], vals[k + 1], int(vals[k + 4])
        k += 5
        items = []
        for _ in range(n):
            if cls == "IntervalTier":
                items.append((float(vals[k]), float(vals[k + 1]), str(vals[k + 2])))
                k += 3
            else:
                k += 2
        tiers[str(name)] = items
    return tiers


# Reference labels in the real recordings -> CMU phones (the ARPAbet ones pass through).
_REAL_LABELS = {"PT": ("P", "T"), "ə": ("AH",), "r": ("R",), "i": ("IY",), "o": ("OW",), "θ": ("DH",),
                "œ": ("AE",), "m": ("M",), "l": ("L",), "d": ("D",), "b": ("B",)}  # fmt: skip


def real_speech_bias(aligner: Aligner, folder: Path) -> list[float]:
    """Aligner phone start minus reference phone start (s) on the real recordings."""
    import wave

    out: list[float] = []
    for wav_name, grid_name, tier in (
        ("bobby.wav", "bobby_phones.TextGrid", "phone"),
        ("mary.wav", "mary.TextGrid", "phone"),
    ):
        wav_path, grid_path = folder / wav_name, folder / grid_name
        if not (wav_path.is_file() and grid_path.is_file()):
            continue
        with wave.open(str(wav_path), "rb") as w:
            rate, width, ch = w.getframerate(), w.getsampwidth(), w.getnchannels()
            raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2" if width == 2 else "<i4")
        audio = raw.reshape(-1, ch).mean(axis=1).astype(np.float32) / (32768.0 if width == 2 else 2.0**31)
        audio = resample(audio, rate, SAMPLE_RATE)
        ref = [(s, e, t) for s, e, t in _textgrid_tiers(grid_path)[tier] if t.strip()]
        phones: list[str] = []
        starts: list[tuple[float, int]] = []
        for s, _e, t in ref:
            label = t.strip()
            cmu = _REAL_LABELS.get(label) or (re.sub(r"\d", "", label.upper()),)
            starts.append((s, len(cmu)))
            phones.extend(cmu)
        aligned = aligner.align(audio, [phones])
        if aligned is None or len(aligned) != len(phones):
            continue
        k = 0
        for s, n in starts:
            out.append(aligned[k].start - s)
            k += n
    return out


def _stats(values: list[float]) -> str:
    if not values:
        return "      n=0"
    v = np.asarray(values) * 1000
    return f"n={len(v):4d} mean {v.mean():+6.1f} median {np.median(v):+6.1f} ms (MAE {np.abs(v).mean():5.1f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=24, help="English sentences per timing group")
    parser.add_argument("--backend", action="append", choices=sorted(GROUP_VOICES), help="groups to check")
    parser.add_argument("--no-aligner", action="store_true", help="acoustic landmarks only (fast)")
    parser.add_argument("--raw-only", action="store_true", help="only the backends' raw times")
    parser.add_argument("--real", type=Path, default=Path("/work/shared/eval/real/aligned"))
    args = parser.parse_args()
    try:
        aligner = Aligner()
    except ImportError:
        print("pocketsphinx is not installed in this environment; use .venv (Python 3.11)", file=sys.stderr)
        return 2
    bias = real_speech_bias(aligner, args.real)
    print(f"aligner on real speech (aligner - reference): {_stats(bias)}")
    texts = list(SENTENCES["en"])
    groups = args.backend or list(GROUP_VOICES)
    for group in groups:
        voices = GROUP_VOICES[group]
        for corrected in (False,) if args.raw_only else (False, True):
            al: list[float] = []
            ons: list[float] = []
            offs: list[float] = []
            clo: list[float] = []
            rel: list[float] = []
            failed = 0
            dropped = 0
            t0 = time.perf_counter()
            with Synthesizer(correct_timing=corrected) as synth:
                for k in range(args.sentences):
                    utt = synth.synthesize(texts[k % len(texts)], voices[k % len(voices)])
                    d = aligner_offsets(aligner, utt) if not args.no_aligner else []
                    if d is None:
                        failed += 1
                    else:
                        good = [x for x in d if abs(x) <= MAX_DIFF]
                        dropped += len(d) - len(good)
                        al.extend(good)
                    a, b = onset_offsets(utt)
                    ons.extend(a)
                    offs.extend(b)
                    a, b = stop_landmarks(utt)
                    clo.extend(a)
                    rel.extend(b)
            label = "corrected" if corrected else "raw      "
            shift = TIMING_OFFSET_S.get(group, 0.0) * 1000 if corrected else 0.0
            print(f"{group:14s} {label} (shift {shift:+5.1f} ms, {time.perf_counter() - t0:5.1f} s)")
            print(
                f"    aligner      {_stats(al)}  not aligned: {failed} utterances; "
                f"{dropped} boundaries > {MAX_DIFF * 1000:.0f} ms left out"
            )
            print(f"    onsets       {_stats(ons)}")
            print(f"    offsets      {_stats(offs)}")
            print(f"    closures     {_stats(clo)}")
            print(f"    releases     {_stats(rel)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
