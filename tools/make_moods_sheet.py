"""Render docs/moods_take_sheet.png: the bundled example dialogue with moods on both characters.

    .venv/bin/python tools/make_moods_sheet.py [--out docs/moods_take_sheet.png] [--cell 200]

In a fresh file, as the demo does (addon/headless/demo.py): the dialogue pair (Mara = A, Theo = B),
the example voice-over and its staging with the mood lines below added, set in the Duet
panel's settings; one take generated and baked through the Generate button's plan and bake;
both close-ups rendered (Workbench) at eight moments, each cell captioned with the mood the
character shows there (from the staging's mood weights), the column with the time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bpy  # noqa: F401  (Blender's audio library reads the example)
import numpy as np

from duet.addon import generate_flow, stage
from duet.addon.headless import preview, sheet_image, take_preview
from duet.addon.headless.demo import EXAMPLE_STAGING, _quiet_renders
from duet.model import expressions as ex
from duet.model.staging import moods as mood_layer
from duet.model.staging import parse

ROOT = Path(__file__).resolve().parent.parent
# The example's lines (tests/test_script_take.py TRUTH) with a mood for each moment.
MOODS = """
# Moods (docs/STAGING.md "Moods"), strong enough to read on the pair's simple heads
Mara smiles broadly from 0:00.4 to 0:03.3  # "Theo! There you are."
Theo is very bored from 0:03.5 to 0:06.2   # "It kept me up for hours."
Mara is very sad from 0:06.4 to 0:10       # "The roof ... is leaking again."
Theo looks very surprised from 0:08.4 to 0:09.4   # "Oh no."
Theo is very thoughtful from 0:10.1 to 0:12.9     # "Where do you want it?"
Mara smiles from 0:12.8 to 0:15.6          # "By the window."
Mara is angry from 0:21.2 to 0:22.8        # "You said that last summer."
Theo is afraid from 0:21.2 to 0:22.8
Theo laughs heartily at 0:23.0
Theo smiles broadly from 0:23.8 to 0:26.3  # "Fair enough."
"""
MOMENTS = (2.2, 5.0, 8.0, 8.9, 11.6, 14.9, 22.1, 23.4)
FPS = 25


def caption(tracks: dict, role: str, seconds: float) -> str:
    """The mood a role shows at a moment, in words ('' for none)."""
    track = tracks[role]
    i = min(int(round(seconds * 50)), len(track.laugh) - 1)
    if track.laugh[i] > 0.2:
        return "LAUGHS"
    w = track.weights[i]
    k = int(np.argmax(w))
    if w[k] < 0.05:
        return ""
    size = "VERY " if w[k] >= 0.95 else "SLIGHTLY " if w[k] <= 0.45 else ""
    return f"{size}{ex.MOODS[k]}".upper()


def label_cell(cell: np.ndarray, text: str) -> np.ndarray:
    """The cell with a dark band and the caption along its bottom."""
    out = cell[..., :3].copy()
    if text:
        h, w = out.shape[:2]
        out[h - 22 :, :] = 0.5 * out[h - 22 :, :] + 0.5 * np.array([0.05, 0.05, 0.06])
        sheet_image.draw_text(out, text, max(2, (w - sheet_image.text_width(text)) // 2), h - 18, 2)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "moods_take_sheet.png")
    ap.add_argument("--cell", type=int, default=220)
    args = ap.parse_args()

    import duet

    duet.register()
    bpy_ = sys.modules["bpy"]
    bpy_.ops.wm.read_homefile(use_empty=True)
    scene = bpy_.context.scene
    scene.render.fps = FPS
    pair = stage.build_dialogue_pair(scene)
    generate_flow.assign_scene_pair(scene)
    generate_flow.load_example(scene)
    staging = EXAMPLE_STAGING.read_text(encoding="utf-8") + MOODS
    scene.duet.staging_text.from_string(staging)
    plan = generate_flow.plan_from_scene(scene)
    plan.take_label = "moods"
    summary = generate_flow.generate_and_bake(scene, plan)
    print(f"{summary.summary}")

    names = {"A": "Mara", "B": "Theo"}
    script = parse(staging, names=names)
    tracks = mood_layer.render_moods(script.schedule, int(27 * 50), 50.0)
    rigs = {role: head.rig for role, head in pair.characters.items()}
    rows: dict[str, list[np.ndarray]] = {r: [] for r in sorted(rigs)}
    with (
        tempfile.TemporaryDirectory(prefix="duet-moods-") as tmp,
        _quiet_renders(),
        preview._workbench(scene, args.cell, args.cell),
        take_preview._closeups(scene, rigs) as cameras,
    ):
        for seconds in MOMENTS:
            frame = scene.frame_start + int(round(seconds * FPS))
            cells = take_preview._render_cells(scene, cameras, frame, Path(tmp))
            for role, image in cells.items():
                rows[role].append(label_cell(image, caption(tracks, role, seconds)))
    image = sheet_image.compose_grid(
        [rows[r] for r in sorted(rigs)],
        [f"{r} {names[r]}" for r in sorted(rigs)],
        [take_preview.clock(t) for t in MOMENTS],
        title="Duet: example dialogue with staged moods",
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet_image.write_png(args.out, image)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
