"""Provides the throughput test's dialog: the plan as a form filled with the tutorial's
defaults, the run's progress live, and its figures and sentence at the end."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker

from ...domain.auto_host import AUTO_HOST
from ...services.errors import OllamaError, StoreError
from ...services.throughput import (
    DEFAULT_NUM_PREDICT,
    DEFAULT_PROMPT,
    DEFAULT_REQUESTS,
    Progress,
    SaveFormat,
    ThroughputPlan,
    ThroughputResult,
)
from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeInput, plain
from ..kit.workers import background
from ..widgets.form import Form, FormField

Measure = Callable[[ThroughputPlan, Callable[[Progress], None]], Awaitable[ThroughputResult]]
Save = Callable[[ThroughputResult, SaveFormat], Path]


def notes_text(notes: tuple[str, ...]) -> str:
    """What `auto` said of its hosts (one left out and why, one back), a line each."""
    return f"Hosts on {AUTO_HOST}:\n" + "\n".join(f"- {note}" for note in notes) if notes else ""


def result_text(result: ThroughputResult) -> str:
    """The figures as an aligned table under the sentence, then what `auto` said of its
    hosts: which were left out, and why."""
    rows = [("mode", "one after another", "all at once"), *result.table()]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = [
        f"{label:<{widths[0]}}  {first:>{widths[1]}}  {second:>{widths[2]}}"
        for label, first, second in rows
    ]
    failures = [t.error for mode in result.modes() for t in mode.timings if t.error]
    if failures:
        lines.append(f"first failure: {failures[0]}")
    if result.notes:
        lines += ["", notes_text(result.notes)]
    return f"{result.verdict()}\n\n" + "\n".join(lines)


class ThroughputDialog(ModalScreen[None]):
    """Measure the conversation's host (on `auto`, its hosts together): Enter starts,
    Escape stops the run or closes."""

    BINDINGS = bindings("throughput")

    def __init__(self, model: str, subject: str, measure: Measure, save: Save) -> None:
        """`subject`: what is measured ("the server HOST:PORT"), for the title."""
        super().__init__(classes="dialog-screen")
        self.model = model
        self.subject = subject
        self._measure = measure
        self._save = save
        self._run: Worker[None] | None = None
        self.result: ThroughputResult | None = None

    def compose(self) -> ComposeResult:
        start, close = key_on(self, "throughput.start"), key_on(self, "throughput.close")
        save = key_on(self, "throughput.save")
        with Form(
            plain(f"Measure {self.subject}"),
            plain(f"Tab: next field · {start}: start · {close}: stop or close · {save}: save"),
        ):
            yield FormField("Model", SafeInput(self.model, id="model", compact=True))
            yield FormField("Prompt", SafeInput(DEFAULT_PROMPT, id="prompt", compact=True))
            yield FormField(
                "Requests", SafeInput(str(DEFAULT_REQUESTS), id="requests", compact=True)
            )
            yield FormField(
                "num_predict",
                SafeInput(str(DEFAULT_NUM_PREDICT), id="num_predict", compact=True),
            )
            yield FormField(
                "Save as", SafeInput("md", id="format", placeholder="md or json", compact=True)
            )
            yield Static(
                Content(
                    "One request loads the model, then the requests run one after "
                    "another, then all at once."
                ),
                id="throughput-progress",
            )
            yield Static("", id="throughput-result", markup=False)

    def on_mount(self) -> None:
        self.query_one("#model", SafeInput).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", SafeInput).value.strip()

    def _plan(self) -> ThroughputPlan | None:
        """The plan typed, or None with what is wrong shown under the form."""
        form = self.query_one(Form)
        problems: dict[str, str] = {}
        numbers: dict[str, int] = {}
        for field, label in (("requests", "Requests"), ("num_predict", "num_predict")):
            try:
                numbers[field] = int(self._value(field))
            except ValueError:
                problems[field] = f"{label}: a whole number"
        if self._value("format") not in ("md", "json"):
            problems["format"] = "Save as: md or json"
        plan = None
        if not problems:
            try:
                plan = ThroughputPlan(self._value("model"), self._value("prompt"), **numbers)
            except ValueError as error:
                problems["model"] = str(error)
        form.show_problems(problems)
        return plan

    def action_start(self) -> None:
        if self._run is not None and self._run.is_running:
            return
        plan = self._plan()
        if plan is None:
            return
        self.result = None
        self.query_one("#throughput-result", Static).update("")
        self._run = self.run_test(plan)

    @background("Measuring the server", group="throughput", exclusive=True)
    async def run_test(self, plan: ThroughputPlan) -> None:
        shown = self.query_one("#throughput-progress", Static)
        try:
            result = await self._measure(plan, self._show_progress)
        except OllamaError as error:
            shown.update(plain(f"The warm-up request failed: {error.message}"))
            return
        self.result = result
        shown.update(plain(f"Done: {plan.requests} requests each way, {plan.model}."))
        self.query_one("#throughput-result", Static).update(plain(result_text(result)))
        # The fields keep focus (to run again): bring the figures into view below them.
        form = self.query_one(Form)
        form.call_after_refresh(form.scroll_end, animate=False)

    def _show_progress(self, progress: Progress) -> None:
        if progress.phase == "warm-up":
            text = "Warm-up: loading the model…" if not progress.done else "Warm-up done."
        else:
            text = f"{progress.phase.capitalize()}: {progress.done} of {progress.total} ended"
        self.query_one("#throughput-progress", Static).update(plain(text))
        if progress.notes:  # live, where the result will be: which hosts serve, and why not
            self.query_one("#throughput-result", Static).update(plain(notes_text(progress.notes)))

    def action_save(self) -> None:
        if self.result is None:
            self.query_one(Form).show_problems({"": "Nothing measured yet to save."})
            return
        self.save_result(self.result, "json" if self._value("format") == "json" else "md")

    @background("Saving the measurement", group="throughput-save", thread=True)
    def save_result(self, result: ThroughputResult, kind: SaveFormat) -> None:
        try:
            path = self._save(result, kind)
        except (OSError, StoreError) as error:
            self.app.call_from_thread(self._saved, f"Cannot save: {error}", problem=True)
            return
        self.app.call_from_thread(self._saved, f"Saved as {path}")

    def _saved(self, text: str, *, problem: bool = False) -> None:
        self.query_one(Form).show_problems({"": text} if problem else {})
        if not problem:
            self.query_one("#throughput-progress", Static).update(plain(text))

    def action_close(self) -> None:
        if self._run is not None and self._run.is_running:
            self._run.cancel()
            self.query_one("#throughput-progress", Static).update(
                Content("Stopped: nothing was measured.")
            )
            return
        self.dismiss(None)
