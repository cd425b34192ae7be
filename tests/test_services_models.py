"""The model catalogue, the default model, and pull progress."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.errors import StreamFailed
from ollama_tui.api.wire import ModelEntry, PullProgress, RunningModel
from ollama_tui.domain.quantities import format_size
from ollama_tui.services.catalogue import (
    ModelChoice,
    default_model,
    load_catalogue,
    merge_models,
)
from ollama_tui.services.pull import PullState, pull_model
from tests.fake_ollama.server import FakeOllama


def _choice(name: str, *, loaded: bool = False) -> ModelChoice:
    return ModelChoice(name, 1, "1B", "Q4_0", "llama", loaded=loaded)


def test_merge_marks_loaded_models_and_sorts_by_name() -> None:
    installed = [
        ModelEntry.model_validate(
            {
                "name": "zeta:latest",
                "size": 5,
                "details": {
                    "family": "llama",
                    "parameter_size": "8B",
                    "quantization_level": "Q4_K_M",
                },
            }
        ),
        ModelEntry.model_validate({"name": "Alpha:7b", "size": 3}),
    ]
    running = [RunningModel.model_validate({"name": "zeta:latest", "size": 9, "size_vram": 4})]
    merged = merge_models(installed, running)
    assert [m.name for m in merged] == ["Alpha:7b", "zeta:latest"]
    assert not merged[0].loaded
    assert merged[1].loaded and merged[1].size_in_memory == 9 and merged[1].size_vram == 4
    assert merged[1].quantization == "Q4_K_M" and merged[1].parameter_size == "8B"


def test_default_model_prefers_last_used_then_loaded_then_first() -> None:
    choices = [_choice("a"), _choice("b", loaded=True), _choice("c")]
    assert default_model(choices, "c") == "c"
    assert default_model(choices, "gone") == "b"
    assert default_model(choices, None) == "b"
    assert default_model([_choice("a"), _choice("c")], None) == "a"
    assert default_model([], None) is None


def test_an_embedding_model_is_known_by_its_capabilities_else_its_family() -> None:
    embed = ModelChoice("nomic-embed-text", 1, "137M", "F16", "nomic-bert")
    assert embed.embeds_only  # capabilities not known yet: the family says
    assert replace(embed, capabilities=("embedding",)).embeds_only
    # A model the server says completes is not one, whatever its family.
    assert not replace(embed, capabilities=("completion", "embedding")).embeds_only
    assert not ModelChoice("llama3.2", 1, "3B", "Q4_K_M", "llama").embeds_only


def test_a_conversation_starts_on_a_model_that_chats() -> None:
    embed = replace(_choice("all-minilm", loaded=True), capabilities=("embedding",))
    assert default_model([embed, _choice("b")], None) == "b"
    assert default_model([embed], None) == "all-minilm"  # nothing else installed


def test_filter_matches_every_word() -> None:
    choice = ModelChoice("qwen2.5-coder:7b", 1, "7.6B", "Q4_K_M", "qwen2")
    assert choice.matches("QWEN coder")
    assert not choice.matches("llama")


def test_sizes_read_like_ollama_list() -> None:
    assert format_size(4_661_224_676) == "4.7 GB"
    assert format_size(999) == "999 B"


async def test_catalogue_tolerates_a_server_without_ps(fake_ollama: FakeOllama) -> None:
    fake_ollama.version = "0.1.30"
    async with OllamaClient(fake_ollama.url) as client:
        choices = await load_catalogue(client)
    assert {c.name for c in choices} == {m["name"] for m in fake_ollama.models}
    assert not any(c.loaded for c in choices)


def _fraction(state: PullState) -> float | None:
    """Read afresh: mypy keeps `state.fraction` narrowed to None across `apply()`."""
    return state.fraction


def test_pull_state_adds_up_layers_by_digest() -> None:
    state = PullState("m")
    state.apply(PullProgress(status="pulling manifest"))
    assert state.fraction is None
    state.apply(PullProgress(status="pulling aaa", digest="sha256:a", total=100, completed=50))
    state.apply(PullProgress(status="pulling bbb", digest="sha256:b", total=300))
    state.apply(PullProgress(status="pulling aaa", digest="sha256:a", total=100, completed=100))
    assert (state.completed, state.total) == (100, 400)
    assert _fraction(state) == 0.25
    state.apply(PullProgress(status="success"))
    assert state.finished


async def test_pull_reports_progress_and_finishes(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_pull(layers=2, steps=3)
    seen: list[tuple[str, float | None]] = []
    async with OllamaClient(fake_ollama.url) as client:
        state = await pull_model(
            client, "new:latest", lambda s: seen.append((s.status, s.fraction)), min_interval=0
        )
    assert state.finished and state.fraction == 1.0
    assert seen[0][0] == "pulling manifest"
    assert any(fraction is not None and 0 < fraction < 1 for _, fraction in seen)
    assert any(m["name"] == "new:latest" for m in fake_ollama.models)


async def test_pull_error_is_verbatim(fake_ollama: FakeOllama) -> None:
    fake_ollama.offline = True
    async with OllamaClient(fake_ollama.url) as client:
        with pytest.raises(StreamFailed) as caught:
            await pull_model(client, "new:latest", lambda s: None)
    assert "no such host" in caught.value.message
