"""Provides theme files: TOML in `themes/`, validated before Textual ever sees them."""

from __future__ import annotations

import re
import sys
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_THEME = "ollama-dark"
SIXTEEN_COLOUR_THEME = "ollama-16"
_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_KNOWN_FIELDS = {field.name for field in fields(Theme)}
# Textual's theme list reads a name as markup, and the terminal draws it: a name is an
# identifier, never text from a file drawn as it is.
_THEME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


class ThemeFileError(ValueError):
    """A theme file that cannot be used, with the reason."""


def shipped_theme_dirs() -> list[Path]:
    """Where the bundled themes are: inside the wheel, or beside the package in a checkout."""
    candidates = [
        Path(str(resources.files("ollama_tui") / "themes")),
        Path(__file__).resolve().parents[3] / "themes",
    ]
    return [path for path in candidates if path.is_dir()][:1]


def theme_from_mapping(data: dict[str, Any], source: str) -> Theme:
    """Check every key and colour first: Textual accepts a bad colour at registration and
    crashes only when the theme is switched to."""
    unknown = sorted(set(data) - _KNOWN_FIELDS)
    if unknown:
        raise ThemeFileError(f"{source}: unknown keys {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError(f"{source}: 'name' must be a non-empty string")
    if not _THEME_NAME.fullmatch(name):
        raise ThemeFileError(
            f"{source}: 'name' {name!r} may hold only letters, digits, spaces, '.', '_' and '-'"
        )
    if not isinstance(data.get("primary"), str):
        raise ThemeFileError(f"{source}: 'primary' colour is required")
    for key in _COLOUR_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        try:
            Color.parse(value)
        except (ColorParseError, TypeError) as error:
            raise ThemeFileError(f"{source}: {key} = {value!r} is not a colour ({error})") from None
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in variables.items()
    ):
        raise ThemeFileError(f"{source}: 'variables' must map names to strings")
    return Theme(**data)


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ThemeFileError(f"{path.name}: {error}") from None
    return theme_from_mapping(data, path.name)


def load_themes(folders: list[Path]) -> tuple[list[Theme], list[str]]:
    """Every valid theme in `folders` (later folders win by name), and one problem per bad file."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeFileError as error:
                problems.append(str(error))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
