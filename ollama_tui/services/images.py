"""Provides images attached to a prompt for a vision model: read, checked, base64-encoded."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from ..domain.quantities import format_size

MAX_IMAGE_BYTES = 20_000_000
"""Larger files are refused: the image travels as base64 in every later request and is
kept in the conversation's file."""

# Formats the vision models' image loaders read, by their first bytes.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)


class ImageProblem(Exception):
    """Why a file cannot be attached, in words for the user."""


@dataclass(frozen=True)
class ImageAttachment:
    name: str
    kind: str
    size: int
    data: str
    """Plain base64, no `data:` prefix (Ollama answers 400 to one)."""

    def describe(self) -> str:
        return f"{self.name} ({self.kind}, {format_size(self.size)})"


def image_kind(head: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def read_image(typed: str) -> ImageAttachment:
    """Read an image file to attach (`~` expanded). Raises ImageProblem saying what is wrong."""
    path = Path(typed).expanduser()
    try:
        if not path.is_file():
            raise ImageProblem(f"{path} is not a file." if path.exists() else f"No file {path}.")
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise ImageProblem(
                f"{path.name} is {format_size(size)}; images up to "
                f"{format_size(MAX_IMAGE_BYTES)} can be attached."
            )
        data = path.read_bytes()
    except OSError as error:
        raise ImageProblem(f"Cannot read {path}: {error.strerror or error}") from None
    kind = image_kind(data[:16])
    if kind is None:
        raise ImageProblem(f"{path.name} is not a PNG, JPEG, GIF, WebP or BMP image.")
    return ImageAttachment(path.name, kind, len(data), base64.b64encode(data).decode("ascii"))
