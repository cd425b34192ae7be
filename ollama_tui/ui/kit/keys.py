"""Provides how keys are named on screen."""

from __future__ import annotations

_KEY_NAMES = {"pageup": "PageUp", "pagedown": "PageDown", "escape": "Esc"}


def key_name(key: str) -> str:
    """`ctrl+pagedown` -> `Ctrl+PageDown`, `f1` -> `F1`, `y` -> `y`."""
    *modifiers, name = key.strip().split("+")
    if name in _KEY_NAMES:
        name = _KEY_NAMES[name]
    elif len(name) > 1 or modifiers:
        name = name.capitalize()
    return "+".join([*(modifier.capitalize() for modifier in modifiers), name])
