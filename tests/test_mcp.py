"""MCP servers as sources of tools, against the real test server (`tests/mcp_server.py`) over
stdio and over streamable HTTP on 127.0.0.1: started on first use, listed, called, cancelled,
timed out, dead, and stopped; failures quote the server's stderr with secrets masked."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ollama_tui.api.mcp_client import MISSING_SDK
from ollama_tui.config import McpServerConfig
from ollama_tui.domain.secrets import remember_secrets
from ollama_tui.services.failure_log import failure_log_path, record_failure
from ollama_tui.services.tools.base import ToolSpec
from ollama_tui.services.tools.mcp import McpToolSource
from ollama_tui.services.tools.registry import ToolRegistry
from tests.mcp_server import ESCAPES
from tests.pilot import wait_until

SERVER = str(Path(__file__).with_name("mcp_server.py"))
START = 30.0
"""Seconds a test server may take to start: importing the SDK takes a second or two."""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process checks")


def stdio_server(log: Path, name: str = "t", mode: str = "stdio", **kw: object) -> McpServerConfig:
    return McpServerConfig(
        name,
        command=sys.executable,
        args=(SERVER, mode),
        env={"MCP_TEST_LOG": str(log), **kw.pop("env", {})},  # type: ignore[dict-item]
        start_timeout=START,
        **kw,  # type: ignore[arg-type]
    )


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def by_name(tools: list[ToolSpec]) -> dict[str, ToolSpec]:
    return {tool.name: tool for tool in tools}


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The test server over streamable HTTP on 127.0.0.1; its URL and its log."""
    log = tmp_path / "http-server.log"
    process = subprocess.Popen(
        [sys.executable, SERVER, "http"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MCP_TEST_LOG": str(log)},
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/mcp", log
    finally:
        process.terminate()
        process.wait(10)


async def test_a_stdio_server_is_started_on_first_use_listed_called_and_stopped(
    tmp_path: Path,
) -> None:
    source = McpToolSource(stdio_server(tmp_path / "log"))
    tools = by_name(await source.list_tools())
    assert set(tools) >= {"t.echo", "t.sleep", "t.fail", "t.escapes", "t.pid", "t.die"}
    echo = tools["t.echo"]
    assert (echo.wire_name, echo.source, echo.kind) == ("t__echo", "t", "read")
    assert echo.description == "Answers with the text it was given."
    assert echo.parameters["required"] == ["text"]
    assert tools["t.fail"].kind == "write" and tools["t.sleep"].kind == "write"

    result = await source.call(echo, {"text": "hello"})
    assert (result.text, result.is_error) == ("echo: hello", False)
    failed = await source.call(tools["t.fail"], {})
    assert failed.is_error and "fail" in failed.text
    # Kept exactly as the server said it: the display boundary makes it inert, not the source.
    assert (await source.call(tools["t.escapes"], {})).text == ESCAPES

    pid = int((await source.call(tools["t.pid"], {})).text)
    assert not process_gone(pid)
    await source.close()
    assert process_gone(pid), "the server's process outlived close()"
    after = await source.call(echo, {"text": "again"})
    assert after.is_error and "stopped" in after.text


async def test_an_http_server_is_listed_and_called_with_its_headers_masked_in_answers(
    http_server: tuple[str, Path],
) -> None:
    url, log = http_server
    token = f"sk-{secrets.token_hex(8)}"
    config = McpServerConfig("web", url=url, headers={"Authorization": f"Bearer {token}"})
    remember_secrets(config.secrets)  # as the command line does when it reads the config
    source = McpToolSource(config)
    try:
        tools = by_name(await source.list_tools())
        assert tools["web.echo"].wire_name == "web__echo"
        assert (await source.call(tools["web.echo"], {"text": "hi"})).text == "echo: hi"
        # The header is sent; a server that echoes it back never gets it shown or saved.
        echoed = await source.call(tools["web.header"], {"name": "authorization"})
        assert echoed.text == "***", echoed.text
        assert f"header authorization: Bearer {token}" in log.read_text()
        failed = await source.call(tools["web.fail"], {})
        assert failed.is_error
    finally:
        await source.close()


async def test_a_server_that_outlives_its_input_and_sigterm_is_killed_at_close(
    tmp_path: Path,
) -> None:
    source = McpToolSource(stdio_server(tmp_path / "log", mode="stubborn"))
    tools = by_name(await source.list_tools())
    pid = int((await source.call(tools["t.pid"], {})).text)
    await source.close()
    assert process_gone(pid), "a server ignoring its closed input and SIGTERM outlived close()"


async def test_a_server_whose_command_does_not_exist_is_reported_and_the_rest_goes_on(
    tmp_path: Path,
) -> None:
    missing = McpServerConfig("gone", command="no-such-mcp-server-here", start_timeout=START)
    registry = ToolRegistry([McpToolSource(missing), McpToolSource(stdio_server(tmp_path / "l"))])
    try:
        tools, failures = await registry.resolve(["gone.*", "t.echo"])
        assert [tool.name for tool in tools] == ["t.echo"]
        [failure] = failures
        assert failure.source == "gone"
        assert (
            failure.reason
            == "cannot run 'no-such-mcp-server-here': no such program (looked in PATH)"
        )
        spec = ToolSpec("gone.x", "gone__x", "", {}, "gone", "write")
        result = await registry.source("gone").call(spec, {})  # type: ignore[union-attr]
        assert result.is_error and "no such program" in result.text
    finally:
        await registry.close()


async def test_without_the_mcp_extra_a_server_is_reported_with_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK is an optional extra: without it the conversation goes on, and the failure
    says what to install instead of an ImportError's module path."""
    monkeypatch.setitem(sys.modules, "mcp", None)  # what Python does for a missing package
    registry = ToolRegistry([McpToolSource(stdio_server(tmp_path / "l"))])
    try:
        tools, failures = await registry.resolve(["t.*"])
        assert tools == []
        [failure] = failures
        assert failure.reason == MISSING_SDK
        assert "ollama-tui[mcp]" in failure.reason
    finally:
        await registry.close()


async def test_a_server_that_exits_at_once_is_reported_with_its_stderr_tail_secrets_masked(
    tmp_path: Path,
) -> None:
    token = f"tok-{secrets.token_hex(8)}"
    config = stdio_server(tmp_path / "log", mode="exit", env={"MCP_TEST_TOKEN": token})
    remember_secrets(config.secrets)
    source = McpToolSource(config)
    with pytest.raises(Exception) as caught:
        await source.list_tools()
    message = str(caught.value)
    assert "fatal: the test server refuses to start" in message, message
    assert "starting with token ***" in message and token not in message
    # Asked again (the next request), it says the same without starting it again.
    with pytest.raises(Exception) as again:
        await source.list_tools()
    assert str(again.value) == message
    # Written to the failure log, the traceback masks it too.
    log = record_failure(tmp_path / "data", "Starting t", caught.value)
    assert log == failure_log_path(tmp_path / "data")
    assert token not in log.read_text() and "***" in log.read_text()
    assert token not in repr(config)
    await source.close()


async def test_a_server_that_dies_mid_call_is_a_tool_result_and_then_a_reported_failure(
    tmp_path: Path,
) -> None:
    source = McpToolSource(stdio_server(tmp_path / "log"))
    tools = by_name(await source.list_tools())
    result = await source.call(tools["t.die"], {})
    assert result.is_error
    assert "stopped" in result.text and "the server is dying mid-call" in result.text
    again = await source.call(tools["t.echo"], {"text": "x"})
    assert again.is_error and "stopped" in again.text
    registry = ToolRegistry([source])
    found, [failure] = await registry.resolve(["t.*"])
    assert found == [] and "the server is dying mid-call" in failure.reason
    await registry.close()


async def test_cancelling_a_call_cancels_the_request_at_the_server(tmp_path: Path) -> None:
    log = tmp_path / "log"
    source = McpToolSource(stdio_server(log))
    tools = by_name(await source.list_tools())
    call = asyncio.create_task(source.call(tools["t.sleep"], {"seconds": 60}))
    await wait_until(lambda: log.exists() and "sleep started" in log.read_text(), timeout=10)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await wait_until(lambda: "sleep cancelled" in log.read_text(), timeout=10)
    # The session goes on: the next call is answered.
    assert (await source.call(tools["t.echo"], {"text": "still"})).text == "echo: still"
    await source.close()


async def test_a_call_longer_than_its_timeout_is_cancelled_and_the_model_told(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log"
    source = McpToolSource(stdio_server(log, call_timeout=1.0))
    tools = by_name(await source.list_tools())
    result = await source.call(tools["t.sleep"], {"seconds": 60})
    assert result.is_error and "took longer than 1 s" in result.text
    await wait_until(lambda: "sleep cancelled" in log.read_text(), timeout=10)
    await source.close()


async def test_a_server_that_never_answers_is_given_up_at_its_start_timeout(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "pid"
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(9)"
    config = McpServerConfig("mute", command=sys.executable, args=("-c", script), start_timeout=1.0)
    source = McpToolSource(config)
    with pytest.raises(Exception, match="did not start within 1 s"):
        await source.list_tools()
    assert process_gone(int(pid_file.read_text()))
    await source.close()


async def test_an_http_server_that_cannot_be_reached_masks_the_url_password_and_headers() -> None:
    password, token = f"pw{secrets.token_hex(6)}", f"sk-{secrets.token_hex(8)}"
    config = McpServerConfig(
        "far",
        url=f"http://alice:{password}@127.0.0.1:1/mcp",
        headers={"X-Api-Key": token},
        start_timeout=10.0,
    )
    remember_secrets(config.secrets)
    source = McpToolSource(config)
    with pytest.raises(Exception) as caught:
        await source.list_tools()
    text = f"{caught.value} {caught.value.args}"
    assert password not in text and token not in text, text
    assert "cannot reach http://***@127.0.0.1:1/mcp" in text
    await source.close()


def test_the_app_module_does_not_import_the_mcp_sdk() -> None:
    # Users without MCP servers pay nothing for it: no start-up time, no memory.
    code = "import sys, ollama_tui.ui.app, ollama_tui.cli; print('mcp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
