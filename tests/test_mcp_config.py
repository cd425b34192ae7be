"""`[mcp.NAME]` in the config: read table by table, every mistake named with its line, and the
values of `env` and `headers` treated as secrets (never quoted, masked everywhere)."""

from __future__ import annotations

import secrets
from pathlib import Path

from ollama_tui.config import McpServerConfig, read_config
from ollama_tui.domain.secrets import redact
from tests.test_config import settings_for, write


def test_stdio_and_http_servers_are_read_with_their_settings(tmp_path: Path) -> None:
    config = read_config(
        write(
            tmp_path,
            "[mcp.files]\n"
            'command = "npx"\n'
            'args = ["-y", "@modelcontextprotocol/server-filesystem", "/srv"]\n'
            'env = { API_KEY = "k-123456789", DEBUG = "1" }\n'
            'cwd = "~/work"\n'
            "call_timeout = 30\n"
            "[mcp.search-web]\n"
            'url = "https://mcp.example.com/mcp"\n'
            'headers = { Authorization = "Bearer abc" }\n'
            "start_timeout = 5\n",
        )
    )
    assert config.problems == []
    files, web = config.mcp_servers
    assert files == McpServerConfig(
        "files",
        command="npx",
        args=("-y", "@modelcontextprotocol/server-filesystem", "/srv"),
        env={"API_KEY": "k-123456789", "DEBUG": "1"},
        cwd=Path("~/work").expanduser(),
        call_timeout=30.0,
    )
    assert (web.url, dict(web.headers), web.start_timeout) == (
        "https://mcp.example.com/mcp",
        {"Authorization": "Bearer abc"},
        5.0,
    )
    assert web.call_timeout == 120.0 and files.start_timeout == 30.0  # the defaults


def test_every_mistake_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[mcp.both]\n"
        'command = "x"\n'
        'url = "http://127.0.0.1:1/mcp"\n'
        "[mcp.neither]\n"
        'args = ["a"]\n'
        '[mcp."bad.name"]\n'
        'command = "x"\n'
        "[mcp.a__b]\n"
        'command = "x"\n'
        '[mcp."built-in"]\n'
        'command = "x"\n'
        "[mcp.typo]\n"
        'command = "x"\n'
        'comand = "y"\n'
        "call_timeout = 0\n"
        "[mcp.ftp]\n"
        'url = "ftp://host/mcp"\n'
        "[mcp.mixed]\n"
        'url = "http://127.0.0.1:1/mcp"\n'
        'cwd = "/tmp"\n',
    )
    config = read_config(path)
    assert [server.name for server in config.mcp_servers] == ["typo", "mixed"]
    problems = "\n".join(config.problems)
    assert "[mcp.both] has both command and url" in problems
    assert "[mcp.neither] has neither command nor url" in problems
    for name in ("bad.name", "a__b", "built-in"):
        assert f"mcp.{name}: a server name is up to 32 letters" in problems
    assert f"{path}, line 14: mcp.typo.comand: unknown key" in problems
    assert f"{path}, line 15: mcp.typo.call_timeout: must be more than 0" in problems
    assert "mcp.ftp.url: must start http:// or https://" in problems
    assert "[mcp.mixed] is reached at a URL, so cwd" in problems


def test_env_and_header_values_are_never_quoted_and_are_masked_once_read(
    tmp_path: Path,
) -> None:
    token, key, password = (f"s{secrets.token_hex(8)}" for _ in range(3))
    path = write(
        tmp_path,
        "[mcp.tools]\n"
        'command = "x"\n'
        f'env = {{ API_TOKEN = "{token}", "BAD NAME" = "{key}x", LEVEL = "info" }}\n'
        "[mcp.web]\n"
        f'url = "https://bob:{password}@mcp.example.com/mcp"\n'
        f'headers = {{ "X-Key" = "{key}", "Bad Header" = "{token}y" }}\n',
    )
    settings = settings_for(["--config", str(path)])
    problems = "\n".join(settings.problems)
    assert "mcp.tools.env.BAD NAME: a variable name" in problems
    assert "mcp.web.headers.Bad Header: a header name" in problems
    for secret in (token, key, password):
        assert secret not in problems
        assert redact(f"said {secret}") == "said ***"  # remembered by reading the config
    assert redact("level info") == "level info"  # a short, ordinary value is not a secret
    tools = next(server for server in settings.mcp_servers if server.name == "tools")
    assert token not in repr(tools) and token not in repr(settings)


def test_tools_of_a_server_the_config_does_not_have_are_named_at_start(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'auto_approve = ["files.read", "web.get"]\n'
        "[mcp.files]\n"
        'command = "x"\n'
        "[defaults]\n"
        'tools = ["files.*", "serach.*", "read_file"]\n',
    )
    problems = read_config(path).problems
    assert problems == [
        f"{path}, line 1: auto_approve: no [mcp.NAME] table for web: those tools are not there",
        f"{path}, line 5: defaults.tools: no [mcp.NAME] table for serach: those tools are not "
        "there",
    ]
