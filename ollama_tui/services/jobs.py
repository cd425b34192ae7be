"""Provides model jobs (pull, push, create) that run on while screens come and go.

Several can run at once; each reports progress to whoever listens and can be cancelled, which
closes its connection (a later pull of the same model resumes where this one stopped).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..api.errors import OllamaError
from .failure_log import describe_failure
from .model_admin import CreateSpec, create_model
from .pull import PullState, pull_model, push_model

if TYPE_CHECKING:
    from ..api.client import OllamaClient
    from ..api.version import ServerVersion

Listener = Callable[["ModelJob"], None]


@dataclass(eq=False)
class ModelJob:
    number: int
    verb: str
    """"pull", "push" or "create"."""
    model: str
    state: PullState
    log: list[str] = field(default_factory=list)
    """Status lines as they came (create reports only these)."""
    error: str | None = None
    cancelled: bool = False
    failure: Exception | None = None
    """An exception nobody expected (a bug): the task that ran the job does not lose it,
    the listeners report it."""
    ended: bool = False
    """Set before the last report, which runs inside the task (so `task.done()` is False)."""
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return not self.ended

    @property
    def succeeded(self) -> bool:
        return self.state.finished and self.error is None and not self.cancelled


class ModelJobs:
    """The jobs of this app's session, newest last."""

    def __init__(self, client: OllamaClient) -> None:
        self.client = client
        self.jobs: list[ModelJob] = []
        self._listeners: list[Listener] = []
        self._numbers = itertools.count(1)

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on every change of any job; returns how to stop listening."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self, job: ModelJob) -> None:
        for listener in list(self._listeners):
            listener(job)

    def running_for(self, verb: str, model: str) -> ModelJob | None:
        for job in self.jobs:
            if job.verb == verb and job.model == model and job.running:
                return job
        return None

    def _start(
        self, verb: str, model: str, work: Callable[[ModelJob], Awaitable[None]]
    ) -> ModelJob:
        job = ModelJob(next(self._numbers), verb, model, PullState(model))
        self.jobs.append(job)

        async def run() -> None:
            try:
                await work(job)
            except OllamaError as error:
                job.error = error.message
            except ValueError as error:
                job.error = str(error)
            except asyncio.CancelledError:
                job.cancelled = True
                job.state.status = "cancelled"
            except Exception as error:  # a bug: kept for the listeners to report and log
                job.error = f"failed unexpectedly ({describe_failure(error)})"
                job.failure = error
            finally:
                job.ended = True
                self._changed(job)

        job.task = asyncio.get_running_loop().create_task(run())
        self._changed(job)
        return job

    def _progress(self, job: ModelJob) -> Callable[[PullState], None]:
        def report(state: PullState) -> None:
            job.state = state
            if not job.log or job.log[-1] != state.status:
                job.log.append(state.status)
            self._changed(job)

        return report

    def pull(self, model: str) -> ModelJob:
        """Start a pull, or return the one already running for this model."""
        running = self.running_for("pull", model)
        if running is not None:
            return running

        async def work(job: ModelJob) -> None:
            await pull_model(self.client, model, self._progress(job))

        return self._start("pull", model, work)

    def push(self, model: str) -> ModelJob:
        async def work(job: ModelJob) -> None:
            await push_model(self.client, model, self._progress(job))

        return self._start("push", model, work)

    def create(self, spec: CreateSpec, version: ServerVersion) -> ModelJob:
        async def work(job: ModelJob) -> None:
            def on_status(status: str) -> None:
                job.state.status = status
                job.log.append(status)
                self._changed(job)

            await create_model(self.client, version, spec, on_status)
            job.state.finished = True

        return self._start("create", spec.name, work)

    def cancel(self, job: ModelJob) -> None:
        if job.task is not None:
            job.task.cancel()

    def clear(self, job: ModelJob) -> None:
        """Forget a job that has ended (done, failed or cancelled): it is no longer listed.
        A running job stays; the lister redraws itself, so nobody is told."""
        if job.ended and job in self.jobs:
            self.jobs.remove(job)

    def clear_ended(self) -> int:
        """Forget every job that has ended; how many there were."""
        ended = [job for job in self.jobs if job.ended]
        for job in ended:
            self.clear(job)
        return len(ended)

    async def wait(self, job: ModelJob) -> None:
        if job.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(job.task)

    async def aclose(self) -> None:
        for job in self.jobs:
            self.cancel(job)
        for job in self.jobs:
            await self.wait(job)
