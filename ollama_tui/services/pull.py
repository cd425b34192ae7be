"""Provides a model pull as a job that reports aggregated progress and can be cancelled."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..api.errors import StreamIncomplete
from ..api.models import PullProgress
from ..domain.text import sanitize_for_terminal

if TYPE_CHECKING:
    from ..api.client import OllamaClient


@dataclass
class PullState:
    """Everything a progress bar needs, keyed by layer digest as Ollama reports it."""

    model: str
    status: str = "starting"
    layers: dict[str, tuple[int, int]] = field(default_factory=dict)
    """digest -> (completed, total) bytes."""
    finished: bool = False

    @property
    def completed(self) -> int:
        return sum(done for done, _ in self.layers.values())

    @property
    def total(self) -> int:
        return sum(total for _, total in self.layers.values())

    @property
    def fraction(self) -> float | None:
        """Share of bytes done, or None before any layer size is known."""
        total = self.total
        return self.completed / total if total else None

    def apply(self, progress: PullProgress) -> None:
        self.status = sanitize_for_terminal(progress.status) or self.status
        if progress.digest:
            known_done, known_total = self.layers.get(progress.digest, (0, 0))
            total = progress.total or known_total
            self.layers[progress.digest] = (max(progress.completed, known_done), total)
        if progress.status == "success":
            self.finished = True


async def pull_model(
    client: OllamaClient,
    model: str,
    on_progress: Callable[[PullState], None],
    *,
    min_interval: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
) -> PullState:
    """Pull `model`, reporting progress at most every `min_interval` s plus every status change.

    Raises:
        OllamaError: the server's message verbatim (for example no internet).
    """
    state = PullState(model)
    last_report = 0.0
    async with client.pull_stream(model) as lines:
        async for progress in lines:
            previous_status = state.status
            state.apply(progress)
            now = clock()
            if state.status != previous_status or now - last_report >= min_interval:
                last_report = now
                on_progress(state)
    on_progress(state)
    if not state.finished:
        raise StreamIncomplete(f"The pull of {model} ended before the server reported success.")
    return state
