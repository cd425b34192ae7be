"""Provides the routes that run a model: /api/chat and /api/generate (streamed or not, and the
empty request that loads or unloads), /api/embed and the older /api/embeddings."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ..script import ReplyScript, Script, model_capabilities, parse_version
from ..transport import ClientGone, Connection, RecordedRequest


async def chat(state: Script, conn: Connection, request: RecordedRequest) -> None:
    body = request.body or {}
    model = str(body.get("model", ""))
    if state.find(model) is None:
        await conn.json(404, {"error": f'model "{model}" not found, try pulling it first'})
        return
    messages = body.get("messages") or []
    if body.get("tools") and "tools" not in model_capabilities(state.find(model) or {}):
        # As servers before 0.30 say it (the name with its registry path, unquoted).
        error = f"registry.ollama.ai/library/{model} does not support tools"
        await conn.json(400, {"error": error})
        return
    prompt = str(messages[-1].get("content", "")) if messages else ""
    await _reply(state, conn, request, state.next_reply(prompt), chat=True, empty=not messages)


async def generate(state: Script, conn: Connection, request: RecordedRequest) -> None:
    body = request.body or {}
    model = str(body.get("model", ""))
    if state.find(model) is None:
        await conn.json(404, {"error": f"model '{model}' not found"})
        return
    prompt = str(body.get("prompt", ""))
    await _reply(state, conn, request, state.next_reply(prompt), chat=False, empty=not prompt)


def _chunk(model: str, chat: bool, text: str, thinking: str = "") -> dict[str, Any]:
    line: dict[str, Any] = {"model": model, "created_at": "2026-11-24T18:15:00.123456Z"}
    if chat:
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if thinking:
            message["thinking"] = thinking
        line["message"] = message
    else:
        line["response"] = text
        if thinking:
            line["thinking"] = thinking
    line["done"] = False
    return line


def _final(
    model: str, chat: bool, script: ReplyScript, text: str = "", speed: float | None = None
) -> dict[str, Any]:
    line = _chunk(model, chat, text)
    count = max(1, len(script.chunks))
    eval_duration = int(count / speed * 1e9) if speed else count * 20_000_000
    line.update(
        {
            "done": True,
            "done_reason": script.done_reason,
            "total_duration": 1_234_000_000,
            "load_duration": 12_000_000,
            "prompt_eval_count": 26,
            "prompt_eval_duration": 130_000_000,
            "eval_count": count,
            "eval_duration": eval_duration,
        }
    )
    if not chat:
        line["context"] = [1, 2, 3]
    return line


async def _reply(
    state: Script,
    conn: Connection,
    request: RecordedRequest,
    script: ReplyScript,
    *,
    chat: bool,
    empty: bool,
) -> None:
    body = request.body or {}
    model = str(body.get("model", ""))
    if empty:  # load or unload: a single object even when streaming
        if script.hold is not None:  # a scripted hold keeps the answer back until set
            while not script.hold.is_set():
                await conn.pause(0.005)
        reason = "unload" if body.get("keep_alive") in (0, "0", "0s") else "load"
        state.set_running(model, loaded=reason == "load")
        await conn.json(200, {**_final(model, chat, script), "done_reason": reason})
        return
    async with state.generating():
        await _generate(state, conn, request, script, chat=chat)


async def _generate(
    state: Script, conn: Connection, request: RecordedRequest, script: ReplyScript, *, chat: bool
) -> None:
    body = request.body or {}
    model = str(body.get("model", ""))
    speed = state.speed_of(model, script)
    if body.get("stream") is False:
        if speed:  # the whole reply is generated before it is sent
            await conn.pause(max(1, len(script.chunks)) / speed)
        if script.end == "error":
            await conn.json(500, {"error": script.error})
            return
        text = "".join(script.chunks)
        final = _final(model, chat, script, text, speed)
        if script.thinking:
            target = final["message"] if chat else final
            target["thinking"] = "".join(script.thinking)
        await conn.json(200, final)
        return
    await conn.start_stream()
    delay = 1 / speed if speed else 0.0
    lines = [_chunk(model, chat, "", thought) for thought in script.thinking]
    lines += [_chunk(model, chat, text) for text in script.chunks]
    if chat and script.tool_calls and script.tool_calls_in != "final":
        groups = (
            [[call] for call in script.tool_calls]
            if script.tool_calls_in == "chunks"
            else [script.tool_calls]
        )
        for group in groups:
            line = _chunk(model, chat, "")
            line["message"]["tool_calls"] = group
            lines.append(line)
    for index, line in enumerate(lines):
        if script.hold is not None and index == script.hold_after:
            while not script.hold.is_set():
                await conn.pause(0.005)
        request.lines_sent_at.append(time.monotonic())
        await conn.line(line)
        if delay:
            await conn.pause(delay)
    if script.hold is not None and script.hold_after >= len(lines):
        while not script.hold.is_set():
            await conn.pause(0.005)
    if script.end == "done":
        final = _final(model, chat, script, script.final_text, speed)
        if chat and script.tool_calls and script.tool_calls_in == "final":
            final["message"]["tool_calls"] = script.tool_calls
        await conn.line(final)
    elif script.end == "error":
        await conn.line({"error": script.error})
    elif script.end == "disconnect":
        conn.abort()
        raise ClientGone  # not the client's doing, but the connection is over
    elif script.end == "stall":
        await conn.pause(60)
    elif script.end == "malformed":
        await conn.chunk(b'{"model": "m", "message": {"content": "tru\n')
    elif script.end == "raw":
        await conn.chunk(script.raw)
    elif script.end == "endless":
        while True:
            await conn.line(lines[-1])
            await asyncio.sleep(0)  # let the close watch run
    await conn.end_stream()


def _vector_of(text: str) -> list[float]:
    # Deterministic and different per text: texts sharing letters point alike.
    counts = [float(text.lower().count(letter)) for letter in "etaoinshrd"]
    return counts if any(counts) else [1.0] + [0.0] * 9


async def embed(state: Script, conn: Connection, request: RecordedRequest) -> None:
    if parse_version(state.version) < (0, 2, 6):
        await conn.text(404, "404 page not found")
        return
    body = request.body or {}
    model = str(body.get("model", ""))
    if state.find(model) is None:
        await conn.json(404, {"error": f"model '{model}' not found"})
        return
    texts = body.get("input")
    texts = [texts] if isinstance(texts, str) else list(texts or [])
    vectors = []
    for text in texts:
        raw = _vector_of(str(text))
        norm = sum(x * x for x in raw) ** 0.5
        vectors.append([x / norm for x in raw])
    await conn.json(200, {"model": model, "embeddings": vectors})


async def embeddings(state: Script, conn: Connection, request: RecordedRequest) -> None:
    body = request.body or {}
    model = str(body.get("model", ""))
    if state.find(model) is None:
        await conn.json(404, {"error": f"model '{model}' not found"})
        return
    await conn.json(200, {"embedding": _vector_of(str(body.get("prompt", "")))})
