"""Provides a real HTTP server on 127.0.0.1 that speaks Ollama's wire format, for tests."""

from .server import FakeOllama, RecordedRequest

__all__ = ["FakeOllama", "RecordedRequest"]
