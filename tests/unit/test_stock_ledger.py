"""The stock ledger: every change of on-hand or reserved units is a row, the current values are
the ledger's sums, adjustments refuse what would break that, and `flask stock verify` says so."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.catalog import stock
from shop.catalog.ledger import differences
from shop.catalog.models import Stock, StockMove, StockMoveKind
from shop.extensions import db
from shop.orders.history import Actor
from shop.sales import services as sales
from shop.sales.models import PaymentMethod
from tests.factories import checkout_details, make_cart, make_product, make_warehouse

BY = Actor("user", 1, "Selin Kaya")


def _stock(variant, warehouse) -> Stock:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Stock).where(Stock.variant_id == variant.id, Stock.warehouse_id == warehouse.id)
    )


def _moves(variant) -> list[StockMove]:
    return list(
        db.session.scalars(
            db.select(StockMove).where(StockMove.variant_id == variant.id).order_by(StockMove.id)
        )
    )


def _consistent() -> None:
    db.session.flush()
    assert differences() == []
    for row in db.session.scalars(db.select(Stock)):
        assert 0 <= row.reserved <= row.quantity


def test_new_stock_is_a_receipt_and_verifies():
    ist = make_warehouse("IST")
    variant = make_product(stock={ist: 7}).variants[0]
    [move] = _moves(variant)
    assert (move.kind, move.quantity_change, move.reserved_change) == ("receipt", 7, 0)
    _consistent()


def test_receive_adds_units_with_who_and_creates_a_missing_row():
    ist, ank = make_warehouse("IST"), make_warehouse("ANK")
    variant = make_product(stock={ist: 2}).variants[0]
    move = stock.receive(variant, ank, 5, by=BY, note="Delivery 12")
    assert _stock(variant, ank).quantity == 5
    assert (move.kind, move.quantity_change, move.actor_label, move.note) == (
        "receipt",
        5,
        "Selin Kaya",
        "Delivery 12",
    )
    _consistent()


@pytest.mark.parametrize("units", [0, -3, 10**7, True])
def test_receive_refuses_what_is_not_a_positive_number_of_units(units):
    ist = make_warehouse("IST")
    variant = make_product(stock={ist: 2}).variants[0]
    with pytest.raises(stock.StockRefused, match="whole number of units"):
        stock.receive(variant, ist, units, by=BY)
    assert _stock(variant, ist).quantity == 2 and len(_moves(variant)) == 1


def test_a_count_correction_records_the_difference():
    ist = make_warehouse("IST")
    variant = make_product(stock={ist: 10}).variants[0]
    move = stock.correct_count(variant, ist, 7, by=BY)
    assert move.quantity_change == -3 and _stock(variant, ist).quantity == 7
    _consistent()


def test_a_count_below_the_reserved_units_or_equal_to_the_books_is_refused():
    ist = make_warehouse("IST")
    variant = make_product(stock={ist: 10}).variants[0]
    sales.confirm_quotation(
        make_cart((variant, 4)), checkout_details(payment_method=PaymentMethod.BANK_TRANSFER)
    )
    with pytest.raises(stock.StockRefused, match="4 are reserved for orders"):
        stock.correct_count(variant, ist, 3, by=BY)
    with pytest.raises(stock.StockRefused, match="nothing to correct"):
        stock.correct_count(variant, ist, 10, by=BY)
    assert _stock(variant, ist).quantity == 10
    _consistent()


def test_a_write_off_needs_a_reason_and_never_touches_reserved_units():
    ist = make_warehouse("IST")
    variant = make_product(stock={ist: 5}).variants[0]
    sales.confirm_quotation(
        make_cart((variant, 3)), checkout_details(payment_method=PaymentMethod.BANK_TRANSFER)
    )
    with pytest.raises(stock.StockRefused, match="why"):
        stock.write_off(variant, ist, 1, reason="  ", by=BY)
    with pytest.raises(stock.StockRefused, match="3 are reserved for orders"):
        stock.write_off(variant, ist, 3, reason="Broken", by=BY)
    move = stock.write_off(variant, ist, 2, reason="Broken", by=BY)
    assert (move.kind, move.quantity_change, move.note) == ("damage_loss", -2, "Broken")
    row = _stock(variant, ist)
    assert (row.quantity, row.reserved) == (3, 3)
    _consistent()


def test_a_transfer_is_two_rows_and_needs_two_warehouses_and_the_units():
    ist, ank = make_warehouse("IST"), make_warehouse("ANK")
    variant = make_product(stock={ist: 5}).variants[0]
    with pytest.raises(stock.StockRefused, match="two different warehouses"):
        stock.transfer(variant, ist, ist, 1, by=BY)
    with pytest.raises(stock.StockRefused, match="Only 5 available"):
        stock.transfer(variant, ist, ank, 6, by=BY)
    out, into = stock.transfer(variant, ist, ank, 2, by=BY)
    assert (out.kind, out.quantity_change, into.kind, into.quantity_change) == (
        "transfer_out",
        -2,
        "transfer_in",
        2,
    )
    assert out.reference_id == into.reference_id == out.id
    assert (_stock(variant, ist).quantity, _stock(variant, ank).quantity) == (3, 2)
    _consistent()


def test_checkout_and_cancel_write_reservation_and_release_rows():
    ist = make_warehouse("IST")
    variant = make_product(stock={ist: 5}).variants[0]
    order = sales.confirm_quotation(
        make_cart((variant, 2)), checkout_details(payment_method=PaymentMethod.BANK_TRANSFER)
    )
    sales.cancel_quotation(order, by=Actor.system("payment window"))
    kinds = [(m.kind, m.reserved_change, m.reference_type, m.reference_id) for m in _moves(variant)[1:]]
    assert kinds == [("reservation", 2, "order", order.id), ("release", -2, "order", order.id)]
    assert _moves(variant)[-1].actor_label == "payment window"
    _consistent()


def test_verify_command_exit_status(app):
    ist = make_warehouse("IST")
    variant = make_product(stock={ist: 5}).variants[0]
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stock", "verify"])
    assert result.exit_code == 0, result.output

    db.session.execute(db.update(Stock).where(Stock.variant_id == variant.id).values(quantity=9))
    db.session.commit()
    result = runner.invoke(args=["stock", "verify"])
    assert result.exit_code == 1
    assert f"{variant.sku} @ IST: quantity 9, ledger 5" in result.output


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["receive", "count", "write_off", "transfer", "reserve", "release"]),
        st.integers(min_value=0, max_value=1),
        st.integers(min_value=0, max_value=8),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=OPERATIONS)
def test_any_sequence_of_operations_keeps_the_ledger_and_the_figures_equal(steps):
    """Reservations (the real checkout), releases (cancel), counts, write-offs and transfers in
    any order: after every step the current values are the ledger's sums and nothing is negative."""
    warehouses = [make_warehouse(), make_warehouse()]
    variant = make_product(stock={warehouses[0]: 3, warehouses[1]: 1}).variants[0]
    orders = []
    for operation, which, units in steps:
        here, there = warehouses[which], warehouses[1 - which]
        try:
            with db.session.begin_nested():
                if operation == "receive":
                    stock.receive(variant, here, units, by=BY)
                elif operation == "count":
                    stock.correct_count(variant, here, units, by=BY)
                elif operation == "write_off":
                    stock.write_off(variant, here, units, reason="Broken", by=BY)
                elif operation == "transfer":
                    stock.transfer(variant, here, there, units, by=BY)
                elif operation == "reserve" and units:
                    orders.append(
                        sales.confirm_quotation(
                            make_cart((variant, units)),
                            checkout_details(payment_method=PaymentMethod.BANK_TRANSFER),
                        )
                    )
                elif operation == "release" and orders:
                    sales.cancel_quotation(orders.pop(which % len(orders)), by=BY)
        except (stock.StockRefused, sales.OutOfStock):
            pass
        _consistent()
    for row in db.session.scalars(db.select(Stock).where(Stock.variant_id == variant.id)):
        db.session.refresh(row)
        moves = [m for m in _moves(variant) if m.warehouse_id == row.warehouse_id]
        assert row.quantity == sum(m.quantity_change for m in moves) >= 0
        assert row.reserved == sum(m.reserved_change for m in moves) >= 0
    assert {m.kind for m in _moves(variant)} <= {k.value for k in StockMoveKind}
