"""Provides atomic, private file writes: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"


def temp_name_for(path: Path) -> str:
    """A hidden, unique temporary name beside `path`, recognisable as ours."""
    return f"{TEMP_PREFIX}{path.name}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}"


def is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def sync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable (they then outlive a power cut, not only a kill);
    some filesystems cannot open a directory, and then this does nothing."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(
    path: Path, data: bytes, *, mode: int = 0o600, then_sync_folder: bool = True
) -> None:
    """Replace `path` with `data` so that a crash at any moment leaves the old or new file.

    The temporary file is created with `mode` from the start (O_EXCL, not chmod after), so the
    content is never readable by others, whatever the umask. It is synced before it is renamed
    into place, so that even a power cut leaves the old file or the whole new one.

    `then_sync_folder=False` leaves the folder's sync (`sync_folder`) to the caller: until it
    runs, a power cut may bring back the old file, but a kill of the process cannot.

    Raises:
        OSError: unchanged, for example ENOSPC on a full disk; the old file is intact and the
            temporary file removed.
    """
    temp = path.with_name(temp_name_for(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temp, flags, mode)
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have taken bits away; never adds any
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if then_sync_folder:
        sync_folder(path.parent)


def write_user_file(path: Path, data: bytes) -> Path:
    """Write a file the user named (an export), changing nothing they did not ask to change.

    A symlink stays a symlink: the file it names is written. An existing file keeps its
    mode; a new one is private (0600). A device or FIFO (`/dev/stdout`) is written as it is,
    since it cannot be replaced. Returns the file written.

    Raises:
        IsADirectoryError: `path` is a folder (`/`, `.`, `~/exports/`), said in words.
        OSError: unchanged; an existing regular file is then as it was.
    """
    if not path.name or path.is_dir():
        # `/` and `.` have no name for the temporary file beside them (with_name raised
        # ValueError, which ended the app); any folder is refused before it is touched.
        raise IsADirectoryError(errno.EISDIR, "that is a folder: name a file to write", str(path))
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info = target.stat()
    except FileNotFoundError:
        atomic_write_bytes(target, data)
        return target
    if not stat.S_ISREG(info.st_mode):
        with target.open("wb") as file:
            file.write(data)
        return target
    atomic_write_bytes(target, data, mode=stat.S_IMODE(info.st_mode))
    return target


def ensure_private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create `path` as 0700, whatever the umask, and each missing parent alike (`mkdir -p`
    would make those with the umask's mode: a data folder deleted while the app runs, made
    again as the parent of its `locks`, would be readable by all).

    Args:
        path: The folder.
        tighten: Also set an existing folder we own to 0700. Off for a folder the user
            named, which may be shared on purpose.
    """
    existed = path.is_dir()
    if not existed and not path.parent.is_dir():
        ensure_private_dir(path.parent, tighten=False)
    path.mkdir(mode=0o700, exist_ok=True)
    if not existed or tighten:
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(path, 0o700)
    return path
