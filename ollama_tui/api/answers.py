"""Provides what every answer from a server goes through, without pydantic: `server_text`,
the one rule for its strings, and `Listing`, the entries of a list it sent that could be read.

Apart from the wire models (`wire`) so that the client, its version probe and the model list
are defined before the first frame without importing pydantic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from ..domain.secrets import mask_remembered
from ..domain.text import sanitize_for_terminal

if TYPE_CHECKING:
    from .errors import ProtocolError

EntryT = TypeVar("EntryT")


class Listing(list[EntryT], Generic[EntryT]):
    """The entries of a list the server sent that could be read, in order; `skipped` has an
    error for each one that could not, to be reported rather than hide the rest."""

    def __init__(self, entries: list[EntryT] | None = None) -> None:
        super().__init__(entries or [])
        self.skipped: list[ProtocolError] = []


def server_text(text: str) -> str:
    """A string a server sent, made display-safe and cleared of any secret this process sent
    (a hostile server or a proxy may echo a header): the one rule for every text from a server,
    whether it comes in a validated answer or as a streamed chunk."""
    return mask_remembered(sanitize_for_terminal(text))
