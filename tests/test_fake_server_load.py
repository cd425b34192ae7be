"""The fake server's load settings: how many replies it generates at once, and each model's
speed, seen through the real client as Ollama's own would be."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.wire import ChatRequest
from ollama_tui.domain.events import StreamDone
from tests.fake_ollama.server import FakeOllama

WORDS = ["one ", "two ", "three ", "four ", "five "]


async def _reply(client: OllamaClient, model: str = "llama3.2:latest") -> StreamDone:
    request = ChatRequest(model=model, messages=[{"role": "user", "content": "hi"}])
    async with client.chat_stream(request) as events:
        found = [event async for event in events]
    done = found[-1]
    assert isinstance(done, StreamDone)
    return done


@pytest.mark.parametrize(("parallel", "at_once"), [(0, 3), (1, 1), (2, 2)])
async def test_replies_run_together_up_to_the_setting(
    fake_ollama: FakeOllama, parallel: int, at_once: int
) -> None:
    fake_ollama.parallel = parallel
    fake_ollama.model_speeds["llama3.2:latest"] = 200
    for _ in range(3):
        fake_ollama.script_reply(WORDS)
    async with OllamaClient(fake_ollama.url) as client:
        await asyncio.gather(*(_reply(client) for _ in range(3)))
    assert fake_ollama.most_at_once == at_once
    if parallel == 1:  # queued: each reply starts after the one before has ended
        spans = sorted(
            (request.lines_sent_at[0], request.finished_at or 0.0)
            for request in fake_ollama.requests_to("/api/chat")
        )
        assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(spans))


async def test_a_models_speed_paces_its_stream_and_its_stats(fake_ollama: FakeOllama) -> None:
    fake_ollama.model_speeds["qwen2.5:0.5b"] = 100
    fake_ollama.script_reply(WORDS)
    fake_ollama.script_reply(WORDS)
    async with OllamaClient(fake_ollama.url) as client:
        start = time.monotonic()
        slow = await _reply(client, "qwen2.5:0.5b")
        took = time.monotonic() - start
        fast = await _reply(client, "llama3.2")
    assert took >= len(WORDS) / 100
    assert slow.stats.eval_count == 5 and slow.stats.tokens_per_second == pytest.approx(100)
    assert fast.stats.tokens_per_second == pytest.approx(50)  # the unpaced default


async def test_a_scripted_speed_wins_over_the_models(fake_ollama: FakeOllama) -> None:
    fake_ollama.model_speeds["llama3.2:latest"] = 100
    fake_ollama.script_reply(WORDS, tokens_per_second=250)
    async with OllamaClient(fake_ollama.url) as client:
        done = await _reply(client)
    assert done.stats.tokens_per_second == pytest.approx(250)
