"""The reply every streaming benchmark asks for: realistic Markdown, cut into word tokens.

A model's answer mixes headings, lists, a fenced code block, a table and a quote; each of them
costs a Markdown renderer something different, so the reply holds all of them. The last token
is a marker word in a paragraph of its own, so its first appearance on the terminal is the
moment the reply's end was drawn.
"""

from __future__ import annotations

import re

END_MARKER = "ZQXEND"
"""Letters no section below holds, so the marker cannot appear on screen before the end."""

SECTIONS = (
    "## Setting up the worker\n\n"
    "The **worker** reads jobs from the queue and writes each result to `postgres`; "
    "every step below is safe to run again after a failure.\n\n",
    "1. Install the package with `pip install worker`\n"
    "2. Write the *config* file next to the service\n"
    "3. Start the queue\n"
    "   - locally, with Docker\n"
    "   - or on the cluster, with the chart\n\n",
    "```python\n"
    "def handler(event, context):\n"
    '    for item in event["items"]:\n'
    "        process(item, retries=3)\n"
    '    return {"status": 200, "count": len(event["items"])}\n'
    "```\n\n",
    "| option | default | meaning |\n"
    "|---|---|---|\n"
    "| `retries` | 3 | attempts per job |\n"
    "| `timeout` | 30 s | per attempt |\n"
    "| `batch` | 64 | jobs per fetch |\n\n",
    "> **Note:** the queue keeps a job until a worker acknowledges it, "
    "so a crash never loses work.\n\n",
    "### Checking it\n\n"
    "Run the tests, then watch the metrics for a minute: latency should stay flat "
    "while the batch grows, and memory should not climb.\n\n",
)

FILLER = "The numbers above hold for one worker and scale with the number of workers."


def _tokens(text: str) -> list[str]:
    """Words with the white space after them, as a model's tokenizer roughly cuts text."""
    return re.findall(r"\S+\s*", text)


def markdown_tokens(count: int) -> list[str]:
    """`count` tokens of Markdown: whole sections in turn, then a closing paragraph of filler
    words, so the marker (the last token) never lands inside a fence or a table."""
    if count < 2:
        raise ValueError("a reply needs at least two tokens")
    chunks: list[str] = []
    section = 0
    while True:
        tokens = _tokens(SECTIONS[section % len(SECTIONS)])
        if len(chunks) + len(tokens) > count - 2:
            break
        chunks += tokens
        section += 1
    filler = _tokens(FILLER + " ")
    chunks += [filler[index % len(filler)] for index in range(count - 1 - len(chunks))]
    chunks.append(END_MARKER)
    return chunks
