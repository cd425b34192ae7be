"""Provides file-name completion for a path being typed: the entries of the folder typed so
far that extend it, as `/attach PATH` and the attach dialog offer them."""

from __future__ import annotations

import os
from itertools import islice
from pathlib import Path

MAX_SCANNED = 10_000
"""Entries read from one folder at most: a huge folder must not stall the typing."""
MAX_OFFERED = 50


def path_completions(typed: str, limit: int = MAX_OFFERED) -> list[str]:
    """`typed` completed with each matching entry's name, sorted, folders ending in `/`;
    relative to the working directory, `~` expanded for the lookup (the text keeps it).
    Hidden entries only when their dot is typed; nothing typed lists the working directory.
    Reads the disk: call it off the UI thread."""
    path = Path(os.path.expanduser(typed))
    folder, stem = (path, "") if typed.endswith(os.sep) else (path.parent, path.name)
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                entry.name + (os.sep if _is_dir(entry) else "")
                for entry in islice(entries, MAX_SCANNED)
                if entry.name.startswith(stem)
                and (stem.startswith(".") or not entry.name.startswith("."))
            )
    except OSError:
        return []
    return [typed + name[len(stem) :] for name in names[:limit]]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
