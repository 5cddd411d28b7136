"""Compose rendered cells into one labelled PNG (numpy + zlib only, no bpy).

Labels use a built-in 5x7 pixel font so the sheet needs no imaging library.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

# 5x7 glyphs, one string of 7 rows per character ("#" = ink).
_GLYPHS: dict[str, tuple[str, ...]] = {
    "A": (" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"),
    "B": ("#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "),
    "C": (" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "),
    "D": ("#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "),
    "E": ("#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"),
    "F": ("#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "),
    "G": (" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"),
    "H": ("#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"),
    "I": (" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "),
    "J": ("  ###", "   # ", "   # ", "   # ", "#  # ", "#  # ", " ##  "),
    "K": ("#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"),
    "L": ("#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"),
    "M": ("#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"),
    "N": ("#   #", "##  #", "# # #", "#  ##", "#   #", "#   #", "#   #"),
    "O": (" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "),
    "P": ("#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "),
    "Q": (" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"),
    "R": ("#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"),
    "S": (" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "),
    "T": ("#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "),
    "U": ("#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "),
    "V": ("#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "),
    "W": ("#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "),
    "X": ("#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"),
    "Y": ("#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "),
    "Z": ("#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"),
    "0": (" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "),
    "1": ("  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "),
    "2": (" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"),
    "3": ("#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "),
    "4": ("   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "),
    "5": ("#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "),
    "6": ("  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "),
    "7": ("#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "),
    "8": (" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "),
    "9": (" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "),
    " ": ("     ",) * 7,
    "+": ("     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     "),
    "-": ("     ", "     ", "     ", "#####", "     ", "     ", "     "),
    ".": ("     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "),
    ",": ("     ", "     ", "     ", "     ", " ##  ", "  #  ", " #   "),
    "(": ("   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "),
    ")": (" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "),
    "/": ("    #", "    #", "   # ", "  #  ", " #   ", "#    ", "#    "),
    ":": ("     ", " ##  ", " ##  ", "     ", " ##  ", " ##  ", "     "),
    "=": ("     ", "     ", "#####", "     ", "#####", "     ", "     "),
}


def _glyph(ch: str) -> np.ndarray:
    rows = _GLYPHS.get(ch.upper(), _GLYPHS[" "])
    return np.array([[c == "#" for c in row] for row in rows], dtype=bool)


def draw_text(image: np.ndarray, text: str, x: int, y: int, scale: int = 2, colour=(1.0, 1.0, 1.0)) -> None:
    """Draw text into a float RGB image (top-left origin) in place; clips at the borders."""
    h, w = image.shape[:2]
    for i, ch in enumerate(text):
        mask = np.kron(_glyph(ch), np.ones((scale, scale), dtype=bool))
        x0 = x + i * 6 * scale
        ys, xs = np.nonzero(mask)
        ys, xs = ys + y, xs + x0
        keep = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
        image[ys[keep], xs[keep], :3] = colour


def text_width(text: str, scale: int = 2) -> int:
    return len(text) * 6 * scale - scale


def compose_grid(
    cells: list[list[np.ndarray]],
    row_labels: list[str],
    column_labels: list[str],
    title: str = "",
    background=(0.12, 0.12, 0.13),
) -> np.ndarray:
    """Lay out equally sized RGB cells in rows with labels above columns and left of rows."""
    ch, cw = cells[0][0].shape[:2]
    margin_left = max(text_width(t) for t in row_labels) + 16
    header = 30 + (26 if title else 0)
    n_rows, n_cols = len(cells), max(len(r) for r in cells)
    gap = 4
    image = np.empty((header + n_rows * (ch + gap) + 8, margin_left + n_cols * (cw + gap) + 4, 3))
    image[:] = background
    if title:
        draw_text(image, title, 8, 8, 2)
    for j, label in enumerate(column_labels):
        x = margin_left + j * (cw + gap) + (cw - text_width(label)) // 2
        draw_text(image, label, max(x, margin_left + j * (cw + gap)), header - 22, 2, (0.85, 0.85, 0.85))
    for i, row in enumerate(cells):
        y0 = header + i * (ch + gap)
        draw_text(image, row_labels[i], 8, y0 + ch // 2 - 7, 2)
        for j, cell in enumerate(row):
            x0 = margin_left + j * (cw + gap)
            image[y0 : y0 + ch, x0 : x0 + cw] = cell[..., :3]
    return image


def write_png(path: str | Path, image: np.ndarray, compression: int = 9) -> None:
    """Write a float RGB(A) image in 0..1 (top row first) as an 8-bit PNG
    (compression: zlib level, 1 fast to 9 small)."""
    data = (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    h, w, channels = data.shape
    colour_type = {3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + data[y].tobytes() for y in range(h))

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, compression))
    png += chunk(b"IEND", b"")
    Path(path).write_bytes(png)
