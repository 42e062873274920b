from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from icrms.declarations.codes import container_problem, iso6346_check_digit
from icrms.generator import identifiers as ids


def test_container_numbers_have_the_iso6346_check_digit() -> None:
    owner = np.array([0, 1, 2, 3, 11])
    serial = np.array([305438, 0, 999999, 123456, 7])
    numbers = ids.container_numbers(owner, serial).to_pylist()
    assert numbers[0].startswith("MSCU305438")
    for number in numbers:
        assert container_problem(number) is None, number
        assert int(number[10]) == iso6346_check_digit(number[:10])


@given(
    st.lists(st.integers(0, len(ids.CONTAINER_OWNERS) - 1), min_size=1, max_size=20),
    st.lists(st.integers(0, 999_999), min_size=20, max_size=20),
)
def test_any_owner_and_serial_gives_a_valid_container(
    owners: list[int], serials: list[int]
) -> None:
    numbers = ids.container_numbers(np.array(owners), np.array(serials[: len(owners)]))
    assert all(container_problem(n) is None for n in numbers.to_pylist())


def test_a_changed_check_digit_is_rejected() -> None:
    number = ids.container_numbers(np.array([0]), np.array([305438])).to_pylist()[0]
    wrong = number[:10] + str((int(number[10]) + 1) % 10)
    assert container_problem(wrong) is not None


def test_air_waybill_check_digit_is_serial_mod_7() -> None:
    awb = ids.air_waybills(np.array([0, 3]), np.array([1234567, 7])).to_pylist()
    assert awb == ["180-12345675", "618-00000070"]


def test_s10_check_digit_matches_the_upu_example() -> None:
    # UPU S10 example: RR 47312482 9 GB.
    item = ids.postal_item_ids(np.array([47312482]), pa.array(["GB"])).to_pylist()[0]
    assert item == "EE473124829GB"
    assert ids.is_valid_s10("RR473124829GB")
    assert not ids.is_valid_s10("RR473124828GB")
