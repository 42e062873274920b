"""Files icrms writes for people: never through a link someone placed, never read as formulas."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: formula-like text gets a leading ``'``.

    Plain numbers such as ``-5`` or ``+1e3`` are left as they are (they are not formulas).
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


@contextmanager
def open_output(target: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A text file written beside ``target`` and renamed onto it when complete.

    The rename replaces whatever sits at ``target`` (a symbolic link included) instead of
    writing through it, and a reader never sees half a file. The file is the owner's only.

    Raises:
        OSError: the folder cannot be written.
    """
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
