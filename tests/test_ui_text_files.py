"""Text and code files as context: attached by path, glob or folder (Ctrl+T or /attach),
each sent as a fenced block under its path, with caps, and binary files refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from ollama_tui.services.text_files import MAX_FILE_BYTES
from ollama_tui.ui.dialogs.attach_image import AttachImageDialog
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    notified,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)

CODE = "def add(a, b):\n    return a + b  # ```not a fence```\n"


def _files(folder: Path) -> Path:
    folder.mkdir()
    (folder / "add.py").write_text(CODE)
    (folder / "notes.txt").write_text("Remember the milk.\n")
    (folder / "blob.dat").write_bytes(b"\x7fELF\x00\x00binary")
    (folder / "huge.txt").write_text("x" * (MAX_FILE_BYTES + 50_000))
    return folder


async def _line(pilot: Pilot[None], line: str) -> None:
    await pilot.press(*line, "enter")
    await pilot.pause()


async def test_a_glob_attaches_code_sent_as_a_fenced_block_under_its_path(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path, tmp_path: Path
) -> None:
    folder = _files(tmp_path / "src")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await _line(pilot, f"/attach {folder}/*.py")
        await wait_until(lambda: notified(app, "add.py"))
        assert notified(app, "of the 400 KB a prompt may hold, 100 KB per file")
        assert "Attached: " in screen_text(app) and "add.py" in screen_text(app)
        await ask(pilot, view, "Explain")
        sent = fake_ollama.requests_to("/api/chat")[-1].body["messages"][-1]["content"]
        # The file holds ``` itself: its fence is longer, so it cannot be closed early.
        assert sent == f"Explain\n\n{folder}/add.py:\n````py\n{CODE.rstrip()}\n````"
        saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
        assert saved["messages"][0]["attachments"] == [f"{folder}/add.py"]
        assert not view.attachments


async def test_a_folder_attaches_its_text_files_and_refuses_the_rest_saying_why(
    make_app: MakeApp, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    folder = _files(tmp_path / "src")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await _line(pilot, f"/attach {folder}")
        await wait_until(lambda: len(view.attachments) == 2)
        assert [a.name for a in view.attachments] == [f"{folder}/add.py", f"{folder}/notes.txt"]
        assert notified(app, "blob.dat is binary (it holds NUL bytes), not text.")
        assert notified(app, "huge.txt is 150 KB; text files up to 100 KB each")
        await _line(pilot, f"/attach {folder}/*.rs")
        await wait_until(lambda: notified(app, "No file matches"))
        assert fake_ollama.requests_to("/api/chat") == []


async def test_ctrl_t_takes_a_text_file_too(
    make_app: MakeApp, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    folder = _files(tmp_path / "src")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        dialog = await press_for(pilot, "ctrl+t", AttachImageDialog)
        dialog.query_one(Input).value = str(folder / "notes.txt")
        await pilot.press("enter")
        await wait_until(lambda: view.attachments)
        await ask(pilot, view, "What did I forget?")
        sent = fake_ollama.requests_to("/api/chat")[-1].body["messages"][-1]
        assert sent["content"].endswith(f"{folder}/notes.txt:\n```txt\nRemember the milk.\n```")
        assert "images" not in sent


async def test_a_mistyped_path_comes_back_to_be_fixed(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _files(tmp_path / "src")
    monkeypatch.chdir(tmp_path / "src")  # a short path, typed key by key
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await ready(app)
        await press_for(pilot, "ctrl+t", AttachImageDialog)
        await pilot.press(*"note.txt", "enter")
        await wait_until(lambda: notified(app, "No file note.txt"))
        # The dialog is back with what was typed, not emptied.
        await wait_until(lambda: isinstance(app.screen, AttachImageDialog))
        await wait_until(lambda: "▊ note.txt" in screen_text(app), message="the typed path")
        # The cursor waits at its end, nothing selected: Backspace fixes the typo.
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await wait_until(lambda: "▊ note" in screen_text(app), message="the typo erased")
        await pilot.press(*"s.txt", "enter")
        await wait_until(lambda: view.attachments, message="notes.txt attached")
        assert not isinstance(app.screen, AttachImageDialog)
        assert notified(app, "Attached notes.txt")
