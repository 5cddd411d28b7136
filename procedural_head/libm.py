"""Transcendental functions that give the same bits wherever numpy puts the arrays.

numpy picks between a SIMD loop and the C library's scalar function for sin, exp,
arctan2, pow ... by where the output lies in memory (an output touching an input
falls back to the scalar loop), and the two differ in the last bit. A head built
twice then differed by ~1e-18 depending on the heap. These compute every value with
Python's math module (the C library), one value at a time, so a build is
bit-reproducible; a head has a few thousand vertices, so this costs milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def _elementwise(fn: Callable[..., float], *args):
    """fn over the broadcast arguments: an array, or a float for scalar arguments."""
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    values = np.asarray(np.frompyfunc(fn, len(arrays), 1)(*arrays), dtype=np.float64)
    return float(values) if values.ndim == 0 else values.reshape(arrays[0].shape)


def _pow(x: float, p: float) -> float:
    if x < 0.0 and not float(p).is_integer():
        return math.nan  # as numpy: no real power
    try:
        return math.pow(x, p)
    except (OverflowError, ZeroDivisionError, ValueError):
        return float(np.power(x, p))  # inf / nan cases, numpy's answer


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def sin(x) -> np.ndarray:
    return _elementwise(math.sin, x)


def cos(x) -> np.ndarray:
    return _elementwise(math.cos, x)


def arcsin(x) -> np.ndarray:
    return _elementwise(math.asin, x)


def arctan2(y, x) -> np.ndarray:
    return _elementwise(math.atan2, y, x)


def exp(x) -> np.ndarray:
    return _elementwise(_exp, x)


def tanh(x) -> np.ndarray:
    return _elementwise(math.tanh, x)


def power(x, p) -> np.ndarray:
    """x ** p for any real p (squares and square roots are exact in numpy already)."""
    return _elementwise(_pow, x, p)
