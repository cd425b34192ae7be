"""The transcript as one virtual view: what a flush sends, following the bottom and letting
go, following in steps, and the mouse (links, thinking, text selection)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.geometry import Region
from textual.strip import Strip

from ollama_tui.domain.conversation import Message, MessageStatus
from ollama_tui.ui.chat import transcript as transcript_module
from ollama_tui.ui.chat.render import MessageLines, render_message
from ollama_tui.ui.chat.transcript import Flushes, Transcript, changed_columns, rounded_up
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    drawn,
    frames_written,
    last_reply,
    ready,
    screen_text,
    wait_until,
)


def _turns(count: int) -> list[Message]:
    messages: list[Message] = []
    for n in range(count // 2):
        messages.append(Message.user(f"question {n}"))
        reply = Message.assistant("llama3.2:latest")
        reply.content = f"answer {n}, with **some** Markdown"
        reply.status = MessageStatus.COMPLETE
        messages.append(reply)
    return messages


def _start_reply(view: Transcript, messages: list[Message]) -> Message:
    """A reply added to `messages` and streamed into `view` (empty so far)."""
    reply = Message.assistant("llama3.2:latest")
    reply.status = MessageStatus.STREAMING
    messages.append(reply)
    view.start_reply(reply)
    return reply


class Host(App[None]):
    """The transcript alone, without the app around it (as a column of a comparison)."""

    def __init__(
        self, messages: list[Message], follow_step: int | None = 1, flush_hz: float = 15.0
    ) -> None:
        super().__init__()
        self.messages = messages
        self.follow_step = follow_step
        self.flush_hz = flush_hz

    def compose(self) -> ComposeResult:
        yield Transcript(self.messages, follow_step=self.follow_step, flush_hz=self.flush_hz)


def _lines(view: Transcript, message: Message) -> list[str]:
    return [strip.text.rstrip() for strip in view.lines_of(message)]


@contextmanager
def counting(view: Transcript, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """Count, while inside: the regions the view asks to redraw, the rows it draws, and the
    turns it renders whole."""
    seen: dict[str, list[Any]] = {"regions": [], "rows": [], "rendered": []}
    refresh, render_line = view.refresh, view.render_line

    def refreshed(*regions: Region, **kwargs: Any) -> Any:
        seen["regions"].extend(regions or [view.size.region])
        return refresh(*regions, **kwargs)

    def line(y: int) -> Strip:
        seen["rows"].append(y)
        return render_line(y)

    def rendered(message: Message, *args: Any, **kwargs: Any) -> MessageLines:
        seen["rendered"].append(message)
        return render_message(message, *args, **kwargs)

    monkeypatch.setattr(view, "refresh", refreshed)
    monkeypatch.setattr(view, "render_line", line)
    monkeypatch.setattr(transcript_module, "render_message", rendered)
    try:
        yield seen
    finally:
        monkeypatch.undo()


async def _one_flush(count: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """Stream a reply after `count` turns (all laid out) and measure the flush that makes
    its last line longer: (rows asked to redraw, rows drawn, turns rendered whole)."""
    messages = _turns(count)
    app = Host(messages)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Transcript)
        view.show_earlier(count)
        assert len(view.shown) == count
        reply = _start_reply(view, messages)
        reply.content = "First paragraph.\n\nSecond"
        view.reply_changed()
        await wait_until(lambda: "Second" in "\n".join(_lines(view, reply)))
        await pilot.pause()
        row = (view.row_of(reply) or 0) + next(
            i for i, line in enumerate(_lines(view, reply)) if "Second" in line
        )
        on_screen = row - round(view.scroll_y)
        with counting(view, monkeypatch) as seen:
            reply.content += " grows"
            view.reply_changed()
            await wait_until(lambda: "Second grows" in "\n".join(_lines(view, reply)))
            await pilot.pause()
        # Only the cells of the growing paragraph's row that changed were asked for (the
        # word the token added), and only that row was drawn.
        grown = next(line for line in _lines(view, reply) if "Second grows" in line)
        assert seen["regions"] == [Region(grown.index("grows"), on_screen, len("grows"), 1)]
        assert set(seen["rows"]) == {on_screen}
        return len(seen["regions"]), len(seen["rows"]), len(seen["rendered"])


async def test_a_flush_costs_the_same_after_1000_turns_as_after_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    short = await _one_flush(2, monkeypatch)
    long = await _one_flush(1000, monkeypatch)
    assert short == long
    assert short[2] == 0  # no turn drawn again, only the reply's changed line


async def test_following_lets_go_when_scrolled_up_and_end_follows_again() -> None:
    messages = _turns(40)
    app = Host(messages)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Transcript)
        await pilot.pause()
        assert view.following and view.scroll_y == view.max_scroll_y > 0
        reply = _start_reply(view, messages)
        view.focus()
        await pilot.press("pageup")
        await wait_until(lambda: not view.following)
        reading_at = view.scroll_y
        reply.content = "\n\n".join(f"line {n}" for n in range(30))
        view.reply_changed()
        await wait_until(lambda: "line 29" in "\n".join(_lines(view, reply)))
        await pilot.pause()
        # The text grew below; the view stayed where the user reads.
        assert view.scroll_y == reading_at < view.max_scroll_y
        # Scrolling back down to the end follows again.
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown", "pagedown")
        await wait_until(lambda: view.following)
        await pilot.press("pageup")
        await wait_until(lambda: not view.following)
        # End selects the last turn and follows the end again.
        await pilot.press("end")
        await wait_until(lambda: view.following and view.scroll_y == view.max_scroll_y)
        assert view.selected is reply
        reply.content += "\n\nline 30"
        view.reply_changed()
        await wait_until(lambda: "line 30" in screen_text(app))
        view.finish_reply()


async def test_following_in_steps_moves_a_step_at_a_time_and_redraws_only_new_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    messages = _turns(40)
    app = Host(messages, follow_step=10)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Transcript)
        await pilot.pause()
        reply = _start_reply(view, messages)
        await pilot.pause()
        height = view.scrollable_content_region.height
        moves: list[float] = []
        full_redraws = 0
        for n in range(40):
            before = view.scroll_y
            with counting(view, monkeypatch) as seen:
                reply.content += f"line {n}\n\n"
                view.reply_changed()
                await wait_until(lambda n=n: f"line {n}" in "\n".join(_lines(view, reply)))
            # The virtual height is the text's, rounded up to a step; the end is in view.
            assert view.virtual_size.height == max(rounded_up(view.content_height, 10), 0)
            assert view.scroll_y == view.max_scroll_y
            if view.scroll_y != before:
                moves.append(view.scroll_y - before)
            elif any(region.height == view.size.height for region in seen["regions"]):
                full_redraws += 1
            else:
                assert sum(region.height for region in seen["regions"]) <= 4
        # Two rows a line: the view moved a step (10 rows) each fifth line, never between.
        assert moves and all(move == 10 for move in moves)
        assert len(moves) <= 40 * 2 // 10 + 1
        assert full_redraws == 0
        # Scrolled up, the view lets go and its height is the text's again.
        view.scroll_to(y=0, animate=False, immediate=True)
        await wait_until(lambda: not view.following)
        assert view.virtual_size.height == view.content_height
        assert height == view.scrollable_content_region.height
        view.finish_reply()


async def test_follow_step_half_is_half_the_view() -> None:
    messages = _turns(40)
    app = Host(messages, follow_step=None)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Transcript)
        await pilot.pause()
        half = view.scrollable_content_region.height // 2
        assert view.virtual_size.height == rounded_up(view.content_height, half)
        assert view.scroll_y == view.max_scroll_y


def test_rounded_up() -> None:
    assert [rounded_up(rows, 10) for rows in (0, 1, 10, 11)] == [0, 10, 10, 20]
    assert rounded_up(7, 1) == 7


async def test_a_link_clicked_is_copied_and_the_thinking_opens_on_a_click(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(
        ["See [the docs](https://example.com/docs) for more."], thinking=["a thought"]
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "where?")
        await pilot.pause()
        rows = screen_text(app).splitlines()
        y = next(i for i, row in enumerate(rows) if "the docs" in row)
        await pilot.click(offset=(rows[y].index("the docs") + 2, y))
        await wait_until(lambda: app.clipboard == "https://example.com/docs")
        # A click on the folded thinking's header opens it.
        assert "a thought" not in screen_text(app)
        rows = screen_text(app).splitlines()
        y = next(i for i, row in enumerate(rows) if "Thinking" in row)
        await pilot.click(offset=(rows[y].index("Thinking"), y))
        await wait_until(lambda: "a thought" in screen_text(app))
        assert "a thought" in drawn(view, last_reply(view))


async def test_the_text_of_the_transcript_can_be_selected_with_the_mouse(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply("A reply to select.")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "select me")
        await pilot.pause()
        rows = screen_text(app).splitlines()
        y = next(i for i, row in enumerate(rows) if "A reply to select." in row)
        x = rows[y].index("A reply")
        await pilot.mouse_down(offset=(x, y))
        await pilot.hover(offset=(x + len("A reply to") - 1, y))
        await pilot.mouse_up(offset=(x + len("A reply to") - 1, y))
        await pilot.pause()
        assert app.screen.get_selected_text() == "A reply to"


async def test_the_transcript_is_drawn_again_in_each_theme_previewed_from_the_palette(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    # The ANSI theme's muted text is `ansi_default 50%`, which the transcript's palette once
    # failed to read: previewing it in the theme list crashed the app.
    fake_ollama.script_reply("A short answer.")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "hi")
        await pilot.press("ctrl+p", *"theme")
        await wait_until(lambda: "theme" in screen_text(app).lower())
        await pilot.press("enter")
        for _ in range(len(app.available_themes)):
            await pilot.press("down")
        await pilot.press("escape")
        await pilot.pause()
        assert app.return_code is None
        assert "A short answer." in screen_text(app)


async def test_a_width_change_draws_the_turns_again_for_the_new_width() -> None:
    messages = _turns(6)
    app = Host(messages)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Transcript)
        await pilot.pause()
        wide = view.scrollable_content_region.width
        assert {strip.cell_length for m in view.shown for strip in view.lines_of(m)} == {wide}
        await pilot.resize_terminal(50, 24)
        await wait_until(lambda: view.scrollable_content_region.width < wide)
        await pilot.pause()
        narrow = view.scrollable_content_region.width
        assert {strip.cell_length for m in view.shown for strip in view.lines_of(m)} == {narrow}
        assert view.following and view.scroll_y == view.max_scroll_y


def test_a_line_a_token_extends_is_refreshed_from_its_first_changed_cell() -> None:
    def strip(text: str) -> Strip:
        return Strip([Segment(text)])

    assert changed_columns(strip("Hello wor   "), strip("Hello world ")) == (9, 11)
    assert changed_columns(strip("same"), strip("same")) is None
    # Double-width characters are two cells; a span never starts or ends inside one.
    assert changed_columns(strip("a漢b "), strip("a漢c ")) == (3, 4)
    assert changed_columns(strip("a漢 "), strip("a字 ")) == (1, 3)
    assert changed_columns(strip("ab "), strip("a漢")) == (1, 3)


async def test_a_reply_that_pauses_is_drawn_at_once_not_at_the_next_flush() -> None:
    # The flushes tick every 2 s here: words that arrive and are followed by a pause (the
    # last ones of a reply, or each one of a slow reply) are drawn without waiting for one
    # (at most four times as often as the flushes: the second 0.5 s after the first).
    messages = [Message.user("hello")]
    app = Host(messages, flush_hz=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Transcript)
        reply = _start_reply(view, messages)
        await pilot.pause()
        for words in ("The last", " words ZQX"):
            reply.content += words
            view.reply_changed()
            await wait_until(lambda: reply.content in "\n".join(_lines(view, reply)), timeout=1.5)


LONG_REPLY = "\n\n".join(f"Paragraph {n}." for n in range(40)) + "\n\nThe last words"


@pytest.mark.parametrize("text", ["The last words", LONG_REPLY], ids=["short", "long"])
async def test_the_end_of_a_reply_is_in_a_frame_drawn_at_once_not_at_the_next_tick(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    # A reply longer than the view needs a layout (the scrollbar comes): the frame drawn at
    # once lays out first rather than leaving the end to the next tick.
    messages = [Message.user("hello")]
    app = Host(messages)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Transcript)
        reply = _start_reply(view, messages)
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        frames = frames_written(app, monkeypatch)
        reply.content = text
        reply.status = MessageStatus.COMPLETE
        view.finish_reply()
        # Written before finish_reply returned: no tick of the screen came in between.
        assert any("The last words" in frame for frame in frames)
        assert view.show_vertical_scrollbar == (text == LONG_REPLY)


class Columns(App[None]):
    """Transcripts side by side that share their flushes (as a comparison's columns do)."""

    def __init__(self, replies: list[Message], flushes: Flushes) -> None:
        super().__init__()
        self.replies = replies
        self.flushes = flushes

    def compose(self) -> ComposeResult:
        with Horizontal():
            for reply in self.replies:
                yield Transcript([reply], follow_step=None, flushes=self.flushes)


async def test_views_sharing_their_flushes_are_drawn_one_a_tick_and_one_after_a_pause() -> None:
    # Ticks every 10 s, so only the test ticks them; the pause flushes of all the views
    # together then come at most 2.5 s apart.
    flushes = Flushes(0.1)
    replies = [Message.assistant("llama3.2:latest") for _ in range(3)]
    app = Columns(replies, flushes)
    async with app.run_test(size=(120, 24)) as pilot:
        views = list(app.query(Transcript))
        for view, reply in zip(views, replies, strict=True):
            reply.status = MessageStatus.STREAMING
            view.start_reply(reply)
        await pilot.pause()

        def drawn() -> int:
            return sum(
                f"reply {n}" in "\n".join(_lines(view, reply))
                for n, (view, reply) in enumerate(zip(views, replies, strict=True))
            )

        for n, (view, reply) in enumerate(zip(views, replies, strict=True)):
            reply.content = f"The words of reply {n}"
            view.reply_changed()
        # All three paused: one is drawn at once, the others wait (never all in one frame).
        await wait_until(lambda: drawn() == 1)
        await pilot.pause()
        assert drawn() == 1
        # Each tick draws one more, in turn.
        flushes.tick()
        assert drawn() == 2
        flushes.tick()
        assert drawn() == 3

        def showing(word: str) -> list[int]:
            return [
                n
                for n, (view, reply) in enumerate(zip(views, replies, strict=True))
                if word in "\n".join(_lines(view, reply))
            ]

        # The turn goes round: a view just drawn waits while the others have new words.
        for view, reply in zip(views, replies, strict=True):
            reply.content += " again"
            view.reply_changed()
        flushes.tick()
        (first,) = showing("again")
        replies[first].content += " and more"
        views[first].reply_changed()
        flushes.tick()
        assert len(showing("again")) == 2 and not showing("more")


async def test_a_reply_arriving_in_a_burst_is_read_through_and_drawn_at_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A reply the server had ready comes faster than anyone reads it and than the app draws
    # it: the ticks and the pauses (the app's own frames) leave it undrawn for up to
    # BURST_FLUSH, so that its end is drawn sooner. The clock is the test's.
    clock = [100.0]
    monkeypatch.setattr(transcript_module, "monotonic", lambda: clock[0])
    flushes = Flushes(0.1)  # ticks every 10 s: only the test ticks them
    reply = Message.assistant("llama3.2:latest")
    app = Columns([reply], flushes)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Transcript)
        reply.status = MessageStatus.STREAMING
        view.start_reply(reply)
        await pilot.pause()

        def shown() -> str:
            return "\n".join(_lines(view, reply))

        def arrive(count: int, seconds: float) -> None:
            for n in range(count):
                reply.content += f"w{n} "
                view.reply_changed()
            clock[0] += seconds

        arrive(600, 0.06)  # 10,000 a second
        # The pause after it (the app's own frame) draws nothing, nor does a tick.
        await wait_until(lambda: view._quiet is None)
        flushes.tick()
        assert "w599" not in shown()
        # A burst that lasts is drawn every BURST_FLUSH.
        arrive(600, transcript_module.BURST_FLUSH)
        flushes.tick()
        assert "w599" in shown()
        # The same words at a rate anyone follows (400 a second) are drawn at each tick.
        reply.content = ""
        arrive(40, 0.1)
        flushes.tick()
        assert "w39" in shown()
        # So are a few words that come together (one network read).
        arrive(30, 0.001)
        flushes.tick()
        assert shown().count("w29") == 2
        # The end of a burst is drawn when the reply ends.
        arrive(600, 0.01)
        reply.status = MessageStatus.COMPLETE
        view.finish_reply()
        assert shown().count("w599") == 1 and "w599 " in reply.content
