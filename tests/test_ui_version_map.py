"""Versions that branch at any turn and the map of them (`t` on a selected message, or the
palette): driven with the keys a user presses, checked on the screen, the file and the
requests the server got."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot

from ollama_tui.domain.conversation import Conversation, Message, Role
from ollama_tui.store import SessionStore
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.dialogs.version_map import MapList, VersionMapScreen
from ollama_tui.ui.screens.help import HelpScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    current_view,
    notifications,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)


def saved(data_dir: Path, conversation_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(session_file(data_dir, conversation_id).read_text())
    return data


def cursor_on(dialog: VersionMapScreen) -> str:
    """The text of the turn the map's cursor is on."""
    return dialog.rows[dialog.query_one(MapList).highlighted or 0].message.content


def contents(messages: list[Message] | tuple[Message, ...]) -> list[str]:
    return [m.content for m in messages]


def sent(fake_ollama: FakeOllama) -> list[str]:
    """The contents of the messages the last chat request carried."""
    body = fake_ollama.requests_to("/api/chat")[-1].body
    return [m["content"] for m in body["messages"]]


async def select(pilot: Pilot[None], view: ChatView, content: str) -> None:
    """Shift+Tab (unless the transcript has focus), then Up until the turn that says
    `content` is selected."""
    if not view.transcript.has_focus:  # a read-only conversation starts there
        await pilot.press("shift+tab")
    await wait_until(lambda: view.transcript.has_focus)
    for _ in range(len(view.transcript.shown) + 1):
        if getattr(view.transcript.selected, "content", None) == content:
            return
        await pilot.press("up")
        await pilot.pause()
    raise AssertionError(f"no turn says {content!r}")


async def settled(view: ChatView, last: str) -> None:
    await wait_until(
        lambda: view.conversation.messages[-1].content == last and not view.is_streaming,
        message=f"{last!r} written",
    )


async def two_branches(pilot: Pilot[None], view: ChatView, fake_ollama: FakeOllama) -> None:
    """first/A1, second/A2; then A1 written again (B1), with third/A3 after it: the file
    holds a branch at the first reply, the later turns kept in its first version."""
    fake_ollama.script_reply("A1")
    await ask(pilot, view, "first")
    fake_ollama.script_reply("A2")
    await ask(pilot, view, "second")
    await select(pilot, view, "A1")
    fake_ollama.script_reply("B1")
    await pilot.press("r")
    await settled(view, "B1")
    await pilot.press("escape")
    await wait_until(lambda: view.composer.has_focus)
    fake_ollama.script_reply("A3")
    await ask(pilot, view, "third")


async def test_regenerating_an_earlier_reply_keeps_the_turns_after_it_as_a_version(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ready(app)
        fake_ollama.script_reply("A1")
        await ask(pilot, view, "first")
        fake_ollama.script_reply("A2")
        await ask(pilot, view, "second")
        await select(pilot, view, "A1")
        fake_ollama.script_reply("B1")
        await pilot.press("r")
        await settled(view, "B1")
        # The new reply was asked for with the history before the reply it replaces.
        assert sent(fake_ollama) == ["first"]
        assert contents(view.conversation.messages) == ["first", "B1"]
        await pilot.pause()
        assert "version 2 of 2" in screen_text(app)
        assert "second" not in screen_text(app)
        # The old reply is kept with the turns that followed it, in the file too.
        on_disk = saved(data_dir, view.conversation.id)["messages"]
        assert [m["content"] for m in on_disk] == ["first", "B1"]
        assert [m["content"] for m in on_disk[1]["alternatives"][0]] == ["A1", "second", "A2"]

        # Flipping back on that reply brings back the later turns as they were.
        await select(pilot, view, "B1")
        await pilot.press("left")
        await wait_until(lambda: len(view.conversation.messages) == 4)
        assert contents(view.transcript.shown) == ["first", "A1", "second", "A2"]


async def test_flipping_an_earlier_branch_keeps_the_branches_made_later_inside_it(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ready(app)
        await two_branches(pilot, view, fake_ollama)
        # Now a branch inside the second version: its last reply written again.
        await select(pilot, view, "A3")
        fake_ollama.script_reply("B3")
        await pilot.press("r")
        await settled(view, "B3")
        assert contents(view.conversation.messages) == ["first", "B1", "third", "B3"]
        # Flip the earlier branch to its first version, then back again: the later
        # branch is still there, showing the version it showed.
        await select(pilot, view, "B1")
        await pilot.press("left")
        await wait_until(lambda: contents(view.conversation.messages)[1] == "A1")
        assert contents(view.conversation.messages) == ["first", "A1", "second", "A2"]
        await pilot.press("right")
        await wait_until(lambda: contents(view.conversation.messages)[1] == "B1")
        assert contents(view.conversation.messages) == ["first", "B1", "third", "B3"]
        await pilot.pause()
        assert "version 2 of 2" in screen_text(app)
        await wait_until(
            lambda: (
                [m["content"] for m in saved(data_dir, view.conversation.id)["messages"]]
                == ["first", "B1", "third", "B3"]
            )
        )


async def test_the_map_shows_every_branch_and_enter_jumps_to_one_that_the_next_request_follows(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ready(app)
        await two_branches(pilot, view, fake_ollama)
        await select(pilot, view, "third")
        dialog = await press_for(pilot, "t", VersionMapScreen)
        await pilot.pause()
        text = screen_text(app)
        rows = text.splitlines()
        assert (
            "Map of versions" in text
            and "2 versions at 1 branch point" in text
            and "points" not in text
        )
        # Every turn of both versions, each with who wrote it, the one shown marked.
        for words in ("first", "A1", "second", "A2", "B1", "third", "A3"):
            assert any(words in row for row in rows), words
        marks = {w: row for row in rows for w in ("A2", "A3") if re.search(rf"\b{w}\b", row)}
        assert "○" in marks["A2"] and "●" in marks["A3"]
        assert "llama3.2:latest" in marks["A2"]
        # The cursor starts on the selected turn; ← goes to the other version's first
        # turn, Down to the turns after it, Enter jumps there.
        assert cursor_on(dialog) == "third"
        await pilot.press("left")
        await pilot.press("j", "j")
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, VersionMapScreen))
        await wait_until(lambda: contents(view.conversation.messages)[1] == "A1")
        assert contents(view.conversation.messages) == ["first", "A1", "second", "A2"]
        # The transcript shows that version, the turn jumped to selected.
        assert view.transcript.has_focus
        assert getattr(view.transcript.selected, "content", None) == "A2"
        await pilot.pause()
        assert "third" not in screen_text(app)
        await wait_until(
            lambda: (
                [m["content"] for m in saved(data_dir, view.conversation.id)["messages"]]
                == ["first", "A1", "second", "A2"]
            )
        )
        # The next prompt goes with that version's history only.
        await pilot.press("escape")
        await wait_until(lambda: view.composer.has_focus)
        fake_ollama.script_reply("A4")
        await ask(pilot, view, "fourth")
        assert sent(fake_ollama) == ["first", "A1", "second", "A2", "fourth"]


async def test_the_palette_opens_the_map_and_escape_closes_it_with_nothing_changed(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ready(app)
        await two_branches(pilot, view, fake_ollama)
        path = session_file(data_dir, view.conversation.id)
        before = (path.read_bytes(), os.stat(path).st_mtime_ns)
        await press_for(pilot, "ctrl+p", CommandPalette)
        await pilot.press(*"Map of versions")
        await wait_until(lambda: "Every version of this conversation" in screen_text(app))
        await pilot.press("enter")
        dialog = await _wait_for_map(pilot)
        # Opened with no turn selected: the cursor is on the last turn shown.
        assert cursor_on(dialog) == "A3"
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, VersionMapScreen))
        # Enter on a turn already shown selects it and writes nothing.
        await select(pilot, view, "B1")
        await press_for(pilot, "t", VersionMapScreen)
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, VersionMapScreen))
        await pilot.pause()
        assert getattr(view.transcript.selected, "content", None) == "B1"
        assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


async def _wait_for_map(pilot: Pilot[None]) -> VersionMapScreen:
    app = pilot.app
    await wait_until(lambda: isinstance(app.screen, VersionMapScreen), message="the map")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, VersionMapScreen)
    return screen


def _old_file(conversation_id: str) -> str:
    """A file as earlier releases wrote it: a prompt edited once (its first version kept in
    `alternatives`), a reply written by a model whose name and text are hostile."""

    def message(number: int, role: str, content: str, **fields: object) -> dict[str, object]:
        return {
            "id": f"01OLD{number:021d}",
            "role": role,
            "content": content,
            "created_at": "2026-11-24T18:15:00Z",
            **fields,
        }

    hostile = "\x1b]0;PWNED\x07[bold]x[/] \u202eevil\x9b2J"
    reply = {"status": "complete", "model": "llama3.2:latest", "thinking": ""}
    old = [
        message(1, "user", "Old question"),
        message(2, "assistant", f"Old answer {hostile}", **{**reply, "model": f"m[/]{hostile}"}),
    ]
    data = {
        "schema": "ollama-tui/session",
        "version": 1,
        "id": conversation_id,
        "title": "Edited once",
        "created_at": "2026-11-24T18:15:00Z",
        "updated_at": "2026-11-24T18:16:00Z",
        "settings": {"model": "llama3.2:latest", "options": {}},
        "messages": [
            message(3, "user", "New question", alternatives=[old], version=1),
            message(4, "assistant", "New answer", **reply),
        ],
    }
    return json.dumps(data, indent=2)


async def test_an_old_file_opens_its_map_unchanged_and_hostile_turns_are_drawn_inert(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    conversation_id = "01OLDFILE0000000000000000A"
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, mode=0o700)
    path = sessions / f"{conversation_id}.json"
    path.write_text(_old_file(conversation_id))
    path.chmod(0o600)
    (data_dir / "workspace.json").write_text(json.dumps({"open_tabs": [conversation_id]}))
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await wait_until(lambda: current_view(app).conversation.id == conversation_id)
        view = current_view(app)
        await select(pilot, view, "New question")
        await press_for(pilot, "t", VersionMapScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "Old question" in text and "New answer" in text
        # The hostile model name and text are shown as text: no escape, no markup.
        assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
        assert "PWNED" in text and "[bold]x[/]" in text and "m[/]" in text
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, VersionMapScreen))
        # Looking changes nothing: the file is not written.
        assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
        # Jumping to the old version shows it, and then the file is written, every
        # version still in it.
        await press_for(pilot, "t", VersionMapScreen)
        await pilot.press("up")  # from "New question" to the old reply above it
        await pilot.press("enter")
        await wait_until(lambda: contents(view.conversation.messages)[0] == "Old question")
        assert view.transcript.selected is not None
        assert view.transcript.selected.role is Role.ASSISTANT
        await wait_until(lambda: path.read_bytes() != before[0])
        on_disk = saved(data_dir, conversation_id)["messages"]
        assert on_disk[0]["content"] == "Old question"
        assert [m["content"] for m in on_disk[0]["alternatives"][0]] == [
            "New question",
            "New answer",
        ]


async def test_a_read_only_conversation_shows_another_version_and_is_never_written(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    conversation_id = "01NEWERFILE000000000000000"
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, mode=0o700)
    path = sessions / f"{conversation_id}.json"
    newer = json.loads(_old_file(conversation_id))
    newer["version"] = 2  # written by a newer release: opened read-only
    path.write_text(json.dumps(newer))
    path.chmod(0o600)
    (data_dir / "workspace.json").write_text(json.dumps({"open_tabs": [conversation_id]}))
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await wait_until(lambda: current_view(app).conversation.id == conversation_id)
        view = current_view(app)
        assert view.read_only_reason
        await select(pilot, view, "New question")
        await press_for(pilot, "t", VersionMapScreen)
        await pilot.press("up", "enter")
        await wait_until(lambda: contents(view.conversation.messages)[0] == "Old question")
        await pilot.pause()
        assert "Old question" in screen_text(app)
        assert not notifications(app)  # no failed save to report
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


async def test_jumping_to_a_summarised_turn_selects_the_line_of_its_summary(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    """A compacted conversation: the turns a summary stands for are drawn as its one line,
    so the map's jump to one of them selects that line; its own version is still reached."""
    conversation = Conversation(title="compacted and branched")
    conversation.settings.model = "llama3.2:latest"
    first = Message.user("first")
    old_reply = Message(role=Role.ASSISTANT, content="A1", model="llama3.2:latest")
    reply = Message(role=Role.ASSISTANT, content="B1", model="llama3.2:latest")
    reply.alternatives, reply.version = [[old_reply]], 1
    summary = Message(role=Role.SYSTEM, content="Notes so far.", summary_of=[first.id, reply.id])
    later = [Message.user("third"), Message(role=Role.ASSISTANT, content="A3")]
    conversation.messages += [first, reply, summary, *later]
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    (data_dir / "workspace.json").write_text(json.dumps({"open_tabs": [conversation.id]}))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await wait_until(lambda: current_view(app).conversation.id == conversation.id)
        view = current_view(app)
        await select(pilot, view, "third")
        dialog = await press_for(pilot, "t", VersionMapScreen)
        await pilot.press("up", "up", "up")  # past both versions of its reply
        assert cursor_on(dialog) == "first"
        await pilot.press("enter")
        await wait_until(lambda: getattr(view.transcript.selected, "id", None) == summary.id)
        assert contents(view.conversation.messages)[1] == "B1"
        # The version set aside before the summary is shown whole, nothing folded.
        dialog = await press_for(pilot, "t", VersionMapScreen)
        await pilot.press("k", "k", "k")  # from the last turn shown
        assert cursor_on(dialog) == "A1"
        await pilot.press("enter")
        await wait_until(lambda: contents(view.conversation.messages) == ["first", "A1"])
        assert getattr(view.transcript.selected, "id", None) == old_reply.id


def _unwrapped(text: str) -> str:
    """The screen's words in one line: a sentence wrapped over rows (and borders) reads whole."""
    return " ".join(text.replace("│", " ").split())


async def test_ctrl_r_writes_the_selected_reply_again_as_f1_and_the_palette_say(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        view = await ready(app)
        fake_ollama.script_reply("A1")
        await ask(pilot, view, "first")
        fake_ollama.script_reply("A2")
        await ask(pilot, view, "second")
        await select(pilot, view, "A1")
        await press_for(pilot, "f1", HelpScreen)
        await pilot.pause()
        text = _unwrapped(screen_text(app))
        # Ctrl+R, and R on the selected message.
        assert "Write the selected reply (else the last) again" in text
        assert "Write the selected reply (a prompt: the last reply) again" in text
        assert "Carry on the last reply where it was cut off or stopped (never an earlier" in text
        assert "Write the last reply again" not in text
        await pilot.press("escape")
        await wait_until(lambda: view.transcript.has_focus)
        await press_for(pilot, "ctrl+p", CommandPalette)
        await pilot.press(*"Regenerate reply")
        await wait_until(
            lambda: (
                "Write the selected reply (else the last) again; the old is kept"
                in screen_text(app)
            )
        )
        fake_ollama.script_reply("B1")
        await pilot.press("enter")
        await settled(view, "B1")
        # The selected reply was written again, from the history before it.
        assert sent(fake_ollama) == ["first"]
        assert contents(view.conversation.messages) == ["first", "B1"]
        # Ctrl+R with nothing selected: the last reply.
        await pilot.press("escape")
        await wait_until(lambda: view.composer.has_focus)
        fake_ollama.script_reply("C1")
        await pilot.press("ctrl+r")
        await settled(view, "C1")
        assert sent(fake_ollama) == ["first"]
        assert "version 3 of 3" in screen_text(app)
