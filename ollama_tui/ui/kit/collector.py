"""Provides when Python's collector makes its full passes: at quiet moments, not while replies
stream.

The collector's young passes take a millisecond or two; a full pass walks every object the
app keeps (each turn's drawn lines and the caches Textual gives each line) and comes by itself
when enough objects have outlived the young passes: while replies stream, every few seconds,
for 20-30 ms at once. A key typed then waited for it (while three compare columns streamed at
400 tokens a second at 160x48, the worst echo, 40-60 ms, was a full pass each time). Here a
full pass comes when it is due as Python counts it, but only when no reply streams or when
the last one is `AT_MOST_EVERY` seconds old. Streaming makes little that only a full pass
frees: its lines are freed as soon as they are replaced.
"""

from __future__ import annotations

import gc
from time import monotonic

NEVER = 1_000_000_000
"""Passes of the middle generation before a full one: never, in practice."""

DUE = 10
"""Passes of the middle generation after which a full one is due (Python's own default)."""

AT_MOST_EVERY = 60.0
"""Seconds between full passes at most, however long replies stream."""

CHECK_EVERY = 5.0
"""Seconds between looks at whether a full pass is due."""

_last = monotonic()


def defer_full_passes() -> None:
    """Leave the full passes to `collect_if_due` (once the app runs)."""
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)


def collect_if_due(*, streaming: bool) -> bool:
    """A full pass when one is due and nothing streams, or it is overdue; whether it ran."""
    global _last
    if gc.get_count()[2] < DUE:
        return False
    if streaming and monotonic() - _last < AT_MOST_EVERY:
        return False
    gc.collect()
    _last = monotonic()
    return True
