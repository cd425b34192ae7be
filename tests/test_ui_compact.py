"""Compacting a conversation (`/compact`, the palette, the offer when the context nears its
limit): the summary request, the next request sending the summary instead of the turns, the
turns still in the file, drawn folded, restoring them, and a failure or a stop changing
nothing."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from ollama_tui.domain.compaction import folded_ids
from ollama_tui.domain.conversation import Conversation, Message, Role
from ollama_tui.services.chat_turn import SUMMARY_HEADING
from ollama_tui.services.compaction import SUMMARY_PROMPT
from ollama_tui.services.library import export_markdown
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.dialogs.basic import ChoiceDialog
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    notified,
    ready,
    screen_text,
    session_file,
    wait_until,
)

SUMMARY = "Notes: asked about one and two; answers A1 and A2."


async def type_line(pilot: Pilot[None], line: str) -> None:
    await pilot.press(*line, "enter")
    await pilot.pause()


def saved(data_dir: Path, view: ChatView) -> dict[str, Any]:
    data = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert isinstance(data, dict)
    return data


def contents(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in body["messages"]]


async def three_turns(pilot: Pilot[None], view: ChatView, server: FakeOllama) -> None:
    for prompt, answer in (("one", "A1"), ("two", "A2"), ("three", "A3")):
        server.script_reply(answer)
        await ask(pilot, view, prompt)


async def compact(app: OllamaTuiApp, pilot: Pilot[None], server: FakeOllama) -> None:
    server.script_reply(SUMMARY)
    await type_line(pilot, "/compact")
    await wait_until(lambda: notified(app, "Compacted:"), message="the compaction's notice")


async def test_compact_sends_the_summary_instead_of_the_turns(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/set system Be brief.")
        await three_turns(pilot, view, fake_ollama)
        await compact(app, pilot, fake_ollama)
        # The summary's request: the conversation's model, the turns before the last prompt
        # as they were sent, then the request to summarise them.
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["model"] == "llama3.2:latest"
        assert contents(body) == [
            ("system", "Be brief."),
            ("user", "one"),
            ("assistant", "A1"),
            ("user", "two"),
            ("assistant", "A2"),
            ("user", SUMMARY_PROMPT),
        ]
        assert notified(app, "Compacted: 2 prompts and their replies are summarised")
        assert notified(app, "Context 27 → about ")
        text = screen_text(app)
        assert "4 earlier turns summarised — Enter to show/restore" in text
        assert "three" in text and "A1" not in text
        # The originals stay in the file, the summary names them.
        data = saved(data_dir, view)
        messages = data["messages"]
        assert [m["content"] for m in messages[:4]] == ["one", "A1", "two", "A2"]
        summary = messages[4]
        assert summary["role"] == "system" and summary["content"] == SUMMARY
        assert summary["summary_of"] == [m["id"] for m in messages[:4]]
        assert [m["content"] for m in messages[5:]] == ["three", "A3"]
        # From now on the summary goes instead of the turns.
        fake_ollama.script_reply("A4")
        await ask(pilot, view, "four")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert contents(body) == [
            ("system", "Be brief."),
            ("system", f"{SUMMARY_HEADING}\n\n{SUMMARY}"),
            ("user", "three"),
            ("assistant", "A3"),
            ("user", "four"),
        ]
    # Reopened, the conversation reads back folded.
    reopened = Conversation.read(
        json.loads(session_file(data_dir, view.conversation.id).read_text())
    )
    assert reopened.messages[4].summary_of == [m.id for m in reopened.messages[:4]]


async def test_restore_sends_the_turns_again(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await three_turns(pilot, view, fake_ollama)
        await compact(app, pilot, fake_ollama)
        # Select the folded line (above the last prompt and its reply) and press Enter.
        await pilot.press("shift+tab", "up", "up", "enter")
        await wait_until(lambda: isinstance(app.screen, ChoiceDialog), message="the summary")
        assert SUMMARY in screen_text(app)
        await pilot.press("r")
        await wait_until(lambda: notified(app, "The turns are sent again"))
        await wait_until(lambda: "A1" in screen_text(app), message="the turns shown again")
        assert "4 earlier turns restored" in screen_text(app)
        assert saved(data_dir, view)["messages"][4]["restored"] is True
        fake_ollama.script_reply("A4")
        await pilot.press("escape")
        await ask(pilot, view, "four")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert [c for r, c in contents(body) if r == "user"] == ["one", "two", "three", "four"]
        assert not any(SUMMARY in c for _, c in contents(body))
        # And back: the summary in use again (the selection stayed on its line).
        await pilot.press("shift+tab")
        assert view.transcript.selected is view.conversation.messages[4]
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("s")
        await wait_until(lambda: notified(app, "The summary is sent again"))
        assert "restored" not in saved(data_dir, view)["messages"][4]


async def test_a_failed_summary_changes_nothing(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await three_turns(pilot, view, fake_ollama)
        before = saved(data_dir, view)["messages"]
        fake_ollama.fail_next("/api/chat", 500, {"error": "model \x1b[31mcrashed"})
        await type_line(pilot, "/compact")
        await wait_until(lambda: notified(app, "The summary failed:"))
        assert notified(app, "Nothing changed.") and not notified(app, "\x1b")
        assert saved(data_dir, view)["messages"] == before
        assert "summarised" not in screen_text(app) and not view.is_streaming


async def test_escape_stops_the_summary_and_changes_nothing(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await three_turns(pilot, view, fake_ollama)
        before = saved(data_dir, view)["messages"]
        hold = threading.Event()
        fake_ollama.script_reply(["Notes: ", "one ", "two"], hold=hold, hold_after=1)
        try:
            await type_line(pilot, "/compact")
            await wait_until(
                lambda: "Summarising the earlier turns… 7 characters" in screen_text(app),
                message="the summary's progress",
            )
            await type_line(pilot, "next")  # refused while summarising: stays typed
            assert notified(app, "The older turns are being summarised.")
            await pilot.press("escape")
            await wait_until(lambda: notified(app, "Compacting stopped; nothing changed."))
        finally:
            hold.set()
        await wait_until(lambda: not view.is_streaming)
        assert saved(data_dir, view)["messages"] == before
        assert "Summarising" not in screen_text(app)


async def test_nothing_to_compact_is_said(make_app: MakeApp, fake_ollama: FakeOllama) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "only")
        await type_line(pilot, "/compact")
        await wait_until(lambda: notified(app, "Nothing to compact yet"))
        assert len(fake_ollama.requests_to("/api/chat")) == 1


async def test_the_meter_warning_offers_compacting_and_the_palette_does_it(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        # 26 prompt tokens and 1 of reply: 90% of 30 is past the meter's warning.
        await type_line(pilot, "/set parameter num_ctx 30")
        await ask(pilot, view, "one")
        await wait_until(lambda: "nearly full" in screen_text(app), message="the meter warns")
        assert not notified(app, "The context is nearly full")  # nothing to compact yet
        await ask(pilot, view, "two")
        await wait_until(lambda: notified(app, "The context is nearly full. /compact"))
        fake_ollama.script_reply(SUMMARY)
        await pilot.press("ctrl+p")
        await pilot.press(*"Compact the conv")
        await wait_until(lambda: "Compact the conversation" in screen_text(app))
        await pilot.press("enter")
        await wait_until(lambda: notified(app, "Compacted: 1 prompt and their replies"))
        assert saved(data_dir, view)["messages"][2]["summary_of"]
        assert fake_ollama.requests_to("/api/chat")[-1].body["options"] == {"num_ctx": 30}


async def test_compacting_again_summarises_the_summary_and_the_newer_turns(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await three_turns(pilot, view, fake_ollama)
        await compact(app, pilot, fake_ollama)
        fake_ollama.script_reply("A4")
        await ask(pilot, view, "four")
        app.clear_notifications()
        fake_ollama.script_reply("Second notes.")
        await type_line(pilot, "/compact")
        await wait_until(lambda: notified(app, "Compacted:"))
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert contents(body) == [
            ("system", f"{SUMMARY_HEADING}\n\n{SUMMARY}"),
            ("user", "three"),
            ("assistant", "A3"),
            ("user", SUMMARY_PROMPT),
        ]
        assert "6 earlier turns summarised" in screen_text(app)
        fake_ollama.script_reply("A5")
        await ask(pilot, view, "five")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert contents(body) == [
            ("system", f"{SUMMARY_HEADING}\n\nSecond notes."),
            ("user", "four"),
            ("assistant", "A4"),
            ("user", "five"),
        ]
        messages = view.conversation.messages
        assert [m.content for m in messages if m.role is Role.USER] == [
            "one",
            "two",
            "three",
            "four",
            "five",
        ]


def test_old_and_hostile_summary_fields_load() -> None:
    conversation = Conversation.read(
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "system", "content": "s", "summary_of": [1, {"a": 2}], "restored": "no"},
            ]
        }
    )
    summary = conversation.messages[1]
    assert summary.summary_of is None and summary.restored is None


async def test_versions_of_the_last_turn_still_work_after_compacting(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await three_turns(pilot, view, fake_ollama)
        await compact(app, pilot, fake_ollama)
        fake_ollama.script_reply("A3, again")
        await pilot.press("ctrl+r")
        await wait_until(lambda: "A3, again" in screen_text(app), message="the new version")
        await wait_until(lambda: not view.is_streaming)
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert contents(body)[0] == ("system", f"{SUMMARY_HEADING}\n\n{SUMMARY}")
        assert [c for r, c in contents(body) if r == "user"] == ["three"]
        assert "4 earlier turns summarised" in screen_text(app)
        messages = saved(data_dir, view)["messages"]
        assert messages[4]["summary_of"] and messages[6]["content"] == "A3, again"
        assert messages[6]["alternatives"][0][0]["content"] == "A3"
        # Back to the first version of the reply: the summary stays in use.
        await pilot.press("shift+tab", "left")
        await wait_until(lambda: "A3, again" not in screen_text(app), message="version 1")
        assert "4 earlier turns summarised" in screen_text(app)
        fake_ollama.script_reply("A4")
        await pilot.press("escape")
        await ask(pilot, view, "four")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert contents(body)[0][1].startswith(SUMMARY_HEADING)
        assert ("assistant", "A3") in contents(body)


async def test_a_hostile_summary_is_kept_and_shown_inert(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await three_turns(pilot, view, fake_ollama)
        fake_ollama.script_reply("Notes \x1b[2J\x1b]52;c;UFdORUQ=\x07 end [/]")
        await type_line(pilot, "/compact")
        await wait_until(lambda: notified(app, "Compacted:"))
        summary = saved(data_dir, view)["messages"][4]
        assert "\x1b" not in summary["content"] and "\x07" not in summary["content"]
        await pilot.press("shift+tab", "up", "up", "enter")
        await wait_until(lambda: isinstance(app.screen, ChoiceDialog))
        text = screen_text(app)
        assert "Notes" in text and "end [/]" in text and "\x1b" not in text


async def test_a_long_summary_is_shown_whole_and_scrolls(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ready(app)
        await three_turns(pilot, view, fake_ollama)
        fake_ollama.script_reply("".join(f"note {n}\n\n" for n in range(1, 61)) + "the last note")
        await type_line(pilot, "/compact")
        await wait_until(lambda: notified(app, "Compacted:"))
        await pilot.press("shift+tab", "up", "up", "enter")
        await wait_until(lambda: "note 1" in screen_text(app), message="the summary")
        assert "the last note" not in screen_text(app)
        assert "r: Restore the turns" in screen_text(app)  # the choice stays in view
        for _ in range(10):
            await pilot.press("pagedown")
        await wait_until(lambda: "the last note" in screen_text(app), message="scrolled")
        assert "r: Restore the turns" in screen_text(app)


def test_a_summary_folds_only_messages_before_it() -> None:
    """A hand-edited summary naming the last prompt (or itself) folds only the turns above."""
    first, reply = Message.user("one"), Message(role=Role.ASSISTANT, content="A1")
    last = Message.user("two")
    summary = Message(role=Role.SYSTEM, content="notes")
    summary.summary_of = [first.id, reply.id, summary.id, last.id]
    messages = [first, reply, summary, last]
    assert folded_ids(messages) == {first.id, reply.id}
    summary.restored = True
    assert folded_ids(messages) == set()


def test_the_markdown_export_heads_the_summary_as_one() -> None:
    first = Message.user("one")
    summary = Message(role=Role.SYSTEM, content="notes", model="m", summary_of=[first.id])
    conversation = Conversation(messages=[first, summary, Message.user("two")])
    text = export_markdown(conversation)
    assert "## Summary of the turns above by m (sent instead of them)" in text
    assert "notes" in text and "one" in text  # the turns stay in the export too


async def test_save_after_compacting_saves_the_summary_not_the_turns(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await three_turns(pilot, view, fake_ollama)
        await compact(app, pilot, fake_ollama)
        await type_line(pilot, "/save notes-bot")
        await wait_until(lambda: "notes-bot" in fake_ollama.created, message="the model created")
    assert fake_ollama.created["notes-bot"]["messages"] == [
        {"role": "system", "content": f"{SUMMARY_HEADING}\n\n{SUMMARY}"},
        {"role": "user", "content": "three"},
        {"role": "assistant", "content": "A3"},
    ]
