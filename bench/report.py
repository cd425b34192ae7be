"""The rows of the benchmark tables, their goals (issue 14's table and DESIGN.md section 7),
and how they are printed and saved."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str
    scale: float
    """Multiplies the measured value (seconds, MB, bytes) into `unit`."""
    goal: float | None
    """The most the app may take, in `unit`; None when the row only informs."""
    peers: str = "-"
    """The best of oterm, elia and parllama in issue 14's table, for reference."""


MEASURES = (
    Measure("start", "start to ready", "s", 1, 0.5, "1.02 s (elia)"),
    Measure("enter", "Enter to the request leaving", "ms", 1000, 30, "118 ms (oterm)"),
    Measure("50.tail", "300 tokens at 50/s: tail lag", "ms", 1000, 20, "20 ms (oterm)"),
    Measure("50.repaint", "300 at 50/s: repaint after the end", "ms", 1000, 100, "246 ms (elia)"),
    Measure("50.bytes", "300 at 50/s: bytes per token", "B", 1, 500, "1,532 (oterm)"),
    Measure("50.cpu", "300 at 50/s: CPU", "s", 1, 1.5, "5.15 s (oterm)"),
    Measure("400.tail", "2,000 at 400/s: tail lag", "ms", 1000, 33, "3.3 s (parllama)"),
    Measure("400.bytes", "2,000 at 400/s: bytes per token", "B", 1, 150, "166 (parllama)"),
    Measure("400.cpu", "2,000 at 400/s: CPU", "s", 1, 2.5, "9.6 s (parllama)"),
    Measure("max.tail", "2,000 unthrottled: tail lag", "ms", 1000, 100, "4.2 s (parllama)"),
    Measure("memory", "peak memory (2,000 unthrottled)", "MB", 1, 120, "305 MB (oterm)"),
    Measure("keys.median", "keystroke, 3 tabs at 400/s: median", "ms", 1000, None),
    Measure("keys.worst", "keystroke, 3 tabs at 400/s: worst", "ms", 1000, 33),
    # Issue 17: the transcript's keystroke budget with three compare columns drawing at once.
    Measure("compare.median", "keystroke, 3 compare columns at 400/s: median", "ms", 1000, None),
    Measure("compare.worst", "keystroke, 3 compare columns at 400/s: worst", "ms", 1000, 33),
    # Not in the issue's table: the rest of each stream, and DESIGN.md section 7.
    Measure("400.repaint", "2,000 at 400/s: repaint after the end", "ms", 1000, None),
    Measure("max.repaint", "2,000 unthrottled: repaint after the end", "ms", 1000, None),
    Measure("max.bytes", "2,000 unthrottled: bytes per token", "B", 1, None),
    Measure("max.cpu", "2,000 unthrottled: CPU", "s", 1, None),
    Measure("memory.10tabs", "resident memory, 10 tabs open", "MB", 1, 120),
    # The CPU start-up costs: on a shared machine, load stretches the time, far less the CPU.
    Measure("start.cpu", "start to ready: CPU", "s", 1, None),
    Measure("cli.version", "ollama-tui --version", "ms", 1000, 150),
    Measure("cli.help", "ollama-tui --help", "ms", 1000, 150),
)
BY_KEY = {measure.key: measure for measure in MEASURES}
ISSUE_ROWS = 13
"""The first rows are issue 14's table (and its keystroke goal); the rest inform."""


@dataclass(frozen=True)
class Row:
    size: str
    client: str
    measure: str
    label: str
    unit: str
    median: float
    min: float
    max: float
    runs: int
    goal: float | None


def row(size: str, client: str, key: str, values: list[float]) -> Row:
    measure = BY_KEY[key]
    scaled = [value * measure.scale for value in values]
    return Row(
        size,
        client,
        key,
        measure.label,
        measure.unit,
        statistics.median(scaled),
        min(scaled),
        max(scaled),
        len(scaled),
        measure.goal,
    )


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f}"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def cell(found: Row | None) -> str:
    if found is None:
        return "-"
    text = f"{_number(found.median, found.unit)} {found.unit}"
    if found.runs > 1:
        text += f" ({_number(found.min, found.unit)}-{_number(found.max, found.unit)})"
    return text


def verdict(found: Row | None) -> str:
    if found is None or found.goal is None:
        return ""
    return " met" if found.median <= found.goal else " MISSED"


def table(rows: list[Row], size: str, clients: list[str]) -> str:
    """A Markdown table for one terminal size: a column per client, then the goal; the
    verdict is the last client's (the code under test)."""
    found = {(item.client, item.measure): item for item in rows if item.size == size}
    keys = [m.key for m in MEASURES if any((c, m.key) in found for c in clients)]
    lines = [
        f"| {size} | " + " | ".join(clients) + " | goal | best peer (issue 14) |",
        "|---" * (len(clients) + 3) + "|",
    ]
    for key in keys:
        measure = BY_KEY[key]
        goal = "-" if measure.goal is None else f"≤ {measure.goal:g} {measure.unit}"
        cells = [cell(found.get((client, key))) for client in clients]
        cells[-1] += verdict(found.get((clients[-1], key)))
        lines.append(f"| {measure.label} | " + " | ".join(cells) + f" | {goal} | {measure.peers} |")
    return "\n".join(lines)


def save(path: Path, meta: dict[str, object], rows: list[Row]) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({**meta, "rows": [asdict(item) for item in rows]}, indent=2))
