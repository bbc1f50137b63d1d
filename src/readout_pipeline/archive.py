"""The raw archive: every fetched body, stored before it is parsed.

Files are content-addressed: `<archive_dir>/ab/cd/<sha256>.gz`, where the name is the SHA-256 of
the raw (decoded) body. Nothing taken from a URL or a header ever becomes part of a path. Writes
are atomic (temporary file + rename), so a crash leaves either the whole file or none, and storing
the same body twice is a no-op. Re-parsing reads from here and never needs the network. A file
found damaged is moved aside (`set_aside`), so that the next store of that body writes it whole.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
import zlib
from pathlib import Path

from .errors import WarehouseError

_SHA256 = re.compile(r"[0-9a-f]{64}")
# What reading gzip data that is not whole raises: a wrong header, an end before the end, bad bytes.
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def archive_path(archive_dir: Path, sha256: str) -> Path:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return archive_dir / sha256[:2] / sha256[2:4] / f"{sha256}.gz"


def store(archive_dir: Path, body: bytes, *, gzipped: bytes | None = None) -> str:
    """Store `body` (idempotent) and return its SHA-256. `gzipped`: gzip data already known to
    decompress to `body` (a saved .html.gz file, or a response body that came as one gzip member),
    written as it is instead of compressing again."""
    sha = body_sha256(body)
    path = archive_path(archive_dir, sha)
    if path.exists():
        return sha
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".gz")
        try:
            with os.fdopen(fd, "wb") as raw:
                if gzipped is not None:
                    raw.write(gzipped)
                else:
                    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz:
                        gz.write(body)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise WarehouseError(f"cannot write raw archive under {archive_dir}: {exc.strerror}") from exc
    return sha


def load(archive_dir: Path, sha256: str) -> bytes:
    """Read a stored body back; verifies its hash."""
    path = archive_path(archive_dir, sha256)
    try:
        with gzip.open(path, "rb") as fh:
            body = fh.read()
    except FileNotFoundError:
        raise WarehouseError(f"raw body {sha256} is missing from the archive {archive_dir}") from None
    except GZIP_ERRORS:
        raise WarehouseError(f"raw body {sha256} in {archive_dir} is corrupt (not whole gzip data)") from None
    except OSError as exc:
        raise WarehouseError(f"cannot read raw body {sha256} in {archive_dir}: {exc.strerror}") from None
    if body_sha256(body) != sha256:
        raise WarehouseError(f"raw body {sha256} in {archive_dir} is corrupt (hash mismatch)")
    return body


def contains(archive_dir: Path, sha256: str) -> bool:
    return archive_path(archive_dir, sha256).exists()


DAMAGED_SUFFIX = ".damaged"


def set_aside(archive_dir: Path, sha256: str) -> Path | None:
    """Move a damaged body file out of the way, to ``<name>.damaged`` next to it (kept for
    inspection), so that storing the same body again writes a whole file where `store` would
    otherwise trust the damaged one. Returns where it went; None when the file is whole or absent."""
    path = archive_path(archive_dir, sha256)
    try:
        load(archive_dir, sha256)
        return None
    except WarehouseError:
        if not path.exists():
            return None
    aside = path.with_name(path.name + DAMAGED_SUFFIX)
    try:
        os.replace(path, aside)
    except OSError as exc:
        raise WarehouseError(f"cannot move the damaged raw body {sha256} aside: {exc.strerror}") from None
    return aside
