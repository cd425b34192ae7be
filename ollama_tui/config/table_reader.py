"""Provides the reader that takes a `config.toml` table's keys one by one, noting each problem
with the file and line it is on (shared by every part of the config)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


def line_of(text: str, table: str, key: str) -> int | None:
    """The line where `key` is set under `[table]` ("" for the top), for messages."""
    current = ""
    pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            current = header.group(1).replace('"', "").replace("'", "")
            continue
        if current == table and pattern.match(line):
            return number
    return None  # in an inline table, say: the message names the file and key


class TableReader:
    """Takes keys out of a parsed table, noting each problem with its line."""

    def __init__(self, path: Path, text: str, problems: list[str]) -> None:
        self.path = path
        self.text = text
        self.problems = problems

    def problem(self, table: str, key: str, message: str) -> None:
        line = line_of(self.text, table, key)
        where = f"{self.path}, line {line}" if line else str(self.path)
        dotted = f"{table}.{key}" if table else key
        self.problems.append(f"{where}: {dotted}: {message}")

    def take(
        self,
        data: dict[str, Any],
        table: str,
        key: str,
        kinds: tuple[type, ...],
        describe: str,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """`data[key]` when it is one of `kinds` (and passes `check`), else None, noted."""
        if key not in data:
            return None
        value = data.pop(key)
        # bool is an int in Python; a number field must not take `true`.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.problem(table, key, f"expected {describe}, got {value!r}; ignored")
            return None
        if check is not None and (message := check(value)):
            self.problem(table, key, f"{message}; ignored")
            return None
        return value

    def unknown(self, data: dict[str, Any], table: str) -> None:
        for key in data:
            self.problem(table, key, "unknown key; ignored (a typo?)")
