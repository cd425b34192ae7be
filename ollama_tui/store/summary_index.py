"""Provides the summary index: a rebuildable cache of each session file's list line.

`<data_dir>/index.json` maps a file name to its size, its mtime and its summary (or why it
is unreadable). A file whose size or mtime changed is read again, so files written behind
our back (another instance, a restore from backup) show up as they are; deleting the index
loses nothing, it is rebuilt on the next listing.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from .atomic import atomic_write_bytes, is_temp_name
from .disk_json import DiskJsonError, read_json

INDEX_VERSION = 1

Record = dict[str, Any]
"""{"size", "mtime_ns", and either "summary": {...} or "unreadable": reason}."""


class SummaryIndex:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Record]:
        """The cached records; anything odd about the file means starting afresh."""
        try:
            data = read_json(self.path.read_bytes())
        except (OSError, DiskJsonError):
            return {}
        if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
            return {}
        files = data.get("files")
        return files if isinstance(files, dict) else {}

    def save(self, records: dict[str, Record]) -> None:
        """Best effort: a cache that cannot be written is rebuilt next time."""
        payload = json.dumps({"version": INDEX_VERSION, "files": records}, ensure_ascii=False)
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.path, payload.encode("utf-8"))


FileStamp = tuple[int, int]
"""(size, mtime_ns): what tells both caches that a file changed."""


def session_files(folder: Path) -> dict[str, FileStamp]:
    """Every session file's name and stamp, without temporary files."""
    found: dict[str, FileStamp] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".json") and not is_temp_name(entry.name):
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    found[entry.name] = (info.st_size, info.st_mtime_ns)
    return found


def is_fresh(record: Record, stamp: FileStamp) -> bool:
    """The file has not changed since the record was made."""
    return (record.get("size"), record.get("mtime_ns")) == stamp
