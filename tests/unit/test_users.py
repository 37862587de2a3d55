"""Managing back-office users and sales teams (B1, B15): the rules that keep the shop usable."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shop.accounts import services as accounts
from shop.accounts.models import LoginAttempt, Role, User
from shop.extensions import db
from shop.settings import services as settings
from tests.factories import make_sales_order, make_team, make_user


def test_an_admin_creates_a_user_with_an_argon2id_password():
    user = accounts.create_user(
        " Deniz@Example.com ", "a long password", role="staff", name="Deniz", phone="0532 123 45 67"
    )

    assert user.email == "deniz@example.com"
    assert user.role == Role.STAFF and user.active
    assert user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, "a long password")
    assert user.phone == "+905321234567"


def test_phone_numbers_are_read_in_the_shops_country():
    user = accounts.create_user(
        "ola@example.com", "a long password", role="staff", phone="512 345 678", region="PL"
    )

    assert user.phone == "+48512345678"


@pytest.mark.parametrize("phone", ["12", "not a phone", "+90 000"])
def test_a_phone_number_that_cannot_be_called_is_refused(phone):
    with pytest.raises(accounts.InvalidPhone):
        accounts.create_user("x@example.com", "a long password", role="staff", phone=phone)


@pytest.mark.parametrize("password", ["short", "x" * 9, "x" * 129])
def test_a_password_has_10_to_128_characters(password):
    with pytest.raises(accounts.WeakPassword):
        accounts.create_user("x@example.com", password, role="staff")


def test_back_office_users_are_admins_staff_or_couriers():
    with pytest.raises(accounts.UserChangeRefused):
        accounts.create_user("x@example.com", "a long password", role="customer")
    with pytest.raises(accounts.UserChangeRefused):
        accounts.create_user("x@example.com", "a long password", role="owner")


def test_an_e_mail_address_belongs_to_one_user():
    make_user("staff", email="taken@example.com")

    with pytest.raises(accounts.UserEmailTaken):
        accounts.create_user("TAKEN@example.com", "a long password", role="staff")


def test_only_admins_and_staff_are_salespeople():
    with pytest.raises(accounts.UserChangeRefused):
        accounts.create_user("c@example.com", "a long password", role="courier", salesperson=True)


def test_a_user_joins_an_existing_team_only():
    with pytest.raises(accounts.TeamRefused):
        accounts.create_user("x@example.com", "a long password", role="staff", sales_team_id=999)


def test_an_admin_edits_name_phone_role_and_team():
    admin = make_user("admin")
    team = make_team("Online")
    user = make_user("staff")

    accounts.update_user(
        user,
        by=admin,
        name="Ece",
        role="admin",
        phone="+48 512 345 678",
        salesperson=True,
        sales_team_id=team.id,
    )

    assert (user.name, user.role, user.phone, user.salesperson, user.sales_team_id) == (
        "Ece",
        Role.ADMIN,
        "+48512345678",
        True,
        team.id,
    )


def test_nobody_changes_their_own_role():
    admin, _other = make_user("admin"), make_user("admin")

    with pytest.raises(accounts.UserChangeRefused) as refused:
        accounts.update_user(admin, by=admin, name="Me", role="staff")

    assert "your own role" in str(refused.value)
    assert admin.role == Role.ADMIN


def test_the_last_active_admin_stays_an_admin():
    only_admin = make_user("admin")
    make_user("admin", active=False)
    other = make_user("staff")

    with pytest.raises(accounts.UserChangeRefused) as refused:
        accounts.update_user(only_admin, by=other, name="Boss", role="staff")

    assert "last active admin" in str(refused.value)


def test_an_admin_cannot_deactivate_themselves():
    admin, _other = make_user("admin"), make_user("admin")

    with pytest.raises(accounts.UserChangeRefused) as refused:
        accounts.set_active(admin, False, by=admin)

    assert str(refused.value) == "You cannot deactivate your own account."
    assert admin.active


def test_the_last_active_admin_cannot_be_deactivated():
    only_admin = make_user("admin")
    someone = make_user("staff")

    with pytest.raises(accounts.UserChangeRefused):
        accounts.set_active(only_admin, False, by=someone)

    assert only_admin.active


def test_an_admin_can_be_deactivated_while_another_remains():
    admin, other = make_user("admin"), make_user("admin")

    accounts.set_active(other, False, by=admin)
    accounts.set_active(other, True, by=admin)

    assert other.active


def test_a_password_reset_replaces_the_hash_and_lifts_the_lock():
    admin, user = make_user("admin"), make_user("staff")
    db.session.add(LoginAttempt(email=user.email))

    accounts.reset_password(user, "a brand new password", by=admin)

    assert PasswordHasher().verify(user.password_hash, "a brand new password")
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginAttempt)) == 0


def test_a_reset_password_must_be_long_enough():
    admin, user = make_user("admin"), make_user("staff")
    before = user.password_hash

    with pytest.raises(accounts.WeakPassword):
        accounts.reset_password(user, "short", by=admin)

    assert user.password_hash == before


def test_customers_are_not_managed_here():
    customer = make_user("customer")

    assert accounts.back_office_user(customer.id) is None
    assert customer not in accounts.back_office_users()


# --- sales teams ---------------------------------------------------------------------------------


def test_teams_have_unique_names_whatever_the_case():
    accounts.create_team("Online")

    with pytest.raises(accounts.TeamRefused):
        accounts.create_team(" online ")


def test_a_team_is_renamed():
    team = accounts.create_team("Online")

    accounts.rename_team(team, "  Web   shop ")

    assert team.name == "Web shop"


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_team_name_has_1_to_80_characters(name):
    with pytest.raises(accounts.TeamRefused):
        accounts.create_team(name)


def test_an_empty_team_can_be_deleted():
    team = accounts.create_team("Temporary")

    accounts.delete_team(team)
    db.session.flush()

    assert accounts.sales_teams() == []


def test_a_team_with_members_cannot_be_deleted():
    team = make_team("Online")
    make_user("staff", sales_team_id=team.id)

    with pytest.raises(accounts.TeamRefused) as refused:
        accounts.delete_team(team)

    assert "members" in str(refused.value)


def test_a_team_with_orders_cannot_be_deleted():
    team = make_team("Online")
    order = make_sales_order()
    order.sales_team_id = team.id
    db.session.flush()

    with pytest.raises(accounts.TeamRefused) as refused:
        accounts.delete_team(team)

    assert "orders" in str(refused.value)


def test_the_team_that_takes_new_orders_cannot_be_deleted():
    team = make_team("Online")
    settings.save({"sales_assignment": {"policy": "team", "team_id": team.id}}, by_user_id=None)

    with pytest.raises(accounts.TeamRefused):
        accounts.delete_team(team)


def test_a_deactivated_salesperson_takes_no_new_orders():
    admin = make_user("admin")
    ali = make_user("staff", salesperson=True)
    berk = make_user("staff", salesperson=True)
    settings.save({"sales_assignment": {"policy": "round_robin", "team_id": None}}, by_user_id=None)

    accounts.set_active(ali, False, by=admin)
    assigned = {make_sales_order().salesperson_id for _ in range(3)}

    assert assigned == {berk.id}
    assert db.session.get(User, ali.id).active is False


def test_passwords_are_hashed_with_argon2id():
    from shop.accounts.services import hash_password

    assert hash_password("correct horse battery").startswith("$argon2id$")
