"""The tools' keys in config.toml: read, and every mistake named with its line."""

from __future__ import annotations

from pathlib import Path

from ollama_tui.config import read_config


def test_tool_keys_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'tool_roots = ["~/src", "/srv/data"]\n'
        "tool_rounds = 3\n"
        'auto_approve = ["read_file", "search_files"]\n'
        "[defaults]\n"
        'tools = ["read_file", "run_command"]\n'
    )
    config = read_config(path)
    assert config.problems == []
    assert config.tool_roots == [Path("~/src").expanduser(), Path("/srv/data")]
    assert config.tool_rounds == 3
    assert config.auto_approve == ["read_file", "search_files"]
    assert config.conversation_defaults["tools"] == ["read_file", "run_command"]


def test_auto_approving_a_command_or_a_write_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'auto_approve = ["read_file", "run_command"]\n'
        "tool_rounds = 0\n"
        "[defaults]\n"
        'tools = ["read_fil"]\n'
    )
    config = read_config(path)
    assert config.auto_approve == []
    assert config.tool_rounds is None
    assert "tools" not in config.conversation_defaults
    tools, rounds, auto = config.problems  # [defaults] is read before the top-level keys
    assert auto.startswith(f"{path}, line 1: auto_approve: 'run_command' changes things")
    assert "always asks first; only read-only tools can be auto-approved" in auto
    assert rounds == f"{path}, line 2: tool_rounds: must be from 1 to 100; ignored"
    assert tools.startswith(f"{path}, line 4: defaults.tools: 'read_fil' is not a built-in tool")
