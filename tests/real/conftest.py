"""The real tier: runs against a real Ollama at OLLAMA_TEST_HOST, skipped when it is unset."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.host import parse_ollama_host
from ollama_tui.cli import build_app
from ollama_tui.config import Settings
from ollama_tui.ui.app import OllamaTuiApp

REPLY_CAP = {"num_predict": 32}
"""Real replies vary and a rambling model could stall the suite: cap every reply."""


@pytest.fixture
def real_host() -> str:
    host = os.environ.get("OLLAMA_TEST_HOST")
    if not host:
        pytest.skip("OLLAMA_TEST_HOST is not set")
    return parse_ollama_host(host)


@pytest.fixture
def real_model() -> str:
    return os.environ.get("OLLAMA_TEST_MODEL", "smollm2:135m")


@pytest.fixture
async def real_client(real_host: str) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(real_host) as client:
        yield client


@pytest.fixture
def make_real_app(real_host: str, tmp_path: Path) -> Callable[[], OllamaTuiApp]:
    def factory() -> OllamaTuiApp:
        return build_app(Settings(host=real_host, data_dir=tmp_path / "data"))

    return factory
