"""`ollama-tui list | export | import`, `--session`, and the trash, on a real data dir."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ollama_tui.domain.conversation import Conversation, Message, MessageStatus, Stats
from ollama_tui.services.library import export_file_name, export_markdown
from ollama_tui.store import SessionNotFound, SessionReadOnly, SessionStore
from tests.fake_ollama.server import FakeOllama
from tests.pilot import current_view, quit_app, ready, wait_until
from tests.pty_app import PtyApp


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ollama_tui", *args], capture_output=True, text=True
    )


def _saved(data_dir: Path, title: str = "SQL question") -> Conversation:
    conversation = Conversation(title=title, host="http://127.0.0.1:11434")
    conversation.messages.append(Message.user("How do I join two tables?"))
    reply = Message.assistant("qwen2.5-coder:7b")
    reply.content = "Use a join:\n\n```sql\nSELECT *\nFROM a\nJOIN b ON a.id = b.a_id;\n```\n"
    reply.status = MessageStatus.COMPLETE
    reply.stats = Stats(eval_count=40, eval_duration=1_000_000_000)
    conversation.messages.append(reply)
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    return conversation


def test_list_shows_every_conversation_and_names_unreadable_files(tmp_path: Path) -> None:
    first = _saved(tmp_path, "first")
    second = _saved(tmp_path, "second \x1b[2J")
    (tmp_path / "sessions" / "junk.json").write_text("{nope")
    result = _run("--data-dir", str(tmp_path), "list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [second.id, first.id]
    assert "qwen2.5-coder:7b" in lines[0] and "2 msgs" in lines[0]
    assert "\x1b" not in result.stdout and "␛[2J" in lines[0]
    assert "junk.json" in result.stderr and "not valid JSON" in result.stderr


def test_markdown_export_reads_well(tmp_path: Path) -> None:
    conversation = _saved(tmp_path)
    result = _run("--data-dir", str(tmp_path), "export", conversation.id)
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith('---\ntitle: "SQL question"\n')
    assert 'models: ["qwen2.5-coder:7b"]' in text
    assert "\n## You · " in text and "\n## qwen2.5-coder:7b · " in text
    assert "```sql\nSELECT *\nFROM a\nJOIN b ON a.id = b.a_id;\n```" in text
    assert "*40 tokens · 40.0 tok/s*" in text
    assert text == export_markdown(conversation)


def test_the_offered_export_name_joins_the_title_words_with_single_dashes() -> None:
    assert export_file_name("Hello there, show me code", "abc123456789") == (
        "hello-there-show-me-code-456789.md"
    )
    assert export_file_name("  --Café: au lait?! ", "x" * 12) == "café-au-lait-xxxxxx.md"
    # Cut at 40 characters: never a dash before the id's, doubled.
    assert export_file_name("a" * 39 + " b", "123456") == "a" * 39 + "-123456.md"
    assert export_file_name("?!", "123456") == "conversation-123456.md"


def test_json_export_then_import_never_overwrites(tmp_path: Path) -> None:
    conversation = _saved(tmp_path)
    exported = tmp_path / "out.json"
    result = _run(
        "--data-dir",
        str(tmp_path),
        "export",
        conversation.id,
        "--format",
        "json",
        "-o",
        str(exported),
    )
    assert result.returncode == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert json.loads(exported.read_text())["id"] == conversation.id
    original = (tmp_path / "sessions" / f"{conversation.id}.json").read_bytes()
    imported = _run("--data-dir", str(tmp_path), "import", str(exported))
    assert imported.returncode == 0
    new_id = imported.stdout.strip()
    assert new_id != conversation.id and "new one" in imported.stderr
    assert (tmp_path / "sessions" / f"{conversation.id}.json").read_bytes() == original
    copy = json.loads((tmp_path / "sessions" / f"{new_id}.json").read_text())
    assert copy["messages"] == json.loads(original)["messages"]
    # Into an empty data dir the id is kept.
    other = tmp_path / "other"
    assert _run("--data-dir", str(other), "import", str(exported)).stdout.strip() == conversation.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "../../etc/passwd"), "is not a conversation id"),
        (("export", "01NOSUCH"), "no saved conversation"),
        (("--session", "../x"), "is not a conversation id"),
    ],
)
def test_bad_ids_are_refused_clearly(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = _run("--data-dir", str(tmp_path), *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_importing_something_else_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"hello": "world"}')
    result = _run("--data-dir", str(tmp_path / "data"), "import", str(foreign))
    assert result.returncode == 2
    assert "not an ollama-tui session" in result.stderr
    missing = _run("--data-dir", str(tmp_path / "data"), "import", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "No such file" in missing.stderr


def test_the_trash_is_undoable_and_only_emptied_on_purpose(tmp_path: Path) -> None:
    conversation = _saved(tmp_path)
    store = SessionStore(tmp_path)
    store.move_to_trash(conversation.id)
    assert not store.exists(conversation.id)
    assert store.trashed_ids() == [conversation.id]
    assert stat.S_IMODE(store.trash_dir.stat().st_mode) == 0o700
    store.restore_from_trash(conversation.id)
    assert store.load(conversation.id).conversation.title == "SQL question"
    store.move_to_trash(conversation.id)
    assert store.empty_trash() == 1
    assert store.trashed_ids() == []
    with pytest.raises(SessionNotFound):
        store.restore_from_trash(conversation.id)


def test_a_conversation_open_elsewhere_cannot_be_trashed(tmp_path: Path) -> None:
    conversation = _saved(tmp_path)
    holder, other = SessionStore(tmp_path), SessionStore(tmp_path)
    holder.load(conversation.id)
    with pytest.raises(SessionReadOnly):
        other.move_to_trash(conversation.id)
    assert other.exists(conversation.id)
    holder.close()
    other.close()


async def test_session_flag_opens_that_conversation(
    fake_ollama: FakeOllama, data_dir: Path
) -> None:
    from ollama_tui.cli import build_app
    from ollama_tui.config import Settings

    conversation = _saved(data_dir)
    app = build_app(Settings(host=fake_ollama.url, data_dir=data_dir), open_session=conversation.id)
    async with app.run_test() as pilot:
        await ready(app)
        assert current_view(app).conversation.id == conversation.id
        await quit_app(pilot)
    # Asking for a conversation that is already open in a tab just focuses it.
    again = build_app(
        Settings(host=fake_ollama.url, data_dir=data_dir), open_session=conversation.id
    )
    async with again.run_test():
        await wait_until(lambda: again.current_view is not None)
        assert again.tabs.tab_count == 1
        assert current_view(again).conversation.id == conversation.id


def test_export_to_a_folder_is_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    conversation = _saved(tmp_path / "data")
    for target in ("/", ".", str(tmp_path)):
        command = ["--data-dir", str(tmp_path / "data"), "export", conversation.id, "-o", target]
        result = subprocess.run(
            [sys.executable, "-m", "ollama_tui", *command],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert result.returncode == 1
        assert result.stderr == (
            f"ollama-tui: cannot write {target}: that is a folder: name a file to write\n"
        )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]


def _saved_by(data_dir: Path, title: str, *models: str) -> Conversation:
    conversation = Conversation(title=title)
    for model in models:
        conversation.messages.append(Message.user("ask"))
        reply = Message.assistant(model)
        reply.content, reply.status = "answer", MessageStatus.COMPLETE
        conversation.messages.append(reply)
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    return conversation


def _title_columns(lines: list[str]) -> set[int]:
    """Where each line's title starts (the titles listed are those saved below)."""
    return {
        line.index(start) for line, start in zip(lines, ["one r", "A rat", "short"], strict=False)
    }


@pytest.mark.pty
def test_list_on_an_80_column_terminal_keeps_its_columns_in_line(tmp_path: Path) -> None:
    long_title = "A rather long title that goes on well past the end of an 80 column row"
    _saved_by(tmp_path, "short", "phi4")
    _saved_by(tmp_path, long_title, "qwen2.5-coder:32b-instruct-q8_0", "llama3.1:70b", "phi4")
    _saved_by(tmp_path, "one reply", "llama3.2:latest")
    terminal = PtyApp(["--data-dir", str(tmp_path), "list"], cols=80, rows=24).start()
    try:
        terminal.wait_for(b"short\r\n", timeout=20)
        lines = terminal.output.decode().replace("\r\n", "\n").strip("\n").split("\n")
    finally:
        terminal.stop()
    assert len(lines) == 3, lines
    # Every title starts in the same column, and no line is longer than the terminal.
    assert len(_title_columns(lines)) == 1, lines
    assert all(len(line) <= 80 for line in lines), lines
    # What gives way: the time of day, the message count, the models' width.
    assert lines[1].endswith("…") and "  qwen2.5-cod…  A rather long" in lines[1], lines[1]
    # Piped, a title is whole (for grep); the columns still line up, the models cut.
    piped = _run("--data-dir", str(tmp_path), "list").stdout.splitlines()
    assert piped[1].endswith(long_title)
    assert len(_title_columns(piped)) == 1, piped
    assert "   6 msgs  qwen2.5-coder:32b-instr…  A rather" in piped[1], piped[1]


def test_an_export_counts_a_single_token_as_one(tmp_path: Path) -> None:
    conversation = _saved(tmp_path)
    stats = conversation.messages[-1].stats
    assert stats is not None
    stats.eval_count = 1
    assert "*1 token · 1.0 tok/s*" in export_markdown(conversation)
