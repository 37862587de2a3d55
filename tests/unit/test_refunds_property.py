"""Refunds by lines over random lines and random ways of splitting them (hypothesis): the parts of
a line add up to its gross exactly, none is negative, and nothing is ever refunded beyond it."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shop.payments.refund_amounts import _share


@st.composite
def line_and_parts(draw):
    quantity = draw(st.integers(min_value=1, max_value=40))
    cents = draw(st.integers(min_value=1, max_value=10**8))
    currency = draw(st.sampled_from(["TRY", "PLN", "IRR"]))
    gross = Decimal(cents).scaleb(-2) if currency != "IRR" else Decimal(cents * 1000)
    parts, left = [], quantity
    while left:
        part = draw(st.integers(min_value=1, max_value=left))
        parts.append(part)
        left -= part
    return gross, quantity, currency, parts


@settings(max_examples=300, deadline=None)
@given(line_and_parts())
def test_a_line_refunded_in_any_parts_adds_up_to_its_gross(case):
    gross, quantity, currency, parts = case
    done, amounts = 0, []
    for units in parts:
        # What refund_amounts.amount_for_lines charges for ``units`` more after ``done``.
        amounts.append(
            _share(gross, done + units, quantity, currency) - _share(gross, done, quantity, currency)
        )
        done += units

    assert sum(amounts) == gross
    assert all(amount >= 0 for amount in amounts)
    running = Decimal("0")
    for amount in amounts:
        running += amount
        assert running <= gross
