"""One list of keys: every binding of every screen and widget comes from it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import ollama_tui.ui
from ollama_tui.ui.kit.keys import KEYS, REGISTRY


def _classes_with_bindings() -> list[type[DOMNode]]:
    """Every screen, widget and the app under ollama_tui.ui that declares BINDINGS."""
    found = []
    for module_info in pkgutil.walk_packages(ollama_tui.ui.__path__, "ollama_tui.ui."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
                and "BINDINGS" in vars(value)
            ):
                found.append(value)
    return found


def test_every_binding_comes_from_the_registry() -> None:
    classes = _classes_with_bindings()
    assert len(classes) >= 15, classes
    bound: set[str] = set()
    for holder in classes:
        for binding in vars(holder)["BINDINGS"]:
            assert isinstance(binding, Binding), (holder, binding)
            assert binding.id in REGISTRY, (holder.__name__, binding)
            assert binding == REGISTRY[binding.id].binding(), (holder.__name__, binding)
            places = {REGISTRY[b.id].place for b in vars(holder)["BINDINGS"]}
            assert len(places) == 1, (holder.__name__, places)
            bound.add(binding.id)
    # And every key of the registry is bound somewhere: no entry describes a key that is not.
    assert bound == {key.id for key in KEYS}
    assert len(KEYS) == len(REGISTRY)  # ids are unique
