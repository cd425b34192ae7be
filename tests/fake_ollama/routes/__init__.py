"""Provides `respond`: the fake's route table, one module per family of Ollama endpoints.

A canned answer queued for a path (`fail_next`, `answer_next`) goes before the route.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from ..script import CannedAnswer, Script
from ..transport import Connection, HungUp, RecordedRequest
from . import inference, models, transfer

Route = Callable[[Script, Connection, RecordedRequest], Awaitable[None]]

ROUTES: dict[str, tuple[set[str], Route]] = {
    "/": ({"GET", "HEAD"}, models.root),
    "/api/version": ({"GET", "HEAD"}, models.version),
    "/api/tags": ({"GET", "HEAD"}, models.tags),
    "/api/ps": ({"GET"}, models.ps),
    "/api/show": ({"POST"}, models.show),
    "/api/copy": ({"POST"}, models.copy),
    "/api/delete": ({"DELETE"}, models.delete),
    "/api/create": ({"POST"}, models.create),
    "/api/chat": ({"POST"}, inference.chat),
    "/api/generate": ({"POST"}, inference.generate),
    "/api/embed": ({"POST"}, inference.embed),
    "/api/embeddings": ({"POST"}, inference.embeddings),
    "/api/pull": ({"POST"}, transfer.pull),
    "/api/push": ({"POST"}, transfer.push),
}


async def respond(state: Script, conn: Connection, request: RecordedRequest) -> None:
    canned = state.next_canned(request.path)
    if canned is not None:
        await _answer_canned(conn, canned)
        return
    route = ROUTES.get(request.path)
    if route is None:
        await conn.text(404, "404 page not found")
    elif request.method not in route[0]:
        await conn.text(405, "405 method not allowed")
    else:
        await route[1](state, conn, request)


async def _answer_canned(conn: Connection, canned: CannedAnswer) -> None:
    if canned.status == 0:  # hang up without a word, like a server that just died
        conn.abort()
        raise HungUp
    if canned.status < 0:  # never answer: headers that never come
        conn.watch_for_close()
        await conn.pause(3600)  # until the client gives up and goes
    if isinstance(canned.body, bytes):
        await conn.head(canned.status, {"Content-Length": str(len(canned.body)), **canned.headers})
        await conn.write(canned.body)
    elif canned.body is None:
        await conn.body(canned.status, b"", canned.content_type)
    elif isinstance(canned.body, dict):
        await conn.body(
            canned.status,
            json.dumps(canned.body).encode(),
            canned.content_type or "application/json; charset=utf-8",
        )
    else:
        await conn.body(
            canned.status,
            canned.body.encode(),
            canned.content_type or "text/plain; charset=utf-8",
        )
