"""Provides the full-text index of saved conversations: `<data_dir>/search.sqlite3`.

A cache, like the summary index: deleting it (or finding it corrupt) loses nothing, it is
built again from the session files. SQLite's FTS5 does the indexing in C, so a query over
10,000 conversations takes milliseconds. Words match by prefix, accents and case aside;
Chinese, Japanese and Korean text is indexed one character at a time and searched as
phrases, since it has no spaces to split words on.

Each file's text is kept compressed beside the index so snippets can be cut without reading
the session files again.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..domain.text import cjk_characters
from .disk_json import DiskJsonError, read_json
from .summary_index import FileStamp

SCHEMA_VERSION = 2
"""2: every version of a conversation is indexed, not only the one shown (an index of 1 is
built again)."""
BATCH_SECONDS = 0.5
"""A sync commits at least this often, so searches see its progress and no lock is held long."""
BUSY_TIMEOUT_SECONDS = 10.0


def _indexed_words(text: str) -> str:
    """The text as FTS5 tokenizes it: CJK characters become words of their own."""
    return cjk_characters().sub(r" \g<0> ", text)


_UNSEARCHABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def fts_query(words: Iterable[str]) -> str | None:
    """An FTS5 query matching every word as a prefix, or None when no word is indexable.

    Each word is quoted, so nothing a user types is read as query syntax. Control
    characters and lone surrogates become spaces, as the tokenizer takes them: FTS5 reads a
    NUL as the end of the query ("unterminated string"), and a surrogate cannot be bound.
    """
    terms = []
    for word in words:
        spaced = _indexed_words(_UNSEARCHABLE.sub(" ", word))
        if not any(char.isalnum() for char in spaced):
            continue  # punctuation alone is never indexed; titles still match it
        quoted = '"' + " ".join(spaced.split()).replace('"', '""') + '"'
        terms.append(quoted if cjk_characters().search(word) else quoted + "*")
    return " AND ".join(terms) if terms else None


def searchable_text(raw: bytes) -> str | None:
    """Title and message texts of a session file, read tolerantly (this is only a cache)."""
    try:
        data = read_json(raw)
    except DiskJsonError:
        return None
    if not isinstance(data, dict):
        return None
    parts = [data.get("title")]
    # Every version is searched, not only the one shown: a word from a version set aside
    # still finds its conversation (the map of versions then jumps to it). The versions
    # shown come first, so a snippet quotes them when they hold the word.
    pending: deque[object] = deque([data.get("messages")])
    while pending:
        messages = pending.popleft()
        if not isinstance(messages, list):
            continue
        for message in messages:
            if isinstance(message, dict):
                parts.append(message.get("content"))
                alternatives = message.get("alternatives")
                if isinstance(alternatives, list):
                    pending.extend(alternatives)
    return "\n".join(part for part in parts if isinstance(part, str))


@dataclass
class IndexProgress:
    indexed: int = 0
    total: int = 0
    running: bool = False
    problem: str | None = None
    """Why the last sync stopped short (a full disk, say); what was indexed still answers."""

    @property
    def complete(self) -> bool:
        return self.indexed >= self.total


class SearchIndex:
    """Full-text search over `<data_dir>/sessions/`, kept in step by `sync`.

    One connection writes (`sync`, in a worker thread); another reads (`matching`, `text_of`),
    so searching goes on while a sync commits. When SQLite or FTS5 is unusable, `unavailable`
    says why and searches return None.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "search.sqlite3"
        self.sessions_dir = data_dir / "sessions"
        self.progress = IndexProgress()
        self.unavailable: str | None = None
        self._sync_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._reader: sqlite3.Connection | None = None
        self._reader_identity: tuple[int, int] | None = None
        self._synced: dict[str, FileStamp] | None = None
        self.generation = 0
        """Counts the changes this instance's syncs committed: a view that shows search results
        compares it with the count its search saw, whichever worker synced (a sync that finds
        the work done by another returns False to its caller)."""

    # -- connections ----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        """A connection in autocommit mode, with the schema in place.

        Raises:
            sqlite3.DatabaseError, OSError.
        """
        # Created 0600 before SQLite opens it; its -wal and -shm files copy that mode.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        connection = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            # Under SQLite's write lock, so two instances never both create the tables.
            connection.execute("BEGIN IMMEDIATE")
            (version,) = connection.execute("PRAGMA user_version").fetchone()
            if version != SCHEMA_VERSION:
                connection.execute("DROP TABLE IF EXISTS docs")
                connection.execute("DROP TABLE IF EXISTS search")
                connection.execute(
                    "CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
                    " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, body BLOB NOT NULL)"
                )
                connection.execute(
                    "CREATE VIRTUAL TABLE search USING fts5(words, content='',"
                    " tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
                )
                connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.close()
            raise
        return connection

    def _open(self) -> sqlite3.Connection | None:
        """A working connection; a broken cache is deleted and built anew."""
        for attempt in range(2):
            try:
                connection = self._connect()
            except sqlite3.DatabaseError as error:
                if attempt == 0 and "fts5" not in str(error):
                    self._delete_files()
                    continue
                self.unavailable = f"the search index cannot be used ({error})"
                return None
            except OSError as error:
                self.unavailable = f"the search index cannot be created ({error.strerror})"
                return None
            self.unavailable = None
            return connection
        return None

    def _delete_files(self) -> None:
        self._close_reader()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")

    def _close_reader(self) -> None:
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _read(self, query: str, parameters: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self._read_lock:
            if self._reader is not None and self._file_identity() != self._reader_identity:
                # Deleted or replaced (a rebuild, by us or another instance): an open
                # connection would go on reading the old file.
                self._reader.close()
                self._reader = None
            if self._reader is None:
                if not self.path.exists():
                    # Deleted behind our back: the next sync builds it again. Made here, it
                    # would be empty, and a sync of an unchanged folder would take it for
                    # up to date (nothing found in any message until a file changed).
                    return []
                self._reader = self._connect()
                self._reader_identity = self._file_identity()
            return self._reader.execute(query, parameters).fetchall()

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_dev, info.st_ino

    # -- keeping in step with the files ---------------------------------------------------

    def sync(
        self, stamps: dict[str, FileStamp], should_stop: Callable[[], bool] = lambda: False
    ) -> bool:
        """Index the files of `stamps` (a listing of the sessions folder) that are new or
        changed since they were indexed; forget the ones gone. Returns whether anything did.

        Runs in a worker thread; `progress` follows it. One sync at a time per instance;
        two instances share the file safely (SQLite locks it).
        """
        with self._sync_lock:
            if stamps == self._synced and os.path.exists(self.path):
                return False  # nothing changed since this instance's last complete sync
            connection = self._open()
            if connection is None:
                return False
            self.progress.running = True
            changed = True  # a failure changes what a search can say
            try:
                changed = self._sync(connection, stamps, should_stop)
                if self.progress.complete:
                    self._synced = stamps
                return changed
            except (sqlite3.DatabaseError, OSError) as error:
                # A full disk keeps what was committed; a corrupt file is built anew next time.
                self.progress.problem = f"the search index could not be updated ({error})"
                if "malformed" in str(error):
                    self._delete_files()
                return True
            finally:
                self.progress.running = False
                connection.close()
                if changed:
                    # Counted after `running` is off: a search that sees the count sees the
                    # sync finished (no "indexing" left in a view's note).
                    self.generation += 1

    def _sync(
        self,
        connection: sqlite3.Connection,
        stamps: dict[str, FileStamp],
        should_stop: Callable[[], bool],
    ) -> bool:
        known = {
            name: (size, mtime_ns)
            for name, size, mtime_ns in connection.execute("SELECT name, size, mtime_ns FROM docs")
        }
        stale = sorted(
            (name for name, stamp in stamps.items() if known.get(name) != stamp),
            key=lambda name: stamps[name][1],
            reverse=True,  # recent conversations become searchable first
        )
        gone = [name for name in known if name not in stamps]
        self.progress = IndexProgress(len(stamps) - len(stale), len(stamps), running=True)
        connection.execute("BEGIN IMMEDIATE")
        try:
            for name in gone:
                self._forget(connection, name)
            batch_started = time.monotonic()
            for name in stale:
                if should_stop():
                    break
                self._index_file(connection, name, stamps[name])
                self.progress.indexed += 1
                if time.monotonic() - batch_started > BATCH_SECONDS:
                    connection.execute("COMMIT")
                    self.generation += 1  # searches see the files indexed so far
                    batch_started = time.monotonic()
                    connection.execute("BEGIN IMMEDIATE")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            raise
        return bool(stale or gone)

    def _forget(self, connection: sqlite3.Connection, name: str) -> None:
        row = connection.execute("SELECT id, body FROM docs WHERE name = ?", (name,)).fetchone()
        if row is None:
            return
        doc_id, body = row
        # A contentless FTS5 table is told exactly which words to remove.
        words = _indexed_words(zlib.decompress(body).decode("utf-8"))
        connection.execute(
            "INSERT INTO search(search, rowid, words) VALUES('delete', ?, ?)", (doc_id, words)
        )
        connection.execute("DELETE FROM docs WHERE id = ?", (doc_id,))

    def _index_file(self, connection: sqlite3.Connection, name: str, stamp: FileStamp) -> None:
        try:
            raw = (self.sessions_dir / name).read_bytes()
        except OSError:
            raw = b""
        text = searchable_text(raw) or ""
        self._forget(connection, name)
        cursor = connection.execute(
            "INSERT INTO docs(name, size, mtime_ns, body) VALUES(?, ?, ?, ?)",
            (name, *stamp, zlib.compress(text.encode("utf-8"), 1)),
        )
        connection.execute(
            "INSERT INTO search(rowid, words) VALUES(?, ?)",
            (cursor.lastrowid, _indexed_words(text)),
        )

    # -- searching ------------------------------------------------------------------------

    def matching(self, words: list[str]) -> set[str] | None:
        """Ids of the conversations whose text holds every word (by prefix), or None when
        the index cannot answer (see `unavailable`)."""
        query = fts_query(words)
        if query is None:
            return set()
        if self.unavailable:
            return None
        try:
            rows = self._read(
                "SELECT name FROM docs WHERE id IN (SELECT rowid FROM search WHERE search MATCH ?)",
                (query,),
            )
        except (sqlite3.DatabaseError, OSError) as error:
            self.unavailable = f"the search index cannot be read ({error})"
            self._close_reader()
            return None
        return {str(name).removesuffix(".json") for (name,) in rows}

    def text_of(self, session_id: str) -> str | None:
        """The indexed text of one conversation, for cutting a snippet."""
        try:
            row = self._read("SELECT body FROM docs WHERE name = ?", (f"{session_id}.json",))
        except (sqlite3.DatabaseError, OSError):
            return None
        if not row:
            return None
        body = row[0][0]
        return zlib.decompress(body).decode("utf-8") if isinstance(body, bytes) else None

    def close(self) -> None:
        self._close_reader()
