"""Provides what the models screen does to models: names, create in both server forms,
embeddings compared, and the facts worth showing from `/api/show` and `/api/ps`."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..api.errors import StreamIncomplete
from ..domain.conversation import utc_now

if TYPE_CHECKING:
    from ..api.client import OllamaClient
    from ..api.version import ServerVersion
    from ..api.wire import ShowResponse

_PART = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_MODEL_NAME = re.compile(
    rf"^(?:{_PART}(?::\d+)?/)?(?:{_PART}/)?{_PART}(?::[A-Za-z0-9_][A-Za-z0-9._-]{{0,127}})?$"
)


def model_name_problem(name: str) -> str | None:
    """Why `name` is not a model name Ollama accepts, or None when it is."""
    if not name.strip():
        return "Type a model name, like llama3.2:1b."
    if name != name.strip() or not _MODEL_NAME.match(name) or len(name) > 350:
        return (
            "A model name is [host/][namespace/]name[:tag] with letters, digits, '.', '_' "
            "and '-' (like llama3.2:1b or me/pirate:latest)."
        )
    return None


_DURATION = re.compile(r"^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


def parse_keep_alive(text: str) -> float | str:
    """A keep-alive as Ollama takes it: a number of seconds, or a Go duration like `5m`.

    Raises:
        ValueError: with what to type instead (a bare numeric *string* is refused by the
            server, so digits are sent as a number).
    """
    value = text.strip()
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        pass
    if _DURATION.match(value):
        return value
    raise ValueError("Type seconds (300), a duration (5m, 1h30m), 0 to unload or -1 for ever.")


def keep_alive_problem(text: str) -> str | None:
    """Why `text` is not a keep-alive the server takes, or None."""
    try:
        parse_keep_alive(text)
    except ValueError as error:
        return str(error)
    return None


# -- create ---------------------------------------------------------------------------------


@dataclass
class CreateSpec:
    """A new model from a base: what the create form holds."""

    name: str
    base: str
    system: str = ""
    template: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    """Option name -> value; `stop` is a list of strings."""
    messages: list[dict[str, str]] = field(default_factory=list)
    """Turns the model starts from (`role`, `content`), as `ollama run`'s `/save` keeps them."""


def _modelfile_text(label: str, text: str) -> str:
    if '"""' in text:
        raise ValueError(f'The {label} cannot hold """ on servers before 0.5.5 (Modelfile form).')
    return f'"""{text}"""'


def modelfile_for(spec: CreateSpec) -> str:
    """The Modelfile servers before 0.5.5 take."""
    lines = [f"FROM {spec.base}"]
    if spec.system:
        lines.append(f"SYSTEM {_modelfile_text('system prompt', spec.system)}")
    if spec.template:
        lines.append(f"TEMPLATE {_modelfile_text('template', spec.template)}")
    for key, value in spec.parameters.items():
        for item in value if isinstance(value, list) else [value]:
            shown = f'"{item}"' if isinstance(item, str) else str(item)
            lines.append(f"PARAMETER {key} {shown}")
    for message in spec.messages:
        text = _modelfile_text("conversation", message["content"])
        lines.append(f"MESSAGE {message['role']} {text}")
    return "\n".join(lines) + "\n"


def create_body(spec: CreateSpec, version: ServerVersion) -> dict[str, Any]:
    """The `/api/create` body in the form this server takes (protocol: create).

    Raises:
        ValueError: the spec cannot be written as a Modelfile (old servers only).
    """
    if not version.has_create_from:
        return {"model": spec.name, "modelfile": modelfile_for(spec)}
    body: dict[str, Any] = {"model": spec.name, "from": spec.base}
    if spec.system:
        body["system"] = spec.system
    if spec.template:
        body["template"] = spec.template
    if spec.parameters:
        body["parameters"] = spec.parameters
    if spec.messages:
        body["messages"] = spec.messages
    return body


async def create_model(
    client: OllamaClient,
    version: ServerVersion,
    spec: CreateSpec,
    on_status: Callable[[str], None],
) -> None:
    """Create the model, reporting each status line as the server sends it.

    Raises:
        ValueError (see `create_body`), OllamaError (the server's message verbatim).
    """
    body = create_body(spec, version)
    succeeded = False
    async with client.create_stream(body) as lines:
        async for line in lines:
            if line.status:
                on_status(line.status)
            succeeded = succeeded or line.status == "success"
    if not succeeded:
        raise StreamIncomplete(f"Creating {spec.name} ended before the server reported success.")


async def unload_model(client: OllamaClient, model: str, *, wait: float = 5.0) -> bool:
    """Unload `model`, then wait (up to `wait` s) until `/api/ps` no longer lists it: the
    server answers before its scheduler has let go. Returns whether it is gone."""
    await client.unload(model)
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        running = [m.name or m.model for m in await client.ps()]
        if model not in running:
            return True
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.1)


# -- embeddings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbeddingReport:
    texts: list[str]
    dimensions: list[int]
    norms: list[float]
    similarities: dict[tuple[int, int], float]
    """(i, j) with i < j -> cosine similarity of texts i and j."""


def compare_embeddings(texts: list[str], vectors: list[list[float]]) -> EmbeddingReport:
    norms = [math.sqrt(sum(x * x for x in vector)) for vector in vectors]
    similarities: dict[tuple[int, int], float] = {}
    for i in range(len(vectors)):
        for j in range(i + 1, len(vectors)):
            dot = sum(a * b for a, b in zip(vectors[i], vectors[j], strict=False))
            scale = norms[i] * norms[j]
            similarities[(i, j)] = dot / scale if scale else 0.0
    return EmbeddingReport(texts, [len(v) for v in vectors], norms, similarities)


async def embed_texts(client: OllamaClient, model: str, texts: list[str]) -> EmbeddingReport:
    return compare_embeddings(texts, await client.embed(model, texts))


# -- what is worth showing ------------------------------------------------------------------


def model_facts(show: ShowResponse) -> list[tuple[str, str]]:
    """Architecture, context and embedding length, and the rest of `details`, as label/value."""
    info = show.model_info
    architecture = str(info.get("general.architecture") or show.details.family or "")
    facts: list[tuple[str, str]] = []
    if architecture:
        facts.append(("architecture", architecture))
    for key, label in (
        ("context_length", "context length"),
        ("embedding_length", "embedding length"),
        ("block_count", "layers"),
        ("attention.head_count", "attention heads"),
    ):
        value = info.get(f"{architecture}.{key}")
        if isinstance(value, (int, float)):
            facts.append((label, f"{int(value):,}"))
    count = info.get("general.parameter_count")
    if isinstance(count, (int, float)):
        facts.append(("parameters", f"{int(count):,}"))
    details = show.details
    for label, value in (
        ("parameter size", details.parameter_size),
        ("quantization", details.quantization_level),
        ("format", details.format),
        ("family", details.family),
    ):
        if value:
            facts.append((label, value))
    if show.capabilities:
        facts.append(("capabilities", ", ".join(show.capabilities)))
    return facts  # wire strings are inert already (api.wire.WireResponse)


def parse_parameters(text: str) -> dict[str, list[str]]:
    """`/api/show`'s `parameters` text (`stop "<|im_end|>"` per line) as name -> values."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        name, _, value = line.strip().partition(" ")
        if name:
            found.setdefault(name, []).append(value.strip().strip('"'))
    return found


def seconds_left(expires_at: str, now: datetime | None = None) -> float | None:
    """Seconds until a loaded model is unloaded; None when unknown."""
    if not expires_at:
        return None
    try:
        moment = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        # Go writes up to nanoseconds; Python before 3.11 takes at most microseconds.
        trimmed = re.sub(r"(\.\d{6})\d+", r"\1", expires_at.replace("Z", "+00:00"))
        try:
            moment = datetime.fromisoformat(trimmed)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - (now or utc_now())).total_seconds()


def describe_expiry(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds > 10 * 365 * 86400:
        return "kept loaded"
    if seconds <= 0:
        return "unloading"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02}m" if hours else f"{minutes}:{secs:02}"
