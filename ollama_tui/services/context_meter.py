"""Provides the context meter: the tokens the last request used against the context size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain.conversation import Conversation, Role
from .model_admin import parse_parameters

if TYPE_CHECKING:
    from ..api.wire import RunningModel, ShowResponse

WARN_AT = 0.8
FULL_AT = 0.95


@dataclass(frozen=True)
class ContextUse:
    used: int
    """`prompt_eval_count + eval_count` of the last reply."""
    limit: int | None
    source: str
    """Where the limit comes from: `setting`, `loaded`, `Modelfile` or `model maximum`."""

    @property
    def fraction(self) -> float | None:
        return self.used / self.limit if self.limit else None

    @property
    def level(self) -> str:
        """`ok`, `warn` (nearing the limit) or `full` (older turns will be dropped)."""
        fraction = self.fraction or 0.0
        return "full" if fraction >= FULL_AT else "warn" if fraction >= WARN_AT else "ok"

    def describe(self) -> str:
        if not self.limit:
            return f"ctx {self.used:,} tokens"
        # The trained maximum is only an upper bound: the server may run with less.
        note = " (model max)" if self.source == "model maximum" else ""
        text = f"ctx {self.used:,}/{self.limit:,}{note} {self.fraction or 0:.0%}"
        if self.level == "full":
            text += " · full: the oldest turns are being cut"
        elif self.level == "warn":
            text += " · nearly full"
        return text

    def describe_briefly(self) -> str:
        """The same in few columns, for a narrow terminal: `ctx 27/131k 0%`."""
        if not self.limit:
            return f"ctx {_compact(self.used)}"
        text = f"ctx {_compact(self.used)}/{_compact(self.limit)} {self.fraction or 0:.0%}"
        return text + {"full": " full", "warn": " nearly full"}.get(self.level, "")


def _compact(count: int) -> str:
    """`27`, `8,192`, `131k`: a token count in at most five or six columns."""
    return f"{count:,}" if count < 10_000 else f"{count // 1000:,}k"


def tokens_used(conversation: Conversation) -> int | None:
    """Tokens the last answered request took, or None before any reply with counters."""
    for message in reversed(conversation.messages):
        if message.role is Role.ASSISTANT and message.stats is not None:
            stats = message.stats
            if stats.prompt_eval_count or stats.eval_count:
                return stats.prompt_eval_count + stats.eval_count
    return None


def context_limit(
    conversation: Conversation,
    running: list[RunningModel],
    show: ShowResponse | None,
) -> tuple[int | None, str]:
    """The context size that applies, with its source, most specific first: the
    conversation's `num_ctx`, the size the loaded model runs with (Ollama 0.10+), the
    Modelfile's `num_ctx`, then what the model was trained for."""
    setting = conversation.settings.options.get("num_ctx")
    if isinstance(setting, int) and setting > 0:
        return setting, "setting"
    model = conversation.settings.model
    for item in running:
        if model in (item.name, item.model) and item.context_length > 0:
            return item.context_length, "loaded"
    if show is None:
        return None, ""
    values = parse_parameters(show.parameters).get("num_ctx")
    if values:
        try:
            return int(values[0]), "Modelfile"
        except ValueError:
            pass
    architecture = str(show.model_info.get("general.architecture") or "")
    trained = show.model_info.get(f"{architecture}.context_length")
    if isinstance(trained, (int, float)) and trained > 0:
        return int(trained), "model maximum"
    return None, ""
