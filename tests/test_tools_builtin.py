"""The built-in tools: confined to their roots (symlinks resolved), capped, stoppable."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from ollama_tui.domain.tool_calls import BUILT_IN_TOOLS
from ollama_tui.services.tools.base import ToolSpec
from ollama_tui.services.tools.builtin import BuiltinTools, built_in_specs
from ollama_tui.services.tools.limits import OUTPUT_CAP
from tests.fake_ollama.server import FakeOllama


def running(pid: int) -> bool:
    """Whether `pid` is alive: a killed process its parent has not reaped yet (a zombie,
    left to whatever init this machine has) has finished running."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def tool(name: str) -> ToolSpec:
    return next(spec for spec in built_in_specs() if spec.name == name)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.txt").write_text("the launch code is plum\nsecond line\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.md").write_text("plum again\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("plum in a hidden dir\n")
    (tmp_path / "outside.txt").write_text("secret outside\n")
    return folder.resolve()


def test_every_built_in_name_has_a_spec_and_only_reads_are_read() -> None:
    specs = built_in_specs()
    assert tuple(spec.name for spec in specs) == BUILT_IN_TOOLS
    assert {spec.name for spec in specs if spec.kind == "read"} == {
        "read_file",
        "list_directory",
        "search_files",
    }


async def test_read_file_reads_inside_the_root(root: Path) -> None:
    result = await BuiltinTools([root]).call(tool("read_file"), {"path": "notes.txt"})
    assert result.text.startswith("the launch code is plum")
    assert not result.is_error


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "link-out/outside.txt"])
async def test_paths_outside_the_roots_are_refused_with_the_reason(root: Path, path: str) -> None:
    (root / "link-out").symlink_to(root.parent)
    result = await BuiltinTools([root]).call(tool("read_file"), {"path": path})
    assert result.is_error
    assert "outside the directories tools may use" in result.text
    assert "tool_roots" in result.text
    assert "secret" not in result.text


async def test_a_symlinked_file_pointing_out_is_refused_by_search_too(root: Path) -> None:
    (root / "escape.txt").symlink_to(root.parent / "outside.txt")
    result = await BuiltinTools([root]).call(tool("search_files"), {"pattern": "secret"})
    assert result.text == "No matches."


async def test_search_finds_lines_and_skips_hidden_directories(root: Path) -> None:
    result = await BuiltinTools([root]).call(tool("search_files"), {"pattern": "plum"})
    assert "notes.txt:1: the launch code is plum" in result.text
    assert "deep.md:1: plum again" in result.text
    assert ".git" not in result.text


async def test_list_directory_marks_folders(root: Path) -> None:
    result = await BuiltinTools([root]).call(tool("list_directory"), {"path": "."})
    assert result.text.splitlines() == [".git/", "notes.txt", "sub/"]


async def test_a_big_file_is_cut_at_the_cap_and_says_so(root: Path) -> None:
    (root / "big.log").write_text("x" * (OUTPUT_CAP * 3))
    result = await BuiltinTools([root]).call(tool("read_file"), {"path": "big.log"})
    assert len(result.text.encode()) < OUTPUT_CAP + 200
    assert "cut off: 300 KB in all, the first 100 KB shown" in result.text


async def test_write_file_previews_a_diff_then_writes(root: Path) -> None:
    tools = BuiltinTools([root])
    arguments = {"path": "notes.txt", "content": "the launch code is pear\nsecond line\n"}
    preview = tools.preview(tool("write_file"), arguments)
    assert preview.diff is not None
    assert "-the launch code is plum" in preview.diff
    assert "+the launch code is pear" in preview.diff
    result = await tools.call(tool("write_file"), arguments)
    assert not result.is_error
    assert (root / "notes.txt").read_text().startswith("the launch code is pear")


async def test_run_command_runs_in_the_first_root_and_reports_its_status(root: Path) -> None:
    tools = BuiltinTools([root])
    preview = tools.preview(tool("run_command"), {"command": "pwd; exit 3"})
    assert preview.command == "pwd; exit 3"
    assert preview.cwd == str(root)
    result = await tools.call(tool("run_command"), {"command": "pwd; exit 3"})
    assert result.text == f"{root}\n\n[exit status 3]"
    assert result.is_error


async def test_a_command_past_its_time_limit_is_stopped(root: Path) -> None:
    tools = BuiltinTools([root], command_timeout=0.5)
    result = await tools.call(tool("run_command"), {"command": "echo started; sleep 30"})
    assert "started" in result.text
    assert "stopped after 0.5 s" in result.text


async def test_cancelling_a_command_kills_its_process_group(root: Path) -> None:
    marker = root / "child.pid"
    tools = BuiltinTools([root])
    task = asyncio.create_task(
        tools.call(tool("run_command"), {"command": f"sleep 60 & echo $! > {marker}; wait"})
    )
    for _ in range(200):
        if marker.exists() and marker.read_text().strip():
            break
        await asyncio.sleep(0.02)
    child = int(marker.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(500):
        if not running(child):
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the command's child still runs after the call was cancelled")


async def test_fetch_url_refuses_other_schemes(root: Path) -> None:
    result = await BuiltinTools([root]).call(tool("fetch_url"), {"url": "file:///etc/passwd"})
    assert result.is_error
    assert "only http:// and https://" in result.text


async def test_fetch_url_answers_the_text_of_a_page_without_its_scripts(
    root: Path, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    page = (
        b"<!doctype html><html><head><title>T</title><script>steal()</script></head>"
        b"<body><h1>Launch codes</h1><p>The code is <b>plum</b>.</p>"
        b"<style>p{}</style><ul><li>one</li><li>two</li></ul></body></html>"
    )
    fake_ollama.answer_next("/page", 200, page, {"Content-Type": "text/html; charset=utf-8"})
    result = await BuiltinTools([root]).call(tool("fetch_url"), {"url": f"{fake_ollama.url}/page"})
    assert not result.is_error
    assert result.text.splitlines()[0] == f"HTTP 200 from {fake_ollama.url}/page"
    body = result.text.split("\n\n", 1)[1]
    assert body == "Launch codes\n\nThe code is plum.\n\none\ntwo"


async def test_fetch_url_reads_no_more_than_its_cap(
    root: Path, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("ollama_tui.services.tools.builtin.URL_CAP", 1000)
    fake_ollama.answer_next("/big", 200, b"y" * 5_000_000, {"Content-Type": "text/plain"})
    result = await BuiltinTools([root]).call(tool("fetch_url"), {"url": f"{fake_ollama.url}/big"})
    assert "(the page was longer; the first part is shown)" in result.text
    assert result.text.count("y") == 1000
