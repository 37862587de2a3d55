"""Back-office users and sales teams (B1, B15), admins only.

Admins add people with a first password they type and pass on, change their role and sales
team, deactivate and reactivate them, and set a new password. The rules that keep the shop
from locking itself out (nobody deactivates or re-roles themselves; the last active admin
stays one) live in accounts.services, so every caller gets them.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts import services as accounts
from shop.accounts.models import Role, SalesTeam, User
from shop.backoffice import bp
from shop.backoffice.access import admin_required
from shop.backoffice.forms import ActionForm, NewUserForm, PasswordResetForm, TeamForm, UserForm
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.settings import services as settings
from shop.web import is_htmx, parse_id, render

_REGIONS = {"TRY": "TR", "PLN": "PL", "IRR": "IR"}


def role_label(role: Role | str) -> str:
    return {
        "admin": _("Admin"),
        "staff": _("Staff"),
        "courier": _("Courier"),
        "customer": _("Customer"),
    }.get(str(getattr(role, "value", role)), str(role))


def _action_label(action: str) -> str:
    return {
        "user_created": _("User added"),
        "user_updated": _("User changed"),
        "user_deactivated": _("User deactivated"),
        "user_reactivated": _("User reactivated"),
        "password_reset": _("New password set"),
        "team_created": _("Team added"),
        "team_renamed": _("Team renamed"),
        "team_deleted": _("Team deleted"),
    }.get(action, action)


def _field_label(name: str) -> str:
    return {
        "name": _("Name"),
        "phone": _("Phone"),
        "role": _("Role"),
        "salesperson": _("Salesperson"),
        "sales_team": _("Sales team"),
    }.get(name, name)


def _value(name: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return role_label(str(value)) if name == "role" else str(value)


def account_history(user: User | None = None) -> list[dict]:
    """The history table's rows: who did what to which user or team, and what changed."""
    return [
        {
            "at": entry.at,
            "who": (entry.by.name or entry.by.email) if entry.by else _("System"),
            "what": _action_label(entry.action),
            "subject": entry.subject,
            "details": [
                (_field_label(name), _value(name, before), _value(name, after))
                for name, (before, after) in entry.changes.items()
                if entry.action != "team_deleted"
            ],
        }
        for entry in accounts.account_history(user=user)
    ]


def _region() -> str:
    """Phone numbers typed without a country code are read as the shop's country."""
    return _REGIONS.get(settings.current().currency, "TR")


def _user(user_id: int) -> User:
    user = accounts.back_office_user(parse_id(user_id))
    if user is None:
        raise NotFound()
    return user


def _team(team_id: int) -> SalesTeam:
    team = db.session.get(SalesTeam, parse_id(team_id))
    if team is None:
        raise NotFound()
    return team


# --- the list, with the teams ---------------------------------------------------------------


def _list_page(
    *,
    team_form: TeamForm | None = None,
    team_errors: dict[int, str] | None = None,
    status: int = 200,
    notice: str = "",
):
    """The users page; under htmx, only its teams section (with ``notice`` on top)."""
    users = accounts.back_office_users()
    teams = accounts.sales_teams()
    members, orders = accounts.team_counts()
    return render(
        "backoffice/users/list.html",
        "teams",
        status=status,
        users=users,
        teams=teams,
        members=members,
        team_orders=orders,
        team_form=team_form or TeamForm(formdata=None),
        team_errors=team_errors or {},
        role_label=role_label,
        policy_team_id=settings.current().sales_assignment.get("team_id"),
        notice=notice,
        notice_kind="success",
        history=account_history(),
    )


def _team_done(message: str):  # noqa: ANN202
    """After a team change: the teams section under htmx, else back to the page with a flash."""
    if is_htmx():
        return _list_page(notice=message)
    flash(message, "success")
    return redirect(url_for("backoffice.users", _anchor="teams"), 303)


@bp.get("/users")
@admin_required
def users():
    return _list_page()


@bp.get("/teams")
@admin_required
def teams():
    return redirect(url_for("backoffice.users", _anchor="teams"), 303)


# --- one user ---------------------------------------------------------------------------------


def _form_page(form: UserForm, user: User | None, *, status: int = 200, reset_form=None, error: str = ""):  # noqa: ANN001
    return (
        render_template(
            "backoffice/users/edit.html",
            form=form,
            user=user,
            reset_form=reset_form or PasswordResetForm(formdata=None),
            error=error,
            is_self=user is not None and user.id == current_user.id,
            history=account_history(user) if user is not None else [],
        ),
        status,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = NewUserForm()
    if not form.is_submitted():
        form.role.data = "staff"
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.email.data,
                form.password.data,
                role=form.role.data,
                name=form.name.data,
                phone=form.phone.data or "",
                salesperson=form.salesperson.data,
                sales_team_id=parse_id(form.sales_team.data),
                region=_region(),
                by=current_user,
            )
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error, fallback="email")
        else:
            flash(
                _(
                    "%(name)s can now log in with the password you chose; tell them in person.",
                    name=user.name,
                ),
                "success",
            )
            return redirect(url_for("backoffice.users"), 303)
    return _form_page(form, None, status=422 if form.is_submitted() else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = _user(user_id)
    if request.method == "GET":
        return _form_page(_current_form(user), user)
    form = UserForm()
    if form.validate_on_submit():
        try:
            accounts.update_user(
                user,
                by=current_user,
                name=form.name.data,
                role=form.role.data,
                phone=form.phone.data or "",
                salesperson=form.salesperson.data,
                sales_team_id=parse_id(form.sales_team.data),
                region=_region(),
            )
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error, fallback="name")
        else:
            flash(_("%(name)s saved.", name=user.name or user.email), "success")
            return redirect(url_for("backoffice.users"), 303)
    return _form_page(form, _user(user_id), status=422)


def _current_form(user: User) -> UserForm:
    return UserForm(
        formdata=None,
        data={
            "name": user.name,
            "phone": user.phone,
            "role": user.role.value,
            "salesperson": user.salesperson,
            "sales_team": str(user.sales_team_id or ""),
        },
    )


@bp.post("/users/<int:user_id>/active")
@admin_required
def set_user_active(user_id: int):
    user = _user(user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _form_page(
            _current_form(user), user, status=400, error=_("The form expired. Please send it again.")
        )
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(user, active, by=current_user)
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        user = _user(user_id)
        return _form_page(_current_form(user), user, status=409, error=str(error))
    name = user.name or user.email
    flash(
        _("%(name)s can log in again.", name=name)
        if active
        else _("%(name)s is deactivated and can no longer log in.", name=name),
        "success",
    )
    return redirect(url_for("backoffice.edit_user", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/password")
@admin_required
def reset_user_password(user_id: int):
    user = _user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data, by=current_user)
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error, fallback="password")
        else:
            flash(
                _("New password set for %(name)s; tell them in person.", name=user.name or user.email),
                "success",
            )
            return redirect(url_for("backoffice.edit_user", user_id=user.id), 303)
    return _form_page(_current_form(user), user, status=422, reset_form=form)


# --- sales teams ------------------------------------------------------------------------------


@bp.post("/teams")
@admin_required
def create_team():
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = accounts.create_team(form.name.data, by=current_user)
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error, fallback="name")
        else:
            return _team_done(_("Team %(name)s added.", name=team.name))
    return _list_page(team_form=form, status=422)


@bp.post("/teams/<int:team_id>")
@admin_required
def rename_team(team_id: int):
    team = _team(team_id)
    form = TeamForm()
    if form.validate_on_submit():
        try:
            accounts.rename_team(team, form.name.data, by=current_user)
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            return _list_page(team_errors={team_id: str(error)}, status=422)
        return _team_done(_("Team renamed to %(name)s.", name=team.name))
    message = next(iter(form.name.errors), None) or _("The form expired. Please send it again.")
    return _list_page(team_errors={team_id: message}, status=422)


@bp.post("/teams/<int:team_id>/delete")
@admin_required
def delete_team(team_id: int):
    team = _team(team_id)
    if not ActionForm().validate_on_submit():
        return _list_page(team_errors={team_id: _("The form expired. Please send it again.")}, status=400)
    name = team.name
    try:
        accounts.delete_team(team, by=current_user)
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        return _list_page(team_errors={team_id: str(error)}, status=409)
    return _team_done(_("Team %(name)s deleted.", name=name))
