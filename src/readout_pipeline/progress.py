"""Progress bars for long work: rich bars on an interactive terminal, nothing otherwise.

Library and flow code report progress through `bar(description, total)`; whether anything is
drawn is decided once, by whether stderr is a terminal (scheduled runs and tests stay quiet).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any


class Bar:
    """A handle to advance; a no-op when progress is not shown."""

    def __init__(self, progress: Any = None, task_id: Any = None):
        self._progress = progress
        self._task_id = task_id
        self._lock = threading.Lock()

    def advance(self, n: int = 1, *_: Any) -> None:
        if self._progress is not None:
            with self._lock:
                self._progress.advance(self._task_id, n)

    def one(self, *_: Any) -> None:
        """Advance by one; usable as a per-item callback (ignores its arguments)."""
        self.advance(1)


def enabled() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def bar(description: str, total: int | None) -> Iterator[Bar]:
    if not enabled() or not total:
        yield Bar()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=False,
    ) as progress:
        yield Bar(progress, progress.add_task(description, total=total))
