"""Provides the fixed world every snapshot is taken in: the server's models, the saved
conversations and the time, all the same from run to run."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.fake_ollama.server import FakeOllama

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
"""The time on every clock the app reads while a snapshot is taken."""
HOST = "http://ollama.test:11434"
"""The host the app is told to use; the fake server answers for it as an HTTP proxy, so the
screen shows this fixed name instead of the fake's random port."""
GPU_HOST = "http://gpu.test:11434"
"""A second host, answered by the same fake server as its proxy: the same models."""
OFFLINE_HOST = "http://127.0.0.1:9"
"""A host where nothing listens (the discard port): the offline state."""

# A 1x1 red PNG, as an attached image is kept in the file.
RED_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAA"
    "AABJRU5ErkJggg=="
)

LONG_REPLY = """\
# Ownership in Rust

Every value has **one owner**, and the value is dropped when its owner goes out of scope.
Borrowing lends it out without moving it: `&T` to read, `&mut T` to change.

## The three rules

1. Each value has a single owner.
2. There can be many `&T` *or* one `&mut T` at a time, never both.
3. A reference never outlives what it points to.

```rust
fn longest<'a>(x: &'a str, y: &'a str) -> &'a str {
    if x.len() > y.len() { x } else { y }
}

fn main() {
    let first = String::from("ownership");
    let answer = longest(&first, "borrowing");
    println!("the longer word is {answer}");
}
```

| rule | checked | cost at run time |
| --- | --- | --- |
| one owner | at compile time | none |
| borrows | at compile time | none |

> The borrow checker rejects the program instead of letting it crash later.

Read more in *The Rust Programming Language*, chapter 4.
"""

THINKING = (
    "The user asks about ownership. Start with the rule of one owner, then borrowing, "
    "then lifetimes with a short example that compiles."
)

INVOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "total": {"type": "number"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
                "required": ["name", "price"],
            },
        },
    },
    "required": ["number", "total", "items"],
}
INVOICE_REPLY = (
    '{"number": "INV-2026-0042", "total": 41.5, "items": [{"name": "Coffee beans", '
    '"price": 18.5}, {"name": "Filter papers", "price": 4}, {"name": 3, "price": 19}]}'
)


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _message(
    number: int, role: str, content: str, moment: datetime, **fields: Any
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": f"01SNAPMSG{number:017d}",
        "role": role,
        "content": content,
        "created_at": _stamp(moment),
    }
    if role == "assistant":
        message.update(
            {
                "thinking": "",
                "model": "llama3.2:latest",
                "status": "complete",
                "error": None,
                "done_reason": "stop",
                "stats": {
                    "prompt_eval_count": 26,
                    "eval_count": 298,
                    "eval_duration": 4_120_000_000,
                    "total_duration": 4_630_000_000,
                },
            }
        )
    message.update(fields)
    return message


def _conversation(
    number: int,
    title: str,
    updated: datetime,
    messages: list[dict[str, Any]],
    *,
    settings: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "schema": "ollama-tui/session",
        "version": 1,
        "id": f"01SNAPCONV{number:016d}",
        "title": title,
        "created_at": _stamp(updated - timedelta(minutes=3)),
        "updated_at": _stamp(updated),
        "host": HOST,
        "host_name": "default",
        "settings": {
            "model": "llama3.2:latest",
            "system": None,
            "options": {},
            "format": None,
            "think": None,
            "keep_alive": None,
            **(settings or {}),
        },
        "messages": messages,
        **fields,
    }


def saved_conversations() -> list[dict[str, Any]]:
    """The conversations in the data dir, newest first."""
    hours = [NOW - timedelta(hours=h) for h in (2, 26, 80, 24 * 20, 24 * 400)]
    rust_at = hours[0]
    first_reply = _message(
        3,
        "assistant",
        "Ownership means each value has one owner; borrowing lends it out.",
        rust_at,
    )
    rust = _conversation(
        1,
        "Explain ownership in Rust with an example",
        rust_at,
        [
            _message(
                1,
                "user",
                "Explain ownership in Rust with an example.\nKeep it short:\n"
                "    fn main() {}\nis where it starts.",
                rust_at,
                images=[RED_PNG],
                attachments=["red.png"],
            ),
            _message(
                2,
                "assistant",
                LONG_REPLY,
                rust_at,
                thinking=THINKING,
                alternatives=[[first_reply]],
                version=1,
            ),
        ],
    )
    invoice = _conversation(
        2,
        "Extract the invoice fields as JSON",
        hours[1],
        [
            _message(4, "user", "Extract the invoice fields from the scan.", hours[1]),
            _message(5, "assistant", INVOICE_REPLY, hours[1], format=INVOICE_SCHEMA),
        ],
        settings={"format": INVOICE_SCHEMA, "options": {"temperature": 0}},
    )
    cafe = _conversation(
        3,
        "Café au lait at home",
        hours[2],
        [
            _message(6, "user", "How do I make a café au lait without a machine?", hours[2]),
            _message(
                7,
                "assistant",
                "Heat the milk gently, brew strong coffee, and pour both at once.",
                hours[2],
            ),
        ],
    )
    sky = _conversation(
        4,
        "Why is the sky blue?",
        hours[3],
        [
            _message(8, "user", "Why is the sky blue?", hours[3]),
            _message(9, "assistant", "Rayleigh scattering: blue light scatters most.", hours[3]),
        ],
    )
    bash = _conversation(
        5,
        "Bash one-liners for log files",
        hours[4],
        [
            _message(10, "user", "Count the lines per day in a log file.", hours[4]),
            _message(
                11,
                "assistant",
                "```sh\ncut -c1-10 app.log | sort | uniq -c\n```",
                hours[4],
                model="qwen2.5:0.5b",
            ),
        ],
    )
    future = _conversation(
        6,
        "Written by a newer version",
        hours[1] - timedelta(minutes=30),
        [
            _message(12, "user", "Hello from the future.", hours[1]),
            _message(13, "assistant", "This file has a newer format.", hours[1]),
        ],
    )
    future["version"] = 2
    lisbon = _conversation(
        7,
        "Three days in Lisbon",
        hours[3] + timedelta(days=2),
        [
            _message(14, "user", "Plan three days in Lisbon.", hours[3]),
            _message(15, "assistant", "Day one: Alfama and the castle.", hours[3]),
        ],
        settings={"model": "mistral:7b"},
    )
    for message in lisbon["messages"][1:]:
        message["model"] = "mistral:7b"
    return [rust, invoice, cafe, sky, bash, future, lisbon]


def fill_data_dir(data_dir: Path) -> None:
    """Write the saved conversations (and one file that is not JSON) as the app keeps them."""
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, mode=0o700)
    os.chmod(data_dir, 0o700)
    for conversation in saved_conversations():
        path = sessions / f"{conversation['id']}.json"
        path.write_text(json.dumps(conversation, ensure_ascii=False, indent=2), encoding="utf-8")
        path.chmod(0o600)
    broken = sessions / "01SNAPBROKEN0000000000000.json"
    broken.write_text('{"schema": "ollama-tui/session", "version": 1, "messages": [', "utf-8")
    broken.chmod(0o600)
    stamp = (NOW - timedelta(days=3)).timestamp()
    for path in sessions.iterdir():
        os.utime(path, (stamp, stamp))
    fill_prompt_library(data_dir / "prompts")


PROMPT_LIBRARY = {
    "code review": "Review this diff for bugs, unclear names and missing tests. Be specific.",
    "explain like I am twelve, with examples from everyday life": "Explain it simply.",
    "haiku poet": (
        '+++\nkind = "persona"\nmodel = "qwen2.5:0.5b"\n\n[options]\ntemperature = 0.7\n+++\n'
        "You answer every question as a haiku: three lines of five, seven and five syllables."
    ),
    "terse": '+++\nkind = "persona"\nmodel = "llama3.2:latest"\n+++\nYou are terse.',
    "translate": "Translate into French, keeping the tone:",
    "broken": '+++\nkind = "persona"\n[options]\ntop_p = 7\n+++\n',
}


def fill_prompt_library(folder: Path) -> None:
    """Saved prompts and personas, and one file the library skips."""
    folder.mkdir(mode=0o700)
    for name, text in PROMPT_LIBRARY.items():
        path = folder / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)


def set_up_server(server: FakeOllama) -> None:
    """Three models, one of them loaded with a countdown the fixed clock makes fixed."""
    server.add_model(
        "nomic-embed-text:latest",
        size=274_302_450,
        details={
            "format": "gguf",
            "family": "nomic-bert",
            "families": ["nomic-bert"],
            "parameter_size": "137M",
            "quantization_level": "F16",
        },
        _show_capabilities=["embedding"],  # what /api/show says of an embedding model
    )
    loaded = dict(server.models[0])
    loaded.update(
        size_vram=loaded["size"] // 2,
        expires_at=_stamp(NOW + timedelta(minutes=4, seconds=5)),
        context_length=4096,
    )
    server.running = [loaded]
