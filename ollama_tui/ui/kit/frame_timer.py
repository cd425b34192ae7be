"""Provides timers that, once late, tick at the next step of their interval rather than the
one after: a screen's frames come at most one frame after a change, not two.

Textual 8.2.8 draws a screen's changes from a timer at its frame rate, paused while nothing
changes and resumed by the next change. Resumed late (the screen was idle for more than a
frame), the timer ticks at once and then skips ahead; the skip lands a whole interval too
far, so the frame after it waits 1-2 intervals (17-33 ms at 60 frames a second) even with
the loop idle. A key typed just after a reply's flush was drawn waited that long for its
echo: a fifth of the keys at 80x24 with three tabs streaming came back in ~30 ms, not ~5.
Here the skip lands on the next step.

`draw_now` draws a widget's refreshes at once, outside the ticks: for the few changes a user
waits on (the end of a reply), not for the stream of changes the ticks exist to batch.
"""

from __future__ import annotations

from asyncio import Event
from typing import cast

from textual import _time
from textual.screen import Screen
from textual.timer import EventTargetGone, Timer
from textual.widget import Widget


async def _run(self: Timer) -> None:
    """Textual's `Timer._run`, but a late timer resumes at the step that comes next."""
    count = 0
    repeat = self._repeat
    interval = self._interval
    # Textual's own cached_property: typed as nothing, it is the timer's asyncio Event.
    active = cast("Event", self._active)
    await active.wait()
    start = _time.get_time()
    while repeat is None or count <= repeat:
        next_timer = start + ((count + 1) * interval)
        now = _time.get_time()
        if self._skip and next_timer < now:
            # The step just passed, so that the next is ahead (at least one step on: a
            # rounding that left it behind again cannot hold the loop).
            count = max(count + 1, int((now - start) / interval))
            continue
        await _time.sleep(max(0.0, next_timer - now))
        count += 1
        await active.wait()
        if self._reset:
            start = _time.get_time()
            count = 0
            self._reset = False
            continue
        try:
            await self._tick(next_timer=next_timer, count=count)
        except EventTargetGone:
            break


def install() -> None:
    """Make every timer resume at its next step (once; before the app runs its timers)."""
    if getattr(Timer._run, "next_step_when_late", False):
        return
    _run.next_step_when_late = True  # type: ignore[attr-defined]
    Timer._run = _run  # type: ignore[method-assign]


def draw_now(*widgets: Widget) -> None:
    """Draw what `widgets` (all on one screen) asked to refresh in a frame now, rather than
    at the screen's next tick: up to a frame (17 ms at 60 a second) sooner.

    What Textual does on its way from `refresh` to the tick (the widget's idle check posts an
    update or a layout, the screen's handlers mark it dirty or due for a layout, the tick lays
    out and draws) is done here in one step.
    """
    if not widgets or not widgets[0].is_on_screen:
        return  # not shown (a tab behind another): nothing to draw now
    screen = widgets[0].screen
    if screen.app._batch_count or not screen.is_current or screen not in screen._compositor:
        return
    for widget in widgets:
        if widget._layout_required:
            _due_for_layout(widget, screen)
    for widget in widgets:
        if widget._scroll_required:
            widget._scroll_required = False
            screen._scroll_required = True
        if widget._repaint_required:
            widget._repaint_required = False
            if widget.display:
                screen._dirty_widgets.add(widget)
    screen._on_timer_update()


def _due_for_layout(widget: Widget, screen: Screen[object]) -> None:
    """Mark the screen due for a layout of `widget`, as its idle check and the screen's
    `Layout` handler would have (the ancestors whose size follows it are laid out too)."""
    widget._layout_required = False
    child: Widget = widget
    for ancestor in widget.ancestors:
        if not isinstance(ancestor, Widget):
            break
        ancestor._clear_arrangement_cache()
        ancestor._layout_updates += 1
        screen._layout_widgets.setdefault(ancestor, set()).add(child)
        if not ancestor.styles.auto_dimensions:
            break
        child = ancestor
    screen._layout_required = True
