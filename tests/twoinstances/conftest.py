"""Two administrations, XA and XB, each a real ``icrms serve`` process on a loopback port.

Each has its own workspace, SQLite store and Ed25519 key pair. They register each other from
``icrms identity show --json`` with the fingerprint confirmed, agree on every object kind, and
exchange partner tokens (``icrms exchange partners token``). XB also knows a third partner, XC
(a key pair and nothing else), with which it shares a profile, so that XC has a collection at XB.
XB holds generated history (for backtests) and API tokens for two analysts, an officer and the
clearance system. The servers start once for the module and stop at its end.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from icrms.auth import service as auth
from icrms.auth.schemas import Role, TokenCreate
from icrms.cli import app as cli_app
from icrms.core.db import Store
from icrms.exchange.administration import Administration, local_administration
from icrms.settings import ExchangeSettings, Settings, get_settings
from tests.exchange_support import free_port, serve_env, start_server, stop_server

KINDS = "indicator,alert,seizure,sighting,pre-arrival,aggregate-statistics"


@dataclass
class Node:
    """One administration: its workspace, environment, store and (when started) server."""

    code: str
    home: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    _store: Store | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_root(self) -> str:
        return f"{self.url}/taxii2/exchange/"

    @property
    def env(self) -> dict[str, str]:
        return serve_env(self.home, self.code)

    @property
    def settings(self) -> Settings:
        return Settings(
            home=self.home,
            exchange=ExchangeSettings(administration=self.code, name=f"Customs {self.code}"),
        )

    @property
    def admin(self) -> Administration:
        return local_administration(self.settings)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.store_url)
        return self._store

    def cli(self, *args: str, ok: bool = True) -> str:
        """Run ``icrms ARGS`` as this administration (in this process, as the console does)."""
        env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("ICRMS_")}
        env.update(self.env)
        get_settings.cache_clear()
        result = CliRunner().invoke(cli_app, list(args), env=env)
        get_settings.cache_clear()
        assert (result.exit_code == 0) == ok, f"icrms {' '.join(args)}: {result.output}"
        return result.output

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json"))

    def api(self, method: str, path: str, who: str, **kwargs: Any) -> httpx.Response:
        """A request to this administration's API with one of its tokens (or a raw token)."""
        token = self.tokens.get(who, who)
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=60, **kwargs)

    def start(self, log: Path) -> None:
        self.process = start_server(self.env, self.port, log)

    def stop(self) -> None:
        stop_server(self.process)
        if self._store is not None:
            self._store.dispose()


@dataclass
class Pair:
    """XA and XB running, and XC's identity (no server)."""

    a: Node
    b: Node
    c: Node
    c_token_at_b: str
    tmp: Path


def _identity(node: Node, folder: Path) -> dict[str, Any]:
    info: dict[str, Any] = node.cli_json("identity", "show")
    (folder / f"{node.code}.json").write_text(json.dumps(info), encoding="utf-8")
    return info


def _register(local: Node, other: Node, info: dict[str, Any], folder: Path) -> None:
    local.cli(
        "exchange", "partners", "add", "--from-file", str(folder / f"{other.code}.json"),
        "--api-root", other.api_root,
    )  # fmt: skip
    local.cli("exchange", "partners", "confirm", other.code, "--fingerprint", info["fingerprint"])
    local.cli("exchange", "agreement", "set", other.code, "--send", KINDS, "--receive", KINDS)


def _token(issuer: Node, holder: Node, folder: Path, keep: bool = True) -> str:
    """``issuer`` issues ``holder`` a partner token; ``holder`` keeps it for ``issuer``'s API
    (XC, which registers no partner, only gets the file)."""
    token = str(
        issuer.cli_json("exchange", "partners", "token", holder.code, "--days", "30")["token"]
    )
    path = folder / f"{holder.code}-at-{issuer.code}.token"
    path.write_text(token, encoding="utf-8")
    if keep:
        holder.cli("exchange", "partners", "set", issuer.code, "--token-file", str(path))
    return token


def _history(node: Node) -> None:
    """Generated declarations with control results in the node's warehouse (for backtests)."""
    from icrms.generator import generate
    from icrms.ingest.flows import ingest_file
    from icrms.warehouse.base import open_warehouse

    settings = node.settings
    settings.ensure_home()
    path = node.home / "history.parquet"
    generate(declarations=300, seed=5, out=path, fmt="native")
    with open_warehouse(settings) as wh:
        ingest_file(wh, path, fmt="native", settings=settings)


def _staff(node: Node) -> None:
    with node.store.session() as s:
        for name, role, office in (
            ("analyst1", Role.analyst, None),
            ("analyst2", Role.analyst, None),
            ("officer", Role.officer, "0042"),
            ("cdps", Role.system, None),
        ):
            node.tokens[name] = auth.create_token(
                s, token=TokenCreate(name=name, role=role, office_code=office), actor="setup"
            ).token


PROFILE_YAML = """
code: {code}
name: {name}
purpose: Smartphones declared far below the usual unit value
category: revenue
criteria: "hs6 = '851713' AND unit_value < 100"
score: 70
min_channel: red
"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    tmp = tmp_path_factory.mktemp("two-instances")
    a, b, c = Node("XA", tmp / "a"), Node("XB", tmp / "b"), Node("XC", tmp / "c")
    ids = {n.code: _identity(n, tmp) for n in (a, b, c)}
    _register(a, b, ids["XB"], tmp)
    _register(b, a, ids["XA"], tmp)
    _register(b, c, ids["XC"], tmp)
    _token(a, b, tmp)
    _token(b, a, tmp)
    c_token = _token(b, c, tmp, keep=False)
    _staff(a)
    _staff(b)
    _history(b)
    (tmp / "xc-profile.yaml").write_text(
        PROFILE_YAML.format(code="XB-FOR-XC", name="For XC only"), encoding="utf-8"
    )
    b.cli("profiles", "add", str(tmp / "xc-profile.yaml"))
    b.cli("exchange", "share", "profile", "XB-FOR-XC", "--to", "XC", "--tlp", "amber")
    try:
        a.start(tmp / "a.log")
        b.start(tmp / "b.log")
        yield Pair(a, b, c, c_token, tmp)
    finally:
        a.stop()
        b.stop()
