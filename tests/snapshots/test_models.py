"""Snapshots of the models screen (F3) and its dialogs."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from ollama_tui.services import pull
from tests.fake_ollama.server import FakeOllama

from .steps import LOOKS, Look, Shoot, shows


async def _models(pilot: Pilot[None]) -> None:
    await pilot.press("f3")
    await shows(pilot, "nomic-embed-text")


@pytest.mark.parametrize("look", LOOKS)
def test_models(shoot: Shoot, look: Look) -> None:
    """F3: the installed models, the loaded one with its memory and countdown."""
    assert shoot(look, _models)


async def _inspect(pilot: Pilot[None]) -> None:
    await _models(pilot)
    await pilot.press("i")
    await shows(pilot, "Facts")


@pytest.mark.parametrize("look", LOOKS)
def test_inspect(shoot: Shoot, look: Look) -> None:
    """`i`: a model's facts, parameters, template, license and Modelfile."""
    assert shoot(look, _inspect)


async def _show_parameters(pilot: Pilot[None]) -> None:
    await pilot.press(*"/set parameter temperature 0", "enter")
    # Its toast is drawn on the conversation before the next command opens the dialog: one
    # drawn a moment later would be drawn on the dialog.
    await shows(pilot, "Set parameter temperature to 0.")
    await pilot.press(*"/show parameters", "enter")
    await shows(pilot, "Parameters set in this conversation")


@pytest.mark.parametrize("look", LOOKS)
def test_show_parameters(shoot: Shoot, look: Look) -> None:
    """`/show parameters`: inspect at the parameters, the conversation's own first."""
    assert shoot(look, _show_parameters)


async def _create(pilot: Pilot[None]) -> None:
    await _models(pilot)
    await pilot.press("c")
    await shows(pilot, "temperature")


@pytest.mark.parametrize("look", LOOKS)
def test_create(shoot: Shoot, look: Look) -> None:
    """`c`: a new model from the selected one, with every field it sets."""
    assert shoot(look, _create)


async def _load(pilot: Pilot[None]) -> None:
    await _models(pilot)
    await pilot.press("down", "l")
    await shows(pilot, "qwen2.5:0.5b")


@pytest.mark.parametrize("look", LOOKS)
def test_load(shoot: Shoot, look: Look) -> None:
    """`l`: load a model with a keep-alive."""
    assert shoot(look, _load)


async def _embed(pilot: Pilot[None]) -> None:
    await _models(pilot)
    await pilot.press("down", "down", "e")
    await shows(pilot, "Embed")
    await pilot.press(*"The sky is blue", "enter", *"The sea is blue", "ctrl+s")
    await shows(pilot, "Cosine similarity")


@pytest.mark.parametrize("look", LOOKS)
def test_embeddings(shoot: Shoot, look: Look) -> None:
    """`e`: two texts' embeddings compared."""
    assert shoot(look, _embed)


@pytest.fixture
def held_pull(fake_server: FakeOllama, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A pull that stops halfway through its first layer; progress lines one second apart."""
    ticks = itertools.count()
    defaults = pull.pull_model.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "clock", lambda: float(next(ticks)))
    release = threading.Event()
    fake_server.script_pull(layers=2, layer_size=2_000_000_000, steps=4, hold=release, hold_after=4)
    yield
    release.set()


async def _pulling(pilot: Pilot[None]) -> None:
    await _models(pilot)
    await pilot.press("p")
    await shows(pilot, "Pull")
    await pilot.press(*"mistral:7b", "enter")
    await shows(pilot, "mistral:7b")
    await shows(pilot, "%")


@pytest.mark.parametrize("look", LOOKS)
def test_pull_in_progress(shoot: Shoot, held_pull: None, look: Look) -> None:
    """A pull under the table with its progress, speed and time left."""
    assert shoot(look, _pulling)
