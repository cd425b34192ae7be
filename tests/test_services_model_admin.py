"""Model administration against the fake server: create in both forms, push, embeddings,
load and unload, jobs that run at once and cancel; and the small parsers behind the screen."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.version import ServerVersion
from ollama_tui.api.wire import ShowResponse
from ollama_tui.services.jobs import ModelJobs
from ollama_tui.services.model_admin import (
    CreateSpec,
    create_body,
    describe_expiry,
    embed_texts,
    model_facts,
    model_name_problem,
    modelfile_for,
    parse_keep_alive,
    parse_parameters,
    seconds_left,
)
from tests.fake_ollama.server import FakeOllama

PIRATE = CreateSpec(
    name="pirate",
    base="llama3.2:latest",
    system='Talk like a pirate.\nAlways "arr".',
    parameters={"temperature": 0.2, "num_ctx": 4096, "stop": ["<|eot|>", "User:"]},
)


def test_create_uses_the_form_the_server_version_takes() -> None:
    new = create_body(PIRATE, ServerVersion.parse("0.5.5"))
    assert new == {
        "model": "pirate",
        "from": "llama3.2:latest",
        "system": PIRATE.system,
        "parameters": PIRATE.parameters,
    }
    old = create_body(PIRATE, ServerVersion.parse("0.5.4"))
    assert set(old) == {"model", "modelfile"}
    assert old["modelfile"] == (
        "FROM llama3.2:latest\n"
        'SYSTEM """Talk like a pirate.\nAlways "arr"."""\n'
        "PARAMETER temperature 0.2\n"
        "PARAMETER num_ctx 4096\n"
        'PARAMETER stop "<|eot|>"\n'
        'PARAMETER stop "User:"\n'
    )
    with pytest.raises(ValueError, match=r"0\.5\.5"):
        modelfile_for(CreateSpec("x", "y", system='say """ this'))


@pytest.mark.parametrize("version", ["0.5.4", "0.12.3"])
async def test_a_create_job_reports_each_status_and_the_model_appears(version: str) -> None:
    with FakeOllama(version=version) as server:
        async with OllamaClient(server.url) as client:
            jobs = ModelJobs(client)
            seen: list[str] = []
            jobs.listen(lambda job: seen.append(job.state.status))
            job = jobs.create(PIRATE, ServerVersion.parse(version))
            await jobs.wait(job)
            assert job.succeeded, job.error
            assert job.log[-2:] == ["writing manifest", "success"]
            assert "writing manifest" in seen
            sent = server.created["pirate"]
            assert ("modelfile" in sent) == (version == "0.5.4")
            assert "pirate" in [model.name for model in await client.tags()]


async def test_a_create_that_fails_midway_says_why(fake_ollama: FakeOllama) -> None:
    fake_ollama.create_error = "invalid model name"
    async with OllamaClient(fake_ollama.url) as client:
        jobs = ModelJobs(client)
        job = jobs.create(PIRATE, ServerVersion.parse(fake_ollama.version))
        await jobs.wait(job)
        assert not job.succeeded and job.error == "invalid model name"
        assert "writing manifest" in job.log


async def test_push_progress_and_the_not_signed_in_message(fake_ollama: FakeOllama) -> None:
    async with OllamaClient(fake_ollama.url) as client:
        jobs = ModelJobs(client)
        refused = jobs.push("llama3.2:latest")
        await jobs.wait(refused)
        assert refused.error is not None
        assert "unauthorized" in refused.error and "ollama.com account" in refused.error
        fake_ollama.signed_in_registry = True
        pushed = jobs.push("llama3.2:latest")
        await jobs.wait(pushed)
        assert pushed.succeeded and pushed.state.completed == pushed.state.total == 1000


async def test_pulls_run_at_once_and_a_cancel_closes_the_connection(
    fake_ollama: FakeOllama,
) -> None:
    fake_ollama.script_pull(layers=2, steps=50, delay=0.02)
    fake_ollama.script_pull(layers=1, steps=2)
    async with OllamaClient(fake_ollama.url) as client:
        jobs = ModelJobs(client)
        slow = jobs.pull("big:70b")
        await fake_ollama.async_wait_for(lambda: slow.state.completed > 0)
        quick = jobs.pull("small:1b")
        assert jobs.pull("big:70b") is slow  # one job per model
        await jobs.wait(quick)
        assert quick.succeeded and slow.running
        jobs.cancel(slow)
        await jobs.wait(slow)
        assert slow.cancelled and not slow.succeeded
        pulls = [r for r in fake_ollama.requests_to("/api/pull") if r.body["model"] == "big:70b"]
        await fake_ollama.async_wait_for(lambda: pulls[0].disconnected_at is not None)
        assert slow.state.bytes_per_second is not None and slow.state.bytes_per_second > 0


async def test_embeddings_on_new_and_old_servers() -> None:
    texts = ["the cat sat", "the cat sat", "zzz qqq"]
    for version, path in (("0.12.3", "/api/embed"), ("0.2.0", "/api/embeddings")):
        with FakeOllama(version=version) as server:
            async with OllamaClient(server.url) as client:
                report = await embed_texts(client, "llama3.2:latest", texts)
            assert server.requests_to(path), f"{version} uses {path}"
        assert report.dimensions == [10, 10, 10]
        assert report.similarities[(0, 1)] == pytest.approx(1.0)
        assert report.similarities[(0, 2)] < 0.5
        assert all(norm > 0 for norm in report.norms)


async def test_load_and_unload_show_in_ps(fake_ollama: FakeOllama) -> None:
    async with OllamaClient(fake_ollama.url) as client:
        await client.load("llama3.2:latest", "10m")
        assert [m.name for m in await client.ps()] == ["llama3.2:latest"]
        sent = fake_ollama.requests_to("/api/generate")[-1].body
        assert sent == {
            "model": "llama3.2:latest",
            "prompt": "",
            "stream": False,
            "keep_alive": "10m",
        }
        await client.unload("llama3.2:latest")
        assert await client.ps() == []
        assert fake_ollama.requests_to("/api/generate")[-1].body["keep_alive"] == 0


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("llama3.2", True),
        ("llama3.2:1b", True),
        ("me/pirate:latest", True),
        ("registry.example.com:5000/team/model:v1", True),
        ("", False),
        (" pirate", False),
        ("pi rate", False),
        ("pirate:", False),
        ("-pirate", False),
        ("a/b/c/d", False),
    ],
)
def test_model_names(name: str, ok: bool) -> None:
    assert (model_name_problem(name) is None) == ok


def test_keep_alive_takes_what_ollama_takes() -> None:
    assert parse_keep_alive("300") == 300
    assert parse_keep_alive("1.5") == 1.5
    assert parse_keep_alive("5m") == "5m"
    assert parse_keep_alive("1h30m") == "1h30m"
    assert parse_keep_alive("-1") == -1
    for bad in ("", "5 minutes", "m5", "300x"):
        with pytest.raises(ValueError, match="duration"):
            parse_keep_alive(bad)


def test_what_the_inspector_shows() -> None:
    show = ShowResponse.model_validate(
        {
            "details": {"family": "llama", "parameter_size": "3.2B", "quantization_level": "Q4"},
            "model_info": {
                "general.architecture": "llama",
                "llama.context_length": 131072,
                "llama.embedding_length": 3072,
                "general.parameter_count": 3212749888,
            },
            "capabilities": ["completion", "tools"],
        }
    )
    facts = dict(model_facts(show))
    assert facts["architecture"] == "llama"
    assert facts["context length"] == "131,072"
    assert facts["embedding length"] == "3,072"
    assert facts["capabilities"] == "completion, tools"
    assert parse_parameters('temperature                    0.7\nstop "<|a|>"\nstop "b"') == {
        "temperature": ["0.7"],
        "stop": ["<|a|>", "b"],
    }


def test_expiry_countdown() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
    soon = (now + timedelta(minutes=4, seconds=5)).isoformat().replace("+00:00", "Z")
    assert describe_expiry(seconds_left(soon, now)) == "4:05"
    go_style = "2026-11-25T13:30:00.123456789+00:00"
    assert describe_expiry(seconds_left(go_style, now)) == "1h30m"
    assert describe_expiry(seconds_left("2318-01-01T00:00:00Z", now)) == "kept loaded"
    assert seconds_left("", now) is None and seconds_left("garbage", now) is None
