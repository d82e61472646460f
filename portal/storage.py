"""File storage behind one small interface: content-addressed files in a local folder.

Files are named by their SHA-256, never by anything a user typed, so the same content is stored once
and no uploaded name can reach the file system. A mounted volume shares the folder between machines.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, BinaryIO

from flask import current_app

CHUNK = 1024 * 1024


class TooLarge(ValueError):
    pass


class LocalStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path_for(self, kind: str, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / kind / sha256[:2] / sha256[2:4] / sha256

    def put(self, kind: str, stream: IO[bytes], *, max_bytes: int) -> tuple[str, int, bytes]:
        """Store the stream; return ``(sha256, size, head)`` where head is its first 8 KiB for sniffing.

        The data goes to a temporary file first and is moved into place only when complete, so a
        reader never sees half a file, and a file over ``max_bytes`` is refused without being kept.
        """
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, temp_name = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as temp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"larger than {max_bytes} bytes")
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    digest.update(chunk)
                    temp.write(chunk)
            sha256 = digest.hexdigest()
            target = self.path_for(kind, sha256)
            if target.exists():
                os.unlink(temp_name)
                os.utime(target)  # stored again: it counts as new for remove_older_than
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp_name, target)
            return sha256, size, head
        except BaseException:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
            raise

    def open(self, kind: str, sha256: str) -> BinaryIO:
        return self.path_for(kind, sha256).open("rb")

    def exists(self, kind: str, sha256: str) -> bool:
        return self.path_for(kind, sha256).exists()

    def iter_bytes(self, kind: str, sha256: str) -> Iterator[bytes]:
        with self.open(kind, sha256) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def remove_older_than(self, kind: str, cutoff: datetime) -> int:
        """Delete the files of ``kind`` last stored before ``cutoff`` (UTC); return how many."""
        folder = self.root / kind
        if not folder.is_dir():
            return 0
        limit = cutoff.replace(tzinfo=cutoff.tzinfo or UTC).timestamp()
        removed = 0
        for path in folder.glob("*/*/*"):
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def current_storage() -> LocalStorage:
    return LocalStorage(current_app.config["STORAGE_DIR"])
