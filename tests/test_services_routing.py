"""`auto` across two fake servers, without a screen: each reply goes to the host that has the
model loaded, else the least busy, else the first listed; a host without the model is never
chosen; a host that fails is left out (said once), the reply still written elsewhere, and it
is back once it answers again. Every reply records the host that wrote it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ollama_tui.api.client import OllamaClient, Timeouts
from ollama_tui.domain.conversation import Conversation, MessageStatus
from ollama_tui.domain.events import ReplyHost, StreamEvent
from ollama_tui.services.chat_turn import ChatTurn, add_user_message
from ollama_tui.services.compare import CompareTarget, Comparison
from ollama_tui.services.routing import HostRouter, RoutedClient
from ollama_tui.services.saver import ConversationSaver
from ollama_tui.services.throughput import Progress, ThroughputPlan, measure
from ollama_tui.store import SessionStore
from tests.fake_ollama.server import FakeOllama

LLAMA, QWEN = "llama3.2:latest", "qwen2.5:0.5b"


class Clock:
    """A clock the test moves: how long a failed host stays left out."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Hosts:
    first: FakeOllama
    second: FakeOllama
    router: HostRouter
    clock: Clock
    store: SessionStore


@pytest.fixture
def second_server() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.fixture
async def hosts(
    fake_ollama: FakeOllama, second_server: FakeOllama, tmp_path: Path
) -> AsyncIterator[Hosts]:
    clock = Clock()
    timeouts = Timeouts(connect=1.0)
    async with (
        OllamaClient(fake_ollama.url, timeouts=timeouts) as first,
        OllamaClient(second_server.url, timeouts=timeouts) as second,
    ):
        router = HostRouter({"home": first, "gpu": second}, clock=clock)
        yield Hosts(fake_ollama, second_server, router, clock, SessionStore(tmp_path / "data"))


async def _reply(hosts: Hosts, prompt: str, model: str = LLAMA) -> tuple[Conversation, list[str]]:
    """One reply on `auto`; the conversation and the notes its stream started with."""
    conversation = Conversation()
    conversation.settings.model = model
    add_user_message(conversation, prompt)
    events: list[StreamEvent] = []
    turn = ChatTurn(
        RoutedClient(hosts.router),
        ConversationSaver(hosts.store),
        conversation,
        on_event=events.append,
        on_save_problem=lambda problem: None,
    )
    await turn.run()
    notes = [note for event in events if isinstance(event, ReplyHost) for note in event.notes]
    return conversation, notes


def _chats(server: FakeOllama) -> int:
    return len(server.requests_to("/api/chat"))


async def test_the_host_with_the_model_loaded_answers_and_is_recorded(hosts: Hosts) -> None:
    hosts.second.set_running(LLAMA, loaded=True)
    conversation, notes = await _reply(hosts, "hello")
    reply = conversation.messages[-1]
    assert (_chats(hosts.first), _chats(hosts.second)) == (0, 1)
    assert reply.status is MessageStatus.COMPLETE and reply.content == "Echo: hello"
    assert (reply.host_name, reply.host) == ("gpu", hosts.second.url.rstrip("/"))
    assert notes == []
    saved = json.loads(hosts.store.path_for(conversation.id).read_text())
    assert saved["messages"][-1]["host_name"] == "gpu"


async def test_nothing_loaded_the_first_listed_answers(hosts: Hosts) -> None:
    await _reply(hosts, "hello")
    assert (_chats(hosts.first), _chats(hosts.second)) == (1, 0)


async def test_a_host_without_the_model_is_not_chosen(hosts: Hosts) -> None:
    hosts.first.models = [m for m in hosts.first.models if m["name"] != QWEN]
    conversation, _ = await _reply(hosts, "hello", QWEN)
    assert (_chats(hosts.first), _chats(hosts.second)) == (0, 1)
    assert conversation.messages[-1].host_name == "gpu"


async def test_a_model_no_host_has_goes_to_the_first_listed_which_says_so(hosts: Hosts) -> None:
    conversation, _ = await _reply(hosts, "hello", "missing:1b")
    reply = conversation.messages[-1]
    assert reply.status is MessageStatus.ERROR and reply.host_name == "home"
    assert (_chats(hosts.first), _chats(hosts.second)) == (1, 0)
    # Its 404 is what the app offers the pull on (pulls go to the default host).
    assert reply.error is not None and "not found" in reply.error


async def test_requests_sent_together_go_to_the_least_busy_host(hosts: Hosts) -> None:
    """A comparison of two models both hosts have, none loaded: the second request goes to
    the host the first is not on."""
    conversation = Conversation()
    conversation.settings.model = LLAMA
    add_user_message(conversation, "hello")
    routed = RoutedClient(hosts.router)
    comparison = Comparison(
        [CompareTarget(LLAMA, "auto", routed), CompareTarget(QWEN, "auto", routed)],
        ConversationSaver(hosts.store),
        conversation,
        on_event=lambda column, event: None,
        on_save_problem=lambda problem: None,
    )
    await comparison.run()
    assert (_chats(hosts.first), _chats(hosts.second)) == (1, 1)
    assert [message.host_name for message in comparison.messages] == ["home", "gpu"]
    assert hosts.router.in_flight == {"home": 0, "gpu": 0}


async def test_the_throughput_test_on_auto_measures_both_hosts_together(hosts: Hosts) -> None:
    for server in (hosts.first, hosts.second):
        server.parallel = 1  # each host queues: together they run two at once
        server.model_speeds[LLAMA] = 60.0
    result = await measure(
        RoutedClient(hosts.router),
        ThroughputPlan(LLAMA, requests=4),
        host="auto (home, gpu)",
        warm_up=list(hosts.router.clients.values()),
    )
    # One warm-up on each host, then four one after another, then four at once.
    assert _chats(hosts.first) + _chats(hosts.second) == 2 + 4 + 4
    assert result.together.by_host() == {"home": 2, "gpu": 2}
    assert "the hosts handle about 2 at once" in result.verdict()
    assert ("answered by", "home 4", "home 2, gpu 2") in result.table()


async def test_a_host_failing_before_the_reply_is_left_out_and_the_next_one_answers(
    hosts: Hosts,
) -> None:
    hosts.first.fail_next("/api/chat", 500, {"error": "out of memory"})
    conversation, notes = await _reply(hosts, "hello")
    reply = conversation.messages[-1]
    assert reply.status is MessageStatus.COMPLETE and reply.host_name == "gpu"
    assert notes == ["home is left out of auto for 30 s: out of memory"]
    # Left out: the next request does not ask it, and the note is not said again.
    _, notes = await _reply(hosts, "again")
    assert (_chats(hosts.first), _chats(hosts.second)) == (1, 2)
    assert notes == []
    # 30 s later it is asked again (its model lists), answers, and is back.
    hosts.clock.now += 31
    conversation, notes = await _reply(hosts, "later")
    assert notes == ["home answers again: auto uses it again"]
    assert conversation.messages[-1].host_name == "home"


async def test_a_host_failing_midway_keeps_its_partial_reply_and_the_next_goes_elsewhere(
    hosts: Hosts,
) -> None:
    hosts.first.script_reply(["Half ", "an answer"], end="disconnect")
    conversation, _ = await _reply(hosts, "hello")
    reply = conversation.messages[-1]
    assert reply.status is MessageStatus.ERROR and reply.host_name == "home"
    assert reply.content == "Half an answer"
    conversation, notes = await _reply(hosts, "again")
    assert conversation.messages[-1].host_name == "gpu"
    assert conversation.messages[-1].status is MessageStatus.COMPLETE
    assert len(notes) == 1 and notes[0].startswith("home is left out of auto for 30 s: ")


async def test_a_host_that_is_down_is_left_out_at_once(hosts: Hosts) -> None:
    hosts.first.stop()
    conversation, notes = await _reply(hosts, "hello")
    assert conversation.messages[-1].host_name == "gpu"
    assert len(notes) == 1 and "Cannot reach Ollama" in notes[0]


async def test_the_throughput_test_on_auto_carries_what_was_said_of_the_hosts(
    hosts: Hosts,
) -> None:
    """A host left out before the run is said once, from the start; one back during the run
    is said when it is, with the progress and in the result."""
    hosts.router.failed("home", "out of memory")
    before = hosts.router.left_out_notes()
    assert before == ("home is left out of auto for another 30 s: out of memory",)
    seen: list[tuple[str, ...]] = []

    def progress(now: Progress) -> None:
        seen.append(now.notes)
        if now.phase == "one after another" and now.done == 1:
            hosts.clock.now += 31  # home's time out is over

    result = await measure(
        RoutedClient(hosts.router),
        ThroughputPlan(LLAMA, requests=2),
        host="auto (home, gpu)",
        progress=progress,
        warm_up=[hosts.router.clients["gpu"]],
        notes=before,
    )
    back = "home answers again: auto uses it again"
    assert result.notes == (*before, back)
    assert seen[0] == before and seen[-1] == result.notes
    assert result.sequential.timings[0].host == "gpu"
    assert "home" in result.together.by_host()
    assert result.to_json()["host_notes"] == list(result.notes)
    assert f"- {back}" in result.to_markdown()
