"""A small MCP server for the tests, written with the SDK's server API.

    python tests/mcp_server.py stdio            # over its standard input and output
    python tests/mcp_server.py http             # streamable HTTP on 127.0.0.1; prints its port
    python tests/mcp_server.py exit             # writes to stderr and exits at once (status 3)
    python tests/mcp_server.py stubborn         # stdio, but outlives its input and SIGTERM

Its tools: `echo` (text back, read-only), `sleep` (for cancelling; notes in MCP_TEST_LOG when
it starts and when it is cancelled), `fail` (raises), `escapes` (terminal escape sequences),
`pid` (its process id), `die` (writes to stderr and exits mid-call), `env` (one variable of
its environment) and `header` (one header of the HTTP request, over HTTP).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests/ is ours
from tests.fake_ollama.hostile import marker

ESCAPES = marker("mcp-result")
"""What the `escapes` tool answers: every sequence the hostile tier looks for."""
ESCAPES_ABOUT = "Answers with terminal escape sequences." + marker("mcp-description")
"""Its description: a server's words too, shown in F4 and the approval."""

server = MCPServer("ollama-tui-test")
READ_ONLY = ToolAnnotations(read_only_hint=True)


def _note(text: str) -> None:
    log = os.environ.get("MCP_TEST_LOG")
    if log:
        with Path(log).open("a", encoding="utf-8") as file:
            file.write(text + "\n")


@server.tool(description="Answers with the text it was given.", annotations=READ_ONLY)
def echo(text: str) -> str:
    return f"echo: {text}"


@server.tool(description="Sleeps, then says so.")
async def sleep(seconds: float) -> str:
    _note("sleep started")
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        _note("sleep cancelled")
        raise
    return f"slept {seconds} s"


@server.tool(description="Always fails.", annotations=ToolAnnotations(destructive_hint=True))
def fail() -> str:
    raise ValueError("the fail tool failed, as it always does")


@server.tool(description=ESCAPES_ABOUT, annotations=READ_ONLY)
def escapes() -> str:
    return ESCAPES


@server.tool(description="Answers with its process id.", annotations=READ_ONLY)
def pid() -> str:
    return str(os.getpid())


@server.tool(description="Exits in the middle of the call.")
def die() -> str:
    sys.stderr.write("the server is dying mid-call\n")
    sys.stderr.flush()
    os._exit(4)


@server.tool(description="One variable of the server's environment.")
def env(name: str) -> str:
    return os.environ.get(name, "(unset)")


@server.tool(description="One header of the HTTP request that called this tool.")
def header(name: str, ctx: Context) -> str:
    request = ctx.request_context.request
    value = request.headers.get(name) if request is not None else None
    _note(f"header {name}: {value}")
    return value or "(none)"


async def _serve_http() -> None:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    app = server.streamable_http_app()
    config = uvicorn.Config(app, log_level="warning")
    await uvicorn.Server(config).serve(sockets=[sock])


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    if mode == "exit":
        # A secret in the environment, quoted on stderr: the app must mask it in the tail it shows.
        sys.stderr.write(f"starting with token {os.environ.get('MCP_TEST_TOKEN', '')}\n")
        sys.stderr.write("fatal: the test server refuses to start\n")
        sys.exit(3)
    if mode == "stubborn":
        # Lives on after its input closes and ignores SIGTERM: only SIGKILL stops it.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        threading.Thread(target=time.sleep, args=(120,)).start()
        mode = "stdio"
    if mode == "http":
        anyio.run(_serve_http)
        return
    server.run("stdio")


if __name__ == "__main__":
    main()
