"""duet.generate: voice-over + staging -> a new take on both characters.

With a window it runs modal (progress in the panel and status bar, Esc
cancels and leaves the scene as it was); without one (background mode,
scripts) it runs to completion synchronously. The work is in addon/generate_flow.py
(generate_flow.BackgroundGenerate is the modal run: model on a worker thread, bake on
the main thread when it is done). One undo step reverts the whole take.
"""

from __future__ import annotations

import bpy

from ..addon import generate_flow


def _report_take(op: bpy.types.Operator, take: generate_flow.BakeSummary) -> None:
    """The take's summary, then each of its notes (script lines not found, ...) as a warning."""
    op.report({"INFO"}, take.summary)
    for note in take.notes:
        op.report({"WARNING"}, f"{take.take}: {note}")


class DUET_OT_generate(bpy.types.Operator):
    """Generate lip-sync, expression, head and eye animation for both characters"""

    bl_idname = "duet.generate"
    bl_label = "Generate Take"
    bl_options = {"REGISTER", "UNDO"}

    _run: generate_flow.BackgroundGenerate | None = None
    _timer = None

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            plan = generate_flow.plan_from_scene(context.scene)
            take = generate_flow.generate_and_bake(context.scene, plan)
        except Exception as exc:  # every failure reaches the user as one clear line
            self.report({"ERROR"}, generate_flow.describe_error(exc))
            return {"CANCELLED"}
        _report_take(self, take)
        return {"FINISHED"}

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        try:
            self._run = generate_flow.BackgroundGenerate(context.scene)
        except Exception as exc:
            self.report({"ERROR"}, generate_flow.describe_error(exc))
            return {"CANCELLED"}
        wm = context.window_manager
        self._timer = wm.event_timer_add(0.1, window=context.window)
        wm.modal_handler_add(self)
        wm.progress_begin(0, 100)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        run = self._run
        if event.type == "ESC" and event.value == "PRESS":
            run.cancel(context.scene)
            self._finish(context)
            self.report({"WARNING"}, "Generation cancelled; the scene is unchanged")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        context.window_manager.progress_update(int(run.progress * 100))
        try:
            take = run.poll(context.scene)
        except Exception as exc:
            self._finish(context)
            self.report({"ERROR"}, generate_flow.describe_error(exc))
            return {"CANCELLED"}
        if take is None:
            return {"RUNNING_MODAL"}
        self._finish(context)
        _report_take(self, take)
        return {"FINISHED"}

    def cancel(self, context: bpy.types.Context) -> None:
        """Blender ends the operator (file closed, window gone): drop the work."""
        if self._run is not None:
            self._run.cancel(context.scene)
        self._finish(context)

    def _finish(self, context: bpy.types.Context) -> None:
        wm = context.window_manager
        if self._timer is not None:
            wm.event_timer_remove(self._timer)
            self._timer = None
        wm.progress_end()
