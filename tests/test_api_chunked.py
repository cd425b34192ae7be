"""Chunked bodies are read a network read at a time: the chunks a read holds are handed over
as one piece (Ollama sends a chunk per token), with h11's checks on every chunk."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import h11
import httpx
import pytest

from ollama_tui.api import chunked
from ollama_tui.api.client import OllamaClient
from ollama_tui.api.errors import OllamaError
from ollama_tui.api.wire import ChatRequest
from ollama_tui.domain.events import StreamDone, TextDelta

HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _line(text: str, *, done: bool = False) -> bytes:
    line = {"model": "m", "message": {"role": "assistant", "content": text}, "done": done}
    if done:
        line["done_reason"] = "stop"
    return json.dumps(line).encode() + b"\n"


def _reply_body(tokens: list[str]) -> bytes:
    lines = [_line(token) for token in tokens] + [_line("", done=True)]
    return b"".join(_chunk(line) for line in lines) + b"0\r\n\r\n"


def _connection() -> h11.Connection:
    """h11 as a client that has sent a request and awaits the answer."""
    connection = h11.Connection(h11.CLIENT)
    connection.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    connection.send(h11.EndOfMessage())
    return connection


def _events(connection: h11.Connection) -> list[object]:
    events: list[object] = []
    while (event := connection.next_event()) is not h11.NEED_DATA:
        events.append(event)
        if isinstance(event, h11.EndOfMessage):
            break
    return events


def test_the_chunks_one_read_holds_are_handed_over_as_one_piece() -> None:
    assert chunked.install()
    connection = _connection()
    connection.receive_data(HEAD + _chunk(b"one\n") + _chunk(b"two\n") + _chunk(b"three\n"))
    connection.receive_data(b"5\r\nfou")  # a chunk whose end has not arrived

    events = _events(connection)

    assert isinstance(events[0], h11.Response)
    assert [bytes(e.data) for e in events[1:] if isinstance(e, h11.Data)] == [
        b"one\ntwo\nthree\nfou"
    ]
    connection.receive_data(b"r\n\r\n0\r\n\r\n")
    rest = _events(connection)
    assert [bytes(e.data) for e in rest if isinstance(e, h11.Data)] == [b"r\n"]
    assert isinstance(rest[-1], h11.EndOfMessage)


def test_a_malformed_chunk_after_good_ones_fails_the_read_after_they_are_handed_over() -> None:
    assert chunked.install()
    connection = _connection()
    connection.receive_data(HEAD + _chunk(b"kept\n") + b"zz\r\nbad\r\n")

    assert isinstance(connection.next_event(), h11.Response)
    event = connection.next_event()
    assert isinstance(event, h11.Data)
    assert bytes(event.data) == b"kept\n"
    with pytest.raises(h11.RemoteProtocolError, match="illegal chunk header"):
        connection.next_event()


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[bytes], str]]:
    """A real HTTP server on 127.0.0.1 answering every request with the bytes given, written
    at once (as a server that had the whole reply ready), then closing the connection."""
    answers: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                await reader.readexactly(int(line.partition(b":")[2]))
        writer.write(answers[-1])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    def serve(data: bytes) -> str:
        answers.append(data)
        return f"http://127.0.0.1:{port}"

    yield serve
    server.close()
    await server.wait_closed()


def _request() -> ChatRequest:
    return ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])


async def test_a_reply_the_server_had_ready_arrives_in_a_few_pieces_not_one_per_token(
    raw_server: Callable[[bytes], str],
) -> None:
    tokens = [f"word{index} " for index in range(300)]
    url = raw_server(HEAD + _reply_body(tokens))
    assert chunked.install()
    pieces = 0
    async with httpx.AsyncClient() as http, http.stream("POST", url + "/api/chat") as response:
        async for _piece in response.aiter_raw():
            pieces += 1
    assert pieces <= 3  # one read, or the head's read and one more; chunk by chunk: 301

    texts: list[str] = []
    async with OllamaClient(url) as client, client.chat_stream(_request()) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                texts.append(event.text)
            last = event
    assert texts == tokens
    assert isinstance(last, StreamDone)


async def test_the_tokens_before_a_malformed_chunk_arrive_and_the_reply_then_fails(
    raw_server: Callable[[bytes], str],
) -> None:
    body = _chunk(_line("kept ")) + _chunk(_line("too ")) + b"zz\r\nbad\r\n"
    url = raw_server(HEAD + body)
    texts: list[str] = []
    async with OllamaClient(url) as client:
        with pytest.raises(OllamaError) as failure:
            async with client.chat_stream(_request()) as events:
                async for event in events:
                    if isinstance(event, TextDelta):
                        texts.append(event.text)
    assert texts == ["kept ", "too "]
    assert "127.0.0.1" in failure.value.message
