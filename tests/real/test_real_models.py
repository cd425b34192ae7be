"""Model administration against a real Ollama (0.5.4 in CI: the Modelfile form of create)."""

from __future__ import annotations

import contextlib
import uuid

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.errors import OllamaError
from ollama_tui.api.version import ServerVersion
from ollama_tui.api.wire import ChatRequest
from ollama_tui.services.jobs import ModelJobs
from ollama_tui.services.model_admin import CreateSpec, embed_texts, model_facts, unload_model
from tests.real.conftest import REPLY_CAP

pytestmark = pytest.mark.real_ollama


async def test_show_describes_the_model(real_client: OllamaClient, real_model: str) -> None:
    facts = dict(model_facts(await real_client.show(real_model)))
    assert facts["architecture"] == "llama"
    assert int(facts["context length"].replace(",", "")) > 0
    assert int(facts["embedding length"].replace(",", "")) > 0


async def test_create_copy_delete_a_model_that_answers(
    real_client: OllamaClient, real_model: str
) -> None:
    name = f"ollama-tui-pirate-{uuid.uuid4().hex[:8]}:latest"
    copy = name.replace("pirate", "pirate-copy")
    version = await real_client.version()
    jobs = ModelJobs(real_client)
    spec = CreateSpec(
        name=name,
        base=real_model,
        system="You are a pirate. Always answer like a pirate.",
        parameters={"temperature": 0.0, "num_ctx": 2048},
    )
    try:
        job = jobs.create(spec, version)
        await jobs.wait(job)
        assert job.succeeded, job.error
        assert "success" in job.log
        shown = await real_client.show(name)
        assert "pirate" in shown.system
        reply = await real_client.chat(
            ChatRequest(
                model=name,
                messages=[{"role": "user", "content": "Hello"}],
                options=REPLY_CAP,
            )
        )
        assert reply.content.strip()
        await real_client.copy(name, copy)
        assert copy in [m.name for m in await real_client.tags()]
        await real_client.delete(copy)
        assert copy not in [m.name for m in await real_client.tags()]
    finally:
        for model in (name, copy):
            with contextlib.suppress(OllamaError):  # cleanup of what may not exist
                await real_client.delete(model)


async def test_load_then_unload_empties_ps(real_client: OllamaClient, real_model: str) -> None:
    await real_client.load(real_model, "1m")
    assert real_model in [m.name for m in await real_client.ps()]
    assert await unload_model(real_client, real_model)
    assert real_model not in [m.name for m in await real_client.ps()]


async def test_embeddings_compare(real_client: OllamaClient, real_model: str) -> None:
    report = await embed_texts(real_client, real_model, ["a cat", "a cat", "tax law"])
    assert len(set(report.dimensions)) == 1 and report.dimensions[0] > 0
    assert report.similarities[(0, 1)] == pytest.approx(1.0, abs=1e-3)
    assert report.similarities[(0, 2)] < report.similarities[(0, 1)]


async def test_a_pull_without_internet_fails_cleanly(real_client: OllamaClient) -> None:
    jobs = ModelJobs(real_client)
    job = jobs.pull(f"ollama-tui-no-such-model-{uuid.uuid4().hex[:6]}:latest")
    await jobs.wait(job)
    assert not job.succeeded and not job.running
    assert job.error  # the server's own words (no internet here, or no such model)


def test_the_version_decides_the_create_form() -> None:
    assert not ServerVersion.parse("0.5.4").has_create_from
