"""Importers: Fountain screenplays and SubRip/WebVTT subtitles to plain script text."""

from __future__ import annotations


def from_fountain(text: str, *, source: str = "<fountain>") -> str:
    raise NotImplementedError


def from_srt(text: str, *, source: str = "<srt>") -> str:
    raise NotImplementedError


def from_vtt(text: str, *, source: str = "<vtt>") -> str:
    raise NotImplementedError


def load_script_file(path: str) -> tuple[str, str]:
    raise NotImplementedError
