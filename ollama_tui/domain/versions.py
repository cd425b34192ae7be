"""Provides versions of a conversation: a regenerated reply or an edited prompt starts a new
one, and the turns it replaces are kept, never dropped, so the user can flip back.

The versions branching at a message live on the message of the path in use there (its
`alternatives`, with its own place among them in `version`), so a file always holds every
version and only one path is sent to the model.
"""

from __future__ import annotations

from collections.abc import Iterator

from .conversation import Message


def _all_versions(messages: list[Message], index: int) -> list[list[Message]]:
    """Every version of the conversation from `index` on, the one in use at its place."""
    head = messages[index]
    others = list(head.alternatives or [])
    place = min(head.version or 0, len(others))
    return [*others[:place], messages[index:], *others[place:]]


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
