"""Log in in a real browser; a page of another role is refused; the audit log verifies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Served, log_in

pytestmark = pytest.mark.e2e


def test_admin_logs_in_and_verifies_the_audit_chain(
    page: object, served: Served, shot: Callable[[object, str], Path]
) -> None:
    served.add_user("root", "admin")
    log_in(page, "root")
    assert page.locator("header").inner_text().count("root") == 1  # type: ignore[attr-defined]
    shot(page, "home-admin")
    page.click("nav >> text=Audit")  # type: ignore[attr-defined]
    page.wait_for_url("**/audit")  # type: ignore[attr-defined]
    assert "auth.login" in page.inner_text("#entries")  # type: ignore[attr-defined]
    page.click("text=Verify the hash chain")  # type: ignore[attr-defined]
    verdict = page.locator("[data-testid=verdict]")  # type: ignore[attr-defined]
    verdict.wait_for()
    assert verdict.inner_text().startswith("Intact")
    shot(page, "audit")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_a_page_of_another_role_is_forbidden(
    page: object, served: Served, shot: Callable[[object, str], Path]
) -> None:
    served.add_user("olga", "officer", office="0042")
    log_in(page, "olga")
    assert "Audit" not in page.inner_text("nav")  # type: ignore[attr-defined]
    response = page.goto("/audit")  # type: ignore[attr-defined]
    assert response.status == 403
    assert "Not allowed" in page.inner_text("[data-testid=error-page]")  # type: ignore[attr-defined]
    shot(page, "forbidden")


def test_wrong_password_stays_on_the_login_form(page: object, served: Served) -> None:
    served.add_user("ana", "analyst")
    page.goto("/audit")  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]
    page.fill("input[name=username]", "ana")  # type: ignore[attr-defined]
    page.fill("input[name=password]", "not the password")  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    assert "wrong user name or password" in page.inner_text("[role=alert]")  # type: ignore[attr-defined]
