"""The prompt library's files as a person finds them in `<data_dir>/prompts/`: their text,
their modes, and every file that is not one of ours (hostile, corrupt, oversized, linked)
reported and skipped, never changed."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollama_tui.domain.conversation import ConversationSettings
from ollama_tui.services.prompt_library import (
    LibraryError,
    Persona,
    PromptLibrary,
    SavedPrompt,
    apply_persona,
)
from ollama_tui.store.prompt_files import (
    MAX_FILE_BYTES,
    FrontValue,
    PromptFiles,
    name_problem,
    parse,
    render,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def _library(tmp_path: Path) -> tuple[PromptLibrary, Path]:
    folder = tmp_path / "data" / "prompts"
    return PromptLibrary(PromptFiles(folder)), folder


def test_a_saved_prompt_is_a_private_markdown_file(tmp_path: Path) -> None:
    library, folder = _library(tmp_path)
    library.save_prompt("code review", "Review this diff:\n\n```\n")
    path = folder / "code review.md"
    assert path.read_text() == '+++\nkind = "prompt"\n+++\nReview this diff:\n\n```\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert library.read("code review") == SavedPrompt("code review", "Review this diff:\n\n```\n")


def test_a_persona_holds_the_model_system_prompt_and_options(tmp_path: Path) -> None:
    library, folder = _library(tmp_path)
    settings = ConversationSettings(
        model="qwen2.5:0.5b",
        system='You are terse. "Quote" \\ back\x7f',
        options={"temperature": 0.2, "num_ctx": 8192, "stop": ["User:"], "mirostat": 2},
        think="low",
        format="json",
        keep_alive="5m",
        tools=["read_file"],
        history=False,
    )
    library.save_persona("terse", settings)
    text = (folder / "terse.md").read_text()
    front, body = parse("terse.md", text)
    assert front == {
        "kind": "persona",
        "model": "qwen2.5:0.5b",
        "think": "low",
        "format": "json",
        "keep_alive": "5m",
        "options": {"temperature": 0.2, "num_ctx": 8192, "stop": ["User:"]},
    }
    assert body == 'You are terse. "Quote" \\ back\x7f'
    persona = library.read("terse")
    assert isinstance(persona, Persona)
    # Tools are the conversation's own permissions: a persona never carries them.
    assert persona.settings.tools is None
    target = ConversationSettings(model="llama3.2:latest", tools=["list_dir"], options={"seed": 1})
    apply_persona(persona, target)
    assert target.model == "qwen2.5:0.5b"
    assert target.system == 'You are terse. "Quote" \\ back\x7f'
    assert target.options == {"temperature": 0.2, "num_ctx": 8192, "stop": ["User:"]}
    assert (target.think, target.format, target.keep_alive) == ("low", "json", "5m")
    assert target.tools == ["list_dir"]


def test_a_file_written_by_hand_is_read_at_the_next_listing(tmp_path: Path) -> None:
    library, folder = _library(tmp_path)
    library.save_prompt("one", "first")
    assert [e.name for e in library.listing().entries] == ["one"]
    (folder / "two.md").write_text("Just text, no front matter.")
    (folder / "one.md").write_text('+++\nkind = "prompt"\n+++\nedited')
    listing = library.listing()
    assert listing.entries == [
        SavedPrompt("one", "edited"),
        SavedPrompt("two", "Just text, no front matter."),
    ]
    assert library.prompt_names == ["one", "two"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "Type a name"),
        ("../escape", "begin with a dot"),
        ("up/../../escape", "no / or \\"),
        ("a/b", "no / or \\"),
        ("a\\b", "no / or \\"),
        (".hidden", "begin with a dot"),
        (" padded", "begin or end with a space"),
        ("bell\x07", "control or invisible"),
        ("rtl\u202eoverride", "control or invisible"),
        ("x" * 65, "at most 64"),
    ],
)
def test_names_that_are_not_file_names_are_refused(tmp_path: Path, name: str, problem: str) -> None:
    assert problem in (name_problem(name) or "")
    library, folder = _library(tmp_path)
    with pytest.raises(LibraryError, match=r"name|Name"):
        library.save_prompt(name, "text")
    assert not folder.exists() or not any(folder.iterdir())


def test_unusable_files_are_reported_and_skipped_and_left_as_they_are(tmp_path: Path) -> None:
    library, folder = _library(tmp_path)
    library.save_prompt("good", "fine")
    outside = tmp_path / "secret.md"
    outside.write_text("a secret outside the library")
    files = {
        "bad toml.md": b'+++\nkind = "persona\n+++\nx',
        "unclosed.md": b"+++\nkind = 'prompt'\nno end",
        "latin1.md": b"caf\xe9",
        "huge.md": b"x" * (MAX_FILE_BYTES + 1),
        "hostile.md": b'+++\nkind = "persona"\nmodel = "x; rm -rf /"\n+++\n',
        "hot.md": b'+++\nkind = "persona"\n[options]\ntemperature = 99\n+++\n',
        "nan.md": b'+++\nkind = "persona"\n[options]\ntemperature = nan\n+++\n',
        "odd kind.md": b'+++\nkind = "script"\n+++\n',
        "stops.md": b'+++\nkind = "persona"\n[options]\nstop = [1]\n+++\n',
        "notes.txt": b"not markdown",
    }
    for file_name, data in files.items():
        (folder / file_name).write_bytes(data)
    (folder / "link.md").symlink_to(outside)
    os.mkfifo(folder / "fifo.md")
    (folder / "esc\x1b]0;x\x07.md").write_text("a name with escapes")
    (folder / ".hidden.md").write_text("hidden")
    before = {path.name: path.lstat() for path in folder.iterdir()}
    listing = library.listing()
    assert listing.entries == [SavedPrompt("good", "fine")]
    reasons = {skipped.file_name: skipped.reason for skipped in listing.skipped}
    assert reasons["bad toml.md"].startswith("the front matter is not TOML")
    assert "closing +++ is missing" in reasons["unclosed.md"]
    assert reasons["latin1.md"] == "not UTF-8 text (byte 3)"
    assert reasons["huge.md"] == f"larger than {MAX_FILE_BYTES:,} bytes"
    assert "is not a model name" in reasons["hostile.md"]
    assert "temperature takes 0 to 5" in reasons["hot.md"]
    assert "temperature takes a finite number" in reasons["nan.md"]
    assert "kind is 'prompt' or 'persona'" in reasons["odd kind.md"]
    assert "stop takes strings" in reasons["stops.md"]
    assert reasons["notes.txt"] == "not a .md file"
    assert reasons["link.md"] == "a symbolic link, which is not read"
    assert reasons["fifo.md"] == "not a regular file"
    assert reasons["esc\x1b]0;x\x07.md"].startswith("not a name")
    assert ".hidden.md" not in reasons
    assert {path.name: path.lstat() for path in folder.iterdir()} == before
    # Asked for by name, a link is refused too, and never replaced by a save.
    with pytest.raises(LibraryError, match="symbolic link"):
        library.read("link")
    with pytest.raises(LibraryError, match="never replaced"):
        library.save_prompt("link", "overwrite?")
    assert outside.read_text() == "a secret outside the library"
    with pytest.raises(LibraryError, match="nothing in the library is named 'nobody'"):
        library.read("nobody")


def test_deleting_removes_a_link_not_what_it_names(tmp_path: Path) -> None:
    library, folder = _library(tmp_path)
    folder.mkdir(parents=True)
    outside = tmp_path / "kept.md"
    outside.write_text("kept")
    (folder / "link.md").symlink_to(outside)
    library.delete("link")
    assert not os.path.lexists(folder / "link.md") and outside.read_text() == "kept"
    with pytest.raises(LibraryError):
        library.delete("link")


def test_a_persona_in_a_raw_completion_is_refused_as_the_settings_dialog_refuses_it(
    tmp_path: Path,
) -> None:
    library, _ = _library(tmp_path)
    library.save_persona("sys", ConversationSettings(model="m", system="Be brief."))
    persona = library.read("sys")
    assert isinstance(persona, Persona)
    raw = ConversationSettings(model="base", raw=True)
    with pytest.raises(ValueError, match="raw mode"):
        apply_persona(persona, raw)
    assert raw.model == "base" and raw.system is None


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@given(
    system=_text,
    stop=st.lists(_text.filter(lambda s: s and "\n" not in s and s == s.strip()), max_size=3),
)
def test_any_text_survives_the_front_matter(system: str, stop: list[str]) -> None:
    """The writer's strings are TOML whatever they hold (quotes, backslashes, controls)."""
    front: dict[str, FrontValue | dict[str, FrontValue]] = {
        "kind": "persona",
        "model": system,
        "options": {"stop": stop},
    }
    text = render(front, system)
    parsed, body = parse("x.md", text)
    assert parsed == front and body == system
    assert tomllib.loads(text.split("+++\n")[1]) == front
