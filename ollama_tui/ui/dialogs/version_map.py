"""Provides the map of versions: every turn of every version of a conversation as a tree, the
path shown marked; Enter jumps to the version the cursor is on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.events import Resize
from textual.message import Message as TextualMessage
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...domain.conversation import Role
from ...domain.quantities import count_of
from ...domain.versions import MapRow
from ..kit.keys import bindings, key_on
from ..kit.safe_text import plain

LABEL_WIDTH = 16
"""Columns for who wrote a turn (`You`, a model's name) before its first words."""
GUIDES_AT_MOST = 24
"""Columns of tree lines a deeply branched turn keeps; deeper ones show their last levels."""


def _label(row: MapRow) -> str:
    message = row.message
    if message.role is Role.USER:
        return "You"
    if message.role is Role.ASSISTANT:
        return message.model or "Reply"
    if message.role is Role.TOOL:
        return f"Tool {message.tool_name or ''}".strip()
    return str(message.role.value).capitalize()


def _first_words(text: str) -> str:
    """The turn's text on one line: every run of spaces and line breaks is one space (of
    its start only: no row shows more, and a reply can be megabytes)."""
    return " ".join(text[:2000].split()) or "(empty)"


def map_line(row: MapRow, room: int) -> Content:
    """One turn in at most `room` columns: the tree's lines, ● on the path shown, who wrote
    it, its first words; a version's first turn says its place among the versions."""
    guides = row.guides
    if len(guides) > GUIDES_AT_MOST:
        guides = "…" + guides[-(GUIDES_AT_MOST - 1) :]
    mark = Content.styled("● ", "$success") if row.shown else Content.styled("○ ", "$text-muted")
    label = plain(_label(row)).truncate(LABEL_WIDTH, ellipsis=True, pad=True)
    label = label.stylize("bold" if row.message.role is Role.USER else "$accent")
    line = Content.styled(guides, "$text-muted") + mark + label + Content(" ")
    if row.place is not None:
        place, count = row.place
        line = line + Content.styled(f"{place}/{count} ", "$text-muted")
    line = line + plain(_first_words(row.message.content))
    return line.truncate(max(room, 1), ellipsis=True) if room > 0 else line


class MapList(OptionList):
    """The turns, one row each, laid out again to the width it is given."""

    class Resized(TextualMessage):
        """Its width changed: the rows should fit the new one."""

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.Resized())


class VersionMapScreen(ModalScreen[str | None]):
    """Up/Down (or j/k) move, Left/Right go to the other versions at the branch the cursor
    is in, Enter jumps to the version the cursor is on (returns its turn's id), Escape
    closes."""

    BINDINGS = bindings("version_map")

    def __init__(self, rows: list[MapRow], at: str | None) -> None:
        """`rows`: the map (see `version_map`); `at`: the id of the turn the cursor starts
        on (else the last turn shown)."""
        super().__init__(classes="dialog-screen")
        self.rows = rows
        self._start = next(
            (i for i, row in enumerate(rows) if row.message.id == at),
            max((i for i, row in enumerate(rows) if row.shown), default=0),
        )
        self._laid_out_for = -1

    def compose(self) -> ComposeResult:
        branches = len({row.branch for row in self.rows if row.branch is not None})
        versions = sum(1 for row in self.rows if row.place is not None)
        with Vertical(classes="dialog version-map"):
            yield Static(
                plain(
                    f"Map of versions · {count_of(versions, 'version')} at "
                    f"{count_of(branches, 'branch point')}"
                    if branches
                    else "Map of versions · one version: nothing was regenerated or edited yet"
                ),
                classes="dialog-title",
            )
            yield MapList(id="version-map-list")
            yield Static("", id="version-map-hint", classes="dialog-hint")

    def on_mount(self) -> None:
        self._lay_out()
        options = self.query_one(MapList)
        options.highlighted = self._start
        options.focus()
        hint = (
            f"● shown · ↑↓ move · ←→ other version · {key_on(self, 'version_map.jump')} jumps"
            f" · {key_on(self, 'version_map.close')} closes"
        )
        self.query_one("#version-map-hint", Static).update(plain(hint))

    def on_map_list_resized(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        options = self.query_one(MapList)
        width = options.scrollable_content_region.width
        if width == self._laid_out_for:
            return
        self._laid_out_for = width
        padding = options.get_component_styles("option-list--option").padding.width
        kept = options.highlighted
        options.set_options(
            [Option(map_line(row, width - padding), id=str(i)) for i, row in enumerate(self.rows)]
        )
        if kept is not None:
            options.highlighted = kept

    @property
    def _cursor(self) -> int:
        return self.query_one(MapList).highlighted or 0

    def action_move(self, step: int) -> None:
        if self.rows:
            self.query_one(MapList).highlighted = min(
                max(self._cursor + step, 0), len(self.rows) - 1
            )

    def action_other_version(self, step: int) -> None:
        """To the first turn of the previous or next version at the innermost branch point
        the cursor is in (round, as ←/→ flip versions in the transcript)."""
        if not self.rows:
            return
        branch = self.rows[self._cursor].branch
        if branch is None:
            return
        firsts = [
            i for i, row in enumerate(self.rows) if row.branch == branch and row.place is not None
        ]
        mine = max(i for i in firsts if i <= self._cursor)
        self.query_one(MapList).highlighted = firsts[(firsts.index(mine) + step) % len(firsts)]

    def action_jump(self) -> None:
        self.dismiss(self.rows[self._cursor].message.id if self.rows else None)

    def action_close(self) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a row jumps there, as Enter does."""
        event.stop()
        self.dismiss(self.rows[event.option_index].message.id)
