"""The end of a streamed reply: drawn where it was streamed, nothing around it redrawn."""

from __future__ import annotations

import threading

from textual.widgets._tabs import Underline

from ollama_tui.ui.chat.message_widgets import AssistantMessage
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, current_view, ready, wait_until


async def test_a_finished_reply_keeps_its_streamed_body_and_the_tab_its_width(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["# Title\n\n", "alpha ", "beta ", "ZQXEND"], hold=hold, hold_after=2)
    app = make_app()
    try:
        async with app.run_test() as pilot:
            await ready(app)
            view = current_view(app)
            await pilot.press(*"question", "enter")
            await wait_until(lambda: view.query(AssistantMessage))
            reply = view.query_one(AssistantMessage)
            await wait_until(lambda: "alpha" in reply._body.source)
            body = reply._body
            tab = app.tabs.get_tab(app.tabs.active)
            streaming_width = tab.label.cell_length
            assert "●" in str(tab.label)
            underline = app.query_one(Underline)

            def under_the_tab() -> bool:
                span = tab.virtual_region.shrink(tab.styles.gutter).column_span
                return (underline.highlight_start, underline.highlight_end) == span

            # Under the tab while the reply streams (it stayed under the old, longer title).
            await wait_until(under_the_tab)
            underlined = (underline.highlight_start, underline.highlight_end)
            hold.set()
            await wait_until(lambda: not view.is_streaming)
            await wait_until(lambda: "token" in str(reply._meta.render()))
            # The last token joined the text already drawn; the reply was not drawn again.
            assert reply._body is body and body.is_mounted
            assert body.source.endswith("ZQXEND")
            # The marker's cells stay: the tab underline does not move. (The label changes on
            # a message of its own, which may come after the stats line under load.)
            await wait_until(lambda: "●" not in str(tab.label))
            await pilot.pause()
            assert tab.label.cell_length == streaming_width
            assert (underline.highlight_start, underline.highlight_end) == underlined
    finally:
        hold.set()
