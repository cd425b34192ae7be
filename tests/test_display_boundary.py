"""The display boundary: each known way a string from outside reached the terminal raw.

Textual's `Content`, `Input` and `TextArea` drop only BEL, BS, VT, FF and CR: ESC, C1 and
bidi controls pass. Each test reads what the screen holds (segment text, as the terminal
gets it) after driving the app with keys.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from textual.widgets import TextArea

from ollama_tui.api.version import ServerVersion
from ollama_tui.api.wire import ModelEntry, PullProgress, ShowResponse
from ollama_tui.domain.conversation import Conversation, Message
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ready, screen_text, wait_until

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "\x1b]52;c;UFdORUQ=\x1b\\\x1b]0;PWNED\x07 \x1b[2J \x9b31m \u202e [/]"


def _line_with(app: object, text: str) -> str:
    lines = [line for line in screen_text(app).splitlines() if text in line]  # type: ignore[arg-type]
    assert lines, f"{text!r} is not on the screen"
    return "\n".join(lines)


def test_every_string_a_server_sends_is_inert_once_validated() -> None:
    entry = ModelEntry.model_validate(
        {
            "name": "m" + HOSTILE,
            "details": {"family": HOSTILE, "families": [HOSTILE]},
            "capabilities": [HOSTILE],
            "added_by_a_newer_server": {"key" + HOSTILE: [HOSTILE]},
        }
    )
    show = ShowResponse.model_validate({"modelfile": HOSTILE, "model_info": {HOSTILE: HOSTILE}})
    progress = PullProgress.model_validate({"status": HOSTILE, "digest": HOSTILE})
    for model in (entry, show, progress):
        dumped = json.dumps(model.model_dump(), ensure_ascii=False)
        assert "PWNED" in dumped and not UNSAFE.search(dumped), dumped


def test_the_server_version_is_inert_and_still_compares() -> None:
    version = ServerVersion.parse("0.12.0\x1b]52;c;ZWNobyBQV05FRA==\x1b\\\x1b]0;PWNED\x1b\\")
    assert not UNSAFE.search(version.raw) and "PWNED" in version.raw
    assert version.parts == (0, 12, 0)


async def test_the_status_line_draws_a_hostile_version_inert(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.version = "0.12.0 " + HOSTILE
    app = make_app()
    async with app.run_test(size=(160, 24)) as pilot:
        await ready(app)
        await pilot.pause()
        assert not UNSAFE.search(_line_with(app, "PWNED"))


def _saved(data_dir: Path, conversation: Conversation, *, open_tab: bool = False) -> None:
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, exist_ok=True, mode=0o700)
    (sessions / f"{conversation.id}.json").write_text(json.dumps(conversation.to_json_dict()))
    if open_tab:
        (data_dir / "workspace.json").write_text(
            json.dumps({"open_tabs": [conversation.id], "active_tab": conversation.id})
        )


async def test_the_rename_dialog_draws_an_imported_title_inert(
    make_app: MakeApp, data_dir: Path
) -> None:
    conversation = Conversation(title="imported " + HOSTILE)
    conversation.messages.append(Message.user("hello"))
    _saved(data_dir, conversation)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(app)
        await pilot.press("ctrl+o")
        await wait_until(lambda: "PWNED" in screen_text(app), message="the browser")
        await pilot.press("f2")
        await wait_until(lambda: "New title" in screen_text(app), message="the rename dialog")
        await pilot.pause()
        assert not UNSAFE.search(_line_with(app, "imported"))


async def test_the_settings_form_draws_values_from_a_session_file_inert(
    make_app: MakeApp, data_dir: Path
) -> None:
    conversation = Conversation(title="saved")
    conversation.messages.append(Message.user("hello"))
    conversation.settings.model = "llama3.2:latest"
    conversation.settings.keep_alive = "5m" + HOSTILE
    conversation.settings.options = {"temperature": "0.5" + HOSTILE}
    conversation.settings.system = "be brief" + HOSTILE
    _saved(data_dir, conversation, open_tab=True)
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await ready(app)
        await pilot.press("f4")
        await wait_until(lambda: "Keep loaded" in screen_text(app), message="the form")
        await pilot.pause()
        assert not UNSAFE.search(_line_with(app, "5m"))
        assert not UNSAFE.search(_line_with(app, "0.5"))
        # The system prompt's box is drawn, if at all, from this text.
        system = app.screen.query_one("#system", TextArea).text
        assert "be brief" in system and not UNSAFE.search(system)


async def test_path_completion_draws_a_hostile_file_name_inert(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "a\x1b]52;c;UFdORUQ=\x1b\\b.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    # A short path typed relative to the working folder: the field shows the end of what is
    # typed and the completion after it, so a long temporary path (pytest's grows with its
    # run number and worker) pushed the completion past the field's right edge.
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await ready(app)
        await pilot.press("ctrl+t")
        await wait_until(lambda: "Attach a file" in screen_text(app), message="the dialog")
        await pilot.press(*"files/a")
        await wait_until(lambda: "UFdORUQ" in screen_text(app), message="the completion")
        assert not UNSAFE.search(_line_with(app, "UFdORUQ"))


def test_no_screen_builds_an_input_a_text_area_or_a_toast_but_through_the_boundary() -> None:
    """`ui/kit/safe_text.py` is the one place that hands text from outside to these widgets, so a
    field added later cannot skip it."""
    ui = Path(__file__).parents[1] / "ollama_tui" / "ui"
    found = []
    for path in sorted(ui.rglob("*.py")):
        if path.name == "safe_text.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "textual.widgets"
            ):
                found += [
                    f"{path.name}: imports {alias.name}"
                    for alias in node.names
                    if alias.name in ("Input", "TextArea")
                ]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "notify"
            ):
                found.append(f"{path.name}:{node.lineno}: calls notify")
    assert found == []
