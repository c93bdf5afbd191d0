"""Folders and files the app creates are its own: 0700 and 0600, whatever the process umask.

The instance folder holds the demo's secret key, the SQLite database and uploads waiting to be
imported; the photo folder holds pictures of people's buildings. A umask of 022 (the usual default)
would leave all of them readable by every account on the machine. Modes are set explicitly after
creating, since the umask can only narrow what open() and mkdir() are given.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dir(path: Path) -> Path:
    """Create `path` and its missing parents as 0700; folders that already exist are left as they are."""
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # another worker made it a moment ago, and made it private
        os.chmod(folder, PRIVATE_DIR)
    return path


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write the file (created or replaced) so that only this account can read it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), PRIVATE_FILE)  # an existing file keeps its mode through O_CREAT
        out.write(data)


def create_private_file(path: Path) -> None:
    """Create an empty 0600 file unless one is there (SQLite gives its -wal and -shm files the same mode)."""
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.fchmod(fd, PRIVATE_FILE)
    os.close(fd)


def write_private_once(path: Path, data: bytes) -> None:
    """Write the file unless it exists; a second process racing this one never sees it half written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_private_bytes(tmp, data)
    try:
        os.link(tmp, path)  # unlike a rename, fails when another process has written it first
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
