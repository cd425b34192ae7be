"""Provides `auto`: with several hosts configured, each request of a conversation on `auto`
goes to the host best placed to answer it, decided here.

The choice, for a model: the hosts that have it (`/api/tags`), the ones that have it loaded
(`/api/ps`) first, then the one with the fewest requests in flight from this app, then the
first listed. No host has it: the first listed (its 404 offers the pull, as for any host).
Only hosts left out have it (as they last listed their models): `ModelLeftOut` says which,
why, and when they are asked again, and no host is asked.

A host that fails (it cannot be reached, times out, drops the connection, answers 5xx or
breaks off a reply) is left out for `RETRY_AFTER` seconds; after that the next choice asks
it again, and it is back as soon as it answers. A request whose host fails before the reply
began is asked of the next host at once; one that fails midway keeps its partial reply, as
on any host, and the next request goes elsewhere. A host left out, and one back, is said
once: in the `ReplyHost` event naming the host that the next request goes to, or by
`left_out_notes` to a caller that asks first (the throughput test, for its result).

One look at the hosts' lists serves the choices of the next `LOOK_FRESH` seconds, so that
requests sent together are counted against each other rather than each asking every host.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..api.errors import (
    ConnectionLost,
    OllamaError,
    ProtocolError,
    RequestTimedOut,
    ResponseError,
    ServerUnavailable,
    StreamFailed,
    StreamIncomplete,
)
from ..api.host import public_url
from ..domain.auto_host import AUTO_HOST
from ..domain.events import ReplyHost, StreamEvent
from .catalogue import load_catalogue

if TYPE_CHECKING:
    from ..api.client import OllamaClient
    from ..api.wire import ChatRequest, GenerateRequest

AUTO = AUTO_HOST
RETRY_AFTER = 30.0
"""Seconds a host that failed is left out before it is asked again."""
LOOK_TIMEOUT = 3.0
"""Seconds a host may take to list its models and loaded models before it is left out."""
LOOK_FRESH = 2.0
"""Seconds one look at the hosts serves the choices that follow: requests sent together
(a comparison, a throughput test) share it rather than ask every host each."""

Stream = contextlib.AbstractAsyncContextManager[AsyncIterator[StreamEvent]]


class ReplyClient(Protocol):
    """What a reply needs of a client: its two streams (a host's client, or `auto`)."""

    def chat_stream(self, request: ChatRequest) -> Stream: ...

    def generate_stream(self, request: GenerateRequest) -> Stream: ...


def is_host_failure(error: OllamaError) -> bool:
    """Whether the host, rather than the request, failed: another host may well answer. A
    missing model, a model that cannot call tools, a bad request fail the same anywhere."""
    if isinstance(error, ResponseError):
        return error.status >= 500
    return isinstance(
        error,
        ServerUnavailable
        | RequestTimedOut
        | ConnectionLost
        | StreamFailed
        | StreamIncomplete
        | ProtocolError,
    )


class ModelLeftOut(OllamaError):
    """The model is only on hosts `auto` leaves out for now (they failed a moment ago): no
    host asked would have it, and pulling it elsewhere is not what the user needs."""

    def __init__(self, message: str, model: str, hosts: Sequence[str]) -> None:
        super().__init__(message)
        self.model = model
        self.hosts = tuple(hosts)


def _listing(names: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _named(names: set[str], model: str) -> bool:
    """Whether `model` is among `names` as Ollama resolves it (no tag: `:latest`)."""
    return model in names or (":" not in model and f"{model}:latest" in names)


@dataclass
class _Failure:
    since: float
    reason: str
    told: bool = False


@dataclass(frozen=True)
class _Look:
    """What each host answered: the models it has, those loaded; None: it did not answer."""

    at: float
    """When the hosts were asked."""
    models: dict[str, tuple[set[str], set[str]] | None] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """The host a request goes to, and what the choice has to say."""

    host: str
    client: OllamaClient
    notes: tuple[str, ...] = ()


class HostRouter:
    """Chooses the host of each request on `auto` and counts the requests in flight on each
    (from every tab, comparison and throughput test of this app). One per app."""

    def __init__(
        self,
        clients: Mapping[str, OllamaClient],
        *,
        retry_after: float = RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = dict(clients)
        """By name, in the order listed (the default host first)."""
        self.retry_after = retry_after
        self.clock = clock
        self.in_flight: dict[str, int] = dict.fromkeys(self.clients, 0)
        self._failures: dict[str, _Failure] = {}
        self._look: asyncio.Task[_Look] | None = None
        self._learned: _Look | None = None
        self._welcome_back: set[str] = set()
        self._known: dict[str, set[str]] = {}
        """The models each host listed when it last answered: what a host left out has."""

    # -- what hosts answer ------------------------------------------------------------------

    def _left_out(self) -> set[str]:
        now = self.clock()
        return {
            name
            for name, failure in self._failures.items()
            if now - failure.since < self.retry_after
        }

    async def _look_at(self, names: Sequence[str]) -> _Look:
        async def one(name: str) -> tuple[set[str], set[str]] | str:
            try:
                listed = await asyncio.wait_for(load_catalogue(self.clients[name]), LOOK_TIMEOUT)
            except asyncio.TimeoutError:
                return f"it did not list its models within {LOOK_TIMEOUT:g} s"
            except OllamaError as error:
                return error.message
            return {m.name for m in listed}, {m.name for m in listed if m.loaded}

        # Stamped when asked: a failure while it was under way is newer than what it saw.
        look = _Look(self.clock())
        answers = await asyncio.gather(*(one(name) for name in names))
        for name, answer in zip(names, answers, strict=True):
            if isinstance(answer, str):
                look.models[name] = None
                look.problems[name] = answer
            else:
                look.models[name] = answer
        return look

    async def _current_look(self) -> _Look:
        """A look at every host not left out, shared by the choices made while it is fresh."""
        task = self._look
        if task is not None and task.done() and not task.cancelled():
            if task.exception() is None and self.clock() - task.result().at < LOOK_FRESH:
                return task.result()
            task = None
        if task is None or task.done():
            left_out = self._left_out()
            names = [name for name in self.clients if name not in left_out]
            # Every host failed a moment ago: ask them all again rather than none.
            task = self._look = asyncio.ensure_future(self._look_at(names or list(self.clients)))
        # Shielded: one request stopped must not cancel the look the others wait on.
        return await asyncio.shield(task)

    # -- choosing -------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def route(self, model: str, *, avoid: Sequence[str] = ()) -> AsyncIterator[Route]:
        """The host for a request for `model`, counted in flight until the block is left.
        `avoid`: hosts this request already failed on."""
        look = await self._current_look()
        self._learn(look)
        left_out = self._left_out() | set(avoid)
        order = list(self.clients)
        candidates = [name for name in order if name not in left_out]

        def has(name: str, loaded: bool) -> bool:
            answered = look.models.get(name)
            return answered is not None and _named(answered[1 if loaded else 0], model)

        holders = [name for name in candidates if has(name, False)]
        away = [
            name
            for name in order
            if name in left_out and _named(self._known.get(name, set()), model)
        ]
        if not holders and away:
            raise self._model_left_out(model, away)
        if holders:
            host = min(
                holders,
                key=lambda name: (not has(name, True), self.in_flight[name], order.index(name)),
            )
        else:
            # Nobody has it (or nobody answers): the first listed says so, and offers the pull.
            host = (candidates or [name for name in order if name not in avoid] or order)[0]
        self.in_flight[host] += 1
        try:
            yield Route(host, self.clients[host], self._notes())
        finally:
            self.in_flight[host] -= 1

    def _model_left_out(self, model: str, hosts: list[str]) -> ModelLeftOut:
        """`model` is only on `hosts`, all left out: which, why, and when asked again."""
        now = self.clock()
        why = []
        for name in hosts:
            failure = self._failures.get(name)
            left = self.retry_after - (now - failure.since) if failure else self.retry_after
            reason = f" ({failure.reason})" if failure else ""
            why.append(f"{name} failed{reason} and is asked again in {max(left, 0):.0f} s")
        they = "it answers" if len(hosts) == 1 else "they answer"
        return ModelLeftOut(
            f"{model} is only on {_listing(hosts)}, left out of {AUTO} until {they} again: "
            + "; ".join(why)
            + ".",
            model,
            hosts,
        )

    def _learn(self, look: _Look) -> None:
        """What a look says about failures, taken in once: a host that did not answer is
        left out; one left out that answers (asked after it failed) is back."""
        if look is self._learned:
            return
        self._learned = look
        for name, problem in look.problems.items():
            self.failed(name, problem)
        for name, answered in look.models.items():
            if answered is not None:
                self._known[name] = answered[0]
            failure = self._failures.get(name)
            if answered is not None and failure is not None and failure.since < look.at:
                del self._failures[name]
                self._welcome_back.add(name)

    def _notes(self) -> tuple[str, ...]:
        """What to tell about the hosts, once each: those left out, those back."""
        notes = []
        for name, failure in self._failures.items():
            if not failure.told and name in self._left_out():
                failure.told = True
                notes.append(
                    f"{name} is left out of {AUTO} for {self.retry_after:g} s: {failure.reason}"
                )
        for name in sorted(self._welcome_back, key=list(self.clients).index):
            notes.append(f"{name} answers again: {AUTO} uses it again")
        self._welcome_back.clear()
        return tuple(notes)

    def not_asked(self) -> list[str]:
        """The hosts left out right now whose models are not known (they have not listed
        them since the app started): whether they have a model cannot be said."""
        left_out = self._left_out()
        return [name for name in self.clients if name in left_out and name not in self._known]

    def left_out_notes(self) -> tuple[str, ...]:
        """What to say of each host left out right now, with what is left of its time out;
        said here, so that the next choice does not say it again."""
        now = self.clock()
        notes = []
        for name in self.clients:
            failure = self._failures.get(name)
            if failure is None or now - failure.since >= self.retry_after:
                continue
            failure.told = True
            left = self.retry_after - (now - failure.since)
            notes.append(f"{name} is left out of {AUTO} for another {left:.0f} s: {failure.reason}")
        return tuple(notes)

    def failed(self, host: str, reason: str) -> None:
        """`host` failed: it is left out for `retry_after` seconds from now. Said once per
        outage: failing again when asked again is the same outage."""
        failure = self._failures.get(host)
        if failure is None:
            self._failures[host] = _Failure(self.clock(), reason)
        else:
            failure.since, failure.reason = self.clock(), reason

    def answered(self, host: str) -> None:
        """A reply from `host` ended well: whatever it failed before is over."""
        self._failures.pop(host, None)

    def close(self) -> None:
        """Stop a look still under way (the app is quitting: its clients are closing)."""
        if self._look is not None:
            self._look.cancel()

    async def hosts_with(self, model: str) -> list[str]:
        """The hosts that have `model` and are not left out, in the order listed."""
        look = await self._current_look()
        self._learn(look)
        left_out = self._left_out()
        return [
            name
            for name, answered in look.models.items()
            if name not in left_out and answered is not None and _named(answered[0], model)
        ]


class RoutedClient:
    """A client for `auto`: each stream goes to the host the router chooses for its model.
    Its events start with a `ReplyHost` naming that host (a host that fails before the reply
    began is left out and the next one asked, named by a `ReplyHost` of its own); once the
    reply began, a failure ends it."""

    def __init__(self, router: HostRouter) -> None:
        self.router = router

    def chat_stream(self, request: ChatRequest) -> Stream:
        return self._stream(request.model, lambda client: client.chat_stream(request))

    def generate_stream(self, request: GenerateRequest) -> Stream:
        return self._stream(request.model, lambda client: client.generate_stream(request))

    @contextlib.asynccontextmanager
    async def _stream(
        self, model: str, open_on: Callable[[OllamaClient], Stream]
    ) -> AsyncIterator[AsyncIterator[StreamEvent]]:
        # The request leaves at the first event asked for: the host is named before it
        # answers, so a reply that fails at once still records who refused it.
        async with contextlib.aclosing(self._events(model, open_on)) as events:
            yield events

    async def _events(
        self, model: str, open_on: Callable[[OllamaClient], Stream]
    ) -> AsyncGenerator[StreamEvent, None]:
        router = self.router
        tried: list[str] = []
        while True:
            async with router.route(model, avoid=tried) as route:
                yield ReplyHost(route.host, public_url(route.client.base_url), route.notes)
                began = False
                try:
                    async with open_on(route.client) as events:
                        async for event in events:
                            began = True
                            yield event
                except OllamaError as error:
                    if not is_host_failure(error):
                        raise
                    router.failed(route.host, error.message)
                    tried.append(route.host)
                    if began or len(tried) >= len(router.clients):
                        raise
                    continue
            router.answered(route.host)
            return
