"""Benchmark of saved conversations at scale (issue: review saved conversations).

Generates 10,000 realistic conversations (2 to 400 messages, log-uniform, with code blocks and
non-ASCII text including CJK) in a temporary data dir, then prints the median time to list them
for the browser, to filter per keystroke (full text included), and to open a 2,000-message
conversation in the app.

    python bench/sessions.py [--count N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ollama_tui.ui.app import OllamaTuiApp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ollama_tui.domain.conversation import Conversation, Message, MessageStatus, Stats  # noqa: E402
from ollama_tui.services.library import ConversationLibrary  # noqa: E402
from ollama_tui.store import SessionStore  # noqa: E402

# One readable paragraph of words rather than a list literal of sixty strings.
WORDS = (  # noqa: SIM905
    "the of model query index table join select function python rust memory thread async "
    "await server client latency token stream vector cache kernel gradient tensor matrix "
    "docker compose deploy network socket buffer parser grammar lexer schema migration "
    "postgres sqlite redis queue worker batch retry timeout backoff monitor metric graph "
    "über naïve café résumé 東京 データ 模型 查询 数据库 函数 内存 线程"
).split()
RARE_WORD = "quuxplorification"
"""Occurs once, at the end of the last reply of one conversation."""
CODE = "```python\ndef handler(event, context):\n    return {'status': 200, 'body': event}\n```"


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."


def _reply(rng: random.Random) -> str:
    parts = [" ".join(_sentence(rng) for _ in range(rng.randint(1, 5)))]
    if rng.random() < 0.3:
        parts.append(CODE)
    if rng.random() < 0.2:
        parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(3)))
    return "\n\n".join(parts)


def conversation(rng: random.Random, messages: int) -> Conversation:
    item = Conversation(title=_sentence(rng)[:40])
    item.settings.model = rng.choice(["llama3.1:8b", "qwen2.5-coder:7b", "mistral:7b"])
    for index in range(messages):
        if index % 2 == 0:
            item.messages.append(Message.user(_sentence(rng)))
        else:
            reply = Message.assistant(item.settings.model)
            reply.content = _reply(rng)
            reply.status = MessageStatus.COMPLETE
            reply.stats = Stats(eval_count=120, eval_duration=2_000_000_000)
            item.messages.append(reply)
    return item


def generate(data_dir: Path, count: int, seed: int = 7) -> str:
    """Write `count` conversations; returns a word that occurs once, deep inside one reply."""
    rng = random.Random(seed)
    store = SessionStore(data_dir)
    rare = RARE_WORD
    for number in range(count):
        size = int(math.exp(rng.uniform(math.log(2), math.log(400))))
        item = conversation(rng, size)
        if number == count // 3:
            item.messages[-1].content += f"\n\nThe word is {rare}."
        store.save(item)
        store.release(item.id)
    store.close()
    return rare


def save_long(data_dir: Path, seed: int = 11) -> str:
    """One conversation of 2,000 messages; returns its id."""
    store = SessionStore(data_dir)
    long = conversation(random.Random(seed), 2000)
    store.save(long)
    store.close()
    return long.id


def _timed(action) -> float:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    action()
    return (time.perf_counter() - began) * 1000


def bench_index(data_dir: Path) -> None:
    """Build the full-text index from nothing (once per data dir), then what a later start
    does when nothing changed: list the files and check the index against them."""
    library = ConversationLibrary(SessionStore(data_dir))
    library.refresh()
    _report("search index: first build (background, once)", [_timed(library.update_index)], "-")

    def later_start() -> None:
        again = ConversationLibrary(SessionStore(data_dir))
        again.refresh()
        again.update_index()

    _report(
        "list and check the index, nothing changed (a later start)",
        [_timed(later_start) for _ in range(3)],
        "-",
    )


async def _quit(app: OllamaTuiApp) -> None:
    """Ctrl+Q as a terminal sends it; Pilot's press can wait for ever on an app that quits."""
    app.simulate_key("ctrl+q")
    await _until(lambda: app.return_code is not None)


async def _until(predicate) -> None:  # type: ignore[no-untyped-def]
    """Poll a condition the app reaches on its own (1 ms granularity in the figures)."""
    while not predicate():  # noqa: ASYNC110
        await asyncio.sleep(0.001)


def bench_browser(data_dir: Path, rare: str, runs: int) -> None:
    """Ctrl+O until the list is drawn, and each keystroke until its results are drawn.

    Keys are sent as a terminal would (no waiting for the app to go idle, which background
    work would delay); a figure ends when the list has drawn the rows of that result.
    The app reads the list in the background a second after it starts; "first" presses
    Ctrl+O after that, "cold" at once, "again" a second time.
    """
    from textual.widgets import Input

    from ollama_tui.cli import build_app
    from ollama_tui.config import Settings
    from ollama_tui.ui.screens.conversations import ConversationsScreen
    from ollama_tui.ui.widgets.entry_list import EntryList

    figures: dict[str, list[float]] = {"cold": [], "first": [], "again": [], "key": []}

    def drawn(app: OllamaTuiApp, query: str | None = None) -> bool:
        """The browser shows the results of `query` (else of what its field holds)."""
        screen = app.screen
        if not isinstance(screen, ConversationsScreen) or not screen._matches:
            return False
        if query is None:
            query = screen.query_one("#query", Input).value
        return screen._words == query.split() and bool(screen.query_one(EntryList)._drawn)

    async def open_browser(app: OllamaTuiApp, figure: str) -> None:
        began = time.perf_counter()
        app.simulate_key("ctrl+o")
        await _until(lambda: drawn(app))
        figures[figure].append((time.perf_counter() - began) * 1000)

    async def once(cold: bool) -> None:
        (data_dir / "workspace.json").unlink(missing_ok=True)
        app = build_app(Settings(host="127.0.0.1:9", data_dir=data_dir))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            if cold:
                await open_browser(app, "cold")
                await _quit(app)
                return
            library = app.backend.library
            await _until(lambda: library.entries and library.index.progress.complete)
            await open_browser(app, "first")
            for count in range(1, 7):
                began = time.perf_counter()
                app.simulate_key(rare[count - 1])
                await _until(lambda n=count: drawn(app, rare[:n]))
                figures["key"].append((time.perf_counter() - began) * 1000)
            screen = app.screen
            assert isinstance(screen, ConversationsScreen) and len(screen._matches) == 1
            await pilot.press("escape")
            await open_browser(app, "again")
            await _quit(app)

    for _ in range(runs):
        asyncio.run(once(cold=False))
        asyncio.run(once(cold=True))
    _report("browser: Ctrl+O until the list is drawn (first)", figures["first"], "< 300 ms")
    _report("browser: Ctrl+O right at start-up (cold)", figures["cold"], "-")
    _report("browser: Ctrl+O again", figures["again"], "< 300 ms")
    _report("browser: one keystroke until its results are drawn", figures["key"], "< 100 ms")


def bench_open_long(data_dir: Path, long_id: str, runs: int) -> None:
    from ollama_tui.cli import build_app
    from ollama_tui.config import Settings

    async def once() -> float:
        # The server is unreachable on purpose: only opening the conversation is measured,
        # from a workspace with no tabs to reopen.
        (data_dir / "workspace.json").unlink(missing_ok=True)
        app = build_app(Settings(host="127.0.0.1:9", data_dir=data_dir))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            drawn = asyncio.Event()
            began = time.perf_counter()
            await app.tabs.open_conversation(long_id)  # loads, mounts the tab and its recent turns
            app.refresh()  # a frame is due anyway; ask for it so the callback below must run
            app.call_after_refresh(drawn.set)
            await asyncio.wait_for(drawn.wait(), 30)  # ...and the frame that shows them
            took = (time.perf_counter() - began) * 1000
            await _quit(app)
            return took

    _report(
        "open a 2,000-message conversation", [asyncio.run(once()) for _ in range(runs)], "< 300 ms"
    )


def _report(name: str, values: list[float], budget: str) -> None:
    print(
        f"{name:<56} {statistics.median(values):>8.1f} ms "
        f"({min(values):.1f}-{max(values):.1f})  budget {budget}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--data-dir", type=Path, help="reuse (or fill, when empty) this folder, not a temporary one"
    )
    args = parser.parse_args()
    # The long conversation gets a data dir of its own: opening it does not depend on how
    # many others are saved.
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        bench_open_long(data_dir, save_long(data_dir), args.runs)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = args.data_dir or Path(folder)
        if not (data_dir / "sessions").is_dir():
            began = time.perf_counter()
            generate(data_dir, args.count)
            print(
                f"generated {args.count:,} conversations in {time.perf_counter() - began:.1f} s",
                flush=True,
            )
        bench_index(data_dir)
        bench_browser(data_dir, RARE_WORD, args.runs)


if __name__ == "__main__":
    main()
