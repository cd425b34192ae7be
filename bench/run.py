"""Issue 14's table, measured from outside: ollama-tui against the bare loop (and, with
--compare, against another revision), each run a fresh process in a real pseudo-terminal
(xterm-256color, truecolor) at 160x48 and at 80x24, against the fake Ollama streaming a
Markdown reply. Prints a table per size with medians (min-max) and each row's goal, and
writes bench/results/latest.json. Run with `make bench` (BENCH_ARGS="--compare main~3").

    python bench/run.py [--runs N] [--sizes 160x48,80x24] [--only stream,keys]
                        [--compare REV] [--no-bare] [--ssh] [--quiet SECONDS]

Steps: stream-50 (300 tokens at 50/s), stream-400 (2,000 at 400/s), stream-max (2,000 as
fast as the socket takes them), keys (keystrokes while 3 tabs stream at 400/s),
compare-keys (keystrokes in the composer while 3 compare columns stream at 400/s each, all
on screen), memory (10 tabs open), cli (--version and --help), start (start to ready and
Enter to the request alone, answered by a few tokens: the quick way to measure start-up).
Start to ready and Enter to the request come from every stream run too. The start step also
runs the floor of start-up (bench/start_floor.py): the app's first screen drawn by Textual
alone. `bench/instructions.py` counts what start-up executes, a figure the machine's speed
does not move.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import os
import platform
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import measure, report  # noqa: E402
from bench.clients import (  # noqa: E402
    BARE_LOOP,
    TEXTUAL_FLOOR,
    Client,
    Size,
    app_client,
    checked_out,
    describe_checkout,
)
from tests.fake_ollama.server import FakeOllama  # noqa: E402

STREAMS: dict[str, tuple[str, int, float | None]] = {
    "stream-50": ("50", 300, 50),
    "stream-400": ("400", 2000, 400),
    "stream-max": ("max", 2000, None),
}
STEPS = (*STREAMS, "keys", "compare-keys", "memory", "cli", "start")
START_TOKENS = 5
"""The reply of the start step: enough to see the request answered, too short to cost time."""

Samples = dict[tuple[str, str, str], list[float]]
"""(size, client label, measure key) -> one value per run."""


def _size_name(size: Size) -> str:
    return f"{size[0]}x{size[1]}"


def _stream_step(
    step: str, client: Client, server: FakeOllama, size: Size, quiet: float, samples: Samples
) -> str:
    prefix, tokens, rate = STREAMS[step]
    one = measure.stream_run(client, server, size, tokens=tokens, rate=rate, quiet=quiet)
    name = _size_name(size)
    for key, value in (
        ("start", one.start_to_ready),
        ("start.cpu", one.start_cpu),
        ("enter", one.enter_to_request),
        (f"{prefix}.tail", one.tail_lag),
        (f"{prefix}.repaint", one.repaint_after_end),
        (f"{prefix}.bytes", one.bytes_per_token),
        (f"{prefix}.cpu", one.cpu),
    ):
        samples[(name, client.label, key)].append(value)
    if prefix == "max":
        samples[(name, client.label, "memory")].append(one.peak_memory)
    return (
        f"ready {one.start_to_ready:.2f} s, Enter {one.enter_to_request * 1000:.0f} ms, "
        f"tail {one.tail_lag * 1000:.0f} ms, repaint {one.repaint_after_end * 1000:.0f} ms, "
        f"{one.bytes_per_token:.0f} B/token, CPU {one.cpu:.2f} s, peak {one.peak_memory:.0f} MB"
    )


def _run_step(
    step: str, client: Client, server: FakeOllama, size: Size, quiet: float, samples: Samples
) -> str | None:
    """One run of `step` for `client`; a line for the log, or None when it does not apply."""
    name = _size_name(size)
    if client.start_only:
        if step != "start":
            return None
        ready, cpu = measure.ready_run(client, server, size)
        samples[(name, client.label, "start")].append(ready)
        samples[(name, client.label, "start.cpu")].append(cpu)
        return f"ready {ready:.2f} s (CPU {cpu:.2f} s)"
    if step in STREAMS:
        return _stream_step(step, client, server, size, quiet, samples)
    if step == "start":
        one = measure.stream_run(client, server, size, tokens=START_TOKENS, rate=None, quiet=0.3)
        samples[(name, client.label, "start")].append(one.start_to_ready)
        samples[(name, client.label, "start.cpu")].append(one.start_cpu)
        samples[(name, client.label, "enter")].append(one.enter_to_request)
        return (
            f"ready {one.start_to_ready:.2f} s (CPU {one.start_cpu:.2f} s), "
            f"Enter {one.enter_to_request * 1000:.0f} ms"
        )
    if client.checkout is None:  # the bare loop has no tabs and no command line
        return None
    if step in ("keys", "compare-keys"):
        run = measure.keys_run if step == "keys" else measure.compare_keys_run
        latencies = run(client, server, size)
        median, worst = sorted(latencies)[len(latencies) // 2], max(latencies)
        prefix = "keys" if step == "keys" else "compare"
        samples[(name, client.label, f"{prefix}.median")].append(median)
        samples[(name, client.label, f"{prefix}.worst")].append(worst)
        return f"median {median * 1000:.0f} ms, worst {worst * 1000:.0f} ms"
    if step == "memory":
        resident = measure.memory_10_tabs_run(client, server, size)
        samples[(name, client.label, "memory.10tabs")].append(resident)
        return f"{resident:.0f} MB"
    if step == "cli":
        version = measure.cli_run(client.checkout, "--version")
        help_ = measure.cli_run(client.checkout, "--help")
        samples[(name, client.label, "cli.version")].append(version)
        samples[(name, client.label, "cli.help")].append(help_)
        return f"--version {version * 1000:.0f} ms, --help {help_ * 1000:.0f} ms"
    raise ValueError(step)


def _measured(
    step: str, client: Client, server: FakeOllama, size: Size, quiet: float, samples: Samples
) -> str | None:
    """`_run_step`, with the instrument quiet: the fake server and the pty reader live in this
    process, and a pass of its collector mid-run (over the requests of the runs before, each
    with thousands of stamps) held back tokens and reads by 20-40 ms, the bare loop's too."""
    server.requests.clear()
    gc.collect()
    gc.disable()
    try:
        return _run_step(step, client, server, size, quiet, samples)
    finally:
        gc.enable()


@contextlib.contextmanager
def _clients(compare: str | None, bare: bool, ssh: bool) -> Iterator[list[Client]]:
    """The floors (the bare loop, and Textual's share of start-up), the revision compared
    against, and this checkout, in that order."""
    now = app_client(f"now ({describe_checkout(ROOT)})", ROOT, ssh=ssh)
    floor = [BARE_LOOP, TEXTUAL_FLOOR] if bare else []
    if compare is None:
        yield [*floor, now]
        return
    with checked_out(compare) as tree:
        before = app_client(f"before ({compare}: {describe_checkout(tree)})", tree, ssh=ssh)
        yield [*floor, before, now]


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs per row (default 3)")
    parser.add_argument("--sizes", default="160x48,80x24", help="terminal sizes, COLSxROWS")
    parser.add_argument(
        "--only",
        default="",
        help="run the steps whose name holds one of these comma-separated words; steps: "
        + ", ".join(STEPS),
    )
    parser.add_argument("--compare", metavar="REV", help="also measure this git revision")
    parser.add_argument(
        "--no-bare", action="store_true", help="leave out the bare loop and the start floors"
    )
    parser.add_argument(
        "--ssh", action="store_true", help="tell the app it runs over SSH (its SSH defaults)"
    )
    parser.add_argument(
        "--quiet", type=float, default=1.5, help="seconds without output that end a reply"
    )
    arguments = parser.parse_args()
    unknown = [word for word in arguments.only.split(",") if not _steps(word)]
    if unknown:
        parser.error(f"no step name holds {', '.join(unknown)}")
    return arguments


def _steps(only: str) -> list[str]:
    words = only.split(",")
    return [step for step in STEPS if any(word in step for word in words)]


def reference_seconds() -> float:
    """The machine's speed: seconds for a fixed piece of pure-Python work (parsing and
    formatting, as the app does), the median of five. The same machine runs 1.5 times
    slower in some hours than in others; every figure of a run scales with this one, so
    runs of different hours compare by it."""
    import json
    import time

    line = json.dumps({"model": "m", "message": {"role": "assistant", "content": "word "}})
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for index in range(20_000):
            data = json.loads(line)
            f"{index:>6} {data['message']['content']!r}".split()
        times.append(time.perf_counter() - start)
    return sorted(times)[2]


def main() -> None:
    arguments = _arguments()
    steps = _steps(arguments.only)
    sizes: list[Size] = [
        (int(cols), int(rows))
        for cols, rows in (size.split("x") for size in arguments.sizes.split(","))
    ]
    samples: Samples = defaultdict(list)
    load_before = os.getloadavg()
    reference_before = reference_seconds()
    clients_in = _clients(arguments.compare, not arguments.no_bare, arguments.ssh)
    with clients_in as clients, FakeOllama() as server:
        for size in sizes:
            for step in steps:
                if step == "cli" and size != sizes[0]:
                    continue  # no terminal: once is enough
                for run in range(arguments.runs):
                    # Clients take turns run by run, so a change in the machine's load
                    # weighs on all of them alike.
                    for client in clients:
                        line = _measured(step, client, server, size, arguments.quiet, samples)
                        if line is not None:
                            print(
                                f"{_size_name(size)} {step} {client.label} "
                                f"run {run + 1}/{arguments.runs}: {line}",
                                flush=True,
                            )
    labels = [client.label for client in clients]
    rows = [
        report.row(size, client, key, values)
        for (size, client, key), values in samples.items()
        if values
    ]
    reference = (reference_before + reference_seconds()) / 2
    meta: dict[str, object] = {
        "reference_seconds": reference,
        "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "runs": arguments.runs,
        "ssh": arguments.ssh,
        "sizes": [_size_name(size) for size in sizes],
        "clients": labels,
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "python": platform.python_version(),
    }
    report.save(ROOT / "bench" / "results" / "latest.json", meta, rows)
    print(
        f"\nload average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after, "
        f"{os.cpu_count()} cores; {arguments.runs} runs per row; "
        f"reference work {reference * 1000:.0f} ms (the machine's speed: figures scale with it)"
        + ("; the app told it runs over SSH" if arguments.ssh else "")
    )
    for size in sizes:
        print()
        print(report.table(rows, _size_name(size), labels))


if __name__ == "__main__":
    main()
