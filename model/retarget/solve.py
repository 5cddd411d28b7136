"""The prototype solve: per frame, the non-negative viseme weights that best rebuild the
ARKit mouth (a box-constrained ridge least squares; batched primal-dual active set,
finished by accelerated projected gradient)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..spec import ARKIT_INDEX, ARKIT_NAMES
from . import schemes as rs

DEFAULT_REGULARIZATION = 0.005
_WARM_STEPS = 20  # projected-gradient steps before the exact active-set rounds
_CHUNK_FRAMES = 16  # frames solved one after another, each from the previous answer
_STEP_ROUNDS = 2


def _solve_features(channel_weights: Mapping[str, float]) -> np.ndarray:
    """Rows: sqrt(weight) * the compared channels (lipGap = jawOpen - mouthClose); (n, 52)."""
    rows = []
    for name, weight in channel_weights.items():
        if weight <= 0:
            continue
        row = np.zeros(len(ARKIT_NAMES))
        if name == rs.LIP_GAP:
            row[ARKIT_INDEX["jawOpen"]] = 1.0
            row[ARKIT_INDEX["mouthClose"]] = -1.0
        else:
            row[ARKIT_INDEX[name]] = 1.0
        rows.append(np.sqrt(weight) * row)
    return np.array(rows).reshape(-1, len(ARKIT_NAMES))


def solve_prototypes(
    arkit_values: np.ndarray,
    prototypes: np.ndarray,
    channel_weights: Mapping[str, float] | None = None,
    regularization: float = DEFAULT_REGULARIZATION,
    max_weight: float = 1.0,
) -> np.ndarray:
    """Per-frame prototype weights (T, V) in [0, max_weight] for ARKit values (T, 52)
    and prototype poses (V, 52): a box-constrained ridge least squares, exact to
    ~1e-9 in its optimality conditions. All frames at once: a batched primal-dual
    active-set method, finished by accelerated projected gradient for any frame it
    leaves unconverged."""
    y = np.asarray(arkit_values, dtype=np.float64)
    p = np.asarray(prototypes, dtype=np.float64)
    weights = rs.MOUTH_CHANNEL_WEIGHTS if channel_weights is None else channel_weights
    feats = _solve_features(weights)
    a = feats @ p.T  # (n_features, V)
    q = a.T @ a
    v = q.shape[0]
    lam = regularization * max(float(np.mean(np.diag(q))), 1e-12)
    q = q + lam * np.eye(v)
    c = (y @ feats.T) @ a  # (T, V)
    return _box_qp(q, c, max_weight)


def _box_qp(q: np.ndarray, c: np.ndarray, hi: float) -> np.ndarray:
    """argmin_w 0.5 w'Qw - c'w subject to 0 <= w <= hi, per row of c (Q positive definite).

    A batched primal-dual active-set method (Hintermueller, Ito & Kunisch 2002):
    guess which weights sit on a bound, solve the others exactly, update the guess,
    until it holds. Rows are frames of a smooth performance, and a frame's final
    guess is usually right for the next frame, so the frames are cut into chunks
    solved side by side: the chunks' first frames from a projected-gradient start,
    then each next frame from its predecessor's bounds, settling in one round
    mostly. A frame it leaves unsettled (the method can cycle) is finished by a
    one-change-at-a-time primal active-set method, which cannot. The answer is
    exact up to rounding.
    """
    t, v = c.shape
    w = np.zeros_like(c)
    free = np.zeros((t, v), dtype=bool)
    upper = np.zeros((t, v), dtype=bool)
    chunk = max(1, min(_CHUNK_FRAMES, t))
    heads = np.arange(0, t, chunk)
    start = _fista(q, c[heads], hi, np.zeros((len(heads), v)), _WARM_STEPS)
    w[heads], free[heads], upper[heads], _ = _pdas(q, c[heads], hi, start, None, 3 * v)
    unsettled = []
    for k in range(1, chunk):
        rows = heads + k
        rows = rows[rows < t]
        if len(rows) == 0:
            break
        guess = (free[rows - 1], upper[rows - 1])
        # Few rounds per step: the odd frame still changing waits for the batch below
        # instead of holding up the whole step.
        w[rows], free[rows], upper[rows], left = _pdas(q, c[rows], hi, w[rows - 1], guess, _STEP_ROUNDS)
        unsettled.append(rows[left])
    rows = np.concatenate([np.zeros(0, dtype=np.int64), *unsettled])
    if len(rows):
        w[rows], _, _, _ = _pdas(q, c[rows], hi, w[rows], (free[rows], upper[rows]), 3 * v)
    for r in np.nonzero(_kkt_residual(q, c, w, hi) > 1e-9)[0]:
        w[r] = _active_set_row(q, c[r], hi, w[r])
    return w


def _pdas(
    q: np.ndarray,
    c: np.ndarray,
    hi: float,
    w: np.ndarray,
    guess: tuple[np.ndarray, np.ndarray] | None,
    rounds: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Primal-dual active-set rounds on every row, from w or from guessed (free, upper)
    sets. Returns w, its sets and a mask of the rows whose sets had not settled."""
    t, v = c.shape
    diag = np.diag(q)
    idx = np.arange(v)
    w = w.copy()
    rows = np.arange(t)
    if guess is None:
        free = np.zeros((t, v), dtype=bool)
        upper = np.zeros((t, v), dtype=bool)
    else:
        free, upper = guess[0].copy(), guess[1].copy()
    for k in range(rounds + 1):
        if k > 0 or guess is None:
            wr = w[rows]
            z = wr - (wr @ q - c[rows]) / diag
            up = z >= hi
            fr = (z > 0.0) & ~up
            if k > 0:
                changed = np.any((fr != free[rows]) | (up != upper[rows]), axis=1)
                rows, fr, up = rows[changed], fr[changed], up[changed]
            free[rows], upper[rows] = fr, up
        if len(rows) == 0 or k == rounds:
            break
        fr, up = free[rows], upper[rows]
        # Free weights solve their rows of Q w = c with the others held at their bound.
        ff = fr.astype(np.float64)
        m = (ff[:, :, None] * ff[:, None, :]) * q
        m[:, idx, idx] += 1.0 - ff
        fixed = up * hi
        rhs = np.where(fr, c[rows] - fixed @ q, fixed)
        w[rows] = np.linalg.solve(m, rhs[:, :, None])[:, :, 0]
    left = np.zeros(t, dtype=bool)
    left[rows] = True
    return np.clip(w, 0.0, hi), free, upper, left


def _fista(q: np.ndarray, c: np.ndarray, hi: float, w: np.ndarray, steps: int) -> np.ndarray:
    """Accelerated projected gradient (FISTA), a fixed number of steps."""
    step = 1.0 / np.linalg.eigvalsh(q)[-1]
    z = w.copy()
    tk = 1.0
    for _ in range(steps):
        w_next = np.clip(z - (z @ q - c) * step, 0.0, hi)
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * tk * tk))
        z = w_next + ((tk - 1.0) / t_next) * (w_next - w)
        w, tk = w_next, t_next
    return w


def _kkt_residual(q: np.ndarray, c: np.ndarray, w: np.ndarray, hi: float) -> np.ndarray:
    """Per row: how far w is from its projected-gradient fixed point (0 at the optimum)."""
    step = 1.0 / np.linalg.eigvalsh(q)[-1]
    return np.abs(w - np.clip(w - (w @ q - c) * step, 0.0, hi)).max(axis=1)


def _active_set_row(q: np.ndarray, c: np.ndarray, hi: float, w: np.ndarray) -> np.ndarray:
    """Primal active-set method for one frame, from a feasible start."""
    w = np.clip(w, 0.0, hi)
    bound = (w <= 0.0) | (w >= hi)
    for _ in range(50 * len(w)):
        f = ~bound
        target = w.copy()
        if f.any():
            rhs = c[f] - q[np.ix_(f, ~f)] @ w[~f]
            target[f] = np.linalg.solve(q[np.ix_(f, f)], rhs)
        step = target - w
        inside = (target >= 0.0) & (target <= hi)
        if np.all(inside):
            w = target
            g = q @ w - c
            wrong = np.where(w <= 0.0, -g, np.where(w >= hi, g, 0.0))  # > 0: the bound holds it wrongly
            wrong[~bound] = 0.0
            if wrong.max(initial=0.0) <= 1e-12:
                return w
            bound[int(np.argmax(wrong))] = False
            continue
        # Walk toward the target until the first weight reaches a bound; hold it there.
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(step < 0, -w / step, np.where(step > 0, (hi - w) / step, np.inf))
        room[bound | inside] = np.inf
        i = int(np.argmin(room))
        w = np.clip(w + room[i] * step, 0.0, hi)
        w[i] = 0.0 if step[i] < 0 else hi
        bound[i] = True
    return w
