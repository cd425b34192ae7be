"""Provides the server's throughput test: one request warms the model up, then the same
request is sent N times one after another and N times at once, as Ollama's Python tutorial
does, to show whether the server generates replies in parallel or queues them.

The speeds come from the server's own counters (`eval_count`, `eval_duration`) where it
gives them; latencies and wall times are measured here. Cancelling the task that runs
`measure` closes every open stream (each is an `async with`), so the server stops too.
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ..api.wire import ChatRequest
from ..domain.events import ReplyHost, StreamDone, TextDelta, ThinkingDelta
from ..domain.text import sanitize_for_terminal
from ..store import atomic_write_bytes, ensure_private_dir
from .errors import OllamaError
from .routing import AUTO, ReplyClient

DEFAULT_PROMPT = "Why is the sky blue?"
DEFAULT_REQUESTS = 10
DEFAULT_NUM_PREDICT = 64
MAX_REQUESTS = 64
"""More at once than any server's parallel slots; a typo of 1000 would only queue."""
FOLDER = "measurements"
"""Beside the conversations in the data dir."""

Phase = Literal["warm-up", "one after another", "all at once"]
SaveFormat = Literal["md", "json"]


@dataclass(frozen=True)
class ThroughputPlan:
    model: str
    prompt: str = DEFAULT_PROMPT
    requests: int = DEFAULT_REQUESTS
    num_predict: int = DEFAULT_NUM_PREDICT

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("name a model to measure")
        if not 1 <= self.requests <= MAX_REQUESTS:
            raise ValueError(f"the number of requests must be from 1 to {MAX_REQUESTS}")
        if self.num_predict < 1:
            raise ValueError("the tokens per reply must be at least 1")


@dataclass(frozen=True)
class Progress:
    """Where a run is: `done` of `total` requests of `phase` have ended."""

    phase: Phase
    done: int
    total: int
    notes: tuple[str, ...] = ()
    """On `auto`, what was said of its hosts so far: one left out (it failed, and why),
    one back. Already made inert and free of secrets (they are error messages)."""


@dataclass(frozen=True)
class Timing:
    """One request: seconds from sending it to its last line and to its first token."""

    latency: float
    first_token: float | None = None
    eval_count: int = 0
    eval_duration: int = 0
    """Nanoseconds, as the server reports it (0: it did not)."""
    error: str = ""
    started: float = 0.0
    """Seconds from the start of its mode to sending it."""
    host: str = ""
    """The host that answered it, when the test ran on `auto`."""

    def generating(self) -> tuple[float, float] | None:
        """When its tokens were arriving, in seconds from the start of its mode."""
        if self.first_token is None or self.error:
            return None
        return self.started + self.first_token, self.started + self.latency

    @property
    def tokens_per_second(self) -> float | None:
        if self.eval_count <= 0:
            return None
        if self.eval_duration > 0:
            return self.eval_count / self.eval_duration * 1e9
        return self.eval_count / self.latency if self.latency > 0 else None


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(fraction * len(ordered)) - 1)
    return ordered[index]


@dataclass(frozen=True)
class ModeResult:
    """The N requests of one mode and how long they took together."""

    phase: Phase
    timings: list[Timing]
    wall: float

    @property
    def ended(self) -> list[Timing]:
        return [timing for timing in self.timings if not timing.error]

    @property
    def failures(self) -> int:
        return len(self.timings) - len(self.ended)

    def latency(self) -> tuple[float, float, float] | None:
        """Mean, median and 95th percentile of the requests that ended, in seconds."""
        values = [timing.latency for timing in self.ended]
        if not values:
            return None
        return statistics.fmean(values), statistics.median(values), _percentile(values, 0.95)

    def first_token(self) -> float | None:
        values = [t.first_token for t in self.ended if t.first_token is not None]
        return statistics.fmean(values) if values else None

    def tokens_per_request(self) -> float | None:
        """The mean generation speed of one request, as the server measured it."""
        values = [speed for t in self.ended if (speed := t.tokens_per_second) is not None]
        return statistics.fmean(values) if values else None

    def at_once(self) -> float | None:
        """How many requests were generating at a time, on average over the time any was:
        their generating spans added up, over the time they cover together. Queued
        requests' spans follow each other (1.0); N served together overlap (N)."""
        spans = sorted(span for t in self.timings if (span := t.generating()) is not None)
        covered, busy_until = 0.0, float("-inf")
        for start, end in spans:
            if end > busy_until:
                covered += end - max(start, busy_until)
                busy_until = end
        total = sum(end - start for start, end in spans)
        return total / covered if covered > 0 else None

    def by_host(self) -> dict[str, int]:
        """How many requests each host answered (on `auto`), in the order first seen."""
        counts: dict[str, int] = {}
        for timing in self.timings:
            if timing.host:
                counts[timing.host] = counts.get(timing.host, 0) + 1
        return counts

    def tokens_in_all(self) -> float | None:
        """Tokens of every request over the wall time: what the server delivered in all."""
        tokens = sum(timing.eval_count for timing in self.ended)
        return tokens / self.wall if tokens and self.wall > 0 else None


@dataclass(frozen=True)
class ThroughputResult:
    plan: ThroughputPlan
    host: str
    sequential: ModeResult
    together: ModeResult
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    notes: tuple[str, ...] = ()
    """On `auto`, what was said of its hosts during the run (see `Progress.notes`)."""

    @property
    def speed_up(self) -> float | None:
        """How much sooner the N requests ended at once than one after another."""
        if self.sequential.wall <= 0 or self.together.wall <= 0:
            return None
        return self.sequential.wall / self.together.wall

    def verdict(self) -> str:
        """What the run shows, in one plain sentence."""
        failed = self.sequential.failures + self.together.failures
        total = len(self.sequential.timings) + len(self.together.timings)
        if failed == total:
            return "every request failed: nothing was measured"
        note = f" ({failed} of {total} requests failed)" if failed else ""
        speed_up = self.speed_up
        at_once = self.together.at_once()
        if speed_up is None or at_once is None or self.plan.requests == 1:
            return f"one request cannot show whether the server runs requests together{note}"
        # Whether replies were generated side by side is read from when their tokens came
        # (`at_once`), not from the wall times alone: those also gain from overlapping each
        # request's own overhead when the server queues.
        # On `auto` the requests spread over the hosts: what is measured is all of them.
        several = len(self.together.by_host()) > 1
        server, handles = ("the hosts", "handle") if several else ("the server", "handles")
        if at_once < 1.5:
            return (
                f"requests queued: {server} {handles} one at a time; see OLLAMA_NUM_PARALLEL{note}"
            )
        together = min(self.plan.requests, round(at_once))
        faster = f"requests ran {speed_up:.1f}x faster together"
        if together >= self.plan.requests:
            return f"{faster}: {server} handled all {self.plan.requests} at once{note}"
        return f"{faster}: {server} {handles} about {together} at once{note}"

    def modes(self) -> tuple[ModeResult, ModeResult]:
        return self.sequential, self.together

    def to_json(self) -> dict[str, Any]:
        def mode(result: ModeResult) -> dict[str, Any]:
            latency = result.latency()
            return {
                "wall_seconds": result.wall,
                "latency_mean": latency[0] if latency else None,
                "latency_median": latency[1] if latency else None,
                "latency_p95": latency[2] if latency else None,
                "first_token_mean": result.first_token(),
                "tokens_per_second_per_request": result.tokens_per_request(),
                "tokens_per_second_in_all": result.tokens_in_all(),
                "generating_at_once": result.at_once(),
                "requests_by_host": result.by_host(),
                "failures": result.failures,
                "requests": [asdict(timing) for timing in result.timings],
            }

        return {
            "kind": "throughput",
            "started_at": self.started_at.isoformat(),
            "host": self.host,
            "plan": asdict(self.plan),
            "one_after_another": mode(self.sequential),
            "all_at_once": mode(self.together),
            "speed_up": self.speed_up,
            "verdict": self.verdict(),
            "host_notes": list(self.notes),
        }

    def table(self) -> list[tuple[str, str, str]]:
        """The figures as rows of label, one after another, all at once."""

        def seconds(value: float | None) -> str:
            return "-" if value is None else f"{value:.2f} s"

        def times(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f}"

        def speed(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f} tok/s"

        def hosts(counts: dict[str, int]) -> str:
            return ", ".join(f"{host} {count}" for host, count in counts.items()) or "-"

        first, second = self.modes()

        def row(label: str, cell: Callable[[ModeResult], str]) -> tuple[str, str, str]:
            return label, cell(first), cell(second)

        def latency(index: int) -> Callable[[ModeResult], str]:
            return lambda mode: seconds(lat[index]) if (lat := mode.latency()) else "-"

        return [
            row("mean latency", latency(0)),
            row("median latency", latency(1)),
            row("p95 latency", latency(2)),
            row("time to first token", lambda mode: seconds(mode.first_token())),
            row("wall time", lambda mode: seconds(mode.wall)),
            row("tokens/s per request", lambda mode: speed(mode.tokens_per_request())),
            row("tokens/s in all", lambda mode: speed(mode.tokens_in_all())),
            row("generating at once", lambda mode: times(mode.at_once())),
            row("failed", lambda mode: str(mode.failures)),
            *(
                [row("answered by", lambda mode: hosts(mode.by_host()))]
                if first.by_host() or second.by_host()
                else []
            ),
        ]

    def to_markdown(self) -> str:
        plan = self.plan
        lines = [
            f"# Throughput of {plan.model} on {self.host}",
            "",
            f"- When: {self.started_at.astimezone().strftime('%Y-%m-%d %H:%M')}",
            f"- Prompt: {json.dumps(plan.prompt, ensure_ascii=False)}",
            f"- Requests per mode: {plan.requests}, num_predict {plan.num_predict}",
            "",
            f"**{self.verdict()}**",
            "",
            "| | one after another | all at once |",
            "| --- | --- | --- |",
        ]
        lines += [f"| {label} | {first} | {second} |" for label, first, second in self.table()]
        if self.notes:
            lines += ["", f"Hosts on {AUTO}:", "", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines) + "\n"


async def _one(
    client: ReplyClient,
    plan: ThroughputPlan,
    mode_start: float,
    tell: Callable[[str], None] = lambda _: None,
) -> Timing:
    """One request; `tell`: each note `auto` gives about its hosts on the way."""
    request = ChatRequest(
        model=plan.model,
        messages=[{"role": "user", "content": plan.prompt}],
        options={"num_predict": plan.num_predict},
    )
    start = time.monotonic()
    started = start - mode_start
    first: float | None = None
    host = ""
    try:
        async with client.chat_stream(request) as events:
            async for event in events:
                if isinstance(event, ReplyHost):
                    host = event.name
                    for note in event.notes:
                        tell(note)
                if first is None and isinstance(event, TextDelta | ThinkingDelta):
                    first = time.monotonic() - start
                if isinstance(event, StreamDone):
                    stats = event.stats
                    took = time.monotonic() - start
                    return Timing(
                        took,
                        first,
                        stats.eval_count,
                        stats.eval_duration,
                        started=started,
                        host=host,
                    )
    except OllamaError as error:
        took = time.monotonic() - start
        return Timing(took, first, error=error.message, started=started, host=host)
    ended = "the reply ended without its last line"
    return Timing(time.monotonic() - start, first, error=ended, started=started, host=host)


async def measure(
    client: ReplyClient,
    plan: ThroughputPlan,
    *,
    host: str,
    progress: Callable[[Progress], None] = lambda _: None,
    warm_up: Sequence[ReplyClient] = (),
    notes: Sequence[str] = (),
) -> ThroughputResult:
    """Run the test; a warm-up that fails raises, since nothing after it could be measured.
    `warm_up`: the clients to load the model on first (on `auto`, every host that has it,
    so that the requests spread over all of them); none: `client`. What `auto` says of its
    hosts meanwhile comes with the progress as it is said, and with the result, after
    `notes` (what it had to say of them before the run)."""
    said = list(notes)
    where = Progress("warm-up", 0, 0)

    def report(phase: Phase, done: int, total: int) -> None:
        nonlocal where
        where = Progress(phase, done, total, tuple(said))
        progress(where)

    def tell(note: str) -> None:
        said.append(note)
        report(where.phase, where.done, where.total)

    warming = list(warm_up) or [client]
    report("warm-up", 0, len(warming))
    warmed = await asyncio.gather(*(_one(each, plan, time.monotonic(), tell) for each in warming))
    if all(warm.error for warm in warmed):  # on `auto`, one host loaded is enough to go on
        raise OllamaError(warmed[0].error)
    report("warm-up", len(warming), len(warming))

    started = datetime.now(timezone.utc)
    sequential: list[Timing] = []
    report("one after another", 0, plan.requests)
    start = time.monotonic()
    for _ in range(plan.requests):
        sequential.append(await _one(client, plan, start, tell))
        report("one after another", len(sequential), plan.requests)
    first_mode = ModeResult("one after another", sequential, time.monotonic() - start)

    ended: list[Timing] = []
    report("all at once", 0, plan.requests)

    async def counted() -> Timing:
        timing = await _one(client, plan, start, tell)
        ended.append(timing)
        report("all at once", len(ended), plan.requests)
        return timing

    start = time.monotonic()
    together = await asyncio.gather(*(counted() for _ in range(plan.requests)))
    second_mode = ModeResult("all at once", list(together), time.monotonic() - start)
    return ThroughputResult(plan, host, first_mode, second_mode, started, tuple(said))


def save_result(data_dir: Path, result: ThroughputResult, kind: SaveFormat) -> Path:
    """Write the result as Markdown or JSON in the data dir's measurements folder (0600)."""
    folder = ensure_private_dir(data_dir / FOLDER)
    stamp = result.started_at.strftime("%Y%m%d-%H%M%S")
    model = "".join(c if c.isalnum() or c in "-._" else "-" for c in result.plan.model)[:60]
    path = folder / f"throughput-{stamp}-{model}.{kind}"
    if kind == "json":
        data = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    else:
        data = result.to_markdown()
    atomic_write_bytes(path, data.encode())
    return path


MAX_SAVED_BYTES = 256 * 1024
"""A saved result is a few kilobytes; a bigger file is not ours, and is read only this far."""


@dataclass(frozen=True)
class SavedResult:
    """A saved result as the saved conversations list shows it."""

    path: Path
    title: str
    """What it measured and what it found, made inert for the terminal."""
    saved_at: datetime
    model: str


def read_saved(path: Path) -> str:
    """A saved result's text, at most MAX_SAVED_BYTES of it, made inert for the terminal."""
    with path.open("rb") as file:
        data = file.read(MAX_SAVED_BYTES)
    return sanitize_for_terminal(data.decode("utf-8", "replace"))


def _summary(path: Path, text: str) -> tuple[str, str]:
    """(title, model) from a saved result's text; the file's name when it says nothing."""
    if path.suffix == ".json":
        try:
            data = json.loads(text)
            plan = data.get("plan") if isinstance(data, dict) else None
            model = str(plan.get("model", "")) if isinstance(plan, dict) else ""
            title = f"Throughput of {model} on {data.get('host', '')}: {data.get('verdict', '')}"
        except ValueError:
            return path.name, ""
        return title, model
    lines = text.splitlines()
    heading = lines[0].removeprefix("# ") if lines else path.name
    verdict = next((line.strip("*") for line in lines if line.startswith("**")), "")
    model = heading.removeprefix("Throughput of ").rsplit(" on ", 1)[0]
    return (f"{heading}: {verdict}" if verdict else heading), model


def saved_results(data_dir: Path) -> list[SavedResult]:
    """The saved results, newest first; a file that cannot be read is left out."""
    found = []
    try:
        paths = [p for p in (data_dir / FOLDER).iterdir() if p.suffix in (".md", ".json")]
    except OSError:
        return []
    for path in paths:
        try:
            if not path.is_file():
                continue
            modified = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
            title, model = _summary(path, read_saved(path))
        except OSError:
            continue
        title = " ".join(title.split())  # one line in the list
        found.append(SavedResult(path, title, modified, sanitize_for_terminal(model)))
    return sorted(found, key=lambda saved: saved.saved_at, reverse=True)
