"""Provides a model pull as a job that reports aggregated progress and can be cancelled."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..api.errors import OllamaError, StreamIncomplete

if TYPE_CHECKING:
    from ..api.client import OllamaClient
    from ..api.wire import PullProgress


SPEED_WINDOW = 5.0
"""Seconds of progress lines the speed is measured over."""


@dataclass
class PullState:
    """Everything a progress bar needs, keyed by layer digest as Ollama reports it."""

    model: str
    status: str = "starting"
    layers: dict[str, tuple[int, int]] = field(default_factory=dict)
    """digest -> (completed, total) bytes."""
    finished: bool = False
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=50))
    """(time, bytes done) of recent lines, for the speed."""

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

    @property
    def bytes_per_second(self) -> float | None:
        """Speed over the last few seconds of lines."""
        if len(self.samples) < 2:
            return None
        (start, done_then), (end, done_now) = self.samples[0], self.samples[-1]
        return (done_now - done_then) / (end - start) if end > start else None

    @property
    def seconds_left(self) -> float | None:
        speed = self.bytes_per_second
        if not speed or not self.total:
            return None
        return max(0.0, (self.total - self.completed) / speed)

    def apply(self, progress: PullProgress, now: float | None = None) -> None:
        self.status = progress.status or self.status
        if progress.digest:
            known_done, known_total = self.layers.get(progress.digest, (0, 0))
            total = progress.total or known_total
            self.layers[progress.digest] = (max(progress.completed, known_done), total)
        if progress.status == "success":
            self.finished = True
        moment = time.monotonic() if now is None else now
        while self.samples and moment - self.samples[0][0] > SPEED_WINDOW:
            self.samples.popleft()
        self.samples.append((moment, self.completed))


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
    async with client.pull_stream(model) as lines:
        return await follow_transfer(
            "pull", model, lines, on_progress, min_interval=min_interval, clock=clock
        )


async def push_model(
    client: OllamaClient, model: str, on_progress: Callable[[PullState], None]
) -> PullState:
    """Push `model` to its registry; the same progress as a pull.

    Raises:
        OllamaError: the server's message, with what to do when it is not signed in.
    """
    try:
        async with client.push_stream(model) as lines:
            return await follow_transfer("push", model, lines, on_progress)
    except OllamaError as error:
        text = error.message.lower()
        if "unauthorized" in text or "not authorized" in text or "401" in text:
            raise OllamaError(
                f"{error.message}. Pushing needs an ollama.com account with this server's "
                "public key (~/.ollama/id_ed25519.pub on the server) added to it, and a "
                "name under your namespace (you/model:tag)."
            ) from None
        raise


async def follow_transfer(
    verb: str,
    model: str,
    lines: AsyncIterator[PullProgress],
    on_progress: Callable[[PullState], None],
    *,
    min_interval: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
) -> PullState:
    state = PullState(model)
    last_report = 0.0
    async for progress in lines:
        previous_status = state.status
        now = clock()
        state.apply(progress, now)
        if state.status != previous_status or now - last_report >= min_interval:
            last_report = now
            on_progress(state)
    on_progress(state)
    if not state.finished:
        raise StreamIncomplete(f"The {verb} of {model} ended before the server reported success.")
    return state
