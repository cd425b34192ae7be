"""The client against a real HTTP server on 127.0.0.1 speaking Ollama's wire format."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator

import pytest

from ollama_tui.api.client import OllamaClient, Timeouts
from ollama_tui.api.errors import (
    ConnectionLost,
    ModelNotFound,
    ProtocolError,
    RequestTimedOut,
    ResponseError,
    ServerUnavailable,
    StreamFailed,
    StreamIncomplete,
)
from ollama_tui.api.wire import ChatRequest, GenerateRequest
from ollama_tui.domain.events import StreamDone, TextDelta, ThinkingDelta
from tests.fake_ollama.server import FakeOllama

CLOSE_BUDGET = 0.1
"""Seconds from leaving a stream to the server seeing the connection close."""


@pytest.fixture
async def client(fake_ollama: FakeOllama) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(fake_ollama.url) as client:
        yield client


def _chat(model: str = "llama3.2:latest", **fields: object) -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": "hi"}], **fields)


async def _collect(client: OllamaClient, request: ChatRequest) -> list[object]:
    async with client.chat_stream(request) as events:
        return [event async for event in events]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_version_tags_ps_show_keep_unknown_fields(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.version = "0.5.4-ipexllm-20250407"
    fake_ollama.models[0]["capabilities"] = ["completion", "vision"]
    fake_ollama.models[0]["brand_new_field"] = {"x": 1}
    fake_ollama.models.append({"name": "bare:latest"})  # every optional field missing
    fake_ollama.running.append({"name": "llama3.2:latest", "size_vram": 5, "context_length": 8192})
    version = await client.version()
    assert version.parts == (0, 5, 4) and not version.has_create_from
    tags = await client.tags()
    assert tags[0].capabilities == ["completion", "vision"]
    assert tags[0].model_extra == {"brand_new_field": {"x": 1}}
    assert tags[-1].name == "bare:latest" and tags[-1].size == 0 and tags[-1].details.family == ""
    running = await client.ps()
    assert running[0].size_vram == 5 and running[0].context_length == 8192 and running[0].size == 0
    show = await client.show("llama3.2:latest")
    assert show.model_info["general.architecture"] == "llama"
    assert "temperature" in show.parameters


async def test_streamed_chat_yields_thinking_text_and_done(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(["Hel", "lo"], thinking=["hmm"], done_reason="length")
    events = await _collect(client, _chat())
    assert events[0] == ThinkingDelta("hmm")
    assert events[1:3] == [TextDelta("Hel"), TextDelta("lo")]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.done_reason == "length" and done.stats.eval_count == 2
    assert done.stats.tokens_per_second == pytest.approx(50.0)
    body = fake_ollama.requests_to("/api/chat")[-1].body
    assert body["stream"] is True and "options" not in body


async def test_request_fields_reach_the_server_exactly(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    await _collect(
        client,
        _chat(
            options={"temperature": 0, "num_ctx": 8192}, format=schema, keep_alive="5m", think=False
        ),
    )
    body = fake_ollama.requests_to("/api/chat")[-1].body
    assert body["options"] == {"temperature": 0, "num_ctx": 8192}
    assert body["format"] == schema
    assert body["keep_alive"] == "5m" and body["think"] is False


async def test_final_line_text_is_kept(client: OllamaClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.script_reply(["a"], final_text="tail")  # a runner's last event can carry text
    events = await _collect(client, _chat())
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["a", "tail"]


async def test_non_streamed_chat_and_generate(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(["one ", "two"])
    result = await client.chat(_chat())
    assert result.content == "one two" and result.stats.eval_count == 2
    fake_ollama.script_reply(["x", "y"])
    generated = await client.generate(GenerateRequest(model="llama3.2:latest", prompt="p"))
    assert generated.content == "xy" and generated.done_reason == "stop"
    assert fake_ollama.requests_to("/api/generate")[-1].body["stream"] is False


async def test_streamed_generate(client: OllamaClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.script_reply(["def", " f"])
    request = GenerateRequest(model="llama3.2:latest", prompt="code", raw=True, suffix="end")
    async with client.generate_stream(request) as events:
        collected = [event async for event in events]
    assert [e.text for e in collected if isinstance(e, TextDelta)] == ["def", " f"]
    body = fake_ollama.requests_to("/api/generate")[-1].body
    assert body["raw"] is True and body["suffix"] == "end" and "system" not in body


async def test_escape_sequences_in_chunks_are_sanitised(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(["\x1b]0;title\x07", "\x1b[2J", "ok\u202e"])
    events = await _collect(client, _chat())
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert text.endswith("ok")


async def _held_stream(fake_ollama: FakeOllama) -> threading.Event:
    hold = threading.Event()
    fake_ollama.script_reply(["first", "second"], hold=hold, hold_after=1)
    return hold


async def test_break_closes_the_response_at_once(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    hold = await _held_stream(fake_ollama)
    try:
        async with client.chat_stream(_chat()) as events:
            async for _ in events:
                break
            left_at = time.monotonic()
        closed_at = await fake_ollama.async_disconnect_time("/api/chat")
        assert closed_at - left_at < CLOSE_BUDGET
    finally:
        hold.set()


async def test_cancellation_closes_the_response_at_once(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    hold = await _held_stream(fake_ollama)
    first = asyncio.Event()

    async def consume() -> None:
        async with client.chat_stream(_chat()) as events:
            async for _ in events:
                first.set()

    task = asyncio.create_task(consume())
    try:
        await asyncio.wait_for(first.wait(), 5)
        task.cancel()
        cancelled_at = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        closed_at = await fake_ollama.async_disconnect_time("/api/chat")
        assert closed_at - cancelled_at < CLOSE_BUDGET
    finally:
        hold.set()


async def test_an_exception_in_the_loop_body_closes_the_response(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    hold = await _held_stream(fake_ollama)
    try:
        with pytest.raises(KeyError):
            async with client.chat_stream(_chat()) as events:
                async for _ in events:
                    raised_at = time.monotonic()
                    raise KeyError("boom")
        closed_at = await fake_ollama.async_disconnect_time("/api/chat")
        assert closed_at - raised_at < CLOSE_BUDGET
    finally:
        hold.set()


async def test_mid_stream_error_line(client: OllamaClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.script_reply(
        ["partial"], end="error", error="model runner has unexpectedly stopped"
    )
    seen: list[object] = []
    with pytest.raises(StreamFailed) as caught:
        async with client.chat_stream(_chat()) as events:
            async for event in events:
                seen.append(event)
    assert seen == [TextDelta("partial")]
    assert caught.value.message == "model runner has unexpectedly stopped"


async def test_end_without_done_is_incomplete(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(["partial"], end="eof")
    with pytest.raises(StreamIncomplete):
        await _collect(client, _chat())


async def test_a_dropped_connection_is_reported_as_lost(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(["partial"], end="disconnect")
    with pytest.raises(ConnectionLost) as caught:
        await _collect(client, _chat())
    assert fake_ollama.url.removeprefix("http://") in caught.value.message


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        (b'\n\n{"message":{"content":"a"},"done":false}\n\n', ["a"]),
        (b'{"message":{"content":"\xff\xfeb"},"done":false}\n', ["\ufffd\ufffdb"]),
    ],
)
async def test_blank_lines_and_invalid_utf8_are_tolerated(
    chunk: bytes, expected: list[str]
) -> None:
    # Byte for byte, which the fake server's text bodies cannot do for invalid UTF-8.
    raw_server = _RawServer(chunk + b'{"done":true,"done_reason":"stop"}\n')
    async with OllamaClient(raw_server.url) as raw_client:
        events = await _collect(raw_client, _chat())
    raw_server.close()
    assert [e.text for e in events if isinstance(e, TextDelta)] == expected
    assert isinstance(events[-1], StreamDone)


class _RawServer:
    """Answers one request with a fixed NDJSON body, byte for byte (invalid UTF-8 included)."""

    def __init__(self, body: bytes) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, args=(body,), daemon=True)
        self._thread.start()

    def _serve(self, body: bytes) -> None:
        connection, _ = self._listener.accept()
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            while len(rest) < length:
                rest += connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )

    def close(self) -> None:
        self._thread.join(timeout=5)
        self._listener.close()


async def test_a_malformed_line_is_a_protocol_error(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.fail_next(
        "/api/chat",
        200,
        '{"message":{"content":"a"}}\n<html>oops\n',
        content_type="application/x-ndjson",
    )
    with pytest.raises(ProtocolError) as caught:
        await _collect(client, _chat())
    assert "<html>oops" in caught.value.message


async def test_an_oversize_line_is_refused(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_reply(["x" * 5000])
    async with OllamaClient(fake_ollama.url, max_line_bytes=1024) as small:
        with pytest.raises(ProtocolError) as caught:
            await _collect(small, _chat())
    assert "1,024 bytes" in caught.value.message


@pytest.mark.parametrize(
    ("message", "model"),
    [('model "nope" not found, try pulling it first', "nope"), ("model 'nope' not found", "nope")],
)
async def test_model_not_found_in_both_wordings(
    client: OllamaClient, fake_ollama: FakeOllama, message: str, model: str
) -> None:
    fake_ollama.fail_next("/api/chat", 404, {"error": message})
    with pytest.raises(ModelNotFound) as caught:
        await _collect(client, _chat())
    assert caught.value.model == model and caught.value.status == 404
    assert caught.value.message == message


async def test_plain_text_404_of_an_unknown_route_is_not_a_missing_model(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.version = "0.1.30"
    with pytest.raises(ResponseError) as caught:
        await client.ps()
    assert not isinstance(caught.value, ModelNotFound)
    assert caught.value.status == 404 and caught.value.message == "404 page not found"


async def test_empty_403_explains_the_host_guard(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.fail_next("/api/tags", 403, None)
    with pytest.raises(ResponseError) as caught:
        await client.tags()
    assert caught.value.status == 403
    assert "empty body" in caught.value.message and "Host" in caught.value.message


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"error": "invalid model name"}, "invalid model name"),
        (500, {"error": 'option "temperature" must be of type float32'}, "float32"),
        (
            503,
            {"error": "server busy, please try again.  maximum pending requests exceeded"},
            "server busy",
        ),
        (500, "<html><body>Bad Gateway</body></html>", "Bad Gateway"),
    ],
)
async def test_error_bodies_are_quoted(
    client: OllamaClient, fake_ollama: FakeOllama, status: int, body: object, expected: str
) -> None:
    fake_ollama.fail_next("/api/chat", status, body)  # type: ignore[arg-type]
    with pytest.raises(ResponseError) as caught:
        await _collect(client, _chat())
    assert caught.value.status == status and expected in caught.value.message


async def test_refused_connection_names_the_host() -> None:
    port = _free_port()
    async with OllamaClient(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(ServerUnavailable) as caught:
            await client.version()
    assert caught.value.message == f"Cannot reach Ollama at 127.0.0.1:{port} (connection refused)."


async def test_read_timeout_while_the_stream_stalls(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_reply(["a"], end="stall")
    async with OllamaClient(fake_ollama.url, timeouts=Timeouts(read=0.3)) as client:
        with pytest.raises(RequestTimedOut) as caught:
            await _collect(client, _chat())
    assert "0.3 s" in caught.value.message


async def test_pull_progress_and_a_mid_stream_error(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_pull(layers=1, steps=2)
    async with client.pull_stream("new:latest") as lines:
        statuses = [line.status async for line in lines]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    fake_ollama.offline = True
    with pytest.raises(StreamFailed) as caught:
        async with client.pull_stream("other") as lines:
            async for _ in lines:
                pass
    assert "no such host" in caught.value.message


async def test_copy_and_delete(client: OllamaClient, fake_ollama: FakeOllama) -> None:
    await client.copy("llama3.2:latest", "mine:latest")
    assert any(m["name"] == "mine:latest" for m in fake_ollama.models)
    await client.delete("mine:latest")
    assert not any(m["name"] == "mine:latest" for m in fake_ollama.models)
    assert fake_ollama.requests_to("/api/delete")[-1].method == "DELETE"
    with pytest.raises(ModelNotFound):
        await client.delete("mine:latest")


async def test_headers_are_sent_and_proxy_variables_ignored(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{_free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with OllamaClient(fake_ollama.url, headers={"Authorization": "Bearer t0k"}) as client:
        await client.tags()
    headers = fake_ollama.requests_to("/api/tags")[-1].headers
    assert headers["authorization"] == "Bearer t0k"
    assert headers["user-agent"].startswith("ollama-tui/")


async def test_importing_and_building_the_client_is_cheap() -> None:
    # Building touches no network; the first request does.
    client = OllamaClient("http://127.0.0.1:1")
    assert client.base_url == "http://127.0.0.1:1"
    await client.aclose()


async def test_a_connection_dropped_before_any_answer_is_retried_once(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    # A kept-alive connection the server closed just as we reused it: nothing was processed.
    fake_ollama.fail_next("/api/chat", 0, None)
    events = await _collect(client, _chat())
    assert isinstance(events[-1], StreamDone)
    assert len(fake_ollama.requests_to("/api/chat")) == 2
    fake_ollama.fail_next("/api/tags", 0, None)
    fake_ollama.fail_next("/api/tags", 0, None)
    with pytest.raises(ConnectionLost):
        await client.tags()  # twice in a row is a real failure, reported as such


async def test_a_server_restarted_between_two_requests_is_transparent() -> None:
    first = FakeOllama().start()
    port = int(first.url.rsplit(":", 1)[1])
    async with OllamaClient(first.url) as client:
        await client.tags()
        first.stop()
        second = FakeOllama(port=port).start()
        try:
            assert [m.name for m in await client.tags()] == [m["name"] for m in second.models]
            async with client.chat_stream(_chat()) as events:
                assert [e async for e in events]
        finally:
            second.stop()


async def test_keep_alive_connections_are_reused_after_a_stream(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    for _ in range(3):
        await _collect(client, _chat())
        await client.tags()
    assert len(fake_ollama.requests_to("/api/chat")) == 3
