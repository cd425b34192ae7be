"""Enter to the request: the prompt's file is written, synced and renamed into place before the
request leaves (a kill then loses no prompt the server had: the crash suite checks that);
the sync of the folder, which only makes the rename outlive a power cut, does not hold the
request back."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ready, session_file, wait_until


def _path_of(fd: int) -> Path:
    return Path(os.readlink(f"/proc/self/fd/{fd}"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names open files through /proc")
async def test_a_slow_folder_sync_does_not_hold_the_request(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = data_dir / "sessions"
    folder_synced = threading.Event()
    prompt_synced: list[Path] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        path = _path_of(fd)
        if path == sessions:
            folder_synced.wait(timeout=20)  # a disk slow to sync the folder, until released
        elif path.parent == sessions:
            prompt_synced.append(path)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    fake_ollama.script_reply(["Hello."])
    app = make_app()
    try:
        async with app.run_test() as pilot:
            view = await ready(app)
            await pilot.press(*"hi")
            # Not Pilot's press: it waits for the app to go idle, which a held save is not.
            app.simulate_key("enter")
            await wait_until(
                lambda: fake_ollama.requests_to("/api/chat"), message="the request, folder unsynced"
            )
            # The prompt's file was synced before it was renamed into place, and holds it.
            assert prompt_synced
            assert '"hi"' in session_file(data_dir, view.conversation.id).read_text()
            folder_synced.set()
            await wait_until(lambda: not view.is_streaming, message="the reply's end")
    finally:
        folder_synced.set()
