"""The users page (B1) and sales teams (B15): admins manage the people of the back office."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shop.accounts.models import Role, SalesTeam, User
from shop.extensions import db, limiter
from tests.factories import make_sales_order, make_team, make_user
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import log_in, logged_in


@pytest.fixture
def admin_user(shopper):
    return logged_in(shopper, "admin", name="Aylin Admin")


@pytest.fixture
def admin(shopper, admin_user):
    return shopper


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def new_user_form(**over) -> dict:
    values = {
        "name": "Deniz Demir",
        "email": "deniz@example.com",
        "password": "first password",
        "phone": "0532 123 45 67",
        "role": "staff",
        "salesperson": "y",
        "sales_team": "",
    }
    values.update(over)
    return {key: value for key, value in values.items() if value is not None}


def edit_form(user: User, **over) -> dict:
    values = {
        "name": user.name,
        "phone": user.phone,
        "role": user.role.value,
        "salesperson": "y" if user.salesperson else None,
        "sales_team": str(user.sales_team_id or ""),
    }
    values.update(over)
    return {key: value for key, value in values.items() if value is not None}


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_back_office_people_but_no_customers(admin):
    team = make_team("Online")
    make_user(
        "staff",
        name="Selin",
        email="selin@example.com",
        phone="+905321234567",
        salesperson=True,
        sales_team_id=team.id,
    )
    make_user("courier", name="Kurye Ali", email="ali@example.com")
    make_user("customer", name="Buyer", email="buyer@example.com")

    page = text(admin.get("/admin/users"))

    row = page.split('data-email="selin@example.com"')[1].split("</tr>")[0]
    assert "Selin" in row and "+905321234567" in row and "Staff" in row
    assert "Salesperson" in row and "Online" in row and "Active" in row
    assert "Kurye Ali" in page and "Courier" in page
    assert "buyer@example.com" not in page
    assert 'id="teams"' in page


def test_teams_redirects_to_the_teams_section(admin):
    response = admin.get("/admin/teams")

    assert response.status_code == 303 and location_path(response) == "/admin/users#teams"


# --- adding a user --------------------------------------------------------------------------------


def test_an_admin_adds_a_user_who_can_then_log_in(admin, client, app):
    from tests.web.conftest import Shopper

    team = make_team("Online")

    response = admin.post(
        "/admin/users/new", new_user_form(sales_team=str(team.id)), token_from="/admin/users/new"
    )

    assert response.status_code == 303 and location_path(response) == "/admin/users"
    user = db.session.scalar(db.select(User).where(User.email == "deniz@example.com"))
    assert (user.name, user.role, user.phone, user.salesperson, user.sales_team_id) == (
        "Deniz Demir",
        Role.STAFF,
        "+905321234567",
        True,
        team.id,
    )
    assert user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, "first password")
    limiter.reset()
    newcomer = Shopper(app.test_client())
    assert log_in(newcomer, "deniz@example.com", "first password").status_code == 303


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"password": "too short"}, "password", "Choose a password of 10 to 128 characters."),
        ({"email": "not-an-address"}, "email", "Enter an e-mail address."),
        ({"name": ""}, "name", "Enter the person's name."),
        ({"phone": "12345"}, "phone", "Enter a phone number we can call, for example +90 532 123 45 67."),
        ({"role": "customer"}, "role", "Choose admin, staff or courier."),
        ({"role": "courier", "salesperson": "y"}, "salesperson", "Only admins and staff can be salespeople."),
        ({"sales_team": "999"}, "sales_team", "Choose one of the sales teams."),
    ],
)
def test_invalid_users_are_refused_next_to_the_field(admin, over, field, message):
    response = admin.post("/admin/users/new", new_user_form(**over), token_from="/admin/users/new")

    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert db.session.scalar(db.select(User).where(User.name == "Deniz Demir")) is None


def test_an_e_mail_address_is_used_once(admin):
    make_user("staff", email="deniz@example.com")

    response = admin.post("/admin/users/new", new_user_form(), token_from="/admin/users/new")

    assert response.status_code == 422
    assert field_errors(response, "email") == ["Another user already has this e-mail address."]


# --- editing --------------------------------------------------------------------------------------


def test_an_admin_changes_name_phone_role_and_team(admin):
    team = make_team("Online")
    user = make_user("staff")
    url = f"/admin/users/{user.id}"

    response = admin.post(
        url,
        edit_form(user, name="Ece Yıldız", phone="+48 512 345 678", role="admin", sales_team=str(team.id)),
        token_from=url,
    )

    assert response.status_code == 303
    user = fresh(user)
    assert (user.name, user.phone, user.role, user.sales_team_id) == (
        "Ece Yıldız",
        "+48512345678",
        Role.ADMIN,
        team.id,
    )


def test_an_admin_cannot_change_their_own_role(admin, admin_user):
    url = f"/admin/users/{admin_user.id}"

    response = admin.post(url, edit_form(admin_user, role="staff"), token_from=url)

    assert response.status_code == 422
    assert field_errors(response, "role") == ["You cannot change your own role; ask another admin."]
    assert fresh(admin_user).role == Role.ADMIN


def test_customers_cannot_be_edited_here(admin):
    customer = make_user("customer")

    assert admin.get(f"/admin/users/{customer.id}").status_code == 404
    response = admin.post(
        f"/admin/users/{customer.id}", {"name": "x", "role": "admin"}, token_from="/admin/users"
    )
    assert response.status_code == 404
    assert fresh(customer).role == Role.CUSTOMER


def test_an_unknown_user_is_a_404(admin):
    assert admin.get("/admin/users/99999").status_code == 404


# --- deactivating ---------------------------------------------------------------------------------


def test_an_admin_deactivates_and_reactivates_a_user(admin):
    user = make_user("staff")
    url = f"/admin/users/{user.id}"

    off = admin.post(f"{url}/active", {"active": "0"}, token_from=url)

    assert off.status_code == 303
    assert fresh(user).active is False
    assert "is deactivated and can no longer log in" in text(admin.get(url))

    admin.post(f"{url}/active", {"active": "1"}, token_from=url)
    assert fresh(user).active is True


def test_a_deactivated_user_cannot_log_in(admin, app):
    from tests.web.conftest import Shopper

    user = make_user("staff")
    admin.post(f"/admin/users/{user.id}/active", {"active": "0"}, token_from=f"/admin/users/{user.id}")

    limiter.reset()
    response = log_in(Shopper(app.test_client()), user.email)

    assert response.status_code == 422


def test_an_admin_cannot_deactivate_themselves(admin, admin_user):
    url = f"/admin/users/{admin_user.id}"

    response = admin.post(f"{url}/active", {"active": "0"}, token_from=url)

    assert response.status_code == 409
    assert "You cannot deactivate your own account." in text(response)
    assert fresh(admin_user).active


def test_an_admin_demotes_another_admin(admin):
    other = make_user("admin")
    url = f"/admin/users/{other.id}"

    response = admin.post(url, edit_form(other, role="staff"), token_from=url)

    assert response.status_code == 303
    assert fresh(other).role == Role.STAFF


# --- passwords ------------------------------------------------------------------------------------


def test_an_admin_sets_a_new_password(admin, app):
    from tests.web.conftest import Shopper

    user = make_user("staff")
    url = f"/admin/users/{user.id}"

    response = admin.post(f"{url}/password", {"password": "a brand new one"}, token_from=url)

    assert response.status_code == 303
    limiter.reset()
    assert log_in(Shopper(app.test_client()), user.email, "a brand new one").status_code == 303


def test_a_new_password_must_be_long_enough(admin):
    user = make_user("staff")
    before = user.password_hash
    url = f"/admin/users/{user.id}"

    response = admin.post(f"{url}/password", {"password": "short"}, token_from=url)

    assert response.status_code == 422
    assert field_errors(response, "password") == ["Choose a password of 10 to 128 characters."]
    assert fresh(user).password_hash == before


# --- sales teams ----------------------------------------------------------------------------------


def test_an_admin_adds_renames_and_deletes_a_team(admin):
    created = admin.post("/admin/teams", {"name": "Online"}, token_from="/admin/users")
    team = db.session.scalar(db.select(SalesTeam).where(SalesTeam.name == "Online"))

    renamed = admin.post(f"/admin/teams/{team.id}", {"name": "Web shop"}, token_from="/admin/users")
    deleted = admin.post(f"/admin/teams/{team.id}/delete", {}, token_from="/admin/users")

    assert created.status_code == renamed.status_code == deleted.status_code == 303
    assert location_path(deleted) == "/admin/users#teams"
    db.session.expire_all()
    assert db.session.scalars(db.select(SalesTeam)).all() == []
    assert "Team Web shop deleted." in text(admin.get("/admin/users"))


def test_a_team_name_is_used_once(admin):
    make_team("Online")

    response = admin.post("/admin/teams", {"name": "online"}, token_from="/admin/users")

    assert response.status_code == 422
    assert field_errors(response, "name") == ["There already is a team with this name."]


def test_a_rename_to_an_empty_name_is_refused_on_its_row(admin):
    team = make_team("Online")

    response = admin.post(f"/admin/teams/{team.id}", {"name": " "}, token_from="/admin/users")

    assert response.status_code == 422
    row = text(response).split('data-team="Online"')[1].split("</li>")[0]
    assert 'class="field-error"' in row


def test_a_team_with_members_or_orders_is_not_deleted(admin):
    crowded, busy = make_team("Crowded"), make_team("Busy")
    make_user("staff", sales_team_id=crowded.id)
    order = make_sales_order()
    order.sales_team_id = busy.id

    members = admin.post(f"/admin/teams/{crowded.id}/delete", {}, token_from="/admin/users")
    orders = admin.post(f"/admin/teams/{busy.id}/delete", {}, token_from="/admin/users")

    assert members.status_code == orders.status_code == 409
    assert "Crowded still has members; move them to another team first." in text(members)
    assert "Busy has orders, so it cannot be deleted." in text(orders)
    db.session.expire_all()
    assert len(db.session.scalars(db.select(SalesTeam)).all()) == 2


def test_the_users_page_works_in_persian(admin):
    response = admin.get("/admin/users?lang=fa")

    assert response.status_code == 200
    assert 'dir="rtl"' in response.get_data(as_text=True)


# --- htmx: the teams section swaps itself ---------------------------------------------------------


def test_adding_a_team_under_htmx_answers_with_the_teams_section(admin):
    response = admin.post("/admin/teams", {"name": "Online"}, token_from="/admin/users", htmx=True)

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and 'id="teams" data-swap' in body
    assert "Team Online added." in text(response) and 'data-team="Online"' in body


def test_a_refused_team_delete_under_htmx_is_a_409_fragment(admin):
    team = make_team("Crowded")
    make_user("staff", sales_team_id=team.id)

    response = admin.post(f"/admin/teams/{team.id}/delete", {}, token_from="/admin/users", htmx=True)

    assert response.status_code == 409
    assert "<html" not in response.get_data(as_text=True)
    assert "Crowded still has members" in text(response)


# --- the history of changes -------------------------------------------------------------------


def _history_rows(response) -> list[str]:
    """The history table's rows as text, newest first."""
    import re

    body = response.get_data(as_text=True)
    if "history-table" not in body:
        assert "No changes yet." in body
        return []
    table = body[body.index("history-table") :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]  # without the heading row
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_user_changes_are_in_the_history_with_who_and_what(admin, admin_user):
    team = make_team("Online")
    admin.post("/admin/users/new", new_user_form(), token_from="/admin/users/new")
    user = db.session.scalar(db.select(User).where(User.email == "deniz@example.com"))
    url = f"/admin/users/{user.id}"
    admin.post(url, edit_form(user, role="admin", sales_team=str(team.id)), token_from=url)
    admin.post(f"{url}/password", {"password": "another long one"}, token_from=url)
    admin.post(f"{url}/active", {"active": "0"}, token_from=url)

    rows = _history_rows(admin.get(url))

    assert len(rows) == 4
    assert "User deactivated" in rows[0] and "Aylin Admin" in rows[0]
    assert "New password set" in rows[1] and "another long one" not in " ".join(rows)
    assert "User changed" in rows[2]
    assert "Role: Staff → Admin" in rows[2] and "Sales team: — → Online" in rows[2]
    assert "Name" not in rows[2]  # unchanged fields are not listed
    assert "User added" in rows[3] and "Name: — → Deniz Demir" in rows[3]


def test_saving_a_user_unchanged_adds_nothing_to_the_history(admin):
    user = make_user("staff", name="Same")
    url = f"/admin/users/{user.id}"

    admin.post(url, edit_form(user), token_from=url)

    assert _history_rows(admin.get(url)) == []


def test_team_changes_are_in_the_history_even_after_the_team_is_gone(admin):
    admin.post("/admin/teams", {"name": "Online"}, token_from="/admin/users")
    team = db.session.scalar(db.select(SalesTeam).where(SalesTeam.name == "Online"))
    admin.post(f"/admin/teams/{team.id}", {"name": "Web shop"}, token_from="/admin/users")
    admin.post(f"/admin/teams/{team.id}/delete", {}, token_from="/admin/users")

    rows = _history_rows(admin.get("/admin/users"))

    assert "Team deleted: Web shop" in rows[0]
    assert "Team renamed: Web shop" in rows[1] and "Name: Online → Web shop" in rows[1]
    assert "Team added: Online" in rows[2]


def test_a_team_change_under_htmx_also_refreshes_the_history(admin):
    response = admin.post("/admin/teams", {"name": "Online"}, token_from="/admin/users", htmx=True)

    body = response.get_data(as_text=True)
    assert 'id="account-history" hx-swap-oob="true"' in body
    assert "Team added: Online" in " ".join(_history_rows(response))
