"""Provides the failure log: `<data_dir>/logs/failures.log`, where a worker's unexpected
failure is written with its traceback, for a bug report.

The traceback has no local variables, and every remembered secret (header values, URL
passwords) is masked in it. The file is private (0600 in a 0700 folder) and kept small: past
`MAX_BYTES` it becomes `failures.log.1`, replacing the one before.
"""

from __future__ import annotations

import os
import traceback
from datetime import datetime, timezone
from pathlib import Path

from ..domain.secrets import redact
from ..store.atomic import ensure_private_dir

LOG_NAME = "failures.log"
MAX_BYTES = 1024 * 1024


def failure_log_path(data_dir: Path) -> Path:
    return data_dir / "logs" / LOG_NAME


def record_failure(data_dir: Path, what: str, error: BaseException) -> Path:
    """Append `what` failed, with the traceback of `error`, to the log; returns its path.

    Raises:
        OSError: the log cannot be written (the caller still tells the user what failed).
    """
    path = failure_log_path(data_dir)
    ensure_private_dir(path.parent)
    try:
        if path.stat().st_size > MAX_BYTES:
            os.replace(path, path.with_name(f"{LOG_NAME}.1"))
    except FileNotFoundError:
        pass
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    entry = redact(f"{when} {what} failed\n{trace}\n")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.write(fd, entry.encode("utf-8", "backslashreplace"))
    finally:
        os.close(fd)
    return path


def describe_failure(error: BaseException) -> str:
    """The exception in a line for a notification, secrets masked."""
    text = " ".join(str(error).split())
    if len(text) > 160:
        text = text[:159] + "…"
    return redact(f"{type(error).__name__}: {text}" if text else type(error).__name__)


def report_failure(data_dir: Path, what: str, error: BaseException, outcome: str = "") -> str:
    """Log `error` and say so: `<what> failed (<error>)<outcome>. Details: <log>`."""
    try:
        where = f"Details: {record_failure(data_dir, what, error)}"
    except OSError as problem:
        where = f"The details could not be written to {failure_log_path(data_dir)} ({problem})"
    return f"{what} failed ({describe_failure(error)}){outcome}. {where}"
