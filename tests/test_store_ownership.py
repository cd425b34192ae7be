"""Files the app does not own outright: copies, symlinks, trash collisions, hostile strings,
and locks that other paths (export, continue, rename) must never let go of."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ollama_tui.domain.conversation import Conversation, Message, MessageStatus
from ollama_tui.services.library import ConversationLibrary
from ollama_tui.store import SessionStore


def _conversation(title: str = "B") -> Conversation:
    conversation = Conversation(title=title)
    conversation.settings.model = "llama3.2:latest"
    conversation.messages.append(Message.user(f"about {title}"))
    reply = Message.assistant("llama3.2:latest")
    reply.content = "a reply"
    reply.status = MessageStatus.COMPLETE
    conversation.messages.append(reply)
    return conversation


def _saved(data_dir: Path, title: str = "B") -> Conversation:
    store = SessionStore(data_dir)
    conversation = _conversation(title)
    store.save(conversation)
    store.close()
    return conversation


def _stamp(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_a_copied_file_is_its_own_conversation_named_by_its_file(tmp_path: Path) -> None:
    original = _saved(tmp_path)
    sessions = tmp_path / "sessions"
    shutil.copy(sessions / f"{original.id}.json", sessions / "Bcopy.json")
    before = _stamp(sessions / f"{original.id}.json")
    store = SessionStore(tmp_path)
    summaries, _ = store.list_sessions()
    assert sorted(s.id for s in summaries) == sorted([original.id, "Bcopy"])
    loaded = store.load("Bcopy")
    assert loaded.read_only_reason is None
    copy = loaded.conversation
    assert copy.id == "Bcopy"
    copy.messages.append(Message.user("only in the copy"))
    store.save(copy)
    assert _stamp(sessions / f"{original.id}.json") == before
    saved = json.loads((sessions / "Bcopy.json").read_text())
    assert saved["id"] == "Bcopy" and saved["messages"][-1]["content"] == "only in the copy"
    # The lock is on the copy, not on the original.
    other = SessionStore(tmp_path)
    assert other.load(original.id).read_only_reason is None
    assert other.load("Bcopy").read_only_reason is not None
    store.close()
    other.close()


@pytest.mark.parametrize("action", ["export", "duplicate", "rename"])
def test_library_actions_never_release_a_lock_a_tab_holds(tmp_path: Path, action: str) -> None:
    conversation = _saved(tmp_path)
    store = SessionStore(tmp_path)
    assert store.load(conversation.id).read_only_reason is None  # the open tab's lock
    library = ConversationLibrary(store)
    if action == "export":
        library.export_to(conversation.id, tmp_path / "out.md")
    elif action == "duplicate":
        library.duplicate(conversation.id)
    else:
        library.rename(conversation.id, "renamed")
    other = SessionStore(tmp_path)
    reason = other.load(conversation.id).read_only_reason
    assert reason is not None and "another ollama-tui instance" in reason
    store.close()
    other.close()


def test_a_symlinked_session_opens_read_only_with_the_reason(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    store = SessionStore(tmp_path / "data")
    conversation = _conversation()
    target.write_text(json.dumps(conversation.to_json_dict()))
    store.path_for(conversation.id).symlink_to(target)
    loaded = store.load(conversation.id)
    assert loaded.read_only_reason is not None and "symbolic link" in loaded.read_only_reason
    assert loaded.conversation.messages[0].content == "about B"
    store.close()


def test_moving_to_the_trash_never_overwrites_what_is_there(tmp_path: Path) -> None:
    conversation = _saved(tmp_path)
    trash = tmp_path / "trash"
    trash.mkdir(mode=0o700)
    earlier = trash / f"{conversation.id}.json"
    earlier.write_text("an earlier conversation with that id")
    store = SessionStore(tmp_path)
    moved = store.move_to_trash(conversation.id)
    assert earlier.read_text() == "an earlier conversation with that id"
    assert moved != earlier and json.loads(moved.read_text())["title"] == "B"
    assert not store.exists(conversation.id)
    assert len(store.trashed_ids()) == 2
    store.close()


_SURROGATE_SESSION = (
    '{"schema": "ollama-tui/session", "version": 1, "id": "x", "title": "bad \\ud800 title",'
    ' "messages": [{"role": "user", "content": "lone \\udfff here"},'
    ' {"role": "assistant", "content": "pair \\ud83d\\ude00 kept", "status": "complete"}]}'
)


def test_lone_surrogates_are_repaired_where_they_enter(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir(parents=True)
    path = sessions / "01SURROGATE.json"
    path.write_text(_SURROGATE_SESSION)
    before = _stamp(path)
    store = SessionStore(tmp_path)
    summaries, unreadable = store.list_sessions()
    assert unreadable == []
    assert [s.title for s in summaries] == ["bad \ufffd title"]
    conversation = store.load("01SURROGATE").conversation
    assert conversation.messages[0].content == "lone \ufffd here"
    assert conversation.messages[1].content == "pair \U0001f600 kept"
    library = ConversationLibrary(store)
    library.refresh()
    library.update_index()
    assert library.index.progress.problem is None
    assert [m.entry.id for m in library.search("lone")] == ["01SURROGATE"]
    # A hostile summary index is repaired the same way.
    index = tmp_path / "index.json"
    record = json.loads(index.read_text())
    record["files"]["01SURROGATE.json"]["summary"]["title"] = "\ud800"
    index.write_text(json.dumps(record))
    assert [s.title for s in SessionStore(tmp_path).list_sessions()[0]] == ["\ufffd"]
    store.close()
    assert _stamp(path) == before


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ollama_tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_the_cli_lists_and_exports_a_file_with_surrogates(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir(parents=True)
    (sessions / "01SURROGATE.json").write_text(_SURROGATE_SESSION)
    listed = _cli("--data-dir", str(tmp_path), "list")
    assert listed.returncode == 0, listed.stderr
    assert "bad \ufffd title" in listed.stdout and "Traceback" not in listed.stderr
    exported = _cli("--data-dir", str(tmp_path), "export", "01SURROGATE")
    assert exported.returncode == 0, exported.stderr
    assert "lone \ufffd here" in exported.stdout
    imported = _cli(
        "--data-dir", str(tmp_path / "other"), "import", str(sessions / "01SURROGATE.json")
    )
    assert imported.returncode == 0, imported.stderr


def test_a_deeply_nested_file_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir(parents=True)
    deep = sessions / "01DEEP.json"
    deep.write_text('{"schema": "ollama-tui/session", "version": 1, "x": ' + "[" * 100_000)
    (sessions / "01DEEPER.json").write_text("[" * 100_000 + "]" * 100_000)
    before = _stamp(deep)
    listed = _cli("--data-dir", str(tmp_path), "list")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert "01DEEP.json" in listed.stderr and "01DEEPER.json" in listed.stderr
    exported = _cli("--data-dir", str(tmp_path), "export", "01DEEP")
    assert exported.returncode == 2 and "Traceback" not in exported.stderr
    assert len(exported.stderr.strip().splitlines()) == 1, exported.stderr
    assert _stamp(deep) == before


def test_a_timestamp_without_a_zone_is_read_as_utc_and_listed_with_the_others(
    tmp_path: Path,
) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir(parents=True)
    (sessions / "01NAIVE.json").write_text(
        '{"schema": "ollama-tui/session", "version": 1, "title": "naive",'
        ' "created_at": "2020-01-02T03:04:05", "updated_at": "2020-01-02",'
        ' "messages": [{"role": "user", "content": "hi", "created_at": "2020-01-02T03:04"}]}'
    )
    _saved(tmp_path, "aware")
    store = SessionStore(tmp_path)
    summaries, unreadable = store.list_sessions()
    assert [s.title for s in summaries] == ["aware", "naive"] and unreadable == []
    naive = store.read("01NAIVE")
    assert naive.updated_at.isoformat() == "2020-01-02T00:00:00+00:00"
    assert naive.messages[0].created_at.utcoffset() is not None
    # A damaged index holding one is no different.
    index = tmp_path / "index.json"
    record = json.loads(index.read_text())
    record["files"]["01NAIVE.json"]["summary"]["updated_at"] = "2020-01-02T03:04:05"
    record["files"]["01NAIVE.json"]["summary"]["models"] = [1, {}]
    index.write_text(json.dumps(record))
    summaries, unreadable = SessionStore(tmp_path).list_sessions()
    assert [s.title for s in summaries] == ["aware", "naive"] and unreadable == []
    assert summaries[1].models == []
    store.close()


def test_a_year_a_local_zone_cannot_show_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir(parents=True)
    (sessions / "01YEAR1.json").write_text(
        '{"schema": "ollama-tui/session", "version": 1, "updated_at": "0001-01-01T00:00:00Z"}'
    )
    _saved(tmp_path, "aware")
    SessionStore(tmp_path).list_sessions()
    index = tmp_path / "index.json"
    record = json.loads(index.read_text())
    aware = next(name for name in record["files"] if name != "01YEAR1.json")
    record["files"][aware]["summary"]["updated_at"] = "0001-01-01T00:00:00+00:00"
    index.write_text(json.dumps(record))
    result = subprocess.run(
        [sys.executable, "-m", "ollama_tui", "--data-dir", str(tmp_path), "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "America/New_York"},
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "aware" in result.stdout
    assert "01YEAR1.json" in result.stderr and "year" in result.stderr


def test_the_trash_lists_an_unreadable_file_in_any_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        conversation = _saved(tmp_path)
        store = SessionStore(tmp_path)
        store.move_to_trash(conversation.id)
        (tmp_path / "trash" / "01BROKEN.json").write_text("{nope")
        entries = ConversationLibrary(store).trashed()
        assert [entry.id for entry in entries] == [conversation.id, "01BROKEN"]
        store.close()
    finally:
        monkeypatch.undo()
        time.tzset()
