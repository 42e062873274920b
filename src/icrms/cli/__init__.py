"""The ``icrms`` command line: one root and a group per domain."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError as PydanticValidationError

from icrms.cli import (
    assess,
    audit,
    controls,
    demo,
    exchange,
    generate,
    identity,
    ingest,
    jobs,
    kpis,
    models,
    policy,
    profiles,
    report,
    serve,
    threats,
    users,
    warehouse,
    watchlists,
)
from icrms.core.logging import configure
from icrms.errors import cut, quote
from icrms.settings import get_settings

app = typer.Typer(
    help="icrms: Integrated Customs Risk Management System.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("ingest")(ingest.ingest)
app.command("generate")(generate.generate)
app.command("demo")(demo.demo)
app.command("assess")(assess.assess)
app.command("kpis")(kpis.kpis)
app.add_typer(controls.app, name="controls")
app.add_typer(warehouse.app, name="warehouse")
app.add_typer(profiles.app, name="profiles")
app.add_typer(watchlists.app, name="watchlists")
app.add_typer(models.app, name="models")
app.add_typer(policy.app, name="policy")
app.command("serve")(serve.serve)
app.add_typer(users.users, name="users")
app.add_typer(users.tokens, name="tokens")
app.add_typer(audit.app, name="audit")
app.add_typer(jobs.app, name="jobs")
app.add_typer(threats.app, name="threats")
app.add_typer(report.app, name="report")
app.add_typer(identity.app, name="identity")
app.add_typer(exchange.app, name="exchange")
app.command("evaluate")(models.evaluate)
app.command("simulate")(models.simulate)


def main() -> None:
    """Entry point of the ``icrms`` console script (bad settings: one line each, exit code 2)."""
    try:
        settings = get_settings()
    except PydanticValidationError as exc:
        for error in exc.errors():
            name = "ICRMS_" + "__".join(str(p) for p in error["loc"]).upper()
            sys.stderr.write(f"error: {name}={quote(error.get('input'))}: {cut(error['msg'])}\n")
        raise SystemExit(2) from None
    configure(settings.log_level)
    app()
