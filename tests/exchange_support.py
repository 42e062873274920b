"""Two administrations in one test: each with its own workspace, store and key pair."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
