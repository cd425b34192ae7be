"""Provides the default CSS of the first screen's widgets, added to the stylesheet in one go,
and a re-parse of the stylesheet that keeps what it parsed.

Textual adds a widget type's DEFAULT_CSS (and its bases') when the first widget of that type
mounts, and the next styling parses the stylesheet again and rebuilds its map of rules: eleven
parses before the first frame, ten of them for a few new rules each (measured: ~30 ms of
parsing and styling against ~17 ms parsed once, under load). Added before anything is styled,
they are parsed once, with the theme; Textual's own adds later find each one there, with the
same location, text, tie breaker and scope, and change nothing.

Later, the first screen or dialog with a widget type of its own (the conversations browser's
field and list, say) adds that type's CSS and parses the stylesheet again. Textual keeps the
rules of each parsed source in a cache, but its `reparse` (at start, and when the theme
changes) parses into a new stylesheet and keeps only the rules, not that cache: so the parse
of a few new rules parsed all 24 sources again, ~20 ms of a first Ctrl+O on a fast hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode


def add_default_css(app: App[Any], widget_types: Iterable[type[DOMNode]]) -> None:
    """Add what Textual would add when a widget of each of `widget_types` first mounts."""
    for widget_type in widget_types:
        # Textual 8.2.8's own list for such a widget (it reads only the type's CSS bases), so
        # that the keys are the very ones its adds use.
        node = SimpleNamespace(_node_bases=DOMNode._css_bases(widget_type))
        sources = DOMNode._get_default_css(node)  # type: ignore[arg-type]
        for read_from, css, tie_breaker, scope in sources:
            app.stylesheet.add_source(
                css,
                read_from=read_from,
                is_default_css=True,
                tie_breaker=tie_breaker,
                scope=scope,
            )


def _reparse(self: Stylesheet) -> None:
    """Textual 8.2.8's `Stylesheet.reparse` (every source parsed anew with the variables now
    set, into a new stylesheet, so that an error leaves this one as it was), and then the new
    one's cache of parsed sources kept here too: they were parsed with this one's variables."""
    fresh = Stylesheet(variables=self._variables)
    for read_from, source in self.source.items():
        fresh.add_source(
            source.content,
            read_from=read_from,
            is_default_css=source.is_defaults,
            tie_breaker=source.tie_breaker,
            scope=source.scope,
        )
    try:
        fresh.parse()
    except Exception:
        self._invalid_css.update(fresh._invalid_css)  # not parsed again before the app ends
        raise
    self._rules = fresh.rules
    self._rules_map = None
    self.source = fresh.source
    self._require_parse = False
    self._parse_cache = fresh._parse_cache


def keep_parsed_css() -> None:
    """Make every stylesheet's re-parse keep what it parsed (once; before the app styles)."""
    Stylesheet.reparse = _reparse  # type: ignore[method-assign]
