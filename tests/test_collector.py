"""The collector's full passes wait for a quiet moment: due as Python counts them, and run
when no reply streams, or when the last one is a minute old."""

from __future__ import annotations

import gc
from time import monotonic

import pytest

from ollama_tui.ui.kit import collector
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ready


def _until_due() -> None:
    """Make young objects until a full pass is due (each young pass counts towards it)."""
    kept: list[list[object]] = []
    for _ in range(1_000_000):
        if gc.get_count()[2] >= collector.DUE:
            return
        kept.append([])
        if len(kept) > 1000:
            kept.clear()
    raise AssertionError("no full pass came due")


def test_a_full_pass_waits_while_replies_stream_until_it_is_a_minute_overdue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collector.defer_full_passes()
    assert gc.get_threshold()[2] == collector.NEVER
    monkeypatch.setattr(collector, "_last", monotonic())
    gc.collect()
    assert not collector.collect_if_due(streaming=False)  # nothing due yet
    _until_due()
    assert not collector.collect_if_due(streaming=True)  # due, but a reply streams
    assert gc.get_count()[2] >= collector.DUE  # and Python did not run it by itself
    monkeypatch.setattr(collector, "_last", monotonic() - collector.AT_MOST_EVERY)
    assert collector.collect_if_due(streaming=True)  # overdue: it runs anyway
    assert gc.get_count()[2] == 0
    _until_due()
    assert collector.collect_if_due(streaming=False)  # nothing streams: it runs when due


async def test_the_app_leaves_full_passes_to_its_quiet_moments(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test():
        await ready(app)
        assert gc.get_threshold()[2] == collector.NEVER
