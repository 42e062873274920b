"""Run the command line as ``python -m icrms``."""

from __future__ import annotations

from icrms.cli import main

main()
