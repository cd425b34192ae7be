"""Provides the wall clock behind every date the app saves and every age or countdown it shows.

Everything reads the time through this module's `utc_now` at call time, so one replacement
(a test's fixed clock) fixes every date on screen at once.
"""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 days ago`, `7 weeks ago`, else the date."""
    seconds = ((now or utc_now()) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return moment.astimezone().strftime("%Y-%m-%d")
