"""Keeping a long run's memory flat under glibc malloc (Linux; elsewhere these do nothing).

Page bodies and parse trees are large and short-lived. glibc raises its mmap threshold after the
first large buffer is freed, and from then on such buffers come from the heap, where freed space is
rarely given back: a process's RSS ratchets up to the largest batch or page it ever held.
`tune()` keeps every allocation over 128 KB in its own mapping (unmapped when freed) and trims the
heap top sooner; `trim()` gives free heap pages back (about 1 ms), for use after a large page.

Both cost page faults: memory given back is faulted in again when it is used next. The flow process
uses `tune()`; the cleaning workers do not, and `trim()` every 50 pages and after a page over 1 MB
(pages.py): measured over 700 WCXB pages (bench/worker_malloc.py), 625 page faults and 1.35 ms of
system time per page instead of 1,485 and 3 ms, 3.2 ms of CPU less, the same RSS at the end and a
peak 12-18 MB higher; at 10,000 pages the two workers peaked about 50 MB higher.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

__all__ = ["tune", "trim"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - glibc only
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def tune() -> None:
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
        libc.mallopt(_M_TRIM_THRESHOLD, 4 * 1024 * 1024)


def trim() -> None:
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
