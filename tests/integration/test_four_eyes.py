"""Four eyes: a profile is switched on only with a second analyst's approval, who is recorded."""

from __future__ import annotations

import pytest

from icrms.audit import service as audit
from icrms.core.db import Store
from icrms.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from icrms.profiles import service
from icrms.profiles.schemas import ProfileFields
from tests.integration.test_profiles import TODAY, profile


def test_request_then_approval_by_another_analyst(store: Store) -> None:
    with store.session() as s:
        service.add_profile(s, profile=profile(), actor="ana")
        request = service.request_activation(s, code="REV-UV-8517", actor="ana", today=TODAY)
        assert service.approvals(s)[0].id == request.id
        approval, active = service.decide_activation(
            s, code="REV-UV-8517", actor="ben", approve=True, today=TODAY
        )
        assert (active.status, active.approved_by, active.created_by) == ("active", "ben", "ana")
        assert (approval.decision, approval.decided_by) == ("approved", "ben")
        assert service.approvals(s) == []
        entries = audit.list_entries(s, action="profile.")
    assert [e.action for e in entries][:2] == ["profile.active", "profile.request_activation"]
    assert entries[0].actor == "ben" and entries[0].detail["approved_by"] == "ben"


def test_nobody_approves_their_own_request_or_version(store: Store) -> None:
    with store.session() as s:
        service.add_profile(s, profile=profile(), actor="ana")
        service.request_activation(s, code="REV-UV-8517", actor="ana", today=TODAY)
        with pytest.raises(PermissionDeniedError, match="four eyes"):
            service.decide_activation(s, code="REV-UV-8517", actor="ana", approve=True, today=TODAY)
        service.decide_activation(s, code="REV-UV-8517", actor="ben", approve=False)
        # ben edits and carl asks: ben wrote the version, so ben cannot approve it
        service.edit_profile(s, code="REV-UV-8517", changes=ProfileFields(score=45), actor="ben")
        service.request_activation(s, code="REV-UV-8517", actor="carl", today=TODAY)
        with pytest.raises(PermissionDeniedError):
            service.decide_activation(s, code="REV-UV-8517", actor="ben", approve=True, today=TODAY)
        assert service.get_profile(s, code="REV-UV-8517").status == "draft"


def test_activation_without_approval_is_refused(store: Store) -> None:
    with store.session() as s:
        service.add_profile(s, profile=profile(), actor="ana")
        with pytest.raises(ValidationError, match="second analyst"):
            service.set_status(s, code="REV-UV-8517", status="active", today=TODAY, actor="ana")
        with pytest.raises(NotFoundError):
            service.decide_activation(s, code="REV-UV-8517", actor="ben", approve=True)


def test_a_request_goes_stale_when_the_profile_changes(store: Store) -> None:
    with store.session() as s:
        service.add_profile(s, profile=profile(), actor="ana")
        service.request_activation(s, code="REV-UV-8517", actor="ana", today=TODAY)
        with pytest.raises(ConflictError, match="waits for approval"):
            service.request_activation(s, code="REV-UV-8517", actor="ana", today=TODAY)
        service.edit_profile(s, code="REV-UV-8517", changes=ProfileFields(score=50), actor="ana")
    with pytest.raises(ConflictError, match="changed since"), store.session() as s:
        service.decide_activation(s, code="REV-UV-8517", actor="ben", approve=True, today=TODAY)
    with store.session() as s:  # asking again replaces the stale request
        again = service.request_activation(s, code="REV-UV-8517", actor="ana", today=TODAY)
        assert again.version == 2
        _, active = service.decide_activation(
            s, code="REV-UV-8517", actor="ben", approve=True, today=TODAY
        )
        assert active.status == "active"


def test_an_active_profile_is_not_edited_in_place(store: Store) -> None:
    with store.session() as s:
        service.add_profile(s, profile=profile(), actor="ana")
        service.set_status(s, code="REV-UV-8517", status="active", today=TODAY, approved_by="ben")
        with pytest.raises(ValidationError, match="suspend it"):
            service.edit_profile(
                s, code="REV-UV-8517", changes=ProfileFields(score=99), actor="ana"
            )
