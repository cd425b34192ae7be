"""Per-conversation settings: checked as typed, saved in the session, sent exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, Select, TextArea

from ollama_tui.api.version import ServerVersion
from ollama_tui.domain.conversation import ConversationSettings
from ollama_tui.services.conversation_options import SettingsForm, check_schema, think_choices
from ollama_tui.ui.dialogs.settings import SettingsDialog
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

SCHEMA = '{"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}'


def test_a_full_form_becomes_ollamas_fields() -> None:
    settings = ConversationSettings(model="m", options={"mirostat": 2})
    form = SettingsForm(
        system="Be brief.",
        options={"temperature": "0", "num_ctx": "8192", "seed": "42", "top_p": ""},
        stop="END\n###",
        keep_alive="10m",
        think="high",
        format="schema",
        schema=SCHEMA,
    )
    form.apply_to(settings)
    assert settings.system == "Be brief."
    assert settings.options == {
        "mirostat": 2,  # not on the form: kept
        "temperature": 0.0,
        "num_ctx": 8192,
        "seed": 42,
        "stop": ["END", "###"],
    }
    assert settings.keep_alive == "10m" and settings.think == "high"
    assert settings.format == json.loads(SCHEMA)
    assert SettingsForm.of(settings).problems() == {}
    assert SettingsForm.of(settings).schema.startswith("{")


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("temperature", "hot", "temperature takes a number"),
        ("top_p", "1.5", "top_p takes 0 to 1"),
        ("num_ctx", "2.5", "num_ctx takes a whole number"),
        ("keep_alive", "300 s", "duration"),
        ("schema", "{not json", "not JSON"),
        ("schema", '{"type": "objekt"}', "not valid JSON Schema"),
        ("schema", "[1]", "must be a JSON object"),
    ],
)
def test_bad_values_are_refused_with_what_to_type(field: str, text: str, message: str) -> None:
    form = SettingsForm(options={})
    if field == "keep_alive":
        form.keep_alive = text
    elif field == "schema":
        form.format, form.schema = "schema", text
    else:
        form.options = {field: text}
    assert message in form.problems()[field]
    with pytest.raises(ValueError):
        form.apply_to(ConversationSettings())


def test_thinking_levels_only_where_the_server_takes_them() -> None:
    assert "high" not in think_choices(ServerVersion.parse("0.9.0"))
    assert "high" in think_choices(ServerVersion.parse("0.12.3"))
    assert check_schema('{"type": "string"}') == {"type": "string"}


async def test_settings_are_saved_and_reach_the_request(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await ready(app)
        dialog = await press_for(pilot, "f4", SettingsDialog)
        await wait_until(lambda: "(0.7)" in dialog.query_one("#temperature", Input).placeholder)
        dialog.query_one("#system", TextArea).text = "Answer in JSON."
        dialog.query_one("#temperature", Input).value = "warm"
        await pilot.pause()
        assert "temperature takes a number" in screen_text(app)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsDialog)  # refused while wrong
        typed = {
            "temperature": "0",
            "top_p": "0.9",
            "top_k": "40",
            "min_p": "0.05",
            "num_ctx": "8192",
            "num_predict": "-1",
            "seed": "7",
            "repeat_penalty": "1.1",
        }
        for name, value in typed.items():
            dialog.query_one(f"#{name}", Input).value = value
        dialog.query_one("#stop", TextArea).text = "END\n###"
        dialog.query_one("#think", Select).value = "medium"
        dialog.query_one("#keep_alive", Input).value = "300"
        dialog.query_one("#format", Select).value = "schema"
        dialog.query_one("#schema", TextArea).text = SCHEMA
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(lambda: not isinstance(app.screen, SettingsDialog))
        view = current_view(app)
        await ask(pilot, view, "How old?")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["messages"][0] == {"role": "system", "content": "Answer in JSON."}
        assert body["options"] == {
            "temperature": 0.0,
            "top_p": 0.9,
            "top_k": 40,
            "min_p": 0.05,
            "num_ctx": 8192,
            "num_predict": -1,
            "seed": 7,
            "repeat_penalty": 1.1,
            "stop": ["END", "###"],
        }
        assert body["think"] == "medium"
        assert body["keep_alive"] == 300  # a number: a bare numeric string is refused by Ollama
        assert body["format"] == json.loads(SCHEMA)
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert saved["settings"]["system"] == "Answer in JSON."
    assert saved["settings"]["format"] == json.loads(SCHEMA)
