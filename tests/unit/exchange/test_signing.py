"""Signatures over RFC 8785 canonical JSON: independent of serialisation, broken by any change."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icrms.core.identity import load_identity
from icrms.exchange.bundles import assemble, build_bundle
from icrms.exchange.signing import verify_bundle
from icrms.exchange.stix import version_of
from tests.exchange_support import instance
from tests.unit.exchange.test_format import AT, every_kind


def _signed(tmp: Path) -> tuple[dict, bytes]:  # type: ignore[type-arg]
    admin = instance(tmp / "a", "XA", "KR").admin
    b = build_bundle(
        admin, every_kind(admin), recipients=["XB"], issued=AT, expires=AT + timedelta(days=1)
    )
    return b, admin.identity.public_key


def test_a_signed_bundle_verifies_however_it_is_serialised(tmp_path: Path) -> None:
    b, key = _signed(tmp_path)
    assert verify_bundle(b, key)
    again = json.loads(json.dumps(b, indent=3, sort_keys=True, ensure_ascii=True))
    assert verify_bundle(again, key)


def test_another_key_does_not_verify(tmp_path: Path) -> None:
    b, _key = _signed(tmp_path)
    other = load_identity(tmp_path / "other")
    assert not verify_bundle(b, other.public_key)


def test_a_bundle_rebuilt_from_its_objects_verifies(tmp_path: Path) -> None:
    b, key = _signed(tmp_path)
    header, members = b["objects"][0], b["objects"][1:]
    by_version = {(o["id"], version_of(o)): json.loads(json.dumps(o)) for o in reversed(members)}
    rebuilt = assemble(header, by_version)
    assert rebuilt is not None and verify_bundle(rebuilt, key)
    del by_version[(members[-1]["id"], version_of(members[-1]))]
    assert assemble(header, by_version) is None


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:  # type: ignore[type-arg]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, (*prefix, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths(v, (*prefix, i))]
    return [prefix]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, bytes]:  # type: ignore[type-arg]
    return _signed(tmp_path_factory.mktemp("sig"))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_changing_any_value_breaks_the_signature(signed, data) -> None:  # type: ignore[no-untyped-def]
    b, key = copy.deepcopy(signed[0]), signed[1]
    paths = [p for p in _paths(b) if p[-1] != "signature"]
    path = data.draw(st.sampled_from(paths))
    target = b
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = (
        (old + 1)
        if isinstance(old, int | float) and not isinstance(old, bool)
        else (not old if isinstance(old, bool) else f"{old}x")
    )
    assert not verify_bundle(b, key)


def test_a_signature_is_64_bytes_in_base64(tmp_path: Path) -> None:
    b, _ = _signed(tmp_path)
    assert len(b["objects"][0]["signature"]) == 88
    assert datetime.fromisoformat(
        b["objects"][0]["issued"].replace("Z", "+00:00")
    ) == AT.astimezone(UTC)
