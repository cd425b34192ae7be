"""The full-text search index on a real data dir: what matches, and that it stays a cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ollama_tui.domain.conversation import Conversation, Message, Role
from ollama_tui.domain.folding import fold, word_spans
from ollama_tui.services.library import ConversationLibrary, cut_snippet
from ollama_tui.store import SearchIndex, SessionStore
from ollama_tui.store.search_index import fts_query
from ollama_tui.store.summary_index import session_files


def _save(data_dir: Path, title: str, *texts: str) -> Conversation:
    conversation = Conversation(title=title)
    conversation.messages += [Message.user(text) for text in texts]
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    return conversation


def _sync(index: SearchIndex) -> bool:
    """Bring the index in step with the sessions folder as it is now."""
    return index.sync(session_files(index.sessions_dir))


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    SessionStore(tmp_path).close()
    return SearchIndex(tmp_path)


def test_words_match_by_prefix_whatever_the_case_and_accents(
    tmp_path: Path, index: SearchIndex
) -> None:
    sql = _save(tmp_path, "one", "Use a LEFT JOIN in PostgreSQL; the café is open.")
    cjk = _save(tmp_path, "two", "数据库的查询很慢。東京のデータ")
    _sync(index)
    assert index.progress.complete and index.progress.total == 2
    assert index.matching(["join"]) == {sql.id}
    assert index.matching(["postg"]) == {sql.id}
    assert index.matching(["cafe"]) == {sql.id}  # accents aside
    assert index.matching(["left", "join"]) == {sql.id}  # every word
    assert index.matching(["left", "nowhere"]) == set()
    assert index.matching(["gresql"]) == set()  # words match from their start
    assert index.matching(["数据"]) == {cjk.id}  # CJK: a phrase of characters
    assert index.matching(["据库"]) == {cjk.id}
    assert index.matching(["データ"]) == {cjk.id}
    assert index.matching(["库数"]) == set()


@pytest.mark.parametrize(
    "typed", ['"', 'a"b', "AND", "OR NOT", "NEAR(a b)", "*", "^x", "col:val", "(", "-x", "'"]
)
def test_nothing_typed_is_read_as_query_syntax(
    tmp_path: Path, index: SearchIndex, typed: str
) -> None:
    _save(tmp_path, "t", "plain words")
    _sync(index)
    assert index.matching(typed.split()) is not None  # answered, not an error
    assert index.unavailable is None


def test_a_search_with_control_characters_answers_and_leaves_search_on(
    tmp_path: Path, index: SearchIndex
) -> None:
    sql = _save(tmp_path, "one", "Use a LEFT JOIN in PostgreSQL")
    _sync(index)
    for typed in ("join\x00", "\x00", "le\x00ft", "join\x1b[2J", "join\ud800"):
        assert index.matching(typed.split(" ")) is not None, repr(typed)
        assert index.unavailable is None, repr(typed)
    assert index.matching(["join\x00"]) == {sql.id}
    assert index.matching(["join"]) == {sql.id}  # full-text search is still on


def test_queries_quote_every_term() -> None:
    assert fts_query(['a"b', "数据"]) == '"a""b"* AND "数 据"'
    assert fts_query(["--", "..."]) is None


def test_sync_follows_new_changed_and_removed_files(tmp_path: Path, index: SearchIndex) -> None:
    first = _save(tmp_path, "first", "alpha words")
    assert _sync(index) is True
    counted = index.generation
    assert _sync(index) is False  # nothing changed: nothing redone
    assert index.generation == counted  # and a view showing results need not search again
    assert not index.progress.running and index.progress.complete
    second = _save(tmp_path, "second", "alpha again")
    store = SessionStore(tmp_path)
    first.messages[0].content = "beta now"
    store.save(first)
    store.close()
    _sync(index)
    assert index.generation > counted
    assert index.matching(["alpha"]) == {second.id}
    assert index.matching(["beta"]) == {first.id}
    (tmp_path / "sessions" / f"{second.id}.json").unlink()
    assert _sync(index) is True
    assert index.matching(["alpha"]) == set()
    assert index.text_of(first.id) == "first\nbeta now"


def test_the_index_is_private_and_a_broken_one_is_rebuilt(tmp_path: Path) -> None:
    kept = _save(tmp_path, "kept", "gamma")
    database = tmp_path / "search.sqlite3"
    database.write_bytes(os.urandom(4096))
    index = SearchIndex(tmp_path)
    _sync(index)
    assert index.matching(["gamma"]) == {kept.id}
    assert database.stat().st_mode & 0o777 == 0o600
    index.close()
    database.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    again = SearchIndex(tmp_path)
    assert again.matching(["gamma"]) == set()  # empty until synced: a cache, nothing lost
    _sync(again)
    assert again.matching(["gamma"]) == {kept.id}


def test_an_index_deleted_while_in_use_is_built_again_though_searched_first(
    tmp_path: Path, index: SearchIndex
) -> None:
    kept = _save(tmp_path, "kept", "zanzibarine")
    _sync(index)
    assert index.matching(["zanzib"]) == {kept.id}
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"search.sqlite3{suffix}").unlink(missing_ok=True)
    # A search before the next sync finds nothing yet, and must not leave an empty index
    # that the sync of an unchanged folder would take for up to date.
    assert index.matching(["zanzib"]) == set()
    assert _sync(index) is True
    assert index.matching(["zanzib"]) == {kept.id}


def test_without_a_usable_index_titles_are_still_searched(tmp_path: Path) -> None:
    kept = _save(tmp_path, "Delta title", "epsilon")
    (tmp_path / "search.sqlite3").mkdir()  # cannot be opened as a database
    library = ConversationLibrary(SessionStore(tmp_path))
    library.refresh()
    library.update_index()
    assert library.index.unavailable
    assert [m.entry.id for m in library.search("delta")] == [kept.id]
    assert library.search("epsilon") == []


def test_two_instances_share_the_index(tmp_path: Path) -> None:
    first = _save(tmp_path, "one", "shared words")
    one, two = SearchIndex(tmp_path), SearchIndex(tmp_path)
    _sync(one)
    _sync(two)
    second = _save(tmp_path, "two", "shared more")
    _sync(two)
    assert one.matching(["shared"]) == {first.id, second.id}


def test_snippets_come_from_the_messages_around_the_word() -> None:
    text = "Title with word\n" + "x " * 40 + "the quick zebra jumps" + " y" * 40
    snippet = cut_snippet(text, ["zeb"])
    assert snippet is not None and "quick zebra jumps" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert cut_snippet("word in title only\nnothing here", ["word"]) is None
    assert cut_snippet("t\nsubword and word", ["word"]) == "subword and word"


def test_folding_keeps_every_place_where_it_was() -> None:
    for text in ("CAFÉ", "Straße", "İstanbul", "ﬁne", "Ωμέγα", "東京", "a\u0301b"):
        assert len(fold(text)) == len(text)
    assert fold("CAFÉ Crème") == "cafe creme"
    assert list(word_spans("the CAFÉ and the Café", "cafe")) == [(4, 8), (17, 21)]
    assert list(word_spans("東京\nタワー", "東京タワー")) == [(0, 6)]
    # Places beginning a word come first, as the index matches words by their start.
    assert list(word_spans("subword word", "word")) == [(8, 12), (3, 7)]


def test_snippets_are_found_as_the_index_finds_them() -> None:
    assert cut_snippet("t\nat the CAFÉ now", ["cafe"]) == "at the CAFÉ now"
    wide = "字" * 40 + "東京" + "字" * 40
    snippet = cut_snippet("t\n" + wide, ["東京"])
    assert snippet is not None and "東京" in snippet
    # Thirty columns each side: fifteen wide characters.
    assert snippet == "…" + "字" * 15 + "東京" + "字" * 15 + "…"


def test_a_word_from_a_version_set_aside_finds_its_conversation(
    tmp_path: Path, index: SearchIndex
) -> None:
    """Every version is indexed, not only the one shown, at each depth of branching."""
    conversation = Conversation(title="branched")
    prompt = Message.user("kept visible")
    reply = Message(role=Role.ASSISTANT, content="shown answer")
    set_aside_reply = Message(role=Role.ASSISTANT, content="zebra answer")
    deeper = Message.user("yak question")
    later = Message(role=Role.USER, content="follow-up", alternatives=[[deeper]], version=1)
    reply.alternatives, reply.version = [[set_aside_reply, later]], 1
    conversation.messages += [prompt, reply]
    store = SessionStore(tmp_path)
    store.save(conversation)
    store.close()
    _sync(index)
    assert index.matching(["zebra"]) == {conversation.id}
    assert index.matching(["yak"]) == {conversation.id}
    assert index.matching(["shown"]) == {conversation.id}
