"""ollama-tui: a keyboard-driven terminal workspace for chatting with Ollama models."""

__version__ = "0.1.0"
