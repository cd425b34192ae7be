"""The end of a streamed reply: drawn where it was streamed, nothing around it redrawn."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets._tabs import Tab, Underline

from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, drawn, last_reply, ready, wait_until


def _under(tab: Tab, underline: Underline) -> bool:
    """Whether the tab underline spans the tab's label."""
    span = tab.virtual_region.shrink(tab.styles.gutter).column_span
    return (underline.highlight_start, underline.highlight_end) == span


async def test_a_finished_reply_keeps_its_streamed_body_and_the_tab_its_width(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["# Title\n\n", "alpha ", "beta ", "ZQXEND"], hold=hold, hold_after=2)
    app = make_app()
    try:
        async with app.run_test() as pilot:
            view = await ready(app)
            await pilot.press(*"question", "enter")
            transcript = view.transcript
            await wait_until(lambda: last_reply(view))
            reply = last_reply(view)
            assert reply is not None
            await wait_until(lambda: "alpha" in drawn(view, reply))
            streamed = list(transcript.lines_of(reply))
            alpha_row = next(i for i, line in enumerate(streamed) if "alpha" in line.text)
            tab = app.tabs.get_tab(app.tabs.active)
            streaming_width = tab.label.cell_length
            assert "●" in str(tab.label)
            underline = app.query_one(Underline)
            # Under the tab while the reply streams (it stayed under the old, longer title).
            await wait_until(lambda: _under(tab, underline))
            underlined = (underline.highlight_start, underline.highlight_end)
            refreshed: list[Region] = []
            refresh = transcript.refresh

            def counted(*regions: Region, **kwargs: Any) -> Any:
                refreshed.extend(regions or [transcript.size.region])
                return refresh(*regions, **kwargs)

            transcript.refresh = counted  # type: ignore[method-assign]
            hold.set()
            await wait_until(lambda: not view.is_streaming)
            await wait_until(lambda: "token" in drawn(view, reply))
            # The last token joined the lines already drawn; the reply was not drawn again:
            # the lines above the last paragraph are the very lines streamed, and only rows
            # from the last paragraph down were sent again.
            final = transcript.lines_of(reply)
            assert all(final[i] is streamed[i] for i in range(alpha_row))
            assert "ZQXEND" in drawn(view, reply)
            first_row = (transcript.row_of(reply) or 0) + alpha_row - round(transcript.scroll_y)
            assert refreshed and all(region.y >= first_row for region in refreshed)
            assert sum(region.height for region in refreshed) < len(final)
            # The marker's cells stay: the tab underline does not move. (The label changes on
            # a message of its own, which may come after the stats line under load.)
            await wait_until(lambda: "●" not in str(tab.label))
            await pilot.pause()
            assert tab.label.cell_length == streaming_width
            assert (underline.highlight_start, underline.highlight_end) == underlined
    finally:
        hold.set()


async def test_the_tab_underline_moves_under_a_new_title_at_once_not_sliding(
    make_app: MakeApp, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first prompt sets the title, and the streaming marker comes and goes: each
    # relabel slid the underline over 18 frames, in the middle of the reply.
    fake_ollama.script_reply(["alpha ", "beta ", "ZQXEND"])
    app = make_app()
    async with app.run_test() as pilot:
        view = await ready(app)
        underline = app.query_one(Underline)
        slides: list[str] = []
        animate = underline.animate

        def recorded(attribute: str, *args: Any, **kwargs: Any) -> Any:
            slides.append(attribute)
            return animate(attribute, *args, **kwargs)

        monkeypatch.setattr(underline, "animate", recorded)
        tab = app.tabs.get_tab(app.tabs.active)
        before = tab.label.plain
        await pilot.press(*"a question of some length", "enter")
        await wait_until(lambda: not view.is_streaming and "●" not in str(tab.label))
        assert tab.label.plain != before  # the title changed, twice the marker
        await wait_until(lambda: _under(tab, underline))
        await pilot.pause()
        assert slides == []
