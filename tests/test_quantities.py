"""How counts and sizes are worded everywhere."""

from __future__ import annotations

from ollama_tui.domain.columns import clip, pad, text_width
from ollama_tui.domain.quantities import count_of, format_size


def test_sizes_read_as_ollama_writes_them() -> None:
    assert format_size(0) == "0 B"
    assert format_size(73) == "73 B"
    assert format_size(999) == "999 B"
    assert format_size(1_000) == "1 KB"
    assert format_size(1_234) == "1.2 KB"
    assert format_size(9_999) == "10.0 KB"
    assert format_size(2_019_393_189) == "2.0 GB"
    assert format_size(2_000_000_000) == "2 GB"
    assert format_size(397_800_000) == "397 MB"
    assert format_size(4_661_224_676) == "4.7 GB"
    assert format_size(20_000_000) == "20 MB"
    assert format_size(3_200_000_000_000_000) == "3,200 TB"


def test_counts_agree_with_their_nouns() -> None:
    assert count_of(1, "line") == "1 line"
    assert count_of(2, "line") == "2 lines"
    assert count_of(0, "line") == "0 lines"
    assert count_of(1_500, "message") == "1,500 messages"
    assert count_of(2, "copy", "copies") == "2 copies"


def test_text_is_cut_in_terminal_columns() -> None:
    assert clip("hello", 5) == "hello"
    assert clip("hello world", 6) == "hello…"
    assert clip("東京タワー", 5) == "東京…"  # two columns each
    assert pad("ab", 4) == "ab  "
    assert text_width("東京ab") == 6
