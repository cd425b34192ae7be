"""Provides the error types the UI handles; it must not import the client or the store."""

from ..api.errors import (
    ConnectionLost,
    ModelNotFound,
    OllamaError,
    ServerUnavailable,
    ToolsNotSupported,
)
from ..store import StoreError

__all__ = [
    "ConnectionLost",
    "ModelNotFound",
    "OllamaError",
    "ServerUnavailable",
    "StoreError",
    "ToolsNotSupported",
]
