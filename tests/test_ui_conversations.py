"""The saved-conversations browser (Ctrl+O) on a real data dir."""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from ollama_tui.domain.clock import relative_time
from ollama_tui.domain.conversation import Conversation, Message, MessageStatus
from ollama_tui.store import SessionStore
from ollama_tui.ui import app as app_module
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.basic import ConfirmDialog, TextDialog
from ollama_tui.ui.screens.conversations import ConversationsScreen
from ollama_tui.ui.widgets.entry_list import EntryList
from tests.pilot import (
    MakeApp,
    current_view,
    drawn,
    frames_written,
    last_reply,
    notified,
    press_for,
    ready,
    screen_strips,
    screen_text,
    session_file,
    wait_until,
)


def _save(data_dir: Path, title: str, reply: str, *, year: int = 2026) -> Conversation:
    conversation = Conversation(title=title)
    conversation.settings.model = "llama3.2:latest"
    conversation.messages.append(Message.user(f"about {title}"))
    answer = Message.assistant("llama3.2:latest")
    answer.content = reply
    answer.status = MessageStatus.COMPLETE
    conversation.messages.append(answer)
    conversation.updated_at = conversation.updated_at.replace(year=year)
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    return conversation


async def _browse(app: OllamaTuiApp, pilot: Pilot[None]) -> ConversationsScreen:
    await ready(app)
    screen = await press_for(pilot, "ctrl+o", ConversationsScreen)
    assert isinstance(screen, ConversationsScreen)
    await wait_until(lambda: screen.matches or "No saved" in screen_text(app))
    return screen


async def test_the_frame_that_first_shows_the_browser_shows_the_list(
    make_app: MakeApp, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not an empty browser first and its list a frame later (a fifth of a first Ctrl+O)."""
    _save(data_dir, "Quokka notes", "reply")
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await ready(app)
        await wait_until(lambda: bool(app.backend.library.entries), message="listed at start")
        frames = frames_written(app, monkeypatch)
        await press_for(pilot, "ctrl+o", ConversationsScreen)
        await wait_until(lambda: "Quokka notes" in screen_text(app))
        shown = [frame for frame in frames if "Saved conversations" in frame]
        assert shown and "Quokka notes" in shown[0]


async def test_lists_newest_first_and_finds_words_deep_inside_replies(
    make_app: MakeApp, data_dir: Path
) -> None:
    old = _save(
        data_dir,
        "Old SQL chat",
        "Use a LEFT JOIN when rows may be missing. " * 20 + "The secret word is xylophone.",
        year=2020,
    )
    new = _save(data_dir, "Newer chat", "Nothing special here.")
    (data_dir / "sessions" / "stray.json").write_text('{"not": "ours"}')
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await _browse(app, pilot)
        ids = [m.entry.id for m in screen.matches]
        assert ids[:2] == [new.id, old.id]
        text = screen_text(app)
        assert "Newer chat" in text and "llama3.2:latest" in text and "2 messages" in text
        assert "stray.json" in text and "not an ollama-tui session" in text
        await pilot.press(*"xylo")
        await wait_until(lambda: [m.entry.id for m in screen.matches] == [old.id])
        assert screen.matches[0].in_messages
        await pilot.pause()
        assert "secret word is xylophone" in screen_text(app)
        await pilot.press("enter")
        await wait_until(lambda: current_view(app).conversation.id == old.id)
        view = current_view(app)
        await pilot.pause()
        assert "xylophone" in drawn(view, last_reply(view))
        # Opening it again focuses the same tab.
        await pilot.press("ctrl+n")
        screen = await _browse(app, pilot)
        await pilot.press(*"xylo")
        await wait_until(lambda: [m.entry.id for m in screen.matches] == [old.id])
        await pilot.press("enter")
        await wait_until(
            lambda: current_view(app).conversation.id == old.id,
            message=f"the old tab active; screen={app.screen!r} views={app.chat_views()!r} "
            f"active={app.tabs.active!r}",
        )
        assert sum(v.conversation.id == old.id for v in app.chat_views()) == 1


async def test_rename_updates_the_file_and_the_open_tab(make_app: MakeApp, data_dir: Path) -> None:
    conversation = _save(data_dir, "Before", "text")
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await _browse(app, pilot)
        await pilot.press("enter")
        await wait_until(lambda: current_view(app).conversation.id == conversation.id)
        screen = await _browse(app, pilot)
        await press_for(pilot, "f2", TextDialog)
        await pilot.press(*"[bold]After[/]", "enter")
        await wait_until(lambda: isinstance(app.screen, ConversationsScreen))
        await wait_until(lambda: screen.matches and screen.matches[0].entry.title != "Before")
        await pilot.press("escape")
        assert "[bold]After[/]" in str(app.tabs.get_tab(app.tabs.active).label)
    saved = json.loads(session_file(data_dir, conversation.id).read_text())
    assert saved["title"] == "[bold]After[/]"


async def _confirm(pilot: Pilot[None], key: str, answer: str = "enter") -> None:
    """Press an action that asks first, then answer the question."""
    await press_for(pilot, key, ConfirmDialog)
    await pilot.press(answer)


async def test_delete_moves_to_the_trash_and_undo_brings_it_back(
    make_app: MakeApp, data_dir: Path
) -> None:
    conversation = _save(data_dir, "Doomed", "text")
    path = session_file(data_dir, conversation.id)
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await _browse(app, pilot)
        await pilot.press("enter")  # open it first: deleting must close its tab
        await wait_until(lambda: current_view(app).conversation.id == conversation.id)
        screen = await _browse(app, pilot)
        await press_for(pilot, "ctrl+d", ConfirmDialog)
        assert "Doomed" in screen_text(app)
        await pilot.press("enter")
        await wait_until(lambda: not path.exists())
        await wait_until(lambda: not screen.matches)
        assert (data_dir / "trash" / path.name).exists()
        assert all(v.conversation.id != conversation.id for v in app.chat_views())
        await pilot.press("ctrl+z")
        await wait_until(lambda: path.exists())
        await wait_until(lambda: len(screen.matches) == 1)
        # Delete again, then look in the trash, restore from there, and empty it.
        await _confirm(pilot, "ctrl+d")
        await wait_until(lambda: not path.exists())
        await pilot.press("ctrl+t")
        await wait_until(lambda: screen.showing_trash and len(screen.matches) == 1)
        assert "Trash" in screen_text(app)
        await _confirm(pilot, "ctrl+x", "escape")  # not confirmed: nothing is removed
        assert (data_dir / "trash" / path.name).exists()
        await pilot.press("enter")  # restore
        await wait_until(lambda: path.exists())
        await wait_until(lambda: not screen.matches)
        await pilot.press("ctrl+t")
        await wait_until(lambda: not screen.showing_trash and len(screen.matches) == 1)
        await _confirm(pilot, "ctrl+d")
        await wait_until(lambda: not path.exists())
        await pilot.press("ctrl+t")
        await wait_until(lambda: screen.showing_trash and len(screen.matches) == 1)
        await _confirm(pilot, "ctrl+x")
        await wait_until(lambda: not (data_dir / "trash" / path.name).exists())


async def test_export_writes_markdown_where_asked(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    _save(data_dir, "Exported", "```python\nprint('hi')\n```")
    target = tmp_path / "out.md"
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await _browse(app, pilot)
        dialog = await press_for(pilot, "ctrl+e", TextDialog)
        dialog.query_one("#answer", Input).value = str(target)
        await pilot.press("enter")
        await wait_until(lambda: target.exists())
    text = target.read_text()
    assert text.startswith('---\ntitle: "Exported"')
    assert "```python\nprint('hi')\n```" in text


async def test_continue_in_a_new_conversation(make_app: MakeApp, data_dir: Path) -> None:
    original = _save(data_dir, "Base", "the base reply")
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await _browse(app, pilot)
        await pilot.press("ctrl+k")
        await wait_until(lambda: current_view(app).conversation.title == "Base (continued)")
        copy = current_view(app).conversation
        assert copy.id != original.id
        assert [m.content for m in copy.messages] == ["about Base", "the base reply"]
        await pilot.press(*"next question", "enter")
        await wait_until(lambda: len(copy.messages) == 4 and not current_view(app).is_streaming)
    assert len(json.loads(session_file(data_dir, original.id).read_text())["messages"]) == 2
    assert len(json.loads(session_file(data_dir, copy.id).read_text())["messages"]) == 4


async def test_files_written_behind_the_apps_back_appear(make_app: MakeApp, data_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await _browse(app, pilot)
        assert not screen.matches
        await pilot.press("escape")
        later = _save(data_dir, "From another instance", "hello")
        screen = await _browse(app, pilot)
        await wait_until(lambda: _ids(screen) == [later.id])


def test_relative_times() -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    assert relative_time(now - timedelta(seconds=5), now) == "just now"
    assert relative_time(now - timedelta(minutes=5), now) == "5 min ago"
    assert relative_time(now - timedelta(hours=3), now) == "3 h ago"
    assert relative_time(now - timedelta(days=1), now) == "1 day ago"
    assert relative_time(now - timedelta(days=30), now) == "4 weeks ago"
    assert relative_time(now - timedelta(days=400), now).startswith("2025-")


def _ids(screen: ConversationsScreen) -> list[str]:
    return [match.entry.id for match in screen.matches]


SEARCH_INDEX_FILES = ("search.sqlite3", "search.sqlite3-wal", "search.sqlite3-shm")


async def _found_then_deleted(
    app: OllamaTuiApp, pilot: Pilot[None], data_dir: Path, deep: Conversation, *caches: str
) -> None:
    """Find `deep` by a word of its reply (through the search index), leave the screen, and
    delete `caches` while the app runs."""
    screen = await _browse(app, pilot)
    await pilot.press(*"zanzib")
    await wait_until(lambda: _ids(screen) == [deep.id], message="found through the index")
    await pilot.press("escape")
    for cache in caches:
        (data_dir / cache).unlink(missing_ok=True)


async def test_the_search_index_is_rebuilt_when_deleted_or_behind_the_apps_back(
    make_app: MakeApp, data_dir: Path
) -> None:
    deep = _save(data_dir, "Deep", "Filler. " * 500 + "The answer is zanzibarine.")
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        # Both caches deleted while the app runs: nothing is lost, they are built again.
        await _found_then_deleted(app, pilot, data_dir, deep, "index.json", *SEARCH_INDEX_FILES)
        # Another instance saves a conversation, and rewrites the old one without the word.
        other = _save(data_dir, "Other", "It mentions zanzibarine too.")
        deep.messages[-1].content = "Rewritten elsewhere."
        store = SessionStore(data_dir)
        store.save(deep)
        store.close()
        screen = await _browse(app, pilot)
        await pilot.press(*"zanzib")
        await wait_until(lambda: _ids(screen) == [other.id], message="the index follows files")
    assert (data_dir / "search.sqlite3").exists()
    assert (data_dir / "search.sqlite3").stat().st_mode & 0o777 == 0o600


async def test_a_search_shown_follows_the_index_the_app_brought_up_to_date_meanwhile(
    make_app: MakeApp, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app indexes at start-up on its own worker. When that sync ends while the browser
    shows a search, the browser's own check finds the work done; the results follow anyway."""
    monkeypatch.setattr(app_module, "INDEX_DELAY", 3600.0)  # fired below instead, in order
    deep = _save(data_dir, "Deep", "The answer is zanzibarine.")
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await _browse(app, pilot)
        await pilot.press(*"zanzib")
        await wait_until(lambda: _ids(screen) == [deep.id], message="found through the index")
        other = _save(data_dir, "Other", "It mentions zanzibarine too.")  # another instance
        app.index_conversations()  # the start-up timer firing now
        await wait_until(
            lambda: _ids(screen) == [other.id, deep.id], message="the results follow the index"
        )
        assert "2 of 2 conversations" in screen_text(app)
        assert "indexing" not in screen_text(app)


async def test_a_search_index_deleted_with_nothing_else_changed_is_built_again(
    make_app: MakeApp, data_dir: Path
) -> None:
    deep = _save(data_dir, "Deep", "Filler. " * 50 + "The answer is zanzibarine.")
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await _found_then_deleted(app, pilot, data_dir, deep, *SEARCH_INDEX_FILES)
        # Opened again, a search runs before the index is built again.
        screen = await press_for(pilot, "ctrl+o", ConversationsScreen)
        await pilot.press("x")  # replaces the last search, which stays selected
        await wait_until(lambda: "Nothing matches 'x'." in screen_text(app))
        await pilot.press("backspace", *"zanzib")
        await wait_until(lambda: _ids(screen) == [deep.id], message="found again")
        assert "1 of 1 conversation" in screen_text(app)


async def test_a_corrupt_index_is_replaced(make_app: MakeApp, data_dir: Path) -> None:
    deep = _save(data_dir, "Deep", "The word is quetzalcoatlus.")
    (data_dir / "search.sqlite3").write_bytes(b"this is not a database" * 100)
    (data_dir / "index.json").write_text("{broken")
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await _browse(app, pilot)
        await pilot.press(*"quetzal")
        await wait_until(lambda: _ids(screen) == [deep.id])
        assert "titles only" not in screen_text(app)


async def test_conversations_held_elsewhere_or_newer_open_read_only(
    make_app: MakeApp, data_dir: Path
) -> None:
    held = _save(data_dir, "Held elsewhere", "reply one")
    newer = _save(data_dir, "From the future", "reply two", year=2027)
    path = session_file(data_dir, newer.id)
    data = json.loads(path.read_text())
    data["version"] = 99
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    other_instance = SessionStore(data_dir)
    other_instance.load(held.id)  # takes the lock, as a second running app would
    app = make_app()
    try:
        async with app.run_test(size=(110, 36)) as pilot:
            for conversation, reason in ((held, "another ollama-tui"), (newer, "newer version")):
                browser = await _browse(app, pilot)
                await wait_until(lambda c=conversation, b=browser: c.id in _ids(b))
                browser.query_one(EntryList).cursor = _ids(browser).index(conversation.id)
                await pilot.press("enter")
                # Its tab comes to the front even though its composer cannot take the focus.
                await wait_until(lambda c=conversation: current_view(app).conversation.id == c.id)
                view = current_view(app)
                assert view.read_only_reason and reason in view.read_only_reason
                assert view.composer.disabled
                await wait_until(lambda r=reason: "Read-only" in screen_text(app))
                assert "(read-only)" in str(app.tabs.get_tab(app.tabs.active).label)
    finally:
        other_instance.close()
    assert path.read_bytes() == before


async def test_an_unreadable_file_is_listed_with_its_reason_and_left_alone(
    make_app: MakeApp, data_dir: Path
) -> None:
    SessionStore(data_dir).close()
    broken = data_dir / "sessions" / "01JBROKEN0000000000000000.json"
    broken.write_bytes(b'{"version": 1, "id": "01JBROKEN0000000000000000", "messages": [')
    before = broken.read_bytes()
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await _browse(app, pilot)
        await wait_until(lambda: "unreadable" in screen_text(app))
        assert broken.name in screen_text(app)
        await pilot.press("enter")
        await wait_until(lambda: notified(app, "cannot be opened"))
        assert isinstance(app.screen, ConversationsScreen)
        for key in ("f2", "ctrl+d", "ctrl+e"):  # nothing applies to it
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ConversationsScreen)
    assert broken.read_bytes() == before


async def test_thousands_of_entries_scroll_by_keyboard(make_app: MakeApp, data_dir: Path) -> None:
    store = SessionStore(data_dir)
    saved = []
    for number in range(300):
        conversation = Conversation(title=f"Conversation number {number:03}")
        conversation.updated_at = conversation.updated_at.replace(minute=number % 60)
        store.save(conversation)
        store.release(conversation.id)
        saved.append(conversation)
    store.close()
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await _browse(app, pilot)
        await wait_until(lambda: len(screen.matches) == 300)
        rows = screen.query_one(EntryList)
        await pilot.press("ctrl+end")
        assert rows.cursor == 299
        last = screen.matches[299].entry
        await wait_until(lambda: last.title in screen_text(app), message="scrolled to the end")
        await pilot.press("pageup", "down", "ctrl+home")
        assert rows.cursor == 0
        await pilot.press("pagedown", "down")
        chosen = screen.matches[rows.cursor].entry
        assert rows.cursor > 2
        await pilot.press("enter")
        await wait_until(lambda: current_view(app).conversation.id == chosen.id)


async def _search(app: OllamaTuiApp, pilot: Pilot[None], typed: str) -> list[str]:
    screen = await _browse(app, pilot)
    await pilot.press(*typed)
    await wait_until(lambda: len(screen.matches) == 1, message=f"one match for {typed!r}")
    await pilot.pause()
    return screen_text(app).splitlines()


async def test_a_match_with_other_accents_and_case_shows_its_snippet(
    make_app: MakeApp, data_dir: Path
) -> None:
    _save(data_dir, "Breakfast", "Meet me at the CAFÉ Straße corner for a croissant.")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await _search(app, pilot, "cafe")
        snippet = next((row for row in rows if "corner" in row), None)
        assert snippet is not None and "Meet me at the CAFÉ Straße corner" in snippet
        # The word found is marked where it is, accents and all.
        marked = [
            segment.text
            for strip in screen_strips(app)
            for segment in strip
            if segment.style and segment.style.reverse
        ]
        assert "CAFÉ" in marked


async def test_a_cjk_match_shows_its_snippet_within_the_row(
    make_app: MakeApp, data_dir: Path
) -> None:
    before = "我们在讨论很多不相关的事情" * 4
    _save(data_dir, "Travel", f"{before}東京\nタワーに行きました。それから")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await _search(app, pilot, "東京タワー")
        # Found across the line break, as the index matches it, and within the 80 columns
        # (each of these characters takes two).
        snippet = next((row for row in rows if "東京" in row and "…" in row), None)
        assert snippet is not None and "東京 タワー" in snippet


async def test_export_to_a_folder_is_refused_in_words_and_the_app_goes_on(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    _save(data_dir, "Exported", "a reply")
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        for folder in ("/", "."):
            await _browse(app, pilot)
            await press_for(pilot, "ctrl+e", TextDialog)
            await pilot.press("end", "ctrl+u", *folder, "enter")
            await wait_until(
                lambda folder=folder: notified(
                    app, "Not exported: that is a folder: name a file to write"
                ),
                message=f"the refusal of {folder}",
            )
            assert isinstance(app.screen, ConversationsScreen)  # no question, still running
            app.clear_notifications()
            await pilot.press("escape")


async def test_at_80_columns_a_row_keeps_its_date_when_many_models_wrote_it(
    make_app: MakeApp, data_dir: Path
) -> None:
    conversation = Conversation(title="Compared")
    for model in ("qwen2.5-coder:32b-instruct-q8_0", "llama3.1:70b-instruct-q4_K_M", "phi4"):
        conversation.messages.append(Message.user(f"ask {model}"))
        answer = Message.assistant(model)
        answer.content, answer.status = "answer", MessageStatus.COMPLETE
        conversation.messages.append(answer)
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _browse(app, pilot)
        await pilot.pause()
        rows = screen_text(app).splitlines()
        facts = rows[next(i for i, row in enumerate(rows) if "Compared" in row) + 1]
        absolute = conversation.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        assert absolute in facts and "6 messages" in facts, facts
        assert "qwen2.5-coder" in facts and "…" in facts, facts  # the models give way


async def test_keys_are_handled_while_a_delete_waits_for_a_slow_disk(
    make_app: MakeApp, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _save(data_dir, "Apple pie", "crust")
    _save(data_dir, "Banana bread", "loaf")
    disk = threading.Event()
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await _browse(app, pilot)
        library = app.backend.library
        move = library.delete

        def slow_delete(session_id: str) -> None:
            disk.wait(timeout=10)  # a disk that takes its time (on the loop, it froze the app)
            move(session_id)

        monkeypatch.setattr(library, "delete", slow_delete)
        await _confirm(pilot, "ctrl+d")
        await wait_until(lambda: "to the trash…" in screen_text(app), message="under way")
        await pilot.press(*"bread")
        await wait_until(lambda: "1 of 2" in screen_text(app), message="typed while it waits")
        assert len(list((data_dir / "sessions").glob("*.json"))) == 2
        disk.set()
        await wait_until(lambda: notified(app, "to the trash. Ctrl+Z undoes it"), message="done")
        assert len(screen.matches) <= 1


async def _delete_the_open_one_then_draw(
    app: OllamaTuiApp,
    pilot: Pilot[None],
    data_dir: Path,
    draw: Callable[[], Awaitable[object]],
) -> ConversationsScreen:
    """Open a conversation in a tab, delete it from the browser with the keys a user
    presses, then `draw` while the chat screen behind the browser still has its layout
    from before the tab closed.

    That screen lays itself out again on its own refresh timer; the browser draws it
    through its translucent background on the browser's. Under load the browser's draw
    came first, and it drew the closed tab's composer, already out of the DOM and its
    component styles with it: `KeyError: 'text-area--gutter'`. Holding the redraws in a
    batch keeps that moment open for as long as the test needs it."""
    conversation = _save(data_dir, "Doomed", "text")
    path = session_file(data_dir, conversation.id)
    await _browse(app, pilot)
    await pilot.press("enter")  # open it first: deleting must close its tab
    await wait_until(lambda: current_view(app).conversation.id == conversation.id)
    screen = await _browse(app, pilot)
    await press_for(pilot, "ctrl+d", ConfirmDialog)
    with app.batch_update():
        await pilot.press("enter")
        # The file moves once the tab is closed: its widgets are out of the DOM by then.
        await wait_until(lambda: not path.exists(), message="moved to the trash")
        assert all(view.conversation.id != conversation.id for view in app.chat_views())
        await draw()
    await wait_until(lambda: not screen.matches, message="the list without it")
    assert app.return_code is None
    await pilot.press("escape")
    await wait_until(lambda: not isinstance(app.screen, ConversationsScreen))
    assert app.tabs.tab_count == 1
    assert current_view(app).conversation.id != conversation.id
    return screen


async def test_deleting_the_open_conversation_draws_the_chat_screen_behind_the_browser(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()

    async def draw() -> None:
        app.export_screenshot()  # the browser over the chat screen, as a frame draws it

    async with app.run_test(size=(110, 36)) as pilot:
        await _delete_the_open_one_then_draw(app, pilot, data_dir, draw)


async def test_a_theme_chosen_with_the_browser_open_after_a_delete_draws(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()

    async def draw() -> None:
        # A theme lays out and draws the top screen at once, the chat screen behind it as
        # it is.
        app.theme = "ollama-16" if app.theme != "ollama-16" else "ollama-dark"
        await pilot.pause()
        assert app.return_code is None

    async with app.run_test(size=(110, 36)) as pilot:
        await _delete_the_open_one_then_draw(app, pilot, data_dir, draw)
