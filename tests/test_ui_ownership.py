"""Nothing is lost to a file the app does not own outright, as a user meets it: a copied
session file, export and continue beside an open tab, a turn that could not be saved at
quit, and an export onto an existing file or symlink."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

from textual.pilot import Pilot

from ollama_tui.store import SessionStore
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.basic import ChoiceDialog, ConfirmDialog, TextDialog
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
    session_file,
    wait_until,
)


async def _browse(app: OllamaTuiApp, pilot: Pilot[None]) -> ConversationsScreen:
    screen = await press_for(pilot, "ctrl+o", ConversationsScreen)
    await wait_until(lambda: screen.matches, message="the saved conversations listed")
    return screen


async def _open(app: OllamaTuiApp, pilot: Pilot[None], title: str) -> None:
    screen = await _browse(app, pilot)
    await pilot.press(*title)
    await wait_until(lambda: [m.entry.title for m in screen.matches] == [title])
    await pilot.press("enter")
    await wait_until(lambda: current_view(app).conversation.title == title)


def _stamp(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


async def test_a_copied_session_file_is_saved_to_itself_never_to_the_original(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await ready(app)
        original = current_view(app).conversation
        await ask(pilot, current_view(app), "original")
        await quit_app(pilot)
    source = session_file(data_dir, original.id)
    data = json.loads(source.read_text())
    data["title"] = "Bcopy"  # cp B.json Bcopy.json, then told apart by its title
    session_file(data_dir, "Bcopy").write_text(json.dumps(data))
    before = _stamp(source)
    (data_dir / "workspace.json").unlink()
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await ready(app)
        await _open(app, pilot, "Bcopy")
        await ask(pilot, current_view(app), "only in the copy")
        # Another instance may write the original: the lock is on the copy.
        other = SessionStore(data_dir)
        assert other.load(original.id).read_only_reason is None
        assert other.load("Bcopy").read_only_reason is not None
        other.close()
    assert _stamp(source) == before
    copy = json.loads(session_file(data_dir, "Bcopy").read_text())
    assert copy["id"] == "Bcopy"
    assert [m["content"] for m in copy["messages"]][-2:] == [
        "only in the copy",
        "Echo: only in the copy",
    ]


async def test_export_and_continue_leave_the_open_tabs_lock_in_place(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "kept")
        await _browse(app, pilot)
        await press_for(pilot, "ctrl+e", TextDialog)
        await pilot.press("ctrl+u", *str(tmp_path / "out.md"), "enter")
        await wait_until(lambda: (tmp_path / "out.md").exists())
        await _browse(app, pilot)
        await pilot.press("ctrl+k")
        await wait_until(lambda: current_view(app).conversation.title == "kept (continued)")
        other = SessionStore(data_dir)
        reason = other.load(view.conversation.id).read_only_reason
        other.close()
        assert reason is not None and "another ollama-tui instance" in reason
        await pilot.press("alt+1")
        await wait_until(lambda: current_view(app) is view)
        await ask(pilot, view, "still mine")
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert saved["messages"][-1]["content"] == "Echo: still mine"


async def _unsaved_turn(
    app: OllamaTuiApp, pilot: Pilot[None], data_dir: Path, tmp_path: Path
) -> Path:
    """A conversation whose file became a symlink behind the app's back: the next turn
    cannot be saved."""
    view = await ready(app)
    await ask(pilot, view, "saved turn")
    path = session_file(data_dir, view.conversation.id)
    elsewhere = tmp_path / "elsewhere.json"
    shutil.move(path, elsewhere)
    path.symlink_to(elsewhere)
    await ask(pilot, view, "unsaved turn")
    await wait_until(lambda: "not saved" in str(app.tabs.get_tab(app.tabs.active).label))
    await pilot.pause()
    assert "(not saved)" in screen_text(app)
    return elsewhere


async def test_an_unsaved_turn_marks_its_tab_and_quit_offers_to_save_it_anew(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        elsewhere = await _unsaved_turn(app, pilot, data_dir, tmp_path)
        before = _stamp(elsewhere)
        await pilot.press("ctrl+q")
        await wait_until(lambda: isinstance(app.screen, ChoiceDialog))
        text = screen_text(app)
        assert "could not be saved" in text and "saved turn" in text
        await pilot.press("escape")  # stay: nothing quits
        await wait_until(lambda: not isinstance(app.screen, ChoiceDialog))
        assert app.return_code is None
        await pilot.press("ctrl+q")
        await wait_until(lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("s")
        await wait_until(lambda: app.return_code is not None, message="quit after saving")
    assert _stamp(elsewhere) == before  # the symlink's file is never written
    copies = [
        json.loads(path.read_text())
        for path in (data_dir / "sessions").glob("*.json")
        if not path.is_symlink()
    ]
    assert [[m["content"] for m in c["messages"]] for c in copies] == [
        ["saved turn", "Echo: saved turn", "unsaved turn", "Echo: unsaved turn"]
    ]


async def test_quit_anyway_leaves_without_saving(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await _unsaved_turn(app, pilot, data_dir, tmp_path)
        await pilot.press("ctrl+q")
        await wait_until(lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("q")
        await wait_until(lambda: app.return_code is not None)
    assert [p for p in (data_dir / "sessions").glob("*.json") if not p.is_symlink()] == []


async def test_export_asks_before_replacing_and_keeps_mode_and_symlink(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "notes.md"
    existing.write_text("the user's own notes")
    existing.chmod(0o644)
    link = tmp_path / "link.md"
    link.symlink_to(existing)
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await ready(app)
        await ask(pilot, current_view(app), "exported")
        for answer in ("escape", "enter"):
            await _browse(app, pilot)
            await press_for(pilot, "ctrl+e", TextDialog)
            await pilot.press("ctrl+u", *str(link), "enter")
            await wait_until(lambda: isinstance(app.screen, ConfirmDialog))
            assert "link.md" in screen_text(app) and "Replace" in screen_text(app)
            await pilot.press(answer)
            await wait_until(lambda: not isinstance(app.screen, ConfirmDialog))
            if answer == "escape":
                assert existing.read_text() == "the user's own notes"
                assert notified(app, "Not exported")
        await wait_until(lambda: "exported" in existing.read_text())
    assert link.is_symlink() and os.readlink(link) == str(existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644
    assert existing.read_text().startswith('---\ntitle: "exported"')


async def test_closing_an_unsaved_tab_asks_as_quit_does(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await _unsaved_turn(app, pilot, data_dir, tmp_path)
        view = current_view(app)
        await pilot.press("ctrl+w")
        await wait_until(lambda: isinstance(app.screen, ChoiceDialog))
        assert "could not be saved" in screen_text(app)
        await pilot.press("escape")  # back: the tab stays
        await wait_until(lambda: not isinstance(app.screen, ChoiceDialog))
        assert view.is_attached
        await pilot.press("ctrl+w")
        await wait_until(lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("s")
        await wait_until(lambda: not view.is_attached, message="the tab closed after saving")
        assert notified(app, "(saved copy)")
        await quit_app(pilot)
    copies = [p for p in (data_dir / "sessions").glob("*.json") if not p.is_symlink()]
    assert len(copies) == 1
    assert json.loads(copies[0].read_text())["messages"][-1]["content"] == "Echo: unsaved turn"


async def test_a_symlinked_session_opens_read_only_saying_why(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "linked")
        await quit_app(pilot)
    path = session_file(data_dir, view.conversation.id)
    elsewhere = tmp_path / "elsewhere.json"
    shutil.move(path, elsewhere)
    path.symlink_to(elsewhere)
    (data_dir / "workspace.json").unlink()
    before = _stamp(elsewhere)
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await ready(app)
        await _open(app, pilot, "linked")
        await pilot.pause()
        assert "Read-only: the file is a symbolic link" in screen_text(app)
        assert current_view(app).composer.disabled
        await quit_app(pilot)
    assert _stamp(elsewhere) == before and path.is_symlink()
