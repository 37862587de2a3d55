from shop.accounts.models import Role, SalesTeam, User
from shop.extensions import db
from shop.orders.history import events_for
from shop.orders.services import initial_status
from shop.sales import services as sales
from shop.settings import services as settings
from tests.factories import checkout_details


def _staff(name: str, team: SalesTeam | None = None, *, salesperson: bool = True) -> User:
    user = User(
        email=f"{name}@example.com",
        password_hash="x",
        name=name,
        role=Role.STAFF,
        salesperson=salesperson,
        sales_team=team,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _sell(make_product, make_cart):
    return sales.confirm_quotation(make_cart((make_product().variants[0], 1)), checkout_details())


def test_a_new_sales_order_starts_in_the_first_status(make_product, make_cart):
    order = _sell(make_product, make_cart)

    assert order.status == initial_status() and order.status.code == "new"
    assert ("status", "new") in [(e.kind, e.after) for e in events_for(order)]


def test_with_no_policy_nobody_is_assigned(make_product, make_cart):
    _staff("deniz")

    order = _sell(make_product, make_cart)

    assert order.salesperson_id is None and order.sales_team_id is None


def test_one_team_policy_gives_every_order_to_that_team(make_product, make_cart):
    team = SalesTeam(name="Online")
    db.session.add(team)
    db.session.flush()
    settings.update(sales_assignment={"policy": "team", "team_id": team.id})

    order = _sell(make_product, make_cart)

    assert order.sales_team_id == team.id


def test_round_robin_takes_turns_among_active_salespeople(make_product, make_cart):
    ali, berk = _staff("ali"), _staff("berk")
    _staff("cem", salesperson=False)
    settings.update(sales_assignment={"policy": "round_robin", "team_id": None})

    assigned = [_sell(make_product, make_cart).salesperson_id for _ in range(4)]

    assert assigned == [ali.id, berk.id, ali.id, berk.id]
