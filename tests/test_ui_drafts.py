"""Unsent prompts (drafts) survive closing the tab, quitting and a kill; the workspace file
is merged per key, so two instances never undo each other's choices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ollama_tui.domain.conversation import ConversationSettings
from ollama_tui.services.workspace import Workspace
from ollama_tui.store import SessionStore, WorkspaceStore
from ollama_tui.ui.dialogs.basic import ConfirmDialog
from ollama_tui.ui.screens.conversations import ConversationsScreen
from tests.pilot import (
    MakeApp,
    ask,
    current_view,
    notified,
    press_for,
    quit_app,
    ready,
    screen_text,
    wait_until,
)


def _workspace_file(data_dir: Path) -> dict[str, Any]:
    path = data_dir / "workspace.json"
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    return data


async def test_a_draft_survives_quit_and_comes_back_in_the_composer(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await pilot.press(*"half a thought")
        await quit_app(pilot)
    again = make_app()
    async with again.run_test(size=(100, 30)) as pilot:
        await ready(again)
        view = current_view(again)
        await wait_until(lambda: view.composer.text == "half a thought")
        await pilot.pause()
        assert "half a thought" in screen_text(again)
        # Typing goes on where it stopped, and sending clears the draft for good.
        await ask(pilot, view, " finished")
        assert view.conversation.messages[0].content == "half a thought finished"
        await quit_app(pilot)
    assert _workspace_file(data_dir).get("drafts", {}) == {}


async def test_a_draft_is_saved_while_typing_so_a_kill_loses_a_moment_at_most(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await pilot.press(*"typed before a crash")
        await wait_until(
            lambda: (
                _workspace_file(data_dir).get("drafts", {}).get(view.conversation.id)
                == "typed before a crash"
            ),
            message="the draft in workspace.json without quitting",
        )
        assert view.conversation.id in _workspace_file(data_dir)["open_tabs"]


async def test_closing_a_saved_conversation_keeps_its_draft_for_when_it_is_reopened(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "first")
        conversation_id = view.conversation.id
        await pilot.press(*"second, not sent")
        await pilot.press("ctrl+w")
        await wait_until(
            lambda: all(v.conversation.id != conversation_id for v in app.chat_views())
        )
        assert notified(app, "kept")
        screen = await press_for(pilot, "ctrl+o", ConversationsScreen)
        await wait_until(lambda: screen.matches)
        await pilot.press("enter")
        await wait_until(lambda: current_view(app).conversation.id == conversation_id)
        await wait_until(lambda: current_view(app).composer.text == "second, not sent")


async def test_closing_a_new_tab_with_a_draft_asks_first(make_app: MakeApp, data_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await pilot.press(*"never sent")
        dialog = await press_for(pilot, "ctrl+w", ConfirmDialog)
        assert "never sent" in screen_text(app) or "unsent" in screen_text(app)
        await pilot.press("escape")  # no: the tab and its text stay
        await wait_until(lambda: not isinstance(app.screen, ConfirmDialog))
        assert view.is_attached and view.composer.text == "never sent"
        await press_for(pilot, "ctrl+w", ConfirmDialog)
        await pilot.press("enter")  # yes: closed, and the draft forgotten
        await wait_until(lambda: not view.is_attached)
        assert dialog is not None
    assert view.conversation.id not in _workspace_file(data_dir).get("drafts", {})


def test_two_instances_merge_the_workspace_file_per_key(data_dir: Path) -> None:
    def instance() -> Workspace:
        workspace = Workspace(SessionStore(data_dir), WorkspaceStore(data_dir))
        workspace.restore()
        return workspace

    first, second = instance(), instance()
    assert first.set_conversation_defaults(ConversationSettings(system="be brief")) is None
    assert first.remember_theme("nord") is None
    assert first.remember_draft("01FIRST", "first's draft") is None
    # The second quits with its stale copy: its tabs are saved, nothing of the first's lost.
    assert second.remember(["01SECOND"], "01SECOND", "qwen:7b", {"01SECOND": "mine"}) is None
    saved = _workspace_file(data_dir)
    assert saved["conversation_defaults"]["system"] == "be brief"
    assert saved["theme"] == "nord"
    assert saved["drafts"] == {"01FIRST": "first's draft", "01SECOND": "mine"}
    assert saved["open_tabs"] == ["01SECOND"]
    third = instance()
    assert third.theme == "nord"
    assert third.conversation_defaults().system == "be brief"
