"""Provides versions of a conversation: a regenerated reply or an edited prompt starts a new
one, and the turns it replaces are kept, never dropped, so the user can flip back.

The versions branching at a message live on the message of the path in use there (its
`alternatives`, with its own place among them in `version`), so a file always holds every
version and only one path is sent to the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from .conversation import Message, Role


def _all_versions(messages: list[Message], index: int) -> list[list[Message]]:
    """Every version of the conversation from `index` on, the one in use at its place."""
    head = messages[index]
    others = list(head.alternatives or [])
    place = _place(head, len(others))
    return [*others[:place], messages[index:], *others[place:]]


def _place(head: Message, others: int) -> int:
    """Where the path in use stands among the versions at `head` (a hostile file's
    `version` out of range stands at an end)."""
    return max(0, min(head.version or 0, others))


def _plain(tail: list[Message]) -> list[Message]:
    """A version as kept among alternatives: its first message holds no versions itself."""
    if tail:
        tail[0].alternatives = None
        tail[0].version = None
    return tail


def set_aside(messages: list[Message], index: int) -> list[list[Message]]:
    """Take the turns from `index` on out of the path; returns every version so far, to be
    given to the message that starts the new one (see `start_version`)."""
    versions = _all_versions(messages, index)
    del messages[index:]
    return [_plain(tail) for tail in versions]


def start_version(message: Message, versions: list[list[Message]]) -> None:
    """Make `message` the first of a new version after `versions` (from `set_aside`)."""
    if versions:
        message.alternatives = versions
        message.version = len(versions)


def switch_version(messages: list[Message], index: int, place: int) -> list[Message]:
    """Put the version at `place` (0-based, wrapping) in use from `index` on; returns it.

    Raises:
        IndexError: when there is no message at `index`.
    """
    versions = _all_versions(messages, index)
    place %= len(versions)
    chosen = versions.pop(place)
    for tail in versions:
        _plain(tail)
    del messages[index:]
    head = chosen[0]
    head.alternatives = versions or None
    head.version = place if versions else None
    messages.extend(chosen)
    return chosen


def every_message(messages: list[Message]) -> Iterator[Message]:
    """Each message of every version from `messages` on: the path in use and all set aside."""
    for message in messages:
        yield message
        for tail in message.alternatives or ():
            yield from every_message(tail)


# -- the map of versions ------------------------------------------------------------------

_OUT_OF_LINE = (Role.SYSTEM, Role.TOOL)
"""Roles that are not turns of their own (a tool's result belongs to the reply that called
it): left out of the map unless a version starts with one."""


@dataclass(frozen=True)
class MapRow:
    """One turn of the map of versions, in the order the map lists them."""

    message: Message
    guides: str
    """The tree's lines before the turn (`├─`, `│ `, `└─`), two columns per branch level."""
    shown: bool
    """On the path the transcript shows (and the model is sent)."""
    branch: int | None
    """The branch point whose versions this turn belongs to (the innermost), numbered in
    the map's order; None on the line before any branch."""
    place: tuple[int, int] | None
    """On the first turn of a version: its place among its branch point's versions and how
    many there are (1-based, as the transcript says `version 2 of 3`)."""


_Pending = tuple[list[Message], str, bool, int | None, tuple[int, int] | None]
"""Turns still to list: the turns, their guides, shown, their branch, the first's place."""


def version_map(messages: list[Message]) -> list[MapRow]:
    """Every turn of every version, as a tree: the line shown first, and at each branch
    point the versions one under another, each with the turns that followed it."""
    rows: list[MapRow] = []
    branches = itertools.count()
    # A stack, not recursion: a file nested as deeply as JSON allows is still drawn.
    pending: list[_Pending] = [(messages, "", True, None, None)]
    while pending:
        turns, guides, shown, branch, place = pending.pop()
        for index, message in enumerate(turns):
            first = index == 0 and place is not None
            if message.alternatives and not first:
                versions = _all_versions(turns, index)
                current = _place(message, len(versions) - 1)
                number = next(branches)
                later: list[_Pending] = []
                for at, tail in enumerate(versions):
                    last = at == len(versions) - 1
                    later.append(
                        (
                            tail,
                            guides + ("└─" if last else "├─"),
                            shown and at == current,
                            number,
                            (at + 1, len(versions)),
                        )
                    )
                pending.extend(reversed(later))
                break
            if first or message.role not in _OUT_OF_LINE:
                rows.append(MapRow(message, guides, shown, branch, place if first else None))
            if first:
                # The turns after a version's first line up under it.
                guides = guides[:-2] + ("  " if guides.endswith("└─") else "│ ")
    return rows


def bring_into_view(messages: list[Message], message_id: str) -> Message | None:
    """Flip the versions on the way to the message `message_id`, so that the path in use
    runs through it; returns it (None when no version holds it)."""
    while True:
        for message in messages:
            if message.id == message_id:
                return message
        route = _route_to(messages, message_id)
        if route is None:
            return None
        switch_version(messages, *route)


def _route_to(messages: list[Message], message_id: str) -> tuple[int, int] | None:
    """(index, place): the branch point on the path and the version there that hold it."""
    for index, message in enumerate(messages):
        if not message.alternatives:
            continue
        versions = _all_versions(messages, index)
        current = _place(message, len(versions) - 1)
        for place, tail in enumerate(versions):
            if place != current and any(m.id == message_id for m in every_message(tail)):
                return index, place
    return None
