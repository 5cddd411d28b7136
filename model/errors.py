"""Errors of the pure core that reach users (the panel, the command line, scripts)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input to generation; the message names the problem and how to fix it."""


class WeightsError(RuntimeError):
    """The model weights file is missing, damaged or does not match the code."""
