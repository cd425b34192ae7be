"""The headless layers load without Textual, Rich or (until used) httpx; --help stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ollama_tui import __version__


def _modules_after(code: str) -> set[str]:
    script = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


@pytest.mark.parametrize(
    "module",
    [
        "ollama_tui.domain.conversation",
        "ollama_tui.domain.text",
        "ollama_tui.api.client",
        "ollama_tui.store",
        "ollama_tui.services.backend",
        "ollama_tui.config",
    ],
)
def test_headless_layers_do_not_load_the_ui_toolkit(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    assert "textual" not in loaded
    assert "rich" not in loaded


def test_building_a_client_does_not_import_httpx_yet() -> None:
    loaded = _modules_after(
        "from ollama_tui.api.client import OllamaClient\nOllamaClient('http://127.0.0.1:1')"
    )
    assert "httpx" not in loaded


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["--data-dir", "{tmp}", "list"]])
def test_cli_paths_answer_without_textual_or_httpx(args: list[str], tmp_path: Path) -> None:
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    loaded = _modules_after(
        "import sys\nfrom ollama_tui.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    )
    assert not {"textual", "httpx", "rich"} & loaded
    if "list" not in args:
        # `list` looks for the config file, in the platform's config dir, and reads the saved
        # conversations (pydantic's models); `--help` and `--version` need neither.
        assert not {"platformdirs", "pydantic", "pydantic_core"} & loaded


def test_help_documents_every_flag_and_variable() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ollama_tui", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for word in (
        "--host",
        "--data-dir",
        "--header",
        "--connect-timeout",
        "--read-timeout",
        "--version",
        "OLLAMA_HOST",
        "OLLAMA_TUI_DATA_DIR",
        "EDITOR",
    ):
        assert word in out


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ollama_tui", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == f"ollama-tui {__version__}"


def test_a_bad_header_flag_is_refused_clearly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ollama_tui", "--header", "nocolon"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Name: value" in result.stderr
