"""Provides our Ollama client. Importing this package does not import httpx."""
