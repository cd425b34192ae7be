"""Provides the footer of every screen: the keys that fit, always ending with F1 and the
palette, so that in an 80-column terminal no key is cut in half and every other key is one
press away (F1 lists them by screen, Ctrl+P by name)."""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTIONS = ("help", "app.help")


class KeyShown(NamedTuple):
    """One key as the footer shows it."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str


def _width(key: str, description: str) -> int:
    """Cells a FooterKey takes: the key padded by one on each side, the description and one
    cell after it."""
    return cell_len(key) + cell_len(description) + 3


class _Key(FooterKey):
    """A footer key that can show another binding in place."""

    # Given at construction, class and all: Textual's default (True) added a class at every
    # mount and the footer's binding took it away again, two style updates per key.
    compact = reactive(False)

    def __init__(self, shown: KeyShown, *, compact: bool = False, classes: str = "") -> None:
        if compact:
            classes += " -compact"
        super().__init__(
            shown.key,
            shown.display,
            shown.description,
            shown.action,
            disabled=not shown.enabled,
            tooltip=shown.tooltip,
            classes=classes,
        )
        self.set_reactive(_Key.compact, compact)
        self.shown = shown

    def show(self, shown: KeyShown) -> None:
        if shown == self.shown:
            return
        width_changes = (shown.display, shown.description) != (
            self.shown.display,
            self.shown.description,
        )
        self.shown = shown
        self.key, self.key_display = shown.key, shown.display
        self.description, self.action = shown.description, shown.action
        self._disabled = not shown.enabled
        self.set_class(not shown.enabled, "-disabled")
        self.tooltip = shown.tooltip or None
        self.refresh(layout=width_changes)


class KeysFooter(Footer):
    """Textual's footer lays out every key in one row and cuts what does not fit (`… y Co▏`).
    This one shows the keys in their order while they fit, skipping those that do not,
    keeps F1 last and the palette docked right; on a screen other than the conversations,
    the app's conversation keys (new tab, close, model…) are left out: they still work, and
    F1 lists them.

    Textual's footer also takes down and mounts again every key at each refresh of the
    bindings (a focus change, a reply starting or ending), each of them styled anew. Here a
    refresh that changes nothing shown does nothing, and one that does changes the keys in
    place: only keys added or taken away are mounted or removed."""

    def __init__(self, *, first: tuple[str, ...] = (), id: str | None = None) -> None:
        super().__init__(id=id)
        self.first = first
        """Ids of the bindings shown before the others, most wanted first (where the key
        order of the screen would put them late)."""
        self._keys: list[_Key] = []
        self._palette: _Key | None = None
        self._update_due = False

    def compose(self) -> ComposeResult:
        return ()  # the keys are mounted by `_update` once the bindings are known

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._update_due:
            # Several refreshes in a row (a focus change and a reply starting) are one update,
            # once they have settled. On the footer's own queue: a callback after the next
            # refresh waits on the screen shown then, which may be another one by now.
            self._update_due = True
            self.call_later(self._update)

    def on_resize(self) -> None:
        if self._bindings_ready and not self._update_due:
            self._update_due = True
            self.call_later(self._update)

    def _update(self) -> None:
        self._update_due = False
        if not self.is_attached:
            return
        keys, palette = self._keys_to_show()
        for widget, shown in zip(self._keys, keys, strict=False):  # the rest: below
            widget.show(shown)
        added = [_Key(shown) for shown in keys[len(self._keys) :]]
        for widget in self._keys[len(keys) :]:
            widget.remove()
        self._keys = [*self._keys[: len(keys)], *added]
        if added:
            self.mount_all(added, before=self._palette)
        if palette is None:
            if self._palette is not None:
                self._palette.remove()
                self._palette = None
        elif self._palette is None:
            # Compact, as in Textual's footer (which never binds the palette key's style).
            self._palette = _Key(palette, compact=True, classes="-command-palette")
            self.mount(self._palette)
        else:
            self._palette.show(palette)

    def _keys_to_show(self) -> tuple[list[KeyShown], KeyShown | None]:
        """The keys that fit, in their order, F1 last; and the palette's key."""
        screen = self.screen
        app = self.app
        on_main_screen = screen is app.screen_stack[0]
        active = screen.active_bindings
        help_key: KeyShown | None = None
        shown: list[tuple[Binding, KeyShown]] = []
        actions: set[str] = set()
        for node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            key = KeyShown(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
            )
            if binding.action in HELP_ACTIONS:
                help_key = key
            elif node is app and not on_main_screen:
                continue
            else:
                shown.append((binding, key))
        shown.sort(key=lambda item: self._rank(item[0]))
        room = app.size.width
        palette: KeyShown | None = None
        active_palette = active.get(app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and active_palette:
            binding = active_palette.binding
            palette = KeyShown(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                active_palette.enabled,
                binding.tooltip or binding.description,
            )
            room -= _width(palette.display, palette.description)
        if help_key is not None:
            room -= _width(help_key.display, help_key.description)
        fitting: list[KeyShown] = []
        for _, key in shown:
            width = _width(key.display, key.description)
            if width <= room:
                fitting.append(key)
                room -= width
        if help_key is not None:
            fitting.append(help_key)
        return fitting, palette

    def _rank(self, binding: Binding) -> int:
        return self.first.index(binding.id) if binding.id in self.first else len(self.first)
