"""Provides the footer of every screen: the keys that fit, always ending with F1 and the
palette, so that in an 80-column terminal no key is cut in half and every other key is one
press away (F1 lists them by screen, Ctrl+P by name)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTIONS = ("help", "app.help")


def _width(key: str, description: str) -> int:
    """Cells a FooterKey takes: the key padded by one on each side, the description and one
    cell after it."""
    return cell_len(key) + cell_len(description) + 3


class KeysFooter(Footer):
    """Textual's footer lays out every key in one row and cuts what does not fit (`… y Co▏`).
    This one shows the keys in their order while they fit, skipping those that do not,
    keeps F1 last and the palette docked right; on a screen other than the conversations,
    the app's conversation keys (new tab, close, model…) are left out: they still work, and
    F1 lists them."""

    def __init__(self, *, first: tuple[str, ...] = (), id: str | None = None) -> None:
        super().__init__(id=id)
        self.first = first
        """Ids of the bindings shown before the others, most wanted first (where the key
        order of the screen would put them late)."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        screen = self.screen
        app = self.app
        on_main_screen = screen is app.screen_stack[0]
        active = screen.active_bindings
        help_key: tuple[Binding, bool, str] | None = None
        shown: list[tuple[Binding, bool, str]] = []
        actions: set[str] = set()
        for node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            if binding.action in HELP_ACTIONS:
                help_key = (binding, enabled, tooltip)
            elif node is app and not on_main_screen:
                continue
            else:
                shown.append((binding, enabled, tooltip))
        shown.sort(key=lambda item: self._rank(item[0]))
        room = app.size.width
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and palette is not None:
            room -= _width(app.get_key_display(palette.binding), palette.binding.description)
        if help_key is not None:
            room -= _width(app.get_key_display(help_key[0]), help_key[0].description)
        fitting: list[tuple[Binding, bool, str]] = []
        for item in shown:
            width = _width(app.get_key_display(item[0]), item[0].description)
            if width <= room:
                fitting.append(item)
                room -= width
        if help_key is not None:
            fitting.append(help_key)
        self.styles.grid_size_columns = len(fitting)
        for binding, enabled, tooltip in fitting:
            yield FooterKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and palette is not None:
            yield FooterKey(
                palette.binding.key,
                app.get_key_display(palette.binding),
                palette.binding.description,
                palette.binding.action,
                classes="-command-palette",
                disabled=not palette.enabled,
                tooltip=palette.binding.tooltip or palette.binding.description,
            )

    def _rank(self, binding: Binding) -> int:
        return self.first.index(binding.id) if binding.id in self.first else len(self.first)

    def on_resize(self) -> None:
        self.call_after_refresh(self.recompose)
