"""Provides typed reads of a parsed JSON document that name the place of the first wrong value.

The conversation's files are read with these, in plain Python: a validation library costs
more to import than the whole first frame of the app spends on everything of ours.
Messages say what a value should be, never what it is (the file may be anyone's).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum
from typing import Any, TypeVar

Where = tuple[str | int, ...]
"""A value's place in the document: the keys and list positions that lead to it."""

T = TypeVar("T")
E = TypeVar("E", bound=Enum)
Read = Callable[[object, Where], T]


class WrongValue(ValueError):
    """A value that is not what its place in the document takes."""

    def __init__(self, where: Where, what: str) -> None:
        super().__init__(f"{place(where)}: {what}")
        self.where = where
        self.what = what


def place(where: Where) -> str:
    """`where` as a dotted path (`messages.0.role`), or "the file" for the whole document."""
    return ".".join(str(part) for part in where) or "the file"


def copied(value: Any) -> Any:
    """A JSON value with its own lists and objects, so that neither side of a read or a
    write changes the other's."""
    if isinstance(value, dict):
        return {key: copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copied(item) for item in value]
    return value


_ABSENT = object()


class JsonObject:
    """One JSON object being read: each field read is taken out of it, and what is left is
    what this version does not know (kept, so a rewrite never loses what a newer one added)."""

    def __init__(self, value: object, where: Where) -> None:
        if not isinstance(value, dict):
            raise WrongValue(where, "should be an object")
        self._left: dict[str, Any] = dict(value)
        self.where = where

    def take(self, name: str, read: Read[T], default: T) -> T:
        """The field `name` read by `read`, or `default` when it is not there."""
        value = self._left.pop(name, _ABSENT)
        return default if value is _ABSENT else read(value, (*self.where, name))

    def take_or_make(self, name: str, read: Read[T], make: Callable[[], T]) -> T:
        """The field `name` read by `read`, or a value made by `make` when it is not there."""
        value = self._left.pop(name, _ABSENT)
        return make() if value is _ABSENT else read(value, (*self.where, name))

    def require(self, name: str, read: Read[T]) -> T:
        if name not in self._left:
            raise WrongValue((*self.where, name), "is missing")
        return read(self._left.pop(name), (*self.where, name))

    def unknown(self) -> dict[str, Any]:
        """The fields not taken."""
        return json_object(self._left, self.where)


def optional(read: Read[T]) -> Read[T | None]:
    """`read`, with null read as None."""

    def read_optional(value: object, where: Where) -> T | None:
        return None if value is None else read(value, where)

    return read_optional


def text(value: object, where: Where) -> str:
    if not isinstance(value, str):
        raise WrongValue(where, "should be text")
    return value


def optional_text(value: object, where: Where) -> str | None:
    """Text or null: `optional(text)`, in one call (most fields of a message are this)."""
    if value is None or isinstance(value, str):
        return value
    raise WrongValue(where, "should be text")


def whole_number(value: object, where: Where) -> int:
    """An integer; a float without a fraction (`3.0`, as some writers put it) is taken too."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise WrongValue(where, "should be a whole number")


def json_object(value: object, where: Where) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WrongValue(where, "should be an object")
    return {key: copied(item) for key, item in value.items()}


def list_of(read: Read[T]) -> Read[list[T]]:
    """A list, each item read by `read`."""

    def read_list(value: object, where: Where) -> list[T]:
        if not isinstance(value, list):
            raise WrongValue(where, "should be a list")
        return [read(item, (*where, index)) for index, item in enumerate(value)]

    return read_list


def member(kind: type[E]) -> Read[E]:
    """A member of the enumeration `kind`, by its value."""

    def read_member(value: object, where: Where) -> E:
        with contextlib.suppress(ValueError, TypeError):  # TypeError: a list, say
            return kind(value)
        names = ", ".join(str(candidate.value) for candidate in kind)
        raise WrongValue(where, f"should be one of {names}")

    return read_member


def comparable_time(moment: datetime) -> datetime:
    """A time written without a zone (by hand, or by another tool) is taken as UTC, so every
    time read is comparable with every other; years 1 and 9999 are refused, since showing
    them in a local zone overflows."""
    if not 1 < moment.year < 9999:
        raise ValueError("the year must be between 2 and 9998")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def timestamp(value: object, where: Where) -> datetime:
    """An ISO 8601 time (`2026-01-02T03:04:05Z`), as `comparable_time` takes it."""
    if not isinstance(value, str):
        raise WrongValue(where, "should be a time as text")
    # Python 3.10 reads no `Z`; every version reads the same instant as `+00:00`.
    written = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
    try:
        moment = datetime.fromisoformat(written)
    except ValueError:
        raise WrongValue(where, "should be an ISO 8601 time") from None
    try:
        return comparable_time(moment)
    except ValueError as error:
        raise WrongValue(where, str(error)) from None


def timestamp_text(moment: datetime) -> str:
    """`moment` as written to files: ISO 8601, UTC as `Z`."""
    written = moment.isoformat()
    return written[:-6] + "Z" if written.endswith("+00:00") else written
