"""`auto` as a user meets it, across two fake servers: listed first among the hosts (only when
there are several), chosen with the keys, the default of new conversations with
`default_host = "auto"`; each reply shows and records the host that wrote it, a host that
fails is skipped with a note while the reply is still written, two replies asked together go
to the two hosts, and the throughput test measures both hosts together."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ollama_tui.cli import build_app, build_parser, settings_from_args
from ollama_tui.config import HostConfig
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from ollama_tui.ui.dialogs.pull_offer import PullOfferScreen
from ollama_tui.ui.dialogs.throughput import ThroughputDialog
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    notified,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)

LLAMA, QWEN = "llama3.2:latest", "qwen2.5:0.5b"


@pytest.fixture
def gpu() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


def _from_config(
    tmp_path: Path, data_dir: Path, first: FakeOllama, second: FakeOllama
) -> OllamaTuiApp:
    """The app as the command line builds it from a config with `default_host = "auto"`."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'default_host = "auto"\n\n[hosts.home]\nurl = "{first.url}"\n\n'
        f'[hosts.gpu]\nurl = "{second.url}"\n'
    )
    argv = ["--config", str(config), "--data-dir", str(data_dir)]
    return build_app(settings_from_args(build_parser().parse_args(argv), {}))


def _hosts_listed(picker: ModelPickerScreen) -> list[str]:
    return [choice.host for choice in picker.shown if choice is not None]


async def test_auto_is_listed_only_when_there_are_several_hosts(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(lambda: LLAMA in screen_text(app))
        text = screen_text(app)
        assert "── auto" not in text and "least busy" not in text
        assert _hosts_listed(picker) == ["", ""]


async def test_a_conversation_on_auto_is_answered_by_the_host_with_the_model_loaded(
    make_app: MakeApp, fake_ollama: FakeOllama, gpu: FakeOllama, data_dir: Path
) -> None:
    gpu.set_running(LLAMA, loaded=True)
    app = make_app(other_hosts=(HostConfig("gpu", gpu.url),))
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(lambda: "── gpu" in screen_text(app))
        text = screen_text(app)
        # `auto` first among the hosts, with what it does, then each host.
        assert "── auto (loaded first, then least busy)" in text
        assert text.index("── auto") < text.index("── default") < text.index("── gpu")
        await pilot.press(*"llama3.2")
        await wait_until(lambda: _hosts_listed(picker) == ["auto", "", "gpu"])
        await pilot.press("enter")  # the best match: `auto`'s, listed first
        await wait_until(lambda: view.conversation.host_name == "auto")
        await wait_until(lambda: f"{LLAMA} @ auto" in screen_text(app))
        reply = await ask(pilot, view, "hello")
        assert (reply.host_name, reply.content) == ("gpu", "Echo: hello")
        # The reply's line says which host wrote it.
        await wait_until(lambda: f"{LLAMA} @ gpu" in screen_text(app))
        assert len(gpu.requests_to("/api/chat")) == 1
        assert not fake_ollama.requests_to("/api/chat")
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    # The conversation keeps its choice; the reply records the host that wrote it.
    assert (saved["host_name"], saved["host"]) == ("auto", None)
    assert saved["messages"][-1]["host_name"] == "gpu"
    assert saved["messages"][-1]["host"] == gpu.url.rstrip("/")


async def test_a_failing_host_is_skipped_with_a_note_and_the_reply_still_written(
    fake_ollama: FakeOllama, gpu: FakeOllama, tmp_path: Path, data_dir: Path
) -> None:
    """`default_host = "auto"` in the config: the first tab is on `auto`. Nothing loaded:
    the first host listed is asked, fails, and the other one writes the reply."""
    app = _from_config(tmp_path, data_dir, fake_ollama, gpu)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await wait_until(lambda: f"{LLAMA} @ auto" in screen_text(app))
        fake_ollama.fail_next("/api/chat", 503, {"error": "the runner stopped"})
        reply = await ask(pilot, view, "hello")
        assert (reply.host_name, reply.content) == ("gpu", "Echo: hello")
        await wait_until(
            lambda: notified(app, "home is left out of auto for 30 s: the runner stopped"),
            message="the note on the host left out",
        )
        await wait_until(lambda: f"{LLAMA} @ gpu" in screen_text(app))
        # Left out: the next prompt goes straight to the other host.
        await ask(pilot, view, "again")
        assert len(fake_ollama.requests_to("/api/chat")) == 1
        assert len(gpu.requests_to("/api/chat")) == 2


async def test_two_replies_compared_on_auto_go_to_the_two_hosts(
    fake_ollama: FakeOllama, gpu: FakeOllama, tmp_path: Path, data_dir: Path
) -> None:
    app = _from_config(tmp_path, data_dir, fake_ollama, gpu)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        picker = await press_for(pilot, "f5", ModelPickerScreen)
        await wait_until(lambda: "── gpu" in screen_text(app))
        # It opens on the conversation's model on `auto`; the next row is qwen on `auto`.
        await pilot.press("space", "down", "space", "enter")
        await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
        assert picker.shown[1] is not None and picker.shown[1].host == "auto"
        await pilot.press(*"hi", "enter")
        await wait_until(lambda: view.compare_view is not None)
        compare = view.compare_view
        assert compare is not None
        await wait_until(lambda: not compare.running, timeout=10)
        # Neither host had a model loaded: the second request went to the host not busy.
        text = screen_text(app)
        assert f"1  {LLAMA} · auto → home" in text and f"2  {QWEN} · auto → gpu" in text
        assert [r.body["model"] for r in fake_ollama.requests_to("/api/chat")] == [LLAMA]
        assert [r.body["model"] for r in gpu.requests_to("/api/chat")] == [QWEN]
        await pilot.press("2")
        await wait_until(lambda: view.compare_view is None)
        assert view.conversation.host_name == "auto"  # it goes on on `auto`
        assert view.conversation.messages[-1].host_name == "gpu"


async def _start_measuring(pilot: Pilot[None], requests: str) -> None:
    """From the model field (focused on opening): the number of requests, then Enter."""
    await pilot.press("tab", "tab", "backspace", "backspace", *requests, "enter")


async def test_the_throughput_test_on_auto_measures_the_hosts_together(
    fake_ollama: FakeOllama, gpu: FakeOllama, tmp_path: Path, data_dir: Path
) -> None:
    for server in (fake_ollama, gpu):
        server.parallel = 1  # each queues: together they answer two at once
        server.model_speeds[LLAMA] = 60.0
    app = _from_config(tmp_path, data_dir, fake_ollama, gpu)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(app)
        await press_for(pilot, "f8", ThroughputDialog)
        assert "Measure auto: the hosts home, gpu together" in screen_text(app)
        await _start_measuring(pilot, "4")
        await wait_until(
            lambda: "at once" in screen_text(app) and "answered by" in screen_text(app), timeout=15
        )
        text = screen_text(app)
        assert "the hosts handle about 2 at once" in text
        assert "home 2, gpu 2" in text
        # Each host loaded the model first, then 4 one after another and 4 at once.
        total = len(fake_ollama.requests_to("/api/chat")) + len(gpu.requests_to("/api/chat"))
        assert total == 2 + 4 + 4


TOKEN = "Bearer sekrit-token-123456"


async def test_the_throughput_test_on_auto_says_in_its_result_which_host_was_left_out_and_why(
    make_app: MakeApp, fake_ollama: FakeOllama, gpu: FakeOllama, data_dir: Path
) -> None:
    """gpu does not list its models when the test starts: the dialog itself says it was left
    out and why (inert, without the header value or the URL's password it echoed), the
    requests all go to the default host, and the saved result says so too."""
    fake_ollama.model_speeds[LLAMA] = 60.0
    gpu_host = HostConfig("gpu", gpu.url, headers={"Authorization": TOKEN})
    app = make_app(other_hosts=(gpu_host,), auto_host=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(app)
        await wait_until(lambda: f"{LLAMA} @ auto" in screen_text(app))
        await press_for(pilot, "f8", ThroughputDialog)
        gpu.fail_next(
            "/api/tags",
            502,
            {"error": f"proxy: {TOKEN} refused by http://admin:hunter2x@10.0.0.9 \x1b[2J"},
        )
        await _start_measuring(pilot, "2")
        await wait_until(lambda: "answered by" in screen_text(app), timeout=15)
        await pilot.pause()
        text = screen_text(app)
        assert "Hosts on auto:" in text
        assert "gpu is left out of auto for another 30 s: proxy: *** refused by" in text
        assert "default 2" in text  # answered by: every request on the default host
        for secret in ("sekrit", "hunter2x", "\x1b"):
            assert secret not in text
        assert not gpu.requests_to("/api/chat")
        assert len(fake_ollama.requests_to("/api/chat")) == 1 + 2 + 2
        await pilot.press("ctrl+s")
        folder = data_dir / "measurements"
        await wait_until(lambda: folder.is_dir() and any(folder.iterdir()), message="saved")
    saved = next(folder.iterdir()).read_text()
    assert "gpu is left out of auto for another 30 s" in saved
    for secret in ("sekrit", "hunter2x", "\x1b"):
        assert secret not in saved


MISTRAL = "mistral:7b"


async def test_a_model_only_on_a_host_left_out_is_said_so_and_no_pull_is_offered(
    make_app: MakeApp, fake_ollama: FakeOllama, gpu: FakeOllama
) -> None:
    """Only gpu has the model; it fails: the reply says gpu has it and is left out until it
    answers again, and when it is asked again. No pull is offered, and the host without
    the model is not asked for it."""
    gpu.add_model(MISTRAL)
    app = make_app(other_hosts=(HostConfig("gpu", gpu.url),), auto_host=True)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(lambda: "── gpu" in screen_text(app))
        await pilot.press(*"mistral", "enter")  # auto's row, listed first
        await wait_until(lambda: f"{MISTRAL} @ auto" in screen_text(app))
        reply = await ask(pilot, view, "hello")
        assert (reply.host_name, reply.content) == ("gpu", "Echo: hello")
        gpu.fail_next("/api/chat", 503, {"error": "the runner stopped"})
        reply = await ask(pilot, view, "again")
        said = (
            f"{MISTRAL} is only on gpu, left out of auto until it answers again: gpu failed "
            "(the runner stopped) and is asked again in 30 s."
        )
        assert reply.error == said
        await wait_until(lambda: "is only on gpu, left out of auto" in screen_text(app))
        assert not isinstance(app.screen, PullOfferScreen)
        # Asked again at once: still said, with the time left; no host asked at all.
        reply = await ask(pilot, view, "third")
        assert reply.error is not None
        assert re.search(
            r"gpu failed \(the runner stopped\) and is asked again in \d+ s", reply.error
        )
        await pilot.pause()
        assert not isinstance(app.screen, PullOfferScreen)
        assert len(gpu.requests_to("/api/chat")) == 2
        assert not fake_ollama.requests_to("/api/chat") and not fake_ollama.requests_to("/api/pull")


async def test_a_model_no_host_has_offers_a_pull_naming_the_host_it_goes_to(
    make_app: MakeApp, fake_ollama: FakeOllama, gpu: FakeOllama
) -> None:
    fake_ollama.script_pull(layers=1, steps=2)
    app = make_app(other_hosts=(HostConfig("gpu", gpu.url),), auto_host=True)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        await wait_until(lambda: f"{LLAMA} @ auto" in screen_text(app))
        for server in (fake_ollama, gpu):
            server.models = [m for m in server.models if m["name"] != LLAMA]
        await pilot.press(*"hello", "enter")
        await wait_until(lambda: isinstance(app.screen, PullOfferScreen), message="the offer")
        await pilot.pause()
        text = screen_text(app)
        assert f"Model {LLAMA} is on none of the hosts of auto (default, gpu)." in text
        assert (
            f"Pull it onto default ({fake_ollama.url.removeprefix('http://').rstrip('/')})" in text
        )
        await pilot.press("enter")
        await wait_until(lambda: not view.is_streaming and view.conversation.messages[-1].content)
        assert [r.body["model"] for r in fake_ollama.requests_to("/api/pull")] == [LLAMA]
        assert not gpu.requests_to("/api/pull")
        assert view.conversation.messages[-1].content == "Echo: hello"


async def test_the_pull_offer_names_a_host_left_out_that_could_not_be_asked(
    make_app: MakeApp, fake_ollama: FakeOllama, gpu: FakeOllama
) -> None:
    """gpu is down since the start: whether it has the model is unknown, and the offer to
    pull onto the default host says so."""
    app = make_app(other_hosts=(HostConfig("gpu", gpu.url),), auto_host=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await wait_until(lambda: f"{LLAMA} @ auto" in screen_text(app))
        gpu.stop()
        fake_ollama.models = [m for m in fake_ollama.models if m["name"] != LLAMA]
        await pilot.press(*"hello", "enter")
        await wait_until(lambda: isinstance(app.screen, PullOfferScreen), message="the offer")
        await pilot.pause()
        text = " ".join(screen_text(app).replace("│", " ").split())  # the title wraps
        assert f"Model {LLAMA} is on none of the hosts of auto (default)." in text, text
        assert "Not asked: gpu, left out for now after failing." in text
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, PullOfferScreen))
        assert not fake_ollama.requests_to("/api/pull")
