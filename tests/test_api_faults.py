"""The client against a hostile or broken server: every failure is one of our errors, named
by endpoint, and nothing it sends is read without a cap."""

from __future__ import annotations

import gzip
import json
import struct
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import pytest

from ollama_tui.api.client import BODY_LIMIT, ERROR_BODY_LIMIT, OllamaClient
from ollama_tui.api.errors import OllamaError, ProtocolError, ResponseError
from ollama_tui.api.wire import ChatRequest
from ollama_tui.services.catalogue import load_catalogue
from tests.fake_ollama.server import FakeOllama

DEEP = b"[" * 200_000 + b"]" * 200_000
"""Nested far beyond Python's recursion limit: json.loads raises RecursionError."""


@pytest.fixture
async def client(fake_ollama: FakeOllama) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(fake_ollama.url) as client:
        yield client


def _chat() -> ChatRequest:
    return ChatRequest(model="llama3.2:latest", messages=[{"role": "user", "content": "hi"}])


async def test_deeply_nested_json_in_an_answer_is_a_protocol_error_naming_the_endpoint(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.fail_next("/api/version", 200, DEEP.decode(), content_type="application/json")
    with pytest.raises(ProtocolError) as caught:
        await client.version()
    assert "/api/version" in caught.value.message and "nested too deeply" in caught.value.message
    fake_ollama.fail_next("/api/tags", 200, DEEP.decode(), content_type="application/json")
    with pytest.raises(ProtocolError, match="/api/tags"):
        await client.tags()


async def test_deeply_nested_json_in_a_stream_line_is_a_protocol_error(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(["a"], end="raw", raw=b'{"message": ' + DEEP + b"}\n")
    with pytest.raises(ProtocolError, match="nested too deeply") as caught:
        async with client.chat_stream(_chat()) as events:
            async for _ in events:
                pass
    assert "answering /api/chat" in caught.value.message


async def test_a_bad_list_entry_is_skipped_and_reported_never_hiding_the_others(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model("huge:latest", size="huge")
    fake_ollama.add_model("nodetails:latest", details=None)
    fake_ollama.models.append("not an object")  # type: ignore[arg-type]
    fake_ollama.running.append({"name": "llama3.2:latest", "size_vram": "lots"})
    tags = await client.tags()
    assert [entry.name for entry in tags] == ["llama3.2:latest", "qwen2.5:0.5b"]
    messages = [error.message for error in tags.skipped]
    assert len(messages) == 3
    assert "/api/tags" in messages[0] and "entry 3 (huge:latest)" in messages[0]
    assert "size" in messages[0] and "left out" in messages[0]
    assert "entry 4 (nodetails:latest)" in messages[1] and "details" in messages[1]
    assert "entry 5" in messages[2]
    catalogue = await load_catalogue(client)
    assert [choice.name for choice in catalogue] == ["llama3.2:latest", "qwen2.5:0.5b"]
    assert len(catalogue.skipped) == 4 and "/api/ps" in catalogue.skipped[-1].message


async def test_an_answer_of_the_wrong_shape_is_a_protocol_error_naming_endpoint_and_field(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.fail_next("/api/show", 200, {"capabilities": "all of them"})
    with pytest.raises(ProtocolError) as caught:
        await client.show("llama3.2:latest")
    assert "/api/show" in caught.value.message and "capabilities" in caught.value.message
    fake_ollama.fail_next("/api/tags", 200, {"models": {"a": 1}})
    with pytest.raises(ProtocolError, match="/api/tags"):
        await client.tags()
    fake_ollama.fail_next("/api/embed", 200, {"embeddings": [["x"]]})
    with pytest.raises(ProtocolError, match="/api/embed with an embedding that is not numbers"):
        await client.embed("llama3.2:latest", ["a"])


async def test_a_progress_line_of_the_wrong_shape_is_a_protocol_error(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    line = json.dumps({"status": "pulling", "total": "a lot"}).encode() + b"\n"
    fake_ollama.answer_next(
        "/api/pull", 200, line, {"Content-Type": "application/x-ndjson", "Connection": "close"}
    )
    with pytest.raises(ProtocolError) as caught:
        async with client.pull_stream("x") as lines:
            async for _ in lines:
                pass
    assert "/api/pull" in caught.value.message and "total" in caught.value.message


async def test_a_header_that_cannot_be_sent_fails_every_request_naming_it(
    fake_ollama: FakeOllama,
) -> None:
    for value in ("café", "Bearer abc\n", "a\x00b"):
        async with OllamaClient(fake_ollama.url, headers={"X-Token": value}) as client:
            with pytest.raises(OllamaError) as caught:
                await client.version()
        assert "header 'X-Token'" in caught.value.message
        assert value.strip() not in caught.value.message
    assert not fake_ollama.requests_to("/api/version")


def _gzip_bomb(size: int) -> bytes:
    """`size` zeros (a whole number of MiB) as one valid gzip stream of about size/1000.

    Compressing the zeros themselves took 7 s and a gigabyte of memory for the 1 GB bomb.
    Here one MiB is deflated alone and its blocks repeated: a full flush ends them on a byte
    and they refer to nothing before them, so the copies decompress one after another; the
    trailer holds the CRC and length of the whole, as gzip checks them."""
    chunk = b"0" * (1 << 20)
    count, rest = divmod(size, len(chunk))
    assert not rest, "a whole number of MiB"
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate, no header
    blocks = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.flush()  # the empty final block
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name or time, unix
    return header + blocks * count + last + struct.pack("<II", crc, size & 0xFFFFFFFF)


def test_the_gzip_bomb_is_the_zeros_it_claims() -> None:
    bomb = _gzip_bomb(8 * 1024 * 1024)
    assert gzip.decompress(bomb) == b"0" * 8 * 1024 * 1024  # checks the CRC and length too


async def test_a_compressed_answer_is_capped_after_decompression_while_reading(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    bomb = _gzip_bomb(1024 * 1024 * 1024)  # 1 GB of zeros in about 1 MB
    assert len(bomb) < 1_100_000
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    fake_ollama.answer_next("/api/version", 200, bomb, headers)
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError) as caught:
            await client.version()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "/api/version" in caught.value.message and "not read" in caught.value.message
    # The cap and the buffer's growth, not the gigabyte (httpx alone inflates 64 MB a read).
    assert peak < 2 * BODY_LIMIT + 8 * 1024 * 1024, peak


async def test_an_error_answer_is_read_no_further_than_its_cap(
    client: OllamaClient, fake_ollama: FakeOllama
) -> None:
    bomb = _gzip_bomb(256 * 1024 * 1024)
    headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
    fake_ollama.answer_next("/api/tags", 500, bomb, headers)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseError) as caught:
            await client.tags()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.status == 500 and len(caught.value.message) <= ERROR_BODY_LIMIT
    assert peak < 4 * ERROR_BODY_LIMIT + 1024 * 1024, peak


async def test_a_stream_line_longer_than_the_cap_is_refused(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_reply(["x" * 5000])
    async with OllamaClient(fake_ollama.url, max_line_bytes=4096) as client:
        with pytest.raises(ProtocolError, match="longer than 4,096 bytes"):
            async with client.chat_stream(_chat()) as events:
                async for _ in events:
                    pass
