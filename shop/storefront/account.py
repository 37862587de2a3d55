"""The customer's account (S4, S7): register, log in and out; the orders, the e-mail address's
verification (which attaches guest orders), the profile, saved addresses, and deleting the
account. The rules are in shop.accounts (addresses, verification, deletion); the password
pages are in account_views."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from shop.accounts import addresses, deletion, verification
from shop.accounts import services as accounts
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import country_name, locale_code
from shop.orders import services as order_statuses
from shop.returns.requests import order_refusal
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, state_label
from shop.settings import services as settings
from shop.storefront.account_forms import AddressForm, DeleteAccountForm, ProfileForm
from shop.storefront.blueprint import bp
from shop.storefront.cart import CART_SESSION_KEY, current_cart
from shop.storefront.forms import ActionForm, LoginForm, RegisterForm
from shop.web import end_session, login_rate_limit, parse_id, safe_next, start_session

# --- register, log in, log out -------------------------------------------------------------------------


def _after_login(user) -> None:  # noqa: ANN001
    """A fresh session at login (no fixation), keeping the language and the guest's cart; guest
    orders placed with the account's verified address join the account."""
    guest_cart_id = session.get(CART_SESSION_KEY)
    start_session(user)
    verification.attach_guest_orders(user, at_login=True)  # guest checkouts with the verified address since
    guest = db.session.get(Order, guest_cart_id) if isinstance(guest_cart_id, int) else None
    if guest is not None and guest.state == OrderState.QUOTATION and guest.customer_id is None:
        own = current_cart()
        if own is None:
            guest.customer_id = user.id
        else:
            sales.merge_carts(guest, own)
    db.session.commit()


@bp.route("/account/register", methods=["GET", "POST"])
@login_rate_limit  # each attempt hashes a password: counted with the other password forms
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_customer(
                form.email.data, form.password.data, name=form.name.data, locale=locale_code()
            )
        except ShopError as error:
            db.session.rollback()
            form.show_error(error)
        else:
            _after_login(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(safe_next(url_for("storefront.account")), 303)
    return render_template("storefront/register.html", form=form), 422 if form.errors else 200


@bp.route("/account/login", methods=["GET", "POST"])
@login_rate_limit
def login():
    """Customers only: a back-office account is refused here like a wrong password (and the
    failure counts towards its lock), so this door never opens a back-office session."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.log_in(
                form.email.data,
                form.password.data,
                door=accounts.Door.STOREFRONT,
                address=request.remote_addr or "",
            )
        except accounts.BadCredentials as error:
            db.session.commit()  # the failed attempt counts towards the account's lock
            form.show_error(error)
        else:
            _after_login(user)
            return redirect(safe_next(url_for("storefront.account")), 303)
    return render_template("storefront/login.html", form=form), 422 if form.errors else 200


@bp.post("/account/logout")
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    end_session()
    db.session.commit()
    return redirect(url_for("storefront.home"), 303)


# --- the account's home: orders, e-mail verification ------------------------------------------


def _own_orders() -> list[Order]:
    return list(
        db.session.scalars(
            db.select(Order)
            .where(Order.customer_id == current_user.id, Order.state != OrderState.QUOTATION)
            .order_by(Order.id.desc())
            .limit(100)
            .options(selectinload(Order.status))
        )
    )


def customer_status(order: Order) -> str:
    """What the account's list calls the order's stage: the seller's status while it is one
    customers may see (as the tracking page shows it), else the order's state."""
    if order.status is not None and order.status.customer_visible:
        return order_statuses.status_name(order.status)
    return state_label(order.state)


@bp.get("/account")
@login_required
def account():
    orders = _own_orders()
    return render_template(
        "storefront/account.html",
        orders=orders,
        customer_status=customer_status,
        returnable={order.id for order in orders if order_refusal(order) == ""},
        attached=verification.attached_count(current_user),
        verify_form=ActionForm(),
    )


@bp.post("/account/verify-email")
@login_required
@login_rate_limit  # sends an e-mail: counted with the other forms that do
def send_verification():
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        verification.send_verification(current_user._get_current_object())
    except verification.TooManyVerificationMails as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("storefront.account"), 303)
    db.session.commit()
    flash(
        _(
            "We have sent a link to %(email)s. Open it within %(hours)s hours to verify the address.",
            email=current_user.email,
            hours=verification.VERIFY_MAX_AGE_HOURS,
        ),
        "success",
    )
    return redirect(url_for("storefront.account"), 303)


@bp.route("/account/verify-email/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """The e-mail's link: no login needed (it may open on another device); the token names the
    account. Opening the link shows a button; the button verifies (a mail scanner that follows
    links changes nothing, and every change is a POST with its form token)."""
    token = token[:512]
    try:
        user = verification.user_for_token(token)
    except verification.VerificationLinkInvalid as error:
        return render_template("storefront/account/verify.html", problem=str(error), form=None), 400
    form = ActionForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("storefront/account/verify.html", problem="", form=form, user=user), status
    _user, attached = verification.verify_email(token)
    db.session.commit()
    flash(_("Your e-mail address is verified."), "success")
    if attached:
        flash(
            ngettext(
                "%(num)s order you placed as a guest is now in your account.",
                "%(num)s orders you placed as a guest are now in your account.",
                attached,
            ),
            "success",
        )
    signed_in = current_user.is_authenticated and current_user.id == user.id
    return redirect(url_for("storefront.account" if signed_in else "storefront.login"), 303)


# --- profile and saved addresses -------------------------------------------------------------------


def _rules_country() -> str:
    """The country the profile's tax ID and phone are checked for: the default address's, else
    the shop's first shipping country (as the checkout would start)."""
    address = addresses.default_address(current_user)
    return address.country if address else (settings.current().shipping_countries or ["TR"])[0]


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user) if request.method == "GET" else ProfileForm()
    form.rules_country = _rules_country()
    if form.validate_on_submit():
        addresses.update_profile(
            user,
            name=form.name.data,
            phone=form.phone.data or "",
            company_name=form.company_name.data or "",
            tax_id=form.tax_id.data or "",
        )
        db.session.commit()
        flash(_("Your details are saved."), "success")
        return redirect(url_for("storefront.account"), 303)
    status = 422 if form.errors else 200
    return render_template(
        "storefront/account/profile.html", form=form, rules_country=country_name(form.rules_country)
    ), status


def _country_choices(form: AddressForm) -> None:
    form.country.choices = [
        SelectChoice(code, country_name(code)) for code in settings.current().shipping_countries
    ]


def _address_details(form: AddressForm) -> addresses.AddressDetails:
    return addresses.AddressDetails(
        label=(form.label.data or "").strip(),
        name=form.name.data.strip(),
        phone=form.phone.data,
        address_line=form.address_line.data.strip(),
        city=form.city.data.strip(),
        postal_code=form.postal_code.data.strip(),
        country=form.country.data,
    )


def _own_address(address_id: str):  # noqa: ANN202
    return addresses.address_of(current_user, parse_id(address_id))


@bp.get("/account/addresses")
@login_required
def address_list():
    return render_template(
        "storefront/account/addresses.html",
        addresses=addresses.addresses_of(current_user),
        limit=addresses.MAX_ADDRESSES,
        action_form=ActionForm(),
    )


def _address_page(form: AddressForm, save, address=None):  # noqa: ANN001, ANN202
    """The address form, new or edited: ``save(details)`` stores it when the form is valid."""
    _country_choices(form)
    if form.validate_on_submit():
        try:
            save(_address_details(form))
        except ShopError as error:
            db.session.rollback()
            form.show_error(error)
        else:
            db.session.commit()
            flash(_("The address is saved."), "success")
            return redirect(url_for("storefront.address_list"), 303)
    status = 422 if form.errors else 200
    return render_template("storefront/account/address_form.html", form=form, address=address), status


@bp.route("/account/addresses/new", methods=["GET", "POST"])
@login_required
def address_new():
    user = current_user._get_current_object()
    if request.method == "GET":
        form = AddressForm(formdata=None, name=user.name, phone=user.phone)
    else:
        form = AddressForm()
    return _address_page(form, lambda details: addresses.add_address(user, details))


@bp.route("/account/addresses/<address_id>", methods=["GET", "POST"])
@login_required
def address_edit(address_id: str):
    address = _own_address(address_id)
    form = AddressForm(obj=address) if request.method == "GET" else AddressForm()
    return _address_page(form, lambda details: addresses.update_address(address, details), address)


@bp.post("/account/addresses/<address_id>/delete")
@login_required
def address_delete(address_id: str):
    address = _own_address(address_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    addresses.delete_address(address)
    db.session.commit()
    flash(_("The address is deleted."), "success")
    return redirect(url_for("storefront.address_list"), 303)


@bp.post("/account/addresses/<address_id>/default")
@login_required
def address_default(address_id: str):
    address = _own_address(address_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    addresses.make_default(address)
    db.session.commit()
    flash(_("This is now your default address: the checkout starts with it."), "success")
    return redirect(url_for("storefront.address_list"), 303)


# --- deleting the account ----------------------------------------------------------------------


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@login_rate_limit  # checks a password
def delete_account():
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    matters = deletion.open_matters(user)
    if form.validate_on_submit() and not matters:
        try:
            deletion.delete_account(user, form.current_password.data, address=request.remote_addr or "")
        except accounts.WrongCurrentPassword as error:
            db.session.commit()  # the failed attempt counts towards the account's lock
            form.show_error(error)
        except ShopError as error:
            db.session.rollback()
            form.show_error(error)
        else:
            end_session()
            db.session.commit()
            flash(_("Your account is deleted. Thank you for shopping with us, and goodbye."), "success")
            return redirect(url_for("storefront.home"), 303)
    elif form.is_submitted() and matters:
        form.form_errors.append(str(deletion.AccountDeletionRefused()))
    status = 409 if form.is_submitted() and matters else 422 if form.errors or form.form_errors else 200
    return render_template(
        "storefront/account/delete.html",
        form=form,
        matters=matters,
        kept_with_invoice=len(deletion.orders_kept_with_data(user)),
    ), status
