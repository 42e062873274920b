"""Indicator answers kept while the warehouse has not changed, and a warehouse opened only when
an answer is missing.

A DuckDB warehouse is one file (plus its write-ahead log while a writer holds it): any write by
any process (ingest, ETL, bulk assessment) changes the size or modification time of one of them,
so that pair is the warehouse's state, read without opening the file. Answers computed at one
state are served again only at the same state; a backend without such a file (Spark) is never
cached. Pages read this way: a dashboard whose answers are all kept does not open the warehouse.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import TypeVar

from icrms.settings import Settings
from icrms.warehouse.base import Warehouse

T = TypeVar("T")
SIZE = 256  # answers kept (a dashboard page holds at most a dozen)
State = tuple[Hashable, ...]

_lock = threading.Lock()
_answers: OrderedDict[tuple[Hashable, ...], object] = OrderedDict()


def file_state(path: Path) -> State:
    """A DuckDB file's identity and state: its path, and size and mtime of it and its log."""
    marks: list[Hashable] = [str(path.resolve())]
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            st = file.stat()
        except FileNotFoundError:
            marks.append(None)
            continue
        marks.append((st.st_size, st.st_mtime_ns))
    return tuple(marks)


def warehouse_state(settings: Settings) -> State | None:
    """The configured warehouse's state, or None when it cannot be told without opening it."""
    if settings.warehouse.type != "duckdb":
        return None
    return file_state(settings.warehouse_path)


def cached(at: State | None, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its answer from an earlier call at the same warehouse state."""
    if at is None:
        return compute()
    full = (at, key)
    with _lock:
        if full in _answers:
            _answers.move_to_end(full)
            return _answers[full]  # type: ignore[return-value]
    answer = compute()
    with _lock:
        _answers[full] = answer
        while len(_answers) > SIZE:
            _answers.popitem(last=False)
    return answer


def clear() -> None:
    """Forget every answer."""
    with _lock:
        _answers.clear()


class WarehouseReader:
    """A warehouse opened at most once, on the first answer that is not kept.

    Use as a context manager; ``warehouse`` opens it (through ``opener``) when first asked.
    """

    def __init__(
        self, opener: Callable[[], AbstractContextManager[Warehouse]], state: State | None
    ) -> None:
        self._opener = opener
        self.state = state
        self._stack = ExitStack()
        self._opened: Warehouse | None = None

    @property
    def warehouse(self) -> Warehouse:
        if self._opened is None:
            self._opened = self._stack.enter_context(self._opener())
        return self._opened

    def kept(self, key: Hashable, compute: Callable[[Warehouse], T]) -> T:
        """``compute(warehouse)``, kept at this reader's state."""
        return cached(self.state, key, lambda: compute(self.warehouse))

    def __enter__(self) -> WarehouseReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
