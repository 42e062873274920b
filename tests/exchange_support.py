"""Two administrations in one test: each with its own workspace, store and key pair."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from icrms.core.db import Store
from icrms.exchange import partners
from icrms.exchange.administration import Administration, local_administration
from icrms.exchange.schemas import OBJECT_KINDS, AgreementSet, PartnerCreate
from icrms.profiles.schemas import ProfileCreate
from icrms.settings import ExchangeSettings, Settings


@dataclass
class Instance:
    """One administration's icrms: settings, store and identity."""

    settings: Settings
    store: Store
    admin: Administration

    @property
    def code(self) -> str:
        return self.admin.code


_TEMPLATE: list[Path] = []


def sqlite_store(path: Path) -> Store:
    """A migrated SQLite store at ``path``, copied from one migrated once per test process."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="icrms-store-template-"))
        Store(f"sqlite:///{folder / 'template.sqlite'}").dispose()
        _TEMPLATE.append(folder / "template.sqlite")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE[0], path)
    return Store(f"sqlite:///{path}", upgrade=False)


def instance(
    home: Path, code: str, country: str | None = None, store: Store | None = None
) -> Instance:
    """A fresh instance in ``home`` (its own SQLite store unless one is given)."""
    settings = Settings(
        home=home,
        exchange=ExchangeSettings(administration=code, name=f"Customs {code}", country=country),
    )
    settings.ensure_home()
    opened = store or sqlite_store(home / "icrms.sqlite")
    return Instance(settings, opened, local_administration(settings))


def register(
    local: Instance, other: Instance, *, confirm: bool = True, traders: bool = False
) -> None:
    """``local`` registers ``other`` as a partner (confirmed, every kind agreed both ways)."""
    with local.store.session() as s:
        partners.add_partner(
            s,
            partner=PartnerCreate(
                code=other.code,
                name=other.admin.name,
                country=other.admin.country,
                public_key=other.admin.public_key_b64,
            ),
        )
        if confirm:
            partners.confirm_partner(
                s, code=other.code, fingerprint=other.admin.identity.fingerprint, actor="operator"
            )
        partners.set_agreement(
            s,
            code=other.code,
            agreement=AgreementSet.model_validate(
                {
                    "send_types": list(OBJECT_KINDS),
                    "receive_types": list(OBJECT_KINDS),
                    "share_traders": traders,
                }
            ),
        )


PHONES = ProfileCreate(
    code="REV-UV-PHONES",
    name="Undervalued smartphones",
    purpose="Smartphones declared far below the usual unit value",
    category="revenue",
    criteria="hs6 = '851713' AND unit_value < 100",
    score=70,
    min_channel="red",
)


def free_port() -> int:
    """A TCP port free on the loopback interface (for a server started next)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(home: Path, code: str) -> dict[str, str]:
    """The environment of an administration's ``icrms serve`` and commands."""
    return {
        "ICRMS_HOME": str(home),
        "ICRMS_EXCHANGE__ADMINISTRATION": code,
        "ICRMS_EXCHANGE__NAME": f"Customs {code}",
        "ICRMS_POLICY_SECRET": f"exchange-test-secret-{code}-" + "q" * 16,
    }


def start_server(
    env: dict[str, str], port: int, log: Path, timeout: float = 180.0
) -> subprocess.Popen[bytes]:
    """``icrms serve`` as its own process on ``port``, once it answers /healthz."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("ICRMS_")} | env
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "icrms", "serve", "--port", str(port)],
            env=full,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.3)


def stop_server(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a server started by ``start_server`` (terminate, then kill)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
