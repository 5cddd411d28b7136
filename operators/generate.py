"""duet.generate: voice-over + staging -> a new take on both characters.

With a window it runs modal (progress in the panel and status bar, Esc
cancels and leaves the scene as it was); without one (background mode,
scripts) it runs to completion synchronously. The work is in addon/flow.py.
"""

from __future__ import annotations

import bpy

from ..addon import flow
from ..addon.job import GenerationJob


class DUET_OT_generate(bpy.types.Operator):
    """Generate lip-sync, expression, head and eye animation for both characters"""

    bl_idname = "duet.generate"
    bl_label = "Generate Take"
    bl_options = {"REGISTER", "UNDO"}

    _job: GenerationJob | None = None
    _timer = None
    _plan: flow.Plan | None = None

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            plan = flow.plan_from_scene(context.scene)
            take = flow.generate_and_bake(context.scene, plan)
        except Exception as exc:  # every failure reaches the user as one clear line
            self.report({"ERROR"}, flow.describe_error(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, take.summary)
        return {"FINISHED"}

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        try:
            self._plan = flow.plan_from_scene(context.scene)
        except Exception as exc:
            self.report({"ERROR"}, flow.describe_error(exc))
            return {"CANCELLED"}
        self._job = GenerationJob(self._plan.request).start()
        wm = context.window_manager
        self._timer = wm.event_timer_add(0.1, window=context.window)
        wm.modal_handler_add(self)
        wm.progress_begin(0, 100)
        flow.set_status(context.scene, "Generating…", 0.0)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        job = self._job
        if event.type == "ESC" and event.value == "PRESS":
            job.cancel()
            self._finish(context)
            self.report({"WARNING"}, "Generation cancelled; the scene is unchanged")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        context.window_manager.progress_update(int(job.progress * 100))
        flow.set_status(context.scene, "Generating…", job.progress)
        if not job.done:
            return {"RUNNING_MODAL"}
        self._finish(context)
        if job.error is not None:
            self.report({"ERROR"}, flow.describe_error(job.error))
            return {"CANCELLED"}
        try:
            take = flow.bake(context.scene, self._plan, job.result)
        except Exception as exc:
            self.report({"ERROR"}, flow.describe_error(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, take.summary)
        return {"FINISHED"}

    def _finish(self, context: bpy.types.Context) -> None:
        wm = context.window_manager
        if self._timer is not None:
            wm.event_timer_remove(self._timer)
            self._timer = None
        wm.progress_end()
        flow.set_status(context.scene, "", 0.0)
