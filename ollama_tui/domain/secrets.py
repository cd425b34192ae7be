"""Provides the one redaction of secrets: header values and URL passwords become `***`.

Secrets are remembered for the whole process as they are read (the command line and config,
and every client as it is built), and `redact` is applied to each text the app writes of its
own: every error the client raises, the config's problems, the failure log. A secret that a
proxy echoes in an error page, or that h11 quotes in "Illegal header value", is caught the
same way as a password in a URL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"
MIN_SECRET_LENGTH = 4
"""Shorter values (`X-Debug: 1`) are not secrets, and masking every `1` would garble text."""
MIN_WORD_LENGTH = 8
"""A word of a value (the token of `Bearer <token>`) is a secret of its own when this long."""

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]*@")
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def _forms(value: str) -> set[str]:
    """The value, trimmed, word by word, and as Python's repr of its bytes shows it."""
    forms = {value, value.strip()}
    forms.update(word for word in value.split() if len(word) >= MIN_WORD_LENGTH)
    for form in list(forms):
        escaped = repr(form.encode("utf-8", "surrogateescape"))[2:-1]
        forms.add(escaped)
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def remember_secrets(values: Iterable[str]) -> None:
    """Values never to be written anywhere: header values, URL passwords."""
    global _pattern
    with _lock:
        added = set().union(*(_forms(value) for value in values)) - _secrets
        if not added:
            return
        _secrets.update(added)
        # Longest first, so a value is masked whole rather than around one of its words.
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(secret) for secret in ordered))


def url_secrets(url: str | None) -> list[str]:
    """The password (and `user:password`) of a URL or host, as written and decoded."""
    if not url or "@" not in url:
        return []
    text = url if "://" in url else f"http://{url}"
    userinfo = urlsplit(text).netloc.rpartition("@")[0]
    password = userinfo.partition(":")[2]
    found = [userinfo, unquote(userinfo)] if password else []
    if password:
        found += [password, unquote(password)]
    return found


def remember_connection(url: str | None, headers: dict[str, str]) -> None:
    """Every header value and the URL's password of one host."""
    remember_secrets([*url_secrets(url), *headers.values()])


def mask_remembered(text: str) -> str:
    """`text` with every remembered secret replaced by `***`, and nothing else changed.

    For what a server says (model names, status lines, replies): a hostile server or proxy can
    echo a header it was sent, but a URL with a password in a model's reply is the reply's own
    text, not ours to rewrite.
    """
    pattern = _pattern
    return text if pattern is None else pattern.sub(MASK, text)


def redact(text: str) -> str:
    """`text` with every remembered secret and any URL's userinfo replaced by `***`."""
    if "@" in text:
        text = _USERINFO.sub(rf"\g<1>{MASK}@", text)
    return mask_remembered(text)
