"""The settings dialog (F4) and the create dialog, filled in as a user does: Tab to each
field, type, and see what was typed on screen beside its label before saving."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ollama_tui.domain.conversation import ConversationKind
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.create_model import CreateDialog
from ollama_tui.ui.dialogs.settings import SettingsDialog
from ollama_tui.ui.screens.models import ModelsScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    current_view,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)

SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((120, 40), id="120x40"),
    pytest.param((160, 48), id="160x48", marks=pytest.mark.slow),
]
SCHEMA = '{"type": "object"}'


@dataclass(frozen=True)
class Field:
    """A field of a form: its label on screen, what to type, and what then shows."""

    label: str
    keys: tuple[str, ...]
    """Typed once the field has focus."""
    shown: tuple[str, ...]
    """Each on screen afterwards; the first beside the label."""


def typed(label: str, *lines: str) -> Field:
    """Lines typed into a field (Enter between them, as in a text area)."""
    keys: list[str] = []
    for number, line in enumerate(lines):
        keys += [*(["enter"] if number else []), *line]
    return Field(label, tuple(keys), lines)


def chosen(label: str, choice: str) -> Field:
    """A choice of a drop-down: Enter opens it, typing finds the choice, Enter takes it."""
    return Field(label, ("enter", *choice, "enter"), (choice,))


NUMBERS = [
    typed("temperature", "0.25"),
    typed("top_p", "0.85"),
    typed("top_k", "42"),
    typed("min_p", "0.05"),
    typed("num_ctx", "8192"),
    typed("num_predict", "128"),
    typed("seed", "7"),
    typed("repeat_penalty", "1.15"),
]
OPTIONS = {
    "temperature": 0.25,
    "top_p": 0.85,
    "top_k": 42,
    "min_p": 0.05,
    "num_ctx": 8192,
    "num_predict": 128,
    "seed": 7,
    "repeat_penalty": 1.15,
    "stop": ["END", "###"],
}


def _rows(app: OllamaTuiApp) -> list[str]:
    return screen_text(app).splitlines()


def _beside(app: OllamaTuiApp, label: str, value: str) -> bool:
    """Whether a row of the screen shows `value` right after `label` (only spaces, and the
    bar that marks a field, between them)."""
    pattern = re.compile(rf"(^|\s){re.escape(label)}[\s\u2580-\u259f]+{re.escape(value)}")
    return any(pattern.search(row) for row in _rows(app))


async def _fill(pilot: Pilot[None], fields: list[Field]) -> None:
    """Type into each field in turn, moving on with Tab; each value must be on screen,
    beside its label, as soon as it is typed."""
    app = pilot.app
    assert isinstance(app, OllamaTuiApp)
    for number, field in enumerate(fields):
        if number:
            await pilot.press("tab")
        await pilot.press(*field.keys)
        await pilot.pause()
        text = screen_text(app)
        first, *more = field.shown
        assert _beside(app, field.label, first), f"{field.label}: {first!r} not on screen:\n{text}"
        for line in more:
            assert line in text, f"{field.label}: {line!r} not on screen:\n{text}"


def _chat_fields() -> list[Field]:
    return [
        typed("System prompt", "You are terse.", "Answer in JSON."),
        *NUMBERS,
        typed("Stop sequences", "END", "###"),
        typed("Keep loaded", "10m"),
        chosen("Thinking", "medium"),
        chosen("Reply format", "schema"),
        typed("JSON Schema", SCHEMA),
        chosen("History sent", "last prompt only"),
        Field("Tools", (), ("X▌ read_file",)),  # passed over with Tab: none ticked
        chosen("Under replies", "verbose"),
        chosen("Long lines", "no wrap"),
    ]


@pytest.mark.parametrize("size", SIZES)
async def test_every_field_of_the_settings_dialog_is_typed_into_seen_and_sent(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(app)
        await press_for(pilot, "f4", SettingsDialog)
        await _fill(pilot, _chat_fields())
        await pilot.press("ctrl+s")
        await wait_until(lambda: not isinstance(app.screen, SettingsDialog))
        view = current_view(app)
        await ask(pilot, view, "How old?")
        body = fake_ollama.requests_to("/api/chat")[-1].body
    assert body["messages"][0] == {
        "role": "system",
        "content": "You are terse.\nAnswer in JSON.",
    }
    assert body["options"] == OPTIONS
    assert body["keep_alive"] == "10m" and body["think"] == "medium"
    assert body["format"] == json.loads(SCHEMA)
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())["settings"]
    assert saved["system"] == "You are terse.\nAnswer in JSON."
    assert saved["options"] == OPTIONS
    assert saved["keep_alive"] == "10m" and saved["think"] == "medium"
    assert saved["format"] == json.loads(SCHEMA)
    assert (saved["history"], saved["verbose"], saved["wordwrap"]) == (False, True, False)
    assert [m["role"] for m in body["messages"]] == ["system", "user"]  # the last prompt only


@pytest.mark.parametrize("size", SIZES[:2])
async def test_every_field_of_a_completions_settings_is_typed_into_seen_and_sent(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(app)
        await pilot.press("ctrl+p", *"New completion")
        await wait_until(lambda: "New completion" in screen_text(app))
        await pilot.press("enter")
        await wait_until(
            lambda: (
                app.current_view is not None
                and current_view(app).conversation.kind is ConversationKind.COMPLETION
                and current_view(app).conversation.settings.model
            )
        )
        view = current_view(app)
        await press_for(pilot, "f4", SettingsDialog)
        await _fill(
            pilot,
            [
                typed("System prompt", "Complete code."),
                *NUMBERS,
                typed("Stop sequences", "END", "###"),
                typed("Keep loaded", "1h"),
                chosen("Thinking", "off"),
                chosen("Reply format", "json"),
                chosen("Raw", "off"),  # new completions start raw, which takes no template
                typed("Suffix", "# end of file"),
                typed("Template", "{{ .System }} {{ .Prompt }}", "<fill>"),
                chosen("Under replies", "quiet"),
                chosen("Long lines", "no wrap"),
            ],
        )
        await pilot.press("ctrl+s")
        await wait_until(lambda: not isinstance(app.screen, SettingsDialog))
        await ask(pilot, view, "def add(a, b):")
        body = fake_ollama.requests_to("/api/generate")[-1].body
    assert body["system"] == "Complete code."
    assert body["template"] == "{{ .System }} {{ .Prompt }}\n<fill>"
    assert body["suffix"] == "# end of file" and "raw" not in body
    assert body["options"] == OPTIONS
    assert body["keep_alive"] == "1h" and body["think"] is False and body["format"] == "json"
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())["settings"]
    assert saved["suffix"] == "# end of file"
    assert saved["template"] == "{{ .System }} {{ .Prompt }}\n<fill>"
    assert saved["options"] == OPTIONS
    assert (saved["verbose"], saved["wordwrap"]) == (False, False)


@pytest.mark.parametrize("size", SIZES)
async def test_every_field_of_the_create_dialog_is_typed_into_seen_and_sent(
    make_app: MakeApp, fake_ollama: FakeOllama, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(app)
        screen = await press_for(pilot, "f3", ModelsScreen)
        await wait_until(lambda: screen.models, message="the models listed")
        await press_for(pilot, "c", CreateDialog)
        base = app.screen.query_one("#base").value  # type: ignore[attr-defined]
        await _fill(
            pilot,
            [
                typed("Name", "pirate"),
                Field("From", (), (base,)),  # filled in with the model the table showed
                typed("System prompt", "Talk like a pirate.", "Never break character."),
                typed("temperature", "0.2"),
                typed("top_p", "0.9"),
                typed("top_k", "30"),
                typed("num_ctx", "4096"),
                typed("seed", "11"),
                typed("Stop sequences", "Arr!", "User:"),
                typed("Template", "{{ .Prompt }}"),
            ],
        )
        await pilot.press("ctrl+s")
        await wait_until(lambda: "pirate" in fake_ollama.created, message="the create request")
    assert fake_ollama.created["pirate"] == {
        "model": "pirate",
        "from": base,
        "system": "Talk like a pirate.\nNever break character.",
        "template": "{{ .Prompt }}",
        "parameters": {
            "temperature": 0.2,
            "top_p": 0.9,
            "top_k": 30,
            "num_ctx": 4096,
            "seed": 11,
            "stop": ["Arr!", "User:"],
        },
        "stream": True,
    }


async def test_a_wrong_value_is_named_on_screen_while_the_field_is_in_view(
    make_app: MakeApp,
) -> None:
    """At 80x24 the form scrolls; what is wrong must still be seen next to what was typed."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await press_for(pilot, "f4", SettingsDialog)
        await pilot.press("tab", *"hot")
        await pilot.pause()
        assert _beside(app, "temperature", "hot")
        assert "temperature takes a number" in screen_text(app)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsDialog)  # refused while wrong


async def test_at_80x24_what_each_built_in_tool_does_is_read_whole(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await press_for(pilot, "f4", SettingsDialog)
        for _ in range(20):  # Tab down to the tools, as a user does
            if "fetch_url" in screen_text(app):
                break
            await pilot.press("tab")
        rows = [row for row in _rows(app) if "▐X▌" in row]
        assert len(rows) == 6, "\n".join(_rows(app))
        # "(shows the change fir…": what the app does before a tool runs was cut off.
        assert not [row for row in rows if "…" in row], "\n".join(rows)
