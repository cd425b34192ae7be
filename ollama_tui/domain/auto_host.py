"""Provides the name a conversation gives as its host to have each request routed.

A module of its own, apart from the conversation model: the config checks host names against
it, and the command line imports the config, so `--version` and `--help` would otherwise load
the conversation model for one string.
"""

from __future__ import annotations

AUTO_HOST = "auto"
"""The host a conversation names to have each request go to the configured host best placed
to answer it (see `services/routing.py`); no configured host may take the name."""
