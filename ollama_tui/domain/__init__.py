"""Provides the vocabulary shared by every layer: conversations, stream events, text rules.

Nothing here imports the rest of the package, httpx or Textual.
"""
