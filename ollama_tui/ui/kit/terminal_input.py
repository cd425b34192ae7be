"""Provides the app's handling of what the terminal sends: keys taken one at a time, in the
order they were typed, and Alt+digit read as a key rather than a character."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from functools import partial

from textual import events, on
from textual._xterm_parser import XTermParser
from textual.app import App, ReturnType
from textual.message import Message
from textual.timer import Timer

HANDLED_TIMEOUT = 1.0
"""Seconds to wait for a key's round trip before taking the next key anyway (its widget went
away with the note of its end)."""


def _read_esc_digit_as_alt() -> None:
    """ESC followed by a digit is Alt+digit, as tmux, xterm, GNOME Terminal, iTerm2 ("Esc+")
    and macOS Terminal ("Option as Meta") send it.

    Textual 8.2.8 maps these pairs to the characters macOS types for Option+digit (`¡™£¢∞§¶•ªº`,
    for WezTerm on macOS), so a focused text field inserts `™` for Alt+2 and no `alt+2`
    binding can fire. Other ESC+character pairs already become `alt+<character>`. The
    characters themselves, typed (a macOS Option key without "Option as Meta", a Spanish `¡`,
    a British `£`), stay characters: they are someone's text."""
    original = XTermParser._sequence_to_key_events
    if getattr(original, "reads_esc_digit_as_alt", False):
        return

    def sequence_to_key_events(
        self: XTermParser, sequence: str, alt: bool = False
    ) -> Iterable[events.Key]:
        if len(sequence) == 2 and sequence[0] == "\x1b" and sequence[1] in "0123456789":
            return [events.Key(f"alt+{sequence[1]}", None)]
        return original(self, sequence, alt)

    sequence_to_key_events.reads_esc_digit_as_alt = True  # type: ignore[attr-defined]
    XTermParser._sequence_to_key_events = sequence_to_key_events  # type: ignore[method-assign]


_read_esc_digit_as_alt()


class InputHandled(Message, bubble=True):
    """Sent behind a key, along the same way: it reaches the app once that key has been dealt
    with wherever it went (messages of one queue keep their order, at every level)."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


class KeysInOrderApp(App[ReturnType]):
    """An app that hands the focused widget one key at a time.

    Textual 8.2.8 forwards each key to the focused widget, which handles printable characters
    itself; a key bound to an action there (Backspace, arrows, Ctrl+K in a TextArea or
    Input) comes back up to the app through every parent's queue before its action runs. Keys
    that arrive in one read (fast typing, a slow SSH link) are forwarded meanwhile, so `xy`
    typed after two Backspaces was inserted first and then deleted (Textualize/textual#6605).
    Here a key, or a paste, is given to the widgets only once the one before it has been
    handled everywhere it went; keys handled by the app's own priority bindings wait for what
    those bindings queued (a new tab's focus, say) in the same way.
    """

    def __init__(self) -> None:
        super().__init__()
        self._held_input: deque[events.Key | events.Paste] = deque()
        self._input_in_flight = 0
        """The number of the key being handled, or 0 when none is."""
        self._input_numbers = 0
        self._input_timeout: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self._held_input.append(event)
            if not self._input_in_flight:
                await self._deliver_held_input()
            return
        await super().on_event(event)

    async def _deliver_held_input(self) -> None:
        while self._held_input and not self._input_in_flight:
            event = self._held_input.popleft()
            await super().on_event(event)
            self._input_numbers += 1
            self._input_in_flight = self._input_numbers
            # Behind the key: to the widget it went to, else to the app's own queue, after
            # whatever the key's priority action asked to be done next.
            number = self._input_numbers
            if not event.is_forwarded:
                self.post_message(InputHandled(number))  # the app's own queue loses nothing
                continue
            (self.focused or self.screen).post_message(InputHandled(number))
            self._input_timeout = self.set_timer(
                HANDLED_TIMEOUT, partial(self._input_timed_out, number)
            )

    @on(InputHandled)
    async def _input_handled(self, message: InputHandled) -> None:
        message.stop()
        if message.number == self._input_in_flight:
            await self._next_input()

    async def _input_timed_out(self, number: int) -> None:
        if number == self._input_in_flight:
            await self._next_input()

    async def _next_input(self) -> None:
        if self._input_timeout is not None:
            self._input_timeout.stop()
            self._input_timeout = None
        self._input_in_flight = 0
        await self._deliver_held_input()
