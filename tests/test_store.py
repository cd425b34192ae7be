"""The session store on a real temporary directory: the storage contract of DESIGN.md §4."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ollama_tui.domain.conversation import Conversation, Message, MessageStatus
from ollama_tui.services.saver import describe_save_error
from ollama_tui.store import (
    InvalidSessionId,
    SessionNotFound,
    SessionReadOnly,
    SessionStore,
    UnreadableSession,
    WorkspaceState,
    WorkspaceStore,
)


def _conversation(title: str = "Sky") -> Conversation:
    conversation = Conversation(title=title, host="http://127.0.0.1:11434")
    conversation.settings.model = "llama3.1:8b"
    conversation.settings.options = {"temperature": 0.7, "num_ctx": 8192}
    conversation.messages.append(Message.user("Why is the sky blue?"))
    reply = Message.assistant("llama3.1:8b")
    reply.content = "Rayleigh scattering …"
    reply.status = MessageStatus.COMPLETE
    reply.done_reason = "stop"
    conversation.messages.append(reply)
    return conversation


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_matches_the_contract(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    conversation = _conversation()
    store.save(conversation)
    data = json.loads(store.path_for(conversation.id).read_text(encoding="utf-8"))
    assert data["schema"] == "ollama-tui/session" and data["version"] == 1
    assert data["settings"]["options"] == {"temperature": 0.7, "num_ctx": 8192}
    assert set(data["messages"][0]) == {"id", "role", "content", "created_at"}
    assert data["messages"][1]["model"] == "llama3.1:8b"
    assert data["messages"][1]["status"] == "complete"
    assert "…" in store.path_for(conversation.id).read_text(encoding="utf-8")  # not \\u escapes
    loaded = store.load(conversation.id)
    assert loaded.read_only_reason is None
    assert loaded.conversation == conversation


def test_unknown_fields_survive_a_rewrite(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    conversation = _conversation()
    store.save(conversation)
    path = store.path_for(conversation.id)
    data = json.loads(path.read_text())
    data["future_top"] = {"a": 1}
    data["settings"]["future_setting"] = [1, 2]
    data["messages"][1]["future_message_field"] = "kept"
    path.write_text(json.dumps(data))
    store.release(conversation.id)
    loaded = store.load(conversation.id).conversation
    loaded.title = "Renamed"
    store.save(loaded)
    again = json.loads(path.read_text())
    assert again["future_top"] == {"a": 1}
    assert again["settings"]["future_setting"] == [1, 2]
    assert again["messages"][1]["future_message_field"] == "kept"
    assert again["title"] == "Renamed"


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o077])
def test_files_are_0600_and_folders_0700_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        store = SessionStore(tmp_path / "data")
        conversation = _conversation()
        store.save(conversation)
        WorkspaceStore(tmp_path / "data").update({"open_tabs": [conversation.id]})
    finally:
        os.umask(previous)
    assert _mode(store.sessions_dir) == 0o700
    assert _mode(tmp_path / "data") == 0o700
    assert _mode(store.path_for(conversation.id)) == 0o600
    assert _mode(tmp_path / "data" / "workspace.json") == 0o600
    assert _mode(tmp_path / "data" / "locks") == 0o700


def test_streaming_is_read_back_as_interrupted(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    conversation = _conversation()
    conversation.messages[1].status = MessageStatus.STREAMING
    store.save(conversation)
    store.release(conversation.id)
    loaded = store.load(conversation.id).conversation
    assert loaded.messages[1].status is MessageStatus.INTERRUPTED


def test_calls_left_unanswered_get_a_result_after_their_reply_in_every_version(
    tmp_path: Path,
) -> None:
    from ollama_tui.domain.conversation import Approval, Role
    from ollama_tui.domain.unfinished import ENDED_BEFORE_CALL
    from ollama_tui.domain.versions import set_aside, start_version
    from tests.fake_ollama.script import tool_call

    store = SessionStore(tmp_path)
    conversation = _conversation()
    reply = conversation.messages[1]
    reply.tool_calls = [
        tool_call("read_file", {}, "call_a"),
        tool_call("run_command", {}, "call_b"),
    ]
    answered = Message.tool(
        "ok", tool_name="run_command", tool_call_id="call_b", approval=Approval.ONCE, duration_ms=2
    )
    conversation.messages += [answered, Message.user("and then?")]
    # A version set aside at the reply holds a call without its result too.
    old = Message.assistant("llama3.1:8b")
    old.status = MessageStatus.COMPLETE
    old.tool_calls = [tool_call("list_directory", {})]
    versions = set_aside(conversation.messages, 1)
    conversation.messages.append(old)
    start_version(old, versions)
    store.save(conversation)
    store.release(conversation.id)
    loaded = store.load(conversation.id).conversation
    path, [earlier] = loaded.messages, loaded.messages[1].alternatives or []
    assert [m.role for m in path] == [Role.USER, Role.ASSISTANT, Role.TOOL]
    assert path[2].tool_name == "list_directory" and path[2].content == ENDED_BEFORE_CALL
    assert [m.role for m in earlier] == [Role.ASSISTANT, Role.TOOL, Role.TOOL, Role.USER]
    assert [m.tool_call_id for m in earlier[1:3]] == ["call_b", "call_a"]
    assert earlier[2].content == ENDED_BEFORE_CALL and earlier[2].approval is None


def test_a_newer_version_opens_read_only_and_is_never_written(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    conversation = _conversation()
    store.save(conversation)
    store.release(conversation.id)
    path = store.path_for(conversation.id)
    data = json.loads(path.read_text())
    data["version"] = 2
    data["something_new"] = True
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    loaded = store.load(conversation.id)
    assert loaded.read_only_reason is not None and "newer version" in loaded.read_only_reason
    with pytest.raises(SessionReadOnly):
        store.save(loaded.conversation)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not valid JSON (line 1, column 2)"),
        (b"\xff\xfe garbage", "not UTF-8 text"),
        (b"[1, 2]", "not an ollama-tui session (a JSON list)"),
        (b'{"hello": "world"}', "not an ollama-tui session (no schema field)"),
        (b'{"schema": "other-app/thing", "version": 1}', "schema 'other-app/thing'"),
        (b'{"schema": "ollama-tui/session", "version": "x"}', "unknown format version"),
        (
            b'{"schema": "ollama-tui/session", "version": 1, "messages": [{"role": "alien"}]}',
            "not a valid session (messages.0.role: should be one of system, user, assistant",
        ),
        (
            b'{"schema": "ollama-tui/session", "version": 1, "created_at": "\\u001b[2J soon"}',
            "not a valid session (created_at: should be an ISO 8601 time)",
        ),
        (
            b'{"schema": "ollama-tui/session", "version": 1, "created_at": "0001-01-01T00:00:00"}',
            "not a valid session (created_at: the year must be between 2 and 9998)",
        ),
        (
            b'{"schema": "ollama-tui/session", "version": 1, "messages": {"role": "user"}}',
            "not a valid session (messages: should be a list)",
        ),
        (
            b'{"schema": "ollama-tui/session", "version": 1, "messages": [{"content": "x"}]}',
            "not a valid session (messages.0.role: is missing)",
        ),
        (
            b'{"schema": "ollama-tui/session", "version": 1, "messages": [{"role": "assistant",'
            b' "stats": {"eval_count": "many"}}]}',
            "not a valid session (messages.0.stats.eval_count: should be a whole number)",
        ),
        (
            b'{"schema": "ollama-tui/session", "version": 1, "messages": [{"role": "user",'
            b' "alternatives": [[{"role": "user", "content": 5}]]}]}',
            "not a valid session (messages.0.alternatives.0.0.content: should be text)",
        ),
        (
            b'{"schema": "ollama-tui/session", "version": 1, "settings": {"options": [1]}}',
            "not a valid session (settings.options: should be an object)",
        ),
    ],
)
def test_unreadable_files_are_reported_and_never_touched(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    store = SessionStore(tmp_path)
    path = store.sessions_dir / "01BROKEN.json"
    path.write_bytes(content)
    os.utime(path, (1_000_000, 1_000_000))
    with pytest.raises(UnreadableSession) as caught:
        store.load("01BROKEN")
    assert reason in caught.value.reason
    summaries, unreadable = store.list_sessions()
    assert summaries == []
    assert [(entry.path, reason in entry.reason) for entry in unreadable] == [(path, True)]
    # Saving a conversation with that id is refused rather than clobbering the file.
    conversation = _conversation()
    conversation.id = "01BROKEN"
    with pytest.raises(SessionReadOnly):
        store.save(conversation)
    other = SessionStore(tmp_path)
    with pytest.raises(SessionReadOnly):
        other.save(conversation)
    assert path.read_bytes() == content
    assert path.stat().st_mtime == 1_000_000


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "..", "x.json", "a b", "é", "x\x00"])
def test_ids_that_could_leave_the_folder_are_refused(tmp_path: Path, bad: str) -> None:
    store = SessionStore(tmp_path)
    with pytest.raises(InvalidSessionId):
        store.load(bad)
    conversation = _conversation()
    conversation.id = bad
    with pytest.raises(InvalidSessionId):
        store.save(conversation)


def test_missing_session(tmp_path: Path) -> None:
    with pytest.raises(SessionNotFound):
        SessionStore(tmp_path).load("01NOPE")


@pytest.mark.parametrize("deleted", ["data/sessions", "data"])
def test_folders_deleted_while_running_are_made_again_private_at_the_next_save(
    tmp_path: Path, deleted: str
) -> None:
    previous = os.umask(0o022)
    try:
        store = SessionStore(tmp_path / "data")
        held, new = _conversation("held"), _conversation("new")
        store.save(held)
        shutil.rmtree(tmp_path / deleted)
        store.save(new)  # a lock to take first, in a locks folder that is gone too
        held.title = "held, changed"
        store.save(held)  # this instance holds its lock
    finally:
        os.umask(previous)
    assert {s.title for s in store.list_sessions()[0]} == {"new", "held, changed"}
    assert _mode(tmp_path / "data") == 0o700
    assert _mode(store.sessions_dir) == 0o700
    assert _mode(tmp_path / "data" / "locks") == 0o700
    assert _mode(store.path_for(new.id)) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SessionStore(tmp_path)
    conversation = _conversation()
    store.save(conversation)
    path = store.path_for(conversation.id)
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    conversation.title = "Changed"
    with pytest.raises(OSError) as caught:
        store.save(conversation)
    assert caught.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in store.sessions_dir.iterdir()) == [path.name]


def test_leftover_temporary_files_are_ignored_and_old_ones_removed(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    conversation = _conversation()
    store.save(conversation)
    fresh = store.sessions_dir / f".{conversation.id}.json.123.abcd.tmp"
    stale = store.sessions_dir / f".{conversation.id}.json.456.ef01.tmp"
    fresh.write_text("{half")
    stale.write_text("{half")
    os.utime(stale, (1_000_000, 1_000_000))
    summaries, unreadable = SessionStore(tmp_path).list_sessions()
    assert [s.id for s in summaries] == [conversation.id] and unreadable == []
    assert fresh.exists() and not stale.exists()


def test_a_symlink_is_never_replaced(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "data")
    target = tmp_path / "elsewhere.json"
    target.write_text("precious")
    conversation = _conversation()
    store.path_for(conversation.id).symlink_to(target)
    with pytest.raises(SessionReadOnly):
        store.save(conversation)
    assert target.read_text() == "precious"
    assert store.path_for(conversation.id).is_symlink()


def test_list_is_newest_first_with_models_and_counts(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    older, newer = _conversation("older"), _conversation("newer")
    older.updated_at = older.updated_at.replace(year=2020)
    store.save(older)
    store.save(newer)
    summaries, _ = store.list_sessions()
    assert [s.title for s in summaries] == ["newer", "older"]
    assert summaries[0].models == ["llama3.1:8b"] and summaries[0].message_count == 2


def test_a_second_instance_in_the_same_process_gets_read_only(tmp_path: Path) -> None:
    first, second = SessionStore(tmp_path), SessionStore(tmp_path)
    conversation = _conversation()
    first.save(conversation)
    loaded = second.load(conversation.id)
    assert loaded.read_only_reason is not None
    assert "another ollama-tui instance" in loaded.read_only_reason
    assert f"pid {os.getpid()}" in loaded.read_only_reason
    with pytest.raises(SessionReadOnly):
        second.save(loaded.conversation)
    conversation.title = "still mine"
    first.save(conversation)
    first.release(conversation.id)
    assert second.load(conversation.id).read_only_reason is None
    second.save(conversation)


def test_the_lock_holds_across_processes_and_dies_with_its_holder(tmp_path: Path) -> None:
    conversation = _conversation()
    writer = SessionStore(tmp_path)
    writer.save(conversation)
    writer.close()
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from ollama_tui.store import SessionStore
        store = SessionStore(Path({str(tmp_path)!r}))
        loaded = store.load({conversation.id!r})
        print("READY" if loaded.read_only_reason is None else "REFUSED", flush=True)
        time.sleep(60)
    """)
    holder = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "READY"
        here = SessionStore(tmp_path)
        loaded = here.load(conversation.id)
        assert (
            loaded.read_only_reason is not None and f"pid {holder.pid}" in loaded.read_only_reason
        )
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        here.release(conversation.id)
        assert here.load(conversation.id).read_only_reason is None
    finally:
        holder.kill()
        holder.wait()


def test_a_kill_during_saves_never_leaves_a_broken_file(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        from pathlib import Path
        from ollama_tui.domain.conversation import Conversation, Message
        from ollama_tui.store import SessionStore
        store = SessionStore(Path({str(tmp_path)!r}))
        conversation = Conversation(id="01KILLTEST")
        conversation.messages.append(Message.user("x" * 200_000))
        store.save(conversation)
        print("SAVED", flush=True)
        n = 0
        while True:
            n += 1
            conversation.title = f"save {{n}}"
            store.save(conversation)
    """)
    for _ in range(5):
        writer = subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "SAVED"
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        data = json.loads((tmp_path / "sessions" / "01KILLTEST.json").read_text())
        assert data["messages"][0]["content"] == "x" * 200_000


def test_workspace_state_round_trip_and_a_corrupt_file(tmp_path: Path) -> None:
    store = WorkspaceStore(tmp_path)
    assert store.load() == WorkspaceState([], None, None)
    (tmp_path / "workspace.json").write_text('{"future": 1}')
    store.update({"open_tabs": ["a", "b"], "active_tab": "b", "last_model": "qwen:7b"})
    assert store.load() == WorkspaceState(["a", "b"], "b", "qwen:7b", extra={"future": 1})
    (tmp_path / "workspace.json").write_text("{oops")
    assert store.load() == WorkspaceState([], None, None)
    assert store.problem is not None and "not valid JSON" in store.problem
    assert (tmp_path / "workspace.json").read_text() == "{oops"


_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200)
_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), _text)


def test_a_file_written_by_an_earlier_version_is_read_and_written_as_it_was(
    tmp_path: Path,
) -> None:
    # Written by the version whose conversation was a pydantic model: every kind of field,
    # unset ones left out by role, times with Z and with an offset, a newer version's
    # fields at each level. Read and written again, it is the same document, key for key.
    written = (Path(__file__).parent / "files" / "session_v1.json").read_text()
    data = json.loads(written)
    store = SessionStore(tmp_path)
    (store.sessions_dir / f"{data['id']}.json").write_text(written)
    loaded = store.load(data["id"])
    assert loaded.read_only_reason is None
    assert json.dumps(loaded.conversation.to_json_dict(), indent=2) + "\n" == written
    copy = loaded.conversation.copy()
    assert copy == loaded.conversation
    copy.settings.options["temperature"] = 1.0
    copy.messages[1].tool_calls[0]["function"]["name"] = "changed"  # type: ignore[index]
    assert loaded.conversation.to_json_dict() == data


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=_text,
    contents=st.lists(_text, max_size=6),
    extra=st.dictionaries(
        st.text("abcdefgh", min_size=1, max_size=8).map(lambda k: "x_" + k),
        _json_scalars,
        max_size=4,
    ),
)
def test_any_conversation_survives_a_round_trip(
    tmp_path: Path, title: str, contents: list[str], extra: dict[str, object]
) -> None:
    store = SessionStore(tmp_path)
    conversation = Conversation(title=title, unknown=extra)
    for content in contents:
        conversation.messages.append(Message.user(content))
    store.save(conversation)
    store.release(conversation.id)
    loaded = store.load(conversation.id).conversation
    assert loaded.to_json_dict() == conversation.to_json_dict()
    store.release(conversation.id)


def test_the_summary_index_is_a_cache_that_follows_the_files(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    first, second = _conversation("first"), _conversation("second")
    store.save(first)
    store.save(second)
    store.close()
    listed = SessionStore(tmp_path).list_sessions()
    index = tmp_path / "index.json"
    assert index.exists() and _mode(index) == 0o600
    # Deleting the index loses nothing.
    index.unlink()
    assert SessionStore(tmp_path).list_sessions() == listed
    # Another instance rewrites one file and deletes another behind our back.
    path = tmp_path / "sessions" / f"{first.id}.json"
    data = json.loads(path.read_text())
    data["title"] = "renamed elsewhere"
    path.write_text(json.dumps(data))
    (tmp_path / "sessions" / f"{second.id}.json").unlink()
    summaries, unreadable = SessionStore(tmp_path).list_sessions()
    assert [(s.id, s.title) for s in summaries] == [(first.id, "renamed elsewhere")]
    assert unreadable == []
    # A corrupt index is rebuilt, and an unreadable file is remembered as such.
    index.write_text("{garbage")
    (tmp_path / "sessions" / "01BAD.json").write_text("nope")
    summaries, unreadable = SessionStore(tmp_path).list_sessions()
    assert [s.title for s in summaries] == ["renamed elsewhere"]
    assert [(u.path.name, "not valid JSON" in u.reason) for u in unreadable] == [
        ("01BAD.json", True)
    ]
    assert json.loads(index.read_text())["version"] == 1


def test_a_refused_save_says_not_saved_once(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    conversation = _conversation()
    store.save(conversation)
    store.release(conversation.id)
    path = store.path_for(conversation.id)
    data = json.loads(path.read_text())
    data["version"] = 2
    path.write_text(json.dumps(data))
    loaded = store.load(conversation.id)
    with pytest.raises(SessionReadOnly) as refused:
        store.save(loaded.conversation)
    sentence = describe_save_error(loaded.conversation, refused.value)
    assert sentence.count("not saved") == 1, sentence
