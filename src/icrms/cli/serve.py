"""``icrms serve``: the API and the web application on uvicorn."""

from __future__ import annotations

import typer

from icrms.cli.common import handle_errors, settings
from icrms.errors import ConfigurationError


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Worker processes (more than one needs PostgreSQL)."
    ),
) -> None:
    """Serve the API v1 and the web application (refuses to start without configured secrets)."""
    import uvicorn

    from icrms.api.app import check_secrets

    current = settings()
    check_secrets(current)
    if workers > 1 and current.store_url.startswith("sqlite"):
        raise ConfigurationError(
            "several workers need PostgreSQL (ICRMS_DATABASE_URL); SQLite serves with one"
        )
    uvicorn.run(
        "icrms.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
    )
