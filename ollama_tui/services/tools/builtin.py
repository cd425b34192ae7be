"""The built-in tools: files inside the allowed roots, one shell command, one web page.

Each is off until a conversation enables it, and each call is approved first (see the loop).
File tools are confined to the roots: a path is resolved (symlinks too) before it is judged, so
`root/link -> /etc` is outside. Every output has a cap: a model asking for a 2 GB log gets the
first part and a sentence saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...api.web import FetchFailed, fetch_page
from ...domain.quantities import format_size
from ...domain.tool_calls import BUILT_IN_TOOLS
from .base import ToolKind, ToolResult, ToolSpec
from .limits import OUTPUT_CAP, cap

BUILT_IN = "built-in"
COMMAND_TIMEOUT = 60.0
"""Seconds a command may run before it is stopped (Escape stops it sooner)."""
URL_CAP = 2_000_000
"""Bytes of a web page read; its text is then capped at `OUTPUT_CAP`."""
DIRECTORY_CAP = 1000
"""Entries of one directory listed."""
SEARCH_FILE_CAP = 2_000_000
"""Files larger than this are not searched."""
SEARCH_MATCH_CAP = 200


class ToolRefused(Exception):
    """The call cannot run as asked: the message says why, for the model and the user."""


@dataclass(frozen=True)
class CallPreview:
    """What the approval shows besides the arguments."""

    command: str | None = None
    cwd: str | None = None
    diff: str | None = None


def _object(properties: dict[str, object], required: Sequence[str]) -> dict[str, object]:
    return {"type": "object", "properties": properties, "required": list(required)}


_STRING = "string"
_SPECS: tuple[tuple[str, ToolKind, str, dict[str, object]], ...] = (
    (
        "read_file",
        "read",
        "Read a text file. Paths are relative to the working directory.",
        _object({"path": {"type": _STRING, "description": "The file to read"}}, ["path"]),
    ),
    (
        "list_directory",
        "read",
        "List the files and directories in a directory.",
        _object({"path": {"type": _STRING, "description": "The directory ('.' for here)"}}, []),
    ),
    (
        "search_files",
        "read",
        "Search the text files under a directory for a regular expression; "
        "answers path:line: text for each match.",
        _object(
            {
                "pattern": {"type": _STRING, "description": "A regular expression"},
                "path": {"type": _STRING, "description": "Where to search ('.' for here)"},
            },
            ["pattern"],
        ),
    ),
    (
        "write_file",
        "write",
        "Write a text file, replacing what it held.",
        _object(
            {
                "path": {"type": _STRING, "description": "The file to write"},
                "content": {"type": _STRING, "description": "The whole new text"},
            },
            ["path", "content"],
        ),
    ),
    (
        "run_command",
        "command",
        "Run a shell command in the working directory; answers its output and exit status.",
        _object({"command": {"type": _STRING, "description": "The command line"}}, ["command"]),
    ),
    (
        "fetch_url",
        "network",
        "Fetch a web page (http or https) and answer its text.",
        _object({"url": {"type": _STRING, "description": "The address"}}, ["url"]),
    ),
)

assert tuple(name for name, *_ in _SPECS) == BUILT_IN_TOOLS  # one list of names


def built_in_specs() -> list[ToolSpec]:
    return [
        ToolSpec(name, name, description, parameters, BUILT_IN, kind)
        for name, kind, description, parameters in _SPECS
    ]


def _string(arguments: Mapping[str, object], key: str, default: str | None = None) -> str:
    value = arguments.get(key, default)
    if not isinstance(value, str):
        raise ToolRefused(f"the argument {key!r} must be text")
    return value


class BuiltinTools:
    """The built-in tools, as one source; `roots` are the directories the file tools may use
    (the first is the working directory of commands and of relative paths)."""

    name = BUILT_IN

    def __init__(self, roots: Sequence[Path], *, command_timeout: float = COMMAND_TIMEOUT) -> None:
        self.roots = [Path(root).resolve() for root in roots] or [Path.cwd().resolve()]
        self.command_timeout = command_timeout

    @property
    def cwd(self) -> Path:
        return self.roots[0]

    async def list_tools(self) -> list[ToolSpec]:
        return built_in_specs()

    async def close(self) -> None:
        """Nothing runs between calls."""

    def inside(self, path_text: str) -> Path:
        """The path resolved (symlinks followed) if it is inside a root.

        Raises:
            ToolRefused: it is outside every root.
        """
        if "\x00" in path_text:
            raise ToolRefused("the path holds a NUL character")
        path = (self.cwd / Path(path_text).expanduser()).resolve()
        if any(path == root or path.is_relative_to(root) for root in self.roots):
            return path
        allowed = ", ".join(str(root) for root in self.roots)
        raise ToolRefused(
            f"{path} is outside the directories tools may use ({allowed}; tool_roots in "
            "config.toml sets them)"
        )

    def preview(self, tool: ToolSpec, arguments: Mapping[str, object]) -> CallPreview:
        """The command line and its directory, or the change a write makes, for the approval."""
        if tool.name == "run_command":
            command = arguments.get("command")
            return CallPreview(
                command=command if isinstance(command, str) else None, cwd=str(self.cwd)
            )
        if tool.name == "write_file":
            return CallPreview(diff=self._diff(arguments))
        return CallPreview()

    def _diff(self, arguments: Mapping[str, object]) -> str | None:
        path_text, content = arguments.get("path"), arguments.get("content")
        if not isinstance(path_text, str) or not isinstance(content, str):
            return None
        try:
            path = self.inside(path_text)
            old = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        except (ToolRefused, OSError):
            return None
        if len(old) > OUTPUT_CAP:
            return f"(replaces {format_size(len(old.encode()))} of text)"
        import difflib  # when a write is to be approved: start-up needs none

        lines = difflib.unified_diff(
            old.splitlines(keepends=True),
            content.splitlines(keepends=True),
            fromfile=str(path),
            tofile=str(path),
        )
        return "".join(lines) or "(no change)"

    async def call(self, tool: ToolSpec, arguments: Mapping[str, object]) -> ToolResult:
        try:
            if tool.name == "run_command":
                return await self._run(_string(arguments, "command"))
            if tool.name == "fetch_url":
                return await self._fetch(_string(arguments, "url"))
            return await asyncio.to_thread(self._file_tool, tool.name, arguments)
        except ToolRefused as refusal:
            return ToolResult(f"Refused: {refusal}", is_error=True)

    def _file_tool(self, name: str, arguments: Mapping[str, object]) -> ToolResult:
        try:
            if name == "read_file":
                return self._read(self.inside(_string(arguments, "path")))
            if name == "list_directory":
                return self._list(self.inside(_string(arguments, "path", ".")))
            if name == "search_files":
                where = self.inside(_string(arguments, "path", "."))
                return self._search(_string(arguments, "pattern"), where)
            if name == "write_file":
                return self._write(
                    self.inside(_string(arguments, "path")), _string(arguments, "content")
                )
        except OSError as error:
            return ToolResult(f"Failed: {error.strerror or error}", is_error=True)
        raise ToolRefused(f"there is no built-in tool {name!r}")

    def _read(self, path: Path) -> ToolResult:
        with path.open("rb") as file:
            data = file.read(OUTPUT_CAP + 1)
        size = path.stat().st_size if len(data) > OUTPUT_CAP else len(data)
        return ToolResult(cap(data.decode("utf-8", "replace"), total=size))

    def _list(self, path: Path) -> ToolResult:
        entries = []
        with os.scandir(path) as found:
            for count, entry in enumerate(sorted(found, key=lambda e: e.name)):
                if count >= DIRECTORY_CAP:
                    entries.append(f"[… more than {DIRECTORY_CAP} entries]")
                    break
                entries.append(entry.name + ("/" if entry.is_dir() else ""))
        return ToolResult("\n".join(entries) or "(empty)")

    def _search(self, pattern: str, where: Path) -> ToolResult:
        try:
            expression = re.compile(pattern)
        except re.error as error:
            raise ToolRefused(f"the pattern is not a regular expression ({error})") from None
        matches: list[str] = []
        for found in [where] if where.is_file() else _walk(where):
            # A link inside a root may point outside: judged as any path is.
            with contextlib.suppress(OSError, ToolRefused):
                path = self.inside(str(found))
                if path.stat().st_size > SEARCH_FILE_CAP:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
                for number, line in enumerate(text.splitlines(), start=1):
                    if expression.search(line):
                        matches.append(f"{path}:{number}: {line[:300]}")
                        if len(matches) >= SEARCH_MATCH_CAP:
                            matches.append(f"[… stopped at {SEARCH_MATCH_CAP} matches]")
                            return ToolResult(cap("\n".join(matches)))
        return ToolResult(cap("\n".join(matches)) if matches else "No matches.")

    def _write(self, path: Path, content: str) -> ToolResult:
        path.write_text(content, encoding="utf-8")
        return ToolResult(f"Wrote {format_size(len(content.encode()))} to {path}.")

    async def _run(self, command: str) -> ToolResult:
        starting = asyncio.ensure_future(
            asyncio.create_subprocess_shell(
                command,
                cwd=self.cwd,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                # Its own process group, so stopping it stops whatever it started.
                start_new_session=True,
            )
        )
        try:
            process = await asyncio.shield(starting)
        except asyncio.CancelledError:
            # Stopped while the process was being set up: it runs already, so it is
            # stopped too rather than left running on its own.
            await _stop(await starting)
            raise
        output = bytearray()
        assert process.stdout is not None

        async def collect() -> None:
            assert process.stdout is not None
            while chunk := await process.stdout.read(65536):
                if len(output) <= OUTPUT_CAP:
                    output.extend(chunk)  # read on past the cap so the command never blocks

        timed_out = False
        try:
            await asyncio.wait_for(collect(), self.command_timeout)
            await process.wait()
        except asyncio.TimeoutError:
            timed_out = True
            await _stop(process)
        except asyncio.CancelledError:
            await _stop(process)
            raise
        text = cap(bytes(output).decode("utf-8", "replace"))
        if timed_out:
            return ToolResult(
                f"{text}\n[stopped after {self.command_timeout:g} s: the time limit]", is_error=True
            )
        status = process.returncode
        return ToolResult(f"{text}\n[exit status {status}]".lstrip("\n"), is_error=status != 0)

    async def _fetch(self, url: str) -> ToolResult:
        try:
            page = await fetch_page(url, limit=URL_CAP)
        except FetchFailed as error:
            return ToolResult(f"Could not fetch {url}: {error.message}", is_error=True)
        text = page.body.decode("utf-8", "replace")
        if "html" in page.content_type.lower() or text.lstrip()[:15].lower().startswith(
            ("<!doctype", "<html")
        ):
            from ...domain.html_text import html_to_text  # HTML's parser: when a page comes

            text = html_to_text(text)
        note = " (the page was longer; the first part is shown)" if page.truncated else ""
        return ToolResult(
            cap(f"HTTP {page.status} from {page.url}{note}\n\n{text}"), is_error=page.status >= 400
        )


def _walk(top: Path) -> Iterator[Path]:
    """The files under `top`, hidden directories (.git, .venv) left out: never what a question
    is about, and often most of the files."""
    for folder, directories, names in os.walk(top):
        directories[:] = sorted(d for d in directories if not d.startswith("."))
        for name in sorted(names):
            yield Path(folder, name)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Stop the command's whole process group; a process that ignores TERM is killed."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            await asyncio.wait_for(process.wait(), 2.0)
            return
        except asyncio.TimeoutError:
            continue
