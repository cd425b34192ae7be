"""The throughput test against the fake server in each of its load settings: what it
measures, the sentence it ends with, and the files it saves."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.services.errors import OllamaError
from ollama_tui.services.throughput import (
    MAX_SAVED_BYTES,
    ModeResult,
    Progress,
    ThroughputPlan,
    ThroughputResult,
    Timing,
    measure,
    read_saved,
    save_result,
    saved_results,
)
from tests.fake_ollama.server import FakeOllama

SPEED = 60.0
"""Tokens per second of the fake's model: six echoed words take 100 ms, long beside the
overhead of a request."""


async def _run(fake: FakeOllama, requests: int = 4) -> tuple[ThroughputResult, list[Progress]]:
    fake.model_speeds["llama3.2:latest"] = SPEED
    seen: list[Progress] = []
    async with OllamaClient(fake.url) as client:
        result = await measure(
            client,
            ThroughputPlan("llama3.2:latest", requests=requests),
            host="gpu",
            progress=seen.append,
        )
    return result, seen


@pytest.mark.parametrize(
    ("parallel", "sentence"),
    [
        (1, "requests queued: the server handles one at a time; see OLLAMA_NUM_PARALLEL"),
        (2, "faster together: the server handles about 2 at once"),
        (0, "faster together: the server handled all 4 at once"),
    ],
)
async def test_the_sentence_says_how_many_the_server_runs_at_once(
    fake_ollama: FakeOllama, parallel: int, sentence: str
) -> None:
    fake_ollama.parallel = parallel
    result, seen = await _run(fake_ollama)
    assert sentence in result.verdict()
    bodies = [request.body for request in fake_ollama.requests_to("/api/chat")]
    assert len(bodies) == 1 + 2 * 4  # the warm-up, then each mode
    assert all(body["options"] == {"num_predict": 64} for body in bodies)
    assert all(body["messages"][-1]["content"] == "Why is the sky blue?" for body in bodies)
    assert seen[0] == Progress("warm-up", 0, 1)
    assert Progress("one after another", 4, 4) in seen and seen[-1] == Progress("all at once", 4, 4)


async def test_speeds_come_from_the_servers_counters(fake_ollama: FakeOllama) -> None:
    result, _ = await _run(fake_ollama)
    for mode in result.modes():
        assert mode.tokens_per_request() == pytest.approx(SPEED)
        assert len(mode.timings) == 4 and mode.failures == 0
        latency = mode.latency()
        assert latency is not None
        mean, median, p95 = latency
        assert 0 < median <= p95 and mean > 0 and mode.first_token() is not None
        assert mode.tokens_in_all() == pytest.approx(6 * 4 / mode.wall)


async def test_a_failing_request_is_counted_and_the_rest_go_on(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_reply("warm")
    fake_ollama.script_reply(["a"], end="error", error="runner crashed")
    result, _ = await _run(fake_ollama, requests=2)
    assert result.sequential.timings[0].error == "runner crashed"
    assert result.sequential.failures == 1 and result.together.failures == 0
    assert "(1 of 4 requests failed)" in result.verdict()


async def test_a_failed_warm_up_stops_the_run_with_its_reason(fake_ollama: FakeOllama) -> None:
    fake_ollama.fail_next("/api/chat", 404, {"error": 'model "llama3.2" not found'})
    with pytest.raises(OllamaError, match="not found"):
        await _run(fake_ollama)
    assert len(fake_ollama.requests_to("/api/chat")) == 1


def test_a_plan_refuses_what_cannot_run() -> None:
    with pytest.raises(ValueError, match="from 1 to 64"):
        ThroughputPlan("m", requests=0)
    with pytest.raises(ValueError, match="at least 1"):
        ThroughputPlan("m", num_predict=0)


async def test_results_are_saved_private_as_markdown_and_json(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.parallel = 1
    result, _ = await _run(fake_ollama, requests=2)
    markdown = save_result(tmp_path, result, "md")
    data = save_result(tmp_path, result, "json")
    for path in (markdown, data):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.parent.name == "measurements"
    assert stat.S_IMODE(markdown.parent.stat().st_mode) == 0o700
    text = markdown.read_text()
    assert "requests queued" in text and "| p95 latency |" in text and "llama3.2:latest" in text
    loaded = json.loads(data.read_text())
    assert loaded["plan"]["requests"] == 2 and len(loaded["all_at_once"]["requests"]) == 2
    listed = saved_results(tmp_path)
    assert {saved.path for saved in listed} == {markdown, data}
    for saved in listed:  # the title says what was measured and what it found
        assert saved.title.startswith("Throughput of llama3.2:latest on gpu: requests queued")
        assert saved.model == "llama3.2:latest"


def test_a_saved_result_is_read_capped_and_inert(tmp_path: Path) -> None:
    folder = tmp_path / "measurements"
    folder.mkdir()
    (folder / "throughput-x.md").write_text(
        "# Throughput of \x1b]0;pwned\x07m on h\n" + "x" * 10**6
    )
    (saved,) = saved_results(tmp_path)
    assert "\x1b" not in saved.title and "\x07" not in saved.title and "pwned" in saved.title
    assert len(read_saved(saved.path)) <= MAX_SAVED_BYTES


def test_how_many_ran_at_once_is_read_from_when_tokens_came() -> None:
    def mode(*spans: tuple[float, float, float]) -> ModeResult:
        timings = [Timing(end - sent, first - sent, 6, started=sent) for sent, first, end in spans]
        return ModeResult("all at once", timings, 1.0)

    queued = mode((0, 0.1, 1), (0, 1.05, 2), (0, 1.98, 3))  # a hair of overlap at a handover
    assert queued.at_once() == pytest.approx(1.0, abs=0.05)
    assert mode((0, 0.1, 1), (0, 0.1, 1), (0, 1.1, 2), (0, 1.1, 2)).at_once() == pytest.approx(2)
    failed = Timing(0.5, None, error="gone")
    assert ModeResult("all at once", [failed], 0.5).at_once() is None
