"""Provides the client's error types to the UI, which must not import the client itself."""

from ..api.errors import (
    ConnectionLost,
    ModelNotFound,
    OllamaError,
    ServerUnavailable,
)

__all__ = ["ConnectionLost", "ModelNotFound", "OllamaError", "ServerUnavailable"]
