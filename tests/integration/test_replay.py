"""Replay decides again from the versions in force when a declaration was assessed (issue 7).

Declarations are submitted live (through the snapshot the API keeps warm), then the watchlists,
the policy and the profiles change; every stored assessment must replay to the same channel,
score and reasons, including the capacity downgrades that depended on the reds before it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from icrms.core.db import Store
from icrms.live import flows
from icrms.live.snapshots import LiveSnapshots
from icrms.profiles import service as profiles
from icrms.profiles import watchlists
from icrms.profiles.schemas import EntryCreate, ProfileFields
from icrms.selectivity import service as selectivity
from icrms.selectivity import service as selectivity_service
from icrms.selectivity.schemas import PolicyConfig
from icrms.settings import Settings
from tests.factories import seed_rules
from tests.integration.test_store import make_declaration

CHEAP = 20000.0  # 200 per kg: the phones profile (score 40) matches


def test_replay_after_watchlist_policy_and_profile_changes_under_capacity_quotas(
    workspace: Settings,
) -> None:
    settings = workspace.model_copy(update={"policy_secret": SecretStr("replay-" + "k" * 30)})
    store = Store(settings.store_url)
    seed_rules(store)
    with store.session() as s:
        selectivity.set_policy(
            s,
            config=PolicyConfig(
                yellow_threshold=20,
                red_threshold=40,
                random_share=0.3,
                random_channel="yellow",
                red_capacity_by_office={"0042": 2},
            ),
        )
    snapshots = LiveSnapshots(store, settings)

    def submit(n: int) -> int:
        with store.session() as s:
            done = flows.submit(
                s,
                snapshot=snapshots.current(s),
                declaration=make_declaration(n, value=CHEAP),
                actor="test",
            )
        return done.assessment.id

    first = [submit(n) for n in range(1, 7)]  # six reds by score at one office, capacity two
    with store.session() as s:
        watchlists.add_entry(
            s, list_name="seizures", entry=EntryCreate(value="TIN-1", reason="new seizure")
        )
    listed = [submit(n) for n in (7, 10)]  # importer TIN-1: red through the list
    with store.session() as s:
        watchlists.remove_entry(s, list_name="seizures", value="TIN-1")
        selectivity.set_policy(
            s,
            config=PolicyConfig(
                yellow_threshold=50, red_threshold=90, random_share=0, red_capacity_by_office={}
            ),
        )
        profiles.set_status(s, code="REV-PHONES", status="suspended", actor="analyst")
        profiles.edit_profile(
            s, code="REV-PHONES", changes=ProfileFields(score=70), note="stronger", actor="analyst"
        )
        profiles.set_status(
            s, code="REV-PHONES", status="active", actor="analyst", approved_by="analyst-2"
        )
    later = [submit(n) for n in (13, 14)]

    replayed = {}
    with store.session() as s:
        for assessment_id in first + listed + later:
            result = flows.replay(s, snapshots=snapshots, assessment_id=assessment_id)
            stored = selectivity.get_assessment(s, assessment_id=assessment_id)
            assert result.identical, (stored, result)
            replayed[assessment_id] = stored
    kinds = [{r["kind"] for r in replayed[i].reasons} for i in first]
    channels = [replayed[i].channel for i in first]
    assert channels.count("red") == 2 and sum("quota" in k for k in kinds) == 4, (channels, kinds)
    assert any("random" in k for k in kinds)
    assert all(
        replayed[i].channel == "red"
        and any(r["kind"] == "watchlist" and r["value"] == "TIN-1" for r in replayed[i].reasons)
        for i in listed
    )
    # after the changes: no list hit, the edited profile's 70 points, thresholds 50/90
    assert [(replayed[i].channel, replayed[i].score) for i in later] == [("yellow", 70)] * 2
    assert {replayed[i].policy_version for i in first} != {
        replayed[i].policy_version for i in later
    }
    store.dispose()


def test_replay_after_a_watchlist_entry_expired_while_the_live_snapshot_was_warm(
    workspace: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the API's warm snapshot (kept up to a minute) still held an entry that had
    expired when the declaration was assessed; replay, reading the lists at the assessment's
    time, found no hit and decided otherwise."""
    settings = workspace.model_copy(update={"policy_secret": SecretStr("replay-" + "k" * 30)})
    store = Store(settings.store_url)
    seed_rules(store)
    soon = datetime.now(UTC) + timedelta(hours=1)
    with store.session() as s:
        selectivity.set_policy(s, config=PolicyConfig(random_share=0))
        watchlists.add_entry(
            s,
            list_name="seizures",
            entry=EntryCreate(value="TIN-1", reason="for an hour", expires_at=soon),
        )
    snapshots = LiveSnapshots(store, settings)
    with store.session() as s:
        warm = snapshots.current(s)  # built while the entry is in force
    assert "TIN-1" in warm.watchlists["seizures"].values
    later = soon + timedelta(minutes=1)
    monkeypatch.setattr(selectivity_service, "now", lambda: later)
    with store.session() as s:
        done = flows.submit(
            s, snapshot=snapshots.current(s), declaration=make_declaration(1), actor="test"
        )
    assert done.assessment.assessed_at == later
    assert not any(r["kind"] == "watchlist" for r in done.assessment.reasons)
    with store.session() as s:
        result = flows.replay(s, snapshots=snapshots, assessment_id=done.assessment.id)
    assert result.identical, result
    store.dispose()
