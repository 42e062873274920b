"""Controls, invisible and direction-changing characters are refused in criteria, codes, names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from icrms.profiles.rules import CriterionError, parse_criterion
from icrms.profiles.schemas import EntryCreate, ProfileCreate, ProfileFields
from icrms.selectivity.schemas import PolicyConfig

HIDDEN = [
    ("\x00", "U+0000"),
    ("\x1b[2K", "U+001B"),
    ("\x9b", "U+009B"),
    ("\u200b", "U+200B (ZERO WIDTH SPACE)"),
    ("\u200d", "U+200D (ZERO WIDTH JOINER)"),
    ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    ("\ufeff", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
    ("\u00a0", "U+00A0 (NO-BREAK SPACE)"),
    ("\u2028", "U+2028 (LINE SEPARATOR)"),
    ("\ufe0f", "U+FE0F (VARIATION SELECTOR-16)"),
    ("\u3164", "U+3164 (HANGUL FILLER)"),
]


@pytest.mark.parametrize(("char", "shown"), HIDDEN)
def test_criteria_refuse_hidden_characters_naming_them(char: str, shown: str) -> None:
    text = f"hs6 IN ('8517{char}13')"
    with pytest.raises(CriterionError) as err:
        parse_criterion(text)
    assert shown in err.value.message
    assert err.value.position == text.index(char)
    assert char not in err.value.message


def test_criteria_keep_line_breaks_tabs_and_non_ascii_text() -> None:
    parse_criterion("hs6 = '851713'\n\tAND lower(description) LIKE '%straße%'\r\n")
    parse_criterion("importer_id = 'İSTANBUL-1' OR description = 'e\u0301'")  # combining mark


@pytest.mark.parametrize(("char", "shown"), HIDDEN[:6])
def test_profile_names_and_owners_refuse_hidden_characters(char: str, shown: str) -> None:
    base = {"code": "P-1", "name": "phones", "purpose": "p", "category": "revenue"}
    for field in ("name", "owner", "purpose"):
        fields = {**base, "criteria": "aeo", "score": 1, field: f"a{char}b"}
        with pytest.raises(ValidationError) as err:
            ProfileCreate.model_validate(fields)
        assert f"{field}: character {shown} at position 1" in str(err.value)
    with pytest.raises(ValidationError, match="name: character"):
        ProfileFields(name=f"x{char}")
    with pytest.raises(ValidationError, match="value: character"):
        EntryCreate(value=f"TIN{char}1", reason="r")


def test_profile_codes_are_plain() -> None:
    with pytest.raises(ValidationError):
        ProfileCreate(
            code="P-1\x1b", name="n", purpose="p", category="revenue", criteria="aeo", score=1
        )


@pytest.mark.parametrize("field", ["random_share_by_office", "random_share_by_procedure"])
def test_policy_codes_refuse_hidden_characters(field: str) -> None:
    with pytest.raises(ValidationError, match=r"office or procedure code: character U\+0000"):
        PolicyConfig.model_validate({field: {"00\x0042": 0.1}})
    with pytest.raises(ValidationError, match=r"U\+202E"):
        PolicyConfig(red_capacity_by_office={"0042\u202e": 1})
    assert PolicyConfig.model_validate({field: {"0042\\": 0.1}})  # a backslash is visible


def test_a_version_stored_before_the_check_can_still_be_read() -> None:
    from datetime import UTC, datetime

    from icrms.profiles.schemas import ProfileRead
    from icrms.selectivity.engine import CompiledProfile

    stored = ProfileRead(
        code="OLD-1",
        name="old\u202e",
        purpose="p",
        category="revenue",
        criteria="hs6 IN ('8517\x0013')",
        score=1,
        version=1,
        status="active",
        created_at=datetime.now(UTC),
    )
    assert stored.criteria == "hs6 IN ('8517\x0013')"  # listed, shown, retired as stored
    with pytest.raises(CriterionError, match=r"U\+0000"):
        CompiledProfile.of(stored)  # but never compiled
