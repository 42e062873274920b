"""Hidden characters never reach a store through ``profiles add`` nor a terminal through
``profiles list``/``show``, even for a version stored before they were refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from icrms.cli import app
from icrms.core.db import Store
from icrms.profiles.tables import ProfileVersionRow
from icrms.settings import Settings

runner = CliRunner()
HIDDEN = "hs6 IN ('8517\x0013') \x1b[8m OR TRUE\x1b[0m"


def test_profiles_add_refuses_a_nul_and_an_escape_sequence(
    workspace: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "p.json"
    source.write_text(
        '{"code": "NUL-1", "name": "n", "purpose": "p", "category": "revenue", "score": 5,'
        ' "criteria": "hs6 IN (\'8517\\u000013\')"}'
    )
    added = runner.invoke(app, ["profiles", "add", str(source)])
    assert added.exit_code != 0
    assert "U+0000" in added.output and "\x00" not in added.output


def test_list_and_show_print_stored_escapes_as_text(workspace: Settings) -> None:
    store = Store(workspace.store_url)
    with store.session() as s:
        s.add(
            ProfileVersionRow(
                code="OLD-1",
                version=1,
                status="draft",
                name="old \u202eprofile",
                purpose="p",
                category="revenue",
                criteria=HIDDEN,
                score=5,
                min_channel="yellow",
                selection_rate=1.0,
                owner="o",
                provenance="local",
                created_at=datetime.now(UTC),
            )
        )
    store.dispose()
    for command in (["profiles", "list"], ["profiles", "show", "OLD-1"]):
        shown = runner.invoke(app, command)
        assert shown.exit_code == 0, shown.output
        assert "OLD-1" in shown.output
        for raw in ("\x00", "\x1b", "\u202e"):
            assert raw not in shown.output
