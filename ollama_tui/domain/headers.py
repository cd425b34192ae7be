"""Provides the check of an HTTP header a user configured, before anything tries to send it.

h11 refuses a value with a line break or a space at either end ("Illegal header value",
quoting the value), and httpx a value that is not ASCII (UnicodeEncodeError): both would
surface far from the config, one of them quoting the secret. A problem names the header and
never its value.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Visible ASCII, with spaces and tabs inside (RFC 9110 field-value).
_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?")


def clean_header_value(value: str) -> str:
    """Spaces and line breaks around a value are not part of it (RFC 9110 §5.5); a value
    pasted with a trailing newline is meant without it."""
    return value.strip(" \t\r\n")


def header_problem(name: str, value: str) -> str | None:
    """Why this header cannot be sent, never quoting its value (callers name the header);
    None if it can.

    A value with spaces or line breaks around it is refused: clean it first where a user
    typed it (`clean_header_value`).
    """
    if not _TOKEN.fullmatch(name):
        return "a header name is letters, digits and !#$%&'*+-.^_`|~ only (no spaces or colons)"
    if value != clean_header_value(value):
        return "its value starts or ends with a space or a line break"
    if value and not _VALUE.fullmatch(value):
        if any(ord(char) > 0x7E for char in value):
            reason = "has characters other than ASCII"
        else:
            reason = "has a line break or another control character"
        return f"its value {reason}"
    return None
