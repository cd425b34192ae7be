"""Provides the conversation tabs: Textual's tabbed content, with a tab bar that keeps the
active tab on screen and says how many tabs it hides on each side."""

from __future__ import annotations

from textual import on
from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane
from textual.widgets._tabbed_content import ContentTab, ContentTabs
from textual.widgets._tabs import Tab, Underline

_UNDERLINE_ENDS = ("highlight_start", "highlight_end")


class ConversationTabs(TabbedContent):
    """One tab per conversation.

    Textual scrolls the active tab into view when it changes, but measures it before a tab
    just added (a new conversation, the tabs reopened at start) has been laid out, so the
    active tab could stay off screen. Here the bar is brought to the active tab after the
    next refresh, whenever the tabs, their labels or the size change, and counts what it
    leaves out (`◂3` on the left, `2▸` on the right)."""

    _relabelled: tuple[Tab, ...] = ()
    """The tabs whose labels changed since the underline was last placed: while there are
    any, the underline is checked against the active tab after each layout."""

    def on_mount(self) -> None:
        self.query_one(ContentTabs).mount(Static(Content(""), id="hidden-tabs"))
        self.screen.screen_layout_refresh_signal.subscribe(self, self._laid_out)

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        """Textual shows the pane a widget was focused in, through messages that arrive
        later. A tab switched to meanwhile (Alt+1 right after Alt+2, keys in one read on a
        busy machine) was switched back by that late news, and the keys typed next went
        to the other conversation. Only a pane that still holds the focus is shown."""
        focused = self.screen.focused
        if focused is None or event.tab_pane not in focused.ancestors_with_self:
            event.prevent_default()  # Textual's own handler, in the base class, is skipped
            event.stop()

    def _schedule_reveal(self) -> None:
        self.call_after_refresh(self._reveal_active)

    @on(TabbedContent.TabActivated)
    def _tabs_changed(self) -> None:
        self._schedule_reveal()

    def on_resize(self) -> None:
        self._schedule_reveal()

    def add_pane(
        self,
        pane: TabPane,
        *,
        before: TabPane | str | None = None,
        after: TabPane | str | None = None,
    ) -> AwaitComplete:
        added = super().add_pane(pane, before=before, after=after)
        self._schedule_reveal()
        return added

    def remove_pane(self, pane_id: str) -> AwaitComplete:
        removed = super().remove_pane(pane_id)
        self._schedule_reveal()
        return removed

    def _reveal_active(self) -> None:
        bar = self.query_one(ContentTabs)
        scroller = bar.query_one("#tabs-scroll")
        active = bar.active_tab
        if active is not None:
            # The active tab in the middle where there is room (scroll_to_center leaves a tab
            # that is partly shown where it is).
            region = active.virtual_region
            middle = region.x + region.width // 2 - scroller.size.width // 2
            scroller.scroll_to(
                x=max(0, min(middle, scroller.max_scroll_x)),
                animate=False,
                force=True,
                immediate=True,
            )
        self.call_after_refresh(self._count_hidden)

    def relabel(self, pane_id: str, label: Content) -> None:
        """Set a tab's label; one that is unchanged is left alone, so nothing is redrawn.

        Textual slides the underline to a relabelled tab over 0.3 s: 18 frames in the middle
        of each conversation's first reply (whose prompt sets the title), each stealing the
        reply's reading time, and sent over the link after its end. The label is set here
        as Textual's setter does but without its `Relabelled` message, and the underline is
        put under the tab once it is laid out (`_laid_out`)."""
        tab = self.get_tab(pane_id)
        if tab.label != label:
            tab._label = label
            Static.update(tab, label)
            self._relabelled += (tab,)
            self._schedule_reveal()

    def _laid_out(self, screen: Screen[object]) -> None:
        """Put the underline under the active tab once every relabelled tab is laid out with
        its new width (a layout may come before the tab's own; measured then, the underline
        stayed under the old, longer title of the first prompt's tab). Left to Textual while
        it moves the underline itself (a tab switched to)."""
        if not self._relabelled:
            return
        for tab in self._relabelled:
            if tab.parent is not None and (
                tab.virtual_region.shrink(tab.styles.gutter).width != tab.label.cell_length
            ):
                return  # a layout before the tab's own: checked again after the next one
        bar = self.query_one(ContentTabs)
        underline = bar.query_one(Underline)
        animator = self.app.animator
        if any(animator.is_being_animated(underline, name) for name in _UNDERLINE_ENDS):
            return  # Textual's own move; checked again after the next layout
        active = bar.active_tab
        if active is not None:
            start, end = active.virtual_region.shrink(active.styles.gutter).column_span
            if (underline.highlight_start, underline.highlight_end) != (start, end):
                underline.highlight_start, underline.highlight_end = start, end
        self._relabelled = ()

    def _count_hidden(self) -> None:
        bar = self.query_one(ContentTabs)
        scroller = bar.query_one("#tabs-scroll")
        start = round(scroller.scroll_x)
        end = start + scroller.size.width
        left = right = 0
        for tab in bar.query(ContentTab):
            region = tab.virtual_region
            if region.x < start:
                left += 1
            elif region.right > end:
                right += 1
        parts = [f"◂{left}"] if left else []
        if right:
            parts.append(f"{right}▸")
        # The count has a room of its own (app.tcss), so showing it never changes the
        # room the tabs have.
        self.query_one("#hidden-tabs", Static).update(Content(" ".join(parts)))
