"""The pure parts of conversation control: versions, code blocks, structured checks, request
building for completions and continuations, images, path completion, the context meter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ollama_tui.api.wire import RunningModel, ShowResponse
from ollama_tui.domain.conversation import (
    Conversation,
    ConversationKind,
    ConversationSettings,
    Message,
    MessageStatus,
    Role,
    Stats,
)
from ollama_tui.domain.text import code_blocks
from ollama_tui.domain.versions import (
    bring_into_view,
    every_message,
    set_aside,
    start_version,
    switch_version,
    version_map,
)
from ollama_tui.services.chat_turn import (
    build_chat_request,
    build_generate_request,
    can_continue,
)
from ollama_tui.services.context_meter import ContextUse, context_limit, tokens_used
from ollama_tui.services.images import ImageProblem, read_image
from ollama_tui.services.path_completion import path_completions
from ollama_tui.services.structured import check_structured_reply

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name"],
}


def reply(text: str, **fields: Any) -> Message:
    return Message(role=Role.ASSISTANT, content=text, status=MessageStatus.COMPLETE, **fields)


def contents(messages: list[Message]) -> list[str]:
    return [m.content for m in messages]


def regenerate(messages: list[Message], index: int, text: str) -> None:
    versions = set_aside(messages, index)
    new = reply(text)
    start_version(new, versions)
    messages.append(new)


def test_versions_keep_every_reply_and_flip_in_a_stable_order() -> None:
    messages = [Message.user("q"), reply("one")]
    regenerate(messages, 1, "two")
    regenerate(messages, 1, "three")
    assert contents(messages) == ["q", "three"]
    assert messages[1].version == 2 and messages[1].version_count == 3
    switch_version(messages, 1, 0)
    assert contents(messages) == ["q", "one"] and messages[1].version == 0
    switch_version(messages, 1, 1)
    assert contents(messages) == ["q", "two"]
    assert [contents(t) for t in messages[1].alternatives or []] == [["one"], ["three"]]
    switch_version(messages, 1, 5)  # wraps around: 5 % 3 = 2
    assert contents(messages) == ["q", "three"]
    # Only the head of the version in use holds versions.
    assert all(t[0].alternatives is None for t in messages[1].alternatives or [])


def test_an_edit_sets_aside_the_later_turns_and_survives_a_round_trip_through_json() -> None:
    messages = [Message.user("a"), reply("ra"), Message.user("b"), reply("rb")]
    regenerate(messages, 3, "rb2")  # a version deeper in the conversation
    versions = set_aside(messages, 0)
    edited = Message.user("a2")
    start_version(edited, versions)
    messages.append(edited)
    conversation = Conversation(messages=messages)
    again = Conversation.read(conversation.to_json_dict())
    old = (again.messages[0].alternatives or [])[0]
    assert contents(old) == ["a", "ra", "b", "rb2"]
    assert contents((old[3].alternatives or [])[0]) == ["rb"]  # the nested version is kept too
    switch_version(again.messages, 0, 0)
    assert contents(again.messages) == ["a", "ra", "b", "rb2"]
    assert contents((again.messages[0].alternatives or [])[0]) == ["a2"]


def _branched() -> list[Message]:
    """q1/A1/q2/A2, A1 written again (B1) with q3/A3 after it, then q3 edited (q3b/A3b)."""
    messages = [Message.user("q1"), reply("A1"), Message.user("q2"), reply("A2")]
    regenerate(messages, 1, "B1")
    messages += [Message.user("q3"), reply("A3")]
    versions = set_aside(messages, 2)
    edited = Message.user("q3b")
    start_version(edited, versions)
    messages += [edited, reply("A3b")]
    return messages


def test_the_map_lists_every_version_as_a_tree_with_the_path_shown_marked() -> None:
    rows = version_map(_branched())
    drawn = [(row.guides, row.shown, row.place, row.message.content) for row in rows]
    assert drawn == [
        ("", True, None, "q1"),
        ("├─", False, (1, 2), "A1"),
        ("│ ", False, None, "q2"),
        ("│ ", False, None, "A2"),
        ("└─", True, (2, 2), "B1"),
        ("  ├─", False, (1, 2), "q3"),
        ("  │ ", False, None, "A3"),
        ("  └─", True, (2, 2), "q3b"),
        ("    ", True, None, "A3b"),
    ]
    # Each turn knows the innermost branch point it is under; none before the first.
    assert [row.branch for row in rows] == [None, 0, 0, 0, 0, 1, 1, 1, 1]


def test_bringing_a_turn_into_view_flips_every_branch_on_its_way() -> None:
    messages = _branched()
    every = {m.content: m for m in every_message(messages)}
    assert bring_into_view(messages, every["A2"].id) is every["A2"]
    assert contents(messages) == ["q1", "A1", "q2", "A2"]
    # The versions left behind keep theirs: back to the edited one, deeper in the other.
    assert bring_into_view(messages, every["A3"].id) is every["A3"]
    assert contents(messages) == ["q1", "B1", "q3", "A3"]
    assert bring_into_view(messages, "no such id") is None
    assert contents(messages) == ["q1", "B1", "q3", "A3"]
    # Nothing was lost on the way.
    assert sorted(m.content for m in every_message(messages)) == sorted(every)


def test_a_version_number_out_of_range_in_a_file_is_drawn_and_flipped_safely() -> None:
    messages = [Message.user("q"), reply("one", alternatives=[[reply("two")]], version=-7)]
    rows = version_map(messages)
    assert [(row.shown, row.message.content) for row in rows] == [
        (True, "q"),
        (True, "one"),
        (False, "two"),
    ]
    assert bring_into_view(messages, rows[2].message.id) is rows[2].message
    assert contents(messages) == ["q", "two"]


def test_a_version_without_turns_in_a_file_is_left_out_and_flipping_still_works() -> None:
    data = {"role": "assistant", "content": "one", "alternatives": [[], [{"role": "assistant"}]]}
    head = Message.read(data, ())
    assert [len(tail) for tail in head.alternatives or []] == [1]
    messages = [Message.user("q"), head]
    switch_version(messages, 1, 1)
    assert contents(messages) == ["q", ""]
    switch_version(messages, 1, 0)
    assert contents(messages) == ["q", "one"]
    only_empty = Message.read({**data, "alternatives": [[]], "version": 1}, ())
    assert only_empty.alternatives is None and only_empty.version_count == 1


def test_unused_new_fields_are_left_out_of_the_file() -> None:
    data = Conversation(messages=[Message.user("x"), reply("y")]).to_json_dict()
    for message in data["messages"]:
        for key in ("format", "images", "attachments", "alternatives", "version"):
            assert key not in message
    assert data["kind"] == "chat"


def test_code_blocks_follow_commonmark_fences() -> None:
    text = (
        "```python\nprint(1)\n```\n"
        "    ```\n    indented: not a fence\n    ```\n"
        "~~~~ sh\necho ``` inside\n~~~\n~~~~\n"
        "````\n```\nnested\n```\n````\n"
        "```\nunclosed"
    )
    assert code_blocks(text) == [
        ("python", "print(1)"),
        ("sh", "echo ``` inside\n~~~"),
        ("", "```\nnested\n```"),
        ("", "unclosed"),
    ]
    assert code_blocks("no code") == []


def test_structured_replies_are_checked_with_paths_to_the_errors() -> None:
    good = check_structured_reply('{"name":"x","tags":["a"]}', SCHEMA)
    assert good.valid and good.pretty == '{\n  "name": "x",\n  "tags": [\n    "a"\n  ]\n}'
    assert good.summary() == "✓ valid JSON, matches the schema"
    bad = check_structured_reply('{"tags": ["a", 2]}', SCHEMA)
    assert not bad.valid
    assert bad.problems == [
        "$: 'name' is a required property",
        "$.tags[1]: 2 is not of type 'string'",
    ]
    assert bad.summary().startswith("✕ 2 schema errors: $: 'name'")
    broken = check_structured_reply('{"name": ', SCHEMA)
    assert broken.pretty is None and broken.summary().startswith("✕ not valid JSON")
    assert check_structured_reply("[1]", "json").summary() == "✓ valid JSON"
    invalid_schema = check_structured_reply("{}", {"type": "objekt"})
    assert "the schema itself is invalid" in invalid_schema.problems[0]


def completion(**settings: Any) -> Conversation:
    return Conversation(
        kind=ConversationKind.COMPLETION,
        settings=ConversationSettings(model="base", **settings),
        messages=[Message.user("first"), reply("one"), Message.user("The sky is")],
    )


def test_a_completion_sends_only_its_last_prompt_with_raw_suffix_system_and_template() -> None:
    templated = build_generate_request(
        completion(system="Be terse.", template="{{ .Prompt }}", suffix="END", options={"seed": 1})
    ).to_body(stream=True)
    assert templated == {
        "model": "base",
        "prompt": "The sky is",
        "suffix": "END",
        "system": "Be terse.",
        "template": "{{ .Prompt }}",
        "options": {"seed": 1},
        "stream": True,
    }
    raw = build_generate_request(completion(raw=True, system="ignored", template="x"))
    body = raw.to_body(stream=True)
    # Ollama answers 400 to raw with a system prompt or a template.
    assert body["raw"] is True and "system" not in body and "template" not in body


def test_continuing_sends_the_text_so_far() -> None:
    conversation = completion(raw=True)
    partial = reply(" blue and", done_reason="length")
    conversation.messages.append(partial)
    assert can_continue(conversation, partial) is None
    request = build_generate_request(conversation, continuing=partial)
    assert request.prompt == "The sky is blue and"
    templated = completion()
    templated.messages.append(partial)
    assert "turn on raw" in (can_continue(templated, partial) or "")
    assert "Only the last reply" in (can_continue(templated, templated.messages[1]) or "")
    chat = Conversation(
        settings=ConversationSettings(model="m"), messages=[Message.user("q"), partial]
    )
    # Once, as the last entry, for the model to carry on from.
    assert build_chat_request(chat, continuing=partial).messages == [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": " blue and"},
    ]


def test_images_are_checked_by_their_first_bytes(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 8)
    attachment = read_image(str(png))
    assert attachment.kind == "PNG" and attachment.data == "iVBORw0KGgoAAAAAAAAAAA=="
    (tmp_path / "fake.png").write_text("<html>")
    for name, message in (
        ("fake.png", "is not a PNG"),
        ("missing.png", "No file"),
        (".", "is not a file"),
    ):
        with pytest.raises(ImageProblem, match=message):
            read_image(str(tmp_path / name))


def test_paths_complete_from_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photo.png").write_bytes(b"")
    (tmp_path / ".hidden.png").write_bytes(b"")
    base = str(tmp_path) + os.sep
    assert path_completions(base + "photo") == [base + "photo.png", base + "photos" + os.sep]
    assert path_completions(base + "photos") == [base + "photos" + os.sep]
    assert path_completions(base + ".h") == [base + ".hidden.png"]
    # Hidden files only when asked for.
    assert path_completions(base) == [base + "photo.png", base + "photos" + os.sep]
    assert path_completions(base + "zzz") == []
    monkeypatch.chdir(tmp_path)  # relative to the working directory; nothing typed lists it
    assert path_completions("") == ["photo.png", "photos" + os.sep]
    assert path_completions("photos") == ["photos" + os.sep]


def test_the_context_limit_comes_from_the_most_specific_source() -> None:
    conversation = Conversation(settings=ConversationSettings(model="m"))
    show = ShowResponse(
        parameters='num_ctx                        4096\nstop "x"',
        model_info={"general.architecture": "llama", "llama.context_length": 131072},
    )
    loaded = [RunningModel(name="m", context_length=8192)]
    assert context_limit(conversation, [], None) == (None, "")
    assert context_limit(conversation, [], ShowResponse(model_info=show.model_info)) == (
        131072,
        "model maximum",
    )
    assert context_limit(conversation, [], show) == (4096, "Modelfile")
    assert context_limit(conversation, loaded, show) == (8192, "loaded")
    conversation.settings.options["num_ctx"] = 2048
    assert context_limit(conversation, loaded, show) == (2048, "setting")


def test_the_meter_reads_the_last_reply_and_warns_near_the_limit() -> None:
    conversation = Conversation(messages=[Message.user("q")])
    assert tokens_used(conversation) is None
    conversation.messages.append(reply("a", stats=Stats(prompt_eval_count=700, eval_count=100)))
    conversation.messages.append(reply("failed"))
    assert tokens_used(conversation) == 800
    assert ContextUse(800, 4096, "setting").describe() == "ctx 800/4,096 20%"
    assert ContextUse(3400, 4096, "loaded").level == "warn"
    assert "full" in ContextUse(4000, 4096, "loaded").describe()
    assert ContextUse(10, 8192, "model maximum").describe() == "ctx 10/8,192 (model max) 0%"
    assert ContextUse(10, None, "").describe() == "ctx 10 tokens"
