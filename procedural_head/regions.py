"""Anatomical region of every vertex (one label each).

Shape keys declare which regions they may move (shapes.KEY_REGIONS); the tests
check that nothing outside moves. Labels come from the sculpt's own landmarks,
so they stay right when proportions change.
"""

from __future__ import annotations

import numpy as np

from .lids import lid_zone
from .params import HeadParams
from .shell import Shell

LABEL_NAMES: tuple[str, ...] = (
    "scalp",
    "neck",
    "forehead",
    "brow_L",
    "brow_R",
    "lid_upper_L",
    "lid_upper_R",
    "lid_lower_L",
    "lid_lower_R",
    "cheek_L",
    "cheek_R",
    "nose",
    "upper_lip",
    "lower_lip",
    "chin",
    "jaw_L",
    "jaw_R",
    "mouth_inner",
    "teeth_upper",
    "teeth_lower",
    "tongue",
    "ear_L",
    "ear_R",
)
LABEL = {name: i for i, name in enumerate(LABEL_NAMES)}


def jawline_height(params: HeadParams, y: np.ndarray) -> np.ndarray:
    """Height of the lower border of the jaw along the face (front to the jaw angle)."""
    return np.interp(y, [-0.03, 0.064, 0.10], [params.mouth_line - 0.043, -params.jaw_drop - 0.012, -0.07])


def label_vertices(
    params: HeadParams, shell: Shell, points: np.ndarray, parts_index: dict[str, np.ndarray]
) -> np.ndarray:
    n = len(points)
    labels = np.full(n, LABEL["scalp"], dtype=np.int16)
    n_shell = len(shell.closed)
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    ax = np.abs(x)
    left = x >= 0
    on_shell = np.arange(n) < n_shell
    z_m = params.mouth_line
    nose_base = 0.004 - params.nose_length
    w = params.mouth_half_width
    e = params.eye_half_spacing

    def put(mask: np.ndarray, name_l: str, name_r: str | None = None) -> None:
        mask = mask & on_shell & (labels == LABEL["scalp"])
        if name_r is None:
            labels[mask] = LABEL[name_l]
        else:
            labels[mask & left] = LABEL[name_l]
            labels[mask & ~left] = LABEL[name_r]

    upper_side = np.zeros(n, dtype=bool)
    upper_side[shell.upper_index[shell.grid.mouth_row :]] = True
    upper_side[shell.grid_index[shell.grid.mouth_row + 1 :]] = True
    # The mouth corners hinge with the jaw: they belong to the lower lip.
    upper_side[shell.mouth_upper_edge[[0, -1]]] = False

    # Inside the mouth.
    for rows in (shell.lip_upper_inner, shell.lip_lower_inner):
        for r in rows:
            labels[r] = LABEL["mouth_inner"]
    # Lids: what the lid poses move, plus the socket skin up to the brow and down to the cheek.
    for eye in shell.eyes:
        upper, lower = lid_zone(shell, params, eye)
        tag = "L" if eye.side > 0 else "R"
        dist = np.linalg.norm(points[:n_shell] - eye.centre, axis=1)
        near = np.zeros(n, dtype=bool)
        near[:n_shell] = dist < 0.024
        same_side = (x * eye.side) > 0.004
        up = np.zeros(n, dtype=bool)
        up[:n_shell] = upper
        lo = np.zeros(n, dtype=bool)
        lo[:n_shell] = lower
        socket = near & same_side & (y < 0.012) & (np.abs(x - eye.centre[0]) < 0.021)
        labels[up & on_shell] = LABEL[f"lid_upper_{tag}"]
        labels[lo & on_shell] = LABEL[f"lid_lower_{tag}"]
        put(socket & (z > 0.0) & (z < 0.013), f"lid_upper_{tag}")
        put(socket & (z <= 0.0) & (z > -0.013), f"lid_lower_{tag}")
    front = y < 0.03
    # Brows above the sockets, then the forehead up into the hair.
    put(front & (z > 0.005) & (z < 0.040) & (ax > 0.007) & (ax < e + 0.032), "brow_L", "brow_R")
    put((y < 0.05) & (z >= 0.005) & (ax < 0.068), "forehead")
    # Nose: bridge to nostrils.
    put(
        (y < -0.004) & (ax < params.nose_width + 0.0065) & (z > nose_base - 0.0035) & (z < 0.012),
        "nose",
    )
    # Lips with the skin between nose and mouth and down to the chin fold.
    near_mouth = (ax < w + 0.009) & (y < 0.016)
    # Beside the corners, the skin at mouth height is cheek (it stretches when the jaw drops).
    beside_corner = (ax > w) & (z < z_m + 0.005)
    put(near_mouth & upper_side & ~beside_corner & (z < nose_base - 0.0035 + 1e-9), "upper_lip")
    put(near_mouth & ~upper_side & (z > z_m - 0.017), "lower_lip")
    jaw_low = jawline_height(params, y)
    above_neck = z > jaw_low - 0.036
    put((ax < 0.027) & (y < 0.03) & (z <= z_m) & above_neck, "chin")
    put((y < 0.092) & (z > z_m + 0.002) & (z < 0.0) & (ax > 0.0), "cheek_L", "cheek_R")
    put((y < 0.092) & (z <= z_m + 0.002) & above_neck, "jaw_L", "jaw_R")
    put(z < -0.045, "neck")

    # (hair and brow sheets take the label of the skin they are bound to, see head.py)
    labels[parts_index["teeth_upper"]] = LABEL["teeth_upper"]
    labels[parts_index["teeth_lower"]] = LABEL["teeth_lower"]
    labels[parts_index["tongue"]] = LABEL["tongue"]
    labels[parts_index["ear_L"]] = LABEL["ear_L"]
    labels[parts_index["ear_R"]] = LABEL["ear_R"]
    return labels
