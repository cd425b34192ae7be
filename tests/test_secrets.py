"""Secrets (header values, URL passwords) never reach the screen, a file, stderr or a log.

The end-to-end test plants unique secrets in the config's headers, a host URL and
`default_host`, has the server echo them in its errors, and then looks everywhere: the bytes
the app wrote to a real terminal, every file of the data dir (sessions, index, search
database, workspace, logs), exports, and the command line's output.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.errors import OllamaError, ResponseError, StreamFailed
from ollama_tui.api.wire import ChatRequest
from ollama_tui.domain.secrets import redact
from ollama_tui.services.library import ConversationLibrary
from ollama_tui.store import SessionStore
from tests.fake_ollama.server import FakeOllama
from tests.pty_app import PtyApp

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


def _chat() -> ChatRequest:
    return ChatRequest(model="llama3.2:latest", messages=[{"role": "user", "content": "hi"}])


async def test_every_error_the_client_raises_masks_header_values_and_url_passwords(
    fake_ollama: FakeOllama,
) -> None:
    token = f"sk-{secrets.token_hex(8)}"
    password = f"pw{secrets.token_hex(6)}"
    url = fake_ollama.url.replace("http://", f"http://alice:{password}@")
    echoed = f"denied: Authorization: Bearer {token} for http://alice:{password}@proxy"
    async with OllamaClient(url, headers={"X-Api-Key": f"Bearer {token}"}) as client:
        fake_ollama.fail_next("/api/tags", 401, {"error": echoed})
        with pytest.raises(ResponseError) as refused:
            await client.tags()
        fake_ollama.fail_next("/api/version", 200, {"error": echoed})
        with pytest.raises(StreamFailed) as failed:
            await client.version()
        fake_ollama.script_reply(["a"], end="error", error=f"token {token} expired")
        with pytest.raises(StreamFailed) as mid_stream:
            async with client.chat_stream(_chat()) as events:
                async for _ in events:
                    pass
    sent = fake_ollama.requests_to("/api/tags")[-1].headers["x-api-key"]
    assert sent == f"Bearer {token}"  # the secret is used, only never shown
    for error in (refused.value, failed.value, mid_stream.value):
        text = f"{error.message} {error} {error.args}"
        assert token not in text and password not in text, text
        assert "***" in text
    assert "http://***@proxy" in refused.value.message


async def test_a_server_that_echoes_a_header_in_what_it_says_never_shows_it() -> None:
    # A hostile server (or a proxy before it) puts the token it was sent into its version,
    # a model's name and a reply: none of it may reach a widget or a session file.
    token = f"sk-{secrets.token_hex(8)}"
    with FakeOllama(version=f"0.12.3 {token}") as server:
        server.add_model(f"echo-{token}:latest")
        server.script_reply(["your key is ", token])
        async with OllamaClient(server.url, headers={"Authorization": f"Bearer {token}"}) as client:
            version = await client.version()
            names = [entry.name for entry in await client.tags()]
            async with client.chat_stream(_chat()) as events:
                reply = "".join([str(getattr(event, "text", "")) async for event in events])
    said = f"{version.raw} {names} {reply}"
    assert token not in said, said
    assert said.count("***") == 3, said


async def test_a_url_password_is_masked_when_the_host_cannot_be_used() -> None:
    password = f"pw{secrets.token_hex(6)}"
    async with OllamaClient(f"http://bob:{password}@127.0.0.1:1") as client:
        with pytest.raises(OllamaError) as caught:
            await client.version()
    assert password not in caught.value.message and "127.0.0.1:1" in caught.value.message
    assert redact(f"see bob:{password}@gpu") == "see ***@gpu"


def _files_holding(folder: Path, needles: list[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {needle}" for needle in needles if needle.encode() in data]
    return found


@pytest.mark.pty
def test_planted_secrets_appear_nowhere_the_app_writes(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    token = f"sk-{secrets.token_hex(10)}"
    password = f"pw{secrets.token_hex(8)}"
    other_password = f"pw{secrets.token_hex(8)}"
    planted = [token, password, other_password]
    data_dir, config = tmp_path / "data", tmp_path / "config.toml"
    host = fake_ollama.url.replace("http://", f"http://alice:{password}@")
    config.write_text(
        f'default_host = "{host}"\n'
        "[headers]\n"
        f'X-Api-Key = "Bearer {token} "\n'  # pasted with a space: cleaned, still sent
        f'X-Broken = "café {token}"\n'  # cannot be sent: named, never quoted
        "[hosts.other]\n"
        f'url = "http://bob:{other_password}@127.0.0.1:1"\n',
        encoding="utf-8",
    )
    fake_ollama.script_reply(
        ["partial "], end="error", error=f"proxy: Bearer {token} refused for alice:{password}"
    )
    env = {"OLLAMA_TUI_CONFIG": str(config), "OLLAMA_TUI_DATA_DIR": str(data_dir)}
    app = PtyApp([], env=env, cols=120, rows=30)
    app.start()
    try:
        app.wait_for(b"default_host")  # the config's problems are shown at start
        app.wait_for(b"llama3.2:latest")
        app.type_text("hello")
        start = len(app.output)
        app.send(b"\r")
        app.wait_for(b"proxy:", start=start)
        app.send(b"\x0c")  # Ctrl+L: the picker asks the other host, which fails
        app.wait_for(b"other", start=start)
        app.send(b"\x1b")
        output = bytes(app.output)
    finally:
        app.stop()
    assert fake_ollama.requests_to("/api/chat")[-1].headers["x-api-key"] == f"Bearer {token}"
    assert b"***" in output and b"X-Broken" in output
    for needle in planted:
        assert needle.encode() not in output, needle

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ollama_tui", *args],
            capture_output=True,
            text=True,
            env={**env, "PATH": "/usr/bin:/bin"},
        )

    listed = cli("list")
    conversation_id = listed.stdout.split()[0]
    exported = tmp_path / "exports"
    exported.mkdir()
    runs = [
        listed,
        cli("export", conversation_id),
        cli("export", conversation_id, "--format", "json", "-o", str(exported / "c.json")),
        cli("export", conversation_id, "-o", str(exported / "c.md")),
        cli("import", str(exported / "c.json")),
        cli("--header", f"X-Flag: {token}\n", "list"),
    ]
    for run in runs:
        text = run.stdout + run.stderr
        assert "Traceback" not in text
        for needle in planted:
            assert needle not in text, (run.args, needle)
    assert "default_host" in listed.stderr and "***" in listed.stderr
    assert (exported / "c.md").read_text().count("proxy:") == 1
    store = SessionStore(data_dir)  # the list and search indexes, brought up to date
    library = ConversationLibrary(store)
    library.refresh()
    library.update_index()
    store.close()
    assert (data_dir / "index.json").exists() and (data_dir / "search.sqlite3").exists()
    assert _files_holding(data_dir, planted) == []
    assert _files_holding(exported, planted) == []
