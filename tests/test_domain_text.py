"""Pure text rules: terminal sanitising, titles, and inline `<think>` splitting."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from ollama_tui.domain.text import InlineThinkSplitter, derive_title, sanitize_for_terminal


def test_controls_become_visible_and_bidi_overrides_vanish() -> None:
    text = "a\x1b[2Jb\x07c\x9bd\u202ee\r\nf\tg\x7f"
    assert sanitize_for_terminal(text) == "a␛[2Jb␇c\ufffdde\nf\tg␡"


@given(st.text() | st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010)))
def test_sanitised_text_holds_no_control_but_newline_and_tab(text: str) -> None:
    clean = sanitize_for_terminal(text)
    assert all(ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in clean)
    assert sanitize_for_terminal(clean) == clean
    clean.encode("utf-8")  # drawable and savable: a lone surrogate once lost a whole reply


def test_titles_come_from_the_first_line() -> None:
    assert derive_title("\n  Why   is the sky\tblue?\nmore") == "Why is the sky blue?"
    assert derive_title("x" * 60) == "x" * 39 + "…"
    assert derive_title("  \n ") == "New conversation"


def _split(parts: list[str]) -> tuple[str, str]:
    splitter = InlineThinkSplitter()
    thinking = answer = ""
    for part in [*parts, None]:
        more = splitter.finish() if part is None else splitter.feed(part)
        thinking, answer = thinking + more[0], answer + more[1]
    return thinking, answer


def _pieces(text: str, cuts: list[int]) -> list[str]:
    points = sorted({0, len(text), *(cut % (len(text) + 1) for cut in cuts)})
    return [text[a:b] for a, b in pairwise(points)]


@given(
    st.text(alphabet="ab <>/\n", max_size=20).filter(lambda t: "</think>" not in t),
    st.text(alphabet="xy z\n", max_size=20).filter(lambda t: not t.startswith("\n")),
    st.lists(st.integers(min_value=0, max_value=80), max_size=6),
)
def test_inline_thinking_splits_the_same_however_the_reply_is_cut(
    thinking: str, answer: str, cuts: list[int]
) -> None:
    reply = f"<think>\n{thinking}\n</think>\n\n{answer}"
    assert _split(_pieces(reply, cuts)) == (thinking.strip("\n"), answer)


@given(
    st.text(max_size=30).filter(lambda t: not t.lstrip().startswith("<")),
    st.lists(st.integers(0, 40), max_size=4),
)
def test_a_reply_without_thinking_passes_through_whole(reply: str, cuts: list[int]) -> None:
    assert _split(_pieces(reply, cuts)) == ("", reply)


def test_a_reply_starting_like_a_tag_is_not_held_forever() -> None:
    assert _split(["<", "3 is not a tag"]) == ("", "<3 is not a tag")
    assert _split(["<th"]) == ("", "<th")
