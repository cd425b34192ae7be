"""Provides text and code files attached to a prompt: found by path, glob or folder, read
with caps, binary files refused, and written into the prompt as fenced blocks."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from ..domain.quantities import format_size
from .images import ImageAttachment, ImageProblem, image_kind, read_image

MAX_FILE_BYTES = 100_000
"""A larger file is refused: it would crowd out the conversation in the model's context."""
MAX_TOTAL_BYTES = 400_000
"""All the text files of one prompt together."""
MAX_FILES = 50
_SNIFF = 8192


@dataclass(frozen=True)
class TextAttachment:
    name: str
    """The path as shown and written above its block."""
    text: str

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))

    def describe(self) -> str:
        return f"{self.name} ({format_size(self.size)})"

    def block(self) -> str:
        """The file as a fenced block under its path; the fence is longer than any run of
        backticks inside, so the file cannot close it."""
        longest = run = 0
        for char in self.text:
            run = run + 1 if char == "`" else 0
            longest = max(longest, run)
        fence = "`" * max(3, longest + 1)
        language = Path(self.name).suffix.removeprefix(".")
        return f"{self.name}:\n{fence}{language}\n{self.text.rstrip()}\n{fence}"


def prompt_with_files(text: str, files: list[TextAttachment]) -> str:
    """The prompt as sent: the typed text, then each file's block."""
    return "\n\n".join([text, *(file.block() for file in files)])


def expand(typed: str) -> list[Path]:
    """The files `typed` names: a file, a glob (`src/**/*.py`), or a folder's files."""
    pattern = str(Path(typed).expanduser())
    if glob.has_magic(pattern):
        found = [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
    else:
        path = Path(pattern)
        found = sorted(p for p in path.iterdir()) if path.is_dir() else [path]
    return [p for p in found if not p.is_dir()][: MAX_FILES + 1]


def read_text_file(path: Path, room: int) -> TextAttachment:
    """Read one file as text. Raises ValueError saying why it is refused; `room`: the bytes
    left of the prompt's cap."""
    try:
        if not path.is_file():
            raise ValueError(f"No file {path}." if not path.exists() else f"{path} is not a file.")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(
                f"{path} is {format_size(size)}; text files up to "
                f"{format_size(MAX_FILE_BYTES)} each can be attached."
            )
        if size > room:
            raise ValueError(
                f"{path} ({format_size(size)}) would pass the {format_size(MAX_TOTAL_BYTES)} "
                "all the files of a prompt may hold."
            )
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ValueError(f"Cannot read {path}: {error.strerror or error}") from None
    if b"\0" in data[:_SNIFF]:
        raise ValueError(f"{path} is binary (it holds NUL bytes), not text.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text.") from None
    return TextAttachment(str(path), text)


@dataclass
class Attached:
    """What a path, glob or folder gave: images, text files, and why others were refused."""

    images: list[ImageAttachment]
    texts: list[TextAttachment]
    refused: list[str]


def read_attachments(typed: str, used: int) -> Attached:
    """Read what `typed` names: images by their first bytes, the rest as text. `used`: the
    bytes of text files already attached to this prompt."""
    attached = Attached([], [], [])
    try:
        paths = expand(typed)
    except OSError as error:
        attached.refused.append(f"Cannot read {typed}: {error.strerror or error}")
        return attached
    if not paths:
        attached.refused.append(f"No file matches {typed}.")
    if len(paths) > MAX_FILES:
        attached.refused.append(f"{typed} names more than {MAX_FILES} files; only the first are.")
        paths = paths[:MAX_FILES]
    for path in paths:
        try:
            with path.open("rb") as file:
                head = file.read(16)
        except OSError:
            head = b""
        try:
            if image_kind(head) is not None:
                attached.images.append(read_image(str(path)))
            else:
                file_ = read_text_file(path, MAX_TOTAL_BYTES - used)
                used += file_.size
                attached.texts.append(file_)
        except (ImageProblem, ValueError) as problem:
            attached.refused.append(str(problem))
    return attached
