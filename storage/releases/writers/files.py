"""Release files are personal data until someone has checked them: readable by their owner only, and
never left half written where a working group could pick them up."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def private_file(path: Path) -> None:
    """Creates (or empties) the file readable by its owner only, before anything is written into it:
    a release is personal data until someone has checked it (the writers keep the mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
    finally:
        os.close(fd)


@contextmanager
def private_output(path: Path) -> Iterator[BinaryIO]:
    """A binary handle whose bytes end up at `path`, mode 0600 from the first byte on.

    The bytes go to a hidden file beside `path` (created 0600 and exclusively, so nobody can have
    opened it before us) that replaces `path` only once everything is written: a writer that fails
    half-way leaves no truncated release behind, and an existing file at `path` with a wider mode is
    replaced by a private one instead of keeping its mode.

    Where `path` is a link, a pipe or a device (`/dev/stdout`, `-o` into a named pipe), the bytes are
    written through it in place: replacing it would swap the link or the device node itself.
    """
    if _exists(path) and not stat.S_ISREG(path.lstat().st_mode):
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, 0o600)  # a link to a file: the file becomes private, as a new one would be
        with os.fdopen(fd, "wb") as handle:
            yield handle
        return
    partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask could only narrow it, but say it outright
        with os.fdopen(fd, "wb") as handle:
            fd = -1  # the handle owns it now
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except BaseException:
        if fd != -1:
            os.close(fd)
        partial.unlink(missing_ok=True)
        raise


def _exists(path: Path) -> bool:
    try:
        path.lstat()
    except FileNotFoundError:
        return False
    return True
