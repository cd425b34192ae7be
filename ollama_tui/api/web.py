"""Provides one capped GET of a web page, for the `fetch_url` tool (only api/ talks HTTP)."""

from __future__ import annotations

from dataclasses import dataclass

from .body import decoded_chunks
from .errors import OllamaError

FETCH_TIMEOUT = 20.0
"""Seconds for the whole page: a model waits for it, and so does the user."""


class FetchFailed(OllamaError):
    """The page could not be fetched; `message` says why."""


@dataclass(frozen=True)
class Page:
    """The first `limit` bytes of a page, and whether there was more."""

    url: str
    status: int
    content_type: str
    body: bytes
    truncated: bool


async def fetch_page(url: str, *, limit: int, timeout: float = FETCH_TIMEOUT) -> Page:
    """GET `url` (http or https only), following redirects, reading at most `limit` bytes.

    Proxy variables apply (this is the open web, not the Ollama server).

    Raises:
        FetchFailed: a URL of another scheme, or the request failed.
    """
    import httpx

    if not url.lower().startswith(("http://", "https://")):
        raise FetchFailed("only http:// and https:// addresses can be fetched")
    try:
        async with (
            httpx.AsyncClient(
                timeout=timeout, follow_redirects=True, max_redirects=5, trust_env=True
            ) as client,
            client.stream("GET", url, headers={"Accept-Encoding": "gzip, deflate"}) as response,
        ):
            body = bytearray()
            truncated = False
            async for chunk in decoded_chunks(response, f"The page at {url}"):
                body += chunk
                if len(body) > limit:
                    truncated = True
                    del body[limit:]
                    break
            return Page(
                url=str(response.url),
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                body=bytes(body),
                truncated=truncated,
            )
    except httpx.TimeoutException:
        raise FetchFailed(f"no answer within {timeout:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise FetchFailed(str(error) or type(error).__name__) from None
