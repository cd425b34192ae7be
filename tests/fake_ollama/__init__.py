"""Provides a real HTTP server on 127.0.0.1 that speaks Ollama's wire format, for tests.

`server.py` assembles FakeOllama from `transport.py` (HTTP on a thread of its own),
`script.py` (its state and the scripting API) and `routes/` (one module per endpoint family);
`hostile.py` dresses answers in escape sequences; `fixtures.py` is the pytest fixture.
"""

from .script import ReplyEnd, Script
from .server import FakeOllama
from .transport import RecordedRequest

__all__ = ["FakeOllama", "RecordedRequest", "ReplyEnd", "Script"]
