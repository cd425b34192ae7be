"""Provides the commands that work on saved conversations without starting the UI.

`ollama-tui list | export | import` answer quickly: nothing here imports Textual or httpx.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from .domain.columns import clip, pad, text_width
from .domain.text import sanitize_for_terminal
from .services.library import export_json, export_markdown, import_conversation
from .store import (
    InvalidSessionId,
    SessionNotFound,
    SessionStore,
    StoreError,
    UnreadableSession,
    write_user_file,
)

TITLE_AT_LEAST = 20
"""Columns a title keeps on a narrow terminal before the other columns give way."""
MODELS_AT_MOST = 24

_NARROWER = (("when", 10), ("models", 16), ("models", 12), ("messages", 0), ("models", 0))
"""How the columns give way on a narrow terminal, one step at a time: the time of day
first, then the models, then the message count, until the title has room."""


def _column_widths(models_width: int, width: int | None) -> dict[str, int]:
    """Each column's width (0: left out); `width` is the terminal's, None when piped."""
    columns = {"id": 26, "when": 16, "messages": 9, "models": min(models_width, MODELS_AT_MOST)}
    if width is None:
        return columns
    steps = iter(_NARROWER)

    def title_room() -> int:
        return width - sum(shown + 2 for shown in columns.values() if shown)

    while title_room() < TITLE_AT_LEAST and (step := next(steps, None)) is not None:
        name, narrower = step
        columns[name] = min(columns[name], narrower)
    columns["title"] = max(title_room(), 1)
    return columns


def list_sessions(
    store: SessionStore,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    width: int | None = None,
) -> int:
    """One line per conversation, newest first, in aligned columns; unreadable files are
    named on stderr. On a terminal `width` columns wide, each line fits it (the title is cut
    with an ellipsis); piped (`width` None), titles are whole."""
    summaries, unreadable = store.list_sessions()
    models_of = {
        summary.id: sanitize_for_terminal(",".join(summary.models) or "-") for summary in summaries
    }
    widths = _column_widths(max(map(text_width, models_of.values()), default=1), width)
    for summary in summaries:
        when = summary.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        count = summary.message_count
        cells = {
            "id": summary.id,
            "when": when[: widths["when"]],
            "messages": f"{count:>4} {'msg' if count == 1 else 'msgs'}",
            "models": models_of[summary.id],
        }
        line = "  ".join(pad(cells[name], widths[name]) for name in cells if widths[name])
        title = sanitize_for_terminal(summary.title).replace("\n", " ")
        out.write(f"{line}  {clip(title, widths['title']) if width else title}\n")
    for entry in unreadable:
        err.write(sanitize_for_terminal(f"unreadable: {entry.path}: {entry.reason}\n"))
    return 0


def export_session(
    store: SessionStore,
    session_id: str,
    fmt: str,
    output: Path | None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Write a conversation as Markdown or as its JSON file, to `output` or stdout."""
    try:
        conversation = store.read(session_id)
    except (InvalidSessionId, SessionNotFound, UnreadableSession) as error:
        err.write(f"ollama-tui: {sanitize_for_terminal(str(error))}\n")
        return 2
    text = export_markdown(conversation) if fmt == "md" else export_json(conversation)
    if output is None:
        out.write(text)
        return 0
    try:
        # Named on the command line, as for cp: replaced, but a symlink and a mode are kept.
        write_user_file(output, text.encode("utf-8"))
    except OSError as error:
        err.write(f"ollama-tui: cannot write {output}: {error.strerror or error}\n")
        return 1
    err.write(f"exported {session_id} to {output}\n")
    return 0


def import_session(
    store: SessionStore, path: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Save a JSON export as a new conversation, never over an existing one."""
    try:
        conversation, renamed = import_conversation(store, path)
    except (StoreError, OSError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        err.write(f"ollama-tui: cannot import {path}: {sanitize_for_terminal(str(reason))}\n")
        return 2
    note = " (its id was taken, so it got a new one)" if renamed else ""
    out.write(f"{conversation.id}\n")
    err.write(
        f"imported '{sanitize_for_terminal(conversation.title)}' as {conversation.id}{note}\n"
    )
    return 0


def describe_failure(command: str, error: Exception) -> str:
    """One line for a failure nothing above foresaw: the command, the kind and the reason."""
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    kind = type(error).__name__
    line = " ".join(f"{kind}: {reason}".split())  # newlines in the reason stay on one line
    return f"ollama-tui: {command} failed: {sanitize_for_terminal(line)}"
