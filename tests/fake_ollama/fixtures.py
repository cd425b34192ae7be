"""Provides the `fake_ollama` pytest fixture: a fresh server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeOllama


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server
