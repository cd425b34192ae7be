"""The prompt library as a user reaches it: `/prompt` and `/persona` typed in the composer,
the palette's entries, the library's list (filter, Enter, delete, a new conversation with a
persona); checked in the files on disk, the composer and the requests the server receives."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from textual.pilot import Pilot

from ollama_tui.ui.dialogs.basic import ConfirmDialog, TextDialog
from ollama_tui.ui.dialogs.prompt_library import PromptLibraryScreen
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

PERSONA = (
    '+++\nkind = "persona"\nmodel = "qwen2.5:0.5b"\nthink = "off"\n\n'
    "[options]\ntemperature = 0.1\nnum_ctx = 4096\n+++\nYou answer in haiku.\n"
)


def _prompts(data_dir: Path) -> Path:
    return data_dir / "prompts"


def _write(data_dir: Path, name: str, text: str) -> Path:
    folder = _prompts(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


async def type_line(pilot: Pilot[None], line: str) -> None:
    """Type a line (each newline as Ctrl+J, which adds a line) and press Enter."""
    for index, part in enumerate(line.split("\n")):
        if index:
            await pilot.press("ctrl+j")
        await pilot.press(*part)
    await pilot.press("enter")
    await pilot.pause()


async def test_prompt_save_writes_the_lines_under_it_and_prompt_name_inserts_them(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/prompt save review\nReview this code:\nbe kind.")
        path = _prompts(data_dir) / "review.md"
        await wait_until(path.exists, message="the prompt's file")
        assert path.read_text() == '+++\nkind = "prompt"\n+++\nReview this code:\nbe kind.'
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(_prompts(data_dir).stat().st_mode) == 0o700
        await wait_until(lambda: notified(app, "Saved the prompt review"))
        assert view.composer.text == ""
        await type_line(pilot, "/prompt review")
        # The command line is cleared and the prompt put in its place, not sent.
        await wait_until(lambda: view.composer.text == "Review this code:\nbe kind.")
        assert "Review this code:" in screen_text(app)


async def test_prompt_save_alone_saves_the_last_prompt_sent(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await ask(pilot, current_view(app), "Explain monads simply")
        await type_line(pilot, "/prompt save monads")
        path = _prompts(data_dir) / "monads.md"
        await wait_until(path.exists)
        assert path.read_text().endswith("+++\nExplain monads simply")


async def test_a_persona_saved_then_applied_is_what_the_next_request_carries(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/load qwen2.5:0.5b")
        await type_line(pilot, "/set system You are terse.")
        await type_line(pilot, "/set parameter temperature 0")
        await type_line(pilot, "/set parameter stop END")
        await type_line(pilot, "/persona save terse")
        path = _prompts(data_dir) / "terse.md"
        await wait_until(path.exists)
        assert path.read_text() == (
            '+++\nkind = "persona"\nmodel = "qwen2.5:0.5b"\n\n[options]\n'
            'temperature = 0.0\nstop = ["END"]\n+++\nYou are terse.'
        )
        # A new conversation, with other settings, takes the persona's.
        await pilot.press("ctrl+n")
        await wait_until(lambda: current_view(app) is not view)
        other = current_view(app)
        await wait_until(lambda: other.conversation.settings.model)
        assert other.conversation.settings.model == "llama3.2:latest"
        await type_line(pilot, "/persona terse")
        await wait_until(lambda: notified(app, "Using the persona terse"))
        await ask(pilot, other, "Hi")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["model"] == "qwen2.5:0.5b"
        assert body["messages"][0] == {"role": "system", "content": "You are terse."}
        assert body["options"] == {"temperature": 0.0, "stop": ["END"]}
        saved = json.loads(session_file(data_dir, other.conversation.id).read_text())
        assert saved["settings"]["system"] == "You are terse."


async def test_the_list_filters_inserts_deletes_and_starts_a_conversation_with_a_persona(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    _write(data_dir, "haiku", PERSONA)
    _write(data_dir, "summarise", "Summarise in three bullet points:")
    _write(data_dir, "translate", "Translate to French:")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/prompt")
        await wait_until(lambda: isinstance(app.screen, PromptLibraryScreen))
        await wait_until(lambda: "3 of 3" in screen_text(app))
        text = screen_text(app)
        assert "haiku" in text and "qwen2.5:0.5b · You answer in haiku." in text
        await pilot.press(*"trans")
        await wait_until(lambda: "1 of 3" in screen_text(app))
        await pilot.press("enter")
        await wait_until(lambda: view.composer.text == "Translate to French:")
        # Deleting asks, then removes the file.
        await pilot.press(*["backspace"] * len(view.composer.text))
        await type_line(pilot, "/prompt")
        await wait_until(lambda: "3 of 3" in screen_text(app))
        await pilot.press(*"summ")
        await wait_until(lambda: "1 of 3" in screen_text(app))
        await press_for(pilot, "ctrl+d", ConfirmDialog)
        await pilot.press("y")
        await wait_until(lambda: not (_prompts(data_dir) / "summarise.md").exists())
        await wait_until(lambda: "Nothing matches 'summ'" in screen_text(app))
        # Ctrl+N on a persona: a new conversation with it.
        for _ in "summ":
            await pilot.press("backspace")
        await pilot.press(*"haiku")
        await wait_until(lambda: "1 of 2" in screen_text(app))
        await pilot.press("ctrl+n")
        await wait_until(lambda: current_view(app) is not view)
        new = current_view(app)
        assert new.conversation.settings.model == "qwen2.5:0.5b"
        await ask(pilot, new, "Spring?")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["model"] == "qwen2.5:0.5b" and body["think"] is False
        assert body["messages"][0] == {"role": "system", "content": "You answer in haiku."}
        assert body["options"] == {"temperature": 0.1, "num_ctx": 4096}
        assert view.conversation.settings.system is None  # the first one is as it was


async def test_replacing_a_name_asks_first(make_app: MakeApp, data_dir: Path) -> None:
    path = _write(data_dir, "greet", "Hello there")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await type_line(pilot, "/prompt save greet\nGood morning")
        await wait_until(lambda: isinstance(app.screen, ConfirmDialog))
        assert "'greet' is in the library already. Replace it?" in screen_text(app)
        await pilot.press("n")
        await wait_until(lambda: notified(app, "Not saved"))
        assert path.read_text() == "Hello there"
        await type_line(pilot, "/prompt save greet\nGood morning")
        await wait_until(lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_until(lambda: path.read_text().endswith("Good morning"))


async def test_the_palette_saves_and_applies(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/set system Reply in Latin.")
        await pilot.press(*"Carpe diem")
        await pilot.press("ctrl+p", *"Save the prompt")
        await wait_until(lambda: "Save the prompt…" in screen_text(app))
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, TextDialog))
        await pilot.press(*"bad/name")
        await wait_until(lambda: "no / or" in screen_text(app))
        await pilot.press("enter")  # refused while the name is wrong
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*["backspace"] * len("bad/name"), *"latin", "enter")
        path = _prompts(data_dir) / "latin.md"
        await wait_until(path.exists)
        assert path.read_text().endswith("+++\nCarpe diem")
        await pilot.press("ctrl+p", *"Save this conversation as a persona")
        await wait_until(lambda: "Save this conversation as a persona…" in screen_text(app))
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, TextDialog))
        await pilot.press(*"roman", "enter")
        persona = _prompts(data_dir) / "roman.md"
        await wait_until(persona.exists)
        assert persona.read_text().endswith("+++\nReply in Latin.")
        # Applied in a new conversation from the palette.
        await pilot.press("ctrl+n")
        await wait_until(lambda: current_view(app) is not view)
        other = current_view(app)
        await pilot.press("ctrl+p", *"Apply a persona")
        await wait_until(lambda: "Apply a persona" in screen_text(app))
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, PromptLibraryScreen))
        await wait_until(lambda: "1 of 1" in screen_text(app))  # personas only
        await pilot.press("enter")
        await wait_until(lambda: other.conversation.settings.system == "Reply in Latin.")
        await pilot.press("ctrl+p", *"Insert a saved prompt")
        await wait_until(lambda: "Insert a saved prompt" in screen_text(app))
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, PromptLibraryScreen))
        await wait_until(lambda: "1 of 1" in screen_text(app))
        await pilot.press("enter")
        await wait_until(lambda: other.composer.text == "Carpe diem")


async def test_the_popup_completes_the_library_s_names(make_app: MakeApp, data_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        _write(data_dir, "code review", "Review:")
        _write(data_dir, "haiku", PERSONA)
        await pilot.press(*"/prompt c")
        await wait_until(lambda: "/prompt code review" in screen_text(app))
        await pilot.press("tab")
        assert view.composer.text == "/prompt code review "
        await pilot.press(*["backspace"] * len(view.composer.text), *"/persona ")
        await wait_until(lambda: "/persona haiku" in screen_text(app))
        assert "/persona code review" not in screen_text(app)
        assert "/persona save" in screen_text(app)


async def test_using_the_wrong_kind_or_a_missing_name_is_said(
    make_app: MakeApp, data_dir: Path
) -> None:
    _write(data_dir, "haiku", PERSONA)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/prompt haiku")
        await wait_until(lambda: notified(app, "haiku is a persona: /persona haiku uses it."))
        await type_line(pilot, "/persona nobody")
        await wait_until(lambda: notified(app, "nothing in the library is named 'nobody'"))
        await type_line(pilot, "/persona save ../up")
        await wait_until(lambda: notified(app, "A name does not begin with a dot."))
        assert view.conversation.settings.system is None
        assert sorted(os.listdir(_prompts(data_dir))) == ["haiku.md"]


async def test_hostile_files_are_shown_inert_and_the_unusable_ones_named(
    make_app: MakeApp, data_dir: Path, tmp_path: Path
) -> None:
    _write(data_dir, "evil", "\x1b]52;c;cGF5bG9hZA==\x07clipboard [b]bold[/b] \x1b[2J")
    _write(data_dir, "broken", '+++\nkind = "persona"\n[options]\ntop_p = 7\n+++\n')
    outside = tmp_path / "outside.md"
    outside.write_text("outside")
    (_prompts(data_dir) / "link.md").symlink_to(outside)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await type_line(pilot, "/prompt")
        await wait_until(lambda: "1 of 1" in screen_text(app))
        text = screen_text(app)
        assert "\x1b" not in text and "clipboard [b]bold[/b]" in text
        assert "Skipped 2 files: broken.md (top_p takes 0 to 1.)" in text
        assert "link.md (a symbolic link, which is not read)" in text
        await pilot.press("enter")
        view = current_view(app)
        await wait_until(lambda: "clipboard" in view.composer.text)
        assert "\x1b" not in view.composer.text and "\x07" not in view.composer.text


async def test_the_new_conversation_key_rebound_is_the_library_s_too(
    make_app: MakeApp, data_dir: Path
) -> None:
    _write(data_dir, "haiku", PERSONA)
    app = make_app(keymap={"app.new_tab": "f9"})
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await type_line(pilot, "/persona")
        await wait_until(lambda: "1 of 1" in screen_text(app))
        assert "F9: a new conversation with the persona" in screen_text(app)
        await pilot.press("f9")
        await wait_until(lambda: current_view(app) is not view)
        assert current_view(app).conversation.settings.system == "You answer in haiku."
