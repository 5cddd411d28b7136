"""Errors of the pure core that reach users (the panel, the command line, scripts)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input to generation; the message names the problem and how to fix it."""


class WeightsError(RuntimeError, ValueError):
    """The model weights file is missing, damaged or does not match the code. A ValueError
    too: code that caught the ValueError a mismatched file used to raise still catches it."""
