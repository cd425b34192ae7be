"""The test helpers' own promise: what `wait_until` found on the screen is there whole."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.pilot import screen_text, wait_until


class _Growing(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("", id="grows")


async def test_a_wait_for_the_first_line_of_an_update_sees_its_last_line_too() -> None:
    app = _Growing()
    async with app.run_test(size=(40, 10)):
        app.query_one("#grows", Static).update("first line\nsecond line\nthird line")
        # Before the next layout the Static's region is one row: the first line alone.
        assert "third line" not in screen_text(app)
        await wait_until(lambda: "first line" in screen_text(app))
        assert "third line" in screen_text(app)
