"""Provides the prompt library's files: `<data_dir>/prompts/NAME.md`, one saved prompt or
persona each, Markdown with TOML front matter between `+++` lines.

TOML rather than a YAML subset of our own: the config is already TOML, `tomllib` is a
strict parser with typed values (a temperature is a number, stop sequences an array, a
quote or a colon in a value needs no rule of ours), and its errors give a line. A file is
small settings on top and the long text (the prompt, the system prompt) in the body, so the
writer below only needs strings, numbers, booleans, arrays of strings and one table.

The folder is edited by hand too: every file is read anew at each listing, and one that
cannot be used (a symbolic link, not UTF-8, too large, bad front matter, a name that is not
a name) is reported and skipped, never changed.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_write_bytes, ensure_private_dir, is_temp_name
from .disk_json import repair_text
from .errors import StoreError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FOLDER = "prompts"
SUFFIX = ".md"
FENCE = "+++"
MAX_FILE_BYTES = 256 * 1024
"""A prompt or a persona is a few kilobytes; anything this big is not one to read."""
MAX_FILES = 2000
"""Files listed at most: a folder of more is not a library a person keeps."""
MAX_NAME = 64
_SEPARATORS = frozenset("/\\")

FrontValue = str | int | float | bool | list[str]
Front = Mapping[str, FrontValue | Mapping[str, FrontValue]]
"""What the writer takes: scalar keys, and tables of scalar keys."""


class PromptFileError(StoreError):
    """A library file that cannot be used; `reason` says why in a few words."""

    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


class PromptNotFound(StoreError):
    def __init__(self, name: str) -> None:
        super().__init__(f"nothing in the library is named {name!r}")
        self.name = name


@dataclass(frozen=True)
class PromptFile:
    """One file as read: its name (the file's, without `.md`), front matter and body."""

    name: str
    front: dict[str, Any]
    body: str


@dataclass(frozen=True)
class SkippedFile:
    """A file of the folder that was not used, and why."""

    file_name: str
    reason: str


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a library file, or None: it becomes the file's name, so it
    holds no path separator, does not start with a dot, and has no control characters."""
    if not name.strip():
        return "Type a name, like code-review."
    if len(name) > MAX_NAME:
        return f"A name is at most {MAX_NAME} characters."
    if name != name.strip():
        return "A name does not begin or end with a space."
    if name.startswith("."):
        return "A name does not begin with a dot."
    if _SEPARATORS & set(name):
        return "A name has no / or \\ in it."
    if not name.isprintable():
        return "A name has no control or invisible characters in it."
    return None


def parse(file_name: str, text: str) -> tuple[dict[str, Any], str]:
    """The front matter (empty when the file has none) and the body of a file's text.

    Raises:
        PromptFileError: the front matter is not closed or not TOML.
    """
    lines = text.split("\n")
    if lines[0].rstrip("\r") != FENCE:
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r") == FENCE:
            front_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            break
    else:
        raise PromptFileError(file_name, f"the front matter's closing {FENCE} is missing")
    try:
        front = tomllib.loads(front_text)
    except tomllib.TOMLDecodeError as error:
        raise PromptFileError(file_name, f"the front matter is not TOML ({error})") from None
    return front, body


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are not all TOML's (DEL must be escaped, a
    surrogate may not be), so each character is written here."""
    out = ['"']
    for char in repair_text(text):
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _toml_value(value: FrontValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written")
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    return "[" + ", ".join(_toml_string(item) for item in value) + "]"


def render(front: Front, body: str) -> str:
    """The file's text: the front matter (scalars first, then each table) and the body."""
    lines = [FENCE]
    tables: list[tuple[str, Mapping[str, FrontValue]]] = []
    for key, value in front.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in tables:
        if table:
            lines.append(f"\n[{key}]")
            lines += [f"{name} = {_toml_value(value)}" for name, value in table.items()]
    lines.append(FENCE)
    return "\n".join(lines) + "\n" + repair_text(body)


class PromptFiles:
    """The files of `<data_dir>/prompts/`, read anew at each call: edits made by hand are
    seen at the next listing."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, name: str) -> Path:
        """Raises ValueError when `name` is not a name (see `name_problem`)."""
        if problem := name_problem(name):
            raise ValueError(problem)
        return self.folder / f"{name}{SUFFIX}"

    def exists(self, name: str) -> bool:
        """A file (or a link, or anything) has that name already."""
        return os.path.lexists(self.path_for(name))

    def read(self, name: str) -> PromptFile:
        """Raises PromptNotFound, PromptFileError, ValueError (not a name)."""
        return self._read_path(self.path_for(name), name)

    def _read_path(self, path: Path, name: str) -> PromptFile:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise PromptNotFound(name) from None
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise PromptFileError(path.name, "a symbolic link, which is not read") from None
            raise PromptFileError(path.name, error.strerror or str(error)) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise PromptFileError(path.name, "not a regular file")
            if info.st_size > MAX_FILE_BYTES:
                raise PromptFileError(path.name, f"larger than {MAX_FILE_BYTES:,} bytes")
            with os.fdopen(fd, "rb", closefd=False) as file:
                raw = file.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise PromptFileError(path.name, error.strerror or str(error)) from None
        finally:
            os.close(fd)
        if len(raw) > MAX_FILE_BYTES:
            raise PromptFileError(path.name, f"larger than {MAX_FILE_BYTES:,} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PromptFileError(path.name, f"not UTF-8 text (byte {error.start})") from None
        front, body = parse(path.name, text)
        return PromptFile(name, front, body)

    def listing(self) -> tuple[list[PromptFile], list[SkippedFile]]:
        """Every usable file, by name, and those skipped with why (hidden files and our
        temporary ones are left out without a word). A missing folder is an empty library.

        Raises:
            OSError: the folder cannot be listed.
        """
        try:
            entries = sorted(os.scandir(self.folder), key=lambda entry: entry.name)
        except FileNotFoundError:
            return [], []
        files: list[PromptFile] = []
        skipped: list[SkippedFile] = []
        for entry in entries:
            if entry.name.startswith(".") or is_temp_name(entry.name):
                continue
            if len(files) + len(skipped) >= MAX_FILES:
                skipped.append(SkippedFile("…", f"more than {MAX_FILES} files; the rest"))
                break
            name = entry.name.removesuffix(SUFFIX)
            if not entry.name.endswith(SUFFIX):
                skipped.append(SkippedFile(entry.name, f"not a {SUFFIX} file"))
            elif problem := name_problem(name):
                skipped.append(SkippedFile(entry.name, f"not a name: {problem}"))
            else:
                try:
                    files.append(self._read_path(Path(entry.path), name))
                except PromptFileError as error:
                    skipped.append(SkippedFile(entry.name, error.reason))
                except PromptNotFound:
                    continue  # removed while listed
        return files, skipped

    def write(self, name: str, front: Front, body: str) -> Path:
        """Write (or replace) the file of `name`, atomically and private (0600, the folder
        0700).

        Raises:
            ValueError: not a name.
            PromptFileError: a symbolic link or a folder has that name; it is not replaced.
            OSError: unchanged (a full disk); the old file is intact.
        """
        path = self.path_for(name)
        if path.is_symlink():
            raise PromptFileError(path.name, "a symbolic link, which is never replaced")
        if path.is_dir():
            raise PromptFileError(path.name, "a folder, which is never replaced")
        ensure_private_dir(self.folder)
        atomic_write_bytes(path, render(front, body).encode("utf-8"))
        return path

    def delete(self, name: str) -> None:
        """Remove the file (a link is removed, never what it names).

        Raises:
            PromptNotFound, ValueError (not a name), OSError.
        """
        try:
            os.unlink(self.path_for(name))
        except FileNotFoundError:
            raise PromptNotFound(name) from None
