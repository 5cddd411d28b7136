"""A stand-in for a Blender panel's layout that records what the panel draws (test helper)."""

from __future__ import annotations


class Drawn:
    """Records what a panel draws: ('prop', name) and ('label', text)."""

    def __init__(self, drawn: list) -> None:
        self.drawn = drawn

    def prop(self, _data, name: str, **_kwargs) -> None:
        self.drawn.append(("prop", name))

    def label(self, text: str = "", **_kwargs) -> None:
        self.drawn.append(("label", text))

    def row(self, align: bool = False) -> Drawn:
        return self

    column = box = row

    def operator(self, *_args, **_kwargs):
        return type("Op", (), {})()


def draw_panel(panel_cls, context) -> list:
    """What `panel_cls.draw` draws in `context`, as Drawn records it."""
    out: list = []
    panel_cls.draw(type("Panel", (), {"layout": Drawn(out)})(), context)
    return out
