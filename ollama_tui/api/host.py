"""Provides host resolution with Ollama's own `OLLAMA_HOST` rules (protocol §1.1)."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlsplit, urlunsplit

DEFAULT_HOST = "http://127.0.0.1:11434"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_OLLAMA_PORT = 11434
# Valid places to bind a server, but not to connect to (Ollama's ConnectableHost).
_CONNECTABLE = {"0.0.0.0": "127.0.0.1", "::": "::1"}
_HOST_SAFE = "-._~!$&'()*+,;="


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Go's net.SplitHostPort: None where it would fail (no port, bare IPv6, bad brackets)."""
    if hostport.startswith("["):
        end = hostport.find("]")
        rest = hostport[end + 1 :] if end >= 0 else ""
        if end < 0 or not rest.startswith(":") or ":" in rest[1:]:
            return None
        return hostport[1:end], rest[1:]
    host, sep, port = hostport.rpartition(":")
    if not sep or ":" in host:
        return None
    return host, port


def _as_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return None


def parse_ollama_host(value: str | None) -> str:
    """Resolve `OLLAMA_HOST` (or `--host`) exactly as Ollama does, into a connectable base URL.

    `gpu-box` -> `http://gpu-box:11434`; `https://example.com/ollama` ->
    `https://example.com:443/ollama`; `:1234` -> `http://127.0.0.1:1234`; `::1` ->
    `http://[::1]:11434`; `0.0.0.0` -> `http://127.0.0.1:11434`. Credentials are kept.
    """
    text = (value or "").strip().strip("'\"").strip()
    if not text:
        return DEFAULT_HOST
    default_port = _OLLAMA_PORT
    scheme, sep, hostport = text.partition("://")
    if not sep:
        scheme, hostport = "http", text
        if text == "ollama.com":
            scheme, hostport = "https", "ollama.com:443"
    else:
        scheme = scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            scheme = "http"  # Ollama would keep it, but nothing else can be dialled
        default_port = _DEFAULT_PORTS[scheme]
    hostport, _, path = hostport.partition("/")
    userinfo, at, hostport = hostport.rpartition("@")
    split = _split_host_port(hostport)
    if split is None:
        host, port = "127.0.0.1", str(default_port)
        host = _as_ip(hostport) or hostport or host
    else:
        host, port = split
    if not port.isdigit() or int(port) > 65535:
        port = str(default_port)
    host = host or "127.0.0.1"  # ":1234": the server binds everything, we dial this machine
    ip = _as_ip(host)
    if ip is not None:
        host = _CONNECTABLE.get(ip, ip)
        host = f"[{host}]" if ":" in host else host
    else:
        # A name with characters no URL allows still makes a URL: the connection then fails
        # with "unknown host name" rather than the app with a parse error.
        host = quote(host, safe=_HOST_SAFE)
    prefix = "/" + quote(path.strip("/"), safe="/%") if path.strip("/") else ""
    credentials = quote(userinfo, safe=":%" + _HOST_SAFE) + "@" if at else ""
    return f"{scheme}://{credentials}{host}:{int(port)}{prefix}"


def public_url(base_url: str) -> str:
    """The base URL without credentials: safe to show, log or save."""
    parts = urlsplit(base_url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def display_host(base_url: str) -> str:
    """`host:port` (and any path prefix) for the status line, never with credentials."""
    parts = urlsplit(public_url(base_url))
    return parts.netloc + parts.path
