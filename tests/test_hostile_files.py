"""Any JSON document placed in the sessions folder: the app and the CLI never crash on it and
never modify it (bytes and mtime)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ollama_tui import cli_commands
from ollama_tui.domain.conversation import Conversation
from ollama_tui.services.library import ConversationLibrary
from ollama_tui.services.workspace import Workspace
from ollama_tui.store import SessionStore, StoreError, WorkspaceStore
from ollama_tui.ui.chat.chat_view import ChatView
from tests.pilot import MakeApp, quit_app, wait_until

# Every code point, lone surrogates included (json.dumps escapes them as "\ud800"), and
# often the ones that broke something once: surrogates, controls, bidi, NUL.
_tricky = st.sampled_from(["\ud800", "\udfff", "\ud83d", "\x1b", "\x00", "\u202e", "\n", "a"])
# Joined from a list: st.text() leaves surrogates out whatever its alphabet says.
_any_text = st.lists(st.one_of(st.characters(exclude_categories=()), _tricky), max_size=30).map(
    "".join
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _any_text,
)
_any_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_any_text, inner, max_size=4)
    ),
    max_leaves=20,
)


def _mostly(valid: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`valid` nine times in ten: a file must pass validation to reach the later paths.
    (`one_of` with `valid` repeated would not weigh it: its branches are drawn evenly.)"""
    # Not 0 or 9: hypothesis draws the ends of a range far more often than one in ten.
    return st.integers(0, 9).flatmap(lambda draw: other if draw == 6 else valid)


_dates = _mostly(
    st.sampled_from(["2026-01-02T03:04:05Z", "2026-01-02T03:04:05", "2026-01-02", "0001-01-01"]),
    st.one_of(_any_text, _any_json),
)
_messages = st.lists(
    st.fixed_dictionaries(
        {"role": _mostly(st.sampled_from(["user", "assistant", "system", "tool"]), _any_json)},
        optional={
            "content": _mostly(_any_text, _any_json),
            "thinking": _any_text,
            "status": st.sampled_from(["complete", "streaming", "error", "odd"]),
            "model": _mostly(_any_text, _any_json),
            "host_name": _mostly(_any_text, _any_json),
            "error": _any_text,
            "created_at": _dates,
            "attachments": _mostly(st.lists(_any_text, max_size=2), _any_json),
            "stats": _mostly(st.fixed_dictionaries({"eval_count": st.integers(0, 9)}), _any_json),
        },
    ),
    max_size=3,
)
# Shaped like a session, so that validation is reached and passed, not only refused early.
_session_like = st.fixed_dictionaries(
    {
        "schema": st.just("ollama-tui/session"),
        "version": _mostly(st.just(1), st.sampled_from([2, 0, "1", None, True])),
        "title": _mostly(_any_text, _any_json),
        "messages": _mostly(_messages, _any_json),
    },
    optional={
        "id": _mostly(_any_text, _any_json),
        "settings": _mostly(
            st.fixed_dictionaries(
                {}, optional={"model": _any_text, "system": _any_text, "keep_alive": _any_text}
            ),
            _any_json,
        ),
        "created_at": _dates,
        "updated_at": _dates,
        "host": _any_text,
        "kind": st.sampled_from(["chat", "completion", "other"]),
        "x_future": _any_json,
    },
)


def _encode(document: Any, ascii_only: bool) -> bytes:
    text = json.dumps(document, ensure_ascii=ascii_only)
    # Without ASCII escapes a lone surrogate cannot be UTF-8: the bytes say so as they are.
    return text.encode("utf-8", "surrogatepass")


def _stamps(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in folder.iterdir()}


def _everything_the_app_and_cli_do_at_start(data_dir: Path, name: str) -> None:
    """The store, library and index paths the app runs at start and on Ctrl+O, reopening the
    file as a tab, and the CLI's list and export; output must be encodable for a terminal."""
    session_id = name.removesuffix(".json")
    (data_dir / "workspace.json").write_text(json.dumps({"open_tabs": [session_id]}))
    store = SessionStore(data_dir)
    try:
        workspace = Workspace(store, WorkspaceStore(data_dir))
        workspace.restore()
        library = ConversationLibrary(store)
        try:
            library.refresh()
            library.update_index()
            for query in ("a", "e", "\ufffd"):
                for match in library.search(query):
                    library.snippet(match.entry.id, [query])
            for entry in library.entries:
                str(entry.title).encode("utf-8")
        finally:
            library.index.close()
        out, err = io.StringIO(), io.StringIO()
        cli_commands.list_sessions(store, out, err)
        for fmt in ("md", "json"):
            cli_commands.export_session(store, session_id, fmt, None, out, err)
        (out.getvalue() + err.getvalue()).encode("utf-8")
        with contextlib.suppress(StoreError):
            store.read(session_id).to_json_dict()
    finally:
        store.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=st.one_of(_session_like, _any_json), ascii_only=st.booleans())
def test_any_json_document_never_crashes_anything_and_is_never_modified(
    document: Any, ascii_only: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        sessions = data_dir / "sessions"
        sessions.mkdir(mode=0o700)
        path = sessions / "01HOSTILE.json"
        path.write_bytes(_encode(document, ascii_only))
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
        # Beside a conversation of our own: a listing sorts them together.
        store = SessionStore(data_dir)
        store.save(Conversation(title="ours"))
        store.close()
        before = _stamps(sessions)
        _everything_the_app_and_cli_do_at_start(data_dir, path.name)
        assert _stamps(sessions) == before


HOSTILE_FILES = {
    "01SURROGATE.json": '{"schema": "ollama-tui/session", "version": 1, "title": "t \\ud800",'
    ' "messages": [{"role": "user", "content": "c \\udc00"}]}',
    "01DEEP.json": "[" * 50_000 + "]" * 50_000,
    "01DEEPSESSION.json": '{"schema": "ollama-tui/session", "version": 1, "settings": '
    '{"options": {"x": ' + "[" * 900 + "]" * 900 + "}}}",
    "01NAN.json": '{"schema": "ollama-tui/session", "version": 1, "title": NaN}',
    "01LIST.json": "[1, 2]",
    "01BYTES.json": '{"title": "\xff"}',
    "01WRONGID.json": '{"schema": "ollama-tui/session", "version": 1, "id": "../../x",'
    ' "title": "wrong inner id"}',
}


async def test_one_app_start_over_hostile_files_stays_up_and_touches_nothing(
    make_app: MakeApp, data_dir: Path
) -> None:
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, mode=0o700)
    for name, text in HOSTILE_FILES.items():
        (sessions / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    tabs = [name.removesuffix(".json") for name in HOSTILE_FILES]
    (data_dir / "workspace.json").write_text(json.dumps({"open_tabs": tabs}))
    before = _stamps(sessions)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        # The index worker starts a second after start and used to end the app.
        await wait_until(
            lambda: app.backend.library.index.progress.indexed == len(HOSTILE_FILES),
            message="the search index over every file",
        )
        await pilot.pause()
        assert app.return_code is None
        titles = [view.conversation.title for view in app.query(ChatView)]
        assert "t \ufffd" in titles and "wrong inner id" in titles
        code = await quit_app(pilot)
    assert code == 0
    assert _stamps(sessions) == before
