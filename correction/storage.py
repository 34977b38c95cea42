"""Where uploaded files live: one small interface, a local-disk implementation.

Services only see `FileStore`. Object storage (OSS, COS, S3) would be another implementation of the same three
methods, chosen in `correction.components.install`; nothing else would change.
"""

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

# Keys are relative paths of plain segments: no `..`, no leading `/` or `.`, no backslashes or empty segments.
# A leading dot is refused too, so no key can name one of LocalFileStore's temporary files.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_MAX_KEY_LENGTH = 200  # Upload.storage_key


class FileStore(Protocol):
    """Bytes under string keys such as `photos/2026/11/<random>.jpg`."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing what was there; readers see the old or the new bytes, never part."""

    def get(self, key: str) -> bytes:
        """The bytes under `key`.

        :raises KeyError: nothing is stored under `key`.
        """

    def delete(self, key: str) -> None:
        """Remove `key`; removing a missing key is not an error."""


class LocalFileStore:
    """Files under one root folder; writes go to a temporary file in the target folder, then `os.replace`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        """The file behind `key`.

        :raises ValueError: the key is malformed or would leave the root (also through a symlink).
        """
        if not isinstance(key, str) or len(key) > _MAX_KEY_LENGTH or not _KEY.fullmatch(key):
            raise ValueError(f"invalid storage key {key!r}")
        root = self.root.resolve()
        path = (root / key).resolve()
        if not path.is_relative_to(root) or path == root:
            raise ValueError(f"storage key {key!r} escapes {root}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Same folder as the target, so os.replace is a rename on one file system: atomic.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mode 0600: photos are for the service only
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError as exc:
            raise KeyError(key) from exc

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)
