"""A command waits while another process (a served icrms, say) holds the warehouse file briefly,
and refuses with the reason when it is held for longer than it waits."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from icrms.cli.common import warehouse
from icrms.settings import Settings
from icrms.warehouse.duckdb import WarehouseBusyError

HOLD = (  # another process with the warehouse file open for writing, for argv[2] seconds
    "import sys, time, duckdb\n"
    "held = duckdb.connect(sys.argv[1])\n"
    "print('held', flush=True); time.sleep(float(sys.argv[2])); held.close()\n"
)


def hold(workspace: Settings, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(workspace.warehouse_path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_command_waits_for_a_brief_hold(workspace: Settings) -> None:
    holder = hold(workspace, 2)
    started = time.monotonic()
    with warehouse(workspace, wait=30) as wh:
        assert wh.count("fact_item") == 0
    assert time.monotonic() - started >= 1
    holder.wait(10)


def test_a_command_refuses_a_long_hold_with_the_reason(workspace: Settings) -> None:
    holder = hold(workspace, 30)
    try:
        with pytest.raises(WarehouseBusyError, match="open in another process"):
            warehouse(workspace, wait=1)
    finally:
        holder.kill()
        holder.wait(10)
