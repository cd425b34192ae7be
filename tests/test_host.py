"""OLLAMA_HOST resolution, as Ollama's own envconfig.Host() does it, plus connectable hosts."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollama_tui.api.host import DEFAULT_HOST, display_host, parse_ollama_host, public_url
from ollama_tui.api.version import ServerVersion


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, DEFAULT_HOST),
        ("", DEFAULT_HOST),
        ("   ", DEFAULT_HOST),
        ("gpu-box", "http://gpu-box:11434"),
        (' "gpu-box:8080" ', "http://gpu-box:8080"),
        ("'gpu-box'", "http://gpu-box:11434"),
        ("http://gpu-box", "http://gpu-box:80"),
        ("https://gpu-box", "https://gpu-box:443"),
        ("HTTPS://gpu-box:8443", "https://gpu-box:8443"),
        ("ollama.com", "https://ollama.com:443"),
        ("https://example.com/ollama", "https://example.com:443/ollama"),
        ("https://example.com/ollama/", "https://example.com:443/ollama"),
        (":1234", "http://127.0.0.1:1234"),
        ("gpu-box:99999", "http://gpu-box:11434"),
        ("gpu-box:abc", "http://gpu-box:11434"),
        ("::1", "http://[::1]:11434"),
        ("[::1]:5000", "http://[::1]:5000"),
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("0.0.0.0:8000", "http://127.0.0.1:8000"),
        ("[::]:11434", "http://[::1]:11434"),
        ("::", "http://[::1]:11434"),
        ("10.0.0.5", "http://10.0.0.5:11434"),
        ("http://user:secret@gpu-box:11434", "http://user:secret@gpu-box:11434"),
    ],
)
def test_every_form_ollama_accepts(value: str | None, expected: str) -> None:
    assert parse_ollama_host(value) == expected


def test_display_and_public_forms_never_hold_credentials() -> None:
    url = parse_ollama_host("https://user:secret@proxy.example/ollama")
    assert display_host(url) == "proxy.example:443/ollama"
    assert public_url(url) == "https://proxy.example:443/ollama"


@given(st.text(max_size=60))
def test_any_text_gives_a_usable_url(value: str) -> None:
    url = parse_ollama_host(value)
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https")
    assert not url.endswith("/")
    assert parts.port is not None or parts.netloc.endswith("]")  # urlsplit's port is strict
    shown = display_host(url)
    assert "@" not in shown or "@" in parts.path


@given(st.text(min_size=1, max_size=20).filter(lambda s: "@" not in s), st.text(max_size=20))
def test_credentials_never_reach_the_display_form(user: str, host: str) -> None:
    url = parse_ollama_host(f"http://{user}:pw@{host}")
    assert "pw@" not in display_host(url)
    assert "pw@" not in public_url(url)


@pytest.mark.parametrize(
    ("raw", "parts", "create_from", "thinking"),
    [
        ("0.5.4-ipexllm-20250407", (0, 5, 4), False, False),
        ("0.5.5", (0, 5, 5), True, False),
        ("0.12.3", (0, 12, 3), True, True),
        ("0.33.0-rc2", (0, 33, 0), True, True),
        ("0.0.0", (0, 0, 0), True, True),
        ("v0.9", (0, 9, 0), True, True),
    ],
)
def test_versions_and_features(
    raw: str, parts: tuple[int, int, int], create_from: bool, thinking: bool
) -> None:
    version = ServerVersion.parse(raw)
    assert version.parts == parts
    assert version.has_create_from is create_from
    assert version.has_thinking is thinking
