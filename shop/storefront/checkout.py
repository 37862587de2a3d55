"""Checkout (the cart becomes an order), then the order's tracking page and its payment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from shop.accounts import addresses
from shop.accounts.models import CustomerAddress
from shop.catalog import pickup
from shop.catalog.models import Warehouse
from shop.errors import NotFound, OutOfStock, ShopError
from shop.extensions import db
from shop.i18n import country_name, format_day, locale_code, shop_today, translated
from shop.orders import history
from shop.orders import services as order_statuses
from shop.orders.carriers import carrier_name, tracking_url
from shop.orders.labels import safe_colour
from shop.payments import services as payments
from shop.payments.models import TransactionState
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order, PaymentMethod
from shop.settings import services as settings
from shop.storefront.blueprint import bp
from shop.storefront.cart import CART_SESSION_KEY, current_cart
from shop.storefront.forms import ActionForm, CheckoutForm
from shop.web import is_htmx, parse_id, render

# --- checkout ----------------------------------------------------------------------------


def _pickup_choice(option: pickup.PickupOption) -> SelectChoice:
    """A warehouse in the pickup list; one that cannot hand out the cart is shown disabled,
    with the reason beside its name."""
    name = translated(option.warehouse.name)
    reason = option.reason()
    return SelectChoice(
        str(option.warehouse.id),
        f"{name} – {reason}" if reason else name,
        render_kw={} if option.possible else {"disabled": True},
    )


def _checkout_choices(form: CheckoutForm, cart: Order, today: date) -> dict[str, object]:
    shop = settings.current()
    form.country.choices = [SelectChoice(code, country_name(code)) for code in shop.shipping_countries]
    options = pickup.pickup_options(cart)
    form.pickup_warehouse.choices = [SelectChoice("", _("Choose a warehouse"))] + [
        _pickup_choice(option) for option in options
    ]
    chosen = next(
        (o for o in options if o.possible and str(o.warehouse.id) == (form.pickup_warehouse.data or "")), None
    )
    dates = pickup.allowed_pickup_dates(chosen.warehouse, today, transfer=chosen.transfer) if chosen else []
    form.pickup_date.choices = [SelectChoice("", _("Choose a date"))] + [
        SelectChoice(d.isoformat(), format_day(d, weekday=True)) for d in dates
    ]
    offered = {method.value for method in payments.offered_payment_methods()}
    form.payment_method.choices = [c for c in form.payment_method.choices if c.value in offered]
    if not form.is_submitted() and form.payment_method.data not in offered:
        form.payment_method.data = form.payment_method.choices[0].value
    return {
        "pickup_options": options,
        "chosen_pickup": chosen,
        "chosen_warehouse": chosen.warehouse if chosen else None,
    }


def _checkout_page(cart: Order, form: CheckoutForm, *, status: int = 200, block: str = "checkout_form"):
    context = _checkout_choices(form, cart, shop_today())
    quotes = {method.value: sales.delivery_quote(cart, method) for method in DeliveryMethod}
    priced = sales.priced_cart(cart)
    totals = {method: priced.subtotal + price for method, price in quotes.items()}
    saved = addresses.addresses_of(current_user) if current_user.is_authenticated else []
    return render(
        "storefront/checkout.html",
        block,
        status=status,
        cart=priced,
        form=form,
        saved_addresses=saved,
        saved_address_id=getattr(form, "saved_address_id", None) or (saved[0].id if saved else None),
        quotes=quotes,
        totals=totals,
        bank_account=settings.current().bank_account,
        **context,
    )


@bp.get("/checkout")
def checkout():
    """The checkout page; ``?address=`` (a saved address of the signed-in customer, the select
    above the form, swapped in by htmx) starts the form with that address instead of the default."""
    cart = current_cart()
    if cart is None or not cart.lines:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("storefront.cart"), 303)
    chosen = None
    if current_user.is_authenticated and "address" in request.args:
        chosen = addresses.address_of(current_user, parse_id(request.args.get("address")))
    return _checkout_page(cart, _fresh_checkout_form(cart, address=chosen))


def _account_details(address: CustomerAddress | None) -> dict[str, str]:
    """What a signed-in customer's account knows for the form: the chosen (else the default)
    saved address, the name and phone (the address's, else the profile's), the company data."""
    if not current_user.is_authenticated:
        return {}
    address = address or addresses.default_address(current_user)
    known = {
        "name": current_user.name,
        "phone": current_user.phone,
        "company_name": current_user.company_name,
        "tax_id": current_user.tax_id,
    }
    if address is not None:
        known |= {
            "name": address.name,
            "phone": address.phone,
            "address_line": address.address_line,
            "city": address.city,
            "postal_code": address.postal_code,
            "country": address.country,
        }
    return {key: value for key, value in known.items() if value}


def _fresh_checkout_form(cart: Order, *, address: CustomerAddress | None = None, **over: str) -> CheckoutForm:
    """The checkout form as the page first shows it: the cart at today's prices, and what is
    known of the shopper (a signed-in customer's saved address and details, ``address`` if
    given). ``over`` presets fields (the ``?pickup_warehouse=`` of the URL).
    Nothing is stored: confirming stores the prices, and stops if they differ from these."""
    known = {
        "email": cart.email or (current_user.email if current_user.is_authenticated else ""),
        "name": cart.name,
        "country": cart.country or (settings.current().shipping_countries or ["TR"])[0],
    }
    known |= _account_details(address)
    form = CheckoutForm(
        formdata=None, expected_subtotal=str(sales.priced_cart(cart).subtotal), **(known | over)
    )
    form.saved_address_id = address.id if address is not None else None
    return form


@bp.get("/checkout/pickup-dates")
def pickup_dates():
    """The chosen warehouse's dates, swapped in by htmx. Opened as a page (no htmx: no script,
    a bookmark), it is the checkout page with that warehouse chosen."""
    cart = current_cart()
    if not is_htmx():
        if cart is None or not cart.lines:
            return redirect(url_for("storefront.checkout"), 303)
        warehouse_id = parse_id(request.args.get("pickup_warehouse"))
        form = _fresh_checkout_form(
            cart, delivery_method=DeliveryMethod.PICKUP.value, pickup_warehouse=str(warehouse_id or "")
        )
        return _checkout_page(cart, form)
    if cart is None:
        raise NotFound()
    form = CheckoutForm(formdata=request.args, meta={"csrf": False})
    return _checkout_page(cart, form, block="pickup_dates")


@bp.post("/checkout/email")
def remember_checkout_email():
    """The checkout's e-mail field, saved on the cart as soon as it is typed (htmx), so a cart
    left at checkout can get its one reminder. Anything but a valid address changes nothing."""
    cart = current_cart()
    form = CheckoutForm()
    form.email.data = (form.email.data or "").strip()
    if cart is not None and form.email.validate(form):  # CSRF is checked for every POST already
        cart.email = form.email.data.strip().lower()
        db.session.commit()
    return "", 204


@bp.post("/checkout")
def confirm_checkout():
    cart = current_cart()
    if cart is None or not cart.lines:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("storefront.cart"), 303)
    form = CheckoutForm()
    _checkout_choices(form, cart, shop_today())
    if not form.validate_on_submit():
        return _checkout_page(cart, form, status=422)
    try:
        expected = Decimal(form.expected_subtotal.data) if form.expected_subtotal.data else None
    except InvalidOperation:
        expected = None
    if expected is not None and not expected.is_finite():
        expected = None
    details = sales.CheckoutDetails(
        email=form.email.data.strip().lower(),
        phone=form.phone.data,
        name=form.name.data.strip(),
        delivery_method=DeliveryMethod(form.delivery_method.data),
        payment_method=PaymentMethod(form.payment_method.data),
        address_line=(form.address_line.data or "").strip(),
        city=(form.city.data or "").strip(),
        postal_code=(form.postal_code.data or "").strip(),
        country=form.country.data,
        pickup_warehouse_id=parse_id(form.pickup_warehouse.data),
        pickup_date=form.chosen_pickup_date(),
        company_name=(form.company_name.data or "").strip(),
        tax_id=(form.tax_id.data or "").strip(),
        locale=locale_code(),
    )
    try:
        order = sales.confirm_quotation(cart, details, expected_subtotal=expected)
        redirect_to = (
            payments.start_card_payment(order)
            if order.payment_method == PaymentMethod.CARD
            else url_for("storefront.track", token=order.tracking_token)
        )
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        cart = current_cart()
        if cart is None:  # confirmed meanwhile, in another tab
            return redirect(url_for("storefront.cart"), 303)
        sales.refresh_quotation(cart)  # show the prices that hold now
        db.session.commit()
        form.expected_subtotal.data = str(cart.subtotal)
        form.show_error(error)
        return _checkout_page(cart, form, status=409 if isinstance(error, OutOfStock) else 422)
    session.pop(CART_SESSION_KEY, None)
    session.setdefault("my_orders", [])
    session["my_orders"] = [*session["my_orders"][-19:], order.tracking_token]
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = redirect_to
        return response
    return redirect(redirect_to, 303)


# --- after checkout: confirmation, payment, tracking -------------------------------------


@bp.get("/orders/<token>")
def track(token: str):
    """The customer's tracking page: what they may see of the timeline, and the parcel's link."""
    order = sales.order_by_token(token)
    timeline = history.events_for(order, public_only=True)
    statuses = {status.code: status for status in order_statuses.statuses(include_archived=True)}
    # The status the customer sees: the last one of their timeline (the current one, unless it
    # is kept from customers), by the same rule as the timeline itself.
    shown = next((statuses.get(e.after) for e in reversed(timeline) if e.kind == "status"), None)
    return render_template(
        "storefront/order.html",
        order=order,
        timeline=timeline,
        status_names={code: order_statuses.status_name(status) for code, status in statuses.items()},
        shown_status=shown,
        shown_colour=safe_colour(shown.colour if shown else None),
        carrier=carrier_name(order.carrier),
        carrier_link=tracking_url(order.carrier, order.tracking_number),
        transactions=payments.transactions_for(order),
        can_pay_by_card=payments.can_pay_by_card(order),
        bank_account=settings.current().bank_account,
        warehouse=db.session.get(Warehouse, order.pickup_warehouse_id) if order.pickup_warehouse_id else None,
    )


@bp.post("/orders/<token>/pay")
def pay(token: str):
    order = sales.order_by_token(token)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        target = payments.start_card_payment(order)
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("storefront.track", token=token), 303)
    return redirect(target, 303)


@bp.get("/checkout/return/<token>")
def payment_return(token: str):
    """Where the provider sends the shopper back; the notification decides, this only tells."""
    order = sales.order_by_token(token)
    last = (payments.transactions_for(order) or [None])[-1]
    if last is not None and last.state == TransactionState.FAILED:
        flash(_("The payment was declined. You can try again."), "error")
    elif order.is_paid:
        flash(_("Thank you! Your payment was received."), "success")
    else:
        flash(_("We are waiting for the payment provider to confirm your payment."), "info")
    return redirect(url_for("storefront.track", token=token), 303)
