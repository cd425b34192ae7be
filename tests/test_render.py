"""The transcript's rendering engine: a message as lines, and a streamed reply re-rendering
only its open last block. Every test reads the lines' text and styles, as the terminal gets
them."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.color import ColorType
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from bench.reply import markdown_tokens
from ollama_tui.domain.conversation import Approval, Message, MessageStatus, Stats
from ollama_tui.ui.chat.render import MessageLines, RenderPalette, ReplyLines, render_message
from ollama_tui.ui.chat.render_text import DISPLAY_LIMIT
from ollama_tui.ui.kit.themes import load_themes, shipped_theme_dirs

PALETTE = RenderPalette.default()
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "\x1b]52;c;UFdORUQ=\x1b\\\x1b]0;PWNED\x07 \x1b[2J \x9b31m \u202e [/]"

REPLY = (
    "# Title\n\n"
    "Some *emphasis*, **strength** and `code`; see [the docs](https://example.com/docs).\n\n"
    "1. first\n"
    "2. second\n"
    "   - nested one\n"
    "   - nested two\n\n"
    "```python\n"
    "def handler(event):\n"
    "    return 200\n"
    "```\n\n"
    "| option | default |\n"
    "|---|---|\n"
    "| retries | 3 |\n\n"
    "> quoted words\n\n"
    "---\n\n"
    "The end.\n"
)


def _reply(content: str, **fields: object) -> Message:
    message = Message.assistant("qwen3:8b")
    message.content = content
    message.status = MessageStatus.COMPLETE
    for name, value in fields.items():
        setattr(message, name, value)
    return message


def _texts(lines: MessageLines | list[Strip]) -> list[str]:
    strips = lines.strips if isinstance(lines, MessageLines) else lines
    return [strip.text for strip in strips]


def _screen(lines: MessageLines) -> str:
    return "\n".join(_texts(lines))


def _segments(lines: MessageLines) -> list[Segment]:
    return [segment for strip in lines.strips for segment in strip]


def _line_with(lines: MessageLines, text: str) -> Strip:
    found = [strip for strip in lines.strips if text in strip.text]
    assert found, f"{text!r} is not drawn:\n{_screen(lines)}"
    return found[0]


def _segment_with(lines: MessageLines, text: str) -> Segment:
    found = [segment for segment in _segments(lines) if text in segment.text]
    assert found, f"no segment holds {text!r}"
    return found[0]


@pytest.mark.parametrize("width", [1, 3, 5, 40, 80, 160])
def test_every_line_is_exactly_the_width_asked(width: int) -> None:
    messages = (_reply(REPLY, thinking="hmm"), Message.user("a prompt\n\tindented"))
    for message, selected in [(m, s) for m in messages for s in (False, True)]:
        lines = render_message(message, width, PALETTE, selected=selected)
        assert lines.strips
        assert {strip.cell_length for strip in lines.strips} == {width}
        assert all(sum(s.cell_length for s in strip) == width for strip in lines.strips)
        assert _texts(lines)[-1].strip() == "", "a message ends with the gap to the next"


def test_a_line_of_prose_is_one_segment() -> None:
    # Each segment costs a colour sequence on the wire: margins, text and padding of one
    # style are one segment.
    lines = render_message(_reply("Plain words here."), 40, PALETTE)
    assert len(list(_line_with(lines, "Plain"))) == 1
    selected = render_message(_reply("Plain words here."), 40, PALETTE, selected=True)
    assert len(list(_line_with(selected, "Plain"))) == 2, "the bar, then the rest"


@pytest.mark.parametrize("width", [40, 80, 160])
def test_a_reply_draws_every_markdown_element(width: int) -> None:
    lines = render_message(_reply(REPLY), width, PALETTE)
    screen = _screen(lines)
    for text in ("Title", "emphasis", "strength", "first", "nested one", "retries", "The end."):
        assert text in screen
    assert "#" not in screen and "**" not in screen and "```" not in screen
    assert _segment_with(lines, "emphasis").style.italic  # type: ignore[union-attr]
    assert _segment_with(lines, "strength").style.bold  # type: ignore[union-attr]
    nested = _line_with(lines, "nested one").text
    first = _line_with(lines, "first").text
    assert nested.index("nested") > first.index("first"), "a nested list is indented"
    assert "•" in nested
    assert "quoted words" in _line_with(lines, "▌").text
    assert "─" in _line_with(lines, "option").text or "─" in screen, "the table has a rule"
    assert any(set(text.strip()) == {"-"} for text in _texts(lines)), "the horizontal rule"
    code = _line_with(lines, "def handler")
    colours = {segment.style.color for segment in code if segment.text.strip()}  # type: ignore[union-attr]
    assert len(colours) >= 2, "the code is highlighted"


def test_a_link_is_clickable_and_never_a_terminal_hyperlink() -> None:
    lines = render_message(_reply(REPLY), 80, PALETTE)
    link = _segment_with(lines, "the docs")
    assert link.style is not None
    assert link.style.meta.get("@click") == "link('https://example.com/docs')"
    assert link.style.link is None, "an OSC 8 hyperlink would put the URL into an escape"
    assert link.style.underline


def test_a_bare_web_address_is_clickable_and_a_file_name_is_not() -> None:
    lines = render_message(_reply("See https://example.com/a?b=1, or edit config.py."), 80, PALETTE)
    link = _segment_with(lines, "https://example.com/a?b=1")
    assert link.style is not None
    assert link.style.meta.get("@click") == "link('https://example.com/a?b=1')"
    name = _segment_with(lines, "config.py")
    assert name.style is not None and "@click" not in name.style.meta


def test_user_and_assistant_turns_are_drawn_apart() -> None:
    prompt = render_message(Message.user("the question"), 80, PALETTE)
    reply = render_message(_reply("the answer"), 80, PALETTE)
    assert _texts(prompt)[0].startswith("█ You")
    assert _line_with(prompt, "the question").text.startswith("█ ")
    assert _line_with(reply, "the answer").text.startswith("  the answer")
    label = _segment_with(prompt, "You")
    assert label.style is not None and label.style.bold
    custom = render_message(Message.user("x"), 80, PALETTE, user_label="Ada [/]")
    assert _texts(custom)[0].startswith("█ Ada [/]")


def test_a_prompt_is_drawn_as_typed() -> None:
    prompt = "first line\nsecond line\n    indented\n\ttabbed\n```python\nx = {'a': 1}\n```\nafter"
    lines = render_message(Message.user(prompt), 80, PALETTE)
    texts = _texts(lines)
    assert any(text.startswith("█ first line") for text in texts), "a line break is kept"
    assert any(text.startswith("█ second line") for text in texts)
    assert any(text.startswith("█     indented") for text in texts), "indentation is kept"
    assert any(text.startswith("█         tabbed") for text in texts), "a tab is expanded"
    assert any(text.startswith("█ ```python") for text in texts), "the fences are shown"
    code = _line_with(lines, "x = ")
    colours = {segment.style.color for segment in code if segment.text.strip()}  # type: ignore[union-attr]
    assert len(colours) >= 2, "fenced code is highlighted"
    assert lines.code_blocks == ["x = {'a': 1}"]


def test_the_selected_turn_is_marked_without_rewrapping() -> None:
    for message in (Message.user("words " * 40), _reply("words " * 40)):
        plain = render_message(message, 60, PALETTE)
        selected = render_message(message, 60, PALETTE, selected=True)
        assert [text[2:] for text in _texts(plain)] == [text[2:] for text in _texts(selected)]
        assert all(text.startswith("█") for text in _texts(selected)[:-1])
        bar = selected.strips[0]._segments[0]
        assert bar.style is not None and bar.style.color is not None
        assert bar.style.color.triplet is not None
        assert bar.style.color.triplet.hex.lower() == "#ffaf5f", "the bar has the accent"
        assert bar.style.bgcolor != plain.strips[-1]._segments[0].style.bgcolor  # type: ignore[union-attr]


def test_thinking_is_one_line_closed_and_all_of_it_open() -> None:
    thinking = "Let me think about the queue.\nThen the worker."
    message = _reply("The answer.", thinking=thinking)
    closed = render_message(message, 80, PALETTE)
    assert _texts(closed)[0].strip() == "▶ Thinking · 9 words"
    assert closed.thinking_line == 0
    assert "the queue" not in _screen(closed)
    opened = render_message(message, 80, PALETTE, thinking_open=True)
    assert _texts(opened)[0].strip() == "▼ Thinking"
    assert "Let me think about the queue." in _texts(opened)[1]
    assert "Then the worker." in _texts(opened)[2]
    assert _segment_with(opened, "the queue").style.italic  # type: ignore[union-attr]
    assert "The answer." in _screen(opened)
    assert render_message(_reply("x"), 80, PALETTE).thinking_line is None


def test_the_stats_line_says_how_the_reply_ended() -> None:
    stats = Stats(eval_count=300, eval_duration=6_000_000_000)
    lines = render_message(_reply("Answer.", stats=stats, done_reason="length"), 80, PALETTE)
    line = _line_with(lines, "qwen3:8b").text
    for text in ("300 tokens", "50.0 tok/s", "cut off at the length limit"):
        assert text in line
    assert "cut off" in _segment_with(lines, "cut off").text
    streaming = render_message(_reply("A", status=MessageStatus.STREAMING), 80, PALETTE)
    assert "generating… (Esc stops)" in _screen(streaming)
    for status, word in [
        (MessageStatus.INTERRUPTED, "stopped"),
        (MessageStatus.INCOMPLETE, "incomplete"),
        (MessageStatus.ERROR, "failed"),
    ]:
        ended = render_message(_reply("A", status=status, error="boom"), 80, PALETTE)
        assert word in _line_with(ended, "qwen3:8b").text
        assert _line_with(ended, "boom").text.strip() == "boom", "the error has its own line"
    unknown = render_message(_reply("A", model=None), 80, PALETTE)
    assert "unknown model" in _screen(unknown)


def test_versions_and_attachments_are_drawn() -> None:
    prompt = Message.user("which?")
    prompt.alternatives = [[Message.user("older")], [Message.user("oldest")]]
    prompt.version = 1
    prompt.attachments = ["cat.png", "dog.png"]
    lines = render_message(prompt, 80, PALETTE)
    assert "version 2 of 3 · Shift+Tab then ←/→" in _texts(lines)[0]
    assert "Attached: cat.png, dog.png" in _screen(lines)
    reply = _reply("Answer.", alternatives=[[_reply("other")]], version=0)
    assert "version 1 of 2" in _line_with(render_message(reply, 80, PALETTE), "qwen3:8b").text


def test_a_structured_reply_is_pretty_with_its_check() -> None:
    valid = render_message(_reply('{"a": [1, 2]}', format="json"), 80, PALETTE)
    assert "✓ valid JSON" in _screen(valid)
    assert any(text.strip() == '"a": [' for text in _texts(valid)), "indented"
    invalid = render_message(_reply('{"a":\n  1,,}', format="json"), 80, PALETTE)
    screen = _screen(invalid)
    assert "not valid JSON" in screen
    assert re.search(r"1 .*\{\"a\":", screen) and re.search(r"2 .*1,,}", screen), "numbered"
    assert render_message(_reply('{"a": 1}', format="json"), 80, PALETTE).check is not None


def test_only_the_first_100_kb_of_a_message_is_drawn() -> None:
    long = ("word " * 15 + "\n") * (2 * DISPLAY_LIMIT // 76)
    for message in (_reply(long), Message.user(long)):
        lines = render_message(message, 160, PALETTE)
        assert "more of this message is not drawn here" in _screen(lines)
        assert len(lines.strips) < 2 * DISPLAY_LIMIT // 76, "the rest is not drawn"
    fenced = "```\n" + long
    lines = render_message(_reply(fenced), 160, PALETTE)
    assert "not drawn here" in _screen(lines), "the note is outside the open fence"


@pytest.mark.parametrize(
    "message",
    [
        _reply(f"```\n{HOSTILE}\n```"),
        _reply(f"[link]({HOSTILE}) and <https://x.org/{HOSTILE}>"),
        _reply(f"| a | b |\n|---|---|\n| {HOSTILE} | 1 |"),
        _reply("answer", thinking=HOSTILE),
        _reply("answer", model=HOSTILE, error=HOSTILE, status=MessageStatus.ERROR),
        _reply("entities &#27;]0;PWNED&#7; &#x9b;31m &#8238; and `&#27;`"),
        _reply(HOSTILE, format="json"),
        _reply(f'{{"k": "{HOSTILE}"}}'.replace("\x1b", "\\u001b"), format="json"),
        Message.user(f"{HOSTILE}\n```\n{HOSTILE}\n```"),
    ],
)
def test_hostile_strings_stay_inert(message: Message) -> None:
    message.attachments = [HOSTILE]
    for thinking_open in (False, True):
        lines = render_message(message, 80, PALETTE, thinking_open=thinking_open)
        for segment in _segments(lines):
            assert not UNSAFE.search(segment.text), segment
            action = segment.style.meta.get("@click", "") if segment.style else ""
            assert not UNSAFE.search(action), action
        assert "PWNED" in _screen(lines) or "PWNED" not in (message.content + str(message.error))


def test_a_hostile_label_is_inert() -> None:
    lines = render_message(Message.user("x"), 80, PALETTE, user_label=HOSTILE)
    assert "PWNED" in _texts(lines)[0] and not UNSAFE.search(_screen(lines))


# -- streaming -----------------------------------------------------------------------------


def _stream(tokens: list[str], width: int) -> tuple[Message, ReplyLines, list[int]]:
    message = Message.assistant("qwen3:8b")
    reply = ReplyLines(message, width, PALETTE)
    firsts = []
    for token in tokens:
        message.content += token
        firsts.append(reply.update())
    return message, reply, firsts


@pytest.mark.parametrize("width", [80, 160])
def test_a_streamed_reply_ends_as_the_same_reply_drawn_whole(width: int) -> None:
    message, reply, _ = _stream(markdown_tokens(300), width)
    streamed = list(reply.strips)
    message.status = MessageStatus.COMPLETE
    message.stats = Stats(eval_count=300, eval_duration=6_000_000_000)
    final = reply.finish()
    whole = render_message(message, width, PALETTE)
    assert _texts(final) == _texts(whole)
    assert final.strips == whole.strips, "the same styles too"
    # Nothing but the stats line changed at the end: no redraw of the reply.
    assert all(a is b for a, b in zip(final.strips[:-2], streamed[:-2], strict=True))


def test_a_selected_reply_streams_as_it_is_drawn_selected() -> None:
    message = Message.assistant("qwen3:8b")
    reply = ReplyLines(message, 80, PALETTE, selected=True)
    for token in markdown_tokens(120):
        message.content += token
        reply.update()
    message.status = MessageStatus.COMPLETE
    assert reply.finish().strips == render_message(message, 80, PALETTE, selected=True).strips


@pytest.mark.parametrize("width", [80, 160])
def test_every_cut_of_a_stream_draws_as_the_same_text_drawn_at_once(width: int) -> None:
    tokens = markdown_tokens(130)
    message = Message.assistant("qwen3:8b")
    streaming = ReplyLines(message, width, PALETTE)
    for token in tokens:
        message.content += token
        streaming.update()
        at_once = ReplyLines(message, width, PALETTE)
        at_once.update()
        assert streaming.strips == at_once.strips, repr(message.content)


PIECES = [
    *("# Head\n", "Title\n", "===\n", "---\n", "para words here\n", "more words\n"),
    *("\n", "\n\n", "1. one\n", "2. two\n", "1", ". x\n", "- a\n", "  - nested\n"),
    *("   continued\n", "* star\n", "```py\n", "```\n", "x = 1\n", "    indented code\n"),
    *("> quote\n", "lazy\n", "| a | b |\n", "|---|---|\n", "| 1 | 2 |\n", "~~~\n"),
    *("[ref]: https://x.org\n", "see [it][ref]\n", "<div>\n", "</div>\n", "<pre>\n"),
    *("</pre>\n", "**bold** and `code`\n", "2) paren\n", "+ plus\n", "  ", "\t"),
    *("10. ten\n", "https://example.com/x\n"),
]
"""Markdown pieces whose meaning can depend on what follows them."""


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25))
@example(pieces=["1. one\n", "\n", "1", ". x\n"])  # "1" ends the list, "1." continues it
@example(pieces=["para words here\n", "\n", "| a | b |\n", "|---|---|\n", "| 1 | 2 |\n"])
def test_any_text_streamed_piece_by_piece_draws_as_drawn_at_once(pieces: list[str]) -> None:
    message = Message.assistant("m")
    reply = ReplyLines(message, 60, PALETTE)
    for piece in pieces:
        message.content += piece
        reply.update()
    reply.update()
    at_once = ReplyLines(message, 60, PALETTE)
    at_once.update()
    assert reply.strips == at_once.strips


def test_cuts_inside_lines_that_may_yet_continue_a_list() -> None:
    # "1" alone is a paragraph that ends the list, "1." continues it: the list stays open.
    message = Message.assistant("m")
    reply = ReplyLines(message, 80, PALETTE)
    for piece in ["1. a\n\n", "1", ". b\n\nafter\n"]:
        message.content += piece
        reply.update()
    at_once = ReplyLines(message, 80, PALETTE)
    at_once.update()
    assert _texts(reply.strips) == _texts(at_once.strips)
    assert any(re.match(r" +2\.? b", text) for text in _texts(reply.strips))


def test_an_update_renders_only_the_open_last_block() -> None:
    message = Message.assistant("m")
    reply = ReplyLines(message, 80, PALETTE)
    message.content = "# Head\n\nFirst paragraph.\n\n- a\n- b\n\nLast words"
    reply.update()
    renders = reply.block_renders
    before = list(reply.strips)
    last = next(i for i, strip in enumerate(before) if "Last words" in strip.text)
    message.content += " and more"
    first_changed = reply.update()
    assert reply.block_renders == renders + 1, "only the open block rendered again"
    assert first_changed == last
    assert all(a is b for a, b in zip(reply.strips[:last], before[:last], strict=True))
    assert "Last words and more" in reply.strips[last].text
    assert reply.update() == len(reply.strips), "nothing new, nothing changed"
    assert reply.block_renders == renders + 1, "an unchanged open block is not rendered again"


def test_the_line_under_a_streaming_reply_is_rendered_when_it_changes_only() -> None:
    message = Message.assistant("m")
    message.status = MessageStatus.STREAMING
    reply = ReplyLines(message, 80, PALETTE)
    message.content = "Some words"
    reply.update()
    stats = next(strip for strip in reply.strips if "generating" in strip.text)
    message.content += " and more"
    reply.update()
    # The very same line, not rendered again (it was at every flush: a seventh of its time).
    assert any(strip is stats for strip in reply.strips)
    message.status = MessageStatus.COMPLETE
    reply.finish()
    assert not any("generating" in strip.text for strip in reply.strips)


def test_the_flush_cost_does_not_grow_with_the_reply() -> None:
    tokens = markdown_tokens(2000)
    message, reply, _ = _stream(["".join(tokens[:1990]), *tokens[1990:]], 160)
    renders = reply.block_renders
    message.content += " more"
    first = reply.update()
    assert reply.block_renders == renders + 1
    assert first > len(reply.strips) - 6


def test_thinking_streams_open_then_closes_when_the_answer_starts() -> None:
    message = Message.assistant("m")
    message.status = MessageStatus.STREAMING
    reply = ReplyLines(message, 80, PALETTE)
    message.thinking = "Step one.\nStep"
    reply.update()
    assert _texts(reply.strips)[0].strip() == "▼ Thinking"
    message.thinking += " two."
    assert reply.update() == 2, "only the growing line changed"
    assert "Step two." in _texts(reply.strips)[2]
    message.content = "Answer."
    reply.update()
    assert _texts(reply.strips)[0].strip() == "▶ Thinking · 4 words"
    reply.thinking_open = True
    reply.update()
    assert "Step one." in _screen(MessageLines(reply.strips))


def test_a_reply_whose_text_changes_before_its_end_is_drawn_anew_from_there() -> None:
    message = Message.assistant("m")
    reply = ReplyLines(message, 80, PALETTE)
    for text in ["# Head\n\nOne.\n\nTwo.\n\nThree", "# Head\n\nOne!\n\nFour"]:
        message.content = text
        first = reply.update()
    assert first == 2, "the heading and its gap are kept"
    at_once = ReplyLines(message, 80, PALETTE)
    at_once.update()
    assert reply.strips == at_once.strips
    assert "Two." not in _screen(MessageLines(reply.strips))


def test_a_reply_stopped_while_thinking_keeps_its_thinking_open() -> None:
    message = Message.assistant("m")
    message.status = MessageStatus.STREAMING
    reply = ReplyLines(message, 80, PALETTE)
    message.thinking = "Considering the options."
    reply.update()
    message.status = MessageStatus.INTERRUPTED
    final = reply.finish()
    assert _texts(final)[0].strip() == "▼ Thinking"
    assert "Considering the options." in _screen(final)
    assert "stopped" in _screen(final)


def test_a_reply_past_the_draw_limit_streams_and_ends_with_the_note() -> None:
    line = "word " * 15 + "\n\n"
    message = Message.assistant("m")
    reply = ReplyLines(message, 160, PALETTE)
    while len(message.content) < DISPLAY_LIMIT + 5000:
        message.content += line * 50
        reply.update()
    message.status = MessageStatus.COMPLETE
    final = reply.finish()
    assert _texts(final) == _texts(render_message(message, 160, PALETTE))
    assert "not drawn here" in _screen(final)


# -- palettes and start-up cost ------------------------------------------------------------


def test_every_shipped_theme_gives_a_palette_that_draws() -> None:
    themes, _ = load_themes(shipped_theme_dirs())
    for theme in themes:
        variables = {**theme.to_color_system().generate(), **theme.variables}
        palette = RenderPalette.from_variables(variables, dark=theme.dark)
        assert palette.code_theme == ("ansi_dark" if theme.dark else "ansi_light")
        lines = render_message(_reply(REPLY, thinking="t"), 80, palette, selected=True)
        assert "Title" in _screen(lines)


def test_the_sixteen_colour_theme_uses_only_the_terminals_colours() -> None:
    themes, _ = load_themes(shipped_theme_dirs())
    theme = next(theme for theme in themes if theme.name == "ollama-16")
    variables = {**theme.to_color_system().generate(), **theme.variables}
    palette = RenderPalette.from_variables(variables, dark=theme.dark)
    for message in (Message.user("x\n```py\ny = 1\n```"), _reply(REPLY, thinking="t")):
        for selected in (False, True):
            lines = render_message(message, 80, palette, selected=selected)
            for segment in _segments(lines):
                assert segment.style is not None
                for colour in (segment.style.color, segment.style.bgcolor):
                    assert colour is not None
                    assert colour.type in (ColorType.DEFAULT, ColorType.STANDARD), segment
                assert segment.style.bgcolor == palette.base.bgcolor, "no painted background"


def test_prepare_loads_what_the_first_reply_needs() -> None:
    # The app can call it once its first frame is drawn, so that the first flush of the
    # first reply does not pay for the imports (~0.1 s).
    code = (
        "import sys, time\n"
        "import ollama_tui.ui.chat.render as r\n"
        "r.prepare(r.RenderPalette.default())\n"
        "print(sorted(m for m in ('markdown_it', 'pygments.lexers.python', 'rich.markdown')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split("\n")[0] == str(
        ["markdown_it", "pygments.lexers.python", "rich.markdown"]
    )


def test_rendering_loads_markdown_and_pygments_only_when_drawing() -> None:
    code = (
        "import sys\n"
        "import ollama_tui.ui.chat.render as r\n"
        "loaded = sorted(m for m in ('markdown_it', 'pygments', 'rich.markdown', 'rich.syntax')"
        " if m in sys.modules)\n"
        "print(loaded)\n"
        "from ollama_tui.domain.conversation import Message\n"
        "r.render_message(Message.user('plain'), 40, r.RenderPalette.default())\n"
        "print('pygments' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split("\n")[:2] == ["[]", "False"], result.stdout


# -- long blocks while streaming -------------------------------------------------------------


def test_numbered_items_count_up_from_the_first_and_line_up() -> None:
    lines = render_message(_reply("".join(f"{n}. item\n" for n in [8, 1, 1, 1])), 80, PALETTE)
    texts = [text.rstrip() for text in _texts(lines)[:4]]
    assert texts == ["   8. item", "   9. item", "  10. item", "  11. item"]


def test_a_long_code_block_streaming_highlights_only_its_last_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ollama_tui.ui.chat import render_code

    highlighted: list[int] = []
    real = render_code.highlight

    def counting(code: str, language: str, theme: str) -> Text:
        highlighted.append(code.count("\n") + 1)
        return real(code, language, theme)

    monkeypatch.setattr(render_code, "highlight", counting)
    message = Message.assistant("m")
    reply = ReplyLines(message, 80, PALETTE)
    message.content = "```python\n" + "".join(f"x{i} = {i}\n" for i in range(300))
    reply.update()
    highlighted.clear()
    message.content += "y = 1\n"
    reply.update()
    assert sum(highlighted) < 100, "not the 300 lines above"


def test_code_streamed_in_chunks_ends_highlighted_whole() -> None:
    # A string opened in one chunk and closed in the next is coloured as one at the end.
    code = "".join(f"a{i} = {i}\n" for i in range(38)) + 'doc = """\nstill\nthe\nstring\n"""\n'
    message = Message.assistant("m")
    reply = ReplyLines(message, 80, PALETTE)
    for line in ["```python\n", *code.splitlines(keepends=True), "```\n", "\nafter\n"]:
        message.content += line
        reply.update()
    message.status = MessageStatus.COMPLETE
    final = reply.finish()
    assert final.strips == render_message(message, 80, PALETTE).strips
    string = _segment_with(final, "string").style
    opening = _segment_with(final, '"""').style
    assert string is not None and opening is not None and string.color == opening.color


def test_a_long_list_streaming_renders_only_its_last_item(monkeypatch: pytest.MonkeyPatch) -> None:
    from ollama_tui.ui.chat import render_markdown

    rendered: list[str] = []
    real = render_markdown.render_block

    def counting(source: str, *args: Any) -> list[Strip]:
        rendered.append(source)
        return real(source, *args)

    monkeypatch.setattr(render_markdown, "render_block", counting)
    message = Message.assistant("m")
    reply = ReplyLines(message, 80, PALETTE)
    message.content = "".join(f"{i}. item {i}\n" for i in range(1, 61))
    reply.update()
    rendered.clear()
    message.content += "61. the last"
    reply.update()
    assert rendered == ["61. the last"]


def test_drawing_a_message_again_renders_none_of_its_blocks_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ollama_tui.ui.chat import render_code, render_markdown

    message = _reply(REPLY + "\nA paragraph only this test has.\n", thinking="hmm")
    render_message(message, 72, PALETTE)
    made: list[str] = []
    real_markdown = render_markdown._markdown_class()
    real_highlight = render_code.highlight

    def markdown(source: str, *args: Any) -> Any:
        made.append(source)
        return real_markdown(source, *args)

    def highlight(code: str, *args: Any) -> Text:
        made.append(code)
        return real_highlight(code, *args)

    monkeypatch.setattr(render_markdown, "_markdown_class", lambda: markdown)
    monkeypatch.setattr(render_code, "highlight", highlight)
    opened = render_message(message, 72, PALETTE, thinking_open=True)
    message.stats = Stats(eval_count=3, eval_duration=1)
    render_message(message, 72, PALETTE, selected=True)
    assert made == []
    assert "A paragraph only this test has." in _screen(opened)


# -- tool calls ------------------------------------------------------------------------------


def _called(name: str, arguments: dict[str, object]) -> Message:
    reply = _reply("Let me look.")
    reply.tool_calls = [{"id": "call_1", "function": {"name": name, "arguments": arguments}}]
    return reply


def test_a_reply_that_called_tools_draws_its_calls_under_its_text() -> None:
    reply = _called("read_file", {"path": "notes.txt"})
    result = Message.tool(
        "line one\nline two",
        tool_name="read_file",
        tool_call_id="call_1",
        approval=Approval.ONCE,
        duration_ms=12,
    )
    lines = render_message(reply, 80, PALETTE, tool_results=[result])
    texts = _texts(lines)
    call = next(i for i, text in enumerate(texts) if "↳ tool read_file" in text)
    assert call > next(i for i, text in enumerate(texts) if "Let me look." in text)
    assert call < next(i for i, text in enumerate(texts) if "qwen3:8b" in text)
    assert 'path="notes.txt"' in texts[call] and "allowed once · 12 ms" in texts[call]
    assert _segment_with(lines, "read_file").style.bold  # type: ignore[union-attr]
    assert "line two" not in _screen(lines)
    opened = render_message(reply, 80, PALETTE, tool_results=[result], tools_open=True)
    assert "line two" in _screen(opened)
    waiting = render_message(reply, 80, PALETTE)
    assert "waiting for approval" in _screen(waiting)


def test_hostile_tool_calls_stay_inert() -> None:
    reply = _called(HOSTILE, {HOSTILE: HOSTILE})
    result = Message.tool(
        HOSTILE, tool_name=HOSTILE, tool_call_id="call_1", approval=Approval.ONCE, duration_ms=1
    )
    lines = render_message(reply, 80, PALETTE, tool_results=[result], tools_open=True)
    assert "PWNED" in _screen(lines)
    for segment in _segments(lines):
        assert not UNSAFE.search(segment.text), segment
