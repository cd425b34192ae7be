"""Property tests for the NDJSON reader: any split of any stream gives the same objects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollama_tui.api.errors import ProtocolError
from ollama_tui.api.ndjson import iter_json_lines

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
OBJECTS = st.lists(st.dictionaries(st.text(), JSON_VALUES, max_size=4), max_size=6)


async def _chunks(data: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    previous = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        yield data[previous:cut]
        previous = cut


def _read(data: bytes, cuts: list[int], limit: int = 1 << 20) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [item async for item in iter_json_lines(_chunks(data, cuts), max_line_bytes=limit)]

    return asyncio.run(collect())


@settings(max_examples=150, deadline=None)
@given(OBJECTS, st.lists(st.integers(min_value=0, max_value=4000), max_size=12), st.booleans())
def test_any_chunking_gives_back_the_objects(
    objects: list[dict[str, Any]], cuts: list[int], blank_lines: bool
) -> None:
    separator = b"\n\n" if blank_lines else b"\n"
    # ensure_ascii=False: multi-byte characters get split across chunks too.
    data = separator.join(json.dumps(o, ensure_ascii=False).encode() for o in objects)
    cuts = [cut % (len(data) + 1) for cut in cuts]
    assert _read(data + b"\n", cuts) == objects
    assert _read(data, cuts) == objects  # a last line without its newline is still read


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=1, max_size=200), st.lists(st.integers(min_value=0), max_size=6))
def test_garbage_is_a_protocol_error_or_objects_never_a_crash(data: bytes, cuts: list[int]) -> None:
    cuts = [cut % (len(data) + 1) for cut in cuts]
    try:
        result = _read(data, cuts, limit=64)
    except ProtocolError:
        return
    assert all(isinstance(item, dict) for item in result)


def test_a_line_over_the_limit_is_refused_even_without_a_newline() -> None:
    with pytest.raises(ProtocolError, match="longer than 100 bytes"):
        _read(b'{"a": "' + b"x" * 200, [50, 120], limit=100)
