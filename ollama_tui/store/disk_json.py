"""Provides the one way JSON read from disk enters the program: strict UTF-8, bounded
nesting, and every string repaired.

JSON may escape half of a surrogate pair (`"\\ud800"`); Python keeps such a lone surrogate
in the `str`, and every later encode (the summary index, the search index, the terminal)
raises `UnicodeEncodeError`. Repairing here, where files are read, means no reader further
on ever sees one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..domain.text import map_strings

REPLACEMENT = "\ufffd"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Only a `\uD800`-`\uDFFF` escape can put a surrogate into the parsed text (strict UTF-8
# decoding refuses encoded ones), so most files need no repair walk at all.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class DiskJsonError(ValueError):
    """The bytes are not JSON this program reads; `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def repair_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD."""
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def read_json(raw: bytes) -> Any:
    """Parse a file's bytes as JSON, with every string free of lone surrogates.

    Raises:
        DiskJsonError: not UTF-8, not JSON, or nested too deeply to parse.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DiskJsonError(f"not UTF-8 text (byte {error.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DiskJsonError(f"not valid JSON (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise DiskJsonError("nested too deeply to read") from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            data = map_strings(data, repair_text)
        except RecursionError:
            raise DiskJsonError("nested too deeply to read") from None
    return data
