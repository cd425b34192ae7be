"""Provides the Ollama API's wire models, tolerant: unknown fields kept, missing ones default.

They come with pydantic: this module is imported by `OllamaClient.prepare`, on a thread after
the first frame, and elsewhere only by a function that makes or reads a model (annotations name
them under TYPE_CHECKING), so that the client and the services load before that frame without
them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..domain.conversation import Stats
from ..domain.text import map_strings
from .answers import server_text


class WireModel(BaseModel):
    """A newer server's extra fields survive; an older server's missing ones never break.

    Each model builds its validator when first used, not when it is defined: importing
    this module stays cheap, and `OllamaClient.prepare` builds them all after it."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class WireResponse(WireModel):
    """What a server says: every string in it, extra fields included, is made inert for a
    terminal as it is validated, so no field a server sends (or a newer server adds) can carry
    an escape sequence, or a header value it echoes, into a widget, a file, a log or the
    command line."""

    @model_validator(mode="before")
    @classmethod
    def _inert_strings(cls, data: Any) -> Any:
        return map_strings(data, server_text)


class ModelDetails(WireResponse):
    parent_model: str = ""
    format: str = ""
    family: str = ""
    families: list[str] | None = None
    parameter_size: str = ""
    quantization_level: str = ""


class ModelEntry(WireResponse):
    """One item of `/api/tags`."""

    name: str = ""
    model: str = ""
    modified_at: str = ""
    size: int = 0
    digest: str = ""
    details: ModelDetails = Field(default_factory=ModelDetails)
    capabilities: list[str] = Field(default_factory=list)


class RunningModel(WireResponse):
    """One item of `/api/ps`."""

    name: str = ""
    model: str = ""
    size: int = 0
    size_vram: int = 0
    digest: str = ""
    details: ModelDetails = Field(default_factory=ModelDetails)
    expires_at: str = ""
    context_length: int = 0


class ShowResponse(WireResponse):
    license: str = ""
    modelfile: str = ""
    parameters: str = ""
    template: str = ""
    system: str = ""
    details: ModelDetails = Field(default_factory=ModelDetails)
    model_info: dict[str, Any] = Field(default_factory=dict)
    capabilities: list[str] = Field(default_factory=list)
    modified_at: str = ""


class PullProgress(WireResponse):
    """One progress line of a pull (or push, or create)."""

    status: str = ""
    digest: str = ""
    total: int = 0
    completed: int = 0


class _Request(WireModel):
    def to_body(self, *, stream: bool) -> dict[str, Any]:
        """The JSON body: unset fields left out, as Ollama's own clients do."""
        body = {key: value for key, value in self.model_dump().items() if value is not None}
        if not body.get("options"):
            body.pop("options", None)
        body["stream"] = stream
        return body


class ChatRequest(_Request):
    model: str
    messages: list[dict[str, Any]] = Field(default_factory=list)
    tools: list[dict[str, Any]] | None = None
    """The tools the model may call, as `{"type": "function", "function": {...}}`."""
    options: dict[str, Any] | None = None
    format: str | dict[str, Any] | None = None
    keep_alive: str | int | float | None = None
    think: bool | str | None = None


class GenerateRequest(_Request):
    model: str
    prompt: str = ""
    suffix: str | None = None
    system: str | None = None
    template: str | None = None
    raw: bool | None = None
    images: list[str] | None = None
    options: dict[str, Any] | None = None
    format: str | dict[str, Any] | None = None
    keep_alive: str | int | float | None = None
    think: bool | str | None = None


class ChatResult(WireResponse):
    """A whole reply, from a non-streamed chat or generate."""

    content: str = ""
    thinking: str = ""
    done_reason: str | None = None
    stats: Stats = Field(default_factory=Stats)
    model: str = ""


def build_models() -> None:
    """Build now the validators and serializers of every wire model (`WireModel` defers
    them): from a thread after the first frame, so that neither that frame nor the first
    request waits for one."""
    pending: list[type[BaseModel]] = [WireModel]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        model.model_rebuild()
