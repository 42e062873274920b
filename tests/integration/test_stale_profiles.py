"""An active profile stored before a check was tightened must not stop assessment after an upgrade.

The version is written straight into the store, as an older release would have left it; its
criterion holds a NUL character, which the rule language now refuses. Before the fix, compiling
the snapshot raised, so every live and bulk assessment stopped.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from icrms.audit.tables import AuditEntryRow
from icrms.core.clock import now
from icrms.core.db import Store
from icrms.errors import ConflictError
from icrms.profiles import service as profiles
from icrms.profiles.tables import ProfileSetRow, ProfileVersionRow
from icrms.selectivity import service as selectivity
from icrms.settings import Settings
from tests.factories import seed_rules
from tests.integration.test_store import make_declaration

SECRET = b"stale-profile-secret"
OLD_CRITERION = "hs6 IN ('8517\x0013') OR unit_value < 1000000"


@pytest.fixture
def store(workspace: Settings) -> Store:
    opened = Store(workspace.store_url)
    seed_rules(opened)
    return opened


def store_old_active_profile(store: Store) -> None:
    with store.session() as s:
        s.add(
            ProfileVersionRow(
                code="OLD-NUL",
                version=1,
                name="Stored by an older release",
                purpose="criterion accepted then, refused now",
                category="revenue",
                criteria=OLD_CRITERION,
                score=90,
                min_channel="red",
                selection_rate=1.0,
                owner="targeting-centre",
                provenance="local",
                status="active",
                created_at=now(),
                created_by="analyst-a",
                approved_by="analyst-b",
            )
        )


def test_the_old_profile_is_suspended_with_its_reason_and_assessment_goes_on(
    store: Store,
) -> None:
    store_old_active_profile(store)
    with store.session() as s:
        snapshot = selectivity.build_snapshot(s, secret=SECRET)
    assert [p.code for p in snapshot.profiles] == ["REV-PHONES"]
    with store.session() as s:
        assessment = selectivity.assess(s, snapshot=snapshot, declaration=make_declaration(1))
        current = profiles.get_profile(s, code="OLD-NUL")
        members = s.get(ProfileSetRow, snapshot.profile_set_version).members  # type: ignore[union-attr]
        audit = s.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "profile.suspended")
        ).all()
    # the old profile (score 90, red) would have matched: it played no part
    assert assessment.channel != "red"
    assert all(r["code"] != "OLD-NUL" for r in assessment.reasons if "code" in r)
    assert (current.version, current.status) == (2, "suspended")
    assert current.created_by == "system"
    assert "no longer accepted" in (current.note or "") and "U+0000" in (current.note or "")
    assert ["OLD-NUL", 1] not in members
    assert [(a.actor, a.object) for a in audit] == [("system", "profile:OLD-NUL")]
    # once suspended it stays out without a new version each time the snapshot is built
    with store.session() as s:
        again = selectivity.build_snapshot(s, secret=SECRET)
        assert profiles.get_profile(s, code="OLD-NUL").version == 2
    assert again.profile_set_version == snapshot.profile_set_version


def test_an_assessment_made_with_the_old_profile_says_why_it_cannot_be_replayed(
    store: Store,
) -> None:
    with store.session() as s:
        snapshot = selectivity.build_snapshot(s, secret=SECRET)
        assessment = selectivity.assess(s, snapshot=snapshot, declaration=make_declaration(2))
        # as if that set had held the old profile when the older release assessed
        row = s.get(ProfileSetRow, snapshot.profile_set_version)
        assert row is not None
        row.members = [*row.members, ["OLD-NUL", 1]]
    store_old_active_profile(store)
    with store.session() as s, pytest.raises(ConflictError, match=r"cannot be replayed.*U\+0000"):
        selectivity.replay(s, assessment_id=assessment.id, secret=SECRET)
