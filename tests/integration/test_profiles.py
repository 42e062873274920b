"""Risk profiles and watchlists in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError as PydanticValidationError

from icrms.core.db import Store
from icrms.errors import ConflictError, ValidationError
from icrms.profiles import service, watchlists
from icrms.profiles.schemas import EntryCreate, ProfileCreate, ProfileFields, WatchlistCreate

TODAY = date(2026, 3, 1)


def profile(code: str = "REV-UV-8517", **overrides: object) -> ProfileCreate:
    data: dict[str, object] = {
        "code": code,
        "name": "Undervalued phones",
        "purpose": "Smartphones declared far below the usual unit value",
        "category": "revenue",
        "criteria": "hs4 = '8517' AND unit_value < 50",
        "score": 40,
    }
    data.update(overrides)
    return ProfileCreate.model_validate(data)


def test_every_change_is_a_new_version(store: Store) -> None:
    with store.session() as s:
        first = service.add_profile(s, profile=profile())
        assert (first.version, first.status) == (1, "draft")
        edited = service.edit_profile(s, code=first.code, changes=ProfileFields(score=55))
        same = service.edit_profile(s, code=first.code, changes=ProfileFields(score=55))
        active = service.set_status(
            s, code=first.code, status="active", today=TODAY, approved_by="second-analyst"
        )
        suspended = service.set_status(s, code=first.code, status="suspended", today=TODAY)
    assert (edited.version, edited.score, same.version) == (2, 55, 2)
    assert (active.version, active.status, suspended.version) == (3, "active", 4)
    with store.session() as s:
        versions = service.history(s, code=first.code)
        assert [v.status for v in versions] == ["draft", "draft", "active", "suspended"]
        assert service.get_profile(s, code=first.code, version=1).score == 40


def test_invalid_criterion_is_refused_with_position() -> None:
    with pytest.raises(PydanticValidationError, match="importr_id"):
        profile(criteria="importr_id = 'X'")


def test_refused_activations_change_nothing(store: Store) -> None:
    with store.session() as s:
        service.add_profile(s, profile=profile("OLD", valid_to=TODAY - timedelta(days=1)))
        service.add_profile(s, profile=profile("WL", criteria="in_watchlist('nope', importer_id)"))
    with store.session() as s:
        with pytest.raises(ValidationError, match="expired"):
            service.set_status(
                s, code="OLD", status="active", today=TODAY, approved_by="second-analyst"
            )
        with pytest.raises(ValidationError, match="unknown watchlist"):
            service.set_status(
                s, code="WL", status="active", today=TODAY, approved_by="second-analyst"
            )
        with pytest.raises(ValidationError, match="allowed"):
            service.set_status(s, code="OLD", status="suspended", today=TODAY)
        assert [p.version for p in service.list_profiles(s)] == [1, 1]
        with pytest.raises(ConflictError):
            service.add_profile(s, profile=profile("OLD"))


def test_active_profile_set_is_versioned(store: Store) -> None:
    with store.session() as s:
        for code in ("A1", "B1"):
            service.add_profile(s, profile=profile(code))
            service.set_status(
                s, code=code, status="active", today=TODAY, approved_by="second-analyst"
            )
        members = service.profiles_in_force(s, today=TODAY)
        v1 = service.profile_set_version(s, [(p.code, p.version) for p in members])
        again = service.profile_set_version(s, [(p.code, p.version) for p in members])
        service.set_status(s, code="B1", status="suspended", today=TODAY)
        after = service.profiles_in_force(s, today=TODAY)
        v2 = service.profile_set_version(s, [(p.code, p.version) for p in after])
    assert [p.code for p in members] == ["A1", "B1"] and again == v1
    assert v2 == v1 + 1 and [p.code for p in after] == ["A1"]


def test_import_adds_updates_or_leaves_unchanged(store: Store) -> None:
    with store.session() as s:
        assert service.import_profile(s, profile=profile())[1] == "added"
        assert service.import_profile(s, profile=profile())[1] == "unchanged"
        updated, outcome = service.import_profile(s, profile=profile(score=70))
    assert (outcome, updated.version, updated.status) == ("updated", 2, "draft")


def test_watchlist_entries_expire_and_are_removed_without_loss(store: Store) -> None:
    from datetime import UTC, datetime

    with store.session() as s:
        watchlists.create_watchlist(
            s,
            watchlist=WatchlistCreate(
                name="high-risk-importers", kind="trader", purpose="known offenders"
            ),
        )
        watchlists.add_entry(
            s,
            list_name="high-risk-importers",
            entry=EntryCreate(value="TIN-1", reason="seizure 2025"),
        )
        watchlists.add_entry(
            s,
            list_name="high-risk-importers",
            entry=EntryCreate(
                value="TIN-2", reason="alert", expires_at=datetime(2020, 1, 1, tzinfo=UTC)
            ),
        )
        with pytest.raises(ConflictError):
            watchlists.add_entry(
                s, list_name="high-risk-importers", entry=EntryCreate(value="TIN-1", reason="again")
            )
        assert watchlists.snapshot(s)["high-risk-importers"].values == frozenset({"TIN-1"})
        watchlists.remove_entry(s, list_name="high-risk-importers", value="TIN-1")
        assert watchlists.snapshot(s)["high-risk-importers"].values == frozenset()
