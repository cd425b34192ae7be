"""Provides the colours and styles the transcript's lines are drawn with, resolved from the
app's theme once, so rendering a message never reads the DOM or the stylesheet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.theme import Theme
from textual.app import App
from textual.color import Color, ColorParseError

# The look of Textual's default dark theme, for tests and benchmarks that draw without an app.
_DEFAULT_VARIABLES = {
    "background": "#1C1C1C",
    "foreground": "#E4E4E4",
    "primary": "#5FAFFF",
    "accent": "#FFAF5F",
    "boost": "#00000000",
    "text-muted": "auto 60%",
    "text-primary": "#8DC1F4",
    "text-accent": "#F6C692",
    "text-warning": "#F3DE97",
    "text-error": "#F39797",
    "text-success": "#A9E0A9",
    "surface": "#262626",
    "markdown-h1-color": "#5FAFFF",
    "markdown-h2-color": "#5FAFFF",
    "markdown-h3-color": "#5FAFFF",
    "markdown-h4-color": "#E4E4E4",
    "markdown-h5-color": "#E4E4E4",
    "markdown-h6-color": "#E4E4E499",
}


def code_theme(dark: bool) -> str:
    """Rich's code theme that follows the terminal's own palette (Pygments colours as ANSI
    colours, which Textual maps onto the app theme's, so code reads in dark and light themes
    and in the 16-colour one)."""
    return "ansi_dark" if dark else "ansi_light"


def _colour(variables: Mapping[str, str], name: str, under: Color, fallback: str) -> Color:
    """A theme variable as an opaque colour: `auto N%` (Textual's contrasting text) and
    colours with alpha are blended over `under`, as the stylesheet would draw them."""
    value = variables.get(name, fallback).strip()
    if value.startswith("auto"):
        percent = value[4:].strip().rstrip("%")
        alpha = float(percent) / 100 if percent else 1.0
        return under + under.get_contrast_text(alpha)
    try:
        colour = Color.parse(value)
    except ColorParseError:
        if value == fallback:
            raise
        # A value the stylesheet reads but Color does not (a theme's own): the fallback,
        # which may itself be `auto N%`.
        return _colour({}, name, under, fallback)
    if colour.ansi is not None or colour.a == 1:
        return colour
    if under.ansi is not None:
        return under  # a terminal's own colour cannot be blended: drawn as the one under
    return under + colour


def _fg(colour: Color, **attributes: Any) -> Style:
    return Style(color=colour.rich_color, **attributes)


@dataclass(frozen=True)
class RenderPalette:
    """Every style a message's lines use. Backgrounds are baked into the lines: `base` holds
    the transcript's own background, so a line is drawn exactly as rendered."""

    dark: bool
    base: Style
    """Text colour and the transcript's background."""
    muted: Style
    accent: Style
    warning: Style
    error: Style
    success: Style
    link: Style
    user_bar: Style
    """The bar left of a prompt (today's thick $primary border)."""
    user_label: Style
    user_background: Style
    """A prompt's background ($boost; empty when the theme's boost is transparent)."""
    selected_bar: Style
    selected_background: Style
    headings: tuple[Style, Style, Style, Style, Style, Style]
    code_inline: Style
    code_background: Style
    quote: Style
    table_border: Style

    @property
    def code_theme(self) -> str:
        return code_theme(self.dark)

    @classmethod
    def from_app(cls, app: App[Any]) -> RenderPalette:
        """The palette of the app's current theme (build it again when the theme changes)."""
        return cls.from_variables(app.theme_variables, dark=app.current_theme.dark)

    @classmethod
    def default(cls) -> RenderPalette:
        """A fixed dark palette, for drawing without an app."""
        return cls.from_variables(_DEFAULT_VARIABLES, dark=True)

    @classmethod
    def from_variables(cls, variables: Mapping[str, str], *, dark: bool) -> RenderPalette:
        """The palette from a theme's CSS variables (`App.theme_variables`)."""
        background = _colour(variables, "background", Color(0, 0, 0), "#1C1C1C")

        def colour(name: str, fallback: str) -> Color:
            return _colour(variables, name, background, fallback)

        foreground = colour("foreground", "#E0E0E0")
        primary = colour("primary", "#0178D4")
        accent = colour("accent", "#FEA62B")
        boost = _colour(variables, "boost", background, "#00000000")
        ansi = background.ansi is not None or accent.ansi is not None
        selected = None if ansi else background.blend(accent, 0.15)
        muted = colour("text-muted", "auto 60%")
        base = Style(color=foreground.rich_color, bgcolor=background.rich_color)
        user_bg = Style() if boost == background else Style(bgcolor=boost.rich_color)
        heading_styles = ("bold", "underline", "bold", "bold underline", "bold", "bold")
        headings = tuple(
            _fg(colour(f"markdown-h{level}-color", "#E0E0E0"))
            + Style.parse(heading_styles[level - 1])
            for level in range(1, 7)
        )
        surface = colour("surface", "#1E1E1E")
        code_background = (
            Style() if ansi or surface == background else Style(bgcolor=surface.rich_color)
        )
        code_inline = (
            _fg(colour("text-warning", "#FFC473"))
            if dark
            else _fg(colour("text-error", "#D17E92"), bold=True)
        )
        return cls(
            dark=dark,
            base=base,
            muted=_fg(muted),
            accent=_fg(colour("text-accent", "#FFC473")),
            warning=_fg(colour("text-warning", "#FFC473")),
            error=_fg(colour("text-error", "#D17E92")),
            success=_fg(colour("text-success", "#8AD4A1")),
            link=_fg(colour("text-primary", "#57A5E2"), underline=True),
            user_bar=_fg(primary),
            user_label=_fg(primary, bold=True),
            user_background=user_bg,
            selected_bar=_fg(accent),
            selected_background=(
                Style() if selected is None else Style(bgcolor=selected.rich_color)
            ),
            headings=(
                headings[0],
                headings[1],
                headings[2],
                headings[3],
                headings[4],
                headings[5],
            ),
            code_inline=code_inline,
            code_background=code_background,
            quote=_fg(colour("text-primary", "#57A5E2")),
            table_border=_fg(muted),
        )


def markdown_theme(palette: RenderPalette) -> Theme:
    """Rich's Markdown styles in the palette's colours."""
    return Theme(
        {
            "markdown.paragraph": Style(),
            "markdown.text": Style(),
            "markdown.em": Style(italic=True),
            "markdown.emph": Style(italic=True),
            "markdown.strong": Style(bold=True),
            "markdown.s": Style(strike=True),
            "markdown.code": palette.code_inline,
            "markdown.code_block": Style(),
            "markdown.block_quote": Style(italic=True),
            "markdown.list": Style(),
            "markdown.item": Style(),
            "markdown.item.bullet": palette.quote + Style(bold=True),
            "markdown.item.number": palette.quote,
            "markdown.hr": palette.muted,
            "markdown.h1": palette.headings[0],
            "markdown.h1.border": palette.muted,
            "markdown.h2": palette.headings[1],
            "markdown.h3": palette.headings[2],
            "markdown.h4": palette.headings[3],
            "markdown.h5": palette.headings[4],
            "markdown.h6": palette.headings[5],
            "markdown.h7": palette.headings[5],
            "markdown.link": palette.link,
            "markdown.link_url": palette.link,
            "markdown.table.border": palette.table_border,
            "markdown.table.header": Style(bold=True),
            "markdown.kbd": Style(bold=True),
        }
    )
