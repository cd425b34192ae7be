"""What the transcript's rendering engine costs: one flush of a streaming reply, and a long
reply drawn whole. Prints medians; asserts nothing (a timing test fails under load).

    python bench/render_cost.py [--repeat N]

A flush is what the transcript does at each tick while a reply streams: the tokens that
arrived since the last one are appended, and `ReplyLines.update()` renders what changed.
At 50 tokens/s and 15 flushes a second that is ~3 tokens; at 400/s, ~27. The figure to
compare with is `AssistantMessage._flush` in bench/PROFILE.md (12-15 ms per flush, plus the
30-58 ms layout each one caused), which grew with the reply.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reply import markdown_tokens
from ollama_tui.domain.conversation import Message, MessageStatus
from ollama_tui.ui.chat.render import RenderPalette, ReplyLines, render_message
from ollama_tui.ui.chat.render_lines import LastUsed

PALETTE = RenderPalette.default()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def flush_costs(tokens: list[str], width: int, per_flush: int) -> list[float]:
    """The time of each `update()` while `tokens` stream in, `per_flush` at a time."""
    LastUsed.forget_all()
    message = Message.assistant("bench")
    message.status = MessageStatus.STREAMING
    reply = ReplyLines(message, width, PALETTE)
    costs = []
    for start in range(0, len(tokens), per_flush):
        message.content += "".join(tokens[start : start + per_flush])
        began = time.perf_counter()
        reply.update()
        costs.append(time.perf_counter() - began)
    return costs


def whole_cost(tokens: list[str], width: int, repeat: int) -> float:
    """A finished reply drawn whole for the first time (nothing of it kept)."""
    message = Message.assistant("bench")
    message.content = "".join(tokens)
    message.status = MessageStatus.COMPLETE
    costs = []
    for _ in range(repeat):
        LastUsed.forget_all()
        began = time.perf_counter()
        render_message(message, width, PALETTE)
        costs.append(time.perf_counter() - began)
    return statistics.median(costs)


def _long_blocks() -> dict[str, str]:
    """Blocks that grow long in one piece: each flush renders them (or their end) again."""
    return {
        "a 300-line code block": "```python\n"
        + "".join(f"def f{i}(x):\n    return x * {i}  # note {i}\n" for i in range(150)),
        "a 60-item list": "".join(
            f"{i}. item {i} with some words that run on for a while\n" for i in range(1, 61)
        ),
        "an 8 KB paragraph": " ".join(["word"] * 1600),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    render_message(Message.user("warm up: imports"), 80, PALETTE)
    whole_cost(markdown_tokens(60), 80, 1)
    print("flush = ReplyLines.update() after the tokens of one tick (median, max of runs)")
    for count, per_flush, label in [(300, 3, "300 at 50/s"), (2000, 27, "2,000 at 400/s")]:
        tokens = markdown_tokens(count)
        for width in (160, 80):
            runs = [flush_costs(tokens, width, per_flush) for _ in range(args.repeat)]
            medians = [statistics.median(costs) for costs in runs]
            tails = [statistics.median(costs[-20:]) for costs in runs]
            print(
                f"  {label:15} {width:3} cols: flush median {_ms(statistics.median(medians))}"
                f"  last 20 flushes {_ms(statistics.median(tails))}"
                f"  max {_ms(max(max(costs) for costs in runs))}"
                f"  ({len(runs[0])} flushes)"
            )
    print("flush while one long block streams (median of the last 20 flushes, 160 cols)")
    for label, text in _long_blocks().items():
        words = [piece + " " for piece in text.split(" ")]
        runs = [flush_costs(words, 160, 6) for _ in range(args.repeat)]
        tails = [statistics.median(costs[-20:]) for costs in runs]
        print(f"  {label:28}: {_ms(statistics.median(tails))}")
    print("render_message of a finished reply, whole (median)")
    for count in (300, 2000):
        tokens = markdown_tokens(count)
        size = len("".join(tokens))
        for width in (160, 80):
            cost = whole_cost(tokens, width, args.repeat)
            print(f"  {count:5} tokens ({size / 1000:.1f} KB) {width:3} cols: {_ms(cost)}")


if __name__ == "__main__":
    main()
