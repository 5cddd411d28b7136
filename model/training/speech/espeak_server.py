"""Helper process for deterministic espeak-ng synthesis (run by espeak.EspeakServer).

    python -m duet.model.training.speech.espeak_server   # requests on stdin, frames on stdout

Initialises espeak-ng once and never synthesises itself. Each request (one
JSON line: text, voice, wpm, pitch, range, seed) is served by a fork that
starts from this pristine engine state, so the answer depends on the request
only. The fork writes its result into a pipe; this process forwards it as
one frame (see espeak.frame), or an error frame when the fork died.
"""

from __future__ import annotations

import gc
import json
import os
import sys

from .espeak import Engine, encode_raw, frame


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _serve_one(engine: Engine, request: dict) -> bytes:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: speak once, report, exit without cleanup
        os.close(read_fd)
        try:
            raw = engine.synthesize(
                str(request["text"]),
                str(request["voice"]),
                rate_wpm=int(request["wpm"]),
                pitch=int(request["pitch"]),
                pitch_range=int(request["range"]),
                seed=int(request["seed"]),
            )
            payload = encode_raw(raw)
        except BaseException as exc:  # reported to the client as a SpeechError
            payload = json.dumps({"error": str(exc)}).encode("utf-8") + b"\n"
        _write_all(write_fd, payload)
        os._exit(0)
    os.close(write_fd)
    parts = []
    while True:
        chunk = os.read(read_fd, 1 << 20)
        if not chunk:
            break
        parts.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    payload = b"".join(parts)
    if status != 0 or not payload:
        payload = (
            json.dumps({"error": f"espeak-ng crashed on this request (status {status})"}).encode() + b"\n"
        )
    return payload


WARM_UP = ("en-us", "Warm up once, then never speak again.")


def main() -> int:
    engine = Engine()
    # One fixed utterance: espeak-ng sets up buffers and tables on its first synthesis;
    # done here once, every fork starts warm, from this same state. Voices are loaded
    # in the forks (loading one depends on which was loaded before).
    engine.synthesize(WARM_UP[1], WARM_UP[0], rate_wpm=175, pitch=50, pitch_range=50, seed=0)
    gc.freeze()  # keep the collector from touching (copying) every inherited page in the forks
    out = sys.stdout.fileno()
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            payload = _serve_one(engine, request)
        except (ValueError, KeyError) as exc:
            payload = json.dumps({"error": f"bad request: {exc}"}).encode() + b"\n"
        _write_all(out, frame(payload))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
