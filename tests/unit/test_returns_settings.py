"""The returns settings: the window by the shop's country unless the seller sets one, the status
after a full return, the label instructions; every value checked before anything is saved."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.orders.models import OrderStatus
from shop.returns import settings as returns
from shop.settings import services as settings
from shop.settings.models import Setting


def refused(values: dict) -> dict[str, str]:
    with pytest.raises(settings.InvalidSettings) as caught:
        settings.save({"returns": values}, by_user_id=None)
    return caught.value.errors


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def test_the_window_by_default_is_the_law_of_the_shops_country():
    assert returns.default_window("TRY") == (14, False)
    assert returns.default_window("PLN") == (14, False)
    assert returns.default_window("IRR") == (7, True)

    shop = returns.current()
    assert (shop.window_days, shop.days, shop.working_days, shop.status, shop.instructions) == (
        None,
        14,
        False,
        "returned",
        "",
    )
    settings.update(currency="IRR")
    assert (returns.current().days, returns.current().working_days) == (7, True)
    settings.update(returns={"window_days": 10})
    assert (returns.current().days, returns.current().working_days) == (10, True)  # the unit stays Iran's


def test_saved_settings_are_normalised_and_recorded():
    recorded = settings.save(
        {
            "returns": {
                "window_days": " ۳۰ ",
                "status": "completed",
                "instructions": " Pack it.\r\nThanks ",
            }
        },
        by_user_id=None,
    )

    stored = settings.current_fresh().returns
    assert stored == {"window_days": 30, "status": "completed", "instructions": "Pack it.\nThanks"}
    assert [change.key for change in recorded] == ["returns"]
    assert returns.current().days == 30

    settings.save({"returns": {"window_days": ""}}, by_user_id=None)  # empty: back to the law's
    assert settings.current_fresh().returns["window_days"] is None
    assert settings.current_fresh().returns["status"] == "completed"  # not given: kept


@pytest.mark.parametrize("days", ["0", "366", "abc", "7.5", "-3", True, 12.0, ["7"], "99999999999"])
def test_a_window_that_is_not_1_to_365_whole_days_is_refused(days):
    errors = refused({"window_days": days})
    assert errors == {
        "returns.window_days": (
            "Enter a whole number of days from 1 to 365, or leave it empty for the law’s minimum."
        )
    }
    assert settings.current_fresh().returns == {}


def test_the_status_is_one_in_use_that_neither_cancels_nor_needs_tracking():
    status("returned").archived = True
    db.session.flush()
    for code in ("returned", "cancelled", "shipped", "no-such-status", ""):
        assert set(refused({"status": code})) == {"returns.status"}
    assert {s.code for s in returns.target_statuses()} == {"new", "processing", "completed"}
    settings.save({"returns": {"status": "processing"}}, by_user_id=None)
    assert returns.current().status == "processing"


def test_instructions_are_plain_text_of_at_most_2000_characters():
    assert set(refused({"instructions": "x" * 2001})) == {"returns.instructions"}
    assert set(refused({"instructions": "bell\x07"})) == {"returns.instructions"}
    assert set(refused({"instructions": {"en": "hi"}})) == {"returns.instructions"}
    settings.save({"returns": {"instructions": "y" * 2000}}, by_user_id=None)
    assert returns.current().instructions == "y" * 2000


def test_an_old_stored_return_days_row_is_harmless():
    db.session.add(Setting(key="return_days", value=30))
    db.session.flush()
    assert settings.current_fresh().returns == {}
    assert returns.current().days == 14


def test_odd_stored_values_fall_back_to_the_defaults():
    shop = returns.effective({"window_days": "ten", "status": 5, "instructions": None}, "PLN")
    assert (shop.window_days, shop.days, shop.status, shop.instructions) == (None, 14, "returned", "")


def test_holidays_are_stored_once_some_are_listed_and_can_be_emptied_again():
    settings.update(currency="IRR")
    settings.save({"returns": {"holidays": "\n  \n"}}, by_user_id=None)
    assert "holidays" not in settings.current_fresh().returns  # nothing listed: the old shape

    settings.save({"returns": {"holidays": "1405/01/01\n2026-03-21\n1405/01/02"}}, by_user_id=None)
    assert settings.current_fresh().returns["holidays"] == ["2026-03-21", "2026-03-22"]
    settings.save({"returns": {"window_days": "10"}}, by_user_id=None)  # not given: kept
    assert settings.current_fresh().returns["holidays"] == ["2026-03-21", "2026-03-22"]

    settings.save({"returns": {"holidays": ""}}, by_user_id=None)
    assert settings.current_fresh().returns["holidays"] == []
    assert returns.current().holidays == frozenset()
