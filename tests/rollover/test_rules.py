"""The rollover's rule as plain functions: a tool's own rule wins over the rule for all tools,
which wins over the default (carry over); and which school years may be closed."""

from datetime import date

import pytest

from consent.rollover.models import YearEndAction
from consent.rollover.rules import (
    RolloverError,
    a_year_later,
    check_closable,
    closable_years,
    next_school_year,
    year_end_action,
    year_start,
)

CARRY, END = YearEndAction.CARRY, YearEndAction.END
ZOOM, SEESAW = 1, 2


def test_without_any_rule_opt_outs_carry_over():
    assert year_end_action(ZOOM, district=None, per_tool={}) is CARRY


@pytest.mark.parametrize("district", [CARRY, END])
def test_the_rule_for_all_tools_applies_to_every_tool_without_its_own(district):
    assert year_end_action(ZOOM, district=district, per_tool={}) is district
    assert year_end_action(SEESAW, district=district, per_tool={ZOOM: CARRY}) is district


@pytest.mark.parametrize("district", [None, CARRY, END])
def test_a_tool_s_own_rule_wins_over_the_rule_for_all_tools(district):
    per_tool = {ZOOM: END, SEESAW: CARRY}
    assert year_end_action(ZOOM, district=district, per_tool=per_tool) is END
    assert year_end_action(SEESAW, district=district, per_tool=per_tool) is CARRY


def test_school_year_labels():
    assert year_start("2026-2027") == 2026
    assert year_start("2026-2028") is None
    assert year_start("2026/2027") is None
    assert year_start("") is None
    assert next_school_year("2026-2027") == "2027-2028"
    with pytest.raises(RolloverError):
        next_school_year("next year")


@pytest.mark.parametrize(
    "today, years",
    [
        (date(2027, 6, 15), ["2026-2027", "2025-2026"]),  # June: this year, before it ends
        (date(2027, 7, 31), ["2026-2027", "2025-2026"]),
        (date(2027, 8, 1), ["2027-2028", "2026-2027"]),  # the new year began: last one too
        (date(2027, 1, 1), ["2026-2027", "2025-2026"]),
    ],
)
def test_this_school_year_or_the_last_may_be_closed(today, years):
    assert closable_years(today) == years


def test_a_year_is_closed_once_and_never_after_a_later_one():
    june = date(2027, 6, 15)
    assert check_closable("2026-2027", june, done=set()) == "2027-2028"
    assert check_closable("2025-2026", june, done=set()) == "2026-2027"
    with pytest.raises(RolloverError, match="already been rolled over"):
        check_closable("2026-2027", june, done={"2026-2027"})
    with pytest.raises(RolloverError, match="earlier year"):
        check_closable("2025-2026", june, done={"2026-2027"})
    with pytest.raises(RolloverError, match="this school year or the last"):
        check_closable("2024-2025", june, done=set())
    with pytest.raises(RolloverError, match="this school year or the last"):
        check_closable("2027-2028", june, done=set())


def test_a_form_s_window_moves_one_year_and_29_february_becomes_28():
    assert a_year_later(date(2026, 9, 1)) == date(2027, 9, 1)
    assert a_year_later(date(2028, 2, 29)) == date(2029, 2, 28)
