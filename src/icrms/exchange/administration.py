"""This administration: its exchange code, name, country and signing identity."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from icrms.core.identity import Identity, load_identity
from icrms.errors import ConfigurationError
from icrms.exchange import stix
from icrms.settings import Settings


@dataclass(frozen=True)
class Administration:
    """The local customs administration as partners know it."""

    code: str
    name: str
    country: str | None
    identity: Identity

    @property
    def public_key_b64(self) -> str:
        """The public key as partners register it."""
        return base64.b64encode(self.identity.public_key).decode("ascii")

    @property
    def stix_id(self) -> str:
        """The STIX identity id of this administration."""
        return identity_id(self.code)

    def stix_identity(self) -> dict[str, Any]:
        """This administration as a STIX identity object."""
        return identity_object(self.code, self.name, self.country)

    def describe(self) -> dict[str, Any]:
        """What ``icrms identity show`` prints and a partner registers."""
        return {
            "administration": self.code,
            "name": self.name,
            "country": self.country,
            "public_key": self.public_key_b64,
            "fingerprint": self.identity.fingerprint,
            "stix_identity": self.stix_id,
        }


def identity_id(code: str) -> str:
    """The STIX identity id of an administration code (the same on every instance)."""
    return stix.stable_id("identity", "administration", code)


def identity_object(code: str, name: str, country: str | None) -> dict[str, Any]:
    """A STIX identity for an administration, with the administration extension."""
    ext: dict[str, Any] = {"extension_type": "property-extension", "code": code}
    if country:
        ext["country"] = country
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(code),
        "created": stix.DEFINED,
        "modified": stix.DEFINED,
        "name": name,
        "identity_class": "organization",
        "sectors": ["government-national"],
        "object_marking_refs": [stix.TLP_IDS["clear"]],
        "extensions": {stix.EXT["administration"]: ext},
    }


def local_administration(settings: Settings) -> Administration:
    """The administration this instance speaks for (``ICRMS_EXCHANGE__ADMINISTRATION``)."""
    code = settings.exchange.administration
    if code is None:
        raise ConfigurationError(
            "no administration code: set ICRMS_EXCHANGE__ADMINISTRATION (e.g. the ISO country code)"
        )
    identity = load_identity(settings.home / "keys")
    return Administration(
        code,
        settings.exchange.name or f"Customs administration {code}",
        settings.exchange.country,
        identity,
    )
