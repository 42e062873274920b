"""``icrms identity``: this administration's code and the fingerprint of its signing key."""

from __future__ import annotations

import typer

from icrms.cli.common import JSON_OPTION, emit, handle_errors, print_lines, settings
from icrms.exchange.administration import local_administration

app = typer.Typer(help="This instance's administration code and signing key.", no_args_is_help=True)


@app.command("show")
@handle_errors
def show(as_json: bool = JSON_OPTION) -> None:
    """Print the administration code, public key and its fingerprint (read it out to partners)."""
    info = local_administration(settings()).describe()
    emit(
        info,
        as_json,
        lambda: print_lines(
            [
                f"administration  {info['administration']} ({info['name']})",
                f"country         {info['country'] or '-'}",
                f"public key      {info['public_key']}",
                f"fingerprint     {info['fingerprint']}",
            ]
        ),
    )
