"""The hostile-strings tier: every string from outside carries terminal escapes and markup.

A fake server whose every answer (version, tags, ps, show, chat lines, pull and push status
lines, digests, errors) carries marker sequences, a data dir whose session files, summary
index, theme files and config carry them, and a file named with them; the app is driven
through every screen in a real pty, and no marker may reach the terminal raw, and no screen
may crash. One app run drives all the screens, to keep the tier quick.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from ollama_tui.domain.conversation import Conversation, Message, MessageStatus
from tests.fake_ollama.hostile import TAG_PREFIX, dress, file_marker, leaks, marker
from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")

# Escape as the kitty protocol spells it: a lone ESC byte means Escape only once nothing
# follows it for ESCDELAY, so the next key sent could merge with it.
ESCAPE, ENTER, TAB = b"\x1b[27u", b"\r", b"\t"
F1, F2, F3, F4 = b"\x1bOP", b"\x1bOQ", b"\x1bOR", b"\x1bOS"
CTRL = {key: bytes([ord(key) - 96]) for key in "elnopt"}


def _conversation(tag: str) -> dict[str, Any]:
    """A session file's JSON whose every string field carries a marker tagged `tag.field`."""
    conversation = Conversation(title="hostile")
    conversation.settings.model = "llama3.2:latest"
    conversation.messages.append(Message.user("question"))
    reply = Message.assistant("llama3.2:latest")
    reply.content = "answer"
    reply.status = MessageStatus.ERROR
    reply.error = "failed"
    conversation.messages.append(reply)
    data = conversation.to_json_dict()
    data["title"] = marker(f"{tag}.title")
    data["host"] = "http://127.0.0.1:1/" + marker(f"{tag}.host")
    data["settings"].update(
        model="llama3.2:latest" + marker(f"{tag}.model"),
        system=marker(f"{tag}.system"),
        keep_alive=marker(f"{tag}.keep_alive"),
        options={"temperature": marker(f"{tag}.temperature"), "stop": [marker(f"{tag}.stop")]},
    )
    question, answer = data["messages"]
    question["content"] = marker(f"{tag}.question")
    answer.update(
        content=marker(f"{tag}.content"),
        thinking=marker(f"{tag}.thinking"),
        model="llama3.2:latest" + marker(f"{tag}.reply_model"),
        error=marker(f"{tag}.error"),
    )
    return data


def _hostile_data_dir(root: Path, files: Path) -> tuple[Path, Path, str]:
    """(data dir, config file, the open tab's id); `files` gets a file with a hostile name."""
    data_dir, config_dir = root / "data", root / "config"
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, mode=0o700)
    opened = _conversation("session")
    listed = _conversation("listed")
    for conversation in (opened, listed):
        path = sessions / f"{conversation['id']}.json"
        path.write_text(json.dumps(conversation))
    records = {}
    for path in sessions.iterdir():
        info = path.stat()
        records[path.name] = {
            "size": info.st_size,
            "mtime_ns": info.st_mtime_ns,
            "summary": {
                "title": marker("index.title"),
                "created_at": "2026-11-24T18:15:00+00:00",
                "updated_at": "2026-11-24T18:16:00+00:00",
                "models": [marker("index.model")],
                "message_count": 2,
            },
        }
    (data_dir / "index.json").write_text(json.dumps({"version": 1, "files": records}))
    opened_id = str(opened["id"])
    (data_dir / "workspace.json").write_text(
        json.dumps({"open_tabs": [opened_id], "active_tab": opened_id})
    )
    themes = config_dir / "themes"
    themes.mkdir(parents=True)
    (themes / f"theme{file_marker('theme.file')}.toml").write_text(
        f'name = {json.dumps(marker("theme.name"))}\nprimary = "#ff0000"\n'
    )
    config = config_dir / "config.toml"
    # A key holding escapes: the config's problem names the key it does not know.
    config.write_text(f"{json.dumps(marker('config.key'))} = 1\n")
    (files / f"a{file_marker('file')}b.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return data_dir, config, opened_id


def _readable(output: bytes) -> str:
    """Terminal output without its cursor moves and colours, for a failure's message."""
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", output).decode(errors="replace")
    return "\n".join(line.strip() for line in text.split("\r\n") if line.strip())[-4000:]


@pytest.mark.pty
def test_no_string_from_outside_reaches_the_terminal_raw_on_any_screen(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.hostile = True
    fake_ollama.create_error = "no space left on device"
    # A short path, so that the completion after it fits the dialog's field.
    short = tempfile.TemporaryDirectory(prefix="hx")
    files = Path(short.name)
    data_dir, config, _ = _hostile_data_dir(tmp_path, files)
    app = PtyApp(
        ["--host", fake_ollama.url, "--data-dir", str(data_dir)],
        env={"OLLAMA_TUI_CONFIG": str(config), "TEXTUAL_ANIMATIONS": "none"},
        # Wide, so that long markers are drawn whole. (Whether the status line has room for
        # the version beside the context figure depends on timing: test_display_boundary
        # checks the version there.)
        cols=240,
        rows=40,
    )
    app.start()

    def settle() -> None:
        """Until the app has drawn nothing for a moment: a screen pushed or popped has taken
        focus, so the next key goes where a user's would."""
        with contextlib.suppress(TimeoutError):  # still drawing after 10 s: go on anyway
            app.wait_quiet(0.3, timeout=10)

    def step(keys: bytes | str, *expected: str, timeout: float = 30.0) -> None:
        """Send keys, then wait for each expected text: a marker where the screen shows one
        (the app's own wording changes more often than what a screen is for)."""
        start = len(app.output)
        if isinstance(keys, str):
            app.type_text(keys)
        else:
            app.send(keys)
        app.wait_for(b"\x1b[", start=start, timeout=timeout)  # the keys were answered
        for text in expected:
            try:
                app.wait_for(text.encode(), start=start, timeout=timeout)
            except TimeoutError:
                raise AssertionError(
                    f"{text!r} not drawn after {keys!r}; raw markers so far: "
                    f"{leaks(bytes(app.output))}; the screen drew:\n"
                    + _readable(bytes(app.output[start:]))
                ) from None
        settle()

    try:
        app.wait_for(f"{TAG_PREFIX}session.title".encode(), timeout=60)  # the restored tab
        settle()
        form_opened = len(app.output)
        step(F4, f"{TAG_PREFIX}session.temperature")
        # A focused field shows the end of its value, where the marker's tag is repeated.
        keep_alive = b"session.keep_alive"
        for _ in range(20):  # Tab down the form, as a user would, to keep_alive's field
            if app.output.find(keep_alive, form_opened) >= 0:
                break
            step(TAB)
        assert app.output.find(keep_alive, form_opened) >= 0, "keep_alive was never drawn"
        step(ESCAPE)
        step(CTRL["l"], f"{TAG_PREFIX}models.0.name")
        step(ESCAPE)
        step(F1, "Esc closes")
        step(b"q")
        step(CTRL["p"], "for commands")
        step(ESCAPE)
        # The new, empty tab lists the latest conversations by their (index) titles.
        step(CTRL["n"], "New conversation", f"{TAG_PREFIX}index.title")
        step("go")
        step(ENTER, f"{TAG_PREFIX}message.content", "tok/s")
        step(F3, "installed", "qwen2.5:0.5b~H")  # names are cut to their column
        step(b"i", f"{TAG_PREFIX}details.family")
        step(ESCAPE, "Inspect")
        step(b"p", "Pull which model")
        step("tiny")
        step(ENTER, "pull tiny")
        step(b"c", "irate")  # create, from the model under the cursor
        step("pir")
        step(b"\x13", f"{TAG_PREFIX}error")  # Ctrl+S; the server's error line, after its status
        step(ESCAPE)
        step(CTRL["o"], f"{TAG_PREFIX}index.title")
        step(F2, "New title")
        step(ESCAPE, "to search")
        step(CTRL["e"], "Export to")
        step(ESCAPE, "to search")
        step(ESCAPE)
        step(CTRL["t"], "Attach a file")
        # The completion, from the disk. The cursor stands on its first character, drawn in
        # a style of its own, so the tag is looked for after that character.
        step(f"{files}{os.sep}a", f"{TAG_PREFIX[1:]}file")
        step(ESCAPE)
        step(CTRL["p"], "for commands")
        step("theme", "theme")
        step(ENTER, "for themes")
        step(ESCAPE)
        output = bytes(app.output)
    finally:
        tail = bytes(app.output[-3000:])
        app.stop()
        short.cleanup()
    assert b"Traceback" not in output, tail
    assert leaks(output) == []


def test_the_markers_are_caught_raw(tmp_path: Path) -> None:
    """The check itself: every sequence of a marker, written raw, is found."""
    raw = marker("x").encode()
    assert {leak.split(":")[0] for leak in leaks(raw)} == {
        "OSC 0",
        "OSC 2",
        "OSC 8",
        "OSC 52",
        "DCS",
        "CSI 2J",
        "C1 CSI",
        "U+202E",
    }
    from ollama_tui.domain.text import sanitize_for_terminal

    assert leaks(sanitize_for_terminal(marker("x")).encode()) == []
    assert dress({"models": [{"name": "m"}]}) == {
        "models": [{"name": "m" + marker("models.0.name")}]
    }
