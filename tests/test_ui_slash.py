"""Slash commands in the composer, typed as in `ollama run`: each checked in the request it
changes, the session file and what the screen shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ollama_tui.domain.conversation import ConversationSettings, Role
from ollama_tui.services.slash import (
    Prompt,
    Run,
    Unknown,
    apply_set,
    block_is_open,
    completions,
    read_line,
)
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.dialogs.inspect_model import InspectScreen
from ollama_tui.ui.dialogs.settings import SettingsDialog
from ollama_tui.ui.dialogs.slash_help import CommandsScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    current_view,
    notified,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)


def _popup_shown(view: ChatView) -> bool:
    """The popup is mounted on the first offer, and hidden when there is none."""
    return view.slash_popup is not None and view.slash_popup.display


def test_lines_are_read_as_ollama_run_reads_them() -> None:
    assert read_line("hello") == Prompt("hello")
    assert read_line("//x y") == Prompt("/x y")
    assert read_line("/set system Be brief.") == Run("set", "system Be brief.")
    assert read_line("/?") == Run("help", "")
    assert read_line('"""first\nsecond"""') == Prompt("first\nsecond")
    assert read_line('"""\nfirst\nsecond\n"""') == Prompt("first\nsecond\n")
    unknown = read_line("/sett temperature")
    assert isinstance(unknown, Unknown)
    assert "Unknown command /sett" in unknown.message and "/set" in unknown.message
    assert block_is_open('"""first') and block_is_open('"""first\nsecond')
    assert not block_is_open('"""first\nsecond"""') and not block_is_open("first")


def test_set_is_checked_as_the_settings_form_checks() -> None:
    settings = ConversationSettings(model="m", options={"mirostat": 2})
    assert apply_set(settings, "parameter temperature 0") == "Set parameter temperature to 0."
    assert settings.options == {"mirostat": 2, "temperature": 0.0}
    for argument, message in [
        ("parameter temperature hot", "temperature takes a number"),
        ("parameter top_p 2", "top_p takes 0 to 1"),
        ("parameter warmth 1", "Unknown parameter 'warmth'"),
        ("format yaml", "Usage: /set format json"),
        ("think high", "/set think takes on"),
    ]:
        levels = ("default", "off", "on")
        try:
            apply_set(settings, argument, levels)
        except ValueError as error:
            assert message in str(error)
        else:
            raise AssertionError(f"/set {argument} was taken")
    assert settings.options == {"mirostat": 2, "temperature": 0.0}  # unchanged by refusals


def test_completions_offer_commands_then_arguments() -> None:
    assert [line for line, _ in completions("/s", [])] == ["/set", "/show", "/save"]
    assert completions("/set parameter te", []) == [("/set parameter temperature", "")]
    assert completions("/load q", ["llama3.2:latest", "qwen2.5:0.5b"]) == [
        ("/load qwen2.5:0.5b", "")
    ]
    assert completions("//x", []) == [] and completions("hello", []) == []


async def type_line(pilot: Pilot[None], line: str) -> None:
    await pilot.press(*line, "enter")
    await pilot.pause()


async def test_set_changes_what_the_next_request_sends_and_the_file(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "Hi")
        await type_line(pilot, "/set parameter temperature 0")
        await type_line(pilot, "/set system You are terse.")
        await type_line(pilot, "/set format json")
        await type_line(pilot, "/set think high")
        await wait_until(lambda: notified(app, "Thinking high."))
        assert view.composer.text == ""
        await ask(pilot, view, "Why?")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["messages"][0] == {"role": "system", "content": "You are terse."}
        assert body["options"] == {"temperature": 0.0}
        assert body["format"] == "json" and body["think"] == "high"
        saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
        assert saved["settings"]["system"] == "You are terse."
        assert saved["settings"]["options"] == {"temperature": 0.0}
        # The same change F4 shows.
        await press_for(pilot, "f4", SettingsDialog)
        dialog = app.screen
        assert "You are terse." in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, SettingsDialog) or dialog is not app.screen
        await type_line(pilot, "/set noformat")
        await type_line(pilot, "/set nothink")
        await wait_until(lambda: view.conversation.settings.think is False)
        assert view.conversation.settings.format is None


async def test_set_refuses_a_bad_value_and_changes_nothing(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/set parameter temperature hot")
        await wait_until(lambda: notified(app, "temperature takes a number"))
        assert view.conversation.settings.options == {}


async def test_nohistory_sends_only_the_last_prompt(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "one")
        await type_line(pilot, "/set nohistory")
        await ask(pilot, view, "two")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert [m["content"] for m in body["messages"]] == ["two"]
        saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
        assert saved["settings"]["history"] is False
        await type_line(pilot, "/set history")
        await ask(pilot, view, "three")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert [m["content"] for m in body["messages"] if m["role"] == "user"] == [
            "one",
            "two",
            "three",
        ]


async def test_show_opens_inspect_at_the_section(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await type_line(pilot, "/show license")
        await wait_until(lambda: isinstance(app.screen, InspectScreen))
        await wait_until(lambda: "LLAMA 3.2 COMMUNITY" in screen_text(app))
        await wait_until(lambda: "Facts" not in screen_text(app), message="scrolled down")
        await pilot.press("escape")
        await type_line(pilot, "/show everything")
        await wait_until(lambda: notified(app, "Usage: /show info|license"))


async def test_show_parameters_lists_the_conversations_own_first(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await type_line(pilot, "/set parameter temperature 0")
        await type_line(pilot, "/show parameters")
        await wait_until(lambda: isinstance(app.screen, InspectScreen))
        await wait_until(lambda: "Parameters set in this conversation" in screen_text(app))
        assert "temperature: 0" in screen_text(app)


async def test_load_uses_the_model_from_the_next_reply(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/load qwen2.5:0.5b")
        assert view.conversation.settings.model == "qwen2.5:0.5b"
        assert "qwen2.5:0.5b" in screen_text(app)
        await ask(pilot, view, "Hi")
        assert fake_ollama.requests_to("/api/chat")[-1].body["model"] == "qwen2.5:0.5b"
        await type_line(pilot, "/load bad name!")
        await wait_until(lambda: notified(app, "Usage: /load MODEL"))
        assert view.conversation.settings.model == "qwen2.5:0.5b"


async def test_clear_starts_a_new_conversation_and_keeps_the_old(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        old = current_view(app)
        await ask(pilot, old, "Remember me")
        await type_line(pilot, "/clear")
        await wait_until(lambda: current_view(app) is not old)
        assert current_view(app).conversation.messages == []
        assert current_view(app).composer.has_focus
        saved = json.loads(session_file(data_dir, old.conversation.id).read_text())
        assert saved["messages"][0]["content"] == "Remember me"


async def test_bye_quits(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)):
        await ready(app)
        app.simulate_key("/")
        for key in "bye":
            app.simulate_key(key)
        app.simulate_key("enter")
        await wait_until(lambda: app.return_code is not None, timeout=10, message="quit")


async def test_question_mark_lists_the_commands(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await type_line(pilot, "/?")
        await wait_until(lambda: isinstance(app.screen, CommandsScreen))
        text = screen_text(app)
        assert "/set parameter NAME VALUE" in text and "/save MODEL" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, CommandsScreen)


async def test_an_unknown_command_is_said_and_not_sent(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/sett x")
        await wait_until(lambda: notified(app, "Unknown command /sett. Did you mean /set?"))
        assert fake_ollama.requests_to("/api/chat") == []
        assert view.composer.text == "/sett x"  # kept, to be fixed


async def test_two_slashes_send_one(make_app: MakeApp, fake_ollama: FakeOllama) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "//etc/hosts is what?")
        assert view.conversation.messages[0].content == "/etc/hosts is what?"
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["messages"][-1]["content"] == "/etc/hosts is what?"


async def test_triple_quotes_make_one_prompt_of_several_lines(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, '"""first line')
        await type_line(pilot, "second line")
        assert fake_ollama.requests_to("/api/chat") == []
        assert view.composer.text == '"""first line\nsecond line\n'
        await ask(pilot, view, 'last"""')
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["messages"][-1] == {
            "role": "user",
            "content": "first line\nsecond line\nlast",
        }


async def test_the_popup_completes_commands_and_arguments(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await pilot.press("/", "s")
        await wait_until(lambda: _popup_shown(view))
        text = screen_text(app)
        assert "/set" in text and "/show" in text and "/save" in text
        await pilot.press("e", "tab")
        assert view.composer.text == "/set "
        assert view.composer.has_focus
        await pilot.press(*"parameter te", "tab")
        assert view.composer.text == "/set parameter temperature "
        view.composer.clear()
        await pilot.press(*"/load q", "tab")
        assert view.composer.text == "/load qwen2.5:0.5b "
        await pilot.press("enter")
        await wait_until(lambda: view.conversation.settings.model == "qwen2.5:0.5b")
        assert not _popup_shown(view)
        # Without a popup, Tab moves on as before.
        await pilot.press("h", "tab")
        assert not view.composer.has_focus


async def _save_on(app: OllamaTuiApp, pilot: Pilot[None], server: FakeOllama) -> None:
    view = await ready(app)
    await type_line(pilot, "/set system You are terse.")
    await type_line(pilot, "/set parameter temperature 0")
    server.script_reply("Blue, from scattering.")
    await ask(pilot, view, "Why is the sky blue?")
    await type_line(pilot, "/save terse-bot")
    await wait_until(lambda: "terse-bot" in server.created)
    await wait_until(lambda: notified(app, "Create of terse-bot done."))
    assert view.conversation.messages[-1].role is Role.ASSISTANT


async def test_save_creates_a_model_in_the_structured_form(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _save_on(app, pilot, fake_ollama)
    assert fake_ollama.created["terse-bot"] == {
        "model": "terse-bot",
        "from": "llama3.2:latest",
        "system": "You are terse.",
        "parameters": {"temperature": 0.0},
        "messages": [
            {"role": "user", "content": "Why is the sky blue?"},
            {"role": "assistant", "content": "Blue, from scattering."},
        ],
        "stream": True,
    }


async def test_save_on_an_old_server_writes_message_lines(make_app: MakeApp) -> None:
    with FakeOllama(version="0.5.4") as old:
        app = make_app(host=old.url)
        async with app.run_test(size=(120, 40)) as pilot:
            await _save_on(app, pilot, old)
    assert old.created["terse-bot"]["modelfile"] == (
        "FROM llama3.2:latest\n"
        'SYSTEM """You are terse."""\n'
        "PARAMETER temperature 0.0\n"
        'MESSAGE user """Why is the sky blue?"""\n'
        'MESSAGE assistant """Blue, from scattering."""\n'
    )


async def test_save_refuses_a_name_ollama_would_refuse(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await type_line(pilot, "/save no good!")
        await wait_until(lambda: notified(app, "Usage: /save MODEL. A model name is"))
        assert fake_ollama.requests_to("/api/create") == []


async def test_the_popup_arrows_move_the_highlight_escape_closes_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await pilot.press("/", "s")
        await wait_until(lambda: _popup_shown(view))
        await pilot.press("down", "tab")  # /set, then /show highlighted
        assert view.composer.text == "/show "
        view.composer.clear()
        await pilot.press("/", "s")
        await wait_until(lambda: _popup_shown(view))
        await pilot.press("up", "tab")  # from the first, up wraps to the last: /save
        assert view.composer.text == "/save "
        view.composer.clear()
        await pilot.press("/", "s")
        await wait_until(lambda: "/show" in screen_text(app))
        await pilot.press("escape")
        await wait_until(lambda: "/show" not in screen_text(app), message="the popup closed")
        assert view.composer.text == "/s" and view.composer.has_focus
        # Closed, the keys are the composer's again: Tab moves on, Up moves the cursor.
        await pilot.press("up")
        assert view.composer.text == "/s"


async def test_attach_completes_paths_from_the_working_directory(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('hi')\n")
    (tmp_path / "notes.md").write_text("# Notes\n")
    (tmp_path / "nasty\x1b]52;c;UFdORUQ=\x1b\\.md").write_text("x")
    home = tmp_path / "home"
    home.mkdir()
    (home / "todo.txt").write_text("milk\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await pilot.press(*"/attach ")
        await wait_until(lambda: "/attach src/" in screen_text(app), message="the folder's files")
        text = screen_text(app)
        assert "/attach notes.md" in text and "UFdORUQ" in text
        assert "\x1b" not in text  # the hostile name drawn inert
        await pilot.press("s", "tab")
        assert view.composer.text == "/attach src/"  # a folder: no space, a name follows
        await wait_until(lambda: "/attach src/main.py" in screen_text(app))
        await pilot.press("tab")
        assert view.composer.text == "/attach src/main.py "
        await pilot.press("enter")
        await wait_until(lambda: notified(app, "Attached"), message="the file attached")
        assert "main.py" in str(view.composer.border_subtitle)
        await pilot.press(*"/attach ~/to")
        await wait_until(lambda: "/attach ~/todo.txt" in screen_text(app), message="~ expanded")
        await pilot.press("tab")
        assert view.composer.text == "/attach ~/todo.txt "


async def test_at_80_columns_a_long_description_in_the_popup_wraps_under_itself(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await pilot.press(*"/p")
        await wait_until(lambda: "/persona" in screen_text(app), message="the popup")
        rows = screen_text(app).splitlines()
        first = next(row for row in rows if "/prompt" in row and "Insert a saved" in row)
        column = first.index("Insert a saved")
        following = rows[rows.index(first) + 1]
        # The rest of the sentence starts under its beginning, not under the commands,
        # where it read as a command of its own.
        assert following[:column].strip(" │") == "", following
        assert following[column : column + 1].strip(), following


async def test_at_80_columns_a_long_description_in_the_list_wraps_under_itself(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await type_line(pilot, "/?")
        await wait_until(lambda: isinstance(app.screen, CommandsScreen))
        await wait_until(lambda: "One of temperature" in screen_text(app), message="/set NAME")
        rows = screen_text(app).splitlines()
        first = next(row for row in rows if "One of temperature" in row)
        column = first.index("One of temperature")
        following = rows[rows.index(first) + 1]
        # The rest of the list of names stays under its start, not under the commands.
        assert following[:column].strip(" │") == "", following
        assert following[column : column + 1].strip(), following
