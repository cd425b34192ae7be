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
    rare = "quuxplorification"
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


def bench_library(data_dir: Path, rare: str, runs: int) -> None:
    opened, per_key = [], []
    for _ in range(runs):
        library = ConversationLibrary(SessionStore(data_dir))
        opened.append(_timed(library.refresh))
        typed = ""
        for char in rare[:6]:
            typed += char
            per_key.append(_timed(lambda q=typed, lib=library: lib.search(q)))
        assert [m.entry for m in library.search(rare)], "the rare word must be found"
    _report("browser: list every conversation (open the screen)", opened, "< 300 ms")
    _report("browser: filter one keystroke, full text included", per_key, "< 100 ms")


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
            await app.open_conversation(long_id)  # loads, mounts the tab and its recent turns
            app.refresh()  # a frame is due anyway; ask for it so the callback below must run
            app.call_after_refresh(drawn.set)
            await asyncio.wait_for(drawn.wait(), 30)  # ...and the frame that shows them
            took = (time.perf_counter() - began) * 1000
            await pilot.press("ctrl+q")
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
    args = parser.parse_args()
    # The long conversation gets a data dir of its own: opening it does not depend on how
    # many others are saved. (With 10,000 beside it, the second app of a run in this process
    # has been seen to stall; not understood yet, and not seen in the app's own tests.)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        bench_open_long(data_dir, save_long(data_dir), args.runs)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        began = time.perf_counter()
        rare = generate(data_dir, args.count)
        print(
            f"generated {args.count:,} conversations in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        bench_library(data_dir, rare, args.runs)


if __name__ == "__main__":
    main()
