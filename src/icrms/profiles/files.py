"""Profiles as YAML or JSON files: one profile or a list of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from icrms.core.documents import read_document
from icrms.errors import ValidationError
from icrms.profiles.schemas import ProfileCreate, ProfileRead


def read_profiles(path: Path) -> list[ProfileCreate]:
    """Profiles from a .yaml/.yml/.json file; an invalid one names the file, the profile and the field."""
    data: Any = read_document(path)
    items = data if isinstance(data, list) else [data]
    profiles = []
    for n, item in enumerate(items, start=1):
        if item is not None and not isinstance(item, dict):
            raise ValidationError(f"{path.name}: profile #{n}", item, "is not a mapping of fields")
        fields = {
            k: v
            for k, v in (item or {}).items()
            if k not in ("version", "status", "created_at", "note")
        }
        try:
            profiles.append(ProfileCreate.model_validate(fields))
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "profile"
            label = fields.get("code", f"#{n}")
            raise ValidationError(
                f"{path.name}: profile {label}: {where}", first.get("input"), first["msg"]
            ) from exc
    return profiles


def dump_profiles(profiles: list[ProfileRead], fmt: str) -> str:
    """Profiles as YAML or JSON text, ready to import elsewhere."""
    data = [p.model_dump(mode="json", exclude={"created_at"}) for p in profiles]
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
