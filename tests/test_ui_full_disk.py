"""The disk as the user meets it: full (told once, nothing lost, saved by itself once there
is room again), or the data folder deleted while the app runs (made again at the next save)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from ollama_tui.ui.chat import chat_view
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    notifications,
    notified,
    ready,
    screen_text,
    session_file,
    wait_until,
)


async def test_a_full_disk_is_said_once_the_reply_kept_and_saved_when_there_is_room(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat_view, "SAVE_RETRY_INTERVAL", 0.2)
    real_fsync = os.fsync
    disk_full = True

    def fsync(fd: int) -> None:
        # The operating system's answer on a full disk, at the moment data must reach it.
        if disk_full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    fake_ollama.script_reply(["all ", "of ", "it"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        reply = await ask(pilot, view, "keep this")
        assert reply.content == "all of it"
        await wait_until(lambda: notified(app, "the disk is full"))
        problems = [n for n in notifications(app) if "disk is full" in n]
        assert len(problems) == 1  # said once, not at every retry
        path = session_file(data_dir, view.conversation.id)
        assert not path.exists()
        disk_full = False
        await wait_until(lambda: path.exists(), message="the retry to save")
        await wait_until(lambda: notified(app, "is saved again"))
    saved = json.loads(path.read_text())
    assert [m["content"] for m in saved["messages"]] == ["keep this", "all of it"]


async def test_a_data_folder_deleted_while_the_app_runs_is_made_again_at_the_next_save(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "first")
        path = session_file(data_dir, view.conversation.id)
        await wait_until(lambda: path.exists(), message="the first save")
        shutil.rmtree(data_dir)
        await ask(pilot, view, "second")
        await wait_until(lambda: path.exists(), message="the save after the deletion")
        assert not [n for n in notifications(app) if "Could not save" in n]
        assert "not saved" not in screen_text(app)
    saved = json.loads(path.read_text())
    assert [m["content"] for m in saved["messages"]][::2] == ["first", "second"]
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700  # the data folder
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
