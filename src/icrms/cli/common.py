"""What every command shares: settings, opening the store and warehouse, output, errors."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from icrms.core.db import Store
from icrms.errors import IcrmsError, cut, quote
from icrms.settings import Settings, get_settings
from icrms.warehouse.base import Warehouse, open_warehouse

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])

BUSY_WAIT = 60.0
"""Seconds a command waits for a warehouse file held by another process."""
JSON_OPTION = typer.Option(False, "--json", help="Print the result as JSON on stdout.")


def settings() -> Settings:
    """The settings, with the workspace folder created."""
    current = get_settings()
    current.ensure_home()
    return current


def warehouse(current: Settings | None = None, *, wait: float = BUSY_WAIT) -> Warehouse:
    """Open the configured warehouse, waiting up to ``wait`` seconds while another process holds
    the DuckDB file (a served icrms holds it for the seconds a request, a job or the overview's
    preparation takes), then refusing with the reason."""
    from icrms.warehouse.duckdb import WarehouseBusyError

    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return open_warehouse(current or settings())
        except WarehouseBusyError:
            if time.monotonic() >= deadline:
                raise
            if not told:
                err_console.print("waiting: the warehouse is open in another process")
                told = True
            time.sleep(0.5)


def store(current: Settings | None = None) -> Store:
    """Open the operational store, migrated to the newest schema."""
    return Store((current or settings()).store_url)


def cli_actor() -> str:
    """How the audit trail names whoever runs a command (``cli:<os user>``)."""
    import getpass
    import os

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = str(os.getuid())
    return f"cli:{name}"


def emit(data: Any, as_json: bool, human: Callable[[], object]) -> None:
    """Print JSON on stdout for scripts, or the human rendering."""
    if as_json:
        sys.stdout.write(json.dumps(data, default=str, indent=2) + "\n")
    else:
        human()


# C0/C1 controls (terminal escape sequences), invisible and direction-changing characters
_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def visible(text: str) -> str:
    """``text`` with characters a terminal would act on or hide shown as escapes (``\\x1b``)."""
    return _UNSEEN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def print_lines(lines: Iterable[str]) -> None:
    """Print each line as it is meant to be read: no markup, no highlighting, no escapes."""
    for line in lines:
        console.print(visible(line), highlight=False, markup=False)


def handle_errors(func: F) -> F:
    """Turn IcrmsError into a one-line message and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except IcrmsError as exc:
            _error(cut(exc.message, 2000))
            raise typer.Exit(2) from exc
        except PydanticValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or exc.title
                _error(f"{field}={quote(error.get('input'))}: {cut(error['msg'])}")
            raise typer.Exit(2) from exc

    return wrapper  # type: ignore[return-value]


def _error(message: str) -> None:
    """One error line on stderr; the message is plain text, never markup."""
    err_console.print(Text.assemble(("error:", "red"), " ", message), highlight=False)


@contextmanager
def progress_bar(
    label: str, total: int | None, enabled: bool = True
) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields a callback taking the number of units just done."""
    if not enabled:
        yield lambda _n: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
