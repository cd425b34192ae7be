"""A frame renders only the rows it draws, and draws them as a full frame would."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from textual._compositor import ChopsUpdate, Compositor
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from ollama_tui.ui.kit import frame_rows
from tests.pilot import wait_until


class Panes(App[None]):
    """A tall pane of text beside a short one, in containers, as the chat screen is."""

    CSS = """
    #left { width: 1fr; height: 1fr; background: $panel; }
    #right { width: 20; height: 5; border: round $accent; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical():
                yield Static(
                    "\n".join(f"row {number} of the tall pane" for number in range(40)), id="left"
                )
            yield Static("short", id="right")


Rendered = list[tuple[str, Region]]


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> Iterator[Rendered]:
    """Each widget's `render_lines` call from now on: its name and the region asked for."""
    calls: Rendered = []
    render_lines = Widget.render_lines

    def recorded(self: Widget, crop: Region) -> list[Strip]:
        calls.append((self.id or type(self).__name__, crop))
        return render_lines(self, crop)

    monkeypatch.setattr(Widget, "render_lines", recorded)
    yield calls


@pytest.fixture
def updates(monkeypatch: pytest.MonkeyPatch) -> list[ChopsUpdate]:
    """The partial frames the compositor makes from now on."""
    made: list[ChopsUpdate] = []
    partial: Callable[[Compositor], ChopsUpdate | None] = Compositor.render_partial_update

    def recorded(self: Compositor) -> ChopsUpdate | None:
        update = partial(self)
        if update is not None:
            made.append(update)
        return update

    monkeypatch.setattr(Compositor, "render_partial_update", recorded)
    return made


async def test_a_change_on_one_row_renders_that_row_of_the_widgets_under_it_only(
    rendered: Rendered, updates: list[ChopsUpdate]
) -> None:
    frame_rows.install()
    app = Panes()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        rendered.clear()
        updates.clear()
        left = app.query_one("#left")
        left.refresh(Region(4, 7, 6, 1))  # a few cells of one row, as a streamed word is
        await wait_until(lambda: updates, message="a partial frame")
    # Textual rendered every row of the tall pane and of the containers and the screen
    # behind it (24 rows each), and the short pane beside it, for a change on one row; the
    # containers and the screen are hidden there by the pane.
    assert rendered == [("left", Region(0, 7, 60, 1))]


async def test_the_rows_drawn_are_those_a_full_frame_draws(updates: list[ChopsUpdate]) -> None:
    frame_rows.install()
    app = Panes()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        updates.clear()
        # Two changes, in different widgets and rows: the region around them holds rows
        # that did not change and the short pane's side of the changed rows.
        app.query_one("#left").refresh(Region(0, 2, 30, 1))
        app.query_one("#right").refresh(Region(0, 3, 18, 1))
        await wait_until(lambda: updates, message="a partial frame")
        compositor = app.screen._compositor
        full = compositor._render_chops(compositor.size.region, lambda y: True)
    update = updates[0]
    drawn = 0
    for y, x1, x2 in update.spans:
        ends = update.chop_ends[y]
        for end, (x, strip) in zip(ends, update.chops[y].items(), strict=True):
            if x >= x2 or end <= x1:
                continue  # not written to the terminal
            assert strip is not None, (y, x)
            assert strip == full[y][x], (y, x)
            drawn += 1
    assert {y for y, _, _ in update.spans} == {2, 4}  # the short pane's row 3 is under its border
    assert drawn >= 2
