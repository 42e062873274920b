"""The browser scenarios: every role logs in; a red declaration's reasons; a control result;
a profile from a criteria error to approval by a second analyst and its first selection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Served, log_in
from tests.factories import declaration_json

pytestmark = pytest.mark.e2e
Shot = Callable[[object, str], Path]


def test_every_role_logs_in(page: object, served: Served, shot: Shot) -> None:
    expected = {
        "admin": "Audit",
        "analyst": "Approvals",
        "officer": "Worklist",
        "manager": "Profiles",
        "system": "uses the API",
        "partner": "uses the API",
    }
    for role, marker in expected.items():
        served.add_user(f"{role}-user", role, office="0042" if role == "officer" else None)
        log_in(page, f"{role}-user")
        assert marker in page.inner_text("body"), role  # type: ignore[attr-defined]
        shot(page, f"home-{role}")
        page.click("text=Log out")  # type: ignore[attr-defined]
        page.wait_for_url("**/login")  # type: ignore[attr-defined]
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_find_a_red_declaration_and_read_its_reasons(
    page: object, served: Served, shot: Shot
) -> None:
    served.seed_rules()
    for n in range(1, 6):
        served.submit(declaration_json(n))
    served.add_user("ana", "analyst")
    log_in(page, "ana")
    page.click("nav >> text=Declarations")  # type: ignore[attr-defined]
    page.select_option("select[name=channel]", "red")  # type: ignore[attr-defined]
    expect(page.locator("[data-testid=declarations] tbody tr")).to_have_count(1)  # type: ignore[attr-defined]
    shot(page, "declarations-red")
    page.click("[data-testid=declarations] tbody tr >> nth=0 >> a")  # type: ignore[attr-defined]
    reasons = page.locator("[data-testid=reasons]").first.inner_text()  # type: ignore[attr-defined]
    assert (
        "REV-PHONES" in reasons and "seizures" in reasons and "importer_id = TIN-553201" in reasons
    )
    page.click("text=Replay")  # type: ignore[attr-defined]
    assert "identical" in page.locator("[data-testid=replay]").inner_text()  # type: ignore[attr-defined]
    shot(page, "declaration-detail")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_officer_records_a_control_result(page: object, served: Served, shot: Shot) -> None:
    served.seed_rules()
    red = served.submit(declaration_json(1))
    served.add_user("olga", "officer", office="0042")
    log_in(page, "olga")
    page.click("nav >> text=Worklist")  # type: ignore[attr-defined]
    assert red["declaration_id"] in page.inner_text("[data-testid=worklist]")  # type: ignore[attr-defined]
    shot(page, "worklist")
    page.click("text=Record result")  # type: ignore[attr-defined]
    page.select_option("select[name=outcome]", "seizure")  # type: ignore[attr-defined]
    page.click("text=Record the result")  # type: ignore[attr-defined]
    page.locator("[role=alert]").wait_for()  # type: ignore[attr-defined]
    assert "seizure_goods" in page.inner_text("[data-testid=control-form]")  # type: ignore[attr-defined]
    shot(page, "control-form-error")
    page.console_errors.clear()  # type: ignore[attr-defined]  # the browser logs the expected 422
    page.fill("input[name=seizure_goods]", "counterfeit phones")  # type: ignore[attr-defined]
    page.fill("input[name=concealment]", "false bottom")  # type: ignore[attr-defined]
    page.click("text=Record the result")  # type: ignore[attr-defined]
    page.wait_for_url("**/worklist?recorded=*")  # type: ignore[attr-defined]
    assert "Nothing waits for control" in page.inner_text("[data-testid=worklist]")  # type: ignore[attr-defined]
    shot(page, "worklist-after")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_profile_from_criteria_error_to_approval_and_selection(
    page: object, served: Served, shot: Shot
) -> None:
    served.ingest_history()
    served.add_user("ana", "analyst")
    served.add_user("ben", "analyst")
    log_in(page, "ana")
    page.goto("/profiles/new")  # type: ignore[attr-defined]
    page.fill("input[name=code]", "REV-CN-ORIGIN")  # type: ignore[attr-defined]
    page.fill("input[name=name]", "Goods of Chinese origin")  # type: ignore[attr-defined]
    page.fill("input[name=purpose]", "Test the origin rule on history")  # type: ignore[attr-defined]
    page.fill("input[name=score]", "45")  # type: ignore[attr-defined]
    page.fill("[data-testid=criteria]", "country_of_origin = 'CN' AND unit_valu > 0")  # type: ignore[attr-defined]
    error = page.locator("[data-testid=criteria-error]")  # type: ignore[attr-defined]
    error.wait_for()
    assert "unit_valu" in error.inner_text() and "column 30" in error.inner_text()
    caret = page.inner_text("[data-testid=criteria-caret]")  # type: ignore[attr-defined]
    assert caret.splitlines()[1].index("^") == 29
    shot(page, "profile-criteria-error")
    page.fill("[data-testid=criteria]", "country_of_origin = 'CN' AND unit_value > 0")  # type: ignore[attr-defined]
    page.locator("[data-testid=criteria-ok]").wait_for()  # type: ignore[attr-defined]
    page.click("text=Create the draft")  # type: ignore[attr-defined]
    page.wait_for_url("**/profiles/REV-CN-ORIGIN")  # type: ignore[attr-defined]
    page.fill("input[name=date_from]", "2024-01-01")  # type: ignore[attr-defined]
    page.fill("input[name=date_to]", "2026-12-31")  # type: ignore[attr-defined]
    page.click("text=Backtest version 1")  # type: ignore[attr-defined]
    page.locator("[data-testid=backtest-report]").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    assert int(page.inner_text("[data-testid=bt-matches]").replace(",", "")) > 0  # type: ignore[attr-defined]
    shot(page, "profile-backtest")
    page.click("text=Ask for approval")  # type: ignore[attr-defined]
    assert "waits for a second analyst" in page.inner_text("[data-testid=approval-state]")  # type: ignore[attr-defined]
    page.goto("/profiles/approvals")  # type: ignore[attr-defined]
    assert "another analyst must decide" in page.inner_text("[data-testid=approval-REV-CN-ORIGIN]")  # type: ignore[attr-defined]
    page.click("text=Log out")  # type: ignore[attr-defined]
    log_in(page, "ben")
    page.goto("/profiles/approvals")  # type: ignore[attr-defined]
    shot(page, "approvals")
    page.click("text=Approve and switch on")  # type: ignore[attr-defined]
    page.goto("/profiles/REV-CN-ORIGIN")  # type: ignore[attr-defined]
    assert "approved by ben" in page.inner_text("body")  # type: ignore[attr-defined]
    shot(page, "profile-active")
    submitted = served.submit(declaration_json(77))
    page.goto(f"/declarations/{submitted['declaration_id']}")  # type: ignore[attr-defined]
    assert "REV-CN-ORIGIN" in page.locator("[data-testid=reasons]").first.inner_text()  # type: ignore[attr-defined]
    shot(page, "selected-by-new-profile")
    assert page.console_errors == []  # type: ignore[attr-defined]
