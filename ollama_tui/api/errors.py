"""Provides the client's one error hierarchy: each failure a user can meet, clearly worded."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..domain.secrets import redact
from ..domain.text import sanitize_for_terminal

if TYPE_CHECKING:
    from pydantic import ValidationError


class OllamaError(Exception):
    """Base of everything the client raises; `message` is shown to the user as it is.

    Every message passes here, so it is made inert for a terminal and has every secret
    (header values, URL passwords) masked whoever wrote it: us, h11, or a proxy's error page.
    """

    def __init__(self, message: str) -> None:
        self.message = sanitize_for_terminal(redact(message))
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ServerUnavailable(OllamaError):
    """Nothing answered at the host: refused, unknown name, unreachable network."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"Cannot reach Ollama at {host} ({reason}).")
        self.host = host


class RequestTimedOut(OllamaError):
    """Connecting, sending, or waiting for the next line took longer than allowed."""


class ResponseError(OllamaError):
    """The server answered with an HTTP error status before any reply body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ModelNotFound(ResponseError):
    """The model is not on this server (a 404 that says so)."""

    def __init__(self, status: int, message: str, model: str) -> None:
        super().__init__(status, message)
        self.model = model


class ToolsNotSupported(ResponseError):
    """The model cannot call tools (servers before 0.30 say so only when asked to)."""

    def __init__(self, status: int, message: str, model: str) -> None:
        super().__init__(status, message)
        self.model = model


class StreamFailed(OllamaError):
    """The server reported an error in the middle of a streamed reply."""


class StreamIncomplete(OllamaError):
    """The reply ended cleanly but without its final `done` line."""


class ConnectionLost(OllamaError):
    """The connection dropped in the middle of a reply (server stopped or restarted)."""


class ProtocolError(OllamaError):
    """The server sent something that is not Ollama's wire format."""


def validation_problem(error: ValidationError) -> str:
    """The first thing wrong, as `field: what pydantic says`, without quoting the value."""
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "the object"
    more = error.error_count() - 1
    return f"{where}: {first['msg']}" + (f" (and {more} more)" if more else "")


# Ollama says `model 'x' not found` (most routes) or `model "x" not found, try pulling it first`.
_MODEL_NOT_FOUND = re.compile(r"""model ['"](?P<model>.+?)['"] not found""")


_TITLE = re.compile(r"<(title|h1)[^>]*>(?P<text>.*?)</\1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _html_summary(status: int, page: str) -> str:
    """An HTML error page (a proxy's, usually) said in a line: its title or heading."""
    found = _TITLE.search(page)
    words = _TAG.sub(" ", found.group("text") if found else page)
    summary = " ".join(words.split())[:120] or "no text"
    return (
        f"HTTP {status} with a web page instead of Ollama's answer ({summary}): "
        "a proxy in front of Ollama may have failed"
    )


# `"<m>" does not support tools` (newer servers quote the name; 0.5.x writes the full
# `registry.ollama.ai/library/<m>:<tag>` bare).
_NO_TOOLS = re.compile(
    r"""["']?(?:registry\.ollama\.ai/library/)?(?P<model>[^\s"']+)["']? does not support tools"""
)


def error_for_status(status: int, body: bytes, content_type: str) -> ResponseError:
    """Turn an HTTP error response into the matching error, quoting the server's own words."""
    text = body.decode("utf-8", errors="replace").strip()
    message = ""
    if "json" in content_type or text.startswith("{"):
        import json

        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            message = data["error"]
    if not message and ("html" in content_type or text.lower().startswith(("<!doctype", "<html"))):
        message = _html_summary(status, text)
    if not message:
        message = text[:500] if text else f"HTTP {status} with an empty body"
    if status == 403 and not text:
        message += " (a reverse proxy in front of Ollama may need to send `Host: localhost:11434`)"
    if status == 400 and (match := _NO_TOOLS.search(message)):
        return ToolsNotSupported(status, message, match.group("model"))
    if status == 404:
        match = _MODEL_NOT_FOUND.search(message)
        if match:
            return ModelNotFound(status, message, match.group("model"))
    return ResponseError(status, message)
