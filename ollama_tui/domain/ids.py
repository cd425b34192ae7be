"""Provides conversation and message ids: unique, sortable by creation time, filename-safe."""

from __future__ import annotations

import os
import re
import threading
import time

# Crockford's base32, as in ULIDs: sortable as text, no ambiguous letters.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALID_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_lock = threading.Lock()
_last: tuple[int, int] = (0, 0)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id() -> str:
    """Return a new 26-character ULID-style id, monotonic within this process."""
    global _last
    with _lock:
        millis = time.time_ns() // 1_000_000
        last_millis, last_random = _last
        if millis <= last_millis:
            # Same millisecond (or a clock step back): keep order by counting up.
            millis, random_part = last_millis, last_random + 1
        else:
            random_part = int.from_bytes(os.urandom(10), "big") >> 1
        _last = (millis, random_part)
    return _encode(millis, 10) + _encode(random_part, 16)


def is_valid_id(value: str) -> bool:
    """Tell whether `value` is safe to use as a file name inside the sessions folder."""
    return _VALID_ID.fullmatch(value) is not None
