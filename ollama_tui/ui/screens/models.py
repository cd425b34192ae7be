"""Provides the models screen: everything Ollama can do to models, from the keyboard."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.quantities import count_of, format_size
from ...services.catalogue import ModelChoice
from ...services.errors import OllamaError
from ...services.jobs import ModelJob
from ...services.model_admin import (
    describe_expiry,
    keep_alive_problem,
    model_name_problem,
    parse_keep_alive,
    seconds_left,
)
from ..dialogs.basic import ConfirmDialog, TextDialog
from ..dialogs.create_model import CreateDialog
from ..dialogs.embeddings import EmbedDialog
from ..dialogs.inspect_model import InspectScreen
from ..kit.keys import bindings, key_on
from ..kit.safe_text import notify_plain, plain
from ..kit.workers import background
from ..widgets.keys_footer import KeysFooter

if TYPE_CHECKING:
    from ...services.backend import Backend

POLL_SECONDS = 2.0
"""How often `/api/ps` (with the list) is asked while the screen is shown, and only then."""

COLUMNS = (
    ("name", "Name"),
    ("size", "Size"),
    ("params", "Params"),
    ("quant", "Quant"),
    ("family", "Family"),
    ("tools", "Tools"),
    ("modified", "Modified"),
    ("memory", "Memory"),
    ("gpu", "GPU"),
    ("context", "Context"),
    ("expires", "Unloads"),
)
NARROW_COLUMNS = ("name", "size", "params", "memory", "gpu", "context", "expires")
"""Below `WIDE_FROM` columns: quantisation, family and date are left to Inspect (i), so that
what is loaded, its memory, context and countdown stay on screen at 80 columns."""
WIDE_FROM = 110
NAME_CELLS = {False: 18, True: 40}
"""The most cells a model's name takes in the narrow and the wide table (longer ones end
with an ellipsis; Inspect shows them whole)."""
SORTS: tuple[tuple[str, Callable[[ModelChoice], Any]], ...] = (
    ("name", lambda m: m.name.casefold()),
    ("size", lambda m: m.size),
    ("modified", lambda m: m.modified_at),
    ("loaded", lambda m: (not m.loaded, m.name.casefold())),
)


def _modified(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")[:26]).strftime("%Y-%m-%d")
    except ValueError:
        return ""


def _shortened(text: str, cells: int) -> str:
    return text if len(text) <= cells else text[: cells - 1] + "…"


def model_row(model: ModelChoice, columns: Sequence[str], name_cells: int) -> list[Text]:
    """The cells of one model, in `columns`. Rich `Text`, never `str`: DataTable reads a str
    as markup."""
    gpu = ""
    if model.loaded and model.size_in_memory:
        gpu = f"{100 * model.size_vram // model.size_in_memory}%"
    name = Text.assemble(
        ("● ", "bold green") if model.loaded else "  ", _shortened(model.name, name_cells)
    )
    cells = {
        "size": format_size(model.size),
        "params": model.parameter_size,
        "quant": model.quantization,
        "family": model.family,
        "tools": "yes" if model.calls_tools else "",
        "modified": _modified(model.modified_at),
        "memory": format_size(model.size_in_memory) if model.loaded else "",
        "gpu": gpu,
        "context": f"{model.context_length:,}" if model.context_length else "",
        "expires": describe_expiry(seconds_left(model.expires_at)) if model.loaded else "",
    }
    return [name if key == "name" else Text(cells[key]) for key in columns]


def job_line(job: ModelJob) -> Content:
    state = job.state
    head = plain(f"{job.verb} {job.model}").stylize("bold")
    if job.error:
        return head + Content(" · ") + plain(job.error).stylize("$text-error")
    if job.cancelled:
        return head + Content.styled(" · cancelled (pulling again resumes)", "$warning")
    parts = [plain(state.status)]
    if state.fraction is not None and job.verb != "create":
        parts.append(Content(f"{state.fraction:.0%} of {format_size(state.total)}"))
        # Layers arrive one after another: how many there are is known only at the end.
        parts.append(Content(f"layer {len(state.layers)}"))
    if job.running and state.bytes_per_second:
        parts.append(Content(f"{format_size(int(state.bytes_per_second))}/s"))
        if state.seconds_left is not None:
            parts.append(
                Content(f"{int(state.seconds_left) // 60}m{int(state.seconds_left) % 60:02}s left")
            )
    if job.succeeded:
        parts = [Content.styled("done", "$success")]
    return head + Content(" · ") + Content(" · ").join(parts)


@dataclass(frozen=True)
class UseModel:
    """What the models screen is left with: a model (of the default host) to use in a new
    conversation, or `here`, in the current one."""

    model: str
    here: bool = False


class ModelsScreen(Screen[UseModel | None]):
    """Installed models, what is loaded, and the jobs (pull, push, create) of this session.

    `conversations_using(model)`: the titles of the open conversations that use a model,
    named before it is deleted.
    """

    BINDINGS = bindings("models")

    def __init__(self, backend: Backend, conversations_using: Callable[[str], list[str]]) -> None:
        super().__init__(classes="models-screen")
        self.backend = backend
        self._conversations_using = conversations_using
        self._wide: bool | None = None
        """Whether the table has every column; None before it has any."""
        self._sort = 0
        self._stop_listening: list[Callable[[], None]] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("Models"), id="models-title")
        yield DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        yield OptionList(id="jobs")
        yield Static("", id="models-note", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#jobs", OptionList).display = False
        backend = self.backend
        self.query_one("#models-title", Static).update(plain(f"Models on {backend.host_label}"))
        self._stop_listening = [
            backend.jobs.listen(self._show_jobs),
            backend.catalogue.listen(self._catalogue_changed),
        ]
        self._show_jobs()
        if self.models:
            self._fill_table()
        self.refresh_models()
        self.set_interval(POLL_SECONDS, self._poll)
        self.set_interval(1.0, self._tick)

    def on_unmount(self) -> None:
        for stop in self._stop_listening:
            stop()

    @property
    def models(self) -> list[ModelChoice]:
        """The catalogue's models: the same list the app and the picker read."""
        return self.backend.catalogue.models or []

    # -- the list -------------------------------------------------------------------------

    def _poll(self) -> None:
        if self.app.screen is self:  # not while a dialog covers it
            self.refresh_models()

    @background("Listing the models", group="models-list", exclusive=True)
    async def refresh_models(self) -> None:
        """Ask for the catalogue again; what it holds comes back to `_catalogue_changed`."""
        with contextlib.suppress(OllamaError):  # the catalogue keeps the problem and says it
            await self.backend.catalogue.refresh()

    def _catalogue_changed(self) -> None:
        """Told only when the list or its problem changed: polled every 2 s, the table is
        redrawn only then."""
        problem = self.backend.catalogue.problem
        if problem is not None:
            self.query_one("#models-note", Static).update(plain(f"Cannot list models: {problem}"))
        else:
            self._fill_table()

    def on_resize(self) -> None:
        if self._set_columns() and self.models:
            self._fill_table()

    def _set_columns(self) -> bool:
        """The columns for the screen's width; whether they changed (the rows are gone then)."""
        wide = self.size.width >= WIDE_FROM
        if wide == self._wide:
            return False
        self._wide = wide
        table: DataTable[Text] = self.query_one("#models-table", DataTable)
        table.clear(columns=True)
        for column, label in COLUMNS:
            if wide or column in NARROW_COLUMNS:
                table.add_column(label, key=column)
        return True

    def _fill_table(self) -> None:
        table: DataTable[Text] = self.query_one("#models-table", DataTable)
        current = self.current_model
        self._set_columns()
        wide = bool(self._wide)
        columns = [str(column.key.value) for column in table.ordered_columns]
        name, key = SORTS[self._sort]
        ordered = sorted(self.models, key=key, reverse=name in ("size", "modified"))
        table.clear()
        for model in ordered:
            table.add_row(*model_row(model, columns, NAME_CELLS[wide]), key=model.name)
        if current is not None and current.name in {m.name for m in ordered}:
            table.move_cursor(row=table.get_row_index(current.name), animate=False)
        loaded = sum(m.loaded for m in self.models)
        self.query_one("#models-note", Static).update(
            plain(
                f"{len(self.models)} installed · {loaded} loaded · sorted by {name}"
                if self.models
                else "No models installed yet: p pulls one."
            )
        )

    def _tick(self) -> None:
        """The countdowns, from `expires_at`, without asking the server."""
        table: DataTable[Text] = self.query_one("#models-table", DataTable)
        for model in self.models:
            if model.loaded and model.name in table.rows:
                left = describe_expiry(seconds_left(model.expires_at))
                table.update_cell(model.name, "expires", Text(left))

    @property
    def current_model(self) -> ModelChoice | None:
        table: DataTable[Text] = self.query_one("#models-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((m for m in self.models if m.name == key), None)

    # -- jobs -----------------------------------------------------------------------------

    def _show_jobs(self, job: ModelJob | None = None) -> None:
        """The jobs panel, redrawn on every change of any job (the app reloads the catalogue
        when one succeeds)."""
        jobs = self.backend.jobs.jobs
        panel = self.query_one("#jobs", OptionList)
        panel.display = bool(jobs)
        highlighted = panel.highlighted
        panel.set_options(Option(job_line(job), id=str(job.number)) for job in reversed(jobs))
        if jobs:
            panel.highlighted = min(highlighted or 0, len(jobs) - 1)

    def action_cancel_job(self) -> None:
        jobs = self.backend.jobs
        listed = list(reversed(jobs.jobs))
        panel = self.query_one("#jobs", OptionList)
        chosen = (
            listed[panel.highlighted] if panel.has_focus and panel.highlighted is not None else None
        )
        if chosen is None:
            chosen = next((job for job in listed if job.running), None)
        if chosen is not None and chosen.running:
            jobs.cancel(chosen)
            return
        if chosen is not None:
            jobs.clear(chosen)
            cleared = 1
        else:
            cleared = jobs.clear_ended()
        if cleared:
            notify_plain(self.app, f"Cleared {cleared} finished job{'s' if cleared != 1 else ''}.")
        else:
            notify_plain(self.app, "No jobs to stop or clear.")
        self._show_jobs()

    # -- actions --------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.refresh_models()

    def action_sort(self) -> None:
        self._sort = (self._sort + 1) % len(SORTS)
        self._fill_table()

    def action_use(self) -> None:
        model = self.current_model
        if model is not None and self._chats(model):
            self.dismiss(UseModel(model.name))

    def action_use_here(self) -> None:
        model = self.current_model
        if model is not None and self._chats(model):
            self.dismiss(UseModel(model.name, here=True))

    def _chats(self, model: ModelChoice) -> bool:
        """Whether `model` can write replies; if not, says so before a request fails."""
        if model.embeds_only:
            notify_plain(
                self.app,
                f"{model.name} only makes embeddings: it cannot chat. "
                f"{key_on(self, 'models.embed')} compares texts' embeddings with it.",
                severity="warning",
            )
        return not model.embeds_only

    def action_inspect(self) -> None:
        model = self.current_model
        if model is not None:
            self.app.push_screen(InspectScreen(self.backend, model.name))

    def action_pull(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self.backend.jobs.pull(name)

        self.app.push_screen(
            TextDialog(Content("Pull which model? (like llama3.2:1b)"), problem=model_name_problem),
            chosen,
        )

    def action_push(self) -> None:
        model = self.current_model
        if model is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.backend.jobs.push(model.name)

        question = (
            Content("Push ")
            + plain(model.name).stylize("bold")
            + Content(" to its registry (ollama.com unless the name says otherwise)?")
        )
        self.app.push_screen(ConfirmDialog(question), confirmed)

    def action_create(self) -> None:
        model = self.current_model
        self.app.push_screen(CreateDialog(self.backend, model.name if model else ""))

    def action_copy(self) -> None:
        model = self.current_model
        if model is None:
            return

        def chosen(name: str | None) -> None:
            if not name:
                return
            self._change(
                lambda: self.backend.copy(model.name, name),
                "Not copied",
                f"Copied it to {name}.",
            )

        self.app.push_screen(
            TextDialog(
                plain(f"Copy {model.name} to"),
                f"{model.name.split(':')[0]}-copy",
                problem=model_name_problem,
            ),
            chosen,
        )

    def action_delete(self) -> None:
        model = self.current_model
        if model is None:
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            self._change(
                lambda: self.backend.delete(model.name), "Not deleted", f"Deleted {model.name}."
            )

        users = self._conversations_using(model.name)
        question = (
            Content("Delete ")
            + plain(model.name).stylize("bold")
            + Content(f" ({format_size(model.size)}) from the server?")
        )
        if users:
            question = (
                plain(
                    f"{count_of(len(users), 'open conversation')} "
                    f"{'uses' if len(users) == 1 else 'use'} "
                    f"{model.name} ({', '.join(users[:3])}): they will need another model. "
                )
                + question
            )
        self.app.push_screen(ConfirmDialog(question), confirmed)

    def action_load(self) -> None:
        model = self.current_model
        if model is None:
            return

        def chosen(keep_alive: str | None) -> None:
            if keep_alive is None:
                return
            notify_plain(self.app, f"Loading {model.name}…")
            self._change(
                lambda: self.backend.load(model.name, parse_keep_alive(keep_alive)),
                "Not loaded",
                f"{model.name} is loaded.",
            )

        self.app.push_screen(
            TextDialog(
                plain(f"Load {model.name} and keep it for (5m, 1h, 300 seconds, -1 for ever)"),
                "5m",
                problem=keep_alive_problem,
            ),
            chosen,
        )

    def action_unload(self) -> None:
        model = self.current_model
        if model is None:
            return
        notify_plain(self.app, f"Unloading {model.name}…")
        self._change(
            lambda: self.backend.unload(model.name), "Not unloaded", f"Unloaded {model.name}."
        )

    @background("Changing the models", group="models-change")
    async def _change(
        self, request: Callable[[], Awaitable[object]], failed: str, done: str
    ) -> None:
        """Run one request that changes the server's models, then say how it went and list
        them again. A worker: unloading waits up to seconds for the server to let go, and
        keys go on working meanwhile."""
        try:
            await request()
        except OllamaError as error:
            notify_plain(self.app, f"{failed}: {error.message}", severity="error")
            return
        notify_plain(self.app, done)
        self.refresh_models()

    def action_embed(self) -> None:
        model = self.current_model
        if model is not None:
            self.app.push_screen(EmbedDialog(self.backend, model.name))
