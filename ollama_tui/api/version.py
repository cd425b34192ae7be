"""Provides the server's version and the features each version brings (protocol §1.7)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .answers import server_text

_LEADING_NUMBERS = re.compile(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True)
class ServerVersion:
    """`0.5.4-ipexllm-20250407` compares as (0, 5, 4); a dev build (`0.0.0`) as the newest."""

    raw: str
    parts: tuple[int, int, int]

    @classmethod
    def parse(cls, raw: str) -> ServerVersion:
        # Shown in the status line: a server's free text, which may echo a header it was sent.
        raw = server_text(raw)
        match = _LEADING_NUMBERS.match(raw)
        if not match:
            return cls(raw, (0, 0, 0))
        major, minor, patch = (int(group) if group else 0 for group in match.groups())
        return cls(raw, (major, minor, patch))

    @property
    def is_dev_build(self) -> bool:
        return self.parts == (0, 0, 0)

    def at_least(self, major: int, minor: int, patch: int) -> bool:
        return self.is_dev_build or self.parts >= (major, minor, patch)

    @property
    def has_ps(self) -> bool:
        return self.at_least(0, 1, 38)

    @property
    def has_embed(self) -> bool:
        return self.at_least(0, 2, 6)

    @property
    def has_json_schema_format(self) -> bool:
        return self.at_least(0, 5, 0)

    @property
    def has_create_from(self) -> bool:
        """`/api/create` with `from`/`system`/`parameters`; before 0.5.5 only `modelfile`."""
        return self.at_least(0, 5, 5)

    @property
    def has_thinking(self) -> bool:
        return self.at_least(0, 9, 0)

    @property
    def has_think_levels(self) -> bool:
        return self.at_least(0, 11, 0)
