"""Provides the default CSS of the first screen's widgets, added to the stylesheet in one go.

Textual adds a widget type's DEFAULT_CSS (and its bases') when the first widget of that type
mounts, and the next styling parses the stylesheet again and rebuilds its map of rules: eleven
parses before the first frame, ten of them for a few new rules each (measured: ~30 ms of
parsing and styling against ~17 ms parsed once, under load). Added before anything is styled,
they are parsed once, with the theme; Textual's own adds later find each one there, with the
same location, text, tie breaker and scope, and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from textual.app import App
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
