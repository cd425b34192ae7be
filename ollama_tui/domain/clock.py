"""Provides the wall clock behind every date the app saves and every age or countdown it shows.

Everything reads the time through this module's `utc_now` at call time, so one replacement
(a test's fixed clock) fixes every date on screen at once.
"""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
