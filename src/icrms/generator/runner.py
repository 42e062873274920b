"""``generate``: write a synthetic declaration file, chunk by chunk."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from icrms.generator import oracle
from icrms.generator.controls import RANDOM
from icrms.generator.headers import Run
from icrms.generator.tables import DATE_SCHEMA, NATIVE_SCHEMA, build_chunk, date_table, native_table
from icrms.generator.writers import SUFFIXES, open_writer

DEFAULT_CHUNK = 50_000  # declarations per chunk
FORMATS = ("native", "date")


@dataclass(frozen=True)
class GenerateResult:
    """What ``generate`` wrote.

    Attributes:
        declarations: Declarations written.
        rows: Item rows written.
        controlled: Declarations with a control result (every declaration in DATE format,
            where all rows carry a label).
        random_controls: Declarations controlled at random (0 in DATE format).
        path: The file written.
        oracle: The oracle file written beside it (``oracle.py``): what the mechanisms knew.
    """

    declarations: int
    rows: int
    controlled: int
    random_controls: int
    path: Path
    oracle: Path


def _check(declarations: int, seed: int, out: Path, fmt: str, chunk_size: int) -> str:
    limits = (("declarations", declarations, 1), ("seed", seed, 0), ("chunk_size", chunk_size, 1))
    for name, value, low in limits:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"out must end in {', '.join(SUFFIXES)}, got {str(out)!r}")
    return suffix


def generate(
    declarations: int,
    seed: int,
    out: Path,
    fmt: Literal["native", "date"] = "native",
    progress: Callable[[int], None] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> GenerateResult:
    """Write ``declarations`` synthetic declarations with planted fraud patterns to ``out``.

    The same arguments give a byte-identical file, whatever ``chunk_size`` (Parquet: the same
    rows; row groups follow the chunks). The file is written beside ``out`` under a ``.part``
    name and moved into place only when complete; so is the oracle file
    (``<name>.oracle.parquet``, :mod:`icrms.generator.oracle`), which training never reads.

    Args:
        declarations: Number of declarations (each has 1 to 10 item rows).
        seed: Non-negative seed.
        out: Output path; ``.csv``, ``.jsonl`` or ``.parquet`` chooses the format.
        fmt: ``"native"`` (the flat format of ``declarations.fields`` plus control columns) or
            ``"date"`` (the DATE/BACUDA columns, every row labelled).
        progress: Called after each chunk with the number of declarations written so far.
        chunk_size: Declarations drawn and written per chunk (bounds memory use).

    Returns:
        Counts of what was written and the path.

    Raises:
        ValueError: An argument is out of range or the suffix of ``out`` is unknown.
    """
    out = Path(out)
    suffix = _check(declarations, seed, out, fmt, chunk_size)
    run = Run.create(int(seed), int(declarations))
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    truth = oracle.oracle_path(out)
    truth_part = truth.with_name(truth.name + ".part")
    writer = open_writer(part, NATIVE_SCHEMA if fmt == "native" else DATE_SCHEMA, suffix)
    writers = [writer]
    rows = controlled = random_controls = 0
    try:
        writers.append(open_writer(truth_part, oracle.SCHEMA, ".parquet"))
        for start in range(0, declarations, chunk_size):
            stop = min(start + chunk_size, declarations)
            chunk = build_chunk(run, start, stop)
            if fmt == "native":
                table, ctl = native_table(run, start, stop, chunk)
                controlled += int(np.count_nonzero(ctl.selection))
                random_controls += int(np.count_nonzero(ctl.selection == RANDOM))
            else:
                table = date_table(run, start, stop, chunk)
                controlled += stop - start
            writer.write(table)
            writers[1].write(oracle.oracle_table(chunk, fmt))
            rows += table.num_rows
            if progress is not None:
                progress(stop)
        for w in writers:
            w.close()
    except BaseException:
        for w in writers:
            with contextlib.suppress(Exception):
                w.close()
        for path in (part, truth_part):
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    os.replace(truth_part, truth)
    os.replace(part, out)
    return GenerateResult(declarations, rows, controlled, random_controls, out, truth)
